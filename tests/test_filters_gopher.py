"""Gopher repetition and quality rules at their thresholds, in English, Chinese and Japanese.

Each rule runs alone (the other rules of its filter switched off). `assert_boundary` sets the
threshold just below, at and just above the value the text was built to have, so the test
pins both the measurement and the comparison (strict or inclusive) of the rule.
"""

import random
import time
from collections import Counter

import pytest

from transforms.filters.config import default_filter_config, section_with_only
from transforms.filters.gopher import (
    GopherQualityFilter,
    GopherRepetitionFilter,
    NgramIndex,
    duplicated_ngram_chars,
)
from transforms.filters.text_units import TextUnits

EPS = 1e-9


def run(filter_obj, text):
    return filter_obj.check(TextUnits(text))


def assert_boundary(make, rule, text, expected, drops_when):
    """make(threshold) -> filter with only `rule` on. drops_when: '>' or '<' (value vs threshold)."""
    reason, scores = run(make(expected), text)
    assert scores == {rule: pytest.approx(expected)}
    assert reason is None  # at the threshold: both comparisons are strict
    value_above = run(make(expected - EPS), text)[0]  # threshold just under the value
    value_below = run(make(expected + EPS), text)[0]  # threshold just over the value
    if drops_when == ">":
        assert (value_above, value_below) == (rule, None)
    else:
        assert (value_above, value_below) == (None, rule)


def repetition(**thresholds):
    return GopherRepetitionFilter(section_with_only("gopher_repetition", **thresholds))


def quality(language="en", **thresholds):
    return GopherQualityFilter(section_with_only("gopher_quality", **thresholds), language)


def paragraphs_with_repeats(unique, repeated, copies, joiner):
    """`unique` distinct blocks plus `copies` copies of `repeated` (copies - 1 duplicates)."""
    blocks = list(unique) + [repeated] * copies
    return joiner.join(blocks)


# ------------------------------------------------------------------ repetition

EN_UNIQUE = [f"Paragraph number {i} talks about something else." for i in range(6)]
ZH_UNIQUE = [f"第{d}段讲的是别的事情。" for d in "一二三四五六"]


@pytest.mark.parametrize(
    "unique, repeated", [(EN_UNIQUE, "The same words again."), (ZH_UNIQUE, "同样的话又说了一遍。")]
)
@pytest.mark.parametrize("unit, joiner", [("para", "\n\n"), ("line", "\n")])
def test_duplicate_blocks_fraction_and_characters(unique, repeated, unit, joiner):
    text = paragraphs_with_repeats(unique, repeated, copies=4, joiner=joiner)  # 10 blocks, 3 dups
    assert_boundary(
        lambda t: repetition(**{f"dup_{unit}_frac": t}), f"gopher_repetition:dup_{unit}_frac",
        text, 3 / 10, ">",
    )  # fmt: skip
    assert_boundary(
        lambda t: repetition(**{f"dup_{unit}_char_frac": t}),
        f"gopher_repetition:dup_{unit}_char_frac", text, 3 * len(repeated) / len(text), ">",
    )  # fmt: skip


@pytest.mark.parametrize(
    "copies, reason", [(3, None), (4, None), (5, "gopher_repetition:dup_line_frac")]
)
def test_duplicate_line_fraction_default_threshold(copies, reason):
    # 2/9, 3/10 (= the default 0.3: kept) and 4/11 duplicated lines.
    text = paragraphs_with_repeats(EN_UNIQUE, "Again.", copies=copies, joiner="\n")
    assert run(repetition(dup_line_frac=0.3), text)[0] == reason


def test_paragraphs_split_on_blank_lines_and_lines_on_newline_runs():
    text = "\nA\n\nB\n\n\nA\n"  # paragraphs A, B, A (1 dup of 1); lines "", A, B, A, "" (2 dups)
    scores = run(repetition(dup_para_frac=1, dup_line_frac=1), text)[1]
    assert scores["gopher_repetition:dup_para_frac"] == 1 / 3
    assert scores["gopher_repetition:dup_line_frac"] == 2 / 5


@pytest.mark.parametrize(
    "text, separator, n, expected_chars",
    [
        ("the cat the cat sat on a mat", 1, 2, (3 + 3 + 1) * 2),
        ("on the mat , on the mat , on the mat", 1, 3, (2 + 3 + 3 + 2) * 3),
        ("a b c d e f", 1, 4, 1 + 1 + 1 + 1 + 3),  # all once: the first 4-gram
        ("xx yy a b a b xx yy", 1, 2, (2 + 2 + 1) * 2),  # tie: the first seen wins
        ("東京東京大阪", 0, 2, 2 * 2),  # Japanese: no separators between characters
        ("我爱北京我爱北京天安门", 0, 4, 4 * 2),
    ],
)
def test_top_ngram_character_share(text, separator, n, expected_chars):
    def make(threshold):
        return repetition(top_n_grams=[[n, threshold]], ngram_separator_length=separator)

    rule = f"gopher_repetition:top_{n}_gram_char_frac"
    assert_boundary(make, rule, text, expected_chars / len(text), ">")


