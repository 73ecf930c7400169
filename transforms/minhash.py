"""MinHash signatures for near-duplicate detection, vectorised with NumPy (pure functions).

Normalisation (FineWeb-style): lowercase; punctuation, symbols, whitespace, control characters
and `_` become word separators; every decimal digit becomes `0`; invisible format characters
(soft hyphen, zero-width joiners, BOM) are removed; each character of a script written without
spaces (Han, kana, Thai, Lao, Khmer, Myanmar) is a word of its own, with the combining marks
that follow it; runs of separators fold to one space.
Shingles are word n-grams (default 5) of the normalised text; a document shorter than n
words is one shingle of all its words; a document without words has no shingles.

Hashing follows `datasketch.MinHash`: each shingle is hashed to 32 bits by `hashfunc`, then
permuted by `num_perm` random affine maps drawn from `np.random.RandomState(seed)`. Both of
datasketch's 32-bit schemes are implemented and give bit-identical signatures:

* "affine32" (datasketch >= 2.0 default, ours too): murmur3 finaliser pre-mix, then
  `a * h + b mod 2**32` with odd `a` (a bijection: no collisions added), all in uint32. It is
  about 3x faster than legacy.
* "legacy" (datasketch < 2.0, datatrove/FineWeb's formula): `(a * h + b) mod (2**61 - 1)`
  truncated to 32 bits, with datasketch's uint64 wrap-around of `a * h` kept bit for bit.

The default shingle hash ("fast") is not sha1: hashing every shingle with sha1 from Python
costs more than everything else together. Instead every word gets a 64-bit polynomial hash of
its code points (computed for all words of a batch at once from prefix sums), mixed by the
murmur3 64-bit finaliser; a shingle's hash is the finalised weighted sum of its word hashes,
top 32 bits. `shingle_hash32` is the same function for one shingle string, so
`datasketch.MinHash(num_perm, seed, hashfunc=shingle_hash32)` fed with `shingles(text)` gives
our signatures. `hashfunc="sha1"` uses datasketch's default `sha1_hash32` over the UTF-8
shingle bytes instead (compatible with stock datasketch, about 10x slower).
"""

from __future__ import annotations

import dataclasses
import hashlib
import struct
import sys
import unicodedata
from collections.abc import Sequence

import numpy as np

from transforms.scripts import CJK_SINGLE_RANGES, KATAKANA_RANGES, UNSEGMENTED_RANGES

SCHEMES = ("affine32", "legacy")
HASHFUNCS = ("fast", "sha1")

# Character classes of the normalisation table.
_WORD, _SEPARATOR, _DIGIT, _DELETE, _SINGLE, _MARK = 0, 1, 2, 3, 4, 5

# Scripts written without spaces between words: each of their characters (with the combining
# marks that follow it) is a word of its own, so shingles there are character n-grams. As
# whole-clause "words", one changed character in an 840-character Chinese page took its
# Jaccard to 0.76, and a page without punctuation was a single word (any edit: 0).
_SINGLE_RANGES = CJK_SINGLE_RANGES + KATAKANA_RANGES + UNSEGMENTED_RANGES

_MASK64 = (1 << 64) - 1
_MASK32 = (1 << 32) - 1
_MERSENNE_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH32 = np.uint64(_MASK32)

# Odd 64-bit constants (digits of pi and e): the polynomial base of word hashes and the
# weights of the words' positions inside a shingle.
_WORD_BASE = 0x243F6A8885A308D3
_POSITION_WEIGHTS = (
    0x13198A2E03707345,
    0xA4093822299F31D1,
    0x082EFA98EC4E6C89,
    0x452821E638D01377,
    0xBE5466CF34E90C6D,
    0xC0AC29B7C97C50DD,
    0x3F84D5B5B5470917,
    0x9216D5D98979FB1B,
)
MAX_NGRAM_SIZE = len(_POSITION_WEIGHTS)

# Shingles processed per NumPy step, so that the (num_perm, chunk) block of uint32 (affine32)
# or uint64 (legacy) intermediates stays in the cache; measured best on a 2-core VM.
_CHUNK_SHINGLES = {"affine32": 4096, "legacy": 1024}


# --------------------------------------------------------------------------- normalisation


