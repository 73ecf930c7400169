"""Gopher's repetition and quality rules (Rae et al. 2021, table A1), as FineWeb applies them.

Ratios follow datatrove's definitions: character shares divide by the characters of the
whole text, token shares by all tokens (words and symbols, see text_units).
"""

from __future__ import annotations

import re
from bisect import bisect_left

import numpy as np

from transforms.filters.rules import Verdict, is_enabled, verdict
from transforms.filters.text_units import LETTER_RE, TextUnits, duplicates, safe_ratio

REPETITION = "gopher_repetition"
QUALITY = "gopher_quality"
_PARAGRAPH_BREAK = re.compile(r"\n{2,}")
_LINE_BREAKS = re.compile(r"\n+")
BULLETS = ("•", "-")
ELLIPSES = ("...", "…")


_SCAN_CHUNK = 1 << 16  # positions turned into Python ints at a time by `duplicated_chars`


class NgramIndex:
    """Dense integer ids of a text's n-grams, built once per text and shared by the top and
    duplicated n-gram rules: equal ids mean equal token tuples, so counting and comparing
    integers (NumPy) gives exactly what counting tuples of strings would, much faster.

    The n-gram ids come from the (n-1)-gram ids: the n-gram at i is the pair (id of the
    (n-1)-gram at i, id of token i+n-1), ranked among the pairs whose (n-1)-gram repeats.
    Only the token ids and the last order
    asked for are kept: the rules ask for n in increasing order, and all ten orders of a
    5M-token flood ("!!!!...") held 400 MB.
    """

    def __init__(self, tokens: list[str]):
        # Ids in order of first appearance, in two C-level passes (a Python loop over the
        # tokens cost as much as the rest of the index).
        first_seen = {token: i for i, token in enumerate(dict.fromkeys(tokens))}
        self.size = len(tokens)
        self._vocabulary = max(len(first_seen), 1)
        self._tokens = np.fromiter(map(first_seen.__getitem__, tokens), np.int64, self.size)
        self._last = (1, self._tokens)  # (n, ids of the n-grams)
        # ends[i] = characters of tokens[:i]
        lengths = np.fromiter(map(len, tokens), np.int64, self.size)
        self.ends = np.concatenate(([0], np.cumsum(lengths)))

    def grams(self, n: int) -> np.ndarray:
        """Ids of the n-grams starting at 0 .. size-n (empty when there are fewer tokens)."""
        if self.size < n:  # before the loop: a config's n of 10**12 looped that many times
            return np.empty(0, dtype=np.int64)
        built, ids = self._last if self._last[0] <= n else (1, self._tokens)
        while built < n:
            built += 1
            ids = self._extend(ids, built)
        self._last = (n, ids)
        return ids

    def _extend(self, shorter: np.ndarray, n: int) -> np.ndarray:
        """Ids of the n-grams from those of the (n-1)-grams (`shorter`).

        An n-gram can repeat only where its (n-1)-gram prefix starts another n-gram too, so
        only those positions are ranked (sorting all of them was most of the filter's time); every other n-gram
        occurs once and gets an id of its own after theirs.
        """
        positions = self.size - n + 1
        prefixes = shorter[:positions]
        repeats = np.bincount(prefixes)[prefixes] > 1
        ids = np.empty(positions, dtype=np.int64)
        at = np.flatnonzero(repeats)
        ranked = 0
        if len(at):
            pairs = prefixes[at] * self._vocabulary
            pairs += self._tokens[at + (n - 1)]
            ranks = np.unique(pairs, return_inverse=True)[1].reshape(-1)
            ids[at] = ranks
            ranked = int(ranks.max()) + 1
            del pairs, ranks
        singles = np.flatnonzero(~repeats)
        ids[singles] = np.arange(ranked, ranked + len(singles), dtype=np.int64)
        return ids

    def top_chars(self, n: int, separator_length: int) -> int:
        """See `top_ngram_chars`."""
        ids = self.grams(n)
        if not len(ids):
            return 0
        counts = np.bincount(ids)
        best = int(counts.max())
        at = int(np.argmax(counts[ids] == best))  # first occurrence of the first such n-gram
        return (int(self.ends[at + n] - self.ends[at]) + separator_length * (n - 1)) * best

    def duplicated_chars(self, n: int) -> int:
        """See `duplicated_ngram_chars`."""
        ids = self.grams(n)
        if not len(ids):
            return 0
        repeated = np.flatnonzero(np.bincount(ids)[ids] > 1)  # only these can be repeats
        ends = self.ends
        seen: set[int] = set()
        resume_at = chars = 0
        # In chunks, so a flood of repeats ("!!!!...", 5M positions) is not turned into
        # Python ints all at once; a repeat skips straight to the next position it allows.
        for start in range(0, len(repeated), _SCAN_CHUNK):
            chunk = repeated[start : start + _SCAN_CHUNK]
            positions, grams = chunk.tolist(), ids[chunk].tolist()
            k = bisect_left(positions, resume_at)
            while k < len(positions):
                gram = grams[k]
                if gram in seen:
                    i = positions[k]
                    chars += int(ends[i + n] - ends[i])
                    resume_at = i + n
                    k = bisect_left(positions, resume_at, k + 1)
                else:
                    seen.add(gram)
                    k += 1
        return chars


def top_ngram_chars(
    tokens: list[str], n: int, separator_length: int, index: NgramIndex | None = None
) -> int:
    """Characters covered by the most frequent n-gram: its length times its count.

    Its length is its tokens plus `separator_length` between them (one space in English, none
    for Chinese or Japanese). Ties go to the n-gram seen first, as with Counter.most_common.
    """
    return (index or NgramIndex(tokens)).top_chars(n, separator_length)


def duplicated_ngram_chars(
    tokens: list[str], sizes: list[int], index: NgramIndex | None = None
) -> dict[int, int]:
    """For each n: characters in n-grams that repeat an earlier one (datatrove's scan).

    The scan walks the positions; an n-gram seen before adds its characters (without
    separators) and the scan jumps past it, otherwise it is remembered. Only n-grams occurring
    twice or more can count, so only their positions are walked.
    """
    index = index or NgramIndex(tokens)
    return {n: index.duplicated_chars(n) for n in sorted(set(sizes))}


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
        index = NgramIndex(tokens) if self.top_n_grams or self.dup_n_grams else None
        for n, limit in self.top_n_grams:
            rule = f"top_{n}_gram_char_frac"
            chars = top_ngram_chars(tokens, n, self.separator_length, index)
            values[rule] = safe_ratio(chars, len(text))
            limits[rule] = limit
        if self.dup_n_grams:
            dup_chars = duplicated_ngram_chars(tokens, [n for n, _ in self.dup_n_grams], index)
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
