"""Words, lines and sentences of a document, computed once and shared by every rule.

FineWeb splits words with NLTK (English) or spaCy; we use one regex tokenizer that needs no
model and treats languages written without spaces sensibly:

* a Han ideograph (Chinese characters, Japanese kanji) or a hiragana letter is one word;
* a run of katakana letters (Japanese loanwords, e.g. コンピューター) is one word;
* any other letter or digit starts a word that continues over letters, digits, combining
  marks and invisible format characters (ZWNJ, soft hyphen, ZWSP, ...); `-`, `'`, `’` or `.`
  between two such runs joins them ("well-known", "don't", "example.com", "3.14"), and so
  does `,` or `:` between two digits ("1,500", "12:30");
* "..." is one token and every other non-space character is a one-character symbol token.

All tokens count for Gopher's symbol and alphabetic ratios (they divide by all tokens, as
NLTK's tokens include punctuation). The word count and mean word length leave out tokens made
only of punctuation (`NOT_WORD_CHARS`), as datatrove's Gopher quality does; other symbols
(★, •, ©, €, emoji) are words there and here.
In a document identified as Thai or Lao, a token holding Thai or Lao letters is split into
words by a dictionary segmenter (`word_segmentation.py`), as FineWeb-2 does, together with a
dot right after it (พ.ศ. is a word, พ.ศ is not); datatrove too picks its word tokenizer by
the document's language. Khmer and Myanmar runs are not segmented (one run is one word).
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import cached_property
from itertools import chain

from transforms.filters.word_segmentation import THAI_OR_LAO, segment_tokens
from transforms.scripts import CJK_SINGLE_RANGES, KATAKANA_RANGES

# Each CJK character is a word of its own; a katakana run is one word (transforms/scripts.py).
WORD_JOINERS = "-'’."
SENTENCE_END = ".!?"
# Sentence ends of scripts that do not use ".": CJK (full and half width), Devanagari and
# Bengali dandas, Urdu's full stop, the Arabic question mark, Armenian, Ethiopic, Myanmar,
# Khmer and Mongolian full stops. They end a sentence whatever follows, and count as line ends
# for FineWeb quality (defaults.toml), as in datatrove's TERMINAL_PUNCTUATION.
SCRIPT_SENTENCE_END = "。！？．｡।॥۔؟։።፧፨။។៕᠃᠉"
# Characters that never make a token a word: ASCII punctuation, the other punctuation
# datatrove's PUNCTUATION names, the sentence ends above and the Latin-script ones among its
# TERMINAL_PUNCTUATION (‼ ⁉ ...; its other ~140 are marks of rarer scripts, words here), and
# control characters.
NOT_WORD_CHARS = frozenset(
    string.punctuation
    + "—”％〈、━【「」，】；“《„’∶´．（–？！：～«〉》）。…►»１"
    + SCRIPT_SENTENCE_END
    + "‼⁇⁈⁉‽⸮﹒﹖﹗"
    + "".join(map(chr, [*range(0, 9), 11, 12, *range(13, 32), *range(127, 160)]))
)
CLOSERS = "\"'”’)]"
CJK_CLOSERS = "」』”’）"

# Beyond these, Unicode 14 has no letters, digits or marks (planes 3..13 hold only CJK
# extension G/H, which ends at 0x323AF; plane 14 holds variation selectors).
_SCANNED_RANGES = ((0, 0x323AF), (0xE0000, 0xE01EF))


def _scan() -> tuple[list[int], list[int], list[int]]:
    """Code points that are alphanumeric, alphabetic, and those that continue a word without
    starting one: combining marks and format characters (Cf: ZWNJ, soft hyphen, ZWSP, LRM,
    BOM, ...), which spaCy and NLTK keep inside the token they sit in."""
    alnum, alpha, marks = [], [], []
    for lo, hi in _SCANNED_RANGES:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            if ch.isalnum():
                alnum.append(cp)
                if ch.isalpha():
                    alpha.append(cp)
            elif unicodedata.category(ch)[0] == "M" or unicodedata.category(ch) == "Cf":
                marks.append(cp)
    return alnum, alpha, marks


def _in(ranges) -> set[int]:
    return {cp for lo, hi in ranges for cp in range(lo, hi + 1)}


def _char_class(code_points) -> str:
    """A regex matching one of `code_points`.

    Python's regex engine tests a class of BMP characters with one bitmap lookup but walks a
    class with astral characters range by range, so the astral part gets its own class behind
    a cheap guard.
    """

    def body(cps: list[int]) -> str:
        ranges: list[list[int]] = []
        for cp in cps:
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
        return "".join(
            f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges
        )

    cps = sorted(code_points)
    bmp = [cp for cp in cps if cp <= 0xFFFF]
    astral = [cp for cp in cps if cp > 0xFFFF]
    parts = [f"[{body(bmp)}]"] if bmp else []
    if astral:
        parts.append(f"(?=[\\U00010000-\\U0010ffff])[{body(astral)}]")
    return f"(?:{'|'.join(parts)})"


_alnum, _alpha, _marks = _scan()
_cjk_ranges, _kana_ranges = _in(CJK_SINGLE_RANGES), _in(KATAKANA_RANGES)
_cjk_chars = frozenset(cp for cp in _alnum if cp in _cjk_ranges)
_kana_chars = frozenset(cp for cp in _alnum if cp in _kana_ranges)
_word_start = [cp for cp in _alnum if cp not in _cjk_ranges and cp not in _kana_ranges]
_CJK = _char_class(_cjk_chars)
_KATA = _char_class(_kana_chars)
_START = _char_class(_word_start)
_CONTINUE = _char_class(_word_start + [cp for cp in _marks if cp not in _cjk_ranges])
# Possessive repeats (*+, ++): what follows a run never needs it shorter, and a greedy repeat
# of an alternation kept a backtracking point per character: one 5 MB "word" took 570 MB.
_RUN = f"{_START}{_CONTINUE}*+"
# A comma or colon joins two digits, as in spaCy's and NLTK's tokens: "1,500", "12:30".
_WORD = f"{_CJK}|{_KATA}++|{_RUN}(?:[{re.escape(WORD_JOINERS)}]{_RUN}|(?<=\\d)[,:](?=\\d){_RUN})*+"

TOKEN_RE = re.compile(f"(?=\\S)(?:{_WORD}|\\.\\.\\.|.)")
# In Thai and Lao documents a dot right after a word ending in a Thai or Lao letter stays
# with it: abbreviations (พ.ศ., ม.ค., น.) are dictionary words only with their last dot.
_THAI_LAO_TOKEN_RE = re.compile(
    f"(?=\\S)(?:(?:{_WORD})(?:(?<=[{THAI_OR_LAO}])\\.(?!\\.))?|\\.\\.\\.|.)"
)
LETTER_RE = re.compile(_char_class(_alpha))  # exactly the characters with str.isalpha()
CJK_OR_KATAKANA_RE = re.compile(_char_class(_cjk_chars | _kana_chars))
# C4 counts whitespace-separated words per line; CJK characters count one word each.
C4_WORD_RE = re.compile(f"{_CJK}|{_KATA}++|(?:(?!{_CJK}|{_KATA})\\S)++")
_SENTENCE_BREAK = (
    f"(?<=[{re.escape(SENTENCE_END)}])[{re.escape(CLOSERS)}]*\\s+"
    f"|(?<=[{SCRIPT_SENTENCE_END}])(?![{SCRIPT_SENTENCE_END}])[{CJK_CLOSERS}]*"
)
SENTENCE_BREAK_RE = re.compile(_SENTENCE_BREAK)
# Thai and Lao end a sentence with a space, not a mark (a clause or a list item too).
THAI_LAO_SENTENCE_BREAK_RE = re.compile(
    f"{_SENTENCE_BREAK}|(?<=[{THAI_OR_LAO}])\\s+(?=[{THAI_OR_LAO}])"
)
# The code point sets are only needed to build the patterns: kept, they held 12 MB of every
# worker (tracemalloc).
del _alnum, _alpha, _marks, _word_start, _cjk_ranges, _kana_ranges, _cjk_chars, _kana_chars


# Documents in these languages have their Thai and Lao split into dictionary words.
DICTIONARY_WORD_LANGUAGES = frozenset({"th", "lo"})


def split_tokens(text: str, in_words: bool = False) -> list[str]:
    """All tokens: words and symbols (see the module docstring); `in_words` splits Thai and
    Lao into their words."""
    if in_words:
        return segment_tokens(_THAI_LAO_TOKEN_RE.findall(text))
    return TOKEN_RE.findall(text)


def is_word(token: str) -> bool:
    """Not "..." nor a punctuation character (tokens longer than one character other than
    "..." start with a letter or digit)."""
    return token not in NOT_WORD_CHARS and token != "..."


def c4_words(line: str, in_words: bool = False) -> list[str]:
    """Whitespace-separated words of a line, with each CJK character (katakana run) apart;
    `in_words` splits Thai and Lao into their words."""
    if CJK_OR_KATAKANA_RE.search(line) is None:
        words = line.split()
    else:
        words = C4_WORD_RE.findall(line)
    return segment_tokens(words) if in_words else words


def count_sentences(line: str, in_words: bool = False) -> int:
    """Sentences in one line: pieces between sentence ends that contain non-space text.

    A sentence ends after `.`, `!` or `?` (and closing quotes or brackets) followed by
    whitespace, after a run of `SCRIPT_SENTENCE_END` (。, ।, ။, ...; and closing brackets)
    whatever follows, and with `in_words` at a space between Thai or Lao letters. Simpler than
    NLTK's punkt, which C4 uses: abbreviations such as "Dr. Smith" count as two sentences.
    """
    pattern = THAI_LAO_SENTENCE_BREAK_RE if in_words else SENTENCE_BREAK_RE
    return sum(1 for piece in pattern.split(line) if piece.strip())


def safe_ratio(numerator: float, denominator: float) -> float:
    """Every ratio divides by max(denominator, 1): empty texts give 0, never an error."""
    return numerator / max(denominator, 1)


def duplicates(items: list[str]) -> tuple[int, int]:
    """(repeated elements, characters in them): each occurrence after the first counts."""
    unique = set(items)
    return len(items) - len(unique), sum(map(len, items)) - sum(map(len, unique))


class TextUnits:
    """Lazily computed views of one text, shared by all rules that look at that text.

    Tokens never span lines (every line separator is whitespace), so they are split per line
    and a text built from kept lines can be given its token count without re-splitting.
    """

    def __init__(self, text: str, token_count: int | None = None, in_words: bool = False):
        self.text = text
        self._token_count = token_count
        self.in_words = in_words  # Thai and Lao in dictionary words: a th or lo document

    @cached_property
    def lines(self) -> list[str]:
        """`str.splitlines()`: what Gopher quality and C4 call lines."""
        return self.text.splitlines()

    @cached_property
    def newline_lines(self) -> list[str]:
        """`text.split("\\n")`: what FineWeb quality calls lines (keeps a trailing empty one)."""
        return self.text.split("\n")

    @cached_property
    def line_tokens(self) -> list[list[str]]:
        if self.in_words:
            return [split_tokens(line, in_words=True) for line in self.lines]
        return [TOKEN_RE.findall(line) for line in self.lines]

    @cached_property
    def tokens(self) -> list[str]:
        return list(chain.from_iterable(self.line_tokens))

    @cached_property
    def words(self) -> list[str]:
        return [token for token in self.tokens if is_word(token)]

    @property
    def token_count(self) -> int:
        if self._token_count is None:
            self._token_count = len(self.tokens)
        return self._token_count
