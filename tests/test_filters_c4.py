"""C4 rules (FineWeb's variant): line removals, document drops, sentence count, kept text."""

import pytest

from transforms.filters.c4 import C4QualityFilter
from transforms.filters.config import config_for_language, default_filter_config, section_with_only
from transforms.filters.text_units import TextUnits, split_tokens


def c4(**rules):
    return C4QualityFilter(section_with_only("c4", **rules))


def run(filter_obj, text):
    return filter_obj.check_and_clean(TextUnits(text))


def sentences(n, language="en"):
    if language == "en":
        return " ".join(f"This is sentence number {i}." for i in range(n))
    return "".join(f"これは{i}番目の文です。" for i in range(n))


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("count, reason", [(4, "c4:sentences"), (5, None), (6, None)])
def test_minimum_sentences_default(language, count, reason):
    reason_seen, scores, _ = run(c4(min_num_sentences=5), sentences(count, language))
    assert (reason_seen, scores["c4:sentences"]) == (reason, count)


def test_sentences_are_counted_in_kept_lines_only():
    text = sentences(3) + "\nToo short.\n" + sentences(1)  # "Too short." has 2 words
    assert run(c4(min_num_sentences=5), text)[0] is None
    assert run(c4(min_num_sentences=5, min_words_per_line=3), text)[0] == "c4:sentences"
    text = sentences(3) + "\nShort one. Two.\n" + sentences(1)  # 3 words, 2 sentences: kept
    _, scores, _ = run(c4(min_num_sentences=5, min_words_per_line=3), text)
    assert scores == {"c4:short_lines": 0, "c4:sentences": 6}
    _, scores, _ = run(c4(min_num_sentences=5, min_words_per_line=4), text)
    assert scores == {"c4:short_lines": 1, "c4:sentences": 4}


@pytest.mark.parametrize(
    "line, removed",
    [
        ("two words", True),
        ("three small words", False),
        ("  padded   three words  ", False),
        ("你好", True),  # two characters: two words
        ("你好吗", False),
        ("OK, コーヒー", True),  # "OK," and one katakana run
        ("OK, コーヒーを", False),
    ],
)
def test_minimum_words_per_line(line, removed):
    _, scores, kept = run(c4(min_words_per_line=3), line)
    assert scores == {"c4:short_lines": int(removed), "c4:sentences": int(not removed)}
    assert kept.text == ("" if removed else line.strip())


@pytest.mark.parametrize("length, removed", [(999, False), (1000, False), (1001, True)])
def test_maximum_word_length(length, removed):
    text = f"a long word {'x' * length} here"
    _, scores, _ = run(c4(max_word_length=1000), text)
    assert scores["c4:long_word_lines"] == int(removed)


def test_chinese_line_without_spaces_is_not_one_long_word():
    text = "汉" * 1500
    _, scores, kept = run(c4(max_word_length=1000), text)
    assert scores["c4:long_word_lines"] == 0 and kept.text == text


def test_javascript_and_policy_lines_are_removed_not_the_document():
    text = "\n".join(
        [
            "Please enable JavaScript to view { the comments.",  # the { is never looked at
            "This site uses cookies to improve things.",
            "Read our Privacy Policy before you go.",
            "A good line with enough words.",
        ]
    )
    reason, scores, kept = run(
        c4(filter_javascript=True, filter_policy=True, filter_curly_bracket=True), text
    )
    assert reason is None
    assert scores == {
        "c4:javascript_lines": 1, "c4:curly_bracket": 0, "c4:policy_lines": 2, "c4:sentences": 1,
    }  # fmt: skip
    assert kept.text == "A good line with enough words."


@pytest.mark.parametrize(
    "text, reason",
    [
        ("Some text.\nLorem ipsum dolor sit amet.", "c4:lorem_ipsum"),
        ("Some text {\nLorem ipsum dolor sit amet.", "c4:curly_bracket"),  # first in line order
        ("Lorem ipsum\nfunction f() { return 1; }", "c4:curly_bracket"),  # short lorem line removed
        ("Some text with no braces at all.", None),
    ],
)
def test_lorem_ipsum_and_curly_bracket_drop_the_document(text, reason):
    rules = dict(filter_lorem_ipsum=True, filter_curly_bracket=True, min_words_per_line=3)
    assert run(c4(**rules), text)[0] == reason


def test_citations_are_removed_from_kept_lines():
    text = "Paris is the capital[1] of France.[citation needed] It is large.[edit]"
    _, _, kept = run(c4(), text)
    assert kept.text == "Paris is the capital of France. It is large."
    assert kept.token_count == len(split_tokens(kept.text))


def test_kept_text_and_its_token_count():
    text = "  First kept line here.  \nno\n\n Second kept line[2] here. \n"
    _, _, kept = run(c4(min_words_per_line=3), text)
    assert kept.text == "First kept line here.\nSecond kept line here."
    assert kept.token_count == len(split_tokens(kept.text)) == 10


def test_rewrite_can_be_switched_off():
    text = "no\nA line of text."
    _, _, kept = run(c4(min_words_per_line=3, rewrite_text=False), text)
    assert kept.text == text


def test_terminal_punctuation_rule_when_enabled():
    text = (
        "Ends with a stop.\nEnds without one\nEnds with dots...\n文末に句点がある。\n"
        "यह वाक्य पूर्ण विराम पर समाप्त होता है।\n彼は「はい」"
    )
    _, scores, kept = run(c4(filter_no_terminal_punct=True), text)
    # other scripts' sentence ends count in every language; 」 only in zh and ja
    assert scores["c4:no_terminal_punct_lines"] == 3
    ja = config_for_language(default_filter_config(), "ja")["c4"]
    ja_rules = {**section_with_only("c4"), "terminal_punctuation": ja["terminal_punctuation"]}
    _, scores, kept = C4QualityFilter(
        {**ja_rules, "filter_no_terminal_punct": True}
    ).check_and_clean(TextUnits(text))
    assert scores["c4:no_terminal_punct_lines"] == 2
    assert kept.text == (
        "Ends with a stop.\n文末に句点がある。\nयह वाक्य पूर्ण विराम पर समाप्त होता है।\n彼は「はい」"
    )


def test_defaults_are_fineweb_variant_of_c4():
    section = default_filter_config()["c4"]
    assert section["filter_no_terminal_punct"] is False
    assert (section["min_num_sentences"], section["min_words_per_line"], section["max_word_length"]) == (
        5, 3, 1000,
    )  # fmt: skip
