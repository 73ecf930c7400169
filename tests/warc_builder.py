"""Small helpers to write WARC files for tests with warcio."""

from __future__ import annotations

import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def http_response(
    url: str,
    body: bytes,
    status: str = "200 OK",
    headers: list[tuple[str, str]] | None = None,
    content_type: str | None = "text/html; charset=utf-8",
):
    hdrs = list(headers or [])
    if content_type is not None and not any(k.lower() == "content-type" for k, _ in hdrs):
        hdrs.insert(0, ("Content-Type", content_type))
    return ("response", url, body, StatusAndHeaders(status, hdrs, protocol="HTTP/1.1"))


def write_warc(path: Path, records, gzip: bool = True, warcinfo: dict | None = None) -> Path:
    """records: tuples from http_response(), or ('request'|'metadata', url, payload)."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        if warcinfo is not None:
            writer.write_record(writer.create_warcinfo_record(path.name, warcinfo))
        for rec in records:
            rec_type, url, payload = rec[0], rec[1], rec[2]
            http_headers = rec[3] if len(rec) > 3 else None
            record = writer.create_warc_record(
                url,
                rec_type,
                payload=io.BytesIO(payload),
                http_headers=http_headers,
                warc_headers_dict={"WARC-Date": "2024-05-20T10:00:00Z"},
            )
            writer.write_record(record)
    return path


def article_html(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
        f"<article><h1>{title}</h1>{body}</article>"
        f"<footer>Contact us</footer></body></html>"
    ).encode()
