"""FineWeb's own rules at their thresholds (which are inclusive for three of the four)."""

import pytest

from transforms.filters.config import config_for_language, default_filter_config, section_with_only
from transforms.filters.fineweb_quality import FineWebQualityFilter
from transforms.filters.text_units import TextUnits

EPS = 1e-9


def fineweb(**rules):
    return FineWebQualityFilter(section_with_only("fineweb_quality", **rules))


def run(filter_obj, text):
    return filter_obj.check(TextUnits(text))


def lines_text(good, other, good_line, other_line):
    return "\n".join([good_line] * good + [other_line] * (other))


@pytest.mark.parametrize(
    "ending, other",
    [
        ("A full sentence that ends well.", "a heading without a stop"),
        ("一句完整的话。", "没有句号的标题"),
    ],
)
@pytest.mark.parametrize("stopped, reason", [(1, "line_punct_ratio"), (2, None)])
def test_line_punctuation_share_default_is_inclusive(ending, other, stopped, reason):
    # 10 lines: 1/10 <= 0.12 drops, 2/10 keeps. Chinese lines end in 。 (zh's stop chars).
    stop_chars = config_for_language(default_filter_config(), "zh")["fineweb_quality"]["stop_chars"]
    rules = {"line_punct_thr": 0.12, "stop_chars": stop_chars}
    reason_seen, scores = run(fineweb(**rules), lines_text(stopped, 10 - stopped, ending, other))
    assert scores == {"fineweb_quality:line_punct_ratio": stopped / 10}
    assert reason_seen == (reason and f"fineweb_quality:{reason}")


@pytest.mark.parametrize(
    "line",
    [
        "一句完整的话。",
        "यह वाक्य पूर्ण विराम पर समाप्त होता है।",
        "یہ جملہ ختم ہوتا ہے۔",
        "Սա նախադասություն է։",
    ],
)
def test_other_scripts_sentence_ends_are_line_ends_by_default(line):
    # Hindi, Urdu and Armenian pages were all dropped under `--languages all`: their lines end
    # in । ۔ ։, which FineWeb's English stop characters lack.
    text = lines_text(5, 0, line, "")
    assert run(fineweb(line_punct_thr=0.12), text)[0] is None
    english = [".", "'", '"', "!", "?"]
    assert run(fineweb(line_punct_thr=0.12, stop_chars=english), text)[0] == (
        "fineweb_quality:line_punct_ratio"
    )


def test_line_punctuation_zero_can_be_excluded():
    text = "no stop here\nnone here either"
    assert run(fineweb(line_punct_thr=0.12), text)[0] == "fineweb_quality:line_punct_ratio"
    assert run(fineweb(line_punct_thr=0.12, line_punct_exclude_zero=True), text)[0] is None


@pytest.mark.parametrize(
    "rule, key, text, expected, inclusive",
    [
        ("line_punct_ratio", "line_punct_thr", "Stop.\nno stop\nNo!\n", 2 / 4, "<="),
        # split("\n") keeps the two empty lines at the end: 3 of 4 lines are short
        ("short_line_ratio", "short_line_thr", "x" * 30 + "\n" + "y" * 31 + "\n\n", 3 / 4, ">="),
        ("short_line_ratio", "short_line_thr", "汉" * 30 + "\n" + "字" * 31, 1 / 2, ">="),
        # duplicated non-empty lines: "Same line." twice more, out of the characters
        (
            "char_dup_ratio",
            "char_duplicates_ratio",
            "Same line.\nOther.\nSame line.\n\nSame line.",
            20 / 36,
            ">=",
        ),
        ("char_dup_ratio", "char_duplicates_ratio", "重复的行\n别的\n重复的行", 4 / 10, ">="),
        # newlines per token: 3 newlines, 6 tokens
        ("list_ratio", "new_line_ratio", "a b\nc\nd .\ne", 3 / 6, ">"),
        ("list_ratio", "new_line_ratio", "项目一\n项目二\n项目三", 2 / 9, ">"),
    ],
)
def test_rule_boundaries(rule, key, text, expected, inclusive):
    name = f"fineweb_quality:{rule}"
    reason, scores = run(fineweb(**{key: expected}), text)
    assert scores == {name: pytest.approx(expected)}
    drops_at_threshold = inclusive in ("<=", ">=")
    assert (reason == name) == drops_at_threshold
    value_above = run(fineweb(**{key: expected - EPS}), text)[0]
    value_below = run(fineweb(**{key: expected + EPS}), text)[0]
    if inclusive == "<=":
        assert (value_above, value_below) == (None, name)
    else:
        assert (value_above, value_below) == (name, None)


@pytest.mark.parametrize("short, reason", [(6, None), (7, "fineweb_quality:short_line_ratio")])
def test_short_line_default(short, reason):
    # 10 lines: 6/10 < 0.67 keeps, 7/10 drops.
    text = lines_text(10 - short, short, "A line that is long enough to not be short.", "Short.")
    assert run(fineweb(short_line_thr=0.67), text)[0] == reason


def test_list_ratio_uses_the_given_token_count():
    units = TextUnits("a\nb\nc", token_count=30)  # e.g. counted from C4's kept lines
    assert FineWebQualityFilter(section_with_only("fineweb_quality", new_line_ratio=0.3)).check(
        units
    ) == (None, {"fineweb_quality:list_ratio": 2 / 30})


def test_all_rules_measured_when_the_first_fails():
    reason, scores = FineWebQualityFilter(default_filter_config()["fineweb_quality"]).check(
        TextUnits("x\nx\nx")
    )
    assert reason == "fineweb_quality:line_punct_ratio"
    assert set(scores) == {
        f"fineweb_quality:{rule}"
        for rule in ("line_punct_ratio", "short_line_ratio", "char_dup_ratio", "list_ratio")
    }
