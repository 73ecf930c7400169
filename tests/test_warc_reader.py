import gzip

import pytest
import zstandard

from tests.warc_builder import article_html, http_response, write_warc
from transforms.document import ERROR, KEPT
from transforms.warc_reader import ReadLimits, dump_from_path, read_warc_file

ARTICLE = article_html("Tides", ["The tide rises and falls twice a day along this coast."] * 5)


def test_response_fields_and_non_response_counts(tmp_path):
    path = write_warc(
        tmp_path / "a.warc.gz",
        [
            ("request", "http://example.com/", b"GET / HTTP/1.1\r\n\r\n"),
            http_response("http://example.com/", ARTICLE, headers=[("X-Robots-Tag", "noai")]),
            ("metadata", "http://example.com/", b"fetchTimeMs: 12\r\n"),
        ],
        warcinfo={"isPartOf": "CC-MAIN-2024-22"},
    )
    docs, summary = read_warc_file(str(path), 7)
    assert summary.records_by_type == {"warcinfo": 1, "request": 1, "response": 1, "metadata": 1}
    assert summary.responses == 1 and summary.errors == []
    (doc,) = docs
    assert doc.decision == KEPT and doc.file_index == 7
    assert doc.url == "http://example.com/" and doc.http_status == 200
    assert doc.warc_record_id.startswith("<urn:uuid:")
    assert doc.payload_digest.startswith("sha1:")
    assert doc.warc_date == "2024-05-20T10:00:00Z"
    assert doc.dump == "CC-MAIN-2024-22"  # from the warcinfo record
    assert doc.header("x-robots-tag") == "noai"
    assert "The tide rises" in doc.html and doc.charset == "utf-8"
    # offset/length point at exactly this record's bytes
    raw = path.read_bytes()[doc.warc_offset : doc.warc_offset + doc.warc_length]
    assert gzip.decompress(raw).startswith(b"WARC/1.")
    assert doc.warc_record_id.encode() in gzip.decompress(raw)


def test_drop_reasons_at_read_time(tmp_path):
    path = write_warc(
        tmp_path / "b.warc",
        [
            http_response("http://e.com/img.png", b"\x89PNG....", content_type="image/png"),
            http_response("http://e.com/missing", ARTICLE, status="404 Not Found"),
            http_response("http://e.com/big", b"<html>" + b"x" * 5000 + b"</html>"),
            http_response("http://e.com/ok", ARTICLE),
        ],
        gzip=False,
    )
    docs, summary = read_warc_file(str(path), 0, ReadLimits(max_html_bytes=4000))
    assert [d.drop_reason for d in docs] == ["not_html", "http_status", "html_too_large", None]
    assert summary.errors == []


def raw_response(url: str, block: bytes, content_length: str | None = None) -> bytes:
    length = str(len(block)) if content_length is None else content_length
    header = (
        f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:x:{url}>\r\n"
        f"WARC-Target-URI: {url}\r\nContent-Length: {length}\r\n\r\n"
    )
    return header.encode() + block + b"\r\n\r\n"


HTML_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"


def test_a_partial_response_is_not_a_page_and_an_interim_one_is_skipped(tmp_path):
    path = tmp_path / "p.warc"
    path.write_bytes(
        raw_response("http://e.com/part", HTML_HEAD.replace(b"200 OK", b"206 Partial") + ARTICLE)
        + raw_response("http://e.com/cont", b"HTTP/1.1 100 Continue\r\n\r\n" + HTML_HEAD + ARTICLE)
    )
    docs, _ = read_warc_file(str(path), 0)
    assert [(d.http_status, d.drop_reason) for d in docs] == [(206, "http_status"), (200, None)]


def test_a_content_length_in_other_digits_is_not_a_length(tmp_path):
    """ "٣٤٥" passed str.isdigit and int() read it as 345."""
    block = HTML_HEAD + ARTICLE
    arabic = "".join(chr(0x0660 + int(c)) for c in str(len(block)))
    path = tmp_path / "digits.warc"
    path.write_bytes(raw_response("http://e.com/", block, content_length=arabic))
    docs, _ = read_warc_file(str(path), 0)
    assert [d.decision for d in docs] == [ERROR]


