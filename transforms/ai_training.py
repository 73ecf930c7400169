"""Training and evaluation of the AI-text detector (`ccprov ai train` / `ccprov ai eval`).

Data: labelled JSONL (optionally .gz) or Parquet files with a `text` column and a `label`
column holding "ai"/"human" or 1/0. A folder with `train/` and `valid/` subfolders is split
that way; any other folder or file is split 85/15 with a fixed seed, keeping records of one
`group` together. Training tunes fastText's
hyper-parameters on the validation split (ROC AUC), retrains the best configuration, quantises
it and writes MODEL plus a JSON model card next to it (version, F1-optimal threshold, metrics).
"""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import json
import random
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from transforms.ai_detect import (
    AI_LABEL,
    HUMAN_LABEL,
    MAX_SCORED_CHARS,
    AiScorer,
    model_version,
    normalize_text,
)

SEED = 20221130
VALID_SHARE = 0.15
SPLITS = ("train", "valid", "test")
DATA_SUFFIXES = (".jsonl", ".jsonl.gz", ".json.gz", ".parquet")

# Searched in this order; the first configuration wins ties, so cheaper settings come first.
DEFAULT_GRID = {
    "dim": [16, 32],
    "wordNgrams": [1, 2],
    "minn_maxn": [(0, 0), (4, 4)],  # (3, 5) scored the same on valid but predicts slower
    "epoch": [25, 50],
    "lr": [0.1, 0.3],
}
# `bucket` stays at fastText's default (2M): with fasttext-numpy2 0.10, any other value made
# training non-deterministic (and sometimes diverge) for the same seed and thread=1.
FIXED_PARAMS = {"loss": "softmax", "minCount": 2, "thread": 1, "verbose": 0}
# The shipped threshold flags at most this share of the human validation documents.
MAX_FALSE_POSITIVE_RATE = 0.05
QUANTIZE_PARAMS = {"qnorm": True, "retrain": True, "cutoff": 50_000, "dsub": 2}


class DataError(ValueError):
    """Unreadable or unlabelled training/evaluation data (reported as a one-line CLI error)."""


@dataclasses.dataclass
class Example:
    text: str
    label: int  # 1 = ai, 0 = human
    meta: dict = dataclasses.field(default_factory=dict)


# ---------------------------------------------------------------- data


def parse_label(value) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return int(value)
    if isinstance(value, str) and value.strip().lower() in ("ai", "1", "human", "0"):
        return 1 if value.strip().lower() in ("ai", "1") else 0
    raise DataError(f"label must be 'ai'/'human' or 1/0, got {value!r}")


def data_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise DataError(f"no such file or directory: {path}")
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(DATA_SUFFIXES))
    if not files:
        raise DataError(f"no .jsonl, .jsonl.gz or .parquet files under {path}")
    return files


def _records(path: Path) -> Iterable[dict]:
    if path.name.endswith(".parquet"):
        import pyarrow.parquet as pq

        yield from pq.read_table(path).to_pylist()
        return
    opener = gzip.open if path.name.endswith(".gz") else open
    line_no = 0
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise DataError(f"{path}:{line_no}: not JSON ({exc.msg})") from None
                    if not isinstance(record, dict):
                        raise DataError(f"{path}:{line_no}: not a JSON object")
                    yield record
    except (EOFError, zlib.error) as exc:  # a truncated or damaged .gz
        raise DataError(f"{path}: after line {line_no}: {exc}") from None


def load_examples(path: str | Path) -> list[Example]:
    """All labelled examples from a file or (recursively) a folder."""
    examples = []
    for file in data_files(Path(path)):
        for record in _records(file):
            if "text" not in record or "label" not in record:
                raise DataError(f"{file}: every record needs 'text' and 'label' fields")
            if record["text"]:
                meta = {k: v for k, v in record.items() if k not in ("text", "label")}
                examples.append(Example(str(record["text"]), parse_label(record["label"]), meta))
    if not examples:
        raise DataError(f"no labelled examples in {path}")
    return examples


def split_folders(path: Path) -> list[str]:
    """The split subfolders (train/, valid/, test/) that `path` holds."""
    return [name for name in SPLITS if (path / name).is_dir()]


def check_eval_data(path: str | Path) -> None:
    """Refuse a corpus folder that holds its splits: evaluating it would read the training
    data (and, in data/ai_corpus, the pools the splits were cut from, every text twice)."""
    splits = split_folders(Path(path))
    if splits:
        hint = f"{Path(path) / 'test'}" if "test" in splits else f"one of {', '.join(splits)}"
        raise DataError(
            f"{path} holds the splits {'/, '.join(splits)}/: pass the held-out one, e.g. --data {hint}"
        )