def _class_of(code: int) -> int:
    """Class of one Unicode code point."""
    char = chr(code)
    category = unicodedata.category(char)
    if category == "Nd":
        return _DIGIT
    if category == "Cf":
        return _DELETE
    if category[0] in "PSZ" or category == "Cc" or char.isspace() or char == "_":
        return _SEPARATOR
    if category[0] == "M":  # stays in the word it follows (Devanagari, Thai vowel signs)
        return _MARK
    if any(low <= code <= high for low, high in _SINGLE_RANGES):
        return _SINGLE
    return _WORD


# Classes are filled in the first time a code point is seen: a worker meets a few thousand
# distinct code points; classifying all 1.1 million up front cost about 0.2 s per process.
_TABLE = np.zeros(sys.maxunicode + 1, dtype=np.uint8)
_KNOWN = np.zeros(sys.maxunicode + 1, dtype=bool)


def _classes_of(codepoints: np.ndarray) -> np.ndarray:
    """Class of each code point of `codepoints`."""
    unseen = np.unique(codepoints[~_KNOWN[codepoints]])
    if len(unseen):
        for code in unseen.tolist():
            _TABLE[code] = _class_of(code)
        _KNOWN[unseen] = True  # after the classes: a concurrent reader never sees a gap
    return _TABLE[codepoints]


@dataclasses.dataclass
class _Words:
    """All words of a batch of documents, as normalised code points."""

    codepoints: np.ndarray  # uint32: lowercased text, digits as 0, format characters removed
    in_word: np.ndarray  # bool per code point: False for separators
    starts: np.ndarray  # int64 index of each word's first code point
    ends: np.ndarray  # int64 index one past each word's last code point
    doc_word_offsets: np.ndarray  # int64 (n_docs + 1): words of doc d are [off[d], off[d+1])


def _split_words(texts: Sequence[str]) -> _Words:
    """Normalise and split a batch of texts in one pass over their code points."""
    lowered = [text.lower() for text in texts]
    # The joiner is a separator, so no word spans two documents; the trailing one makes every
    # word end before the end of the buffer.
    joined = " ".join(lowered) + " "
    codepoints = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    doc_starts = np.zeros(len(lowered), dtype=np.int64)
    if len(lowered) > 1:
        doc_starts[1:] = np.cumsum([len(text) + 1 for text in lowered[:-1]])
    classes = _classes_of(codepoints)
    deleted = classes == _DELETE
    if deleted.any():
        kept = ~deleted
        kept_before = np.concatenate(([0], np.cumsum(kept)))
        doc_starts = kept_before[doc_starts]
        codepoints, classes = codepoints[kept], classes[kept]
    codepoints = np.where(classes == _DIGIT, np.uint32(ord("0")), codepoints)
    single = classes == _SINGLE
    if single.any():
        # A separator before each such character, and before a letter or digit that follows
        # one (after its marks): "日本語abc" -> " 日 本 語 abc", "ที่นี่" -> " ที่ นี่".
        not_mark = classes != _MARK
        last_base = np.maximum.accumulate(np.where(not_mark, np.arange(len(classes)), 0))
        after_single = np.zeros(len(classes), dtype=bool)
        after_single[1:] = single[last_base[:-1]] & not_mark[1:]
        split = single | (after_single & (classes != _SEPARATOR))
        repeats = np.where(split, 2, 1)
        new_index = np.concatenate(([0], np.cumsum(repeats)))
        doc_starts = new_index[doc_starts]
        codepoints, classes = np.repeat(codepoints, repeats), np.repeat(classes, repeats)
        before = new_index[:-1][split]
        classes[before], codepoints[before] = _SEPARATOR, ord(" ")
    in_word = np.empty(len(codepoints) + 2, dtype=np.int8)
    in_word[0] = in_word[-1] = 0
    np.not_equal(classes, _SEPARATOR, out=in_word[1:-1])
    edges = np.diff(in_word)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    word_doc = np.searchsorted(doc_starts, starts, side="right") - 1
    counts = np.bincount(word_doc, minlength=len(texts))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return _Words(codepoints, in_word[1:-1].astype(bool), starts, ends, offsets)


def normalize_text(text: str) -> str:
    """The normalised form of a text: the words the shingles and the exact key are made of."""
    return _normalised_texts(_split_words([text]))[0]


def _ngrams(words: list[str], ngram_size: int) -> list[str]:
    words = [word for word in words if word]
    if 0 < len(words) < ngram_size:
        return [" ".join(words)]
    return [" ".join(words[i : i + ngram_size]) for i in range(len(words) - ngram_size + 1)]


