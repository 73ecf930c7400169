"""trafilatura's regex XPaths, made cheaper without changing what they select.

trafilatura 2.x tests ids and classes with EXSLT `re:test(@class, '...')`, which lxml runs as
a Python callback for every element an expression visits, also for elements that have no
such attribute (the empty string is then tested). Pruning the tree with them was about two
fifths of trafilatura's time on the bench pages. `guard_regex_tests` puts an existence test in
front of each call, `((@class) and re:test(@class, '...'))`, so libxml2 skips the callback
for elements without the attribute. That selects the same elements whenever the pattern
cannot match the empty string, which is checked for every call: a call whose pattern could
is left as it is.

`install()` swaps the guarded expressions into trafilatura's modules in place (module-level
XPath objects and the lists of them), once per process. It also gives trafilatura's HTML
parser lxml's C-level element class lookup (`use_plain_html_elements`). Output identity is
tested on the real and bench pages (tests/test_trafilatura_xpaths.py); figures in
docs/benchmarks.md.
"""

from __future__ import annotations

import re
import sys

REGEXP_NS = "http://exslt.org/regular-expressions"
_CALL = "re:test("
# re:test's first argument in trafilatura's expressions: one attribute or a union of them.
_ATTRIBUTE_SET = re.compile(r"@[\w-]+(?:\s*\|\s*@[\w-]+)*")
_installed = False


def _call_arguments(path: str, start: int) -> tuple[list[str], int]:
    """Arguments of the call whose opening parenthesis ends at `start`, and its closing index."""
    depth, quote, current, arguments = 0, "", [], []
    for index in range(start, len(path)):
        char = path[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                arguments.append("".join(current).strip())
                return arguments, index
            depth -= 1
        elif char == "," and depth == 0:
            arguments.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    raise ValueError(f"unbalanced re:test call in {path!r}")


def _guard_is_exact(arguments: list[str]) -> bool:
    """True when an existence test in front of this call cannot change its result."""
    if len(arguments) not in (2, 3) or not _ATTRIBUTE_SET.fullmatch(arguments[0]):
        return False
    pattern = arguments[1]
    if len(pattern) < 2 or pattern[0] not in "'\"" or pattern[-1] != pattern[0]:
        return False
    flags = re.IGNORECASE if len(arguments) == 3 and "i" in arguments[2] else 0
    try:
        # An element without the attribute is tested on "": the guard is exact iff that fails.
        return re.search(pattern[1:-1], "", flags) is None
    except re.error:
        return False


def guard_regex_tests(path: str) -> str:
    """XPath source -> the same expression with an attribute-existence test before each re:test."""
    pieces, position = [], 0
    while (found := path.find(_CALL, position)) >= 0:
        arguments, end = _call_arguments(path, found + len(_CALL))
        pieces.append(path[position:found])
        call = path[found : end + 1]
        pieces.append(f"(({arguments[0]}) and {call})" if _guard_is_exact(arguments) else call)
        position = end + 1
    pieces.append(path[position:])
    return "".join(pieces)


def install() -> int:
    """Replace trafilatura's re:test XPaths by guarded ones; returns how many were replaced."""
    global _installed
    if _installed:
        return 0
    import trafilatura  # noqa: F401 - loads the modules whose globals are replaced below
    from lxml.etree import XPath

    guarded: dict[int, XPath] = {}
    installed_ids: set[int] = set()  # lists shared between modules are met more than once

    def replacement(expression):
        if not isinstance(expression, XPath) or _CALL not in expression.path:
            return None
        if id(expression) in installed_ids:
            return None
        if id(expression) not in guarded:
            source = guard_regex_tests(expression.path)
            if source == expression.path:
                return None
            guarded[id(expression)] = XPath(source, namespaces={"re": REGEXP_NS})
            installed_ids.add(id(guarded[id(expression)]))
        return guarded[id(expression)]

    modules = [m for name, m in list(sys.modules.items()) if name.split(".")[0] == "trafilatura"]
    for module in modules:
        for name, value in list(vars(module).items()):
            if isinstance(value, list):
                for index, item in enumerate(value):
                    if (new := replacement(item)) is not None:
                        value[index] = new  # in place: importers hold the same list
            elif (new := replacement(value)) is not None:
                setattr(module, name, new)
    use_plain_html_elements()
    _installed = True
    return len(guarded)


def use_plain_html_elements() -> None:
    """Build trafilatura's trees from `HtmlElement` through lxml's C-level class lookup.

    lxml.html's parser asks a Python method for the class of every element proxy it creates
    (`HtmlElementClassLookup.lookup`): about 600,000 calls and 8% of trafilatura's time on
    150 bench pages. The only classes this changes are lxml.html's form helpers (FormElement,
    InputElement, SelectElement, TextareaElement, LabelElement), which become plain
    HtmlElement; trafilatura uses none of their extra methods, and the extracted text was
    identical on every page compared.
    """
    from lxml import etree, html
    from trafilatura import utils

    utils.HTML_PARSER.set_element_class_lookup(
        etree.ElementDefaultClassLookup(
            element=html.HtmlElement,
            comment=html.HtmlComment,
            pi=html.HtmlProcessingInstruction,
            entity=html.HtmlEntity,
        )
    )