def load_train_valid(path: str | Path, seed: int = SEED) -> tuple[list[Example], list[Example]]:
    """train/ + valid/ subfolders when present, else a seeded split stratified by label, by
    `group` when the records have one (neighbouring chunks of one page stay together)."""
    path = Path(path)
    if {"train", "valid"} <= set(split_folders(path)):
        return load_examples(path / "train"), load_examples(path / "valid")
    examples = load_examples(path)
    if any(e.meta.get("group") is not None for e in examples):
        return split_by_group(examples, seed)
    rng = random.Random(seed)
    train, valid = [], []
    for label in (0, 1):
        subset = [e for e in examples if e.label == label]
        rng.shuffle(subset)
        cut = max(1, round(len(subset) * VALID_SHARE)) if len(subset) > 1 else 0
        valid.extend(subset[:cut])
        train.extend(subset[cut:])
    return train, valid


def split_by_group(
    examples: Sequence[Example], seed: int = SEED
) -> tuple[list[Example], list[Example]]:
    """Whole groups, drawn at random per label, go to valid while they fit in VALID_SHARE of
    that label's examples (a group too large to fit is passed over, so one large group cannot
    take a label's whole valid side); when none fits, the smallest goes, if another is left
    for training. A record without a group is a group of its own; a group holding both labels
    goes where its first label sends it, and counts for both."""
    keys = [
        ("group", str(e.meta["group"])) if e.meta.get("group") is not None else ("record", i)
        for i, e in enumerate(examples)
    ]
    rng = random.Random(seed)
    valid_keys: set = set()
    placed: set = set()
    for label in (0, 1):
        sizes = Counter(k for k, e in zip(keys, examples, strict=True) if e.label == label)
        target = max(1, round(sum(sizes.values()) * VALID_SHARE)) if sum(sizes.values()) > 1 else 0
        taken = sum(n for group, n in sizes.items() if group in valid_keys)
        groups = sorted(set(sizes) - placed)
        rng.shuffle(groups)
        for group in groups:
            if taken + sizes[group] <= target:
                valid_keys.add(group)
                taken += sizes[group]
        if not taken and target and len(sizes) > 1 and groups:
            smallest = min(groups, key=lambda group: sizes[group])
            valid_keys.add(smallest)
        placed.update(groups)
    _give_each_side_both_labels(keys, examples, valid_keys)
    valid = [e for k, e in zip(keys, examples, strict=True) if k in valid_keys]
    train = [e for k, e in zip(keys, examples, strict=True) if k not in valid_keys]
    return train, valid


def _give_each_side_both_labels(keys: list, examples: Sequence[Example], valid_keys: set) -> None:
    """Groups holding both labels can leave a side without one (every AI group already sent
    to train with a human group): move the smallest group that has it, where the other side
    keeps the label."""
    labels_of: dict = {}
    size_of: Counter = Counter(keys)
    for key, example in zip(keys, examples, strict=True):
        labels_of.setdefault(key, set()).add(example.label)
    for label in (0, 1):
        for to_valid in (True, False):
            side = {k for k in labels_of if (k in valid_keys) == to_valid}
            other = set(labels_of) - side
            if any(label in labels_of[k] for k in side):
                continue
            donors = sorted(
                (k for k in other if label in labels_of[k]), key=lambda k: (size_of[k], str(k))
            )
            for donor in donors:
                if any(label in labels_of[k] for k in other - {donor}):
                    (valid_keys.add if to_valid else valid_keys.discard)(donor)
                    break


def check_both_labels(examples: Sequence[Example], what: str) -> None:
    labels = {e.label for e in examples}
    if labels != {0, 1}:
        raise DataError(f"{what} needs both 'ai' and 'human' examples")


