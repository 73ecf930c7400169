"""The built-in sample WARC, its ground truth, and the synthetic volume generator."""

from __future__ import annotations

import gzip
import re
import time
from collections import Counter

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipeline.sample import GROUND_TRUTH, SAMPLE_WARC, articles, expected_by_url, load_ground_truth
from pipeline.sample.generate import generate
from pipeline.sample.synth import KINDS, write_synthetic_warc
from pipeline.sample.synth import main as synth_main

REQUIRED_RESPONSE_KINDS = {
    "article_en",
    "non_english",
    "cc_by_page",
    "image_cc_attribution_trap",
    "copyright_notice",
    "tdm_reservation",
    "noai_header",
    "near_duplicate",
    "exact_duplicate",
    "ai_generated",
    "boilerplate_only",
    "low_quality",
    "blocklisted_url",
    "non_html",
    "http_404",
    "charset_in_meta_only",
    "gzip_content_encoding",
}


def _records(path):
    """(warc_type, record_id, url, http_headers, body) per record, digests checked by warcio."""
    out = []
    with open(path, "rb") as handle:
        for record in ArchiveIterator(handle, check_digests="raise"):
            out.append(
                (
                    record.rec_type,
                    record.rec_headers.get_header("WARC-Record-ID"),
                    record.rec_headers.get_header("WARC-Target-URI"),
                    record.http_headers,
                    record.content_stream().read(),
                )
            )
    return out


@pytest.fixture(scope="module")
def records():
    return _records(SAMPLE_WARC)


@pytest.fixture(scope="module")
def truth():
    return load_ground_truth()


def _shingles(text: str, n: int = 5) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_checked_in_sample_equals_fresh_regeneration(tmp_path):
    warc_path, truth_path = generate(tmp_path)
    # Uncompressed first: a difference there is a content change, not a zlib difference.
    assert gzip.decompress(warc_path.read_bytes()) == gzip.decompress(SAMPLE_WARC.read_bytes())
    assert warc_path.read_bytes() == SAMPLE_WARC.read_bytes()
    assert truth_path.read_bytes() == GROUND_TRUTH.read_bytes()


def test_ground_truth_lists_every_record_in_file_order(records, truth):
    listed = [(row["warc_type"], row["warc_record_id"], row["url"]) for row in truth["records"]]
    found = [(rec_type, record_id, url) for rec_type, record_id, url, _, _ in records]
    assert listed == found
    assert len({record_id for _, record_id, _ in found}) == len(found)
    types = Counter(rec_type for rec_type, _, _ in found)
    assert types["warcinfo"] == 1 and types["revisit"] == 1
    assert types["request"] == types["response"] == types["metadata"] >= 20


def test_ground_truth_flags_match_the_records(records, truth):
    for (rec_type, _, _, http_headers, body), row in zip(records, truth["records"], strict=True):
        assert row["in_ledger"] == (rec_type == "response")
        if rec_type != "response":
            assert "expect" not in row
            continue
        content_type = http_headers.get_header("Content-Type")
        assert row["content_type"] == content_type
        assert row["http_status"] == int(http_headers.get_statuscode())
        looks_html = body.lstrip().lower().startswith(b"<!doctype html")
        assert row["is_html_response"] == (looks_html and content_type.startswith("text/html"))
        expect = row["expect"]
        assert isinstance(expect["kept"], bool)
        assert expect["kept"] or expect["drop_reason_prefix"]
        assert set(expect) <= set(truth["expect_keys"])


def test_sample_covers_every_page_kind(truth):
    kinds = Counter(row["kind"] for row in truth["records"] if row["warc_type"] == "response")
    assert REQUIRED_RESPONSE_KINDS <= set(kinds)
    assert kinds["article_en"] >= 3 and kinds["non_english"] >= 2 and kinds["non_html"] >= 2
    languages = {row["expect"].get("language") for row in expected_by_url(truth).values()}
    assert {"en", "fr", "ja"} <= languages
    blocked = [row["url"] for row in truth["records"] if row["kind"] == "blocklisted_url"]
    assert blocked and all(re.match(r"https?://[^/]+\.xxx/", url) for url in blocked)


