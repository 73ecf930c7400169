"""Gopher's repetition and quality rules (Rae et al. 2021, table A1), as FineWeb applies them.

Ratios follow datatrove's definitions: character shares divide by the characters of the
whole text, token shares by all tokens (words and symbols, see text_units).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import accumulate

from transforms.filters.rules import Verdict, is_enabled, verdict
from transforms.filters.text_units import LETTER_RE, TextUnits, duplicates, safe_ratio

REPETITION = "gopher_repetition"
QUALITY = "gopher_quality"
_PARAGRAPH_BREAK = re.compile(r"\n{2,}")
_LINE_BREAKS = re.compile(r"\n+")
BULLETS = ("•", "-")
ELLIPSES = ("...", "…")


def ngrams(tokens: list[str], n: int):
    """Iterator over the n-grams in order (shifted copies zipped: the shortest sets the count)."""
    return zip(*(tokens[i:] for i in range(n)), strict=False)


def top_ngram_chars(tokens: list[str], n: int, separator_length: int) -> int:
    """Characters covered by the most frequent n-gram: its length times its count.

    Its length is its tokens plus `separator_length` between them (one space in English, none
    for Chinese or Japanese). Ties go to the n-gram seen first, as with Counter.most_common.
    """
    if len(tokens) < n:
        return 0
    gram, count = Counter(ngrams(tokens, n)).most_common(1)[0]
    return (sum(map(len, gram)) + separator_length * (n - 1)) * count


def duplicated_ngram_chars(tokens: list[str], sizes: list[int]) -> dict[int, int]:
    """For each n: characters in n-grams that repeat an earlier one (datatrove's scan).

    The scan walks the positions; an n-gram seen before adds its characters (without
    separators) and the scan jumps past it, otherwise it is remembered. Only n-grams occurring
    twice or more can count, and a repeated n-gram starts with a repeated (n-1)-gram, so each
    size only revisits the previous size's candidate positions.
    """
    ends = list(accumulate(map(len, tokens), initial=0))  # ends[i] = chars of tokens[:i]
    result: dict[int, int] = {}
    candidates: list[int] | None = None
    for n in sorted(set(sizes)):
        last = len(tokens) - n  # last start position of an n-gram
        if last < 0:
            result[n] = 0
            candidates = []
            continue
        if candidates is None:
            counts = Counter(ngrams(tokens, n))
            gram_at = (
                {i: gram for i, gram in enumerate(ngrams(tokens, n)) if counts[gram] > 1}
                if len(counts) <= last  # else nothing repeats, nor will larger n-grams
                else {}
            )
        else:
            gram_at = {i: tuple(tokens[i : i + n]) for i in candidates if i <= last}
            counts = Counter(gram_at.values())
            gram_at = {i: gram for i, gram in gram_at.items() if counts[gram] > 1}
        candidates = list(gram_at)
        seen: set[tuple[str, ...]] = set()
        resume_at = chars = 0
        for i, gram in gram_at.items():
            if i < resume_at:
                continue
            if gram in seen:
                chars += ends[i + n] - ends[i]
                resume_at = i + n
            else:
                seen.add(gram)
        result[n] = chars
    return result


class GopherRepetitionFilter:
    """Duplicate paragraphs and lines (count and character shares), top 2/3/4-gram shares,
    duplicated 5..10-gram shares. A rule fails when its value is above its threshold."""

    def __init__(self, section: dict):
        self.section = section
        self.top_n_grams = [(n, t) for n, t in section["top_n_grams"] if is_enabled(t)]
        self.dup_n_grams = [(n, t) for n, t in section["dup_n_grams"] if is_enabled(t)]
        self.separator_length = section["ngram_separator_length"]

    def check(self, units: TextUnits) -> Verdict:
        text = units.text
        paragraphs = _PARAGRAPH_BREAK.split(text.strip())
        lines = _LINE_BREAKS.split(text)
        dup_paragraphs, dup_paragraph_chars = duplicates(paragraphs)
        dup_lines, dup_line_chars = duplicates(lines)
        measured = {
            "dup_para_frac": safe_ratio(dup_paragraphs, len(paragraphs)),
            "dup_para_char_frac": safe_ratio(dup_paragraph_chars, len(text)),
            "dup_line_frac": safe_ratio(dup_lines, len(lines)),
            "dup_line_char_frac": safe_ratio(dup_line_chars, len(text)),
        }
        limits = {rule: self.section[rule] for rule in measured if is_enabled(self.section[rule])}
        values = {rule: measured[rule] for rule in limits}
        tokens = units.tokens
        for n, limit in self.top_n_grams:
            rule = f"top_{n}_gram_char_frac"
            values[rule] = safe_ratio(top_ngram_chars(tokens, n, self.separator_length), len(text))
            limits[rule] = limit
        if self.dup_n_grams:
            dup_chars = duplicated_ngram_chars(tokens, [n for n, _ in self.dup_n_grams])
            for n, limit in self.dup_n_grams:
                rule = f"dup_{n}_gram_char_frac"
                values[rule] = safe_ratio(dup_chars[n], len(text))
                limits[rule] = limit
        return verdict(REPETITION, values, [r for r in values if values[r] > limits[r]])


class GopherQualityFilter:
    """Word count and mean word length bounds, '#' and ellipsis per token, bullet and
    ellipsis-ending line shares, share of tokens with a letter, distinct stop words."""

    def __init__(self, section: dict, language: str | None):
        self.section = section
        stop_words = section["stop_words"].get(language or "")
        self.stop_words = frozenset(stop_words) if stop_words else None

    def check(self, units: TextUnits) -> Verdict:
        s = self.section
        text, tokens, words, lines = units.text, units.tokens, units.words, units.lines
        n_tokens, n_words = len(tokens), len(words)
        values: dict[str, float] = {}
        failed: list[str] = []

        def rule(name: str, value: float, low=None, high=None) -> None:
            if not (is_enabled(low) or is_enabled(high)):
                return
            values[name] = value
            if (is_enabled(low) and value < low) or (is_enabled(high) and value > high):
                failed.append(name)

        rule("word_count", n_words, s["min_doc_words"], s["max_doc_words"])
        mean_length = safe_ratio(sum(map(len, words)), n_words)
        rule("avg_word_length", mean_length, s["min_avg_word_length"], s["max_avg_word_length"])
        symbols = s["max_symbol_word_ratio"]
        rule("hash_ratio", safe_ratio(text.count("#"), n_tokens), high=symbols)
        ellipses = text.count("...") + text.count("…")
        rule("ellipsis_ratio", safe_ratio(ellipses, n_tokens), high=symbols)
        bullet_lines = sum(1 for line in lines if line.lstrip().startswith(BULLETS))
        rule(
            "bullet_lines_ratio",
            safe_ratio(bullet_lines, len(lines)),
            high=s["max_bullet_lines_ratio"],
        )
        ellipsis_lines = sum(1 for line in lines if line.rstrip().endswith(ELLIPSES))
        rule(
            "ellipsis_lines_ratio",
            safe_ratio(ellipsis_lines, len(lines)),
            high=s["max_ellipsis_lines_ratio"],
        )
        # Symbols never contain a letter: counting words with one counts such tokens.
        with_letter = sum(map(bool, map(LETTER_RE.search, words)))
        rule("alpha_ratio", safe_ratio(with_letter, n_tokens), low=s["max_non_alpha_words_ratio"])
        if self.stop_words is not None:
            rule("stop_words", len(self.stop_words.intersection(tokens)), low=s["min_stop_words"])
        return verdict(QUALITY, values, failed)
