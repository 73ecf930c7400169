"""Dedup quality against brute-force Jaccard, and equal results on one and two workers.

The corpus is generated: families of a base document (Zipf-distributed words, like natural
text) and variants made by random word substitutions, deletions and insertions at a rate
drawn per variant, so within-family Jaccard similarities spread over 0.3..1.0, plus exact
copies that differ only in case and punctuation. The true Jaccard of every pair of
documents that shares a shingle is computed exactly from the shingle sets.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import numpy as np
import pytest

from tests.test_dedup import run_dedup
from transforms.dedup import EXACT_DUPLICATE, NEAR_DUPLICATE, DedupCandidate
from transforms.minhash import shingles

# Families converge in 2-3 rounds; fewer unrolled rounds keep the Beam runs short (each
# round adds stages even when its edges skip them).
MAX_ROUNDS = 8


def _vocabulary(rng: np.random.Generator, size: int) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return ["".join(rng.choice(letters, int(rng.integers(2, 10)))) for _ in range(size)]


def _mutate(rng: np.random.Generator, vocabulary: list[str], words: list[str], rate: float):
    out = []
    for word, draw in zip(words, rng.random(len(words)), strict=True):
        if draw < rate / 3:
            out.append(vocabulary[rng.integers(len(vocabulary))])  # substitute
        elif draw < 2 * rate / 3:
            continue  # delete
        elif draw < rate:
            out += [word, vocabulary[rng.integers(len(vocabulary))]]  # insert
        else:
            out.append(word)
    return out


def make_corpus(families: int, variants: int = 3, seed: int = 0, words=(150, 350)):
    """[(doc_id, text)]: `families` bases, each with `variants` edited copies, and an exact
    copy (upper case, extra punctuation) of every tenth base."""
    rng = np.random.default_rng(seed)
    vocabulary = _vocabulary(rng, 20_000)
    docs = []
    for family in range(families):
        n = int(rng.integers(*words))
        ranks = np.minimum(rng.zipf(1.1, n), len(vocabulary)) - 1
        base = [vocabulary[r] for r in ranks]
        docs.append((f"f{family}-base", " ".join(base)))
        for variant in range(variants):
            rate = float(rng.uniform(0.0, 0.08))
            docs.append((f"f{family}-v{variant}", " ".join(_mutate(rng, vocabulary, base, rate))))
        if family % 10 == 0:
            docs.append((f"f{family}-copy", " ".join(base).upper().replace(" ", ", ") + "!"))
    return docs


def make_candidates(docs, seed: int = 0) -> list[DedupCandidate]:
    rng = np.random.default_rng(seed)
    return [
        DedupCandidate(
            doc_id,
            i % 5,
            text,
            (bool(rng.integers(2)), f"2024-{int(rng.integers(1, 13)):02d}", doc_id),
        )
        for i, (doc_id, text) in enumerate(docs)
    ]


def true_jaccard(docs) -> dict[tuple[str, str], float]:
    """Exact Jaccard of the shingle sets of every pair that shares at least one shingle."""
    sets = {doc_id: set(shingles(text, 5)) for doc_id, text in docs}
    holders = defaultdict(list)
    for doc_id, grams in sets.items():
        for gram in grams:
            holders[gram].append(doc_id)
    shared = defaultdict(int)
    for ids in holders.values():
        for a, b in combinations(sorted(ids), 2):
            shared[a, b] += 1
    return {
        (a, b): count / (len(sets[a]) + len(sets[b]) - count) for (a, b), count in shared.items()
    }


def quality(decisions, docs, jaccard) -> dict[str, float]:
    cluster = {doc_id: doc_id for doc_id, _ in docs}
    cluster.update({d.doc_id: d.dedup_cluster for d in decisions})
    members = defaultdict(list)
    for doc_id, rep in cluster.items():
        members[rep].append(doc_id)
    merged = [tuple(sorted(pair)) for group in members.values() for pair in combinations(group, 2)]
    merged_j = np.array([jaccard.get(pair, 0.0) for pair in merged])
    similar = [pair for pair, j in jaccard.items() if j >= 0.8]
    near_miss = [pair for pair, j in jaccard.items() if 0.3 <= j < 0.5]
    together = {pair: cluster[pair[0]] == cluster[pair[1]] for pair in jaccard}
    return {
        "pairs_j>=0.8": len(similar),
        "recall_j>=0.8": float(np.mean([together[p] for p in similar])),
        "merged_pairs": len(merged),
        "precision_j>=0.5": float(np.mean(merged_j >= 0.5)),
        "pairs_0.3<=j<0.5": len(near_miss),
        "merge_rate_0.3<=j<0.5": float(np.mean([together[p] for p in near_miss])),
    }


@pytest.fixture(scope="module")
def corpus():
    docs = make_corpus(families=150)
    return docs, make_candidates(docs), true_jaccard(docs)


@pytest.fixture(scope="module")
def one_worker(corpus, tmp_path_factory):
    _, candidates, _ = corpus
    return run_dedup(candidates, tmp_path_factory.mktemp("one"), max_rounds=MAX_ROUNDS)


def test_recall_and_precision_against_brute_force_jaccard(corpus, one_worker):
    docs, _, jaccard = corpus
    figures = quality(one_worker, docs, jaccard)
    print(f"\ndedup quality on {len(docs)} generated documents:", figures)
    assert figures["pairs_j>=0.8"] >= 100
    assert figures["recall_j>=0.8"] >= 0.95
    assert figures["precision_j>=0.5"] >= 0.98
    assert figures["merge_rate_0.3<=j<0.5"] <= 0.02
    reasons = {d.drop_reason for d in one_worker}
    assert reasons == {None, EXACT_DUPLICATE, NEAR_DUPLICATE}
    # Every cluster: one representative, the member with the smallest priority.
    by_cluster = defaultdict(list)
    for d in one_worker:
        by_cluster[d.dedup_cluster].append(d)
    priority = {c.doc_id: c.priority for c in corpus[1]}
    for rep, group in by_cluster.items():
        assert [d.doc_id for d in group if d.duplicate_of is None] == [rep]
        assert all(d.dedup_cluster_size == len(group) for d in group)
        assert min(priority[d.doc_id] for d in group) == priority[rep]
    # Exact copies end in their base's cluster.
    cluster_of = {d.doc_id: d.dedup_cluster for d in one_worker}
    copies = [doc_id for doc_id, _ in docs if doc_id.endswith("-copy")]
    assert copies
    for copy in copies:
        assert cluster_of[copy] == cluster_of[copy.replace("-copy", "-base")]


def test_two_workers_give_the_same_clusters(corpus, one_worker, tmp_path):
    _, candidates, _ = corpus
    options = ["--direct_num_workers=2", "--direct_running_mode=multi_processing"]
    two_workers = run_dedup(candidates, tmp_path, options, max_rounds=MAX_ROUNDS)
    assert len(one_worker) > 100
    assert sorted(two_workers) == sorted(one_worker)