def test_expected_text_is_in_the_decoded_html(records, truth):
    by_url = expected_by_url(truth)
    for rec_type, _, url, _, body in records:
        if rec_type != "response" or not by_url[url]["is_html_response"]:
            continue
        expect = by_url[url]["expect"]
        page = body.decode(expect.get("charset", "utf-8"))
        for snippet in expect.get("text_contains", []):
            assert snippet in page, (url, snippet)


def test_charset_only_in_meta_and_crawler_content_encoding(records, truth):
    by_url = expected_by_url(truth)
    kinds = {url: row["kind"] for url, row in by_url.items()}
    cp1252 = [r for r in records if r[0] == "response" and kinds[r[2]] == "charset_in_meta_only"]
    gzipped = [r for r in records if r[0] == "response" and kinds[r[2]] == "gzip_content_encoding"]
    assert len(cp1252) == 1 and len(gzipped) == 1
    _, _, _, headers, body = cp1252[0]
    assert "charset" not in headers.get_header("Content-Type").lower()
    assert b'<meta charset="windows-1252">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "Côtes du Rhône" in body.decode("cp1252")
    _, _, _, headers, body = gzipped[0]
    # Stored decoded, with the header renamed as Common Crawl does.
    assert headers.get_header("X-Crawler-Content-Encoding") == "gzip"
    assert headers.get_header("Content-Encoding") is None
    assert body.startswith(b"<!DOCTYPE html>")
    assert int(headers.get_header("Content-Length")) == len(body)


def test_duplicates_are_newer_than_their_originals(records, truth):
    by_url = expected_by_url(truth)
    bodies = {url: body for rec_type, _, url, _, body in records if rec_type == "response"}
    pairs = 0
    for url, row in by_url.items():
        for key in ("exact_duplicate_of", "near_duplicate_of"):
            original = row["expect"].get(key)
            if not original:
                continue
            pairs += 1
            assert by_url[original]["warc_date"] < row["warc_date"]
            assert by_url[original]["expect"]["kept"] and not row["expect"]["kept"]
            if key == "exact_duplicate_of":
                assert bodies[url] == bodies[original]
            else:
                jaccard_set = _shingles(bodies[url].decode()), _shingles(bodies[original].decode())
                jaccard = len(jaccard_set[0] & jaccard_set[1]) / len(
                    jaccard_set[0] | jaccard_set[1]
                )
                assert 0.8 <= jaccard < 1.0
    assert pairs == 2


def test_articles_have_realistic_length():
    for name, text in vars(articles).items():
        if name.isupper() and name != "JAPANESE_TEA":
            assert 300 <= len(text.split()) <= 800, name
    assert 600 <= len(articles.JAPANESE_TEA) <= 2000


def test_revisit_points_at_an_earlier_response():
    with open(SAMPLE_WARC, "rb") as handle:
        by_id, revisits = {}, []
        for record in ArchiveIterator(handle):
            headers = record.rec_headers
            by_id[headers.get_header("WARC-Record-ID")] = record.rec_type, headers
            if record.rec_type == "revisit":
                revisits.append(headers)
    assert len(revisits) == 1
    revisit = revisits[0]
    rec_type, original = by_id[revisit.get_header("WARC-Refers-To")]
    assert rec_type == "response"
    assert revisit.get_header("WARC-Payload-Digest") == original.get_header("WARC-Payload-Digest")
    assert revisit.get_header("WARC-Refers-To-Date") == original.get_header("WARC-Date")
    assert revisit.get_header("WARC-Refers-To-Target-URI") == original.get_header("WARC-Target-URI")