def test_content_encoding_and_bomb(tmp_path):
    bomb = gzip.compress(b" " * 20_000_000)
    path = write_warc(
        tmp_path / "c.warc.gz",
        [
            http_response(
                "http://e.com/gz", gzip.compress(ARTICLE), headers=[("Content-Encoding", "gzip")]
            ),
            http_response("http://e.com/bomb", bomb, headers=[("Content-Encoding", "gzip")]),
            http_response(
                "http://e.com/zstd",
                zstandard.compress(ARTICLE),
                headers=[("Content-Encoding", "zstd")],
            ),
            http_response(
                "http://e.com/zstd-bomb",
                zstandard.compress(b" " * 20_000_000),
                headers=[("Content-Encoding", "zstd")],
            ),
        ],
    )
    docs, _ = read_warc_file(str(path), 0, ReadLimits(max_html_bytes=1_000_000))
    assert docs[0].alive and "tide" in docs[0].html
    assert docs[1].drop_reason == "html_too_large"
    assert docs[2].alive and docs[2].html == docs[0].html  # was binary_content
    assert docs[3].drop_reason == "html_too_large"


def test_truncated_file_yields_error_row(tmp_path):
    path = write_warc(
        tmp_path / "d.warc.gz", [http_response(f"http://e.com/{i}", ARTICLE * 20) for i in range(3)]
    )
    data = path.read_bytes()
    clipped = tmp_path / "clipped.warc.gz"
    clipped.write_bytes(data[: len(data) - 200])
    docs, summary = read_warc_file(str(clipped), 0)
    assert len(docs) == 3
    assert [d.decision for d in docs[:2]] == [KEPT, KEPT]
    assert docs[2].decision == ERROR and docs[2].drop_reason == "truncated_record"


def test_unreadable_and_empty_files(tmp_path):
    docs, summary = read_warc_file(str(tmp_path / "nope.warc.gz"), 0)
    assert docs == [] and summary.errors[0]["kind"] == "unreadable_file"
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    docs, summary = read_warc_file(str(empty), 0)
    assert docs == [] and summary.errors[0]["kind"] == "empty_file"


def test_dump_given_is_only_for_files_that_name_none(tmp_path):
    """--dump replaced the crawl id a file's warcinfo or path gave (help: "when it cannot be
    inferred")."""
    record = [http_response("http://example.com/", ARTICLE)]
    named = write_warc(tmp_path / "a.warc.gz", record, warcinfo={"isPartOf": "CC-MAIN-2024-22"})
    by_path = tmp_path / "CC-MAIN-2023-50" / "b.warc.gz"
    by_path.parent.mkdir()
    write_warc(by_path, record)
    unnamed = write_warc(tmp_path / "c.warc.gz", record)
    given = ReadLimits()
    dumps = [
        read_warc_file(str(path), 0, given, dump="CC-MAIN-2099-01")[0][0].dump
        for path in (named, by_path, unnamed)
    ]
    assert dumps == ["CC-MAIN-2024-22", "CC-MAIN-2023-50", "CC-MAIN-2099-01"]
    assert read_warc_file(str(unnamed), 0)[0][0].dump is None


@pytest.mark.parametrize(
    ("header", "corpus_date"),
    [
        ("2024-05-20T10:00:00Z", "2024-05-20T10:00:00Z"),  # Common Crawl's: unchanged
        ("2024-05-20T10:00:00.123456Z", "2024-05-20T10:00:00Z"),
        ("2022-11-29T23:00:00-0800", "2022-11-30T07:00:00Z"),
        ("2024-05-20T10:00:00", "2024-05-20T10:00:00Z"),  # no offset: UTC, as WARC says
        ("20081001123456", "2008-10-01T12:34:56Z"),  # WARC/0.18
        ("2008-10-294T05:21:46-0700", None),  # ClueWeb09: not a date
        ("9999-12-31T23:59:59-01:00", None),  # year 10000 in UTC: it crashed the writer
        ("0001-01-01T00:00:00+01:00", None),
        (None, None),
    ],
)
def test_corpus_dates_are_utc_as_fineweb_writes_them(header, corpus_date):
    from transforms.document import utc_date

    assert utc_date(header) == corpus_date


def test_dump_from_path():
    assert (
        dump_from_path("s3://commoncrawl/crawl-data/CC-MAIN-2024-22/segments/x.warc.gz")
        == "CC-MAIN-2024-22"
    )
    assert dump_from_path("/tmp/x.warc.gz") is None


def _three_responses() -> tuple[bytes, list[str]]:
    from tests.corrupt_warcs import article, http_block, warc_record

    urls = [f"http://split.example/page-{i}" for i in range(3)]
    records = [warc_record("request", urls[0], b"GET / HTTP/1.1\r\n\r\n")]
    records += [
        warc_record("response", url, http_block(article(i, 3))) for i, url in enumerate(urls)
    ]
    return b"".join(records), urls