# ---------------------------------------------------------------- metrics


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties)."""
    y = np.asarray(labels, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def classification_metrics(
    labels: Sequence[int], scores: Sequence[float], threshold: float
) -> dict:
    """Precision, recall, F1 and the confusion matrix for `score > threshold` = ai."""
    y = np.asarray(labels, dtype=bool)
    pred = np.asarray(scores, dtype=np.float64) > threshold
    tp, fp = int((pred & y).sum()), int((pred & ~y).sum())
    fn, tn = int((~pred & y).sum()), int((~pred & ~y).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": threshold,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "accuracy": (tp + tn) / len(y) if len(y) else 0.0,
        "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
    }


def best_f1_threshold(
    labels: Sequence[int], scores: Sequence[float], max_fpr: float | None = None
) -> float:
    """The threshold (midway between neighbouring scores) with the highest F1.

    With `max_fpr`, only thresholds that flag at most that share of the human examples are
    considered (a drop policy should rarely remove human text); if none does, plain best F1.
    """
    unique = np.unique(np.asarray(scores, dtype=np.float64))
    candidates = [0.5] + [float((a + b) / 2) for a, b in zip(unique[:-1], unique[1:], strict=True)]
    metrics = {t: classification_metrics(labels, scores, t) for t in candidates}
    if max_fpr is not None:
        n_human = sum(1 for y in labels if not y)

        def fpr(t: float) -> float:
            return metrics[t]["confusion"]["fp"] / n_human if n_human else 0.0

        allowed = [t for t in candidates if fpr(t) <= max_fpr]
        candidates = allowed or candidates
    best = max(candidates, key=lambda t: (round(metrics[t]["f1"], 9), -abs(t - 0.5)))
    return round(best, 4)


# ---------------------------------------------------------------- training


def _write_fasttext_file(examples: Sequence[Example], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for example in examples:
            text = normalize_text(example.text)
            if text:
                fh.write(f"{AI_LABEL if example.label else HUMAN_LABEL} {text}\n")


def _grid(grid: dict) -> list[dict]:
    keys = list(grid)
    configs = []
    for values in itertools.product(*(grid[k] for k in keys)):
        config = dict(zip(keys, values, strict=True))
        minn, maxn = config.pop("minn_maxn", (0, 0))
        configs.append({**config, "minn": minn, "maxn": maxn})
    return configs


def _train(train_file: Path, params: dict, seed: int):
    import fasttext

    fasttext.FastText.eprint = lambda *args, **kwargs: None
    return fasttext.train_supervised(input=str(train_file), seed=seed, **FIXED_PARAMS, **params)


def card_params(card: dict) -> dict:
    """The searched hyper-parameters of a model card (what `_train` takes besides the fixed
    ones), so that a model can be refitted exactly as shipped."""
    skip = {*FIXED_PARAMS, "seed", "quantized"}
    return {k: v for k, v in card["hyperparameters"].items() if k not in skip}


def fit_model(examples: Sequence[Example], params: dict, seed: int = SEED, quantize: bool = True):
    """One fastText model trained (and quantised) as `train_detector` trains the winner."""
    with tempfile.TemporaryDirectory(prefix="ccprov-ai-") as tmp:
        train_file = Path(tmp) / "train.txt"
        _write_fasttext_file(examples, train_file)
        return _fit(train_file, params, seed, quantize)


def _fit(train_file: Path, params: dict, seed: int, quantize: bool):
    """The shipped kind of model: trained, then quantised unless told not to."""
    model = _train(train_file, params, seed)
    if quantize:
        model.quantize(input=str(train_file), **QUANTIZE_PARAMS, thread=1, verbose=0)
    return model


def train_detector(
    data: str | Path,
    out: str | Path,
    grid: dict | None = None,
    seed: int = SEED,
    quantize: bool = True,
    log=print,
) -> dict:
    """Tune on the validation split, retrain the best configuration on train, quantise, save.

    Returns the model card that is also written to OUT with a .json suffix.
    """
    out = Path(out)
    train, valid = load_train_valid(data, seed)
    check_both_labels(train, "the training split")
    check_both_labels(valid, "the validation split")
    valid_texts = [e.text for e in valid]
    valid_labels = [e.label for e in valid]
    with tempfile.TemporaryDirectory(prefix="ccprov-ai-") as tmp:
        train_file = Path(tmp) / "train.txt"
        _write_fasttext_file(train, train_file)
        results = []
        for params in _grid(grid or DEFAULT_GRID):
            try:
                scorer = AiScorer(_train(train_file, params, seed), "tuning")
            except RuntimeError as exc:  # fastText diverges ("Encountered NaN") at high lr
                log(f"  skipped {params}: {exc}")
                continue
            auc = roc_auc(valid_labels, scorer.model_scores(valid_texts))
            results.append((auc, params))
            log(f"  valid AUC {auc:.4f}  {params}")
        if not results:
            raise DataError("every configuration failed to train")
        best_auc, best_params = max(results, key=lambda r: r[0])  # max keeps the first of ties
        model = _fit(train_file, best_params, seed, quantize)
        out.parent.mkdir(parents=True, exist_ok=True)
        model.save_model(str(out))
    scorer = AiScorer(model, model_version(out))
    valid_scores = scorer.model_scores(valid_texts)
    threshold = best_f1_threshold(valid_labels, valid_scores, MAX_FALSE_POSITIVE_RATE)
    card = {
        "version": scorer.version,
        "threshold": threshold,
        "hyperparameters": {**FIXED_PARAMS, **best_params, "seed": seed, "quantized": quantize},
        # The model only makes sense with the same text view (transforms.ai_detect.normalize_text).
        "max_scored_chars": MAX_SCORED_CHARS,
        "threshold_rule": f"best F1 on validation with false-positive rate <= {MAX_FALSE_POSITIVE_RATE}",
        "training_examples": {
            "ai": sum(e.label for e in train),
            "human": sum(1 - e.label for e in train),
        },
        "validation_examples": {
            "ai": sum(valid_labels),
            "human": len(valid_labels) - sum(valid_labels),
        },
        "validation": {
            "roc_auc": roc_auc(valid_labels, valid_scores),
            "roc_auc_before_quantization": best_auc,
            **classification_metrics(valid_labels, valid_scores, threshold),
        },
        "size_bytes": out.stat().st_size,
    }
    out.with_suffix(".json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", "utf-8")
    return card


# ---------------------------------------------------------------- evaluation


def evaluate_detector(
    model: str | Path | None, data: str | Path, threshold: float | None = None
) -> dict:
    """ROC AUC, precision/recall/F1 at the threshold, and the confusion matrix on DATA.

    Scores are the model's alone (`ai_model_score`) and, separately, the final `ai_score` with
    marker phrases. Subsets are reported when the records carry `lang` or `cliche_free`.
    """
    check_eval_data(data)
    scorer = AiScorer.load(model)
    examples = load_examples(data)
    check_both_labels(examples, "evaluation data")
    threshold = scorer.threshold if threshold is None else threshold
    labels = [e.label for e in examples]
    scored = scorer.score_documents([e.text for e in examples])
    model_scores = [s.ai_model_score for s in scored]
    final_scores = [s.ai_score for s in scored]
    report = {
        "model_version": scorer.version,
        "examples": {"ai": sum(labels), "human": len(labels) - sum(labels)},
        "roc_auc": roc_auc(labels, model_scores),
        **classification_metrics(labels, model_scores, threshold),
        "final_score": {
            "roc_auc": roc_auc(labels, final_scores),
            **classification_metrics(labels, final_scores, threshold),
        },
        "subsets": {},
    }
    human = [i for i, e in enumerate(examples) if e.label == 0]

    def subset(name: str, ai_idx: list[int], human_idx: list[int]) -> None:
        if ai_idx and human_idx:
            idx = ai_idx + human_idx
            report["subsets"][name] = {
                "ai": len(ai_idx),
                "human": len(human_idx),
                "roc_auc": roc_auc([labels[i] for i in idx], [model_scores[i] for i in idx]),
                "f1": classification_metrics(
                    [labels[i] for i in idx], [model_scores[i] for i in idx], threshold
                )["f1"],
            }

    subset(
        "cliche_free_ai_vs_human",
        [i for i, e in enumerate(examples) if e.label == 1 and e.meta.get("cliche_free")],
        human,
    )
    genres = {str(e.meta.get("genre")) for e in examples if e.label == 1} & {
        str(e.meta.get("genre")) for e in examples if e.label == 0
    }
    subset(
        "same_genres",
        [i for i, e in enumerate(examples) if e.label == 1 and str(e.meta.get("genre")) in genres],
        [i for i in human if str(examples[i].meta.get("genre")) in genres],
    )
    for lang in sorted({str(e.meta["lang"]) for e in examples if e.meta.get("lang")}):
        subset(
            f"lang={lang}",
            [i for i, e in enumerate(examples) if e.label == 1 and e.meta.get("lang") == lang],
            [i for i in human if examples[i].meta.get("lang") == lang],
        )
    return report


def format_report(report: dict) -> str:
    c = report["confusion"]
    lines = [
        f"model        {report['model_version']}",
        f"examples     ai={report['examples']['ai']} human={report['examples']['human']}",
        f"ROC AUC      {report['roc_auc']:.4f}",
        f"threshold    {report['threshold']:.4f}  (ai if score > threshold)",
        f"precision    {report['precision']:.4f}",
        f"recall       {report['recall']:.4f}",
        f"F1           {report['f1']:.4f}",
        "confusion    predicted ai  predicted human",
        f"  actual ai        {c['tp']:6d}  {c['fn']:6d}",
        f"  actual human     {c['fp']:6d}  {c['tn']:6d}",
        f"with markers ROC AUC {report['final_score']['roc_auc']:.4f}  F1 {report['final_score']['f1']:.4f}",
    ]
    for name, sub in report["subsets"].items():
        lines.append(
            f"subset {name:28s} ai={sub['ai']:4d} human={sub['human']:4d}  AUC {sub['roc_auc']:.4f}  F1 {sub['f1']:.4f}"
        )
    return "\n".join(lines)
