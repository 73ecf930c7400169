"""FineWeb's language filter on the lid.176 prediction made upstream (doc.language/score)."""

from __future__ import annotations

from transforms.filters.config import ALL_LANGUAGES
from transforms.filters.rules import Verdict, is_enabled, verdict

NAME = "language"


class LanguageFilter:
    """Keep a document whose language is listed (or any, with ["all"]) and whose score is
    above `language_threshold` (strictly, as datatrove's LanguageFilter compares)."""

    def __init__(self, section: dict):
        self.languages = set(section["languages"])
        self.keep_all = self.languages == {ALL_LANGUAGES}
        self.threshold = section["language_threshold"]

    def check(self, language: str | None, score: float | None) -> Verdict:
        score = float(score or 0.0)
        failed = []
        if not language:
            failed.append("unidentified")
        elif not self.keep_all and language not in self.languages:
            failed.append("not_in_languages")
        if is_enabled(self.threshold) and score <= self.threshold:
            failed.append("low_score")
        return verdict(NAME, {"score": score}, failed)
