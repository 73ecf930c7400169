"""Damaged and hostile WARC files for the robustness tests, generated into a directory.

Records are assembled byte by byte here (not with warcio's writer) so a fixture can lie in
exactly one place. Every fixture carries what a correct reader must report for it, worked
out from how it was built: which responses exist, at which offset and length, which of them
are errors (and why), and which file errors sit at which offset.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import random
import struct
import zlib
from pathlib import Path

MiB = 1 << 20
DATE = "2024-05-20T10:00:00Z"
WORDS = (
    "the river valley town market bridge harvest season weather farmers people of and to "
    "that with have be old new stone road winter summer water mill school children story "
    "history family village church field forest mountain north south light morning evening "
    "work trade music festival bread wool boats harbour fishing cliffs coast storm island"
).split()


# --- building blocks ---------------------------------------------------------------------------
def article(seed: int, paragraphs: int = 12) -> bytes:
    """A plain article page with seeded, non-repeating prose."""
    rng = random.Random(seed)
    paras = []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(rng.randint(3, 6)):
            words = rng.choices(WORDS, k=rng.randint(9, 18))
            sentences.append(" ".join(words).capitalize() + ".")
        paras.append("<p>" + " ".join(sentences) + "</p>")
    title = f"Notes from the valley, part {seed}"
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{''.join(paras)}</article>"
        "<footer>Contact</footer></body></html>"
    ).encode()


def http_block(
    body: bytes,
    status: str = "200 OK",
    content_type: str | None = "text/html; charset=utf-8",
    headers: tuple[tuple[str, str], ...] = (),
) -> bytes:
    lines = [f"HTTP/1.1 {status}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def warc_header(
    rec_type: str,
    url: str | None,
    content_length: int | None,
    version: str = "WARC/1.0",
    record_id: str | None = None,
) -> bytes:
    rid = record_id or f"<urn:uuid:{hashlib.md5(f'{rec_type}{url}'.encode()).hexdigest()}>"
    lines = [version, f"WARC-Type: {rec_type}", f"WARC-Record-ID: {rid}", f"WARC-Date: {DATE}"]
    if url:
        lines.append(f"WARC-Target-URI: {url}")
    if rec_type in ("response", "request"):
        lines.append(f"Content-Type: application/http; msgtype={rec_type}")
    if content_length is not None:
        lines.append(f"Content-Length: {content_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def warc_record(
    rec_type: str,
    url: str | None,
    block: bytes,
    version: str = "WARC/1.0",
    content_length: int | None | str = "auto",
) -> bytes:
    """One uncompressed record; content_length overrides the header (None: leave it out)."""
    declared = len(block) if content_length == "auto" else content_length
    return warc_header(rec_type, url, declared, version) + block + b"\r\n\r\n"


def gz(data: bytes) -> bytes:
    """One gzip member, as record-at-a-time WARC writers make them."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    return packer.compress(data) + packer.flush()


