"""MinHash signatures: normalisation, shingling, datasketch equality, band hashes."""

from __future__ import annotations

import datasketch
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms import minhash
from transforms.minhash import (
    MinHasher,
    band_hashes,
    estimate_jaccard,
    exact_key,
    exact_keys,
    normalize_text,
    sha1_hash32,
    shingle_hash32,
    shingles,
)

TEXTS = [
    "The quick brown fox jumps over the lazy dog. " * 6 + "Price: 12,50 EUR (2024-05-01)!",
    "Über den Wolken muss die Freiheit wohl grenzenlos sein, sagt man; é è ü ß. " * 4,
    "हिन्दी भाषा विश्व की एक प्रमुख भाषा है और भारत की राजभाषा है। " * 5,
    "日本語 の 文章 です 。 これ は テスト です 。",
    "only three words",
    "",
    "  ,,, --- !!! ",
    "one",
    "soft\u00adhyphen and zero\u200bwidth snake_case_words tab\tnew\nline",
    "İstanbul ǅungla lone \udcff surrogate from a bad byte and more words here",
]


def _datasketch_signature(text: str, hashfunc, scheme: str, num_perm: int, seed: int):
    minhash = datasketch.MinHash(num_perm=num_perm, seed=seed, hashfunc=hashfunc, scheme=scheme)
    grams = shingles(text, 5)
    if grams:
        minhash.update_batch(grams)
    return minhash.hashvalues


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@pytest.mark.parametrize(("name", "hashfunc"), [("fast", shingle_hash32), ("sha1", sha1_hash32)])
def test_signatures_equal_datasketch(scheme, name, hashfunc):
    hasher = MinHasher(num_perm=112, seed=7, ngram_size=5, scheme=scheme, hashfunc=name)
    batch = hasher.sign(TEXTS)
    assert batch.signatures.shape == (len(TEXTS), 112)
    assert batch.signatures.dtype == np.uint32
    for text, ours in zip(TEXTS, batch.signatures, strict=True):
        theirs = _datasketch_signature(text, hashfunc, scheme, 112, 7)
        np.testing.assert_array_equal(ours, theirs.astype(np.uint32))
        assert int(theirs.max()) <= 0xFFFFFFFF


def test_default_scheme_is_datasketch_default():
    # datasketch.MinHash without a scheme argument is what the task compares with.
    hasher = MinHasher()
    text = TEXTS[0]
    theirs = datasketch.MinHash(num_perm=112, seed=1, hashfunc=shingle_hash32)
    theirs.update_batch(shingles(text, 5))
    np.testing.assert_array_equal(hasher.signature(text), theirs.hashvalues)


def test_different_seeds_give_different_permutations():
    text = TEXTS[0]
    assert not np.array_equal(MinHasher(seed=1).signature(text), MinHasher(seed=2).signature(text))


def test_normalisation():
    assert normalize_text("Hello,   WORLD!!\n\tIt's 2024-05-01.") == "hello world it s 0000 00 00"
    assert normalize_text("snake_case") == "snake case"
    # Combining marks and vowel signs stay inside the word (Devanagari is not split).
    assert normalize_text("हिन्दी, भाषा!") == "हिन्दी भाषा"
    # Invisible format characters are removed, not turned into separators.
    assert normalize_text("co\u00adoperate zero\u200bwidth") == "cooperate zerowidth"
    assert normalize_text("Arabic-Indic ٣٤ digits") == "arabic indic 00 digits"
    assert normalize_text(" ... ") == ""
    assert normalize_text("") == ""
    # Scripts written without spaces: each character is a word (shingles: character 5-grams).
    assert (
        normalize_text("我们的中国。很好abc日本語テスト")
        == "我 们 的 中 国 很 好 abc 日 本 語 テ ス ト"
    )
    assert normalize_text("ภาษาไทย ok") == "ภ า ษ า ไ ท ย ok"
    # ... with the combining marks that follow it; digits after one are a word of their own
    assert normalize_text("ที่นี่ မြန်မာ 日2024年") == "ที่ นี่ မြ န် မာ 日 0000 年"
    assert normalize_text("日本語") == normalize_text("日 本 語")


def test_shingles():
    assert shingles("a b c d e f", 5) == ["a b c d e", "b c d e f"]
    assert shingles("A, b; C!", 5) == ["a b c"]  # shorter than n: one shingle of all words
    assert shingles("?!", 5) == []
    assert len(shingles(TEXTS[0], 5)) == len(normalize_text(TEXTS[0]).split()) - 4


def test_no_words_gives_empty_signature():
    batch = MinHasher().sign(["", "!!! ...", "word"])
    assert batch.shingle_counts.tolist() == [0, 0, 1]
    assert (batch.signatures[:2] == 0xFFFFFFFF).all()
    assert not (batch.signatures[2] == 0xFFFFFFFF).all()


def test_exact_keys_ignore_case_punctuation_and_digits():
    a = "Breaking news: 3 people saw it!"
    b = "BREAKING NEWS --- 7 people   saw it"
    c = "Breaking news: 3 people saw that!"
    assert exact_key(a) == exact_key(b) != exact_key(c)
    assert exact_keys([a, b, c, ""]) == [exact_key(a), exact_key(b), exact_key(c), exact_key("")]
    assert exact_keys(TEXTS) == [exact_key(text) for text in TEXTS]


