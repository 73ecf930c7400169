"""Throughput of MinHash signatures: ccprov's vectorised MinHasher vs datasketch.MinHash.

    .venv/bin/python bench/bench_minhash.py [--docs 20000] [--batch 512]

Documents are generated: 1-2 KB of Zipf-distributed words with punctuation and digits,
about 20% of them with non-ASCII letters. One process, one core. The ccprov figures cover the
whole path from raw text (normalisation, shingles, hashing, permutations, exact key); the
datasketch figures get the shingles ready-made and only time `update_batch`, which favours
datasketch. Rates are per CPU second of this process (time.process_time), so other loads on
the machine do not skew them.
"""

from __future__ import annotations

import argparse
import functools
import resource
import time

import datasketch
import numpy as np

from transforms.minhash import MinHasher, shingle_hash32, shingles

PUNCTUATION = [".", ",", ";", ":", "!", "?", " -", "(", ")", '"']


@functools.cache
def _vocabulary() -> list[str]:
    """30,000 ASCII words, then 3,000 with accented letters."""
    rng = np.random.default_rng(12345)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    accented = np.array(list("abcdefghijklmnopqrstuvwxyzéèüößçñ"))
    vocabulary = ["".join(rng.choice(letters, int(rng.integers(2, 10)))) for _ in range(30_000)]
    return vocabulary + [
        "".join(rng.choice(accented, int(rng.integers(2, 10)))) for _ in range(3_000)
    ]


def make_texts(n: int, seed: int = 0, size=(1000, 2000)) -> list[str]:
    """n texts of size[0]..size[1] UTF-8 bytes."""
    rng = np.random.default_rng(seed)
    vocabulary = _vocabulary()
    texts = []
    for i in range(n):
        target = int(rng.integers(*size))
        ranks = np.minimum(rng.zipf(1.1, target // 4), len(vocabulary)) - 1
        if i % 5:  # 80% ASCII-only documents
            ranks = np.minimum(ranks, 29_999)
        words = [vocabulary[r] for r in ranks]
        for j in rng.integers(0, len(words), len(words) // 12):
            words[j] += PUNCTUATION[j % len(PUNCTUATION)]
        words.append(str(int(rng.integers(0, 10_000))))
        text = " ".join(words)
        texts.append(text.encode()[:target].decode("utf-8", "ignore"))
    return texts


def rate(n: int, cpu_seconds: float) -> str:
    return f"{n / cpu_seconds:,.0f} docs/s/core"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--datasketch-docs", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=512)
    args = parser.parse_args()

    texts = make_texts(args.docs)
    sizes = [len(t.encode()) for t in texts]
    print(f"{len(texts)} documents, {np.mean(sizes):.0f} bytes on average (1 process, 1 core)")
    for scheme in ("affine32", "legacy"):
        for hashfunc in ("fast", "sha1"):
            hasher = MinHasher(112, 1, 5, scheme, hashfunc)
            hasher.sign(texts[:10])  # character table, powers
            n = len(texts) if hashfunc == "fast" else min(len(texts), 5_000)
            start = time.process_time()
            for i in range(0, n, args.batch):
                hasher.sign(texts[i : i + args.batch])
            elapsed = time.process_time() - start
            print(f"ccprov MinHasher scheme={scheme:8} hashfunc={hashfunc}: {rate(n, elapsed)}")

    sample = texts[: args.datasketch_docs]
    grams = [shingles(text, 5) for text in sample]
    encoded = [[g.encode() for g in doc] for doc in grams]
    for scheme in ("affine32", "legacy"):
        for label, hashfunc, inputs in (
            ("sha1 (its default)", None, encoded),
            ("shingle_hash32", shingle_hash32, grams),
        ):
            start = time.process_time()
            for doc in inputs:
                minhash = datasketch.MinHash(num_perm=112, seed=1, hashfunc=hashfunc, scheme=scheme)
                minhash.update_batch(doc)
            elapsed = time.process_time() - start
            print(
                f"datasketch.MinHash scheme={scheme:8} hashfunc={label}: {rate(len(inputs), elapsed)}"
                " (shingles given)"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