def shingles(text: str, ngram_size: int = 5) -> list[str]:
    """Word n-grams of the normalised text, in order (duplicates kept), joined by spaces; a
    text shorter than n words is one shingle, a text without words has none."""
    return _ngrams(normalize_text(text).split(" "), ngram_size)


# --------------------------------------------------------------------------- hashing


def _fmix64_int(value: int) -> int:
    value ^= value >> 33
    value = (value * 0xFF51AFD7ED558CCD) & _MASK64
    value ^= value >> 33
    value = (value * 0xC4CEB9FE1A85EC53) & _MASK64
    return value ^ (value >> 33)


def _fmix64(values: np.ndarray) -> np.ndarray:
    """murmur3 64-bit finaliser on a uint64 array (multiplications wrap, as intended)."""
    values = values ^ (values >> np.uint64(33))
    values *= np.uint64(0xFF51AFD7ED558CCD)
    values ^= values >> np.uint64(33)
    values *= np.uint64(0xC4CEB9FE1A85EC53)
    values ^= values >> np.uint64(33)
    return values


def _fmix32(values: np.ndarray) -> np.ndarray:
    """murmur3 32-bit finaliser: datasketch's pre-mix of the affine32 scheme."""
    values = values ^ (values >> np.uint32(16))
    values *= np.uint32(0x85EBCA6B)
    values ^= values >> np.uint32(13)
    values *= np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def _word_hash_int(word: str) -> int:
    raw = 0
    power = 1
    for char in word:
        raw = (raw + ord(char) * power) & _MASK64
        power = (power * _WORD_BASE) & _MASK64
    return _fmix64_int(raw)


def shingle_hash32(shingle: str | bytes) -> int:
    """32-bit hash of one shingle ("w1 w2 ... wn", normalised words joined by single spaces).

    The scalar twin of the vectorised hash in `MinHasher`: pass it as datasketch's hashfunc.
    """
    if isinstance(shingle, bytes):
        shingle = shingle.decode("utf-8", "surrogatepass")
    total = 0
    for weight, word in zip(_POSITION_WEIGHTS, shingle.split(" "), strict=False):
        total = (total + _word_hash_int(word) * weight) & _MASK64
    return _fmix64_int(total) >> 32


def sha1_hash32(shingle: str | bytes) -> int:
    """datasketch's default hashfunc (first 4 bytes of sha1, little endian) on UTF-8 bytes."""
    if isinstance(shingle, str):
        shingle = shingle.encode("utf-8", "surrogatepass")
    return struct.unpack("<I", hashlib.sha1(shingle).digest()[:4])[0]


class _Powers:
    """Cached powers of the word base and of its inverse modulo 2**64 (grown on demand, up to
    `max_cached` entries; a longer request, one very long document, is computed for that call
    only, so one huge page does not leave tens of MB behind in the worker)."""

    def __init__(self, max_cached: int = 1 << 20) -> None:
        self.max_cached = max_cached
        self.forward = np.ones(1, dtype=np.uint64)
        self.inverse = np.ones(1, dtype=np.uint64)

    def get(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self.forward) >= size:
            return self.forward, self.inverse
        size = max(size, min(2 * len(self.forward), self.max_cached))
        forward = np.cumprod(np.full(size, _WORD_BASE, dtype=np.uint64))
        forward = np.concatenate(([np.uint64(1)], forward[:-1]))
        inverse_base = pow(_WORD_BASE, -1, 1 << 64)
        inverse = np.cumprod(np.full(size, inverse_base, dtype=np.uint64))
        inverse = np.concatenate(([np.uint64(1)], inverse[:-1]))
        if size <= self.max_cached:
            self.forward, self.inverse = forward, inverse
        return forward, inverse


_POWERS = _Powers()


def _word_hashes(words: _Words) -> np.ndarray:
    """Hash of every word: sum of code point * base**position, from prefix sums, then mixed."""
    forward, inverse = _POWERS.get(len(words.codepoints) + 1)
    prefix = np.zeros(len(words.codepoints) + 1, dtype=np.uint64)
    np.cumsum(words.codepoints * forward[: len(words.codepoints)], out=prefix[1:])
    # (prefix[end] - prefix[start]) carries base**start; the inverse power shifts it to 0.
    raw = (prefix[words.ends] - prefix[words.starts]) * inverse[words.starts]
    return _fmix64(raw)