def gz_repeated(prefix: bytes, chunk: bytes, count: int, suffix: bytes = b"") -> bytes:
    """One gzip member of prefix + chunk * count + suffix, built in milliseconds.

    After a full flush deflate starts from an empty window, so every repetition of `chunk`
    compresses to the same bytes: compress it once and repeat the output. Only the CRC32
    has to go over all the data. This makes 256 MiB bombs cheap to generate.
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    head = packer.compress(prefix) + packer.flush(zlib.Z_FULL_FLUSH)
    body = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    tail = packer.compress(suffix) + packer.flush(zlib.Z_FINISH)
    crc = zlib.crc32(prefix)
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(suffix, crc)
    size = len(prefix) + len(chunk) * count + len(suffix)
    gzip_header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return gzip_header + head + body * count + tail + struct.pack("<II", crc, size & 0xFFFFFFFF)


def content_bomb(mib: int, coding: str = "gzip") -> bytes:
    """An HTTP body that inflates to `mib` MiB of spaces (about 1 KiB on the wire per MiB)."""
    member = gz_repeated(b"<html><body>", b" " * MiB, mib)
    if coding == "gzip":
        return member
    if coding == "deflate":  # zlib-wrapped deflate: the same stream with a zlib header
        raw = member[10:-8]
        adler = zlib.adler32(b"<html><body>")
        chunk = b" " * MiB
        for _ in range(mib):
            adler = zlib.adler32(chunk, adler)
        return b"\x78\x9c" + raw + struct.pack(">I", adler)
    raise ValueError(coding)


def random_bytes(seed: int, size: int, avoid: tuple[bytes, ...] = ()) -> bytes:
    """Seeded random bytes that contain none of `avoid` (so they cannot look like a record)."""
    rng = random.Random(seed)
    while True:
        data = bytes(rng.getrandbits(8) for _ in range(size))
        if not any(a in data for a in avoid):
            return data


def lying_plain_warc(records: int = 8, liar: int = 1, excess: int = 20_000) -> bytes:
    """An uncompressed WARC whose record `liar` declares `excess` more bytes than it has."""
    parts = [
        warc_record("response", f"http://e.org/{i}", http_block(article(i))) for i in range(records)
    ]
    block = http_block(article(liar))
    parts[liar] = warc_record(
        "response", f"http://e.org/{liar}", block, content_length=len(block) + excess
    )
    return b"".join(parts)


class NonSeekableStream(io.RawIOBase):
    """Bytes behind a stream that cannot go back, like an HTTP response."""

    def __init__(self, data: bytes):
        super().__init__()
        self._inner = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = self._inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


# --- what a reader must report -------------------------------------------------------------------
@dataclasses.dataclass
class ExpectedResponse:
    url: str
    offset: int
    length: int | None
    errors: frozenset[str] = frozenset()  # acceptable error reasons; empty: must read cleanly


@dataclasses.dataclass
class Fixture:
    name: str
    path: Path
    responses: list[ExpectedResponse]
    file_errors: list[tuple[str, int | None]]  # (kind, offset)
    records: int  # records with a complete header (records_by_type total)


class _Builder:
    """Concatenates records into a file, remembering where each response starts."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0
        self.responses: list[ExpectedResponse] = []
        self.records = 0

    def add(self, data: bytes, url: str | None = None, errors=frozenset(), records: int = 1):
        if url is not None:
            self.responses.append(ExpectedResponse(url, self.size, len(data), frozenset(errors)))
        self.parts.append(data)
        self.size += len(data)
        self.records += records

    def write(self, path: Path) -> bytes:
        data = b"".join(self.parts)
        path.write_bytes(data)
        return data


BASE_RESPONSES = 5


def _base_records(version: str = "WARC/1.0", site: str = "example.org"):
    """(url or None, uncompressed record) for warcinfo + request/response pairs."""
    info = b"software: ccprov corrupt_warcs\r\nisPartOf: CC-MAIN-2024-22\r\n"
    yield None, warc_record("warcinfo", None, info, version)
    for i in range(BASE_RESPONSES):
        url = f"http://{site}/page-{i}"
        request = f"GET /page-{i} HTTP/1.1\r\nHost: {site}\r\n\r\n".encode()
        yield None, warc_record("request", url, request, version)
        yield url, warc_record("response", url, http_block(article(i)), version)


def _fixture(name, path, builder, file_errors=()) -> Fixture:
    return Fixture(name, path, builder.responses, list(file_errors), builder.records)


