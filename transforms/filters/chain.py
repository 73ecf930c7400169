"""The FineWeb filter chain: URL filter, then on the extracted text the language filter,
Gopher repetition, Gopher quality, C4 and FineWeb quality, in FineWeb's order.

The chain stops at the first filter that fails (as FineWeb does) but records every rule of
every filter that ran, so a trainer can re-threshold from the ledger without rerunning.
"""

from __future__ import annotations

from typing import NamedTuple

from transforms.filters.c4 import C4QualityFilter
from transforms.filters.config import config_for_language
from transforms.filters.fineweb_quality import FineWebQualityFilter
from transforms.filters.gopher import GopherQualityFilter, GopherRepetitionFilter
from transforms.filters.language_filter import LanguageFilter
from transforms.filters.rules import Scores
from transforms.filters.text_units import DICTIONARY_WORD_LANGUAGES, TextUnits
from transforms.filters.url_filter import UrlFilter


class TextVerdict(NamedTuple):
    reason: str | None  # "<filter>:<rule>" of the first failure, None when kept
    scores: Scores  # "<filter>:<rule>" -> measured value, for every rule that ran
    text: str  # the text to keep: C4's kept lines when c4.rewrite_text is on


class _TextFilters(NamedTuple):
    language: LanguageFilter | None
    gopher_repetition: GopherRepetitionFilter | None
    gopher_quality: GopherQualityFilter | None
    c4: C4QualityFilter | None
    fineweb_quality: FineWebQualityFilter | None


class FilterChain:
    """Built once per worker from the effective config (see `load_filter_config`)."""

    def __init__(self, config: dict):
        self.config = config
        url_section = config["url_filter"]
        self._url_filter = UrlFilter(url_section) if url_section["enabled"] else None
        self._text_filters: dict[str | None, _TextFilters] = {}

    def check_url(self, url: str | None) -> tuple[str | None, Scores]:
        """(reason, scores) of the URL filter; a missing URL is not judged."""
        if self._url_filter is None or not url:
            return None, {}
        return self._url_filter.check(url)

    def check_text(
        self, text: str, language: str | None, language_score: float | None
    ) -> tuple[str | None, Scores]:
        reason, scores, _ = self.filter_text(text, language, language_score)
        return reason, scores

    def filter_text(
        self, text: str | None, language: str | None, language_score: float | None
    ) -> TextVerdict:
        filters = self._filters_for(language)
        text = text or ""
        scores: Scores = {}
        if filters.language is not None:
            reason, measured = filters.language.check(language, language_score)
            scores.update(measured)
            if reason:
                return TextVerdict(reason, scores, text)
        units = TextUnits(text, in_words=language in DICTIONARY_WORD_LANGUAGES)
        for text_filter in (filters.gopher_repetition, filters.gopher_quality):
            if text_filter is not None:
                reason, measured = text_filter.check(units)
                scores.update(measured)
                if reason:
                    return TextVerdict(reason, scores, text)
        if filters.c4 is not None:
            reason, measured, units = filters.c4.check_and_clean(units)
            scores.update(measured)
            if reason:
                return TextVerdict(reason, scores, text)
            text = units.text
        if filters.fineweb_quality is not None:
            reason, measured = filters.fineweb_quality.check(units)
            scores.update(measured)
            if reason:
                return TextVerdict(reason, scores, text)
        return TextVerdict(None, scores, text)

    def _filters_for(self, language: str | None) -> _TextFilters:
        """The text filters with `per_language[language]` applied (built once per language)."""
        filters = self._text_filters.get(language)
        if filters is None:
            config = config_for_language(self.config, language)

            def build(section_name, make):
                section = config[section_name]
                return make(section) if section["enabled"] else None

            filters = _TextFilters(
                language=build("language", LanguageFilter),
                gopher_repetition=build("gopher_repetition", GopherRepetitionFilter),
                gopher_quality=build(
                    "gopher_quality", lambda section: GopherQualityFilter(section, language)
                ),
                c4=build("c4", C4QualityFilter),
                fineweb_quality=build("fineweb_quality", FineWebQualityFilter),
            )
            self._text_filters[language] = filters
        return filters
