"""trafilatura made cheaper without changing what it extracts.

trafilatura 2.x tests ids and classes with EXSLT `re:test(@class, '...')`, which lxml runs as
a Python callback for every element an expression visits, also for elements that have no
such attribute (the empty string is then tested). Pruning the tree with them was about two
fifths of trafilatura's time on the bench pages. Two remedies, each exact:

- `guard_regex_tests` puts an existence test in front of each call,
  `((@class) and re:test(@class, '...'))`, so libxml2 skips the callback for elements without
  the attribute. That selects the same elements whenever the pattern cannot match the empty
  string, which is checked for every call: a call whose pattern could is left as it is.
- `compile_selection` turns the expressions of the discard, comment and body lists
  (`.//*[...]`, `(.//*[...])[1]`, `.//*[...][1]` and unions of them, whose predicates only
  test tags, attributes and descendants) into a walk in Python: lxml filters the elements by
  tag in C, each element's attributes are read once, and regex verdicts are remembered per
  attribute value. Other shapes stay XPath.

`install()` swaps these into trafilatura's modules in place (module-level XPath objects and the
lists of them), once per process. It also gives trafilatura's HTML parser lxml's C-level
element class lookup (`use_plain_html_elements`), and has readability's paragraph scoring
measure each element's text once (`memoize_readability_text_lengths`). Output identity is
tested on the real and bench pages (tests/test_trafilatura_speedups.py); figures in
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
    """Swap trafilatura's XPaths for faster equivalents; returns how many were replaced.

    An expression of the shape `compile_selection` knows becomes a CompiledSelection (over the
    guarded expression, which it falls back to); any other with re:test becomes the guarded
    expression.
    """
    global _installed
    if _installed:
        return 0
    import trafilatura  # noqa: F401 - loads the modules whose globals are replaced below
    from lxml.etree import XPath

    replaced: dict[int, object] = {}
    installed_ids: set[int] = set()  # lists shared between modules are met more than once

    def replacement(expression):
        if not isinstance(expression, XPath) or id(expression) in installed_ids:
            return None
        if id(expression) not in replaced:
            source = guard_regex_tests(expression.path)
            guarded = expression
            if source != expression.path:
                guarded = XPath(source, namespaces={"re": REGEXP_NS})
            # compiled from trafilatura's own source: the guards would only add tests
            new = compile_selection(expression, fallback=guarded) or guarded
            if new is expression:
                return None
            replaced[id(expression)] = new
            installed_ids.add(id(new))
        return replaced[id(expression)]

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
    memoize_readability_text_lengths()
    _installed = True
    return len(replaced)


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


def memoize_readability_text_lengths() -> None:
    """Measure each element's text once while readability scores paragraphs.

    readability's `score_paragraphs` computes the link density of every candidate (each scored
    paragraph's parent and grandparent), measuring the text of the candidate and of every link
    in it; nested candidates measure the same links again. The tree does not change while it
    scores, so within that one call an element's length is remembered (keyed by the element,
    per thread). Outside it, and in `sanitize`, which removes elements, lengths are measured
    as before.
    """
    import threading

    from trafilatura import readability_lxml as readability

    if getattr(readability.Document.score_paragraphs, "memoizes_text_lengths", False):
        return
    measure = readability.text_length
    score_paragraphs = readability.Document.score_paragraphs
    scoring = threading.local()

    def text_length(elem) -> int:
        lengths = getattr(scoring, "lengths", None)
        if lengths is None:
            return measure(elem)
        length = lengths.get(elem)
        if length is None:
            length = lengths[elem] = measure(elem)
        return length

    def score_paragraphs_measuring_once(self):
        scoring.lengths = {}
        try:
            return score_paragraphs(self)
        finally:
            scoring.lengths = None

    score_paragraphs_measuring_once.memoizes_text_lengths = True
    readability.text_length = text_length
    readability.Document.score_paragraphs = score_paragraphs_measuring_once


# --- selections evaluated in Python -------------------------------------------------------------
# libxml2 tests every element an expression visits against every clause of its predicate, and
# each `re:test` there is a Python callback anyway. The supported shape: a union of `.//*` or
# `.//tag` steps, each with predicates built from `self::tag`, `@a`, `@a='v'`, `contains`,
# `starts-with`, `translate` and `re:test` over attributes, `.//tag`, `not`, `and`, `or`, and
# optionally a last `[1]` (the first match among siblings) or wrapped as `(...)[1]`. Other
# positions, axes and functions, and variables, are left to libxml2.
_SELECTION_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'[^']*'|"[^"]*")
    | (?P<descendants>\.//(?:\*|[A-Za-z][\w-]*))
    | (?P<attribute>@[A-Za-z_][\w.-]*)
    | (?P<self_test>self::[A-Za-z][\w-]*)
    | (?P<word>(?:re:test|starts-with|contains|translate|not|or|and)(?![\w:-]))
    | (?P<number>\d+)
    | (?P<punct>[\[\]()|,=])
    )""",
    re.VERBOSE,
)
_REGEX_CACHE_LIMIT = 65536  # distinct attribute values remembered per pattern


