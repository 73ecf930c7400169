"""Throughput and peak memory of the whole dedup stage (`Deduplicate`) on generated documents.

    .venv/bin/python bench/bench_dedup.py [--sizes 10000 100000] [--mode minhash]

Each measurement runs in its own process on the FnApiRunner, in memory, one worker (so the
figures are per core): first a pipeline that only generates the candidates, then the same
pipeline followed by `Deduplicate`; the dedup stage's cost is the difference in the
process's CPU time (wall time is printed too, but moves with other loads on the machine). Documents are
1-2 KB; per generated shard 75% are fresh, 15% near duplicates (1-5% of words edited) and
10% exact duplicates up to case and punctuation of an earlier document.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import apache_beam as beam
import numpy as np
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_minhash import make_texts  # noqa: E402

from transforms.dedup import DedupCandidate, Deduplicate  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--mode", default="minhash", choices=["exact", "minhash"])
    parser.add_argument("--child", nargs=3, metavar=("SIZE", "MODE", "KIND"))
    args = parser.parse_args()
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
