"""`ccprov trace OUTPUT --doc-id ID | --url URL`: from a ledger row back to the original bytes.

Prints the ledger row (every measurement and decision), then re-reads the WARC record at
`warc_path` + `warc_offset` (`warc_length` bytes: one gzip member in a .warc.gz) and checks
that it is the record the ledger names: same WARC-Record-ID, same target URI, same
WARC-Payload-Digest header, and a payload that still hashes to that digest. Local files,
s3:// / gs:// (Beam FileSystems, seek) and http(s):// (one Range request) are supported.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import io
import json
import sys
import urllib.error
import urllib.request
import zlib
from typing import IO
from urllib.parse import urlsplit

from pipeline.audit.store import OutputStore, s3_object_problem
from pipeline.errors import is_utf8, terminal_safe, write_stdout
from pipeline.plan import UsageError
from transforms import http_payload
from transforms.warc_reader import BAD_HTTP_RESPONSE, clean_uri
from transforms.writer import LEDGER_DIR, stage_of


def _file_missing(exc: BaseException) -> bool:
    """A file that is gone or closed to us is a change since the run, whatever the row says."""
    chain = [exc, exc.__cause__, exc.__context__]
    if any(isinstance(e, (FileNotFoundError, PermissionError, IsADirectoryError)) for e in chain):
        return True
    text = str(exc).lower()
    return any(
        word in text for word in ("no such file", "not found", "does not exist", "403", "404")
    )


# Error rows whose bytes the run found damaged: they cannot read back whole. (Other error
# rows, a block without an HTTP status line say, were intact: a mismatch there is a change.)
DAMAGED_BYTES = frozenset({"truncated_record", "content_length_mismatch", "corrupt_record"})

# When the ledger has no length (a record that broke off), read at most this much.
MAX_UNKNOWN_LENGTH = 64 * 1024 * 1024
HTTP_TIMEOUT_S = 60


class TraceError(Exception):
    """The record cannot be read back (missing file, short file, not a WARC record)."""


@dataclasses.dataclass
class StoredRecord:
    """One WARC record as read back from its file."""

    warc_path: str
    offset: int
    raw_length: int  # bytes read from the file (compressed, for .warc.gz)
    headers: list[tuple[str, str]]
    block: bytes  # the content block as stored: HTTP headers + payload for responses

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def record_type(self) -> str | None:
        return self.header("WARC-Type")

    def http(self) -> http_payload.HttpResponse | None:
        if (self.record_type or "").strip().lower() in ("response", "request"):  # "Response" too
            response = http_payload.parse_http_response(self.block)
            if response.status is not None:
                return response
        return None

    def payload(self) -> bytes:
        """The payload WARC-Payload-Digest covers: the HTTP entity body as stored."""
        response = self.http()
        return response.body if response is not None else self.block


@dataclasses.dataclass
class Check:
    name: str
    status: str  # ok | MISMATCH | skipped
    detail: str

    @property
    def failed(self) -> bool:
        return self.status == "MISMATCH"


# --- reading the bytes ------------------------------------------------------------------------
def _open_http_range(url: str, offset: int, length: int | None) -> IO[bytes]:
    end = "" if length is None else str(offset + length - 1)
    request = urllib.request.Request(url, headers={"Range": f"bytes={offset}-{end}"})
    try:
        response = urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S)  # noqa: S310
    except (urllib.error.URLError, OSError) as exc:
        raise TraceError(f"cannot fetch {url}: {exc}") from exc
    if response.status != 206:
        response.close()
        raise TraceError(
            f"{url} answered HTTP {response.status} to a Range request (206 expected): "
            "the server does not serve byte ranges"
        )
    return response


def _open_at(warc_path: str, offset: int, length: int | None) -> IO[bytes]:
    if warc_path.startswith(("http://", "https://")):
        return _open_http_range(warc_path, offset, length)
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    try:
        handle = FileSystems.open(warc_path, compression_type=CompressionTypes.UNCOMPRESSED)
        handle.seek(offset)
    except Exception as exc:  # noqa: BLE001 - any storage failure is reported the same way
        raise TraceError(f"cannot read {warc_path}: {type(exc).__name__}: {exc}") from exc
    return handle


def member_index_of(doc_id: str | None) -> int:
    """N of a doc_id ending in `.N`: the record is the (N+1)-th of the gzip member, or chain of
    members, at its offset (writers that put several records in one member)."""
    _, dot, index = (doc_id or "").rpartition(".")
    return int(index) if dot and index.isdigit() else 0


def read_record(
    warc_path: str,
    offset: int,
    length: int | None,
    record_id: str | None = None,
    member_index: int = 0,
) -> StoredRecord:
    """The WARC record at `offset` of `warc_path` (`length` bytes when known).

    Without a length the record shares its gzip member, or a chain of members cut at a fixed
    size, with others: it is framed by ccprov's own reader as the run framed it, and picked by
    its place in the member (`member_index`, doc_id's `.N`), which holds when record ids are
    missing or repeated. With a length the bytes are one record, framed by warcio.
    """
    if length is None:
        return _record_in_member(warc_path, offset, member_index)
    from warcio.archiveiterator import ArchiveIterator

    handle = _open_at(warc_path, offset, length)
    try:
        raw = handle.read(length)
    finally:
        handle.close()
    if len(raw) < length:
        raise TraceError(
            f"{warc_path} ends {length - len(raw)} bytes before the record does "
            f"(read {len(raw)} of {length} bytes at offset {offset})"
        )
    _check_gzip_members(raw, warc_path, offset)
    found: StoredRecord | None = None
    try:
        for record in ArchiveIterator(io.BytesIO(raw), no_record_parse=True, check_digests=False):
            headers = [(k, v) for k, v in record.rec_headers.headers]
            block = record.raw_stream.read(MAX_UNKNOWN_LENGTH)
            candidate = StoredRecord(warc_path, offset, length, headers, block)
            if found is None or candidate.header("WARC-Record-ID") == record_id:
                found = candidate
            if record_id and found.header("WARC-Record-ID") == record_id:
                break
    except Exception as exc:  # noqa: BLE001 - not WARC, broken gzip member
        if found is None:
            raise TraceError(
                f"no readable WARC record at offset {offset} of {warc_path}: "
                f"{type(exc).__name__}: {str(exc)[:200]}"
            ) from exc
    if found is None:
        raise TraceError(f"no WARC record at offset {offset} of {warc_path}")
    return found


def _record_in_member(warc_path: str, offset: int, member_index: int) -> StoredRecord:
    """The `member_index`-th record of the member (or member chain) at `offset`, framed by
    ccprov's reader: warcio cannot frame a record that does not start where a member does."""
    from transforms.warc_reader import RawRecord, iter_raw_records

    handle = _open_at(warc_path, offset, None)
    damage = ""
    try:
        for item in iter_raw_records(handle, MAX_UNKNOWN_LENGTH):
            if item.offset > 0:
                break  # past the member the ledger points at
            if not isinstance(item, RawRecord):
                damage = damage or f": {item.kind} ({item.message})"
            elif item.member_index == member_index:
                if item.problem:  # cut short or broken: not the bytes the run read whole
                    raise TraceError(
                        f"the record at offset {offset} of {warc_path} is damaged "
                        f"({item.problem}: {item.detail})"
                    )
                return StoredRecord(warc_path, offset, -1, item.headers, item.block)
    except TraceError:
        raise
    except Exception as exc:  # noqa: BLE001 - not WARC, unreadable: said as such
        raise TraceError(
            f"no readable WARC record at offset {offset} of {warc_path}: "
            f"{type(exc).__name__}: {str(exc)[:200]}"
        ) from exc
    finally:
        handle.close()
    raise TraceError(
        f"no record {member_index} in the gzip member (or plain stretch) at offset {offset} "
        f"of {warc_path}{damage[:300]}"
    )


def _check_gzip_members(raw: bytes, warc_path: str, offset: int) -> None:
    """A record stored gzipped must decompress whole, CRC included: a flipped byte would
    otherwise surface as a confusing record-id and digest mismatch."""
    if raw[:2] != b"\x1f\x8b":
        return
    rest = raw
    while rest:
        member = zlib.decompressobj(31)
        try:
            while rest and not member.eof:
                chunk, rest = rest[: 1 << 20], rest[1 << 20 :]
                member.decompress(chunk)  # the text is not kept: only the CRC matters here
        except zlib.error as exc:
            raise TraceError(
                f"the gzip member at offset {offset} of {warc_path} is corrupt ({exc}): "
                "the file changed after the run"
            ) from exc
        if not member.eof:
            raise TraceError(f"the gzip member at offset {offset} of {warc_path} is cut short")
        rest = member.unused_data + rest


# --- checking them ------------------------------------------------------------------------------
def _hash(algorithm: str, data: bytes) -> bytes | None:
    """`data`'s digest by a WARC algorithm label ("sha1", "SHA-256", "sha3-256"), or None."""
    label = algorithm.strip().lower()
    for name in (label, label.replace("-", "_"), label.replace("-", "")):
        try:
            return hashlib.new(name, data).digest()
        except (ValueError, TypeError):  # unknown, or of no fixed size (shake_128)
            continue
    return None


def _decodings(value: str, size: int) -> dict[str, bytes]:
    """The readings of a declared digest value that have the digest's size, by encoding:
    base32 (WARC's custom), hex, or base64 (some writers)."""
    value = value.strip()
    readings: dict[str, bytes] = {}
    if len(value) == 2 * size:
        try:
            readings["hex"] = bytes.fromhex(value)
        except ValueError:
            pass
    for encoding, decode, block in (
        ("base32", lambda v: base64.b32decode(v.upper()), 8),
        ("base64", base64.b64decode, 4),
        ("base64url", base64.urlsafe_b64decode, 4),
    ):
        padded = value.rstrip("=") + "=" * (-len(value.rstrip("=")) % block)
        try:
            decoded = decode(padded)
        except (binascii.Error, ValueError):
            continue
        if len(decoded) == size:
            readings.setdefault(encoding, decoded)
    return readings


def compute_digest(payload: bytes, declared: str) -> str | None:
    """`payload`'s digest in the algorithm and encoding of `declared` ("sha1:BASE32...")."""
    algorithm, _, value = declared.partition(":")
    digest = _hash(algorithm, payload)
    if digest is None:
        return None
    readings = _decodings(value, len(digest))
    if "hex" in readings:
        encoded = digest.hex()
    elif "base32" not in readings and "base64" in readings:
        encoded = base64.b64encode(digest).decode()
    else:
        encoded = base64.b32encode(digest).decode()
    return f"{algorithm}:{encoded}"


def _digest_matches(data: bytes, declared: str) -> bool:
    algorithm, _, value = declared.partition(":")
    digest = _hash(algorithm, data)
    return digest is not None and digest in _decodings(value, len(digest)).values()


def _compare(name: str, ledger_value, record_value) -> Check:
    if ledger_value is None and record_value is None:
        return Check(name, "skipped", "absent from both the ledger and the record")
    if ledger_value == record_value:
        return Check(name, "ok", str(record_value))
    return Check(name, "MISMATCH", f"ledger has {ledger_value!r}, the record has {record_value!r}")


def _digest_check(name: str, declared: str, candidates: list[tuple[str, bytes]]) -> Check:
    """Does the first candidate (or, failing that, a known variant) hash to `declared`?"""
    first_label, first = candidates[0]
    computed = compute_digest(first, declared)
    if computed is None:
        return Check(name, "skipped", f"unknown algorithm in {declared!r}")
    for label, data in candidates:
        if _digest_matches(data, declared):
            where = f"{len(data)} bytes" if label == first_label else f"the {label}"
            return Check(name, "ok", f"{declared} over {where}")
    return Check(
        name,
        "MISMATCH",
        f"the record declares {declared}, its {len(first)}-byte {first_label} hashes to {computed}",
    )


def _compare_uri(ledger_url: str | None, record_uri: str | None) -> Check:
    check = _compare("WARC-Target-URI", ledger_url, record_uri)
    if check.failed and ledger_url and ledger_url.replace(" ", "%20") == record_uri:
        # warcio escapes the spaces of an invalid URI (or a folded header line); the run
        # keeps the header's value as written
        return Check(check.name, "ok", f"{ledger_url} (warcio reads it as {record_uri})")
    return check


def _compare_head(name: str, row: dict, column: str, value) -> Check:
    """A field of the HTTP head against the ledger, where the run recorded it (rows dropped
    before the head was read have none)."""
    recorded = row.get(column)
    if recorded is not None:
        return _compare(name, recorded, value)
    if column == "http_status" and row.get("drop_reason") == BAD_HTTP_RESPONSE and value:
        return Check(name, "MISMATCH", f"the run found no status line, the record has {value}")
    return Check(name, "skipped", "not recorded by the run")


def _compare_content_type(row: dict, response) -> Check:
    """Content-Type as the run recorded it: every line of a repeated header, joined. Runs
    before 7 December 2026 recorded the first line alone; that is still a MISMATCH (a line
    added after the run looks the same), with the reason named."""
    combined = response.combined_header("Content-Type") if response else None
    check = _compare_head("Content-Type", row, "content_type", combined)
    first = response.header("Content-Type") if response else None
    if check.failed and first is not None and row.get("content_type") == first:
        return Check(
            "Content-Type",
            "MISMATCH",
            f"{check.detail}: the ledger has its first line only, as runs before 7 December "
            "2026 recorded it; for a later run a line was added",
        )
    return check


def verify_record(row: dict, record: StoredRecord) -> list[Check]:
    """Is `record` the one the ledger row describes, with its payload intact?"""
    response = record.http()
    checks = [
        _compare("WARC-Record-ID", row.get("warc_record_id"), record.header("WARC-Record-ID")),
        _compare_uri(row.get("url"), clean_uri(record.header("WARC-Target-URI"))),
        # the HTTP head the run read: an edited status line or type is a change
        _compare_head("HTTP status", row, "http_status", response.status if response else None),
        _compare_content_type(row, response),
        _compare(
            "WARC-Payload-Digest header",
            row.get("payload_digest"),
            record.header("WARC-Payload-Digest"),
        ),
    ]
    declared_block = record.header("WARC-Block-Digest")
    if declared_block:
        checks.append(_digest_check("block digest", declared_block, [("block", record.block)]))
    declared = record.header("WARC-Payload-Digest")
    if not declared:
        checks.append(Check("payload digest", "skipped", "the record declares no payload digest"))
        return checks
    payload = record.payload()
    candidates = [("payload", payload)]
    if response is not None and response.chunked:
        candidates.append(("de-chunked payload", response.dechunked_body()))
    if response is not None:
        # After an interim "100 Continue" the run reads the final response; writers (warcio)
        # digest everything after the first header block.
        first = http_payload.parse_http_response(record.block, interim_left=0)
        if first.body != payload:
            candidates.append(("payload after the first (interim) response head", first.body))
    # Some writers (Nutch's WARC/0.18, as in ClueWeb09) put the block digest here.
    candidates.append(("whole block (this writer's convention)", record.block))
    check = _digest_check("payload digest", declared, candidates)
    if check.failed and response is None and row.get("drop_reason") == BAD_HTTP_RESPONSE:
        # The run found no status line either: the payload cannot be told from the HTTP
        # headers, so there is nothing to hash it by. (Any other row had one: a block
        # without it now has changed.)
        check = Check(
            check.name, "skipped", "no HTTP status line, as the run found: no payload to hash"
        )
    checks.append(check)
    return checks


# The checks that say which record the bytes are; the rest say whether they are intact.
IDENTITY_CHECKS = frozenset(
    {"WARC-Record-ID", "WARC-Target-URI", "WARC-Payload-Digest header", "HTTP status",
     "Content-Type"}
)  # fmt: skip


def decoded_payload(record: StoredRecord) -> bytes:
    """The payload with transfer and content encodings undone (what a browser would get)."""
    response = record.http()
    if response is None:
        return record.block
    body = response.dechunked_body()
    try:
        return http_payload.decode_content_encoding(
            body, response.header("Content-Encoding"), MAX_UNKNOWN_LENGTH
        )
    except http_payload.PayloadTooLarge:
        return body


# --- the ledger side ----------------------------------------------------------------------------
def find_ledger_rows(store: OutputStore, doc_id: str | None = None, url: str | None = None):
    """Ledger rows with that doc_id or URL, in ledger order."""
    import pyarrow.dataset as ds

    dataset = store.dataset(LEDGER_DIR)
    if dataset is None:
        return []
    expression = ds.field("doc_id") == doc_id if doc_id is not None else ds.field("url") == url
    rows = dataset.to_table(filter=expression).to_pylist()
    if rows or url is None:
        return rows
    return _rows_by_normal_url(dataset, url)


def _rows_by_normal_url(dataset, url: str) -> list[dict]:
    """The rows whose URL is `url` as takedown compares URLs (scheme and host in any case, a
    default port, a fragment): a takedown request's URL found pages that trace did not."""
    import pyarrow.compute as pc

    from pipeline.audit.takedown import normal_url

    wanted = normal_url(url)
    try:
        host = urlsplit(wanted).hostname
    except ValueError:  # not a URL ("http://[::1"): no row has it
        return []
    if not host:
        return []
    # Only the URLs naming the host (one scan in C) are normalised, in Python; whole rows
    # are read for the matches only.
    import re

    import pyarrow.dataset as ds

    shown_host = f"[{host}]" if ":" in host else host  # IPv6 hosts are bracketed in URLs
    authority = r"://(?:[^/?#@]*@)?" + re.escape(shown_host) + r"\.?(?::\d*)?(?:[/?#]|$)"
    # A ledger URL may name its host in a Unicode spelling (bücher.example, 例え。テスト,
    # ｅｘａｍｐｌｅ.com for example.com): every URL whose authority is not all ASCII is a
    # candidate too, and normal_url decides.
    authority = f"(?:{authority})|://[^/?#]*[^\\x00-\\x7f]"
    naming_host = pc.match_substring_regex(ds.field("url"), pattern=authority, ignore_case=True)
    candidates = dataset.to_table(columns=["doc_id", "url"], filter=naming_host).to_pylist()
    doc_ids = [row["doc_id"] for row in candidates if normal_url(row["url"]) == wanted]
    if not doc_ids:
        return []
    return dataset.to_table(filter=ds.field("doc_id").isin(doc_ids)).to_pylist()


def _value_text(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def format_ledger_row(row: dict) -> str:
    """Every column of the row; filter scores one per line."""
    width = max(len(k) for k in row)
    lines = []
    decision = row.get("decision")
    reason = row.get("drop_reason")
    if reason:
        lines.append(f"verdict: {decision} at stage {stage_of(reason)} ({reason})")
    else:
        lines.append(f"verdict: {decision}")
    for key, value in row.items():
        if key == "filter_scores" and value:
            lines.append(f"  {key}:")
            for rule, score in sorted(value):
                lines.append(f"    {rule:<{width + 10}} {_value_text(score)}")
            continue
        if value is None:
            continue
        lines.append(f"  {key:<{width}}  {_value_text(value)}")
    nulls = [k for k, v in row.items() if v is None]
    if nulls:
        lines.append(f"  (null: {', '.join(nulls)})")
    return "\n".join(lines)


def format_checks(record: StoredRecord | None, checks: list[Check]) -> str:
    lines = []
    if record is not None:
        lines.append(
            f"record: {record.record_type} at {record.warc_path} offset {record.offset}"
            + (f", {record.raw_length} bytes" if record.raw_length >= 0 else "")
        )
    for check in checks:
        lines.append(f"  {check.status:<8} {check.name}: {check.detail}")
    return "\n".join(lines)


def trace_command(args) -> int:
    if bool(args.doc_id) == bool(args.url):
        raise UsageError("give exactly one of --doc-id and --url")
    if args.doc_id and not (args.doc_id.isprintable() and is_utf8(args.doc_id)):
        raise UsageError(f"--doc-id {args.doc_id!r}: no ledger row has such a value")
    if args.url and not is_utf8(args.url):  # a crawled URL may hold control characters
        raise UsageError(f"--url {args.url!r}: no ledger row has such a value")
    if args.decode and not args.payload_out:
        raise UsageError("--decode applies to --payload-out: give both")
    store = OutputStore.from_args(args)
    store.require_finished()
    if args.payload_out and args.payload_out != "-" and store.contains(args.payload_out):
        raise UsageError(
            f"--payload-out {args.payload_out} is inside the output {store.root}: "
            "write the payload elsewhere"
        )
    rows = find_ledger_rows(store, doc_id=args.doc_id, url=args.url)
    if not rows:
        what = f"doc_id {args.doc_id}" if args.doc_id else f"url {args.url}"
        raise UsageError(f"no ledger row with {what} in {store.root}")
    if args.payload_out and len(rows) > 1:
        raise UsageError(f"{len(rows)} ledger rows have this URL; pick one with --doc-id")
    # With the payload on stdout, everything else goes to stderr so the bytes stay clean.
    out = sys.stderr if args.payload_out == "-" else sys.stdout
    failed = False
    s3_problems: dict[str, str | None] = {}
    for number, row in enumerate(rows, 1):
        if len(rows) > 1:
            print(f"== ledger row {number} of {len(rows)}: {row['doc_id']}", file=out)
        print(terminal_safe(format_ledger_row(row)), file=out)
        try:
            if row["warc_path"].startswith("s3://"):
                if row["warc_path"] not in s3_problems:
                    s3_problems[row["warc_path"]] = s3_object_problem(store.s3, row["warc_path"])
                if s3_problems[row["warc_path"]]:
                    raise TraceError(s3_problems[row["warc_path"]])
            record = read_record(
                row["warc_path"],
                row["warc_offset"],
                row.get("warc_length"),
                row["warc_record_id"],
                member_index_of(row["doc_id"]),
            )
        except TraceError as exc:
            print(terminal_safe(f"  ERROR    cannot read the original record: {exc}"), file=out)
            if row.get("drop_reason") in DAMAGED_BYTES and not _file_missing(exc):
                # The run met the same damage and recorded it: the bytes are as the ledger
                # says. A file changed since then would fail for kept and dropped rows.
                print(
                    f"  NOTE     the ledger records this record as unreadable "
                    f"({row.get('drop_reason')}): the run met this damage too",
                    file=out,
                )
                continue
            failed = True
            continue
        checks = verify_record(row, record)
        print(terminal_safe(format_checks(record, checks)), file=out)
        if any(c.failed for c in checks) and row.get("drop_reason") in DAMAGED_BYTES:
            print(
                f"  NOTE     the ledger records this record as damaged ({row.get('drop_reason')}): "
                "the run met these bytes too",
                file=out,
            )
            continue
        if any(c.failed for c in checks):
            failed = True
            identity = [c for c in checks if c.name in IDENTITY_CHECKS]
            if any(c.failed for c in identity) or not any(c.status == "ok" for c in identity):
                verdict = "the bytes at this location are not the record the ledger describes"
            else:
                verdict = (
                    "this is the record the ledger describes, but its bytes do not hash to the "
                    "digest it declares: changed since, or written with a wrong digest (the "
                    "run does not check digests)"
                )
            print(f"trace: MISMATCH: {verdict}", file=out)
            continue
        if args.payload_out:
            data = decoded_payload(record) if args.decode else record.payload()
            if args.payload_out == "-":
                write_stdout(data)
            else:
                with open(args.payload_out, "wb") as handle:
                    handle.write(data)
                print(f"payload: {len(data)} bytes written to {args.payload_out}", file=out)
    return 1 if failed else 0
