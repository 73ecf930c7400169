"""Guarded regex XPaths (transforms/trafilatura_xpaths.py) select what trafilatura's own do."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html as lxml_html
from lxml.etree import XPath

from tests.pipeline_runs import shared_warc_files
from transforms.trafilatura_xpaths import REGEXP_NS, guard_regex_tests
from transforms.warc_reader import read_warc_file

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_WARC = ROOT / "pipeline" / "sample" / "sample.warc.gz"

# Markup that trafilatura's discard expressions do select: hidden blocks, share bars, footers,
# comment sections, cookie banners, next to plain elements without ids or classes.
SELECTED_MARKUP = """<html><body>
<div id="main"><p>An article paragraph that stays in the text of the page.</p>
<div class="share-buttons"><span>Share</span></div>
<p style="display: none">hidden</p><div id="hiddenblock">x</div><div class="x hidden">y</div>
<section class="comments-title">Comments</section><div id="disqus_thread">c</div>
<div class="cookie-banner">We use cookies</div><div id="footer-links"><a href="/">home</a></div>
<ul class="comment-list"><li>one</li></ul><span class="hide-print">print only</span>
<div><div><p>Plain nested text without attributes.</p></div></div></div>
</body></html>"""


def trafilatura_regex_xpaths() -> dict[str, XPath]:
    """trafilatura's own expressions with re:test, each object once (before any install())."""
    code = (
        "import json, sys, trafilatura\n"
        "from lxml.etree import XPath\n"
        "out, seen = {}, set()\n"
        "for name, m in list(sys.modules.items()):\n"
        "    if name.split('.')[0] != 'trafilatura': continue\n"
        "    for key, value in vars(m).items():\n"
        "        items = value if isinstance(value, list) else [value]\n"
        "        for i, x in enumerate(items):\n"
        "            if isinstance(x, XPath) and 're:test(' in x.path and id(x) not in seen:\n"
        "                seen.add(id(x))\n"
        "                out[f'{name}.{key}[{i}]'] = x.path\n"
        "print(json.dumps(out))\n"
    )
    paths = json.loads(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout
    )
    return {name: XPath(path, namespaces={"re": REGEXP_NS}) for name, path in paths.items()}


# A page whose main text sits among forms: the elements lxml.html gives its own classes,
# which use_plain_html_elements makes plain HtmlElements.
FORM_MARKUP = """<html><body><article>
<h1>Subscribe to the garden newsletter</h1>
<p>Every month we write about what to plant, when to prune and which pests to watch for in
small gardens, with photographs from readers and answers to the questions they send us.</p>
<form action="/subscribe" method="post"><label for="mail">Your e-mail address</label>
<input id="mail" name="mail" type="email" value="someone@example.org">
<select name="freq"><option value="m" selected>Monthly</option><option>Weekly</option></select>
<textarea name="note">Tell us about your garden, what grows well and what does not.</textarea>
<input type="submit" value="Subscribe"></form>
<p>We never share addresses; every letter has a link that ends the subscription at once, and
the archive of past letters stays open to everyone without signing up.</p>
</article></body></html>"""


def pages() -> list[str]:
    """The sample's pages, and the real ones when ../shared/warcs is present."""
    found = [SELECTED_MARKUP, FORM_MARKUP]
    for index, path in enumerate([SAMPLE_WARC, *shared_warc_files()]):
        docs, _ = read_warc_file(str(path), index)
        found += [d.html for d in docs if d.html]
    return found


def test_guard_goes_in_front_of_each_call():
    path = ".//*[re:test(@id|@class, '^(?:a|b), c') or re:test(@class, 'X', 'i')]"
    assert guard_regex_tests(path) == (
        ".//*[((@id|@class) and re:test(@id|@class, '^(?:a|b), c')) or "
        "((@class) and re:test(@class, 'X', 'i'))]"
    )


@pytest.mark.parametrize(
    "call",
    [
        "re:test(@class, 'a*')",  # matches "": an element without a class is selected
        "re:test(@class, '^$')",
        "re:test(string(..), 'x')",  # not an attribute set
        "re:test(@class, '(')",  # not a valid pattern
    ],
)
def test_calls_a_guard_could_change_are_left_alone(call):
    path = f".//*[{call}]"
    assert guard_regex_tests(path) == path


