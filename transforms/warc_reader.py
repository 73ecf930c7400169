"""Reading WARC files: one input file -> a stream of `WarcDoc`s plus a `FileSummary`.

Every `response` record becomes exactly one WarcDoc (kept, dropped or error), so the ledger
can account for it; other record types are only counted. Problems never escape as
exceptions: a broken record becomes an error WarcDoc, a broken file an entry in the
FileSummary's `errors`.
"""

from __future__ import annotations

import dataclasses
import re
import urllib.request
from collections import Counter
from collections.abc import Iterator
from typing import IO, Any

import apache_beam as beam
from warcio.archiveiterator import ArchiveIterator

from transforms import http_payload
from transforms.document import WarcDoc, make_doc_id

DEFAULT_MAX_HTML_BYTES = 5 * 1024 * 1024
# Room for the HTTP status line and headers on top of the body limit.
_HEADER_ALLOWANCE = 64 * 1024

_DUMP_RE = re.compile(r"CC-MAIN-\d{4}-\d{2}")


@dataclasses.dataclass
class ReadLimits:
    max_html_bytes: int = DEFAULT_MAX_HTML_BYTES


@dataclasses.dataclass
class FileSummary:
    """What one input file contained; one per file, summed into the manifest."""

    warc_path: str
    file_index: int
    records_by_type: dict[str, int] = dataclasses.field(default_factory=dict)
    responses: int = 0
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def add_error(self, kind: str, offset: int | None, message: str) -> None:
        self.errors.append(
            {"warc_path": self.warc_path, "offset": offset, "kind": kind, "message": message[:300]}
        )


def dump_from_path(path: str) -> str | None:
    match = _DUMP_RE.search(path)
    return match.group(0) if match else None


def open_warc(path: str) -> IO[bytes]:
    """Open an input as raw bytes (never transparently gunzipped: offsets are in file bytes)."""
    if path.startswith(("http://", "https://")):
        return urllib.request.urlopen(path, timeout=60)  # noqa: S310 - user-given input URL
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    return FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)


def iter_warc_docs(
    stream: IO[bytes],
    summary: FileSummary,
    limits: ReadLimits | None = None,
    dump: str | None = None,
) -> Iterator[WarcDoc]:
    """Yield one WarcDoc per response record of `stream`, counting everything in `summary`."""
    limits = limits or ReadLimits()
    dump = dump or dump_from_path(summary.warc_path)
    counts: Counter[str] = Counter()
    iterator = ArchiveIterator(stream, no_record_parse=True, check_digests=False)
    offset: int | None = 0
    try:
        for record in iterator:
            offset = iterator.offset
            rec_type = (record.rec_type or "unknown").lower()
            counts[rec_type] += 1
            if rec_type == "warcinfo" and dump is None:
                dump = _dump_from_warcinfo(record)
            if rec_type != "response":
                continue
            summary.responses += 1
            doc = _read_response(record, iterator, summary, offset, limits, dump)
            yield doc
    except _StopAfter:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes an error entry
        summary.add_error(
            _classify_stream_error(exc, counts), offset, f"{type(exc).__name__}: {exc}"
        )
    finally:
        summary.records_by_type = dict(counts)
        if not counts and not summary.errors:
            summary.add_error("empty_file", 0, "no WARC records in file")


def _dump_from_warcinfo(record) -> str | None:
    try:
        info = record.raw_stream.read(65536).decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - warcinfo is optional metadata
        return None
    match = _DUMP_RE.search(info)
    return match.group(0) if match else None


def _classify_stream_error(exc: Exception, counts: Counter[str]) -> str:
    text = f"{type(exc).__name__} {exc}".lower()
    if not counts:
        return "not_warc"
    if "gzip" in text or "zlib" in text or "decompress" in text or isinstance(exc, EOFError):
        return "corrupt_gzip"
    return "corrupt_record"