def test_batch_results_do_not_depend_on_neighbours():
    hasher = MinHasher()
    together = hasher.sign(TEXTS)
    for i, text in enumerate(TEXTS):
        alone = hasher.sign([text])
        np.testing.assert_array_equal(alone.signatures[0], together.signatures[i])
        assert alone.exact_keys[0] == together.exact_keys[i]


@pytest.mark.parametrize("slice_chars", [1, 60, 400])
def test_slices_give_the_signatures_of_one_pass(monkeypatch, slice_chars):
    """A batch is signed in slices of whole documents (memory); no value may change."""
    texts = TEXTS * 3
    hasher = MinHasher()
    whole = hasher.sign(texts)
    assert minhash._slices(texts) == [(0, len(texts))]
    monkeypatch.setattr(minhash, "SLICE_CHARS", slice_chars)
    assert len(minhash._slices(texts)) > 3
    sliced = hasher.sign(texts)
    np.testing.assert_array_equal(sliced.signatures, whole.signatures)
    np.testing.assert_array_equal(sliced.shingle_counts, whole.shingle_counts)
    assert sliced.exact_keys == whole.exact_keys


def test_slices_are_bounded_runs_of_whole_texts():
    texts = ["a" * 10, "b" * 10, "c" * 25, "", "d" * 5, "e" * 6]
    assert minhash._slices(texts, 20) == [(0, 2), (2, 3), (3, 6)]
    assert minhash._slices(texts, 1) == [(i, i + 1) for i in range(6)]
    assert minhash._slices([], 20) == [(0, 0)]
    assert MinHasher().sign([]).signatures.shape == (0, 112)


def test_cached_powers_stay_bounded():
    """One very long document gets its powers for that call; the cache keeps its bound."""
    powers = minhash._Powers(max_cached=64)
    small_forward, small_inverse = powers.get(40)
    assert len(powers.forward) == 40
    forward, inverse = powers.get(1000)
    assert len(forward) == 1000 and len(powers.forward) == 40
    np.testing.assert_array_equal(forward[:40], small_forward)
    np.testing.assert_array_equal(inverse[:40], small_inverse)
    # base**i * base**-i == 1 (mod 2**64): the two tables are inverses
    assert set((forward * inverse).tolist()) == {1}
    assert len(powers.get(50)[0]) == 64  # grown by doubling up to the bound
    assert len(powers.forward) == 64


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=120), min_size=1, max_size=6))
def test_vectorised_hash_matches_scalar_hash(texts):
    """Property: for any Unicode text the batch path equals the per-shingle reference."""
    hasher = MinHasher(num_perm=16, seed=3)
    batch = hasher.sign(texts)
    for i, text in enumerate(texts):
        reference = datasketch.MinHash(num_perm=16, seed=3, hashfunc=shingle_hash32)
        grams = shingles(text, 5)
        if grams:
            reference.update_batch(grams)
        np.testing.assert_array_equal(batch.signatures[i], reference.hashvalues)
        assert batch.shingle_counts[i] == len(grams)
        assert batch.exact_keys[i] == exact_key(text)


def test_band_hashes_follow_band_equality():
    rng = np.random.default_rng(0)
    signatures = rng.integers(0, 2**32, size=(3, 112), dtype=np.uint32)
    signatures[1] = signatures[0]
    signatures[1, 8] += 1  # one row of band 1 differs
    bands = band_hashes(signatures, 14, 8)
    assert bands.shape == (3, 14)
    assert bands[0, 0] == bands[1, 0]
    assert bands[0, 1] != bands[1, 1]
    assert (bands[0, 2:] == bands[1, 2:]).all()
    assert not (bands[0] == bands[2]).any()
    # Equal rows in two bands still give two bucket keys.
    repeated = np.tile(signatures[0, :8], 14)[None, :]
    assert len(set(band_hashes(repeated, 14, 8)[0].tolist())) == 14
    with pytest.raises(ValueError):
        band_hashes(signatures[:, :100], 14, 8)


def test_estimated_jaccard_tracks_true_jaccard():
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in rng.permutation(5000)]
    hasher = MinHasher()
    errors = []
    for keep in (1.0, 0.9, 0.7, 0.4):
        a = words[:400]
        b = a[: int(400 * keep)] + words[400 : 400 + int(400 * (1 - keep))]
        sa, sb = set(shingles(" ".join(a))), set(shingles(" ".join(b)))
        true = len(sa & sb) / len(sa | sb)
        sig = hasher.sign([" ".join(a), " ".join(b)]).signatures
        errors.append(abs(estimate_jaccard(sig[0], sig[1]) - true))
        assert estimate_jaccard(sig[0].tobytes(), sig[1].tobytes()) == estimate_jaccard(
            sig[0], sig[1]
        )
    # Standard error with 112 permutations is at most 0.047; allow 3 sigma.
    assert max(errors) < 0.15
    assert errors[0] == 0.0


def test_invalid_parameters():
    with pytest.raises(ValueError):
        MinHasher(scheme="affine64")
    with pytest.raises(ValueError):
        MinHasher(hashfunc="xxhash")
    with pytest.raises(ValueError):
        MinHasher(ngram_size=9)
