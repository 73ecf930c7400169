"""The language pre-check (transforms/lang_precheck.py): what it skips and what it records."""

from __future__ import annotations

import pytest

from tests.pipeline_runs import SHARED_WARCS, python_output, requires_shared_warcs
from transforms.document import WarcDoc
from transforms.extraction import ExtractTextFn, extract_text, precheck_outside
from transforms.lang_precheck import (
    NOT_IN_LANGUAGES,
    PART_CHARS,
    PARTS_CHARS,
    PRECHECK_SAMPLE_CHARS,
    LanguagePrecheck,
    PrecheckResult,
    PrecheckSpec,
    precheck_languages,
)
from transforms.language import LanguageIdentifier
from transforms.warc_reader import read_warc_file

FRENCH = (
    "La commission municipale a présenté hier soir son rapport sur la rénovation de la "
    "bibliothèque du quartier. Les travaux commenceront au printemps et dureront environ "
    "dix-huit mois, pendant lesquels les lecteurs pourront emprunter des livres dans une "
    "salle provisoire installée à la mairie."
)
ENGLISH = (
    "The city council presented its report on the renovation of the neighbourhood library "
    "last night. Work will start in the spring and take about eighteen months, during which "
    "readers can borrow books from a temporary room set up in the town hall."
)


@pytest.fixture(scope="module")
def lid():
    return LanguageIdentifier()


def test_clear_other_language_is_outside(lid):
    check = LanguagePrecheck(["en"], lid.predict, min_score=0.8, min_chars=100)
    result = check.check(FRENCH)
    assert result.outside
    assert result.language == "fr"
    assert result.score >= 0.8
    assert result.chars == len(FRENCH)


def test_kept_language_and_short_or_missing_text_go_on_to_extraction(lid):
    check = LanguagePrecheck(["en"], lid.predict, min_score=0.8, min_chars=100)
    assert not check.check(ENGLISH).outside
    assert not check.check(FRENCH[:60]).outside  # too short to decide on
    assert not check.check(None).outside
    # French is kept when the run keeps it.
    assert not LanguagePrecheck(["en", "fr"], lid.predict, 0.8, 100).check(FRENCH).outside


