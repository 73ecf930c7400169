"""transforms/batching.py: documents in bounded batches, one stage over a batch at a time."""

from __future__ import annotations

import shutil

import apache_beam as beam
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from transforms import batching
from transforms.ai_detect import AiScoreFn
from transforms.batching import (
    BatchDocsFn,
    DocBatch,
    DocBatchCoder,
    ForEachDoc,
    UnbatchDocs,
    batch_docs,
    for_each_doc,
)
from transforms.document import WarcDoc, make_doc_id

# Stages append (stage, offset) here. The in-memory FnApiRunner runs the DoFns in this
# process, so this module's list is the one they see.
EVENTS: list[tuple[str, int]] = []


def make_doc(offset: int, html: str | None = "<p>x</p>", text: str | None = None) -> WarcDoc:
    return WarcDoc(
        doc_id=make_doc_id("f.warc.gz", offset),
        warc_path="f.warc.gz",
        file_index=0,
        warc_offset=offset,
        html=html,
        text=text,
    )


class RecordingStage(beam.DoFn):
    def __init__(self, name: str, drop_offsets: tuple[int, ...] = ()):
        self._name = name
        self._drop = drop_offsets

    def process(self, doc):
        EVENTS.append((self._name, doc.warc_offset))
        if doc.warc_offset in self._drop:
            doc.drop(f"{self._name}_drop")
        yield doc


def batches_of(docs, **kwargs) -> list[list[WarcDoc]]:
    fn = BatchDocsFn(**kwargs)
    fn.start_bundle()
    out = [wv.value for doc in docs for wv in fn.process(doc, 0, beam.window.GlobalWindow())]
    out += [wv.value for wv in fn.finish_bundle()]
    return out


def test_batches_are_bounded_in_documents_and_keep_every_document_in_order():
    docs = [make_doc(i) for i in range(10)]
    batches = batches_of(docs, max_docs=4)
    assert [len(b) for b in batches] == [4, 4, 2]
    assert [d.warc_offset for b in batches for d in b] == list(range(10))


def test_a_batch_closes_once_its_html_reaches_the_character_bound():
    sizes = [10, 10, 50, 1, 1, 1, 200, 5]
    docs = [make_doc(i, "x" * n) for i, n in enumerate(sizes)]
    docs.append(make_doc(8, None))  # no HTML (e.g. a non-HTML record): counts 0
    batches = batches_of(docs, max_docs=100, max_chars=60)
    assert [[d.warc_offset for d in b] for b in batches] == [[0, 1, 2], [3, 4, 5, 6], [7, 8]]
    # Each batch is at most the bound plus its last page.
    for batch in batches:
        chars = [len(d.html or "") for d in batch]
        assert sum(chars[:-1]) < 60


def test_bad_bounds_are_refused():
    with pytest.raises(ValueError):
        BatchDocsFn(max_docs=0)
    with pytest.raises(ValueError):
        BatchDocsFn(max_chars=0)


def test_each_stage_sees_the_whole_batch_before_the_next_stage_runs():
    EVENTS.clear()
    docs = [make_doc(i) for i in range(7)]
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        out = (
            pipeline
            | beam.Create(docs, reshuffle=False)
            | batch_docs(max_docs=3)
            | "A" >> for_each_doc(RecordingStage("a", drop_offsets=(1,)))
            | "B" >> for_each_doc(RecordingStage("b"))
            | UnbatchDocs()
            | beam.Map(lambda d: (d.warc_offset, d.decision, d.drop_reason))
        )
        expected = [(i, "kept", None) for i in range(7) if i != 1] + [(1, "dropped", "a_drop")]
        assert_that(out, equal_to(expected))
    # Per batch of three: stage a over all three documents, then stage b over the same three.
    stages = [name for name, _ in EVENTS]
    assert stages == ["a"] * 3 + ["b"] * 3 + ["a"] * 3 + ["b"] * 3 + ["a", "b"]
    assert sorted(offset for name, offset in EVENTS if name == "b") == list(range(7))


