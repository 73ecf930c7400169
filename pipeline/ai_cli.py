"""`ccprov ai train` and `ccprov ai eval`: build and measure the AI-text detector.

    ccprov ai train --data data/ai_corpus --out transforms/models/ai_detector-v1.ftz
    ccprov ai eval --model transforms/models/ai_detector-v1.ftz --data data/ai_corpus/test

pipeline/cli.py registers these with `add_ai_parser(subparsers)`; until then run them as
`python -m pipeline.ai_cli train|eval ...`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_USAGE = 2


def _fail(prog: str, message: str) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _one_line_errors(parser: argparse.ArgumentParser) -> None:
    """argparse prints the usage block before errors; keep it to one line as for other errors.

    A parser class that already handles errors its own way (ccprov's) is left alone.
    """
    if type(parser).error is not argparse.ArgumentParser.error:
        return

    def error(message: str):
        print(f"{parser.prog}: error: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)

    parser.error = error  # type: ignore[method-assign]


def add_ai_parser(subparsers) -> argparse.ArgumentParser:
    """Register `ai` with its `train` and `eval` subcommands on an argparse subparsers object."""
    ai = subparsers.add_parser("ai", help="train and evaluate the AI-generated-text detector")
    ai_sub = ai.add_subparsers(dest="ai_command", metavar="{train,eval}")
    ai_sub.required = True

    train = ai_sub.add_parser("train", help="train a quantised fastText detector on labelled data")
    train.add_argument(
        "--data", required=True, help="JSONL/Parquet file or folder (train/ and valid/ if present)"
    )
    train.add_argument(
        "--out",
        required=True,
        help="model file to write (.ftz); a .json model card goes next to it",
    )
    train.add_argument(
        "--seed", type=int, default=None, help="random seed (default: the fixed project seed)"
    )
    train.add_argument("--quick", action="store_true", help="search a small grid (for smoke tests)")
    train.add_argument("--no-quantize", action="store_true", help="keep the full-size model")

    evaluate = ai_sub.add_parser(
        "eval", help="ROC AUC, precision, recall, F1 and confusion matrix on held-out data"
    )
    evaluate.add_argument("--model", default=None, help="model file (default: the shipped model)")
    evaluate.add_argument(
        "--data", required=True, help="JSONL/Parquet file or folder of labelled data"
    )
    evaluate.add_argument(
        "--threshold", type=float, default=None, help="decision threshold (default: the model's)"
    )
    evaluate.add_argument("--json", action="store_true", help="print the full report as JSON")

    for parser in (ai, train, evaluate):
        _one_line_errors(parser)
    ai.set_defaults(handler=run_ai)
    return ai


QUICK_GRID = {"dim": [16], "wordNgrams": [2], "minn_maxn": [(0, 0)], "epoch": [25], "lr": [0.3]}


def run_ai(args: argparse.Namespace) -> int:
    """Handler for `ccprov ai ...`; returns the process exit code."""
    from transforms.ai_training import (
        SEED,
        DataError,
        evaluate_detector,
        format_report,
        train_detector,
    )

    prog = f"ccprov ai {args.ai_command}"
    try:
        if args.ai_command == "train":
            out = Path(args.out)
            if out.exists() and out.is_dir():
                return _fail(prog, f"--out must be a file path, {out} is a directory")
            if out.suffix.lower() == ".json":  # the card would overwrite the model
                return _fail(
                    prog,
                    f"--out {out}: the model card is written as {out.stem}.json "
                    "next to the model; name the model .ftz (or .bin)",
                )
            if args.seed is not None and not 0 <= args.seed < 2**31:
                return _fail(prog, "--seed must be within [0, 2147483647]")
            problem = _unwritable(out)
            if problem:  # before training, which can take a long while
                return _fail(prog, f"--out {out}: {problem}")
            card = train_detector(
                args.data,
                out,
                grid=QUICK_GRID if args.quick else None,
                seed=SEED if args.seed is None else args.seed,
                quantize=not args.no_quantize,
                log=lambda line: print(line, file=sys.stderr),
            )
            valid = card["validation"]
            print(f"wrote {out} ({card['size_bytes']} bytes), version {card['version']}")
            print(
                f"validation: ROC AUC {valid['roc_auc']:.4f}, F1 {valid['f1']:.4f} "
                f"at threshold {card['threshold']:.4f}; hyper-parameters {card['hyperparameters']}"
            )
            return 0
        if args.threshold is not None and not 0.0 <= args.threshold <= 1.0:
            return _fail(prog, "--threshold must be within [0, 1]")
        if args.model is not None and not Path(args.model).is_file():
            where = " (ccprov ai reads local files; ccprov run also takes s3:// and gs://)"
            return _fail(prog, f"model file not found: {args.model}{where * ('://' in args.model)}")
        report = evaluate_detector(args.model, args.data, args.threshold)
        print(json.dumps(report, indent=2, sort_keys=True) if args.json else format_report(report))
        return 0
    except DataError as exc:
        return _fail(prog, str(exc))
    except (OSError, ValueError) as exc:  # unreadable files, bad model file
        return _fail(prog, f"{type(exc).__name__}: {exc}".splitlines()[0])


def _unwritable(out: Path) -> str | None:
    """Why the model (and its card) could not be written at `out`, or None: the nearest
    existing folder above it is a file, or a probe file cannot be created in it."""
    import tempfile

    folder = out.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is not a directory"
    if out.exists() and not os.access(out, os.W_OK):
        return f"{out} is not writable"
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return f"cannot write in {folder}: {exc.strerror or exc}"
    return None


def main(argv: list[str] | None = None) -> int:
    try:  # the ccprov CLI hides Beam's import-time warnings; do the same when run alone
        from pipeline.cli import _setup_logging

        _setup_logging()
    except ImportError:
        pass
    parser = argparse.ArgumentParser(prog="ccprov")
    _one_line_errors(parser)
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_ai_parser(subparsers)
    # `python -m pipeline.ai_cli train ...` is short for `ccprov ai train ...`.
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] != ["ai"] and argv[:1] != ["-h"] and argv[:1] != ["--help"]:
        argv = ["ai", *argv]
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