def test_long_text_is_judged_on_its_opening_sample_then_read_in_parts(lid):
    # The opening sample decides (cheap); a page it would drop is read in parts first, and
    # one part in a kept language sends it on: resiliparse keeps reader comments that
    # trafilatura leaves out, and an English article under German comments was dropped.
    seen = []

    def identify(text):
        seen.append(text)
        return lid.predict(text)

    opening = (FRENCH + "\n") * (PRECHECK_SAMPLE_CHARS // len(FRENCH) + 1)
    text = opening[:PRECHECK_SAMPLE_CHARS] + ("\n" + ENGLISH) * 200
    check = LanguagePrecheck(["en"], identify, min_score=0.8, min_chars=100)
    result = check.check(text)
    assert seen[0] == text[:PRECHECK_SAMPLE_CHARS]
    assert result.chars == len(text)
    assert result.language == "fr" and not result.outside
    assert len(seen) > 2  # the opening sample, then parts
    assert all(len(part) < PART_CHARS + len(ENGLISH) + 1 for part in seen[1:])
    seen.clear()
    french = "\n".join([FRENCH] * 60)
    result = check.check(french)
    assert result.outside and result.language == "fr"
    assert sum(map(len, seen[1:])) <= PARTS_CHARS  # parts read up to PARTS_CHARS only


def test_english_article_under_comments_in_another_language_goes_on(lid):
    german = (
        "Ich finde den Artikel sehr gut geschrieben, aber die Zahlen zur Bibliothek stimmen "
        "meiner Meinung nach nicht ganz. Wir waren letzte Woche dort und es war geschlossen."
    )
    text = ENGLISH + "\n" + ENGLISH + "\n" + "\n".join([german] * 12)
    check = LanguagePrecheck(["en"], lid.predict, min_score=0.8, min_chars=200)
    assert lid.predict(text[:PRECHECK_SAMPLE_CHARS])[0] == "de"
    assert not check.check(text).outside


GERMAN_SUMMARY = (
    "Die Stadt hat gestern Abend ihren Bericht zur Sanierung der Stadtteilbibliothek "
    "vorgestellt. Die Arbeiten beginnen im Frühjahr und dauern etwa achtzehn Monate; in dieser "
    "Zeit können Leser Bücher in einem Ausweichraum im Rathaus ausleihen."
)
ENGLISH_ARTICLE = [
    "Researchers at the university have published a detailed study of how small rivers respond "
    "to prolonged drought, showing that the loss of shallow pools affects fish populations far "
    "more than the drop in total water volume.",
    "The team monitored twenty-three streams over six summers, recording temperature, oxygen "
    "levels and the number of juvenile trout in each section. They found that pools deeper than "
    "forty centimetres acted as refuges, and that streams which kept even a handful of them "
    "recovered within a year.",
    "According to the lead author, the findings suggest that restoration projects should focus "
    "on preserving those deeper sections rather than on raising the overall flow, which is often "
    "impossible during a dry season anyway.",
    "Local anglers have welcomed the report. Many of them had noticed that certain stretches of "
    "water held fish when everything around them seemed empty, but there had been little data "
    "to support what they saw.",
    "The study also warns that sediment from nearby construction sites can fill the pools within "
    "a few months, and it recommends stricter controls on runoff during building work close to "
    "small watercourses.",
]


def tabbed_page(open_tag: str, close_tag: str) -> str:
    """A German page (lang="de", a short visible German summary) whose English article sits in
    an element resiliparse's main content skips and trafilatura extracts."""
    article = "".join(f"<p>{p}</p>" for p in ENGLISH_ARTICLE)
    return (
        '<!doctype html><html lang="de"><head><title>Studie</title></head><body>'
        '<div class="container"><div class="content"><h1>Kleine Flüsse und Dürre</h1>'
        f'<p>{GERMAN_SUMMARY}</p><div role="tablist"><button>Deutsch</button>'
        f"<button>English</button></div>{open_tag}<h2>Small rivers and drought</h2>{article}"
        f"{close_tag}</div></div></body></html>"
    )


@pytest.mark.parametrize(
    "open_tag, close_tag",
    [
        ('<div role="tabpanel" hidden>', "</div>"),
        ('<div aria-expanded="false">', "</div>"),
        ("<template>", "</template>"),
    ],
    ids=["hidden", "aria-expanded", "template"],
)
def test_english_article_hidden_from_resiliparse_goes_on(lid, open_tag, close_tag):
    # trafilatura extracts the hidden English article (and the run keeps it); resiliparse's
    # main content is the German summary alone: the pre-check dropped the page as `de`.
    html = tabbed_page(open_tag, close_tag)
    extracted = extract_text(html, "trafilatura")
    assert extracted and lid.predict(extracted)[0] == "en"
    main = extract_text(html, "resiliparse")
    assert len(main) >= 200 and lid.predict(main)[0] == "de"
    assert precheck_outside(html, PrecheckSpec(("en",)).build(lid.predict)) is None
    # The German page itself is still dropped, and so is one whose hidden part is German too.
    assert precheck_outside(html, PrecheckSpec(("fr",)).build(lid.predict)) is not None
    german = tabbed_page(open_tag, close_tag).replace(
        "".join(f"<p>{p}</p>" for p in ENGLISH_ARTICLE), f"<p>{GERMAN_SUMMARY}</p>" * 5
    )
    assert precheck_outside(german, PrecheckSpec(("en",)).build(lid.predict)) is not None


def test_unsure_prediction_goes_on_to_extraction(lid):
    mixed = FRENCH[:120] + " " + ENGLISH[:140]
    language, score = lid.predict(mixed)
    check = LanguagePrecheck(["en"], lid.predict, min_score=min(1.0, score + 0.01), min_chars=10)
    assert not check.check(mixed).outside


@pytest.mark.parametrize(
    "html, declared",
    [
        ('<!doctype html><html lang="en-GB"><body>x</body></html>', True),
        ("<HTML class=a LANG=en><body>x</body></html>", True),
        ('<html lang="ja"><body>x</body></html>', False),  # still checked, not dropped
        ("<html><body lang='en'>x</body></html>", False),  # only the html element counts
        ('<html lang="eng"><body>x</body></html>', False),  # not the code lid.176 gives
        ("<p>" + "x" * 5000 + '</p><html lang="en">', False),  # beyond the scanned start
    ],
)
def test_declared_kept_language_goes_straight_to_extraction(lid, html, declared):
    check = LanguagePrecheck(["en"], lid.predict)
    assert check.declares_kept_language(html) is declared


def test_languages_a_precheck_can_use():
    def config(enabled=True, languages=("en",)):
        return {"language": {"enabled": enabled, "languages": list(languages)}}

    assert precheck_languages(config()) == ["en"]
    assert precheck_languages(config(languages=("en", "de"))) == ["en", "de"]
    assert precheck_languages(config(languages=("all",))) is None
    assert precheck_languages(config(enabled=False)) is None


def test_sandbox_side_builds_lid176_without_beam(lid):
    # The pre-check runs in the extraction child, which must never import Beam; it uses the
    # language stage's own identifier (transforms.lid), so both judge a text alike.
    code = (
        "import sys; from transforms.lang_precheck import PrecheckSpec; "
        "check = PrecheckSpec(('en',), 0.8, 100).build(); "
        f"r = check.check({FRENCH!r}); "
        "print('apache_beam' in sys.modules, r.language, repr(r.score))"
    )
    beam_loaded, language, score = python_output(code, timeout=120).split()
    assert beam_loaded == "False"
    assert (language, float(score)) == lid.predict(FRENCH)


def test_spec_and_result_cross_the_pipe_unchanged():
    spec = PrecheckSpec(("en", "de"), 0.85, 150)
    assert PrecheckSpec.from_arg(spec.to_arg()) == spec
    assert (
        PrecheckSpec.from_config({"languages": ["en", "de"], "min_score": 0.85, "min_chars": 150})
        == spec
    )
    assert PrecheckSpec.from_config(None) is None
    result = PrecheckResult("ja", 0.987654321, 4321, True)
    assert PrecheckResult.from_payload(result.to_payload()) == result


def extract_all(docs, timeout_s):
    fn = ExtractTextFn("trafilatura", timeout_s, precheck=PrecheckSpec(("en",)))
    fn.setup()
    try:
        return [next(iter(fn.process(doc))) for doc in docs]
    finally:
        fn.teardown()


@requires_shared_warcs
@pytest.mark.parametrize("timeout_s", [5.0, 0.0], ids=["sandbox", "in-process"])
def test_real_pages_japanese_skipped_english_extracted(timeout_s):
    japanese, _ = read_warc_file(str(SHARED_WARCS / "clueweb09-ja.warc.gz"), 0)
    english, _ = read_warc_file(str(SHARED_WARCS / "wget-homepages.warc.gz"), 1)
    checked = extract_all(japanese[:12] + english[:6], timeout_s)
    ja_out, en_out = checked[:12], checked[12:]
    dropped = [d for d in ja_out if d.drop_reason == NOT_IN_LANGUAGES]
    assert len(dropped) >= 10
    for doc in dropped:
        assert doc.language == "ja"
        assert doc.filter_scores["language:score"] == doc.language_score >= 0.8
        assert doc.filter_scores["language:precheck_chars"] >= 200
        assert doc.html is None and doc.text is None
    assert all(d.alive and d.text and d.language is None for d in en_out)


def test_left_out_text_parses_a_bounded_number_of_templates(monkeypatch):
    # One resiliparse parse per <template>: 100,000 tiny ones on a foreign page cost 1.6 s of
    # pre-check (0.1 s before). Only the first PARTS_CHARS of the text are ever read.
    import resiliparse.extract.html2text as html2text

    from transforms.extraction import _MAX_TEMPLATES, precheck_texts

    calls = []
    real = html2text.extract_plain_text

    def counting(html, *args, **kwargs):
        calls.append(1)
        return real(html, *args, **kwargs)

    monkeypatch.setattr(html2text, "extract_plain_text", counting)
    html = f"<html><body><p>{GERMAN_SUMMARY}</p>{'<template>a</template>' * 5000}</body></html>"
    text, left_out = precheck_texts(html)
    calls.clear()
    left_out()
    assert len(calls) <= 1 + _MAX_TEMPLATES
    # and none once the page's own left-out text fills what is read
    nav = "<nav>" + "<a href=/>Startseite und Kontakt</a><br>" * 600 + "</nav>"
    left_out = precheck_texts(html.replace("<body>", f"<body>{nav}"))[1]
    calls.clear()
    left_out()
    assert len(calls) == 1


def test_in_process_a_precheck_out_of_memory_sends_the_page_to_the_extractor(monkeypatch):
    # With --extract-timeout 0 there is no sandbox to retry in: the MemoryError failed the
    # whole bundle.
    from transforms import extraction

    def out_of_memory(html, precheck):
        raise MemoryError

    monkeypatch.setattr(extraction, "precheck_outside", out_of_memory)
    doc = WarcDoc(
        "d", "f.warc.gz", 0, 0, html="<html><body><p>Hello there, world.</p></body></html>"
    )
    (out,) = extract_all([doc], 0.0)
    assert out.alive and out.text and "Hello there" in out.text