def test_ground_truth_agrees_with_the_reader_and_extractor(truth):
    """The read/extract expectations hold for the project's own reader and extractor."""
    # trafilatura's deduplicate=True remembers paragraphs across calls in the process, so
    # pages extracted by earlier tests would come back shortened: start from an empty cache.
    from trafilatura.deduplication import LRU_TEST

    from transforms.extraction import extract_text
    from transforms.language import LanguageIdentifier
    from transforms.warc_reader import read_warc_file

    LRU_TEST.clear()
    by_url = expected_by_url(truth)
    docs, summary = read_warc_file(str(SAMPLE_WARC), 0)
    assert summary.responses == len(docs) == len(by_url)
    assert summary.records_by_type == dict(Counter(row["warc_type"] for row in truth["records"]))
    read_stage = set(truth["read_and_extract_reasons"].values())
    lid = LanguageIdentifier()
    for doc in docs:
        row = by_url[doc.url]
        expect = row["expect"]
        assert doc.warc_record_id == row["warc_record_id"]
        assert doc.dump == truth["crawl"]
        if not doc.alive:
            assert doc.drop_reason == expect["drop_reason_prefix"], doc.url
            continue
        text = extract_text(doc.html)
        if expect.get("drop_reason_prefix") in read_stage:
            assert not text, doc.url
            continue
        assert text, doc.url
        for snippet in expect.get("text_contains", []):
            assert snippet in text, (doc.url, snippet)
        for snippet in expect.get("text_excludes", []):
            assert snippet not in text, (doc.url, snippet)
        if "language" in expect:
            language, score = lid.predict(text)
            assert language == expect["language"] and score >= 0.65, (doc.url, language, score)


# --------------------------------------------------------------------------- synthetic WARCs