def test_the_empty_pattern_case_is_real():
    """Why the check matters: guarding a pattern that matches "" would select less."""
    tree = lxml_html.fromstring("<div><p>no class</p><p class='b'>b</p></div>")
    plain = XPath(".//p[re:test(@class, 'a*')]", namespaces={"re": REGEXP_NS})
    naively_guarded = XPath(
        ".//p[(@class) and re:test(@class, 'a*')]", namespaces={"re": REGEXP_NS}
    )
    assert len(plain(tree)) == 2 and len(naively_guarded(tree)) == 1
    assert guard_regex_tests(plain.path) == plain.path


def test_guarded_expressions_select_the_same_elements():
    originals = trafilatura_regex_xpaths()
    assert len(originals) >= 15  # trafilatura 2.x: BODY, COMMENTS, discard lists, metadata
    guarded = {
        name: XPath(guard_regex_tests(x.path), namespaces={"re": REGEXP_NS})
        for name, x in originals.items()
    }
    assert all("and re:test(" in g.path for g in guarded.values())
    selected = 0
    for page in pages():
        tree = lxml_html.fromstring(page)
        for name, original in originals.items():
            expected = original(tree)
            assert guarded[name](tree) == expected, name
            selected += len(expected)
    assert selected > 100  # the comparison covered elements that are actually selected


def test_install_swaps_the_expressions_trafilatura_uses():
    code = (
        "from transforms import trafilatura_xpaths\n"
        "n = trafilatura_xpaths.install()\n"
        "import sys\n"
        "from trafilatura import xpaths, settings\n"
        "baseline = sys.modules['trafilatura.baseline']  # the package exports a function so named\n"
        "assert trafilatura_xpaths.install() == 0\n"
        "assert baseline.BASIC_CLEAN_XPATH is settings.BASIC_CLEAN_XPATH\n"
        "print(n, xpaths.OVERALL_DISCARD_XPATH[1].path.count('and re:test('),\n"
        "      settings.BASIC_CLEAN_XPATH.path.count('and re:test('))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    replaced, in_overall_discard, in_basic_clean = map(int, out)
    assert replaced == len(trafilatura_regex_xpaths())
    assert in_overall_discard == 3 and in_basic_clean == 2


def test_install_gives_trafilatura_plain_html_elements():
    code = (
        "from transforms import trafilatura_xpaths\n"
        "from trafilatura.utils import load_html\n"
        "before = {e.tag: type(e).__name__ for e in load_html(PAGE).iter()}\n"
        "trafilatura_xpaths.install()\n"
        "after = {e.tag: type(e).__name__ for e in load_html(PAGE).iter()}\n"
        "print(before['form'], before['input'], before['p'], after['form'], after['input'],"
        " after['p'])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", f"PAGE = {FORM_MARKUP!r}\n{code}"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    assert out == ["FormElement", "InputElement", "HtmlElement"] + ["HtmlElement"] * 3


@pytest.mark.parametrize("extractor", ["trafilatura", "trafilatura-fast"])
def test_extracted_text_is_unchanged(tmp_path, extractor):
    """extract_text (guarded) against trafilatura.extract with the same settings, unguarded."""
    texts = pages()
    (tmp_path / "pages.json").write_text(json.dumps(texts))
    code = (
        "import json, sys, trafilatura\n"
        "from trafilatura.deduplication import LRU_TEST\n"
        "out = []\n"
        "for page in json.load(open(sys.argv[1])):\n"
        "    LRU_TEST.clear()\n"
        "    t = trafilatura.extract(page, favor_precision=True, include_comments=False,\n"
        f"                            deduplicate=True, fast={extractor == 'trafilatura-fast'})\n"
        "    out.append((t or '').strip() or None)\n"
        "print(json.dumps(out))\n"
    )
    unguarded = json.loads(
        subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / "pages.json")],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
    )
    from transforms.extraction import extract_text

    guarded = [extract_text(page, extractor) for page in texts]
    assert sum(t is not None for t in guarded) >= 10
    assert guarded == unguarded
