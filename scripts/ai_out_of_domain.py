"""The AI detector on real crawled pages it was not trained on: the datasheet's out-of-domain
table (docs/ai-detector-datasheet.md).

    .venv/bin/python scripts/ai_out_of_domain.py [--warcs ../shared/warcs] [--files NAME ...]

Every HTML response of each file is read with the pipeline's reader, its text extracted with
the pipeline's `extract_text` (trafilatura, FineWeb's settings) and scored with the shipped
model; no filter is applied, so pages the pipeline would drop (language, quality) are scored
too. Prints per file: pages scored, pages above the model's threshold (`ai_score >
threshold`, as the pipeline flags), the median, the share below 0.25, and each flagged page
with its score.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transforms.ai_detect import AiScorer  # noqa: E402
from transforms.extraction import extract_text  # noqa: E402
from transforms.warc_reader import read_warc_file  # noqa: E402

DEFAULT_WARCS = Path(__file__).resolve().parents[1].parent / "shared" / "warcs"
DEFAULT_FILES = ("wget-homepages.warc.gz", "whirlwind.warc.gz")


def page_texts(path: Path) -> list[tuple[str, str]]:
    """(url, extracted text) of every HTML response with main text."""
    docs, _ = read_warc_file(str(path), 0)
    out = []
    for doc in docs:
        if doc.html and doc.alive:
            text = extract_text(doc.html)
            if text:
                out.append((doc.url or "", text))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warcs", type=Path, default=DEFAULT_WARCS)
    parser.add_argument("--files", nargs="+", default=list(DEFAULT_FILES))
    args = parser.parse_args()
    scorer = AiScorer.load(None)
    print(f"model {scorer.version}, threshold {scorer.threshold:.4f}")
    for name in args.files:
        path = args.warcs / name
        if not path.is_file():
            print(f"{name}: not found under {args.warcs}")
            continue
        pages = page_texts(path)
        scores = [s.ai_score for s in scorer.score_documents([text for _, text in pages])]
        flagged = [(u, s) for (u, _), s in zip(pages, scores, strict=True) if s > scorer.threshold]
        low = sum(1 for s in scores if s < 0.25)
        median = statistics.median(scores) if scores else float("nan")
        print(
            f"{name}: {len(pages)} pages scored, {len(flagged)} flagged, median {median:.4f},"
            f" {low} of {len(pages)} below 0.25"
        )
        for url, score in flagged:
            print(f"  flagged {score:.4f} {url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