def _framed(data: bytes):
    import io

    from transforms.warc_reader import DamagedRegion, RawRecord, iter_raw_records

    items = list(iter_raw_records(io.BytesIO(data)))
    damaged = [i for i in items if isinstance(i, DamagedRegion)]
    responses = [i for i in items if isinstance(i, RawRecord) and i.rec_type == "response"]
    return damaged, responses


def test_records_cut_at_any_gzip_member_boundary_are_all_read():
    """Writers that cut gzip members at a fixed size, not at record boundaries: a record
    goes on in the next member. Every cut point, in headers, blocks and the blank lines
    between records, must give every response whole (R2 was lost when R1 was cut)."""
    from tests.corrupt_warcs import gz

    whole, urls = _three_responses()
    cuts = list(range(1, len(whole), 41)) + [len(whole) - 1]
    for cut in cuts:
        damaged, responses = _framed(gz(whole[:cut]) + gz(whole[cut:]))
        assert not damaged, (cut, damaged)
        assert [r.header("WARC-Target-URI") for r in responses] == urls, cut
        for r in responses:
            assert r.problem is None and r.block_size == r.content_length, (cut, r.detail)
    # Three members, and a record spread over all of them.
    third = len(whole) // 3
    pieces = [whole[:third], whole[third : third + 40], whole[third + 40 :]]
    damaged, responses = _framed(b"".join(gz(p) for p in pieces))
    assert not damaged and [r.header("WARC-Target-URI") for r in responses] == urls


def test_an_uncompressed_record_between_gzip_members_is_read():
    from tests.corrupt_warcs import article, gz, http_block, warc_record

    urls = [f"http://mixed.example/{i}" for i in range(3)]
    records = [warc_record("response", u, http_block(article(i, 3))) for i, u in enumerate(urls)]
    damaged, responses = _framed(gz(records[0]) + records[1] + gz(records[2]))
    assert not damaged
    assert [r.header("WARC-Target-URI") for r in responses] == urls
    assert [(r.offset, r.length) for r in responses][1] == (
        len(gz(records[0])),
        len(records[1]),
    )


def test_a_garbage_member_after_a_record_is_still_reported_apart():
    """Going on into the next member happens only while a record is short: a complete
    record followed by a gzip member of something else keeps its row clean."""
    from tests.corrupt_warcs import article, gz, http_block, warc_record

    record = warc_record("response", "http://g.example/", http_block(article(1, 3)))
    damaged, responses = _framed(gz(record) + gz(b"not a record at all\n" * 20) + gz(record))
    assert len(responses) == 2 and all(r.problem is None for r in responses)
    assert [d.kind for d in damaged] == ["garbage_bytes"]


def test_responses_that_are_not_web_pages_are_dropped_not_errors(tmp_path):
    """Heritrix writes dns: responses; ftp: pages exist too. They are valid records: a drop
    with its reason, not a `bad_http_response` error."""
    from tests.corrupt_warcs import http_block, warc_record

    dns = warc_record(
        "response", "dns:example.org", b"20240510000000\nexample.org. 300 IN A 1.2.3.4\n"
    )
    ftp = warc_record("response", "ftp://ftp.example.org/readme.html", ARTICLE)
    no_uri = warc_record("response", None, http_block(ARTICLE))
    page = warc_record("response", "HTTPS://Example.org/ok", http_block(ARTICLE))
    path = tmp_path / "mixed-schemes.warc"
    path.write_bytes(dns + ftp + no_uri + page)
    docs, summary = read_warc_file(str(path), 0)
    assert [(d.decision, d.drop_reason) for d in docs] == [
        ("dropped", "not_http"),
        ("dropped", "not_http"),
        ("dropped", "no_target_uri"),
        (KEPT, None),
    ]
    assert summary.errors == []