@pytest.mark.parametrize(
    "text, n, expected_chars",
    [
        ("w1 w2 w3 w4 w5 w1 w2 w3 w4 w5", 5, 10),
        ("w1 w2 w3 w4 w5 w1 w2 w3 w4 w5", 6, 0),
        # Ten equal tokens: the 5-gram at 1 repeats the one at 0 and the scan jumps to 6,
        # past the last 5-gram (at 5): 5 characters, not 25.
        ("a a a a a a a a a a", 5, 5),
        # The repeat of こ,れ,は,ペン,で (6 characters) makes the scan jump past す,。
        ("これはペンです。これはペンです。", 5, len("これはペンで")),
    ],
)
def test_duplicated_ngram_character_share(text, n, expected_chars):
    def make(threshold):
        return repetition(dup_n_grams=[[n, threshold]])

    rule = f"gopher_repetition:dup_{n}_gram_char_frac"
    if expected_chars:
        assert_boundary(make, rule, text, expected_chars / len(text), ">")
    else:
        assert run(make(0.0), text) == (None, {rule: 0.0})


def test_duplicated_ngrams_of_all_sizes_in_one_scan():
    tokens = "a b c d e f g a b c d e f g x a b c d e".split()
    result = duplicated_ngram_chars(tokens, [5, 6, 7, 8])
    # 5: positions 7 (a..e) and 15 (a..e); 6: 7 (a..f); 7: 7 (a..g); 8: none repeat.
    assert result == {5: 10, 6: 6, 7: 7, 8: 0}
    assert duplicated_ngram_chars(tokens[:4], [5]) == {5: 0}


def _top_chars_by_tuples(tokens, n, separator):
    """The top n-gram rule counted over tuples of strings (what NgramIndex's ids stand for)."""
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    if not grams:
        return 0
    gram, count = Counter(grams).most_common(1)[0]  # ties: the first seen
    return (sum(map(len, gram)) + separator * (n - 1)) * count


def _duplicated_chars_by_tuples(tokens, n):
    """datatrove's scan over tuples: a repeat adds its characters and jumps past itself."""
    seen, chars, i = set(), 0, 0
    while i <= len(tokens) - n:
        gram = tuple(tokens[i : i + n])
        if gram in seen:
            chars += sum(map(len, gram))
            i += n
        else:
            seen.add(gram)
            i += 1
    return chars


def test_ngram_index_matches_counting_tuples_of_strings():
    # Few distinct tokens make long repeats; some n-grams repeat only in their prefix (the
    # index ranks only positions whose shorter n-gram repeats and numbers the rest apart).
    rng = random.Random(5)
    for _ in range(3000):
        alphabet = [chr(97 + j) * rng.randint(1, 3) for j in range(rng.randint(1, 6))]
        tokens = [rng.choice(alphabet) for _ in range(rng.randint(0, 50))]
        index = NgramIndex(tokens)
        for n in (2, 3, 4, 5, 7, 10, 3, 1):  # increasing, then back to a shorter order
            assert index.top_chars(n, 1) == _top_chars_by_tuples(tokens, n, 1)
            assert index.duplicated_chars(n) == _duplicated_chars_by_tuples(tokens, n), tokens


def test_repetition_defaults_are_fineweb_thresholds():
    defaults = GopherRepetitionFilter(default_filter_config()["gopher_repetition"])
    assert defaults.top_n_grams == [(2, 0.2), (3, 0.18), (4, 0.16)]
    assert defaults.dup_n_grams == [
        (5, 0.15),
        (6, 0.14),
        (7, 0.13),
        (8, 0.12),
        (9, 0.11),
        (10, 0.1),
    ]
    assert section_with_only("gopher_repetition")["top_n_grams"] == []


# ------------------------------------------------------------------ quality


@pytest.mark.parametrize(
    "count, reason", [(49, "gopher_quality:word_count"), (50, None), (51, None)]
)
@pytest.mark.parametrize("word, joiner", [("word", " "), ("字", "")])
def test_minimum_word_count_default(count, reason, word, joiner):
    text = joiner.join([word] * count) + " ... !"  # symbols are not words
    assert run(quality(min_doc_words=50), text)[0] == reason


@pytest.mark.parametrize(
    "count, reason", [(9, None), (10, None), (11, "gopher_quality:word_count")]
)
def test_maximum_word_count(count, reason):
    assert run(quality(max_doc_words=10), " ".join(["word"] * count))[0] == reason


