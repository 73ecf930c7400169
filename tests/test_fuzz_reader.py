"""Fuzzing the WARC reader with mutated bytes of a valid multi-record file (gzip and plain).

Whatever the mutation (bit flips, truncation, inserted bytes, a duplicated or deleted region),
the reader must not raise, must account for everything it yields, and must still read every
record the mutation did not touch, at its (shifted) offset. 200 examples by default
(deterministic); set CCPROV_FUZZ_EXAMPLES to run more.
"""

from __future__ import annotations

import dataclasses
import io
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.corrupt_warcs import NonSeekableStream, article, gz, http_block, warc_record
from transforms.document import DROPPED, ERROR, KEPT
from transforms.warc_reader import (
    BAD_URL,
    FILE_ERROR_KINDS,
    NO_TARGET_URI,
    NOT_HTTP,
    READER_BUG,
    RECORD_ERROR_KINDS,
    FileSummary,
    iter_warc_docs,
)

EXAMPLES = int(os.environ.get("CCPROV_FUZZ_EXAMPLES", "200"))
READ_DROP_REASONS = {
    "http_status",
    "html_too_large",
    "not_html",
    "binary_content",
    NO_TARGET_URI,  # a mutation can break the WARC-Target-URI header's name
    NOT_HTTP,
    BAD_URL,  # a mutation can break the target URI's host
}


@dataclasses.dataclass(frozen=True)
class Span:
    url: str | None  # None: not a response
    start: int
    end: int


def _build(compress: bool) -> tuple[bytes, list[Span]]:
    parts, spans, size = [], [], 0
    records = [("warcinfo", None, b"software: fuzz\r\n")]
    for i in range(4):
        url = f"http://fuzz.example/{i}"
        records.append(("request", url, f"GET /{i} HTTP/1.1\r\n\r\n".encode()))
        records.append(("response", url, http_block(article(i, paragraphs=2))))
    for rec_type, url, block in records:
        data = warc_record(rec_type, url, block)
        data = gz(data) if compress else data
        spans.append(Span(url if rec_type == "response" else None, size, size + len(data)))
        parts.append(data)
        size += len(data)
    return b"".join(parts), spans


BASES = {True: _build(True), False: _build(False)}


@dataclasses.dataclass
class Mutation:
    """One edit: the bytes [start, end) become `insert`."""

    start: int
    end: int
    insert: bytes

    def apply(self, data: bytes) -> bytes:
        return data[: self.start] + self.insert + data[self.end :]

    def untouched(self, span: Span) -> int | None:
        """Where an unaffected record starts after the edit, or None if the edit touches it."""
        if span.end <= self.start and not (span.end == self.start and self.end > self.start):
            return span.start
        if span.start >= self.end and not (span.start == self.end and self.end > self.start):
            return span.start + len(self.insert) - (self.end - self.start)
        return None


@st.composite
def mutations(draw, size: int):
    kind = draw(st.sampled_from(["flip", "truncate", "insert", "duplicate", "delete", "overwrite"]))
    pos = draw(st.integers(0, size - 1))
    if kind == "flip":
        return kind, pos, 1, None
    if kind == "truncate":
        return kind, pos, size - pos, b""
    length = draw(st.integers(1, min(4000, size - pos)))
    if kind == "insert":
        return kind, pos, 0, draw(st.binary(min_size=1, max_size=300))
    if kind == "overwrite":
        return kind, pos, length, draw(st.binary(min_size=length, max_size=length))
    if kind == "delete":
        return kind, pos, length, b""
    source = draw(st.integers(0, size - length))
    return kind, pos, 0, ("copy", source, length)


def _mutate(data: bytes, drawn) -> Mutation:
    kind, pos, length, insert = drawn
    if kind == "flip":
        bit = 1 << (pos % 8)
        return Mutation(pos, pos + 1, bytes([data[pos] ^ bit]))
    if isinstance(insert, tuple):  # duplicate an existing region somewhere else
        _, source, copy_len = insert
        insert = data[source : source + copy_len]
    return Mutation(pos, pos + length, insert)


def check_accounting(data: bytes, docs, summary: FileSummary) -> None:
    """What must hold for any input bytes."""
    assert summary.responses == len(docs) == summary.records_by_type.get("response", 0)
    assert len({d.doc_id for d in docs}) == len(docs)
    offsets = [d.warc_offset for d in docs]
    assert offsets == sorted(offsets)
    for doc in docs:
        assert 0 <= doc.warc_offset < max(len(data), 1)
        if doc.warc_length is not None:
            assert doc.warc_offset + doc.warc_length <= len(data)
        assert doc.decision in (KEPT, DROPPED, ERROR)
        assert (doc.drop_reason is None) == (doc.decision == KEPT)
        if doc.decision == ERROR:
            assert doc.drop_reason in RECORD_ERROR_KINDS and doc.error_detail
        if doc.decision == DROPPED:
            assert doc.drop_reason in READ_DROP_REASONS
        if doc.decision == KEPT:
            assert doc.html is not None
    for error in summary.errors:
        assert error["kind"] in FILE_ERROR_KINDS and error["kind"] != READER_BUG, error
        assert error["offset"] is None or 0 <= error["offset"] <= len(data)
    if not docs and not summary.records_by_type:
        assert summary.errors, "a file without records must say why"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("CCPROV_FUZZ_RANDOM") is None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(compress=st.booleans(), seekable=st.booleans(), data=st.data())
def test_mutated_warc_is_read_and_accounted(compress, seekable, data):
    base, spans = BASES[compress]
    mutation = _mutate(base, data.draw(mutations(len(base))))
    mutated = mutation.apply(base)
    second = None
    if data.draw(st.booleans()):  # sometimes a second edit on top
        second = _mutate(mutated, data.draw(mutations(len(mutated)))) if mutated else None
        mutated = second.apply(mutated) if second else mutated

    summary = FileSummary(warc_path="/fuzz/input.warc", file_index=0)
    stream = io.BytesIO(mutated) if seekable else io.BufferedReader(NonSeekableStream(mutated))
    docs = list(iter_warc_docs(stream, summary))

    check_accounting(mutated, docs, summary)
    if second is not None:
        return
    # Every response the edit did not touch is still read, intact, where it now is.
    read_at = {d.warc_offset: d for d in docs}
    for span in spans:
        new_start = mutation.untouched(span)
        if span.url is None or new_start is None:
            continue
        doc = read_at.get(new_start)
        assert doc is not None, (span, mutation.start, mutation.end, summary.errors)
        assert doc.url == span.url and doc.decision != ERROR, (doc.drop_reason, doc.error_detail)
        assert doc.warc_length == span.end - span.start
