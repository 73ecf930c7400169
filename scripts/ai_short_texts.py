"""How the AI detector's false positives grow as texts get shorter: the datasheet's "Short
texts" table (docs/ai-detector-datasheet.md).

    .venv/bin/python scripts/ai_short_texts.py [--data data/ai_corpus/test]

Every document of the held-out split is cut to its first N words (Japanese, written without
spaces: its first 2.3 N characters, the corpus's characters per word) and scored with the
shipped model; a document counts as flagged when its final `ai_score` is above the model's
threshold, as the pipeline flags. Prints, per length, the human documents flagged (false
positives) and the machine-written ones flagged (recall).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transforms.ai_detect import AiScorer  # noqa: E402
from transforms.ai_training import Example, load_examples  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "data" / "ai_corpus" / "test"
LENGTHS = (20, 40, 80, None)  # None: the whole document
CHARS_PER_WORD_JA = 2.3  # human chunks: 225-600 characters for 101-260 words elsewhere


def truncate(example: Example, words: int | None) -> str:
    """The first `words` words of the text, line breaks kept (list markers read as such)."""
    if words is None:
        return example.text
    if example.meta.get("lang") == "ja":
        return example.text[: round(words * CHARS_PER_WORD_JA)]
    kept, count = [], 0
    for line in example.text.splitlines():
        tokens = line.split()
        kept.append(" ".join(tokens[: words - count]))
        count += len(tokens)
        if count >= words:
            break
    return "\n".join(kept)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    scorer = AiScorer.load(None)
    examples = load_examples(args.data)
    print(f"model {scorer.version}, threshold {scorer.threshold:.4f}")
    for words in LENGTHS:
        scores = scorer.score_texts([truncate(e, words) for e in examples])
        for label, name in ((0, "human flagged"), (1, "machine-written flagged")):
            picked = [(e, s) for e, s in zip(examples, scores, strict=True) if e.label == label]
            hits = [e for e, s in picked if s > scorer.threshold]
            non_ja = [e for e, _ in picked if e.meta.get("lang") != "ja"]
            hits_non_ja = [e for e in hits if e.meta.get("lang") != "ja"]
            print(
                f"{'full' if words is None else words:>4} words  {name:24s}"
                f" {len(hits):3d} of {len(picked):3d} ({len(hits) / len(picked):5.1%});"
                f" without Japanese {len(hits_non_ja)} of {len(non_ja)}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