class _Unsupported(ValueError):
    """The expression is outside the shape compile_selection evaluates."""


def _selection_tokens(path: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    path = path.strip()
    while position < len(path):
        found = _SELECTION_TOKEN.match(path, position)
        if found is None or found.end() == position:
            raise _Unsupported(path[position : position + 20])
        kind = found.lastgroup
        tokens.append((kind, found.group(kind)))
        position = found.end()
        while position < len(path) and path[position].isspace():
            position += 1
    return tokens


def _any_of(terms: list):
    """Short-circuit `or` of tests, as nested closures (cheaper per call than any())."""
    if len(terms) == 1:
        return terms[0]
    first, rest = terms[0], _any_of(terms[1:])
    return lambda a, e: first(a, e) or rest(a, e)


def _all_of(terms: list):
    if len(terms) == 1:
        return terms[0]
    first, rest = terms[0], _all_of(terms[1:])
    return lambda a, e: first(a, e) and rest(a, e)


class _PredicateParser:
    """Recursive descent over a predicate's tokens; returns `test(attrs, element) -> bool`.

    `attrs` is the element's attribute dict in source order: XPath's string value of
    `@id|@class` is the attribute that comes first in the element, as libxml2 orders them.
    """

    def __init__(self, tokens: list[tuple[str, str]], start: int):
        self.tokens, self.index = tokens, start
        self.tags: set[str] = set()
        # stays False while every clause is false for an element without attributes
        self.true_without_attributes = False
        self.names: set[str] = set()  # the attributes the clauses read

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("end", "")

    def take(self, kind: str, text: str | None = None) -> str:
        found_kind, found_text = self.peek()
        if found_kind != kind or (text is not None and found_text != text):
            raise _Unsupported(f"expected {text or kind}, found {found_text!r}")
        self.index += 1
        return found_text

    def disjunction(self):
        return _any_of(self._joined(self.conjunction, "or"))

    def conjunction(self):
        return _all_of(self._joined(self.unary, "and"))

    def _joined(self, parse_term, operator: str) -> list:
        """`term (operator term)*` -> the terms."""
        terms = [parse_term()]
        while self.peek() == ("word", operator):
            self.index += 1
            terms.append(parse_term())
        return terms

    def unary(self):
        kind, text = self.peek()
        if (kind, text) == ("word", "not"):
            self.index += 1
            self.take("punct", "(")
            inner = self.disjunction()
            self.take("punct", ")")
            self.true_without_attributes = True
            return lambda a, e: not inner(a, e)
        if (kind, text) == ("punct", "("):
            self.index += 1
            inner = self.disjunction()
            self.take("punct", ")")
            return inner
        if kind == "self_test":
            self.index += 1
            tag = text[len("self::") :]
            self.tags.add(tag)
            self.true_without_attributes = True
            return lambda a, e: e.tag == tag
        if kind == "descendants" and text != ".//*":
            self.index += 1
            tag = text[3:]
            self.true_without_attributes = True
            return lambda a, e: next(e.iterdescendants(tag), None) is not None
        if kind == "attribute":
            names = self.attribute_set()
            self.names.update(names)
            if self.peek() == ("punct", "="):
                self.index += 1
                literal = self.literal()
                if len(names) == 1:
                    name = names[0]
                    return lambda a, e: a.get(name) == literal
                return lambda a, e: any(a.get(n) == literal for n in names)
            if len(names) == 1:
                name = names[0]
                return lambda a, e: name in a
            wanted = frozenset(names)
            return lambda a, e: not wanted.isdisjoint(a)
        if (kind, text) in (("word", "contains"), ("word", "starts-with")):
            self.index += 1
            self.take("punct", "(")
            value, name = self.string_value()
            self.take("punct", ",")
            literal = self.literal()
            self.take("punct", ")")
            self.true_without_attributes |= literal == ""  # contains("", "") is true
            if text == "contains":
                if name:  # one attribute: read it inline, one call less per element
                    return lambda a, e: literal in a.get(name, "")
                return lambda a, e: literal in value(a)
            if name:
                return lambda a, e: a.get(name, "").startswith(literal)
            return lambda a, e: value(a).startswith(literal)
        if (kind, text) == ("word", "re:test"):
            self.index += 1
            return self.regex_test()
        raise _Unsupported(text)

    def literal(self) -> str:
        return self.take("string")[1:-1]

    def attribute_set(self) -> list[str]:
        names = [self.take("attribute")[1:]]
        while self.peek() == ("punct", "|"):
            self.index += 1
            names.append(self.take("attribute")[1:])
        return names

    def string_value(self):
        """`@a`, `@a|@b` or `translate(@a, 'XY', 'xy')` -> (value(attrs) as XPath's string(),
        the attribute's name when it is a single attribute, else None)."""
        if self.peek() == ("word", "translate"):
            self.index += 1
            self.take("punct", "(")
            inner, _ = self.string_value()
            self.take("punct", ",")
            source = self.literal()
            self.take("punct", ",")
            target = self.literal()
            self.take("punct", ")")
            table: dict[int, str | None] = {}
            for position, char in enumerate(source):  # XPath: the first mapping of a char wins
                table.setdefault(ord(char), target[position] if position < len(target) else None)
            return (lambda a: inner(a).translate(table)), None
        names = self.attribute_set()
        self.names.update(names)
        if len(names) == 1:
            name = names[0]
            return (lambda a: a.get(name, "")), name
        wanted = frozenset(names)

        def first_in_element_order(a):
            present = wanted.intersection(a)
            if len(present) < 2:
                return a[next(iter(present))] if present else ""
            # a dict keeps the element's attribute order: the first one present is XPath's string
            return next(value for key, value in a.items() if key in wanted)

        return first_in_element_order, None

    def regex_test(self):
        self.take("punct", "(")
        value, _ = self.string_value()
        self.take("punct", ",")
        pattern = self.literal()
        flags = ""
        if self.peek() == ("punct", ","):
            self.index += 1
            flags = self.literal()
        self.take("punct", ")")
        # as lxml's EXSLT re:test does: re.search, IGNORECASE when the flags hold an "i"
        search = re.compile(pattern, re.IGNORECASE if "i" in flags else 0).search
        self.true_without_attributes |= search("") is not None
        verdicts: dict[str, bool] = {}

        def test(a, e):
            text = value(a)
            verdict = verdicts.get(text)
            if verdict is None:
                if len(verdicts) >= _REGEX_CACHE_LIMIT:
                    verdicts.clear()
                verdict = verdicts[text] = search(text) is not None
            return verdict

        return test


class _Walk:
    """One location path of a selection: the descendants of the context element, filtered by
    tag in C and by the predicate in Python, in document order."""

    def __init__(self, tags, test, needs_attributes, names, first_only, first_per_parent):
        from lxml import etree

        self.tags, self.test = tags, test
        # when every element that lacks all of `names` fails the test, it is skipped unread
        self.needs_attributes, self.names = needs_attributes, names
        self.first_only = first_only  # `(...)[1]`: the first in document order
        self.first_per_parent = first_per_parent  # `...[1]`: the first match among siblings
        self._elements_only = etree.Element  # as a tag filter: skips comments, PIs, entities

    def select(self, node) -> list:
        test, needs_attributes, names, found = self.test, self.needs_attributes, self.names, []
        parents_done = set() if self.first_per_parent else None
        walk = (
            node.iterdescendants(*self.tags)
            if self.tags
            else node.iterdescendants(self._elements_only)
        )
        no_attributes: dict[str, str] = {}
        for element in walk:
            # a test that reads no attribute (tags, descendants) gets none
            attributes = dict(element.items()) if names else no_attributes
            if needs_attributes and names.isdisjoint(attributes):
                continue
            if not test(attributes, element):
                continue
            if parents_done is not None:
                parent = element.getparent()  # one proxy per node while it is referenced
                if parent in parents_done:
                    continue
                parents_done.add(parent)
            found.append(element)
            if self.first_only:
                break
        return found


def _precedes(first, second) -> bool:
    """Whether `first` comes before `second` in document order (two elements of one tree)."""
    first_line = [first, *first.iterancestors()]
    on_first_line = {element: depth for depth, element in enumerate(first_line)}
    below = second
    for ancestor in [second, *second.iterancestors()]:
        if ancestor in on_first_line:
            depth = on_first_line[ancestor]
            if depth == 0:
                return True  # first is an ancestor of second (or second itself)
            if ancestor is second:
                return False  # second is an ancestor of first
            return ancestor.index(first_line[depth - 1]) < ancestor.index(below)
        below = ancestor
    return False


class CompiledSelection:
    """An XPath of the supported shape evaluated by walking the tree in Python.

    Called like the XPath object it replaces, `selection(element) -> list`, in document
    order. Calls it was not compiled for (an ElementTree, XPath variables) go to the original.
    """

    def __init__(self, original, walks: list[_Walk]):
        from lxml import etree

        self.original, self.path, self.walks = original, original.path, walks
        self._element_class = etree._Element

    def __call__(self, node, **variables):
        if variables or not isinstance(node, self._element_class):
            return self.original(node, **variables)
        if len(self.walks) == 1:
            return self.walks[0].select(node)
        # a union: every walk's result is in document order; merge them, each element once
        found = list(dict.fromkeys(e for walk in self.walks for e in walk.select(node)))
        if len(found) > _SMALL_UNION:
            order = {element: i for i, element in enumerate(node.iterdescendants())}
            return sorted(found, key=order.__getitem__)
        merged: list = []
        for element in found:
            position = len(merged)
            while position and _precedes(element, merged[position - 1]):
                position -= 1
            merged.insert(position, element)
        return merged


_FIRST = [("punct", "["), ("number", "1"), ("punct", "]")]
_SMALL_UNION = 8  # up to this many, a union's elements are ordered pairwise, else by one walk


def _compile_walk(tokens: list[tuple[str, str]], index: int) -> tuple[_Walk, int]:
    """The location path starting at tokens[index] -> (walk, index after it)."""
    first_only = tokens[index] == ("punct", "(")
    index += first_only
    kind, step = tokens[index]
    if kind != "descendants":
        raise _Unsupported(step)
    index += 1
    tags = () if step == ".//*" else (step[3:],)  # `.//tag` is `.//*[self::tag]`
    tests, names, attribute_free, first_per_parent = [], set(), [], False
    while tokens[index : index + 1] == [("punct", "[")]:
        if tokens[index : index + 3] == _FIRST:
            # a position inside the step counts among siblings; only a last [1] is handled
            first_per_parent, index = True, index + 3
            break
        parser = _PredicateParser(tokens, index + 1)
        test = parser.disjunction()
        parser.take("punct", "]")
        # a leading clause made of self:: tests alone becomes lxml's tag filter
        only_tags = all(
            kind == "self_test" or text == "or"
            for kind, text in tokens[index + 1 : parser.index - 1]
        )
        if only_tags and not tests and not tags:
            tags = tuple(sorted(parser.tags))
        else:
            tests.append(test)
            attribute_free.append(parser.true_without_attributes)
            names.update(parser.names)
        index = parser.index
    if first_only:
        if tokens[index : index + 4] != [("punct", ")"), *_FIRST]:
            raise _Unsupported("(...) without [1]")
        index += 4
    if tests:
        test = _all_of(tests)
    else:
        test = lambda a, e: True  # noqa: E731
    # one clause false without the attributes it reads: the whole test is
    needs_attributes = bool(tests) and not all(attribute_free)
    walk = _Walk(tags, test, needs_attributes, frozenset(names), first_only, first_per_parent)
    return walk, index


def compile_selection(expression, fallback=None) -> CompiledSelection | None:
    """XPath -> an equivalent CompiledSelection, or None when its shape is not supported.

    Supported: a union (`|`) of `.//*` or `.//tag` steps with predicates (see
    `_PredicateParser`), each optionally ending in `[1]` (the first match among siblings) or
    wrapped as `(...)[1]` (the first in document order). Calls the walk does not handle go
    to `fallback` (an equivalent XPath), else to `expression`.
    """
    try:
        tokens = _selection_tokens(expression.path)
        walk, index = _compile_walk(tokens, 0)
        walks = [walk]
        while tokens[index : index + 1] == [("punct", "|")]:
            walk, index = _compile_walk(tokens, index + 1)
            walks.append(walk)
        if index != len(tokens):
            return None
    except (_Unsupported, re.error, IndexError):
        return None
    return CompiledSelection(expression if fallback is None else fallback, walks)