def _shingle_hashes(words: _Words, ngram_size: int) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hash of every shingle of every document, and per-document shingle offsets."""
    if not 1 <= ngram_size <= MAX_NGRAM_SIZE:
        raise ValueError(f"ngram_size must be in 1..{MAX_NGRAM_SIZE}")
    word_hashes = _word_hashes(words)
    n_words = np.diff(words.doc_word_offsets)
    first_word = words.doc_word_offsets[:-1]
    n_shingles = np.where(n_words >= ngram_size, n_words - ngram_size + 1, np.minimum(n_words, 1))
    shingle_offsets = np.zeros(len(n_words) + 1, dtype=np.int64)
    np.cumsum(n_shingles, out=shingle_offsets[1:])
    total = int(shingle_offsets[-1])
    # Index of each shingle's first word: consecutive inside a document.
    starts = np.arange(total, dtype=np.int64) + np.repeat(
        first_word - shingle_offsets[:-1], n_shingles
    )
    # Words available to each shingle (n, or fewer in a short document).
    width = np.repeat(np.minimum(n_words, ngram_size), n_shingles)
    sums = np.zeros(total, dtype=np.uint64)
    padded = np.concatenate((word_hashes, np.zeros(ngram_size, dtype=np.uint64)))
    for position in range(ngram_size):
        term = padded[starts + position] * np.uint64(_POSITION_WEIGHTS[position])
        sums += np.where(position < width, term, np.uint64(0))
    hashes = (_fmix64(sums) >> np.uint64(32)).astype(np.uint32)
    return hashes, shingle_offsets


# --------------------------------------------------------------------------- signatures

# A batch is signed in slices of whole documents of about this many characters. The work
# arrays of a slice (code points, word and shingle indices, 64-bit hashes, the powers) take
# about 60 bytes a character at their peak: a few MB here, against 60-80 MB for Beam's
# batch of 512 pages of 2,500 characters; the smaller arrays also stay in the CPU's cache,
# which made signing faster, not slower (docs/benchmarks.md, Memory; docs/dedup.md).
SLICE_CHARS = 1 << 18


def _slices(texts: Sequence[str], max_chars: int | None = None) -> list[tuple[int, int]]:
    """[start, end) ranges of `texts` of at most `max_chars` characters each (a longer text
    is a slice of its own); one empty range for no texts."""
    max_chars = SLICE_CHARS if max_chars is None else max_chars
    ranges, start, chars = [], 0, 0
    for index, text in enumerate(texts):
        if index > start and chars + len(text) > max_chars:
            ranges.append((start, index))
            start, chars = index, 0
        chars += len(text)
    ranges.append((start, len(texts)))
    return ranges


@dataclasses.dataclass
class SignedBatch:
    """Signatures of a batch of documents, row i for texts[i]."""

    signatures: np.ndarray  # (n_docs, num_perm) uint32; all 0xFFFFFFFF when no shingles
    shingle_counts: np.ndarray  # (n_docs,) int64, 0 for a document without words
    exact_keys: list[bytes]  # blake2b of the normalised text (see _exact_keys)


class MinHasher:
    """Computes datasketch-compatible MinHash signatures for batches of texts."""

    def __init__(
        self,
        num_perm: int = 112,
        seed: int = 1,
        ngram_size: int = 5,
        scheme: str = "affine32",
        hashfunc: str = "fast",
    ) -> None:
        if scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
        if hashfunc not in HASHFUNCS:
            raise ValueError(f"hashfunc must be one of {HASHFUNCS}, got {hashfunc!r}")
        if not 1 <= ngram_size <= MAX_NGRAM_SIZE:
            raise ValueError(f"ngram_size must be in 1..{MAX_NGRAM_SIZE}")
        self.num_perm, self.seed, self.ngram_size = num_perm, seed, ngram_size
        self.scheme, self.hashfunc = scheme, hashfunc
        # Drawn exactly as datasketch draws them, so signatures match for the same seed.
        generator = np.random.RandomState(seed)
        if scheme == "legacy":
            pairs = [
                (
                    generator.randint(1, _MERSENNE_PRIME, dtype=np.uint64),
                    generator.randint(0, _MERSENNE_PRIME, dtype=np.uint64),
                )
                for _ in range(num_perm)
            ]
            self._a = np.array([a for a, _ in pairs], dtype=np.uint64)
            self._b = np.array([b for _, b in pairs], dtype=np.uint64)
        else:
            self._a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2)
            self._a += np.uint32(1)
            self._b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)

    def sign(self, texts: Sequence[str]) -> SignedBatch:
        """Signatures of `texts`, computed in slices of whole documents of about SLICE_CHARS
        characters (a document is never split; each one's signature is its own)."""
        parts = [self._sign_slice(texts[start:end]) for start, end in _slices(texts)]
        if len(parts) == 1:
            return parts[0]
        return SignedBatch(
            signatures=np.concatenate([part.signatures for part in parts]),
            shingle_counts=np.concatenate([part.shingle_counts for part in parts]),
            exact_keys=[key for part in parts for key in part.exact_keys],
        )

    def _sign_slice(self, texts: Sequence[str]) -> SignedBatch:
        words = _split_words(texts)
        if self.hashfunc == "fast":
            hashes, offsets = _shingle_hashes(words, self.ngram_size)
        else:
            hashes, offsets = self._sha1_shingle_hashes(words)
        return SignedBatch(
            signatures=self.signatures_from_hashes(hashes, offsets),
            shingle_counts=np.diff(offsets),
            exact_keys=_exact_keys(words, texts),
        )

    def _sha1_shingle_hashes(self, words: _Words) -> tuple[np.ndarray, np.ndarray]:
        per_doc = [
            [sha1_hash32(gram) for gram in _ngrams(text.split(" "), self.ngram_size)]
            for text in _normalised_texts(words)
        ]
        offsets = np.zeros(len(per_doc) + 1, dtype=np.int64)
        np.cumsum([len(hashes) for hashes in per_doc], out=offsets[1:])
        hashes = np.fromiter(
            (h for doc in per_doc for h in doc), dtype=np.uint32, count=offsets[-1]
        )
        return hashes, offsets

    def signatures_from_hashes(self, hashes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """MinHash of each document's 32-bit shingle hashes hashes[offsets[d]:offsets[d+1]]."""
        n_docs = len(offsets) - 1
        # Permutations on rows, shingles on columns: the min-reduction then runs over
        # contiguous memory, about 2x faster than the transposed layout.
        columns = np.full((self.num_perm, n_docs), _MASK32, dtype=np.uint32)
        if self.scheme == "affine32":
            values = _fmix32(hashes.astype(np.uint32))
        else:
            values = hashes.astype(np.uint64)
        chunk = _CHUNK_SHINGLES[self.scheme]
        doc = 0
        while doc < n_docs:
            # Chunks of whole documents; a document larger than a chunk is signed a chunk at
            # a time (its permuted values are num_perm x 4 bytes a shingle: 560 MB for a
            # 5 MB text at once).
            end_doc = int(np.searchsorted(offsets, offsets[doc] + chunk, "right")) - 1
            end_doc = max(end_doc, doc + 1)
            lo, hi = int(offsets[doc]), int(offsets[end_doc])
            if hi - lo > chunk:
                for start in range(lo, hi, chunk):
                    part = self._permute(values[start : min(start + chunk, hi)]).min(axis=1)
                    np.minimum(columns[:, doc], part, out=columns[:, doc])
            elif hi > lo:
                permuted = self._permute(values[lo:hi])
                counts = np.diff(offsets[doc : end_doc + 1])
                nonempty = np.flatnonzero(counts)
                starts = offsets[doc:end_doc][nonempty] - lo
                columns[:, doc + nonempty] = np.minimum.reduceat(permuted, starts, axis=1)
            doc = end_doc
        return np.ascontiguousarray(columns.T)

    def _permute(self, values: np.ndarray) -> np.ndarray:
        """(num_perm, len(values)) permuted hash values, uint32."""
        if self.scheme == "affine32":
            permuted = np.multiply.outer(self._a, values)
            permuted += self._b[:, None]
            return permuted
        # Legacy: (a * h + b) mod (2**61 - 1) & (2**32 - 1), with a * h wrapping in uint64 like
        # datasketch. The modulo is a Mersenne fold (hi + lo) plus one exact correction.
        mixed = np.multiply.outer(self._a, values)
        mixed += self._b[:, None]
        folded = mixed & _MERSENNE_PRIME
        mixed >>= np.uint64(61)
        folded += mixed
        folded -= _MERSENNE_PRIME * (folded >= _MERSENNE_PRIME)
        folded &= _MAX_HASH32
        return folded.astype(np.uint32)

    def signature(self, text: str) -> np.ndarray:
        return self.sign([text]).signatures[0]


def _normalised_buffer(words: _Words) -> tuple[bytes, list[int], list[int]]:
    """The normalised texts of a batch as one UTF-32-LE buffer, and each document's
    [begin, end) in code points: words joined by single spaces."""
    # Keep the words and the one separator after each word, made a space: the buffer then
    # holds "w1 w2 ... wn " per document.
    codepoints = words.codepoints.copy()
    codepoints[words.ends] = ord(" ")
    keep = words.in_word.copy()
    keep[words.ends] = True
    kept_before = np.zeros(len(codepoints) + 1, dtype=np.int64)
    np.cumsum(keep, out=kept_before[1:])
    first, last = words.doc_word_offsets[:-1], words.doc_word_offsets[1:]
    word_starts = np.append(kept_before[words.starts], 0)
    word_ends = np.append(kept_before[words.ends], 0)
    # A document without words reads the appended 0s: an empty slice.
    begin = np.where(last > first, word_starts[first], 0)
    end = np.where(last > first, word_ends[last - 1], 0)
    return codepoints[keep].tobytes(), begin.tolist(), end.tolist()


def _exact_keys(words: _Words, texts: Sequence[str]) -> list[bytes]:
    """blake2b-128 of each document's normalised text (UTF-32-LE). A text without words
    ("★★★ — ✓✓", emoji) normalises to "": keyed by that, all of them were one exact group, and
    the ledger called unrelated pages identical. Such a text is keyed by its own characters
    (spaces folded) instead, 17 bytes long, so never equal to a key of a text with words."""
    buffer, begin, end = _normalised_buffer(words)
    return [
        hashlib.blake2b(buffer[4 * b : 4 * e], digest_size=16).digest()
        if e > b
        else b"\x00"
        + hashlib.blake2b(
            " ".join(text.split()).encode("utf-8", "surrogatepass"), digest_size=16
        ).digest()
        for b, e, text in zip(begin, end, texts, strict=True)
    ]


def _normalised_texts(words: _Words) -> list[str]:
    buffer, begin, end = _normalised_buffer(words)
    return [
        buffer[4 * b : 4 * e].decode("utf-32-le", "surrogatepass")
        for b, e in zip(begin, end, strict=True)
    ]


def exact_keys(texts: Sequence[str]) -> list[bytes]:
    """Exact-duplicate keys of a batch of texts, without computing signatures."""
    return _exact_keys(_split_words(texts), texts)


def exact_key(text: str) -> bytes:
    """The key of one text (see `_exact_keys`), equal for exact duplicates."""
    return exact_keys([text])[0]


# --------------------------------------------------------------------------- LSH helpers


def band_hashes(signatures: np.ndarray, num_bands: int, rows_per_band: int) -> np.ndarray:
    """(n_docs, num_bands) uint64 hash of each band's rows and of the band's index, so a
    hash alone is the key of an LSH bucket (equal rows in two bands give two keys)."""
    n_docs = signatures.shape[0]
    if signatures.shape[1] < num_bands * rows_per_band:
        raise ValueError("signatures are shorter than num_bands * rows_per_band")
    bands = signatures[:, : num_bands * rows_per_band].reshape(n_docs, num_bands, rows_per_band)
    bands = bands.astype(np.uint64)
    total = np.broadcast_to(np.arange(1, num_bands + 1, dtype=np.uint64), (n_docs, num_bands))
    for row in range(rows_per_band):
        total = _fmix64(total * np.uint64(_WORD_BASE) + bands[:, :, row])
    return _fmix64(total)


def estimate_jaccard(signature_a: bytes | np.ndarray, signature_b: bytes | np.ndarray) -> float:
    """Fraction of equal MinHash values: an unbiased estimate of the Jaccard similarity."""
    a = (
        np.frombuffer(signature_a, dtype=np.uint32)
        if isinstance(signature_a, bytes)
        else signature_a
    )
    b = (
        np.frombuffer(signature_b, dtype=np.uint32)
        if isinstance(signature_b, bytes)
        else signature_b
    )
    return float(np.count_nonzero(a == b)) / float(len(a))