def _read_response(
    record, iterator, summary: FileSummary, offset: int, limits: ReadLimits, dump: str | None
) -> WarcDoc:
    headers = record.rec_headers
    declared = record.length if record.length is not None else -1
    cap = limits.max_html_bytes + _HEADER_ALLOWANCE
    read_error: Exception | None = None
    try:
        block = record.raw_stream.read(cap + 1)
    except Exception as exc:  # noqa: BLE001 - truncated gzip member etc.
        block, read_error = b"", exc
    length: int | None = None
    if read_error is None:
        try:
            iterator.read_to_end(record)
            length = iterator.get_record_length()
        except Exception as exc:  # noqa: BLE001
            read_error = exc

    warc_path = summary.warc_path
    doc = WarcDoc(
        doc_id=make_doc_id(warc_path, offset),
        warc_path=warc_path,
        file_index=summary.file_index,
        warc_offset=offset,
        warc_length=length,
        warc_record_id=headers.get_header("WARC-Record-ID"),
        warc_date=headers.get_header("WARC-Date"),
        warc_filename=headers.get_header("WARC-Filename") or warc_path.rsplit("/", 1)[-1],
        payload_digest=headers.get_header("WARC-Payload-Digest"),
        url=_clean_uri(headers.get_header("WARC-Target-URI")),
        dump=dump,
        warc_truncated=headers.get_header("WARC-Truncated"),
    )
    if read_error is not None:
        doc.fail("truncated_record", f"{type(read_error).__name__}: {read_error}")
        raise _StopAfter(doc) from read_error
    if declared >= 0 and len(block) < min(declared, cap + 1):
        doc.fail("truncated_record", f"block has {len(block)} of {declared} declared bytes")
        return doc

    response = http_payload.parse_http_response(block)
    doc.http_status = response.status
    doc.http_headers = response.headers
    doc.content_type = response.header("Content-Type")
    if response.status is None:
        doc.fail("bad_http_response", "no HTTP status line in response block")
        return doc
    if declared > cap:
        doc.drop("html_too_large")
        return doc
    if not 200 <= response.status < 300:
        doc.drop("http_status")
        return doc
    body = response.body
    if "chunked" in (response.header("Transfer-Encoding") or "").lower():
        body = http_payload.dechunk(body)
    try:
        body = http_payload.decode_content_encoding(
            body, response.header("Content-Encoding"), limits.max_html_bytes
        )
    except http_payload.PayloadTooLarge:
        doc.drop("html_too_large")
        return doc
    if len(body) > limits.max_html_bytes:
        doc.drop("html_too_large")
        return doc
    if not http_payload.is_html(doc.content_type, body):
        doc.drop("not_html")
        return doc
    doc.html, doc.charset = http_payload.decode_html(body, doc.content_type)
    return doc


class _StopAfter(Exception):
    """Carries the error doc of a record whose bytes ran out; reading the file stops there."""

    def __init__(self, doc: WarcDoc):
        super().__init__(doc.error_detail)
        self.doc = doc


def _clean_uri(uri: str | None) -> str | None:
    # WARC/1.0 writers sometimes wrap the URI in <>; WARC/1.1 forbids it.
    if uri and uri.startswith("<") and uri.endswith(">"):
        return uri[1:-1]
    return uri


def read_warc_file(
    path: str, file_index: int, limits: ReadLimits | None = None, dump: str | None = None
) -> tuple[list[WarcDoc], FileSummary]:
    """Convenience for tests and tools: read a whole file into memory."""
    summary = FileSummary(warc_path=path, file_index=file_index)
    docs = list(read_warc(path, summary, limits, dump))
    return docs, summary


def read_warc(
    path: str, summary: FileSummary, limits: ReadLimits | None = None, dump: str | None = None
) -> Iterator[WarcDoc]:
    """Open `path` and yield its docs; open failures and truncation end up in `summary`."""
    try:
        stream = open_warc(path)
    except Exception as exc:  # noqa: BLE001 - unreadable input is reported, not raised
        summary.add_error("unreadable_file", None, f"{type(exc).__name__}: {exc}")
        return
    try:
        gen = iter_warc_docs(stream, summary, limits, dump)
        while True:
            try:
                doc = next(gen)
            except StopIteration:
                break
            except _StopAfter as stop:
                summary.add_error(
                    "truncated_record", stop.doc.warc_offset, stop.doc.error_detail or ""
                )
                yield stop.doc
                break
            yield doc
    finally:
        try:
            stream.close()
        except Exception:  # noqa: BLE001
            pass


class ReadWarcFn(beam.DoFn):
    """(file_index, path) -> WarcDocs on the main output, one FileSummary on 'summary'."""

    SUMMARY = "summary"

    def __init__(self, limits: ReadLimits, dump: str | None = None):
        self._limits = limits
        self._dump = dump

    def process(self, element):
        file_index, path = element
        summary = FileSummary(warc_path=path, file_index=file_index)
        yield from read_warc(path, summary, self._limits, self._dump)
        yield beam.pvalue.TaggedOutput(self.SUMMARY, summary)


class ReadWarcFiles(beam.PTransform):
    """PCollection[(file_index, path)] -> {'docs': WarcDoc, 'summary': FileSummary}.

    A Reshuffle before reading spreads files over workers: each file is one unit of work.
    """

    def __init__(self, limits: ReadLimits | None = None, dump: str | None = None):
        super().__init__()
        self._limits = limits or ReadLimits()
        self._dump = dump

    def expand(self, files):
        return (
            files
            | "SpreadFiles" >> beam.Reshuffle()
            | "ReadRecords"
            >> beam.ParDo(ReadWarcFn(self._limits, self._dump)).with_outputs(
                ReadWarcFn.SUMMARY, main="docs"
            )
        )
