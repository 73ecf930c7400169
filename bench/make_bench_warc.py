"""Bench input: the real pages of ../shared/warcs repeated with new URLs and small edits.

    .venv/bin/python bench/make_bench_warc.py [--records 2400] [--files 4] [--out DIR]

The shared WARC files hold about 70 real HTML pages (English, Japanese in EUC-JP, one
Aragonese Wikipedia page) and some non-HTML responses and redirects. This script writes
`--records` response records spread over `--files` gzipped WARC files (one gzip member per
record, as Common Crawl writes them). Each round of copies holds every real HTML page once,
plus one redirect and one non-HTML response in turn, so their share stays near Common
Crawl's few percent.

Every copy gets a URL of its own (the original path plus `/copy-N`), a record id and date
of its own, and two small edits to its HTML: a generated sentence inserted after the first
paragraph or heading, and one word replaced. Copies of a page are therefore near
duplicates, not exact ones, as in a real crawl that fetches the same template many times.

Payloads are stored decoded (no chunking, no Content-Encoding; the original encoding header
moves to X-Crawler-Content-Encoding), as Common Crawl stores them. The files are written to
/tmp (never into the repository: the shared pages must not be copied into it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import re
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

SHARED_WARCS = Path(__file__).resolve().parents[1].parent / "shared" / "warcs"
DEFAULT_OUT = Path("/tmp/ccprov-bench")
# Headers that describe the transfer, not the stored payload.
_TRANSFER_HEADERS = ("transfer-encoding", "content-encoding", "content-length")
_INSERT_AFTER = re.compile(rb"</p>|</h1>|</h2>|<body[^>]*>", re.I)
_SWAPS = ((b" the ", b" this "), (b" and ", b" & "), (b" of ", b" for "), (b" is ", b" was "))
_SUBJECTS = ("The committee", "Our team", "A reader", "The author", "This page", "The editor")
_VERBS = ("updated", "reviewed", "corrected", "expanded", "revised", "checked")
_OBJECTS = ("the section below", "these notes", "the list of links", "the figures", "this text")


class SourcePage:
    """One real response: its HTTP status line and headers, and its decoded body."""

    def __init__(self, url: str, status_line: str, headers: list[tuple[str, str]], body: bytes):
        self.url = url
        self.status_line = status_line
        self.headers = headers
        self.body = body

    @property
    def content_type(self) -> str:
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value.lower()
        return ""

    @property
    def is_html(self) -> bool:
        return self.status_line.startswith("200") and "html" in self.content_type


def load_source_pages(folder: Path = SHARED_WARCS) -> list[SourcePage]:
    """Every complete response record of the shared WARC files, payload decoded."""
    pages = []
    for path in sorted(folder.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                try:
                    body = record.content_stream().read()  # de-chunked and decompressed
                except Exception:  # noqa: BLE001 - a clipped record is no use as a source
                    continue
                http = record.http_headers
                headers = []
                for name, value in http.headers:
                    if name.lower() == "content-encoding":
                        headers.append(("X-Crawler-Content-Encoding", value))
                    elif name.lower() not in _TRANSFER_HEADERS:
                        headers.append((name, value))
                url = record.rec_headers.get_header("WARC-Target-URI")
                pages.append(SourcePage(url, http.statusline, headers, body))
    return pages


def edited_body(body: bytes, rng: random.Random, copy: int) -> bytes:
    """Insert one generated sentence after a paragraph or heading and replace one word."""
    sentence = (
        f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} "
        f"on day {copy % 28 + 1} of revision {copy}."
    ).encode("ascii")
    match = _INSERT_AFTER.search(body)
    at = match.end() if match else 0
    body = body[:at] + b"<p>" + sentence + b"</p>" + body[at:]
    old, new = rng.choice(_SWAPS)
    positions = [m.start() for m in re.finditer(re.escape(old), body)]
    if positions:
        pos = rng.choice(positions)
        body = body[:pos] + new + body[pos + len(old) :]
    return body


def identified_type(headers: list[tuple[str, str]]) -> str:
    """The MIME type of the Content-Type header (what a sniffer finds on these pages)."""
    for name, value in headers:
        if name.lower() == "content-type":
            return value.split(";")[0].strip().lower() or "application/octet-stream"
    return "application/octet-stream"


def copy_url(url: str, copy: int) -> str:
    parts = urlsplit(url)
    path = parts.path.rstrip("/") + f"/copy-{copy}"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def bench_records(pages: list[SourcePage], n_records: int, seed: int):
    """(url, status line, headers, body, date) of n_records copies, in round order."""
    html = [p for p in pages if p.is_html]
    redirects = [p for p in pages if p.status_line.startswith("3")]
    other = [p for p in pages if not p.is_html and not p.status_line.startswith("3")]
    if not html:
        raise SystemExit(f"no HTML pages found in {SHARED_WARCS}")
    rng = random.Random(seed)
    start = dt.datetime(2024, 5, 18)
    produced = 0
    copy = 0
    while True:
        round_pages = list(html)
        if redirects:
            round_pages.append(redirects[copy % len(redirects)])
        if other:
            round_pages.append(other[copy % len(other)])
        for page in round_pages:
            if produced == n_records:
                return
            body = edited_body(page.body, rng, copy) if page.is_html else page.body
            date = start + dt.timedelta(seconds=37 * produced)
            yield copy_url(page.url, copy), page.status_line, page.headers, body, date
            produced += 1
        copy += 1


def write_bench_warcs(out: Path, n_records: int, n_files: int, seed: int = 0) -> list[Path]:
    pages = load_source_pages()
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"bench-{i:03d}.warc.gz" for i in range(n_files)]
    handles = [open(p, "wb") for p in paths]
    try:
        writers = [WARCWriter(h, gzip=True) for h in handles]
        for i, writer in enumerate(writers):
            info = writer.create_warcinfo_record(
                paths[i].name, {"software": "ccprov bench/make_bench_warc.py", "isPartOf": "bench"}
            )
            writer.write_record(info)
        for i, (url, status, headers, body, date) in enumerate(
            bench_records(pages, n_records, seed)
        ):
            http_headers = StatusAndHeaders(
                status, headers + [("Content-Length", str(len(body)))], protocol="HTTP/1.1"
            )
            record_uuid = uuid.UUID(int=random.Random(seed * 1_000_003 + i).getrandbits(128))
            writer = writers[i % n_files]  # round robin: every file gets every kind of page
            record = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                http_headers=http_headers,
                warc_headers_dict={
                    "WARC-Date": date.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "WARC-Record-ID": f"<urn:uuid:{record_uuid}>",
                    # Common Crawl records the sniffed type; readers such as datatrove's use it.
                    "WARC-Identified-Payload-Type": identified_type(headers),
                },
            )
            writer.write_record(record)
    finally:
        for handle in handles:
            handle.close()
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2400)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not SHARED_WARCS.is_dir():
        print(f"no shared WARC folder at {SHARED_WARCS}", file=sys.stderr)
        return 1
    paths = write_bench_warcs(args.out, args.records, args.files, args.seed)
    size = sum(p.stat().st_size for p in paths)
    print(f"{args.records} records in {len(paths)} files, {size / 1e6:.1f} MB: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
