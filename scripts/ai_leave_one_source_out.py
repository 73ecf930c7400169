"""Leave-one-source-out check of the AI detector: the datasheet's "Unseen sources" table
(docs/ai-detector-datasheet.md).

    .venv/bin/python scripts/ai_leave_one_source_out.py [--corpus data/ai_corpus]

The committed split keeps neighbouring chunks together (`group`) but every human source has
chunks in train, valid and test, so the held-out figures measure sources the model has seen.
Here, for each human `source`, a model is trained exactly as the shipped one (its card's
hyper-parameters, seed and quantisation) on the training split without that source, and
scores the source's valid and test chunks; the shipped model scores the same chunks for
comparison. Scores are the classifier's (`ai_model_score`): marker phrases do not depend on
the training data. Flagged means above the shipped threshold, as the pipeline flags.

AUC per source: the valid+test machine-written documents against that source's chunks, both
scored by the source's model. The pooled AUC is the share of (machine-written, human) pairs
ranked right, each pair scored by the model that never saw the human chunk's source (the mean
of the per-source AUCs weighted by chunks).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transforms.ai_detect import DEFAULT_MODEL_PATH, AiScorer, read_model_card  # noqa: E402
from transforms.ai_training import SEED, card_params, fit_model, load_examples, roc_auc  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / "data" / "ai_corpus"


def flagged(scores: list[float], threshold: float) -> int:
    return sum(1 for s in scores if s > threshold)


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    shipped = AiScorer.load(None)
    card = read_model_card(DEFAULT_MODEL_PATH)
    params, seed = card_params(card), card["hyperparameters"].get("seed", SEED)
    quantize, threshold = card["hyperparameters"].get("quantized", True), shipped.threshold
    train = load_examples(args.corpus / "train")
    held = load_examples(args.corpus / "valid") + load_examples(args.corpus / "test")
    ai_texts = [e.text for e in held if e.label == 1]
    print(
        f"model {shipped.version} ({Path(DEFAULT_MODEL_PATH).name}), threshold {threshold:.4f}, {params}"
    )

    refit = AiScorer(fit_model(train, params, seed, quantize), "refit")
    same = refit.model_scores(ai_texts) == shipped.model_scores(ai_texts)
    print(f"refit on the whole training split scores as the shipped model: {same}")

    rows, pairs, ranked = [], 0, 0.0
    sources = sorted({str(e.meta.get("source")) for e in train if e.label == 0})
    for source in sources:
        texts = [e.text for e in held if e.label == 0 and e.meta.get("source") == source]
        if not texts:
            continue
        kept = [e for e in train if e.label == 1 or e.meta.get("source") != source]
        model = AiScorer(fit_model(kept, params, seed, quantize), "loso")
        seen, unseen = shipped.model_scores(texts), model.model_scores(texts)
        auc = roc_auc([1] * len(ai_texts) + [0] * len(texts), model.model_scores(ai_texts) + unseen)
        rows.append((source, len(texts), seen, unseen, auc))
        pairs += len(ai_texts) * len(texts)
        ranked += auc * len(ai_texts) * len(texts)
        print(
            f"{source:30s} {len(texts):4d} chunks  flagged seen {flagged(seen, threshold):3d}"
            f" unseen {flagged(unseen, threshold):3d}  mean score {mean(seen):.3f} -> "
            f"{mean(unseen):.3f}  AUC unseen {auc:.4f}",
            flush=True,
        )
    human_seen = [s for row in rows for s in row[2]]
    human_unseen = [s for row in rows for s in row[3]]
    ai_seen = shipped.model_scores(ai_texts)
    auc_seen = roc_auc([1] * len(ai_seen) + [0] * len(human_seen), ai_seen + human_seen)
    print(
        f"pooled: {len(human_seen)} human chunks, {len(ai_texts)} machine-written documents;"
        f" flagged {flagged(human_seen, threshold)} (shipped model, source seen) ->"
        f" {flagged(human_unseen, threshold)} (source held out); ROC AUC {auc_seen:.4f} ->"
        f" {ranked / pairs:.4f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
