"""Words of Thai and Lao, which are written without spaces between words.

The regex tokenizer (`text_units.py`) makes a whole Thai or Lao phrase one "word": a Thai
article came out as 22 "words" of 27 characters on average, and fell to Gopher's rules.
FineWeb-2 splits Thai with PyThaiNLP's dictionary segmenter (`newmm-safe`) and Lao with
LaoNLP; ccprov does the same in documents identified as Thai or Lao, for each token that holds
Thai or Lao letters. Both packages ship their dictionaries, so nothing is downloaded; each is
loaded once per process (0.2-0.6 s) when the first such token comes.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache

# Thai U+0E01-U+0E5B and Lao U+0E81-U+0EDF: letters, vowel signs, tone marks, digits, ๆ ຯ.
THAI_OR_LAO = "\u0e01-\u0e5b\u0e81-\u0edf"  # a regex class body
THAI_OR_LAO_RE = re.compile(f"[{THAI_OR_LAO}]")
_LAO_RE = re.compile("[\u0e81-\u0edf]")


def _read_only_data() -> None:
    # PyThaiNLP creates ~/pythainlp-data on import unless told not to; it needs nothing there.
    # It reads PYTHAINLP_READ_ONLY from 5.3 on (pyproject.toml), and refuses it next to the
    # older name, PYTHAINLP_READ_MODE: a user's setting of that one is left to decide.
    if "PYTHAINLP_READ_MODE" not in os.environ:
        os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")


@cache
def _thai_words() -> Callable[[str], list[str]]:
    _read_only_data()
    from pythainlp.tokenize import word_tokenize

    return lambda text: word_tokenize(text, engine="newmm-safe", keep_whitespace=False)


@cache
def _lao_words() -> Callable[[str], list[str]]:
    _read_only_data()
    from laonlp.tokenize import word_tokenize

    return word_tokenize


def _visible(piece: str) -> bool:
    """Not only spaces and invisible format characters (a ZWSP between words is a separator
    in Thai and Lao web text; the segmenters return it as a piece of its own)."""
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in piece)


def segment(token: str) -> tuple[str, ...]:
    """The words of one token: Lao's segmenter if it holds a Lao letter, else Thai's.
    Latin letters and digits inside the token come out as words of their own."""
    if len(token) <= _CACHED_TOKEN_CHARS:
        return _segment_cached(token)
    return _segment(token)


def _segment(token: str) -> tuple[str, ...]:
    words = _lao_words() if _LAO_RE.search(token) else _thai_words()
    return tuple(piece for piece in words(token) if _visible(piece))


# Cached: C4 splits a line's whitespace words after the tokens were split, and in Thai and
# Lao most of those words are the same runs (half the segmenter's calls on a page), and
# common phrases repeat across pages. Only tokens of up to 200 characters (a phrase between
# spaces): a page-long run, cached, stayed in the worker (22 MB after a 1.1 M-character
# run), and the cache's worst case is now 4,096 x 200 characters with their words.
_CACHED_TOKEN_CHARS = 200
_segment_cached = lru_cache(maxsize=1 << 12)(_segment)


def segment_tokens(tokens: list[str]) -> list[str]:
    """`tokens` with each one that holds Thai or Lao letters replaced by its words (a single
    character is its own word: a flood of them never calls the segmenter)."""
    out: list[str] = []
    for token in tokens:
        if len(token) == 1 or THAI_OR_LAO_RE.search(token) is None:
            out.append(token)
        else:
            out.extend(segment(token))
    return out