def test_a_url_without_a_reachable_host_is_dropped_with_its_reason(tmp_path):
    """New-user review of session 29: a target URI with markup in its host was kept, and its
    host column and hosts-table row read "xn--<script>alert(3)<"."""
    from tests.corrupt_warcs import http_block, warc_record

    uris = [
        "http://xn--<script>alert(3)</script>.example.com/a",
        "http:///no-host",
        "http://example.org:99999/bad-port",
        "http://[zz::1]/not-ipv6",
        "http://example.org/ok",
        "http://münchen.example/idn",
        "http://[2001:db8::1]:8080/ipv6",
        "http://foo_bar.example.org/underscore",
    ]
    path = tmp_path / "hosts.warc"
    path.write_bytes(b"".join(warc_record("response", u, http_block(ARTICLE)) for u in uris))
    docs, summary = read_warc_file(str(path), 0)
    assert [(d.decision, d.drop_reason) for d in docs] == [("dropped", "bad_url")] * 4 + [
        (KEPT, None)
    ] * 4
    assert summary.errors == []


def _members(raw: bytes, cuts: list[int]) -> bytes:
    from tests.corrupt_warcs import gz

    points = [0, *cuts, len(raw)]
    return b"".join(gz(raw[a:b]) for a, b in zip(points, points[1:], strict=False))


def test_member_boundaries_in_blank_runs_and_record_starts():
    """Cuts where a continuation member starts with a long run of blanks (spaces in HTML,
    NULs in images), where only the block's last newline is left for the next member, and
    where `WARC/` itself is spread over three members."""
    from tests.corrupt_warcs import http_block, warc_record

    body = b"<html><body><p>x" + b" " * 300 + b"y</p>\n" + b"\0" * 200 + b"</body></html>\n"
    a = warc_record("response", "http://a.example/", http_block(body))
    b = warc_record("response", "http://b.example/", http_block(b"<p>hello b</p>\n"))
    raw = a + b + a.replace(b"a.example", b"c.example")
    urls = ["http://a.example/", "http://b.example/", "http://c.example/"]
    for cuts in (
        [raw.index(b"x ") + 1, len(a) + 20],  # next member: 300 spaces
        [raw.index(b"\0")],  # next member: NULs
        [len(a) - 5],  # next member: the block's last "\n", then the trailer
        [len(a), len(a) + 1, len(a) + 3],  # "W" | "AR" | "C/1.0 ..."
    ):
        damaged, responses = _framed(_members(raw, cuts))
        assert not damaged, (cuts, damaged)
        assert [r.header("WARC-Target-URI") for r in responses] == urls, cuts
        assert all(r.problem is None for r in responses), cuts


def test_a_damaged_record_that_is_not_a_response_is_reported_and_does_not_hide_the_rest():
    """A request whose Content-Length ends too early, in one member with the responses after
    it: it was counted silently and the three responses were lost."""
    import io

    from tests.corrupt_warcs import gz, http_block, warc_record
    from transforms.warc_reader import DAMAGED_RECORD, FileSummary, iter_warc_docs

    request = warc_record("request", "http://a.example/", b"GET / HTTP/1.1\r\n\r\n")
    request = request.replace(b"Content-Length: 18", b"Content-Length: 5")
    urls = [f"http://{x}.example/" for x in "abc"]
    responses = [warc_record("response", u, http_block(b"<p>page</p>\n")) for u in urls]
    raw = request + b"".join(responses)
    for data in (gz(raw), _members(raw, list(range(150, len(raw), 150)))):
        summary = FileSummary("x.warc.gz", 0)
        docs = list(iter_warc_docs(io.BytesIO(data), summary))
        assert [d.url for d in docs] == urls
        assert [e["kind"] for e in summary.errors] == [DAMAGED_RECORD]
        assert "request record: content_length_mismatch" in summary.errors[0]["message"]


def test_gzip_members_after_an_uncompressed_record_are_read():
    """`cat plain.warc file.warc.gz`: the members after the plain record were garbage."""
    from tests.corrupt_warcs import gz, http_block, warc_record

    info = warc_record("warcinfo", None, b"software: x\r\n")
    pages = [warc_record("response", f"http://{x}.example/", http_block(b"<p>p</p>")) for x in "ab"]
    damaged, responses = _framed(info + gz(pages[0]) + gz(pages[1]))
    assert not damaged
    assert [r.header("WARC-Target-URI") for r in responses] == [
        "http://a.example/",
        "http://b.example/",
    ]


def test_a_latin1_labelled_utf8_page_cut_inside_a_character_reads_as_utf8(tmp_path):
    page = article_html("Café", ["Les marées montent et descendent deux fois par jour."] * 5)
    body = page + "<p>日本".encode()
    path = write_warc(
        tmp_path / "cut.warc.gz",
        [http_response("http://e.fr/cut", body[:-1], content_type="text/html; charset=ISO-8859-1")],
    )
    (doc,), _ = read_warc_file(str(path), 0)
    assert doc.charset == "utf-8"
    assert "Les marées montent" in doc.html and "Ã" not in doc.html


