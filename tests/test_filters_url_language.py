"""URL filter (bundled and configured lists) and language filter boundaries."""

import pytest

from transforms.filters.config import BLOCKLIST_DIR, build_filter_config
from transforms.filters.language_filter import LanguageFilter
from transforms.filters.url_filter import UrlFilter, read_list, squeeze, url_words


@pytest.fixture(scope="module")
def bundled():
    return UrlFilter(build_filter_config(None)["url_filter"])


def url_section(**changes):
    section = build_filter_config(None)["url_filter"]
    section.update(changes)
    return section


@pytest.mark.parametrize(
    "url, reason",
    [
        ("https://www.pornhub.com/view_video.php?viewkey=1", "url_filter:domain"),
        ("http://PORNHUB.com:8080/", "url_filter:domain"),
        ("https://rule34.paheal.net/post/list", "url_filter:subdomain"),
        ("https://cdn.rule34.paheal.net/x.jpg", "url_filter:subdomain"),
        ("https://example.com/free-porn-clips", "url_filter:banned_words"),
        ("https://example.com/Watch/XXX/", "url_filter:banned_words"),
        ("https://example.com/sexy-nude-photos", "url_filter:soft_banned_words"),
        ("https://example.com/bestpornhubvideos", "url_filter:banned_subwords"),
        ("https://en.wikipedia.org/wiki/Sex_education", None),  # one soft word only
        ("https://example.com/top-ornaments", None),  # "porn" is not a subword
        ("https://paheal.net/", None),  # only the listed host, not its registered domain
        ("http://192.0.2.7/index.html", None),
    ],
)
def test_bundled_lists(bundled, url, reason):
    assert bundled.check(url)[0] == reason


def test_every_rule_is_measured(bundled):
    reason, scores = bundled.check("https://www.pornhub.com/sexy-nude")
    assert reason == "url_filter:domain"
    assert scores == {
        "url_filter:domain": 1.0,
        "url_filter:subdomain": 0.0,
        "url_filter:url": 0.0,
        "url_filter:banned_words": 1.0,  # "pornhub" is a URL word too
        "url_filter:soft_banned_words": 2.0,
        "url_filter:banned_subwords": 1.0,
    }


@pytest.mark.parametrize("threshold, reason", [(1, "url_filter:soft_banned_words"),
                                               (2, "url_filter:soft_banned_words"),
                                               (3, None), (False, None)])  # fmt: skip
def test_soft_banned_word_threshold_boundary(threshold, reason):
    url_filter = UrlFilter(url_section(soft_word_threshold=threshold))
    assert url_filter.check("https://example.com/naked-erotic-art")[0] == reason


def test_configured_lists_extend_or_replace_the_bundled_ones():
    extra = UrlFilter(
        url_section(
            extra_domains=["Bad-Site.net"],
            extra_urls=["news.example.org/page?id=7"],
            banned_words=["casino"],
            soft_banned_words=["poker", "bonus"],
            banned_subwords=["scam"],
        )
    )
    assert extra.check("https://www.bad-site.net/x")[0] == "url_filter:domain"
    assert extra.check("https://news.example.org/page?id=7")[0] == "url_filter:url"
    assert extra.check("https://news.example.org/page?id=8")[0] is None
    assert extra.check("https://a.example/online-casino")[0] == "url_filter:banned_words"
    assert extra.check("https://a.example/poker/bonus")[0] == "url_filter:soft_banned_words"
    assert extra.check("https://a.example/noscamhere")[0] == "url_filter:banned_subwords"
    assert extra.check("https://xvideos.com/")[0] == "url_filter:domain"  # still bundled
    own_only = UrlFilter(url_section(use_integrated_lists=False, extra_domains=["bad-site.net"]))
    assert own_only.check("https://xvideos.com/")[0] is None
    assert own_only.check("https://bad-site.net/")[0] == "url_filter:domain"