def _response_bodies(path) -> list[tuple[str, str, bytes]]:
    """(url, record id, payload) per response, in file order."""
    out = []
    with open(path, "rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response":
                out.append(
                    (
                        record.rec_headers.get_header("WARC-Target-URI"),
                        record.rec_headers.get_header("WARC-Record-ID"),
                        record.content_stream().read(),
                    )
                )
    return out


def _article_text(body: bytes) -> str:
    """The words of the page's <article> element (the rest is the site's boilerplate)."""
    page = body.decode("utf-8")
    article = page[page.index("<article") : page.index("</article>")]
    return re.sub(r"<[^>]+>", " ", article)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "synth.warc.gz"
    summary = write_synthetic_warc(path, 400, seed=11)
    return path, summary


def test_synthetic_is_deterministic(tmp_path, synthetic):
    path, summary = synthetic
    # Same name (it is written into the warcinfo record), another folder.
    again_path = tmp_path / "again" / path.name
    again = write_synthetic_warc(again_path, 400, seed=11)
    assert again_path.read_bytes() == path.read_bytes()
    assert again.records == summary.records and again.duplicate_of == summary.duplicate_of
    other_path = tmp_path / "other" / path.name
    other = write_synthetic_warc(other_path, 400, seed=12)
    assert other_path.read_bytes() != path.read_bytes()
    assert other.records != summary.records


def test_synthetic_has_the_requested_count_and_kinds(synthetic):
    path, summary = synthetic
    responses = _response_bodies(path)
    assert [url for url, _, _ in responses] == [url for url, _ in summary.records]
    assert len(responses) == 400 == sum(summary.counts.values())
    assert len({url for url, _, _ in responses}) == 400
    assert len({record_id for _, record_id, _ in responses}) == 400
    assert set(summary.counts) == set(KINDS) and min(summary.counts.values()) > 0
    assert summary.warc_records == 401  # + warcinfo
    # The rates are respected within sampling noise (400 draws).
    assert 20 <= summary.counts["near_duplicate"] <= 65
    assert 8 <= summary.counts["exact_duplicate"] <= 35
    assert 20 <= summary.counts["non_english"] <= 65
    assert 3 <= summary.counts["non_html"] <= 25


def test_synthetic_duplicates_point_at_older_originals(synthetic):
    path, summary = synthetic
    position = {url: index for index, (url, _) in enumerate(summary.records)}
    kinds = dict(summary.records)
    bodies = {url: body for url, _, body in _response_bodies(path)}
    assert set(summary.duplicate_of) == {
        url for url, kind in summary.records if kind in ("near_duplicate", "exact_duplicate")
    }
    for url, original in summary.duplicate_of.items():
        assert kinds[original] == "article" and position[original] < position[url]
        if kinds[url] == "exact_duplicate":
            assert bodies[url] == bodies[original]
        else:
            a, b = _shingles(_article_text(bodies[url])), _shingles(_article_text(bodies[original]))
            assert 0.8 <= len(a & b) / len(a | b) < 1.0, url


def test_synthetic_unrelated_articles_are_far_apart(synthetic):
    path, summary = synthetic
    kinds = dict(summary.records)
    articles_only = [
        _shingles(_article_text(body))
        for url, _, body in _response_bodies(path)[:150]
        if kinds[url] == "article"
    ]
    worst = max(
        len(a & b) / len(a | b) for i, a in enumerate(articles_only) for b in articles_only[i + 1 :]
    )
    assert worst < 0.5


def test_synthetic_languages_and_rates(tmp_path):
    summary = write_synthetic_warc(
        tmp_path / "ja.warc.gz",
        120,
        seed=3,
        near_dup_rate=0,
        exact_dup_rate=0,
        non_english_rate=0.5,
        non_html_rate=0,
        lang_mix={"ja": 1.0},
    )
    assert set(summary.counts) == set(KINDS)
    assert summary.counts["near_duplicate"] == summary.counts["exact_duplicate"] == 0
    assert summary.counts["non_html"] == 0 and summary.duplicate_of == {}
    assert set(summary.languages.values()) == {"en", "ja"}
    for url, _, body in _response_bodies(tmp_path / "ja.warc.gz"):
        expected = summary.languages[url]
        assert f'<html lang="{expected}">'.encode() in body
    with pytest.raises(ValueError, match="no text pool"):
        write_synthetic_warc(tmp_path / "x.warc.gz", 5, lang_mix={"xx": 1.0})
    with pytest.raises(ValueError, match="add up to more than 1"):
        write_synthetic_warc(tmp_path / "x.warc.gz", 5, near_dup_rate=0.6, exact_dup_rate=0.6)


def test_synthetic_pages_go_through_reader_extractor_and_language_id(tmp_path):
    from trafilatura.deduplication import LRU_TEST

    from transforms.extraction import extract_text
    from transforms.language import LanguageIdentifier
    from transforms.warc_reader import read_warc_file

    path = tmp_path / "small.warc.gz"
    summary = write_synthetic_warc(path, 40, seed=5, companions=True, non_english_rate=0.25)
    assert summary.warc_records == 3 * 40 + 1
    docs, file_summary = read_warc_file(str(path), 0)
    assert file_summary.records_by_type == {
        "warcinfo": 1,
        "request": 40,
        "response": 40,
        "metadata": 40,
    }
    kinds = dict(summary.records)
    lid = LanguageIdentifier()
    LRU_TEST.clear()
    checked = 0
    for doc in docs:
        if kinds[doc.url] == "non_html":
            assert doc.drop_reason == "not_html"
            continue
        assert doc.alive
        if kinds[doc.url] == "exact_duplicate":
            continue  # trafilatura's cross-document deduplication would shorten the copy
        text = extract_text(doc.html)
        assert text and "Subscribe to our newsletter" not in text
        language, score = lid.predict(text)
        assert language == summary.languages[doc.url] and score >= 0.65, (doc.url, language)
        checked += 1
    assert checked >= 30


def test_synthetic_generator_is_fast(tmp_path):
    started = time.process_time()
    write_synthetic_warc(tmp_path / "speed.warc.gz", 1000, seed=1)
    rate = 1000 / (time.process_time() - started)
    print(f"synthetic generator: {rate:,.0f} responses per CPU second")
    # The target is >= 2,000/s; the bound leaves room for a busy shared test machine.
    assert rate >= 1000


def test_synthetic_cli(tmp_path, capsys):
    out = tmp_path / "cli.warc.gz"
    assert synth_main([str(out), "--records", "25", "--seed", "2", "--lang-mix", "fr=1"]) == 0
    assert len(_response_bodies(out)) == 25
    assert "25 responses" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad:
        synth_main([str(out), "--records", "5", "--near-dup-rate", "2"])
    assert bad.value.code == 2
    assert synth_main([str(out), "--records", "5", "--lang-mix", "xx=1"]) == 2