@pytest.mark.parametrize(
    "text, expected",
    [("ab abcd, abc!", 3.0), ("an apple a day", 11 / 4), ("東京 コンピューター", (1 + 1 + 7) / 3)],
)
def test_mean_word_length_bounds(text, expected):
    rule = "gopher_quality:avg_word_length"
    assert_boundary(lambda t: quality(min_avg_word_length=t), rule, text, expected, "<")
    assert_boundary(lambda t: quality(max_avg_word_length=t), rule, text, expected, ">")


@pytest.mark.parametrize(
    "text, rule, expected",
    [
        ("# a b c d e f g h i", "hash_ratio", 1 / 10),
        ("#tag #tag some words here", "hash_ratio", 2 / 7),
        ("wait... what … really", "ellipsis_ratio", 2 / 5),
        ("北京… 上海...", "ellipsis_ratio", 2 / 6),
    ],
)
def test_symbol_to_token_ratios(text, rule, expected):
    def make(threshold):
        return quality(max_symbol_word_ratio=threshold)

    reason, scores = run(make(expected), text)
    assert scores[f"gopher_quality:{rule}"] == pytest.approx(expected)
    assert reason is None
    assert run(make(expected - EPS), text)[0] == f"gopher_quality:{rule}"


@pytest.mark.parametrize(
    "bullets, reason", [(8, None), (9, None), (10, "gopher_quality:bullet_lines_ratio")]
)
def test_bullet_lines_default(bullets, reason):
    lines = ["  • item"] * (bullets - bullets // 2) + ["- item"] * (bullets // 2)
    text = "\n".join(lines + ["Plain line."] * (10 - bullets))
    assert run(quality(max_bullet_lines_ratio=0.9), text)[0] == reason


@pytest.mark.parametrize(
    "trailing, reason", [(2, None), (3, None), (4, "gopher_quality:ellipsis_lines_ratio")]
)
@pytest.mark.parametrize("ellipsis", ["...", "…"])
def test_ellipsis_lines_default(trailing, reason, ellipsis):
    text = "\n".join(
        [f"To be continued{ellipsis}  "] * trailing + ["続きは明日。"] * (10 - trailing)
    )
    assert run(quality(max_ellipsis_lines_ratio=0.3), text)[0] == reason


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a b c d 1", 4 / 5),
        ("Price: 12 dollars, 3.50 cents.", 3 / 8),
        ("中文 123 テスト", 3 / 4),
        ("e.g 2024 ½", 1 / 3),  # ½ is numeric, not a letter
    ],
)
def test_alphabetic_token_share(text, expected):
    rule = "gopher_quality:alpha_ratio"
    assert_boundary(lambda t: quality(max_non_alpha_words_ratio=t), rule, text, expected, "<")


@pytest.mark.parametrize(
    "language, text, distinct",
    [
        ("en", "the cat and the dog", 2),
        ("en", "the the the cat", 1),
        ("en", "The And With", 0),  # compared as written, like datatrove
        ("zh", "我的书是新的", 2),
        ("ja", "東京の大学に行く", 2),
    ],
)
def test_stop_words_counts_distinct_listed_words(language, text, distinct):
    reason, scores = run(quality(language, min_stop_words=2), text)
    assert scores == {"gopher_quality:stop_words": distinct}
    assert reason == (None if distinct >= 2 else "gopher_quality:stop_words")


def test_stop_words_rule_skipped_for_languages_without_a_list():
    assert run(quality("it", min_stop_words=2), "nessuna parola") == (None, {})


def test_quality_reports_the_first_failing_rule_and_measures_all():
    section = default_filter_config()["gopher_quality"]
    reason, scores = GopherQualityFilter(section, "en").check(TextUnits("### ... 1 2"))
    assert reason == "gopher_quality:word_count"
    assert sorted(scores) == sorted(
        f"gopher_quality:{rule}"
        for rule in (
            "word_count", "avg_word_length", "hash_ratio", "ellipsis_ratio",
            "bullet_lines_ratio", "ellipsis_lines_ratio", "alpha_ratio", "stop_words",
        )
    )  # fmt: skip


def test_an_n_larger_than_the_document_costs_nothing():
    # The n-gram ids were built order by order up to n: n = 10**12 in a filter config ran for
    # days on an eight-word text. datatrove finds no such n-gram and moves on; so do we.
    text = "one two three four five six seven eight"
    filter_obj = repetition(top_n_grams=[[10**12, 0.1]], dup_n_grams=[[10**12, 0.1]])
    started = time.process_time()
    reason, scores = run(filter_obj, text)
    assert time.process_time() - started < 1.0
    assert reason is None
    assert scores[f"gopher_repetition:top_{10**12}_gram_char_frac"] == 0
    assert scores[f"gopher_repetition:dup_{10**12}_gram_char_frac"] == 0
