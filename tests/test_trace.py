"""`ccprov trace`: from a ledger row back to the original WARC bytes, verified.

Local files, s3:// (SeaweedFS through Beam FileSystems) and http:// (a local server that
answers Range requests) are read back; tampered bytes and wrong offsets must be caught.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.audit import main as audit_main
from pipeline.audit.trace import (
    StoredRecord,
    TraceError,
    compute_digest,
    decoded_payload,
    member_index_of,
    read_record,
    verify_record,
)
from pipeline.sample import SAMPLE_WARC
from tests.warc_builder import article_html, http_response, write_warc
from transforms.warc_reader import read_warc_file
from transforms.writer import table_bytes


def sha1_base32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def assert_verified(row: dict, record) -> None:
    checks = {c.name: c for c in verify_record(row, record)}
    failed = [f"{c.name}: {c.detail}" for c in checks.values() if c.failed]
    assert not failed, failed
    if row["warc_record_id"]:
        assert checks["WARC-Record-ID"].status == "ok"
    if row["payload_digest"]:
        assert checks["payload digest"].status == "ok"


def edit_ledger(root: Path, edit) -> None:
    """Apply `edit(rows)` to the (single) ledger shard of a copied output."""
    path = next((root / "provenance").glob("*.parquet"))
    table = pq.read_table(path)
    rows = table.to_pylist()
    edit(rows)
    path.write_bytes(table_bytes(pa.Table.from_pylist(rows, schema=table.schema)))


def read_single_record(warc: Path):
    """The project's reader's view of a one-record WARC, its ledger fields, and the record
    as trace reads it back."""
    (doc,), _ = read_warc_file(str(warc), 0)
    row = {
        "warc_record_id": doc.warc_record_id,
        "url": doc.url,
        "payload_digest": doc.payload_digest,
    }
    return doc, row, read_record(str(warc), doc.warc_offset, doc.warc_length, doc.warc_record_id)


def copy_output(sample_run, tmp_path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(sample_run.root, out)
    return out


def kept_row(sample_run) -> dict:
    return min(
        (r for r in sample_run.ledger() if r["decision"] == "kept"), key=lambda r: r["doc_id"]
    )


# --- local files ----------------------------------------------------------------------------------
def test_every_sample_record_reads_back_verified(sample_run):
    rows = sample_run.ledger()
    assert rows
    for row in rows:
        record = read_record(
            row["warc_path"], row["warc_offset"], row["warc_length"], row["warc_record_id"]
        )
        assert record.record_type == "response"
        assert_verified(row, record)


def test_trace_prints_the_ledger_row_and_the_checks(sample_run, capsys):
    dropped = next(r for r in sample_run.ledger() if r["decision"] == "dropped")
    assert audit_main(["trace", str(sample_run.root), "--doc-id", dropped["doc_id"]]) == 0
    out = capsys.readouterr().out
    assert "verdict: dropped at stage" in out and dropped["drop_reason"] in out
    assert dropped["url"] in out and str(dropped["warc_offset"]) in out
    assert re.search(r"ok\s+WARC-Record-ID", out)
    assert re.search(r"ok\s+payload digest: " + re.escape(dropped["payload_digest"]), out)


def test_trace_by_url(sample_run, capsys):
    row = kept_row(sample_run)
    assert audit_main(["trace", str(sample_run.root), "--url", row["url"]]) == 0
    assert row["doc_id"] in capsys.readouterr().out


def test_trace_by_a_url_that_does_not_parse_is_a_one_line_answer(sample_run, capsys):
    """`--url 'http://[::1'` was a ValueError traceback (exit 1)."""
    code = audit_main(["trace", str(sample_run.root), "--url", "http://[::1"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and err.count("\n") == 1, err


def test_payload_to_a_file_hashes_to_the_ledger_digest(sample_run, tmp_path, capsys):
    row = kept_row(sample_run)
    target = tmp_path / "payload.html"
    code = audit_main(
        ["trace", str(sample_run.root), "--doc-id", row["doc_id"], "--payload-out", str(target)]
    )
    assert code == 0
    assert sha1_base32(target.read_bytes()) == row["payload_digest"]
    assert f"payload: {target.stat().st_size} bytes written" in capsys.readouterr().out


def test_payload_to_stdout_keeps_stdout_clean(sample_run, capfdbinary):
    row = kept_row(sample_run)
    code = audit_main(
        ["trace", str(sample_run.root), "--doc-id", row["doc_id"], "--payload-out", "-"]
    )
    assert code == 0
    captured = capfdbinary.readouterr()
    assert sha1_base32(captured.out) == row["payload_digest"]
    assert row["doc_id"].encode() in captured.err  # the ledger row went to stderr


def test_tampered_payload_is_a_mismatch(tmp_path):
    body = article_html("Tide pools", ["Anemones close when the tide goes out."] * 5)
    warc = write_warc(
        tmp_path / "plain.warc",
        [http_response("https://example.org/tide", body)],
        gzip=False,
    )
    doc, row, record = read_single_record(warc)
    assert_verified(row, record)
    data = bytearray(warc.read_bytes())
    at = data.index(b"Anemones")
    data[at] = ord("a")  # one byte of the stored payload changes; lengths stay the same
    warc.write_bytes(bytes(data))
    record = read_record(str(warc), doc.warc_offset, doc.warc_length, doc.warc_record_id)
    checks = {c.name: c for c in verify_record(row, record)}
    assert checks["WARC-Record-ID"].status == "ok"
    assert checks["payload digest"].failed
    assert doc.payload_digest in checks["payload digest"].detail


def test_cli_exits_non_zero_on_tampered_bytes(sample_run, tmp_path, capsys):
    body = article_html("Night trains", ["Sleeper services are returning to Europe."] * 5)
    warc = write_warc(
        tmp_path / "plain.warc", [http_response("https://example.org/night", body)], gzip=False
    )
    (doc,), _ = read_warc_file(str(warc), 0)
    data = warc.read_bytes()
    warc.write_bytes(data.replace(b"Sleeper", b"sleeper", 1))
    out = copy_output(sample_run, tmp_path)
    target = kept_row(sample_run)["doc_id"]

    def point_at_tampered(rows):
        for row in rows:
            if row["doc_id"] == target:
                row.update(
                    warc_path=str(warc),
                    warc_offset=doc.warc_offset,
                    warc_length=doc.warc_length,
                    warc_record_id=doc.warc_record_id,
                    url=doc.url,
                    payload_digest=doc.payload_digest,
                )

    edit_ledger(out, point_at_tampered)
    payload = tmp_path / "payload.bin"
    code = audit_main(["trace", str(out), "--doc-id", target, "--payload-out", str(payload)])
    assert code == 1
    text = capsys.readouterr().out
    assert re.search(r"MISMATCH\s+payload digest", text)
    assert "trace: MISMATCH" in text
    assert not payload.exists()  # no payload is handed out from bytes that fail the check


def test_wrong_offset_is_a_record_id_mismatch(sample_run, tmp_path, capsys):
    rows = sorted(sample_run.ledger(), key=lambda r: r["warc_offset"])
    first, second = rows[0], rows[1]
    out = copy_output(sample_run, tmp_path)

    def swap(ledger):
        for row in ledger:
            if row["doc_id"] == first["doc_id"]:
                row.update(warc_offset=second["warc_offset"], warc_length=second["warc_length"])

    edit_ledger(out, swap)
    assert audit_main(["trace", str(out), "--doc-id", first["doc_id"]]) == 1
    assert re.search(r"MISMATCH\s+WARC-Record-ID", capsys.readouterr().out)


def test_missing_or_short_warc_file(sample_run, tmp_path, capsys):
    out = copy_output(sample_run, tmp_path)
    row = kept_row(sample_run)
    short = tmp_path / "short.warc.gz"
    short.write_bytes(Path(row["warc_path"]).read_bytes()[: row["warc_offset"] + 10])

    def move(path):
        def edit(rows):
            for r in rows:
                if r["doc_id"] == row["doc_id"]:
                    r["warc_path"] = path

        return edit

    edit_ledger(out, move(str(tmp_path / "gone.warc.gz")))
    assert audit_main(["trace", str(out), "--doc-id", row["doc_id"]]) == 1
    assert "cannot read" in capsys.readouterr().out
    edit_ledger(out, move(str(short)))
    assert audit_main(["trace", str(out), "--doc-id", row["doc_id"]]) == 1
    assert "before the record does" in capsys.readouterr().out


def test_a_corrupt_gzip_member_is_named(sample_run, tmp_path, capsys):
    out = copy_output(sample_run, tmp_path)
    row = kept_row(sample_run)
    data = bytearray(Path(row["warc_path"]).read_bytes())
    start, length = row["warc_offset"], row["warc_length"]
    for at in (start + length // 2, start + length - 6):  # compressed data, then the CRC
        damaged = tmp_path / f"damaged-{at}.warc.gz"
        flipped = bytearray(data)
        flipped[at] ^= 0xFF
        damaged.write_bytes(bytes(flipped))

        def point(rows, path=str(damaged)):
            for r in rows:
                if r["doc_id"] == row["doc_id"]:
                    r["warc_path"] = path

        edit_ledger(out, point)
        assert audit_main(["trace", str(out), "--doc-id", row["doc_id"]]) == 1
        captured = capsys.readouterr()
        assert f"the gzip member at offset {start} of {damaged} is corrupt" in captured.out
        assert "MISMATCH" not in captured.out and "\\x" not in captured.err
    member_cut_short = bytes(data[start : start + length - 10])
    assert _check_gzip_member_error(member_cut_short, tmp_path / "cut.warc.gz", start)


def _check_gzip_member_error(member: bytes, path: Path, offset: int) -> bool:
    from pipeline.audit.trace import TraceError, _check_gzip_members

    try:
        _check_gzip_members(member, str(path), offset)
    except TraceError as exc:
        return "is cut short" in str(exc)
    return False


def test_usage_errors(sample_run, capsys):
    root = str(sample_run.root)
    assert audit_main(["trace", root, "--doc-id", "nope-000000000000"]) == 2
    assert "no ledger row with doc_id" in capsys.readouterr().err
    assert audit_main(["trace", root]) == 2
    capsys.readouterr()
    row = kept_row(sample_run)
    assert audit_main(["trace", root, "--doc-id", row["doc_id"], "--url", row["url"]]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "exactly one of --doc-id and --url" in err[0]


def test_encoded_payloads_verify_and_decode(tmp_path):
    html = article_html("Compressed", ["A page served with gzip and chunked framing."] * 4)
    packed = gzip.compress(html, mtime=0)
    chunked = (
        b"".join(
            b"%x\r\n%s\r\n" % (len(packed[i : i + 100]), packed[i : i + 100])
            for i in range(0, len(packed), 100)
        )
        + b"0\r\n\r\n"
    )
    warc = write_warc(
        tmp_path / "enc.warc.gz",
        [
            http_response(
                "https://example.org/enc",
                chunked,
                headers=[("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")],
            )
        ],
    )
    doc, row, record = read_single_record(warc)
    assert_verified(row, record)
    assert decoded_payload(record) == html
    assert record.payload() in (chunked, packed)


def test_compute_digest_follows_the_declared_encoding():
    data = b"payload bytes"
    assert compute_digest(data, "sha1:AAAA") == sha1_base32(data)
    hex_declared = "sha256:" + "0" * 64
    assert compute_digest(data, hex_declared) == "sha256:" + hashlib.sha256(data).hexdigest()
    assert compute_digest(data, "nosuchalgo:xyz") is None
    assert compute_digest(data, "shake-128:xyz") is None  # no fixed size: raised TypeError


def stored(block: bytes, payload_digest: str, record_type: str = "response", url: str = "u"):
    headers = [("WARC-Type", record_type), ("WARC-Record-ID", "<urn:x:1>"),
               ("WARC-Target-URI", url), ("WARC-Payload-Digest", payload_digest)]  # fmt: skip
    return StoredRecord("f.warc", 0, len(block), headers, block)


def checks_of(record: StoredRecord, url: str = "u", drop_reason=None) -> dict[str, str]:
    row = {"warc_record_id": "<urn:x:1>", "url": url, "drop_reason": drop_reason,
           "payload_digest": record.header("WARC-Payload-Digest")}  # fmt: skip
    return {c.name: c.status for c in verify_record(row, record)}


@pytest.mark.parametrize(
    "declared",
    [
        "sha256:" + base64.b64encode(hashlib.sha256(b"body").digest()).decode(),
        "sha256:" + base64.b64encode(hashlib.sha256(b"body").digest()).decode().rstrip("="),
        "sha3-256:" + base64.b32encode(hashlib.sha3_256(b"body").digest()).decode(),
        "SHA-1:" + hashlib.sha1(b"body").hexdigest(),
    ],
)
def test_digests_in_other_encodings_and_algorithms_are_checked(declared):
    """Correct base64 digests were reported as MISMATCH and sha3-256 as unknown."""
    record = stored(b"HTTP/1.1 200 OK\r\n\r\nbody", declared)
    assert checks_of(record)["payload digest"] == "ok"
    wrong = stored(b"HTTP/1.1 200 OK\r\n\r\nBODY", declared)
    assert checks_of(wrong)["payload digest"] == "MISMATCH"


def test_a_capitalised_record_type_still_has_its_payload_found():
    record = stored(b"HTTP/1.1 200 OK\r\n\r\nbody", "sha1:" + sha1_base32(b"body")[5:],
                    record_type="Response")  # fmt: skip
    assert record.payload() == b"body"
    assert checks_of(record)["payload digest"] == "ok"


def test_a_block_without_a_status_line_has_its_payload_digest_skipped_if_the_run_said_so():
    """The run read such a block as bad_http_response; trace cannot find its payload either.
    A row the run read whole had a status line: a block without one now has changed."""
    record = stored(b"http/1.1 200 OK\r\n\r\nbody", "sha1:" + sha1_base32(b"body")[5:])
    assert checks_of(record, drop_reason="bad_http_response")["payload digest"] == "skipped"
    assert checks_of(record)["payload digest"] == "MISMATCH"


def test_a_payload_after_an_interim_response_is_digested_as_writers_digest_it():
    """warcio digests everything after the first head; the run reads the final response."""
    after_first = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>x"
    block = b"HTTP/1.1 100 Continue\r\n\r\n" + after_first
    record = stored(block, "sha1:" + sha1_base32(after_first)[5:])
    assert record.payload() == b"<p>x"
    assert checks_of(record)["payload digest"] == "ok"


def test_a_uri_with_spaces_matches_warcios_escaped_reading():
    record = stored(b"HTTP/1.1 200 OK\r\n\r\nbody", "sha1:" + sha1_base32(b"body")[5:],
                    url="http://e.example/a%20b")  # fmt: skip
    assert checks_of(record, url="http://e.example/a b")["WARC-Target-URI"] == "ok"
    assert checks_of(record, url="http://e.example/a c")["WARC-Target-URI"] == "MISMATCH"


# --- http(s) and s3 ------------------------------------------------------------------------------
def test_records_read_back_over_http_range_requests(sample_run, http_server):
    base = http_server(Path(SAMPLE_WARC).parent)
    url = f"{base}/{Path(SAMPLE_WARC).name}"
    rows = sample_run.ledger()
    for row in rows:
        record = read_record(url, row["warc_offset"], row["warc_length"], row["warc_record_id"])
        assert_verified(row, record)


def test_server_without_range_support_is_a_clear_error(sample_run, http_server):
    base = http_server(Path(SAMPLE_WARC).parent, honour_ranges=False)
    row = kept_row(sample_run)
    with pytest.raises(TraceError, match="does not serve byte ranges"):
        read_record(f"{base}/{Path(SAMPLE_WARC).name}", row["warc_offset"], row["warc_length"])


@pytest.mark.s3
def test_records_read_back_from_s3(sample_run, s3_server):
    from apache_beam.io.filesystems import FileSystems
    from apache_beam.options.pipeline_options import PipelineOptions

    bucket = s3_server.create_bucket()
    s3_server.client().put_object(
        Bucket=bucket, Key="crawl/sample.warc.gz", Body=Path(SAMPLE_WARC).read_bytes()
    )
    previous = FileSystems._pipeline_options
    FileSystems.set_options(PipelineOptions(s3_server.beam_args()))
    rows = sorted(sample_run.ledger(), key=lambda r: r["warc_offset"])
    try:
        # Each open costs an S3 client and a request or two: a few records are enough.
        for row in rows[:2] + rows[-2:]:
            record = read_record(
                f"s3://{bucket}/crawl/sample.warc.gz",
                row["warc_offset"],
                row["warc_length"],
                row["warc_record_id"],
            )
            assert_verified(row, record)
    finally:
        FileSystems.set_options(previous)


@pytest.mark.s3
def test_an_s3_warc_that_cannot_be_read_is_one_line_at_once(
    sample_run, s3_server, tmp_path, capsys
):
    """Beam's S3 layer retries a missing object's 403/404 with logged tracebacks, and an
    endpoint that does not answer for about 8 minutes: trace asks S3 once itself first."""
    from tests.s3_fixture import free_ports

    bucket = s3_server.create_bucket()
    url = f"s3://{bucket}/crawl/sample.warc.gz"
    s3_server.client().put_object(
        Bucket=bucket, Key="crawl/sample.warc.gz", Body=Path(SAMPLE_WARC).read_bytes()
    )
    out = copy_output(sample_run, tmp_path)
    row = kept_row(sample_run)

    def to_s3(rows):
        for r in rows:
            r["warc_path"] = url

    edit_ledger(out, to_s3)
    good = s3_server.beam_args()
    wrong_secret = [a for a in good if "secret" not in a] + ["--s3_secret_access_key=wrong"]
    nowhere = [a for a in good if "endpoint" not in a]
    nowhere.append(f"--s3_endpoint_url=http://127.0.0.1:{free_ports(1)[0]}")
    trace = ["trace", str(out), "--doc-id", row["doc_id"]]
    assert audit_main([*trace, *good]) == 0
    assert "payload digest" in capsys.readouterr().out
    for args, expected in (
        (wrong_secret, f"{url} at {s3_server.endpoint_url} refused access (HTTP 403)"),
        (nowhere, "cannot reach S3 at http://127.0.0.1:"),
    ):
        assert audit_main([*trace, *args]) == 1
        captured = capsys.readouterr()
        assert f"ERROR    cannot read the original record: {expected}" in captured.out
        assert captured.err == ""
    s3_server.client().delete_object(Bucket=bucket, Key="crawl/sample.warc.gz")
    assert audit_main([*trace, *good]) == 1
    captured = capsys.readouterr()
    assert f"cannot read the original record: {url} does not exist at" in captured.out
    assert captured.err == ""


# --- real WARC files -------------------------------------------------------------------------------
def test_real_warc_records_read_back(shared_run):
    """Every record of the real files verifies; a truncated one must not."""
    rows = shared_run.ledger()
    verified = truncated = 0
    for row in rows:
        if row["decision"] == "error" and row["drop_reason"] != "truncated_record":
            continue  # other broken records: no claim either way
        try:
            record = read_record(
                row["warc_path"], row["warc_offset"], row["warc_length"], row["warc_record_id"]
            )
        except TraceError:
            assert row["drop_reason"] == "truncated_record", row["doc_id"]
            truncated += 1
            continue
        if row["drop_reason"] == "truncated_record":
            # e.g. the clipped record: its bytes cannot hash to the digest its header declares
            assert any(c.failed for c in verify_record(row, record)), row["doc_id"]
            truncated += 1
            continue
        assert_verified(row, record)
        verified += 1
    assert verified == sum(1 for r in rows if r["decision"] != "error") > 0
    assert truncated == sum(1 for r in rows if r["drop_reason"] == "truncated_record") > 0


@pytest.mark.parametrize("member_size", [1000, 700])
def test_records_inside_fixed_size_gzip_members_are_traced(tmp_path, member_size):
    """Records that do not start at a member start share their chain's offset (doc_id `.N`,
    no length); warcio cannot frame them, so trace frames them as the run did. With 700-byte
    members the first response's id lies in the first member but its block does not: warcio
    found the id there and trace checked a cut record (MISMATCH on an unchanged file)."""
    from tests.corrupt_warcs import article, gz, http_block, warc_record

    raw = warc_record("warcinfo", None, b"software: fixed-size\r\n") + b"".join(
        warc_record("response", f"http://fx.example/{i}", http_block(article(i, 4)))
        for i in range(3)
    )
    path = tmp_path / "fixed.warc.gz"
    path.write_bytes(
        b"".join(gz(raw[i : i + member_size]) for i in range(0, len(raw), member_size))
    )
    docs, _ = read_warc_file(str(path), 0)
    assert [d.doc_id.rsplit("-", 1)[-1] for d in docs] == [
        "000000000000.1",
        "000000000000.2",
        "000000000000.3",
    ]
    for doc in docs:
        row = {"warc_record_id": doc.warc_record_id, "url": doc.url, "payload_digest": None}
        record = read_record(
            str(path), doc.warc_offset, doc.warc_length, doc.warc_record_id,
            member_index_of(doc.doc_id),
        )  # fmt: skip
        assert record.header("WARC-Record-ID") == doc.warc_record_id
        assert_verified(row, record)
        assert record.block.endswith(b"</html>")


@pytest.mark.parametrize("record_ids", ["same", "none"])
def test_records_sharing_a_member_are_picked_by_place_not_by_id(tmp_path, record_ids):
    """Two responses in one member with one id, or none: trace took the first for both."""
    from tests.corrupt_warcs import article, gz, http_block, warc_header

    def record(i: int) -> bytes:
        block = http_block(article(i, 2))
        header = warc_header("response", f"http://pair.example/{i}", len(block),
                             record_id="<urn:uuid:same>")  # fmt: skip
        if record_ids == "none":
            header = header.replace(b"WARC-Record-ID: <urn:uuid:same>\r\n", b"")
        return header + block + b"\r\n\r\n"

    path = tmp_path / "pair.warc.gz"
    path.write_bytes(gz(record(0) + record(1)))
    docs, _ = read_warc_file(str(path), 0)
    assert [d.url for d in docs] == ["http://pair.example/0", "http://pair.example/1"]
    for doc in docs:
        record = read_record(
            str(path), doc.warc_offset, doc.warc_length, doc.warc_record_id,
            member_index_of(doc.doc_id),
        )  # fmt: skip
        assert record.header("WARC-Target-URI") == doc.url


def test_a_record_far_into_one_gzip_member_is_traced(tmp_path):
    """A whole file gzipped as one member: trace gave up after 10,000 records and checked
    the first record instead (a Common Crawl-style file has three records a page)."""
    from tests.corrupt_warcs import gz, http_block, warc_record

    count = 10_005
    body = b"".join(
        warc_record("response", f"http://big.example/{i}", http_block(b"x", "200 OK", None))
        for i in range(count)
    )
    path = tmp_path / "one-member.warc.gz"
    path.write_bytes(gz(body))
    record = read_record(str(path), 0, None, None, member_index=count - 2)
    assert record.header("WARC-Target-URI") == f"http://big.example/{count - 2}"
    with pytest.raises(TraceError, match="no record 10005 in the gzip member"):
        read_record(str(path), 0, None, None, member_index=count)


def test_member_index_is_read_from_the_doc_id():
    assert member_index_of("7e17392110e9-000000000000.12") == 12
    assert member_index_of("7e17392110e9-000000001234") == 0
    assert member_index_of(None) == 0


def test_payload_out_inside_the_output_is_refused(sample_run, tmp_path, capsys):
    """--payload-out into a shard overwrote it (exit 0): the output was unreadable after."""
    out = tmp_path / "out"
    shutil.copytree(sample_run.root, out)
    row = kept_row(sample_run)
    shard = next((out / "corpus").glob("*.parquet"))
    before = shard.read_bytes()
    args = ["trace", str(out), "--doc-id", row["doc_id"], "--payload-out", str(shard)]
    assert audit_main(args) == 2
    assert "is inside the output" in capsys.readouterr().err
    assert shard.read_bytes() == before


def test_control_characters_of_a_page_are_printed_as_escapes(tmp_path, capsys):
    url = "https://esc.example.com/p\x1b[31m"
    body = article_html("t", ["© 2023 Evil\x1b]0;pwned\x07 Corp. " + "Words of a page. " * 40])
    warc = write_warc(tmp_path / "esc.warc.gz", [http_response(url, body)])
    out = tmp_path / "out"
    from pipeline.cli import main as ccprov_main

    assert ccprov_main(["run", "--quiet", "--input", str(warc), "--output", str(out)]) == 0
    (row,) = pq.read_table(next((out / "provenance").glob("*.parquet"))).to_pylist()
    assert row["url"] == url  # the ledger keeps what the page said
    capsys.readouterr()
    assert audit_main(["trace", str(out), "--doc-id", row["doc_id"]]) == 0
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "\x07" not in printed
    assert "p\\x1b[31m" in printed


def test_trace_by_url_compares_urls_as_takedown_does(sample_run, capsys):
    """`takedown --urls` matched https://host/page#section for https://HOST:443/page; trace
    found "no ledger row"."""
    row = kept_row(sample_run)
    parts = row["url"].split("://", 1)
    scheme, rest = parts[0], parts[1]
    host, _, path = rest.partition("/")
    port = ":443" if scheme == "https" else ":80"
    spelled = f"{scheme.upper()}://{host.upper()}{port}/{path}#section"
    assert audit_main(["trace", str(sample_run.root), "--url", spelled]) == 0
    assert row["doc_id"] in capsys.readouterr().out


def test_trace_by_url_finds_a_host_in_either_idna_spelling(tmp_path, capsys):
    """A ledger URL naming its host in Unicode (as some crawlers write it) was not found
    once trace compared hosts in their ASCII form."""
    from pipeline.cli import main as ccprov_main

    body = article_html("Katalog", ["Bücher über die Küste und das Meer. " * 30])
    other = article_html("Kaart", ["Een andere pagina over de kust en de zee. " * 30])
    warc = write_warc(
        tmp_path / "idn.warc.gz",
        [
            http_response("http://bücher.example/katalog", body),
            http_response("http://例え。テスト/p", other),  # an ideographic full stop
        ],
    )
    out = tmp_path / "out"
    assert ccprov_main(["run", "--quiet", "--input", str(warc), "--output", str(out)]) == 0
    rows = pq.read_table(next((out / "provenance").glob("*.parquet"))).to_pylist()
    doc_of = {row["url"]: row["doc_id"] for row in rows}
    for spelled, crawled in (
        ("HTTP://bücher.example/katalog", "http://bücher.example/katalog"),
        ("http://bücher.example:80/katalog#x", "http://bücher.example/katalog"),
        ("http://xn--bcher-kva.example/katalog", "http://bücher.example/katalog"),
        ("http://xn--r8jz45g.xn--zckzah/p", "http://例え。テスト/p"),
        ("http://例え.テスト/p", "http://例え。テスト/p"),
    ):
        capsys.readouterr()
        assert audit_main(["trace", str(out), "--url", spelled]) == 0, spelled
        assert doc_of[crawled] in capsys.readouterr().out


def _run_on_a_clipped_warc(tmp_path, responses: int):
    """A run on an uncompressed WARC cut 200 bytes short: (its path, the output, the
    ledger rows, the row of the truncated record)."""
    from pipeline.cli import main as ccprov_main

    page = article_html("Tides", ["The tide rises and falls twice a day along this coast."] * 40)
    path = write_warc(
        tmp_path / "d.warc",
        [http_response(f"http://e.com/{i}", page) for i in range(responses)],
        gzip=False,
    )
    clipped = tmp_path / "clipped.warc"
    clipped.write_bytes(path.read_bytes()[:-200])
    out = tmp_path / "out"
    assert ccprov_main(["run", "--quiet", "--input", str(clipped), "--output", str(out)]) == 0
    rows = pq.read_table(next((out / "provenance").glob("*.parquet"))).to_pylist()
    (broken,) = [r for r in rows if r["decision"] == "error"]
    assert broken["drop_reason"] == "truncated_record"
    return path, clipped, out, rows, broken


def test_a_record_the_run_found_truncated_traces_as_recorded(tmp_path, capsys):
    """Tracing a record the ledger marks `truncated_record` always failed (exit 1), like a
    file changed after the run; the damage is what the ledger describes."""
    path, clipped, out, rows, broken = _run_on_a_clipped_warc(tmp_path, 3)
    capsys.readouterr()
    assert audit_main(["trace", str(out), "--doc-id", broken["doc_id"]]) == 0
    printed = capsys.readouterr().out
    assert "NOTE" in printed and "truncated_record" in printed
    # The same file cut shorter after the run: the kept rows now fail.
    clipped.write_bytes(path.read_bytes()[:200])
    kept = next(r for r in rows if r["decision"] != "error")
    assert audit_main(["trace", str(out), "--doc-id", kept["doc_id"]]) == 1


def test_an_error_row_whose_bytes_were_intact_still_fails_when_they_change(tmp_path, capsys):
    """The NOTE covered every error row: a record without an HTTP status line (its bytes
    intact when the run read them) then traced with exit 0 after its file was changed."""
    import base64

    from pipeline.cli import main as ccprov_main

    block = b"NOT AN HTTP RESPONSE\r\n" + b"<p>Gardens and trees, a long paragraph.</p>" * 20
    digest = "sha1:" + base64.b32encode(hashlib.sha1(block).digest()).decode()
    header = (
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://example.org/bad\r\n"
        "WARC-Date: 2024-05-01T00:00:00Z\r\nWARC-Record-ID: <urn:uuid:0000-1>\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"WARC-Block-Digest: {digest}\r\nContent-Length: {len(block)}\r\n\r\n"
    )
    warc = tmp_path / "bad.warc"
    warc.write_bytes(header.encode() + block + b"\r\n\r\n")
    out = tmp_path / "out"
    assert ccprov_main(["run", "--quiet", "--input", str(warc), "--output", str(out)]) == 0
    (row,) = pq.read_table(next((out / "provenance").glob("*.parquet"))).to_pylist()
    assert row["drop_reason"] == "bad_http_response"
    capsys.readouterr()
    assert audit_main(["trace", str(out), "--doc-id", row["doc_id"]]) == 0
    warc.write_bytes(warc.read_bytes().replace(b"Gardens", b"Garden5", 1))
    assert audit_main(["trace", str(out), "--doc-id", row["doc_id"]]) == 1
    assert "NOTE" not in capsys.readouterr().out


def test_a_damaged_rows_file_that_is_gone_still_fails(tmp_path, capsys):
    _, clipped, out, _, broken = _run_on_a_clipped_warc(tmp_path, 2)
    clipped.rename(tmp_path / "moved.warc")
    capsys.readouterr()
    assert audit_main(["trace", str(out), "--doc-id", broken["doc_id"]]) == 1
    assert "NOTE" not in capsys.readouterr().out


def test_a_shared_member_cut_after_the_run_is_not_read_as_whole(tmp_path):
    """A record of a member cut short came back with an empty block, which trace took for a
    block without a status line and passed (exit 0)."""
    from tests.corrupt_warcs import article, gz, http_block, warc_record

    raw = b"".join(
        warc_record("response", f"http://cut.example/{i}", http_block(article(i, 2)))
        for i in range(3)
    )
    path = tmp_path / "shared.warc.gz"
    path.write_bytes(gz(raw))
    docs, _ = read_warc_file(str(path), 0)
    assert len(docs) == 3 and docs[0].warc_length is None
    path.write_bytes(path.read_bytes()[:240])
    with pytest.raises(TraceError, match="is damaged") as raised:
        read_record(str(path), 0, None, docs[0].warc_record_id, member_index_of(docs[0].doc_id))
    assert "no readable WARC record" not in str(raised.value)  # said once, not wrapped
    # a member overwritten since: the damage found there is named, not only "no record 0"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 400)
    with pytest.raises(TraceError, match=r"no record 0 in the gzip member .* at offset 0 .*: \w+"):
        read_record(str(path), 0, None, None, 0)


def test_an_edited_http_head_is_a_change():
    """Second review: a status line edited to 100 made the body (itself an HTTP response)
    the payload; a bad_http_response row given a status line traced ok."""
    inner = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\nEVIL"
    record = stored(b"HTTP/1.1 100 OK\r\nContent-Type: text/plain\r\n\r\n" + inner,
                    "sha1:" + sha1_base32(inner)[5:])  # fmt: skip
    row = {"warc_record_id": "<urn:x:1>", "url": "u", "http_status": 200,
           "content_type": "text/plain", "payload_digest": record.header("WARC-Payload-Digest")}  # fmt: skip
    assert {c.name: c.status for c in verify_record(row, record)}["Content-Type"] == "MISMATCH"
    fixed = stored(b"HTTP/1.1 200 OK\r\n\r\nbody", "sha1:" + sha1_base32(b"body")[5:])
    checks = checks_of(fixed, drop_reason="bad_http_response")
    assert checks["HTTP status"] == "MISMATCH"


def test_a_repeated_content_type_is_compared_as_the_run_recorded_it(tmp_path):
    """The run records every Content-Type line joined. Runs before 7 December 2026 recorded
    the first line alone: still a MISMATCH (a line added after a later run looks the same,
    and was reported ok), with that reason named."""
    headers = [("Content-Type", "text/html"), ("Content-Type", "text/html; charset=utf-8")]
    warc = write_warc(
        tmp_path / "two.warc.gz",
        [http_response("https://example.org/two", article_html("T", ["x"]), headers=headers)],
    )
    doc, row, record = read_single_record(warc)
    assert doc.content_type == "text/html, text/html; charset=utf-8"

    def content_type_check(recorded: str):
        checks = {c.name: c for c in verify_record({**row, "content_type": recorded}, record)}
        return checks["Content-Type"]

    assert content_type_check(doc.content_type).status == "ok"
    older = content_type_check("text/html")  # an older run's ledger, or a line added since
    assert older.status == "MISMATCH" and "first line only" in older.detail
    other = content_type_check("text/html; charset=utf-8")
    assert other.status == "MISMATCH" and "first line only" not in other.detail