def build_corrupt_warcs(directory: Path) -> list[Fixture]:
    """Every corrupt-input fixture, written into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    fixtures: list[Fixture] = []
    records = list(_base_records())
    damaged_url = "http://example.org/page-2"

    def simple(name: str, compress: bool, transform=None, version="WARC/1.0"):
        builder = _Builder()
        for url, rec in _base_records(version, site=name.split(".")[0] + ".example"):
            builder.add(gz(rec) if compress else rec, url)
        path = directory / name
        builder.write(path)
        return _fixture(name, path, builder)

    fixtures.append(simple("plain.warc", compress=False))
    fixtures.append(simple("warc018.warc.gz", compress=True, version="WARC/0.18"))

    # A gzip member cut off mid-record, the rest of the file intact.
    builder = _Builder()
    for url, rec in records:
        if url == damaged_url:
            member = gz(rec)
            builder.add(
                member[: len(member) * 6 // 10],
                url,
                errors={"corrupt_record", "truncated_record"},
            )
        else:
            builder.add(gz(rec), url)
    path = directory / "truncated_member.warc.gz"
    builder.write(path)
    fixtures.append(_fixture(path.name, path, builder))

    # Garbage bytes between two records (gzip and plain).
    for compress, name in ((True, "garbage_between.warc.gz"), (False, "garbage_between.warc")):
        builder = _Builder()
        garbage_at = None
        for url, rec in records:
            builder.add(gz(rec) if compress else rec, url)
            if url == damaged_url:
                garbage_at = builder.size
                builder.add(random_bytes(7, 1000, (b"\x1f\x8b", b"WARC/")), records=0)
        path = directory / name
        builder.write(path)
        fixtures.append(_fixture(name, path, builder, [("garbage_bytes", garbage_at)]))

    # Garbage before the first record.
    builder = _Builder()
    builder.add(random_bytes(11, 500, (b"\x1f\x8b", b"WARC/")), records=0)
    for url, rec in records:
        builder.add(gz(rec), url)
    path = directory / "leading_garbage.warc.gz"
    builder.write(path)
    fixtures.append(_fixture(path.name, path, builder, [("garbage_bytes", 0)]))

    # Content-Length lies: too long, too short, missing (gzip and plain).
    lies = {"length_too_long": +300, "length_too_short": -200, "length_missing": None}
    for lie, delta in lies.items():
        for compress in (True, False):
            name = f"{lie}.warc" + (".gz" if compress else "")
            builder = _Builder()
            reason = "corrupt_record" if delta is None else "content_length_mismatch"
            for url, rec in records:
                if url == damaged_url:
                    block = http_block(article(2))
                    declared = None if delta is None else len(block) + delta
                    rec = warc_record("response", url, block, content_length=declared)
                    builder.add(gz(rec) if compress else rec, url, errors={reason})
                else:
                    builder.add(gz(rec) if compress else rec, url)
            path = directory / name
            builder.write(path)
            fixtures.append(_fixture(name, path, builder))

    # The file ends in the middle of a record header.
    builder = _Builder()
    for url, rec in records:
        builder.add(rec, url)
    cut_at = builder.size
    builder.add(b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://exa", records=0)
    path = directory / "header_cut.warc"
    builder.write(path)
    fixtures.append(_fixture(path.name, path, builder, [("truncated_file", cut_at)]))

    # Files that hold no WARC at all.
    (directory / "empty.warc.gz").write_bytes(b"")
    fixtures.append(
        Fixture("empty.warc.gz", directory / "empty.warc.gz", [], [("empty_file", 0)], 0)
    )
    (directory / "not_warc.warc.gz").write_bytes(gz(article(99)))
    fixtures.append(
        Fixture("not_warc.warc.gz", directory / "not_warc.warc.gz", [], [("not_warc", 0)], 0)
    )
    (directory / "not_warc.warc").write_bytes(b"col_a,col_b\n" + b"1,2\n" * 500)
    fixtures.append(Fixture("not_warc.warc", directory / "not_warc.warc", [], [("not_warc", 0)], 0))

    # Named in the listing, absent on disk.
    missing = directory / "missing.warc.gz"
    fixtures.append(Fixture(missing.name, missing, [], [("unreadable_file", None)], 0))
    return fixtures


CORRUPT_FIXTURE_NAMES = (
    "plain.warc",
    "warc018.warc.gz",
    "truncated_member.warc.gz",
    "garbage_between.warc.gz",
    "garbage_between.warc",
    "leading_garbage.warc.gz",
    "length_too_long.warc.gz",
    "length_too_long.warc",
    "length_too_short.warc.gz",
    "length_too_short.warc",
    "length_missing.warc.gz",
    "length_missing.warc",
    "header_cut.warc",
    "empty.warc.gz",
    "not_warc.warc.gz",
    "not_warc.warc",
    "missing.warc.gz",
)


def write_listing(fixtures: list[Fixture], path: Path) -> Path:
    """A listing file naming every fixture (Common Crawl's warc.paths style)."""
    path.write_text("".join(f"{f.path}\n" for f in fixtures))
    return path


# --- hostile pages -------------------------------------------------------------------------------
@dataclasses.dataclass
class HostilePage:
    url: str
    reasons: frozenset[str]  # acceptable drop reasons; empty: must be kept or dropped later
    note: str


def build_hostile_warc(path: Path, bomb_mib: int = 256) -> list[HostilePage]:
    """One .warc.gz of pages built to hurt parsers, with the verdict each must get."""
    members: list[bytes] = []
    pages: list[HostilePage] = []

    def add(url: str, block: bytes, reasons=(), note: str = ""):
        members.append(gz(warc_record("response", url, block)))
        pages.append(HostilePage(url, frozenset(reasons), note))

    add("http://hostile.example/ok-first", http_block(article(1)), note="control page")
    # A 50 MB page: the declared length alone exceeds --max-html-bytes.
    chunk = b"<p>" + b"All work and no play makes a long page. " * 25 + b"</p>\n"
    chunk = chunk * (MiB // len(chunk))
    head = http_block(b"<html><body>")
    block_size = len(head) + len(chunk) * 50 + len(b"</body></html>")
    members.append(
        gz_repeated(
            warc_header("response", "http://hostile.example/huge", block_size) + head,
            chunk,
            50,
            b"</body></html>\r\n\r\n",
        )
    )
    pages.append(HostilePage("http://hostile.example/huge", frozenset({"html_too_large"}), ""))
    # Compression bombs in Content-Encoding.
    for coding in ("gzip", "deflate"):
        add(
            f"http://hostile.example/bomb-{coding}",
            http_block(
                content_bomb(bomb_mib // 2, coding), headers=(("Content-Encoding", coding),)
            ),
            {"html_too_large"},
            f"{bomb_mib // 2} MiB of spaces behind Content-Encoding: {coding}",
        )
    # A bomb at the WARC level: one gzip member that inflates to bomb_mib MiB.
    head = http_block(b"<html><body>")
    space = b" " * MiB
    members.append(
        gz_repeated(
            warc_header(
                "response", "http://hostile.example/warc-bomb", len(head) + len(space) * bomb_mib
            )
            + head,
            space,
            bomb_mib,
            b"\r\n\r\n",
        )
    )
    pages.append(HostilePage("http://hostile.example/warc-bomb", frozenset({"html_too_large"}), ""))
    # 100,000 levels of nesting.
    deep = b"<html><body>" + b"<div>" * 100_000 + b"<p>deep</p>" + b"</div>" * 100_000
    add("http://hostile.example/deep", http_block(deep + b"</body></html>"), note="deep nesting")
    # Binary served as text/html.
    png = b"\x89PNG\r\n\x1a\n" + random_bytes(3, 20_000)
    add("http://hostile.example/png", http_block(png), {"binary_content"})
    add(
        "http://hostile.example/noise",
        http_block(random_bytes(5, 30_000, (b"\x1f\x8b",))),
        {"binary_content"},
    )
    # Encodings: undeclared UTF-16, a lying charset, an unknown charset, mixed bytes.
    utf16 = article(4).decode().encode("utf-16-le")
    add("http://hostile.example/utf16", http_block(utf16, content_type="text/html"))
    add(
        "http://hostile.example/lying-charset",
        http_block(article(5).decode().replace("the", "thé").encode("cp1252")),
    )
    add(
        "http://hostile.example/unknown-charset",
        http_block(article(6), content_type="text/html; charset=x-no-such-charset"),
    )
    mixed = (
        article(7)
        .replace(b"river", "rivière".encode())
        .replace(b"town", "ville é".encode("cp1252"))
    )
    add("http://hostile.example/mixed-encoding", http_block(mixed))
    # An extraction that takes far longer than the time limit (seconds of trafilatura).
    slow = b"<html><body>" + b"".join(
        b"<div><p>Row %d of a very long table of small paragraphs.</p></div>" % i
        for i in range(40_000)
    )
    add("http://hostile.example/slow", http_block(slow + b"</body></html>"), {"extraction_timeout"})
    add("http://hostile.example/ok-last", http_block(article(8)), note="after the slow page")
    path.write_bytes(b"".join(members))
    return pages


# --- names that must never become file names ----------------------------------------------------
TRAVERSAL_URLS = (
    "http://evil.example/../../../../tmp/ccprov-pwned",
    "http://evil.example/..%2F..%2F..%2Fetc%2Fpasswd",
    "file:///etc/passwd",
    "http://evil.example/a/b/c/../../../../../../../../root/.ssh/authorized_keys",
)


def build_hostile_names_warc(path: Path) -> list[str]:
    """Responses whose URL, WARC-Filename, WARC-Record-ID and HTTP headers try path
    traversal; returns their URLs (they must end up as ledger values, never as paths)."""
    members = []
    for i, url in enumerate(TRAVERSAL_URLS):
        block = http_block(
            article(40 + i),
            headers=(
                ("Content-Disposition", "attachment; filename=../../../ccprov-escape.html"),
                ("Content-Location", "/../../ccprov-escape"),
            ),
        )
        head = warc_header("response", url, len(block)).replace(
            b"WARC-Date:",
            b"WARC-Filename: ../../../../tmp/ccprov-escape.warc.gz\r\nWARC-Date:",
        )
        head = head.replace(b"<urn:uuid:", b"<urn:uuid:../../", 1)
        members.append(gz(head + block + b"\r\n\r\n"))
    path.write_bytes(b"".join(members))
    return list(TRAVERSAL_URLS)