def test_a_page_labelled_with_a_codec_that_is_not_a_charset_costs_nothing_after_it(tmp_path):
    """charset=base64 raised LookupError inside the reader: neither that page nor the next
    one reached the ledger."""
    page = article_html("Notes", ["The tide comes in twice a day along this coast."] * 5)
    path = write_warc(
        tmp_path / "labels.warc.gz",
        [
            http_response("http://e.org/a", page),
            http_response("http://e.org/b", page, content_type="text/html; charset=base64"),
            http_response("http://e.org/c", page.replace(b"<head>", b'<head><meta charset="hex">')),
            http_response("http://e.org/d", page),
        ],
    )
    docs, summary = read_warc_file(str(path), 0)
    assert summary.responses == 4 and not summary.errors
    assert [d.url for d in docs] == [f"http://e.org/{x}" for x in "abcd"]
    assert all(d.charset == "utf-8" and "The tide comes in" in d.html for d in docs)


def test_a_bug_on_one_record_gives_that_record_an_error_row_and_reading_goes_on(
    tmp_path, monkeypatch
):
    """A failure inside one response's payload decoding (a reader bug, simulated here) used
    to end the file: the record and every one after it had no ledger row."""
    from transforms import http_payload
    from transforms.warc_reader import READER_BUG

    decode_html = http_payload.decode_html

    def decode_html_failing_on_b(body, content_type):
        if b"page b" in body:
            raise RuntimeError("simulated reader bug")
        return decode_html(body, content_type)

    monkeypatch.setattr(http_payload, "decode_html", decode_html_failing_on_b)
    path = write_warc(
        tmp_path / "bug.warc.gz",
        [http_response(f"http://e.org/{x}", f"<p>page {x}</p>".encode()) for x in "abc"],
    )
    docs, summary = read_warc_file(str(path), 0)
    assert [d.url for d in docs] == [f"http://e.org/{x}" for x in "abc"]
    assert [d.decision for d in docs] == [KEPT, ERROR, KEPT]
    assert docs[1].drop_reason == READER_BUG
    assert docs[1].error_detail == "RuntimeError: simulated reader bug"
    assert summary.responses == 3 and not summary.errors


def _cut_member_files():
    """(name, bytes, URLs in order, URLs that must be corrupt_record, garbage expected)."""
    from tests.corrupt_warcs import article, gz, http_block, random_bytes, warc_record

    members = {
        x: gz(warc_record("response", f"http://{x}.example/", http_block(article(seed))))
        for seed, x in enumerate("abcd")
    }

    def cut(x):
        return members[x][: len(members[x]) // 2]

    junk = random_bytes(5, 120, (b"\x1f\x8b", b"WARC/"))
    return [
        ("first", cut("a") + members["b"], "ab", "a", False),
        ("two in a row", members["a"] + cut("b") + cut("c") + members["d"], "abcd", "bc", False),
        ("after garbage", members["a"] + junk + cut("b") + members["c"], "abc", "b", True),
    ]


@pytest.mark.parametrize(
    "name, data, urls, cut_urls, garbage",
    _cut_member_files(),
    ids=[case[0] for case in _cut_member_files()],
)
def test_a_gzip_member_cut_short_gets_its_error_row_wherever_it_lies(
    tmp_path, name, data, urls, cut_urls, garbage
):
    """A cut member inflates into the next member's bytes and fails there; the failure used
    to discard the record start it had already inflated, so a cut member first in the file,
    right after another cut member or after garbage was lost (or reported only as garbage)."""
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(data)
    docs, summary = read_warc_file(str(path), 0)
    assert [d.url for d in docs] == [f"http://{x}.example/" for x in urls]
    for doc in docs:
        expected = "corrupt_record" if doc.url[7] in cut_urls else None
        assert doc.drop_reason == expected, doc.url
    assert [e["kind"] for e in summary.errors] == (["garbage_bytes"] if garbage else [])


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "plain"])
def test_leading_garbage_is_searched_for_a_record_start_for_1_mib_exactly(tmp_path, compress):
    """The search accepted a record start anywhere in the buffer it had filled, so records
    behind 2 MiB of junk were read while 5 MiB gave not_warc with a 3 MiB stretch."""
    from tests.corrupt_warcs import gz, http_block, warc_record

    record = warc_record("response", "http://a.example/", http_block(b"<p>page</p>"))
    record = gz(record) if compress else record
    limit = 1 << 20
    within = tmp_path / "within.warc"
    within.write_bytes(b"x" * (limit - 100) + record)
    docs, summary = read_warc_file(str(within), 0)
    assert [d.url for d in docs] == ["http://a.example/"]
    assert [(e["kind"], e["message"]) for e in summary.errors] == [
        ("garbage_bytes", f"bytes before the first record [{limit - 100} bytes]")
    ]
    beyond = tmp_path / "beyond.warc"
    beyond.write_bytes(b"x" * (limit + 100) + record)
    docs, summary = read_warc_file(str(beyond), 0)
    assert docs == []
    ((error),) = summary.errors
    assert error["kind"] == "not_warc"
    assert error["message"].startswith("no WARC record found in the first 1 MiB;")
    assert error["message"].endswith(f"[{limit} bytes]")


