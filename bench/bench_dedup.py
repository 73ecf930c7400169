"""Throughput and peak memory of the whole dedup stage (`Deduplicate`) on generated documents.

    .venv/bin/python bench/bench_dedup.py [--sizes 10000 100000] [--mode minhash]
    .venv/bin/python bench/bench_dedup.py --chain 1000 3000 [--seeds 1 2]
    .venv/bin/python bench/bench_dedup.py --families 8 30 [--docs 12000]

Each measurement runs in its own process on the FnApiRunner, in memory, one worker (so the
figures are per core): first a pipeline that only generates the candidates, then the same
pipeline followed by `Deduplicate`; the dedup stage's cost is the difference in the
process's CPU time (wall time is printed too, but moves with other loads on the machine). Documents are
1-2 KB; per generated shard 75% are fresh, 15% near duplicates (1-5% of words edited) and
10% exact duplicates up to case and punctuation of an earlier document.

`--chain` measures clustering, not speed: a chain of N pages where page i is a window of 28
generated sentences starting at sentence i (neighbours' 5-gram Jaccard is 0.93), with random
priorities. It prints the clusters `Deduplicate` finds and the clusters an ideal LSH with
the same verification would find: every pair of pages sharing a bucket, verified against the
0.75 threshold (quadratic, in memory; fine for a few thousand pages).

`--families` runs `Deduplicate` over families of near copies (a random 300-word text, each
copy with 3 words replaced; Jaccard about 0.9 within a family) in one process and prints
how many documents it put in a cluster (all of them, ideally), the run's CPU s and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import resource
import string
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import apache_beam as beam
import numpy as np
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_minhash import make_texts  # noqa: E402

from transforms.dedup import LSH_PARAMS, DedupCandidate, Deduplicate  # noqa: E402
from transforms.minhash import MinHasher, band_hashes, estimate_jaccard  # noqa: E402

DOCS_PER_SHARD = 1000


def make_shard(shard: int, docs: int) -> list[DedupCandidate]:
    rng = np.random.default_rng(1000 + shard)
    texts = make_texts(docs, seed=shard)
    out = []
    for i, text in enumerate(texts):
        draw = rng.random()
        if i and draw < 0.15:
            words = out[int(rng.integers(len(out)))].text.split(" ")
            for j in rng.integers(0, len(words), max(1, int(len(words) * rng.uniform(0.01, 0.05)))):
                words[j] = "edit"
            text = " ".join(words)
        elif i and draw < 0.25:
            text = out[int(rng.integers(len(out)))].text.upper() + " !"
        doc_id = f"s{shard:05d}-{i:06d}"
        out.append(
            DedupCandidate(doc_id, shard, text, (bool(draw < 0.5), f"2024-{i % 12:02d}", doc_id))
        )
    return out


def _write(value, path: str) -> None:
    Path(path).write_bytes(pickle.dumps(value))


def _cpu_seconds() -> float:
    """CPU time of this process: unlike wall time, not inflated by other loads on the host."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(size: int, mode: str, kind: str) -> dict:
    shards = [
        (s, min(DOCS_PER_SHARD, size - s * DOCS_PER_SHARD))
        for s in range(-(-size // DOCS_PER_SHARD))
    ]
    out = Path(tempfile.mkdtemp()) / "count.pkl"
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    with beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions([])) as pipeline:
        candidates = (
            pipeline
            | beam.Create(shards, reshuffle=False)
            | beam.Reshuffle()
            | beam.FlatMap(lambda shard: make_shard(*shard))
        )
        result = candidates if kind == "generate" else candidates | Deduplicate(mode=mode)
        _ = result | beam.combiners.Count.Globally() | beam.Map(_write, str(out))
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": _cpu_seconds() - cpu_start,
        "elements": pickle.loads(out.read_bytes()),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


CHAIN_WINDOW = 28  # sentences a page


def letter_words(rng: random.Random, count: int) -> list[str]:
    """Words of letters only: normalisation turns every digit into 0, so words like `w123`
    would collapse into a handful of shingles."""
    return ["".join(rng.choices(string.ascii_lowercase, k=7)) for _ in range(count)]


def make_chain(pages: int, seed: int) -> list[DedupCandidate]:
    rng = random.Random(seed)
    vocabulary = letter_words(rng, 5000)
    sentences = [" ".join(rng.choices(vocabulary, k=12)) + "." for _ in range(pages + CHAIN_WINDOW)]
    return [
        DedupCandidate(f"p{i:06d}", i, " ".join(sentences[i : i + CHAIN_WINDOW]), (rng.random(), i))
        for i in range(pages)
    ]


def _cluster_sizes(labels: dict) -> list[int]:
    sizes = defaultdict(int)
    for label in labels.values():
        sizes[label] += 1
    return sorted((size for size in sizes.values() if size > 1), reverse=True)


def ideal_clusters(candidates: list[DedupCandidate], threshold: float = 0.75) -> list[int]:
    """Cluster sizes when every pair sharing an LSH bucket is verified (union-find)."""
    p = LSH_PARAMS
    hasher = MinHasher(
        p["num_bands"] * p["rows_per_band"], p["seed"], p["ngram_size"], p["scheme"], p["hashfunc"]
    )
    signatures = hasher.sign([c.text for c in candidates]).signatures
    buckets = defaultdict(list)
    for i, bands in enumerate(band_hashes(signatures, p["num_bands"], p["rows_per_band"])):
        for band in bands.tolist():
            buckets[band].append(i)
    parent = list(range(len(candidates)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs = {(a, b) for members in buckets.values() for a in members for b in members if a < b}
    for a, b in pairs:
        if estimate_jaccard(signatures[a], signatures[b]) >= threshold:
            parent[root(a)] = root(b)
    return _cluster_sizes({i: root(i) for i in range(len(candidates))})


def chain_clusters(candidates: list[DedupCandidate]) -> list[int]:
    out = Path(tempfile.mkdtemp()) / "decisions.pkl"
    with beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions([])) as pipeline:
        _ = (
            pipeline
            | beam.Create(candidates, reshuffle=False)
            | Deduplicate()
            | beam.combiners.ToList()
            | beam.Map(_write, str(out))
        )
    decisions = pickle.loads(out.read_bytes())
    return _cluster_sizes({d.doc_id: d.dedup_cluster for d in decisions})


def make_families(family_size: int, docs: int) -> list[DedupCandidate]:
    rng = random.Random(5)
    vocabulary = letter_words(rng, 20000)
    out = []
    for family in range(docs // family_size):
        base = rng.choices(vocabulary, k=300)
        for copy in range(family_size):
            words = list(base)
            for position in rng.sample(range(300), 3):
                words[position] = rng.choice(vocabulary)
            doc_id = f"f{family}-{copy}"
            out.append(DedupCandidate(doc_id, 0, " ".join(words), (rng.random(), doc_id)))
    return out


def make_boilerplate(docs: int) -> list[DedupCandidate]:
    """Pages sharing 300 words of boilerplate, each with 60 words of its own: every pair's
    5-gram Jaccard is 0.71, under the 0.75 threshold, so no two should be merged (only the
    estimate's noise merges them)."""
    rng = random.Random(7)
    boilerplate = " ".join(letter_words(rng, 300))
    return [
        DedupCandidate(
            f"b{i:07d}", i, boilerplate + " " + " ".join(letter_words(rng, 60)), (rng.random(), i)
        )
        for i in range(docs)
    ]


def families_child(kind: str, family_size: int, docs: int) -> dict:
    candidates = make_families(family_size, docs) if kind == "families" else make_boilerplate(docs)
    out = Path(tempfile.mkdtemp()) / "decisions.pkl"
    cpu_start = _cpu_seconds()
    with beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions([])) as pipeline:
        _ = (
            pipeline
            | beam.Create(candidates, reshuffle=False)
            | Deduplicate()
            | beam.Map(lambda d: (d.doc_id, d.dedup_cluster))
            | beam.combiners.ToList()
            | beam.Map(_write, str(out))
        )
    clusters = dict(pickle.loads(out.read_bytes()))
    families = defaultdict(set)  # family -> its clusters (None: a member in no cluster)
    members = defaultdict(set)  # cluster -> the families in it
    for candidate in candidates:
        family = candidate.doc_id.split("-")[0]
        cluster = clusters.get(candidate.doc_id)
        families[family].add(cluster)
        if cluster is not None:
            members[cluster].add(family)
    sizes = defaultdict(int)
    for cluster in clusters.values():
        sizes[cluster] += 1
    return {
        "documents": len(candidates),
        "clustered": len(clusters),
        "families_split": sum(1 for found in families.values() if len(found) > 1 or None in found),
        "clusters_mixing_families": sum(1 for found in members.values() if len(found) > 1),
        "largest_cluster": max(sizes.values(), default=0),
        "cpu_seconds": _cpu_seconds() - cpu_start,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--mode", default="minhash", choices=["exact", "minhash"])
    parser.add_argument("--child", nargs=3, metavar=("SIZE", "MODE", "KIND"))
    parser.add_argument("--chain", type=int, nargs="+", metavar="PAGES")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--families", type=int, nargs="+", metavar="FAMILY_SIZE")
    parser.add_argument("--docs", type=int, default=12000)
    parser.add_argument("--boilerplate", type=int, metavar="DOCS")
    parser.add_argument("--families-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.families_child:
        kind, family_size, docs = args.families_child
        print(json.dumps(families_child(kind, int(family_size), int(docs))))
        return
    runs = [("families", size, args.docs) for size in args.families or []]
    if args.boilerplate:
        runs.append(("boilerplate", 1, args.boilerplate))
    for kind, family_size, docs in runs:
        command = [sys.executable, __file__, "--families-child", kind, str(family_size), str(docs)]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        run = json.loads(done.stdout.strip().splitlines()[-1])
        what = f"families of {family_size}" if kind == "families" else "boilerplate pages"
        print(
            f"{what}: {run['clustered']:,} of {run['documents']:,} documents clustered,"
            f" {run['families_split']:,} families split, {run['clusters_mixing_families']:,}"
            f" clusters mixing families, largest cluster {run['largest_cluster']:,};"
            f" {run['cpu_seconds']:.1f} CPU s, peak RSS {run['peak_rss_mb']:.0f} MB"
        )
    if runs:
        return
    if args.chain:
        for pages in args.chain:
            for seed in args.seeds:
                candidates = make_chain(pages, seed)
                found, ideal = chain_clusters(candidates), ideal_clusters(candidates)
                print(
                    f"chain of {pages} pages, seed {seed}: Deduplicate {len(found)} clusters"
                    f" {found[:6]}; ideal (every bucket pair verified) {len(ideal)} {ideal[:6]}"
                )
        return
    if args.child:
        size, mode, kind = args.child
        print(json.dumps(child(int(size), mode, kind)))
        return
    for size in args.sizes:
        runs = {}
        for kind in ("generate", "dedup"):
            command = [sys.executable, __file__, "--child", str(size), args.mode, kind]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            runs[kind] = json.loads(done.stdout.strip().splitlines()[-1])
        dedup_cpu = runs["dedup"]["cpu_seconds"] - runs["generate"]["cpu_seconds"]
        dedup_wall = runs["dedup"]["seconds"] - runs["generate"]["seconds"]
        print(
            f"{size:>7} docs mode={args.mode}: dedup stage {dedup_cpu:.1f} CPU s ="
            f" {size / dedup_cpu:,.0f} docs/s/core (wall {dedup_wall:.1f} s);"
            f" whole run {runs['dedup']['cpu_seconds']:.1f} CPU s, generation alone"
            f" {runs['generate']['cpu_seconds']:.1f} CPU s; {runs['dedup']['elements']} decisions;"
            f" peak RSS {runs['dedup']['peak_rss_mb']:.0f} MB"
            f" (generation alone {runs['generate']['peak_rss_mb']:.0f} MB)"
        )


if __name__ == "__main__":
    main()
