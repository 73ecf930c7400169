"""Word, line and sentence splitting shared by the filters (English, Chinese, Japanese, Thai,
Lao)."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import filters_reference as ref
from transforms.filters.text_units import (
    TextUnits,
    c4_words,
    count_sentences,
    duplicates,
    is_word,
    safe_ratio,
    split_tokens,
)

ROOT = Path(__file__).resolve().parents[1]

# Pieces that hit every branch of the tokenizer; joined at random by the property tests.
PIECES = [
    "the", "Cat", "don't", "it’s", "well-known", "e.g.", "3.14", "v2", "snake_case", "...",
    "…", ".", ",", "!", "?", "#", "-", "•", "—", "(", ")", "\"", "'", "[1]", "{", "café",
    "cafe\u0301", "\u0301", "१२", "हिन्दी", "中", "文", "。", "！", "」", "東京", "コンピューター",
    "ｶﾀｶﾅ", "ー", "は", "々", "〇", "\U00020000", "\U0001d165", " ", "  ", "\t", "\n", "\n\n",
    "\r\n", "\u2028", "\x0b", "½", "²", "_", "a", "★", "¿", "।", "؟", "\x85", "😀",
    "\u200c", "\u00ad", "\u200b", "\ufeff", "\u200d", "１",
    "ประเทศไทย", "มี", "ภาษา", "ๆ", "฿", "๑๒", "\u0e31", "พ.ศ", "ລາວ", "ເປັນ", "iPhone",
    "ม.ค.", "ພ.ສ", ".", ":", "1,5", "๑:",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


def test_english_tokens_split_punctuation_and_keep_joined_words():
    text = "Hello, world... It's a well-known example.com page (v3.14) — #tag!"
    assert split_tokens(text) == [
        "Hello", ",", "world", "...", "It's", "a", "well-known", "example.com", "page",
        "(", "v3.14", ")", "—", "#", "tag", "!",
    ]  # fmt: skip
    units = TextUnits(text)
    assert units.words == [
        "Hello", "world", "It's", "a", "well-known", "example.com", "page", "v3.14", "tag",
    ]  # fmt: skip


def test_a_comma_or_colon_between_digits_joins_them_as_in_spacy_and_nltk():
    """ "1,500" was three tokens ("1", ",", "500") and two words, against one in datatrove's
    tokenizers: a page of figures had more, shorter words and a lower alphabetic ratio."""
    text = "It cost $1,500 at 12:30, then 1, 2 and a,b. Scores 3,4,5 at 9:30:15 am."
    assert split_tokens(text) == [
        "It", "cost", "$", "1,500", "at", "12:30", ",", "then", "1", ",", "2", "and", "a", ",",
        "b", ".", "Scores", "3,4,5", "at", "9:30:15", "am", ".",
    ]  # fmt: skip
    assert TextUnits("1,500 people").words == ["1,500", "people"]
    assert split_tokens("१,५०० and ١:٢") == ["१,५००", "and", "١:٢"]  # any decimal digits


def test_chinese_characters_are_words_of_their_own():
    units = TextUnits("我们的中国人民。很好")
    assert units.tokens == ["我", "们", "的", "中", "国", "人", "民", "。", "很", "好"]
    assert units.words == ["我", "们", "的", "中", "国", "人", "民", "很", "好"]


def test_japanese_kanji_and_hiragana_single_katakana_runs_whole():
    tokens = split_tokens("私は東京に住んでいます。コンピューターが好き！")
    assert tokens == [
        "私", "は", "東", "京", "に", "住", "ん", "で", "い", "ま", "す", "。",
        "コンピューター", "が", "好", "き", "！",
    ]  # fmt: skip
    assert split_tokens("ﾃﾞｰﾀ") == ["ﾃﾞｰﾀ"]  # halfwidth katakana with its voicing mark


def test_combining_marks_stay_in_their_word():
    assert split_tokens("cafe\u0301 हिन्दी भाषा") == ["cafe\u0301", "हिन्दी", "भाषा"]
    assert split_tokens("\u0301a") == ["\u0301", "a"]  # a mark cannot start a word


def test_dots_and_punctuation_are_not_words():
    assert [is_word(t) for t in ["...", "#", "—", "a", "中", "ー", "1", "e.g", "x\u0301"]] == [
        False, False, False, True, True, True, True, True, True,
    ]  # fmt: skip


def test_symbols_that_are_not_punctuation_are_words_as_in_datatrove():
    # datatrove's Gopher quality counts a token as a word when it holds a character outside
    # its punctuation set: "Rating ★ ★ ★" has 4 words there, and had 1 here.
    words = ["★", "✓", "•", "©", "™", "€", "→", "😀", "¿", "§"]
    punctuation = ["…", "。", "।", "؟", "「", "％", "►", "\x00", "\x85", "$", "~", "‼", "⁉"]
    assert all(map(is_word, words))
    assert not any(map(is_word, punctuation))
    assert TextUnits("Rating ★ ★ ★ • 5/5").words == ["Rating", "★", "★", "★", "•", "5", "5"]


def test_c4_words_are_whitespace_words_with_cjk_apart():
    assert c4_words("  Hello, world! (v3) ") == ["Hello,", "world!", "(v3)"]
    assert c4_words("今日は晴れ。 OK, コーヒーを") == [
        "今", "日", "は", "晴", "れ", "。", "OK,", "コーヒー", "を",
    ]  # fmt: skip


def test_sentences_end_at_punctuation_before_space_or_after_cjk_stops():
    assert count_sentences("One. Two! Three? Four") == 4
    assert count_sentences('He said "hi." Then left.') == 2
    assert count_sentences("Version 3.14 is out.") == 1  # no space after the inner dot
    assert count_sentences("Dr. Smith arrived.") == 2  # simpler than punkt: no abbreviations
    assert count_sentences("今日は晴れ。明日は雨！本当？」はい") == 4
    assert count_sentences("すごい！！") == 1  # a run of stops ends one sentence
    # other scripts' sentence ends (C4 dropped every Hindi paragraph as one sentence)
    assert count_sentences("यह पहला वाक्य है। यह दूसरा है।यह तीसरा है॥ चौथा") == 4
    assert count_sentences("یہ پہلا ہے۔ کیا یہ دوسرا ہے؟ تیسرا") == 3
    assert count_sentences("Առաջինն է։ Երկրորդը") == 2
    assert count_sentences("   ") == 0


def test_duplicates_count_each_repeat_after_the_first():
    assert duplicates(["ab", "c", "ab", "ab", "", ""]) == (3, 4)
    assert duplicates([]) == (0, 0)


def test_safe_ratio_divides_by_at_least_one():
    assert safe_ratio(3, 4) == 0.75
    assert safe_ratio(0, 0) == 0.0
    assert safe_ratio(2, 0) == 2.0


def test_lines_follow_splitlines_and_split_on_newline():
    units = TextUnits("a\r\nb\u2028c\n")
    assert units.lines == ["a", "b", "c"]
    assert units.newline_lines == ["a\r", "b\u2028c", ""]


@settings(max_examples=300, deadline=None)
@given(texts)
def test_tokenizer_matches_the_independent_reference(text):
    in_words = len(text) % 2 == 0  # half the texts as th/lo documents
    expected = ref.tokenize(text, in_words)
    units = TextUnits(text, in_words=in_words)
    assert units.tokens == [token for token, _ in expected]
    assert units.words == [token for token, word in expected if word]
    assert units.token_count == len(expected)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_tokenizer_matches_the_reference_on_any_characters(text):
    assert split_tokens(text) == [token for token, _ in ref.tokenize(text)]
    assert split_tokens(text, True) == [token for token, _ in ref.tokenize(text, True)]


@settings(max_examples=300, deadline=None)
@given(texts)
def test_line_splitting_helpers_match_the_reference(text):
    for line in text.splitlines():
        for in_words in (False, True):
            assert c4_words(line, in_words) == ref.line_words_c4(line, in_words)
            assert count_sentences(line, in_words) == ref.sentence_count(line, in_words)


def test_thai_and_lao_documents_are_split_into_dictionary_words_as_in_fineweb2():
    assert split_tokens("ประเทศไทยมีประวัติศาสตร์ยาวนาน", in_words=True) == [
        "ประเทศ", "ไทย", "มี", "ประวัติศาสตร์", "ยาวนาน",
    ]  # fmt: skip
    assert split_tokens("ປະເທດລາວເປັນປະເທດ", in_words=True) == ["ປະເທດລາວ", "ເປັນ", "ປະເທດ"]
    # A ZWSP between words is a separator, not a token; Latin and digits inside come apart.
    assert split_tokens("ภาษาไทย\u200bเป็นภาษา iPhone15ไทย", in_words=True) == [
        "ภาษาไทย", "เป็น", "ภาษา", "iPhone", "15", "ไทย",
    ]  # fmt: skip
    assert TextUnits("ประเทศไทยมี\nประวัติศาสตร์ยาวนาน", in_words=True).line_tokens == [
        ["ประเทศ", "ไทย", "มี"], ["ประวัติศาสตร์", "ยาวนาน"],
    ]  # fmt: skip
    assert c4_words("ประเทศไทยมีประวัติศาสตร์ยาวนาน หลายร้อยปี", in_words=True) == [
        "ประเทศ", "ไทย", "มี", "ประวัติศาสตร์", "ยาวนาน", "หลาย", "ร้อย", "ปี",
    ]  # fmt: skip
    # In a document of another language a Thai run stays one token, as datatrove's tokenizer
    # for that language leaves it.
    assert split_tokens("Thai: ประเทศไทยมี") == ["Thai", ":", "ประเทศไทยมี"]
    assert TextUnits("ประเทศไทยมี").tokens == ["ประเทศไทยมี"]
    assert c4_words("ประเทศไทยมี ประวัติ") == ["ประเทศไทยมี", "ประวัติ"]


def test_thai_abbreviations_reach_the_dictionary_with_their_dot():
    # Dates hold abbreviations: พ.ศ. (Buddhist Era), ม.ค. (January), น. (o'clock). The regex
    # tokenizer leaves the last dot apart ("พ.ศ", "."), and the dictionary then split "พ.ศ"
    # into "พ", ".", "ศ": 4 tokens, two without a letter, where FineWeb-2's segmenter, on
    # the whole text, gives "พ.ศ.". A dot right after a Thai or Lao word stays with it.
    assert split_tokens("ในปี พ.ศ. 2566 วันที่ 15 ม.ค. เวลา 10.30 น.", in_words=True) == [
        "ใน", "ปี", "พ.ศ.", "2566", "วันที่", "15", "ม.ค.", "เวลา", "10.30", "น.",
    ]  # fmt: skip
    # A sentence's dot and an ellipsis still come apart; other documents are unchanged.
    assert split_tokens("ประเทศไทย. ไทย... ไทย..", in_words=True) == [
        "ประเทศ", "ไทย", ".", "ไทย", "...", "ไทย", ".", ".",
    ]  # fmt: skip
    assert split_tokens("พ.ศ. 2566") == ["พ.ศ", ".", "2566"]
    assert c4_words("พ.ศ. 2566", in_words=True) == ["พ.ศ.", "2566"]


def test_a_thai_or_lao_character_alone_is_its_own_word_without_the_segmenter(monkeypatch):
    # A flood of one-character tokens ("฿" x 5M, 5M tokens) called the segmenter 5M times:
    # 37 s, twice the worst case docs/filters.md gives (one 5 MB Thai run). Alone, every
    # character of the two blocks is what the segmenters return for it.
    from transforms.filters import word_segmentation

    singles = [chr(cp) for cp in range(0x0E00, 0x0F00)]
    singles = [ch for ch in singles if word_segmentation.THAI_OR_LAO_RE.search(ch)]
    assert all(word_segmentation.segment(ch) == (ch,) for ch in singles)
    calls = []
    segment = word_segmentation.segment
    monkeypatch.setattr(word_segmentation, "segment", lambda t: calls.append(t) or segment(t))
    assert split_tokens("฿ ฿฿ ๆ ัไทย", in_words=True) == ["฿", "฿", "฿", "ๆ", "ั", "ไทย"]
    assert calls == ["ไทย"]


def test_thai_and_lao_sentences_end_at_a_space_between_their_letters():
    assert count_sentences("ประเทศไทยมีประวัติ ต่อมาจึงย้าย", in_words=True) == 2
    assert count_sentences("ປະເທດລາວ  ເປັນປະເທດ", in_words=True) == 2
    # A space next to Latin letters or digits is no sentence end.
    assert count_sentences("ต่อมาจึงย้าย iPhone 15 ดี", in_words=True) == 1
    assert count_sentences("ประเทศไทยมีประวัติ ต่อมาจึงย้าย") == 1  # not a th/lo document


@pytest.mark.parametrize(
    "environment",
    [{}, {"PYTHAINLP_READ_MODE": "1"}],  # PyThaiNLP's older name for PYTHAINLP_READ_ONLY
)
def test_thai_segmenter_writes_nothing_in_the_home_folder(tmp_path, environment):
    import subprocess
    import sys

    code = (
        "from transforms.filters.text_units import split_tokens;"
        "split_tokens('ประเทศไทย ປະເທດລາວ', in_words=True)"
    )
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", **environment}
    # PyThaiNLP refuses both names at once (ValueError): the first Thai page crashed a worker.
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-500:]
    assert list(tmp_path.iterdir()) == []


def test_pythainlp_versions_allowed_read_the_read_only_switch():
    # PYTHAINLP_READ_ONLY came with PyThaiNLP 5.3.0; 5.1 and 5.2 ignore it and create
    # ~/pythainlp-data/db.json on import (5.3.0 also fixed newmm's exponential time on text
    # with many ambiguous breaks).
    import tomllib

    from packaging.requirements import Requirement

    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pythainlp = next(r for r in map(Requirement, dependencies) if r.name == "pythainlp")
    assert not pythainlp.specifier.contains("5.2.0")
    assert pythainlp.specifier.contains("5.3.0") and pythainlp.specifier.contains("5.4.0")


def test_format_characters_stay_in_their_word_as_in_datatrove():
    # ZWNJ (Persian), soft hyphen, ZWSP, LRM, BOM, word joiner: invisible, not word breaks.
    # spaCy and NLTK keep them inside the token; split off, each was a one-character "word"
    # without a letter (a Persian page fell to avg_word_length, a soft-hyphenated one to
    # alpha_ratio).
    for joiner in "\u200c\u00ad\u200b\u200e\ufeff\u2060":
        assert split_tokens(f"می{joiner}خواهم infor{joiner}mation") == [
            f"می{joiner}خواهم", f"infor{joiner}mation",
        ]  # fmt: skip
    # Between symbols they are symbols, as in spaCy (an emoji ZWJ sequence).
    assert split_tokens("👨\u200d👩") == ["👨", "\u200d", "👩"]


def test_fullwidth_one_is_punctuation_as_in_datatrove():
    # datatrove's PUNCTUATION holds "１" (U+FF11): alone, it is not a word there.
    assert TextUnits("１ １２ ok").words == ["１２", "ok"]
