"""Throughput of AI-text scoring (model + marker phrases), one process, one core.

    python bench/bench_ai_score.py [--docs 20000] [--batch 256] [--model PATH]

Documents are the labelled corpus in data/ai_corpus (all splits, human and machine-written,
100-400 words each, in five languages), repeated until --docs is reached, plus longer pages
built by joining several of them so that the cut-off (`MAX_SCORED_CHARS`, 1,200
characters) is exercised too.
Prints documents per second per core and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from transforms.ai_detect import AiScorer  # noqa: E402


def corpus_texts() -> list[str]:
    texts = []
    for path in sorted((REPO / "data" / "ai_corpus").rglob("*.jsonl.gz")):
        if path.parent.name in ("train", "valid", "test"):
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                texts.extend(json.loads(line)["text"] for line in fh if line.strip())
    if not texts:
        raise SystemExit("no corpus under data/ai_corpus; run scripts/build_ai_corpus.py split")
    # One page in five is long (about 5 documents joined), as real pages often are.
    long_pages = ["\n\n".join(texts[i : i + 5]) for i in range(0, len(texts), 5)]
    return texts + long_pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--model", default=None)
    args = parser.parse_args(argv)

    base = corpus_texts()
    docs = (base * (args.docs // len(base) + 1))[: args.docs]
    mean_chars = sum(len(t) for t in docs) / len(docs)
    scorer = AiScorer.load(args.model)
    scorer.score_texts(docs[:64])  # warm-up

    cpu0, wall0 = time.process_time(), time.perf_counter()
    for start in range(0, len(docs), args.batch):
        scorer.score_texts(docs[start : start + args.batch])
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0

    # fastText's predict and the regular expressions run on one thread, so CPU time is the
    # time of one core; docs/s/core = documents / CPU seconds.
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"model            {scorer.version}")
    print(f"documents        {len(docs)} (mean {mean_chars:.0f} chars), batch {args.batch}")
    print(f"wall time        {wall:.2f} s  ({len(docs) / wall:.0f} docs/s)")
    print(f"cpu time         {cpu:.2f} s")
    print(f"docs/s/core      {len(docs) / cpu:.0f}")
    print(f"peak RSS         {peak_rss_mb:.0f} MB")
    print(f"cores available  {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