def test_a_stage_that_emits_from_finish_bundle_is_refused():
    class Leftover(beam.DoFn):
        def process(self, doc):
            yield doc

        def finish_bundle(self):
            yield "left over"

    wrapped = ForEachDoc(Leftover())
    wrapped.start_bundle()
    assert list(wrapped.process([make_doc(0)]))[0][0].warc_offset == 0
    with pytest.raises(RuntimeError, match="Leftover emitted from finish_bundle"):
        wrapped.finish_bundle()


def test_ai_scores_of_a_batch_equal_the_scores_one_document_at_a_time():
    texts = [
        "Certainly! Here's a quick overview of the topic. I hope this helps!",
        "The bus to the station leaves at ten past, but on Sundays only every two hours.",
        None,
        "Minutes of the parish council meeting held on the third Tuesday of March.",
    ]
    dropped = make_doc(9, text="dropped before scoring")
    dropped.drop("earlier")

    def fresh():
        return [make_doc(i, text=t) for i, t in enumerate(texts)] + [dropped]

    one_at_a_time = AiScoreFn(None)
    one_at_a_time.setup()
    singles = [out for doc in fresh() for out in one_at_a_time.process(doc)]

    batched = ForEachDoc(AiScoreFn(None))
    batched.setup()
    batched.start_bundle()
    (together,) = list(batched.process(fresh()))

    def ai(docs):
        return {d.warc_offset: d.attributes.get("ai") for d in docs}

    assert ai(together) == ai(singles)
    assert ai(together)[2] is None and ai(together)[9] is None
    # Each document keeps its own result (the classifier's ranking of two one-line texts is
    # the shipped model's business: short texts score arbitrarily, see the datasheet).
    assert ai(together)[0]["ai_markers"] and not ai(together)[1]["ai_markers"]
    assert ai(together)[0]["ai_score"] != ai(together)[1]["ai_score"]


def test_batches_have_a_coder_that_estimates_their_size_without_pickling(monkeypatch):
    docs = [make_doc(i, "<p>" + "x" * 5000 * i + "</p>", text="y" * 300 * i) for i in range(6)]
    coder = beam.coders.registry.get_coder(DocBatch)
    assert isinstance(coder, DocBatchCoder)
    batch = DocBatch(docs)
    decoded = coder.decode(coder.encode(batch))
    assert isinstance(decoded, DocBatch)
    assert [(d.doc_id, d.html, d.text) for d in decoded] == [
        (d.doc_id, d.html, d.text) for d in docs
    ]
    encoded_size = len(coder.encode(batch))

    def no_pickling(*args, **kwargs):
        raise AssertionError("the estimate pickled the batch")

    monkeypatch.setattr(batching.pickle, "dumps", no_pickling)
    estimate = coder.estimate_size(batch)
    assert encoded_size / 2 < estimate < encoded_size * 2
    # Beam's own path for sampled elements: through the coder's impl.
    assert coder.get_impl().estimate_size(batch) == estimate


def test_the_batched_steps_of_the_pipeline_carry_doc_batches(tmp_path):
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipeline.assembly import build_pipeline

    warc = tmp_path / "a.warc.gz"
    warc.write_bytes(b"")  # only planned, never read
    options = PipelineOptions(["--input", str(warc), "--output", str(tmp_path / "out")])
    pipeline = beam.Pipeline(options=options)
    # Beam removes a Pipeline's temporary folder only in run(); this one is never run.
    shutil.rmtree(pipeline.local_tempdir)
    build_pipeline(pipeline, options)
    proto = pipeline.to_runner_api()
    batched = {"BatchDocs", "UrlFilter", "TagLicense", "ExtractText", "Finish"}
    seen = set()
    for transform in proto.components.transforms.values():
        if transform.unique_name in batched:
            (pcoll_id,) = transform.outputs.values()
            coder_id = proto.components.pcollections[pcoll_id].coder_id
            assert "DocBatchCoder" in str(proto.components.coders[coder_id]), transform.unique_name
            seen.add(transform.unique_name)
    assert seen == batched