def test_url_normalisation_helpers():
    assert url_words("https://A.com/Free-PORN_clips?x=1") == {
        "https", "a", "com", "free", "porn", "clips", "x", "1",
    }  # fmt: skip
    assert squeeze("https://www.Porn-Hub.example/") == "httpswwwpornhubexample"
    assert url_words("http://a.com/pornİ/\u212aink") == {"http", "a", "com", "porn", "ink"}
    assert squeeze("xvİdeos") == "xvdeos"


@pytest.mark.parametrize(
    "url, reason",
    [
        # Only ASCII letters and digits make URL words, as in datatrove: str.lower() turns
        # U+0130 (İ) into "i" + U+0307 and the Kelvin sign (U+212A) into "k".
        ("http://example.com/pornİ", "url_filter:banned_words"),
        ("http://example.com/porn\u212a", "url_filter:banned_words"),
        ("http://example.com/xvİdeos", None),
        # The host names are those tldextract reads: ideographic full stops are dots,
        # blanks around the host are dropped, and a '%' does not stop the lower-casing.
        ("http://rule34\u3002paheal\uff0enet/", "url_filter:subdomain"),
        ("http://rule34.paheal.net /post", "url_filter:subdomain"),
        ("http://%61.RULE34.PAHEAL.NET/", "url_filter:subdomain"),
        ("http://%61.PORNHUB.COM/", "url_filter:domain"),
    ],
)
def test_url_words_and_host_names_as_datatrove_reads_them(bundled, url, reason):
    assert bundled.check(url)[0] == reason


def test_bundled_lists_are_clean():
    for name in ("domains.txt", "banned_words.txt", "soft_banned_words.txt", "banned_subwords.txt"):
        entries = read_list(BLOCKLIST_DIR / name)
        assert entries, name
        assert len(entries) == len(set(entries)), f"duplicates in {name}"
        assert all(e == e.lower() and " " not in e for e in entries), name


# ------------------------------------------------------------------ language


def language_filter(**changes):
    section = build_filter_config(None)["language"]
    section.update(changes)
    return LanguageFilter(section)


@pytest.mark.parametrize(
    "score, reason",
    [(0.64, "language:low_score"), (0.65, "language:low_score"), (0.6500001, None), (1.0, None)],
)
def test_language_score_must_be_above_threshold(score, reason):
    assert language_filter().check("en", score) == (reason, {"language:score": score})


def test_language_not_listed_unidentified_and_all():
    assert language_filter().check("de", 0.99)[0] == "language:not_in_languages"
    assert language_filter().check(None, 0.0)[0] == "language:unidentified"
    keep_all = language_filter(languages=["all"])
    assert keep_all.check("de", 0.99)[0] is None
    assert keep_all.check("ja", 0.5)[0] == "language:low_score"
    assert language_filter(languages=["en", "ja"]).check("ja", 0.9)[0] is None
    assert language_filter(language_threshold=False).check("en", 0.1)[0] is None


def test_text_in_capitals_only_is_identified_as_its_language():
    """lid.176 labelled an English page written in capitals `it` at 0.62 (dropped as not
    English); text with any lower-case letter is scored as it is, as FineWeb does."""
    from transforms.lid import LanguageIdentifier

    lid = LanguageIdentifier()
    english = "This is an English sentence about the weather today and tomorrow in London."
    german = "Dies ist ein deutscher Satz über das Wetter heute und morgen in Berlin."
    for text, language in ((english, "en"), (german, "de")):
        label, score = lid.predict(text.upper())
        assert label == language and score > 0.65, (text, label, score)
    # One lower-case letter: scored as written (FineWeb's scores on ordinary text).
    mixed = english.upper() + " x"
    labels, scores = lid._model.predict(mixed, k=1)
    assert lid.predict(mixed) == (labels[0].removeprefix("__label__"), float(scores[0]))
    assert lid.predict(mixed)[0] != "en"  # what the capitals alone get
