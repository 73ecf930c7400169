"""trafilatura's XPaths, guarded or compiled (transforms/trafilatura_speedups.py), select what
trafilatura's own do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import html as lxml_html
from lxml.etree import XPath

from tests.pipeline_runs import python_output, shared_warc_files
from transforms.trafilatura_speedups import (
    REGEXP_NS,
    CompiledSelection,
    compile_selection,
    guard_regex_tests,
)
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


def python_json(code: str, *args: str):
    """Run `code` in a fresh interpreter (no speed-ups installed) and parse what it prints."""
    return json.loads(python_output(code, *args))


def trafilatura_xpaths(regex_only: bool = True) -> dict[str, XPath]:
    """trafilatura's own expressions (those with re:test by default), each object once,
    as they are before any install()."""
    code = (
        "import json, sys, trafilatura\n"
        "from lxml.etree import XPath\n"
        "out, seen = {}, set()\n"
        "for name, m in list(sys.modules.items()):\n"
        "    if name.split('.')[0] != 'trafilatura': continue\n"
        "    for key, value in vars(m).items():\n"
        "        items = value if isinstance(value, list) else [value]\n"
        "        for i, x in enumerate(items):\n"
        "            if isinstance(x, XPath) and id(x) not in seen:\n"
        "                seen.add(id(x))\n"
        "                out[f'{name}.{key}[{i}]'] = x.path\n"
        "print(json.dumps(out))\n"
    )
    paths = python_json(code)
    return {
        name: XPath(path, namespaces={"re": REGEXP_NS})
        for name, path in paths.items()
        if "re:test(" in path or not regex_only
    }


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
    originals = trafilatura_xpaths()
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
        "from transforms import trafilatura_speedups\n"
        "n = trafilatura_speedups.install()\n"
        "import sys\n"
        "from lxml.etree import XPath\n"
        "from trafilatura import xpaths, settings\n"
        "baseline = sys.modules['trafilatura.baseline']  # the package exports a function so named\n"
        "assert trafilatura_speedups.install() == 0\n"
        "assert baseline.BASIC_CLEAN_XPATH is settings.BASIC_CLEAN_XPATH\n"
        "kinds = [type(x).__name__ for x in xpaths.OVERALL_DISCARD_XPATH + xpaths.BODY_XPATH]\n"
        "print(n, xpaths.OVERALL_DISCARD_XPATH[1].path.count('and re:test('),\n"
        "      settings.BASIC_CLEAN_XPATH.path.count('and re:test('), *kinds)\n"
    )
    out = python_output(code).split()
    replaced, in_overall_discard, in_basic_clean = map(int, out[:3])
    originals = trafilatura_xpaths(regex_only=False)
    compiled = sum(compile_selection(x) is not None for x in originals.values())
    uncompiled_regex = sum(
        compile_selection(x) is None and "re:test(" in x.path for x in originals.values()
    )
    assert compiled >= 15 and replaced == compiled + uncompiled_regex
    assert in_overall_discard == 3 and in_basic_clean == 2  # the fallback is the guarded one
    # the discard and body lists walk in Python (BODY_XPATH has positions and a union)
    assert out[3:] == ["CompiledSelection"] * 7


def test_install_gives_trafilatura_plain_html_elements():
    code = (
        "from transforms import trafilatura_speedups\n"
        "from trafilatura.utils import load_html\n"
        "before = {e.tag: type(e).__name__ for e in load_html(PAGE).iter()}\n"
        "trafilatura_speedups.install()\n"
        "after = {e.tag: type(e).__name__ for e in load_html(PAGE).iter()}\n"
        "print(before['form'], before['input'], before['p'], after['form'], after['input'],"
        " after['p'])\n"
    )
    out = python_output(f"PAGE = {FORM_MARKUP!r}\n{code}").split()
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
    unguarded = python_json(code, str(tmp_path / "pages.json"))
    from transforms.extraction import extract_text

    guarded = [extract_text(page, extractor) for page in texts]
    assert sum(t is not None for t in guarded) >= 10
    assert guarded == unguarded


# Cases the compiled walk must get right the way libxml2 does: the attribute that comes first
# in the element is the string value of @id|@class, translate() maps and deletes, not() and
# descendant tests, empty literals and patterns that match "" (true without the attribute),
# comments and processing instructions among the elements.
EDGE_MARKUP = """<html><body>
<div id="zz" class="aa">id first</div><div class="aa" id="zz">class first</div>
<section class="reply-box" id="x">r</section><span id="reply-1" class="note">s</span>
<div role="Navigation">nav</div><div role="main">main</div><p data-flag="">flag</p>
<article class="Story"><h1>T</h1><p class="lead">lead</p></article>
<div class="story"><!-- a comment --><?pi x?><p>no heading</p></div>
<div class="FullText">ft</div><div style="display: none">hidden</div><ul><li>x</li></ul>
</body></html>"""

EDGE_EXPRESSIONS = [
    ".//*[re:test(@id|@class, '^aa$')]",
    ".//*[re:test(@class|@id, '^zz$')]",
    ".//*[starts-with(@id|@class, 'reply-')]",
    ".//*[contains(translate(@role, 'NM', 'n'), 'nav') or contains(translate(@role, 'NM', 'n'), 'ain')]",
    ".//*[self::div or self::article][re:test(@class, 'story', 'i')][not(.//h1)]",
    ".//*[self::div or self::article][re:test(@class, 'Story')][.//h1]",
    ".//*[@data-flag]",
    ".//*[@data-flag='']",
    ".//*[@class='lead' or @role='main']",
    ".//*[contains(@class, '')]",
    ".//*[re:test(@class, 'x*')]",
    ".//*[not(@class)]",
    ".//*[self::p or self::li]",
    "(.//*[self::div or self::section][re:test(@class, 'story|reply', 'i')])[1]",
    "(.//*[re:test(@id, 'nothing')])[1]",
    ".//*[(@style) and contains(@style, 'display: none') or @class='FullText']",
    # positions: the first match among siblings, the first in document order
    ".//*[self::div or self::section][1]",
    ".//*[re:test(@class, 'story|reply', 'i')][1]",
    ".//p[1]",
    ".//*[1]",
    "(.//article)[1]",
    "(.//*[self::div][1])[1]",
    ".//div[@class]",
    # unions, merged in document order: a few elements, and more than are ordered pairwise
    "(.//*[self::div][@class='story'])[1]|(.//li)[1]|(.//section)[1]",
    ".//li|.//*[@id]",
    ".//p|.//div|.//span|.//li|.//section|.//article|.//ul|.//h1|.//*[@role]",
]


@pytest.mark.parametrize("path", EDGE_EXPRESSIONS)
def test_compiled_selection_matches_libxml2_on_edge_cases(path):
    expression = XPath(path, namespaces={"re": REGEXP_NS})
    compiled = compile_selection(expression)
    assert isinstance(compiled, CompiledSelection)
    tree = lxml_html.fromstring(EDGE_MARKUP)
    assert compiled(tree) == expression(tree)
    for element in tree.iter("div", "article", "body"):  # other context nodes
        assert compiled(element) == expression(element)


def test_edge_cases_select_something():
    """The edge cases are not vacuous: most select elements, and differently."""
    tree = lxml_html.fromstring(EDGE_MARKUP)
    counts = [len(XPath(p, namespaces={"re": REGEXP_NS})(tree)) for p in EDGE_EXPRESSIONS]
    assert sum(c > 0 for c in counts) >= len(EDGE_EXPRESSIONS) - 1 and len(set(counts)) >= 5


@pytest.mark.parametrize(
    "path",
    [
        ".//*[position() = 2]",
        ".//*[2]",
        ".//*[@class][1][@id]",  # a position before another predicate
        "(.//*[@class])[2]",
        "(.//p)[last()]",
        ".//*[contains(., 'x')]",  # text values, not attributes
        ".//*[string-length(@class) > 3]",
        ".//*[@xml:lang]",
        ".//div/p",  # child steps
        "//*[@class]",  # from the document root, not the context node
        ".//*[@class]|//main",
    ],
)
def test_shapes_outside_the_compiled_subset_stay_xpath(path):
    assert compile_selection(XPath(path, namespaces={"re": REGEXP_NS})) is None


def test_compiled_selection_hands_other_calls_to_the_xpath():
    expression = XPath(".//*[@class='aa' or @class=$other]")
    compiled = compile_selection(XPath(".//*[@class='aa']"))
    assert compile_selection(expression) is None  # variables are not compiled
    document = lxml_html.fromstring(EDGE_MARKUP).getroottree()
    # an ElementTree is not walked in Python: lxml's own rules for it apply
    plain = XPath(".//*[self::html or self::div]")
    assert compile_selection(plain)(document) == plain(document) != []
    assert compiled(document.getroot()) == XPath(".//*[@class='aa']")(document.getroot())


def test_compiled_selections_select_what_trafilatura_expressions_do():
    originals = trafilatura_xpaths(regex_only=False)
    compiled = {n: c for n, x in originals.items() if (c := compile_selection(x)) is not None}
    assert len(compiled) >= 15
    selected = 0
    for page in [EDGE_MARKUP, *pages()]:
        tree = lxml_html.fromstring(page)
        for name, selection in compiled.items():
            expected = originals[name](tree)
            assert selection(tree) == expected, name
            selected += len(expected)
    assert selected > 100


def test_readability_measures_each_element_once_and_gives_the_same_summary(tmp_path):
    """memoize_readability_text_lengths: readability's summaries are unchanged, and outside
    paragraph scoring a length is measured afresh (the tree may have changed)."""
    (tmp_path / "pages.json").write_text(json.dumps(pages()))
    code = (
        "import copy, json, sys\n"
        "from lxml.etree import tostring\n"
        "from lxml.html import fromstring\n"
        "from trafilatura import readability_lxml as readability\n"
        "from trafilatura.utils import load_html\n"
        "from transforms import trafilatura_speedups\n"
        "trees = [t for t in map(load_html, json.load(open(sys.argv[1]))) if t is not None]\n"
        "def summaries():\n"
        "    return [readability.Document(copy.deepcopy(t)).summary() for t in trees]\n"
        "before = summaries()\n"
        "calls = []\n"
        "measure = readability.text_length\n"
        "readability.text_length = lambda e: calls.append(e) or measure(e)\n"
        "summaries()\n"
        "unmemoized_calls = len(calls)\n"
        "trafilatura_speedups.memoize_readability_text_lengths()\n"
        "trafilatura_speedups.memoize_readability_text_lengths()  # once only\n"
        "calls.clear()\n"
        "after = summaries()\n"
        "element = fromstring('<p>abc</p>')\n"
        "first = readability.text_length(element)\n"
        "element.text = 'abcdef'\n"
        "print(json.dumps([len(trees), before == after, unmemoized_calls, len(calls),\n"
        "                  first, readability.text_length(element)]))\n"
    )
    result = python_json(code, str(tmp_path / "pages.json"))
    trees, same, unmemoized_calls, memoized_calls, first, second = result
    assert trees >= 10 and same
    assert 0 < memoized_calls < unmemoized_calls  # fewer measurements, same summaries
    assert (first, second) == (3, 6)


def test_unions_and_positions_on_random_trees():
    """Random nested trees: unions of first matches (ordered pairwise), of per-sibling first
    matches and of whole walks (ordered by one walk), against libxml2, from several contexts."""
    import random

    from lxml import etree

    tags = ["div", "p", "span", "li", "ul", "section", "a", "b"]

    def build(depth, rnd):
        element = etree.Element(rnd.choice(tags))
        if depth < 6:
            for _ in range(rnd.randint(0, 4)):
                element.append(build(depth + 1, rnd))
        return element

    compared = with_several = 0
    for seed in range(150):
        rnd = random.Random(seed)
        root = lxml_html.fromstring(etree.tostring(build(0, rnd)))
        chosen = rnd.sample(tags, 5)
        for path in [
            "|".join(f"(.//{t})[1]" for t in chosen),
            "|".join(f".//{t}[1]" for t in chosen[:3]),
            "|".join(f".//{t}" for t in chosen[:2]),
        ]:
            expression = XPath(path)
            compiled = compile_selection(expression)
            for context in [root, *list(root.iterdescendants())[:5]]:
                expected = expression(context)
                assert compiled(context) == expected, (seed, path)
                compared += 1
                with_several += len(expected) > 1
    assert compared > 1000 and with_several > 500
