"""C4's heuristics (Raffel et al. 2020) in FineWeb's variant: no terminal-punctuation rule.

C4 works line by line: lines with an overlong word, too few words, "javascript" or a policy
phrase are removed (not the document); "lorem ipsum" or a curly bracket in a line that
survives the earlier line checks drops the document; so do fewer than `min_num_sentences`
sentences in the kept lines. Like datatrove, the kept lines become the document's text.
"""

from __future__ import annotations

import re

from transforms.filters.rules import is_enabled, verdict
from transforms.filters.text_units import TextUnits, c4_words, count_sentences, split_tokens

NAME = "c4"
CITATION_RE = re.compile(r"\[\d*\]|\[edit\]|\[citation needed\]")
POLICY_PHRASES = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)


class C4QualityFilter:
    def __init__(self, section: dict):
        self.section = section
        self.terminal_punctuation = tuple(section["terminal_punctuation"])

    def check(self, units: TextUnits):
        """(reason, scores) like the other filters."""
        reason, scores, _ = self.check_and_clean(units)
        return reason, scores

    def check_and_clean(self, units: TextUnits) -> tuple[str | None, dict[str, float], TextUnits]:
        """(reason, scores, kept): `kept` is the kept lines when `rewrite_text` is on."""
        s = self.section
        max_word_length = s["max_word_length"] if is_enabled(s["max_word_length"]) else None
        min_words = s["min_words_per_line"] if is_enabled(s["min_words_per_line"]) else None
        counted = {
            "long_word_lines": max_word_length is not None,
            "no_terminal_punct_lines": s["filter_no_terminal_punct"],
            "short_lines": min_words is not None,
            "lorem_ipsum": s["filter_lorem_ipsum"],
            "javascript_lines": s["filter_javascript"],
            "curly_bracket": s["filter_curly_bracket"],
            "policy_lines": s["filter_policy"],
            "sentences": True,
        }
        counts = {name: 0 for name, on in counted.items() if on}
        document_failures: list[str] = []  # lorem ipsum / curly bracket, in line order
        kept: list[str] = []
        kept_tokens = 0
        for line, tokens in zip(units.lines, units.line_tokens, strict=True):
            line = line.strip()
            words = c4_words(line, units.in_words)
            if max_word_length is not None and max(map(len, words), default=0) > max_word_length:
                counts["long_word_lines"] += 1
                continue
            if s["remove_citations"] and "[" in line:
                cleaned = CITATION_RE.sub("", line)
                if cleaned != line:
                    line, tokens = cleaned, split_tokens(cleaned, units.in_words)
            if s["filter_no_terminal_punct"] and (
                not line.endswith(self.terminal_punctuation) or line.endswith("...")
            ):
                counts["no_terminal_punct_lines"] += 1
                continue
            if min_words is not None and len(words) < min_words:
                counts["short_lines"] += 1
                continue
            lower = line.lower()
            if s["filter_lorem_ipsum"] and "lorem ipsum" in lower:
                counts["lorem_ipsum"] += 1
                document_failures.append("lorem_ipsum")
                continue
            if s["filter_javascript"] and "javascript" in lower:
                counts["javascript_lines"] += 1
                continue
            if s["filter_curly_bracket"] and "{" in line:
                counts["curly_bracket"] += 1
                document_failures.append("curly_bracket")
                continue
            if s["filter_policy"] and any(phrase in lower for phrase in POLICY_PHRASES):
                counts["policy_lines"] += 1
                continue
            counts["sentences"] += count_sentences(line, units.in_words)
            kept.append(line)
            kept_tokens += len(tokens)
        failed = document_failures[:1]
        min_sentences = s["min_num_sentences"]
        if is_enabled(min_sentences) and counts["sentences"] < min_sentences:
            failed.append("sentences")
        if s["rewrite_text"]:
            # Stripping removes whitespace only: the kept lines' tokens are the text's tokens.
            units = TextUnits("\n".join(kept).strip(), kept_tokens, units.in_words)
        reason, scores = verdict(NAME, counts, failed)
        return reason, scores, units
