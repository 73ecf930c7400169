"""FineWeb's own quality rules (Penedo et al. 2024): line punctuation, short lines,
duplicated-line characters, newlines per token. They run on the text C4 kept."""

from __future__ import annotations

from transforms.filters.rules import Verdict, is_enabled, verdict
from transforms.filters.text_units import TextUnits, duplicates, safe_ratio

NAME = "fineweb_quality"


class FineWebQualityFilter:
    def __init__(self, section: dict):
        self.section = section
        self.stop_chars = tuple(section["stop_chars"])

    def check(self, units: TextUnits) -> Verdict:
        s = self.section
        text, lines = units.text, units.newline_lines
        values: dict[str, float] = {}
        failed: list[str] = []
        if is_enabled(s["line_punct_thr"]):
            ratio = safe_ratio(
                sum(1 for line in lines if line.endswith(self.stop_chars)), len(lines)
            )
            values["line_punct_ratio"] = ratio
            if ratio <= s["line_punct_thr"] and not (ratio == 0 and s["line_punct_exclude_zero"]):
                failed.append("line_punct_ratio")
        if is_enabled(s["short_line_thr"]):
            short = sum(1 for line in lines if len(line) <= s["short_line_length"])
            values["short_line_ratio"] = safe_ratio(short, len(lines))
            if values["short_line_ratio"] >= s["short_line_thr"]:
                failed.append("short_line_ratio")
        if is_enabled(s["char_duplicates_ratio"]):
            _, dup_chars = duplicates([line for line in lines if line.strip()])
            values["char_dup_ratio"] = safe_ratio(dup_chars, len(text) - text.count("\n"))
            if values["char_dup_ratio"] >= s["char_duplicates_ratio"]:
                failed.append("char_dup_ratio")
        if is_enabled(s["new_line_ratio"]):
            values["list_ratio"] = safe_ratio(text.count("\n"), units.token_count)
            if values["list_ratio"] > s["new_line_ratio"]:
                failed.append("list_ratio")
        return verdict(NAME, values, failed)
