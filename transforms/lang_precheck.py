"""Language pre-check: pages clearly written in a language the run does not keep skip
trafilatura.

trafilatura is most of ccprov's CPU time (20-50 ms a page against 2-3 ms for everything
else), and a FineWeb-style run keeps one language out of many: without this step every
non-English page is extracted only for the language filter to drop it. Resiliparse's
main-content text costs about 2 ms and lid.176 on it well under 1 ms. When that text is long
enough (`min_chars`), lid.176 gives a language outside the kept list a score of at least
`min_score`, and no part of the text is in a kept language (`has_kept_part`: resiliparse keeps
reader comments that trafilatura drops), nor any part of the text resiliparse's main content
leaves out (trafilatura extracts hidden tab panels, collapsed boxes and `<template>`s that
resiliparse skips), the page is dropped with the language filter's own reason,
`language:not_in_languages`, and trafilatura never runs on it. Anything less clear goes on
to trafilatura and the language filter as before, and so does a page whose `<html lang>`
names a kept language (without spending the check on it). bench/bench_pipeline.py measures
how often this changes a page's outcome compared with extracting first (docs/benchmarks.md).

What the ledger shows for a page dropped here: `language` and `language_score` of the
pre-check text, the filter scores `language:score` and `language:precheck_chars` (the length
of the text it decided on), and no text hash (trafilatura never ran).

The check runs inside the extraction sandbox child (transforms/extraction.py), before
trafilatura, so the page crosses the pipe once. The check and the extractor each get the time
limit; a page on which the check times out or fails (resiliparse does not return on 100,000
nested <div>s) is extracted again without it. That child never imports Beam, and neither does
this module.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable

from transforms.document import WarcDoc

NOT_IN_LANGUAGES = "language:not_in_languages"
# The filter score that marks a drop as the pre-check's (the manifest counts them).
PRECHECK_CHARS_SCORE = "language:precheck_chars"
# The primary subtag of <html lang="...">, looked for near the start of the page only.
_HTML_LANG = re.compile(r"<html\b[^>]{0,500}?\blang\s*=\s*[\"']?([a-zA-Z]{2,3})\b", re.I)
_LANG_SCAN_CHARS = 4096
DEFAULT_MIN_SCORE = 0.8
DEFAULT_MIN_CHARS = 200
# lid.176's cost grows with the text; a pre-check only needs a clear sample. The first 2,000
# characters decided as the whole text did on every page measured (docs/benchmarks.md) at
# about a third of the cost. The language stage still reads the whole extracted text.
PRECHECK_SAMPLE_CHARS = 2000
# Before a page is dropped, its text is also read in parts of about PART_CHARS (whole lines),
# up to PARTS_CHARS: resiliparse keeps what trafilatura leaves out (reader comments, asides),
# so an English article under German comments scored `de` 0.89 as a whole and was dropped,
# where trafilatura's text is the English article alone. One part in a kept language (score
# at least KEPT_PART_SCORE) sends the page on to trafilatura. So does one part of the text
# resiliparse's main content leaves out (hidden or collapsed elements, <template>, menus;
# read the same way, up to PARTS_CHARS): trafilatura extracts hidden tab panels, and an
# English article in one under a short German summary was dropped.
PART_CHARS = 400
PARTS_CHARS = 8000
KEPT_PART_SCORE = 0.5


@dataclasses.dataclass(frozen=True)
class PrecheckResult:
    language: str | None
    score: float
    chars: int
    outside: bool  # clearly in a language the run does not keep: skip extraction

    def to_payload(self) -> str:
        """One line for the sandbox pipe (plain text, never a pickle)."""
        return f"{self.language or ''}\t{self.score!r}\t{self.chars}"

    @classmethod
    def from_payload(cls, payload: str) -> PrecheckResult:
        language, score, chars = payload.split("\t")
        return cls(language or None, float(score), int(chars), True)


class LanguagePrecheck:
    """`check(text)`: is this quick text clearly in a language outside `languages`?"""

    def __init__(
        self,
        languages: Iterable[str],
        identify: Callable[[str], tuple[str | None, float]],
        min_score: float = DEFAULT_MIN_SCORE,
        min_chars: int = DEFAULT_MIN_CHARS,
    ):
        self.languages = frozenset(languages)
        self.identify = identify
        self.min_score = min_score
        self.min_chars = min_chars

    def declares_kept_language(self, html: str) -> bool:
        """The page says (<html lang>) it is in a kept language: it goes to trafilatura
        without the check, as it would without a pre-check, so the shortcut can only bring
        the outcome closer to extracting first. A page declaring another language is still
        checked: the attribute alone is not trusted to drop anything."""
        match = _HTML_LANG.search(html, 0, _LANG_SCAN_CHARS)
        return match is not None and match.group(1).lower() in self.languages

    def check(
        self, text: str | None, left_out: Callable[[], str | None] | None = None
    ) -> PrecheckResult:
        """`left_out`: gives the page's text outside `text` (what resiliparse's main content
        skips but trafilatura may extract); read in parts as `text` is before a drop."""
        text = text or ""
        chars = len(text)
        if chars < self.min_chars:
            return PrecheckResult(None, 0.0, chars, False)
        language, score = self.identify(text[:PRECHECK_SAMPLE_CHARS])
        outside = (
            language is not None and language not in self.languages and score >= self.min_score
        )
        if outside and self.has_kept_part(text):
            outside = False
        if outside and left_out is not None and self.has_kept_part(left_out() or ""):
            outside = False
        return PrecheckResult(language, score, chars, outside)

    def has_kept_part(self, text: str) -> bool:
        """Whether a part of the text (see PART_CHARS) is in a kept language."""
        part = ""
        for line in text[:PARTS_CHARS].split("\n"):
            part = f"{part}\n{line}" if part else line
            if len(part) >= PART_CHARS:
                if self._kept(part):
                    return True
                part = ""
        return len(part) >= self.min_chars and self._kept(part)

    def _kept(self, part: str) -> bool:
        language, score = self.identify(part)
        return language in self.languages and score >= KEPT_PART_SCORE


@dataclasses.dataclass(frozen=True)
class PrecheckSpec:
    """What the pre-check needs, in a form that crosses to the sandbox child as one argument."""

    languages: tuple[str, ...]
    min_score: float = DEFAULT_MIN_SCORE
    min_chars: int = DEFAULT_MIN_CHARS

    def to_arg(self) -> str:
        return f"{','.join(self.languages)}:{self.min_score!r}:{self.min_chars}"

    @classmethod
    def from_arg(cls, arg: str) -> PrecheckSpec:
        languages, min_score, min_chars = arg.split(":")
        return cls(tuple(languages.split(",")), float(min_score), int(min_chars))

    @classmethod
    def from_config(cls, section: dict | None) -> PrecheckSpec | None:
        """From the run's effective config (`extraction.language_precheck`, None: off)."""
        if not section:
            return None
        return cls(tuple(section["languages"]), section["min_score"], section["min_chars"])

    def build(self, identify: Callable[[str], tuple[str | None, float]] | None = None):
        if identify is None:  # lid.176 as the language stage uses it (Beam-free module)
            from transforms.lid import LanguageIdentifier

            identify = LanguageIdentifier().predict
        return LanguagePrecheck(self.languages, identify, self.min_score, self.min_chars)


def precheck_languages(filters_config: dict) -> list[str] | None:
    """The languages the run keeps, or None when a pre-check cannot drop anything (language
    filter off, or every language kept)."""
    section = filters_config.get("language", {})
    languages = list(section.get("languages") or [])
    if not section.get("enabled", False) or not languages or "all" in languages:
        return None
    return languages


def apply_precheck(doc: WarcDoc, result: PrecheckResult) -> None:
    """Drop `doc` as the language filter would, recording what the pre-check measured."""
    doc.language, doc.language_score = result.language, result.score
    doc.filter_scores["language:score"] = result.score
    doc.filter_scores[PRECHECK_CHARS_SCORE] = float(result.chars)
    doc.drop(NOT_IN_LANGUAGES)
