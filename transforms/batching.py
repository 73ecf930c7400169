"""Documents in small batches between reading and finishing, one stage at a time per batch.

Beam runs a fused chain of DoFns depth first: each document goes through every stage before
the next document starts. Run one stage over a few dozen documents before the next stage
starts instead, and language ID costs about 40% less per page, resiliparse's extraction and
the quality filters 10-15% less, licence tagging 5-10% less; a whole run takes 8-10% less
CPU, with the same outputs (docs/benchmarks.md, "Batches of documents"). The likely cause is
the CPU caches: one page at a time, each stage finds its working set (fastText's language
model, libxml2's parser, the filters' regexes) evicted by the stages in between. Batches
have their own coder, which saves another 5% (`DocBatchCoder`).

`batch_docs()` makes the batches, `for_each_doc(stage)` runs an ordinary per-document DoFn
over every document of a batch, `UnbatchDocs` turns batches back into documents. A batch is
bounded both in documents and in HTML characters, so the pages in flight stay small whatever
their size. Batches are `DocBatch` lists, whose coder estimates their size without encoding
them (see `DocBatchCoder`).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

import apache_beam as beam
from apache_beam.utils.windowed_value import WindowedValue

# Language ID on the bench pages, ms a page: 0.82-0.86 one at a time, 0.66-0.69 in batches of
# 8, 0.54-0.55 of 32, 0.50-0.56 of 64, 0.47-0.49 of 128.
DOCS_PER_BATCH = 64
# A batch's HTML: at most this plus its last page. Beam's SDK worker runs bundles on a pool
# of threads, each with a batch in flight; 2M characters are 2-8 MB (about 50 bench pages).
HTML_CHARS_PER_BATCH = 2 << 20


# What a document weighs in a size estimate besides its HTML and text (its provenance,
# headers and attributes pickle to about 1-2 KB on the bench pages).
DOC_OVERHEAD_BYTES = 1500


def html_chars(doc: Any) -> int:
    html = getattr(doc, "html", None)
    return len(html) if html else 0


class DocBatch(list):
    """A batch of documents: a plain list, typed so that Beam gives it `DocBatchCoder`."""


class DocBatchCoder(beam.coders.Coder):
    """Pickles a batch, and estimates its size from its documents' HTML and text lengths.

    Beam samples elements on every step's output to estimate their mean size; for a pickled
    type that means pickling them. Batches are sampled about as often as single documents
    were, but each holds up to 64 documents, and on the bench input every document was
    pickled once per step, ten times in all: about 0.3 CPU s per worker (docs/benchmarks.md).
    """

    def encode(self, batch: list) -> bytes:
        return pickle.dumps(list(batch), pickle.HIGHEST_PROTOCOL)

    def decode(self, encoded: bytes) -> DocBatch:
        return DocBatch(pickle.loads(encoded))

    def estimate_size(self, batch: list) -> int:
        return sum(
            DOC_OVERHEAD_BYTES + html_chars(doc) + len(getattr(doc, "text", None) or "")
            for doc in batch
        )

    def is_deterministic(self) -> bool:
        return False

    def to_type_hint(self):
        return DocBatch


beam.coders.registry.register_coder(DocBatch, DocBatchCoder)


class BatchDocsFn(beam.DoFn):
    """Documents -> lists of at most `max_docs` documents in the same window, closed early
    once their HTML reaches `max_chars`; the last, partial list at the end of a bundle."""

    def __init__(self, max_docs: int = DOCS_PER_BATCH, max_chars: int = HTML_CHARS_PER_BATCH):
        if max_docs < 1 or max_chars < 1:
            raise ValueError("a batch must hold at least one document and one character")
        self._max_docs = max_docs
        self._max_chars = max_chars

    def start_bundle(self) -> None:
        self._batch: list = []
        self._chars = 0
        self._window = None
        self._timestamp = None

    def process(
        self, doc, timestamp=beam.DoFn.TimestampParam, window=beam.DoFn.WindowParam
    ) -> Iterator[WindowedValue]:
        if self._batch and window != self._window:
            yield from self._flush()
        self._batch.append(doc)
        self._chars += html_chars(doc)
        self._window, self._timestamp = window, timestamp
        if len(self._batch) >= self._max_docs or self._chars >= self._max_chars:
            yield from self._flush()

    def finish_bundle(self) -> Iterator[WindowedValue]:
        yield from self._flush()

    def _flush(self) -> Iterator[WindowedValue]:
        if self._batch:
            batch, self._batch, self._chars = DocBatch(self._batch), [], 0
            # The latest timestamp of the batch: a batch pipeline's documents share one.
            yield WindowedValue(batch, self._timestamp, [self._window])


class ForEachDoc(beam.DoFn):
    """Runs a per-document DoFn (`process(doc)` yielding documents) over each document of a
    list, and yields the list of what it yielded: a stage sees the whole batch before the
    next stage sees any of it. A DoFn with `process_docs(docs) -> docs` is given the whole
    list at once instead (e.g. to make one model call per batch).

    The wrapped DoFn's setup, start_bundle and teardown run as Beam would run them; its
    finish_bundle must not emit (a per-document stage has nothing left over).
    """

    def __init__(self, stage: beam.DoFn):
        self._stage = stage

    def setup(self) -> None:
        self._stage.setup()

    def start_bundle(self) -> None:
        self._stage.start_bundle()

    def process(self, docs: list) -> Iterator[list]:
        process_docs = getattr(self._stage, "process_docs", None)
        if process_docs is not None:
            yield DocBatch(process_docs(docs))
            return
        out = DocBatch()
        for doc in docs:
            out.extend(self._stage.process(doc))
        yield out

    def finish_bundle(self) -> None:
        left = self._stage.finish_bundle()
        if left is not None and next(iter(left), None) is not None:
            raise RuntimeError(f"{type(self._stage).__name__} emitted from finish_bundle")

    def teardown(self) -> None:
        self._stage.teardown()


def batch_docs(max_docs: int = DOCS_PER_BATCH, max_chars: int = HTML_CHARS_PER_BATCH) -> beam.ParDo:
    """Documents -> `DocBatch`es (`BatchDocsFn`)."""
    return beam.ParDo(BatchDocsFn(max_docs, max_chars)).with_output_types(DocBatch)


def for_each_doc(stage: beam.DoFn) -> beam.ParDo:
    """`DocBatch`es -> `DocBatch`es, `stage` run over each document (`ForEachDoc`)."""
    return beam.ParDo(ForEachDoc(stage)).with_output_types(DocBatch)


class UnbatchDocs(beam.PTransform):
    """Lists of documents -> documents."""

    def expand(self, batches):
        return batches | "Unbatch" >> beam.FlatMap(lambda batch: batch)