def _no_record_files():
    from tests.corrupt_warcs import gz

    arc = b"filedesc://crawl.arc 0.0.0.0 20010101000000 text/plain 76\n1 0 Alexa\n"
    return [
        ("empty member", gz(b""), "empty_file", "only empty gzip members"),
        ("blank members", gz(b"\r\n") + gz(b""), "empty_file", "only empty gzip members"),
        ("gzip header only", gz(b"")[:6], "truncated_file", "ends in its first gzip member"),
        ("member cut at once", gz(b"WARC/1.0\r\n" * 50)[:12], "truncated_file", "first gzip"),
        ("gzipped ARC", gz(arc), "not_warc", "ARC file (filedesc://)"),
        ("gzipped text", gz(b"hello world\n" * 9), "not_warc", "no WARC record found;"),
    ]


@pytest.mark.parametrize(
    "name, data, kind, words", _no_record_files(), ids=[c[0] for c in _no_record_files()]
)
def test_gzip_files_without_a_record_say_what_they_hold(tmp_path, name, data, kind, words):
    """All were `not_warc`, whereas the docs promise empty_file for padding and truncated_file
    for a file ending in a gzip member header; a gzipped ARC file was not named as one."""
    path = tmp_path / "x.warc.gz"
    path.write_bytes(data)
    docs, summary = read_warc_file(str(path), 0)
    assert docs == []
    ((error),) = summary.errors
    assert error["kind"] == kind and words in error["message"]
    assert error["message"].endswith(f"[{len(data)} bytes]")


@pytest.mark.parametrize("damaged", [3, 5, 7])
def test_a_damaged_member_of_a_block_split_file_is_reported_not_read_through(tmp_path, damaged):
    """One record stream cut into fixed-size members, one member's CRC wrong. Taking what a
    damaged member inflates to as the rest of the record (meant only for finding a cut
    member's record start) lost the corrupt_gzip error and every record after it."""
    from tests.corrupt_warcs import article, gz, http_block, warc_record

    records = [warc_record("warcinfo", None, b"software: x\r\n")]
    for i in range(6):
        url = f"http://f.example/{i}"
        records.append(warc_record("request", url, b"GET / HTTP/1.1\r\n\r\n"))
        records.append(warc_record("response", url, http_block(article(i, 3))))
    stream = b"".join(records)
    members = [bytearray(gz(stream[at : at + 700])) for at in range(0, len(stream), 700)]
    members[damaged][-8] ^= 0xFF  # its CRC-32: the deflate data itself is intact
    path = tmp_path / "split.warc.gz"
    path.write_bytes(b"".join(members))
    _, summary = read_warc_file(str(path), 0)
    at = sum(len(m) for m in members[:damaged])
    assert [(e["kind"], e["offset"]) for e in summary.errors] == [("corrupt_gzip", at)]
    assert summary.errors[0]["message"].endswith(f"[{path.stat().st_size - at} bytes]")


def test_a_gzip_file_without_warc_records_is_named_by_what_it_holds(tmp_path):
    """Its compressed bytes were quoted: "file starts with b'\\x1f\\x8b\\x08...'"."""
    path = tmp_path / "notes.warc.gz"
    path.write_bytes(gzip.compress(b"hello world\nsecond line\n"))
    docs, summary = read_warc_file(str(path), 0)
    assert docs == [] and summary.errors[0]["kind"] == "not_warc"
    assert "file is gzip of b'hello world\\nsecond line\\n'" in summary.errors[0]["message"]
