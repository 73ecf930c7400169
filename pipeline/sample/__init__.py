"""The built-in sample WARC (`ccprov run` with no input) and its ground truth.

`SAMPLE_WARC` is a small Common-Crawl-like WARC written by `pipeline.sample.generate`;
`GROUND_TRUTH` describes every record in it and what the pipeline should decide about it.
`pipeline.sample.synth` writes large synthetic WARC files for volume tests and benchmarks.
"""

from __future__ import annotations

import json
from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parent
SAMPLE_WARC = SAMPLE_DIR / "sample.warc.gz"
GROUND_TRUTH = SAMPLE_DIR / "ground_truth.json"


def load_ground_truth(path: str | Path = GROUND_TRUTH) -> dict:
    """The ground truth as a dict: {"records": [{"warc_record_id", "url", "warc_type", "kind",
    "is_html_response", "in_ledger", "expect"?...}, ...], ...} in file order."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def expected_by_url(truth: dict | None = None) -> dict[str, dict]:
    """Response records only, keyed by URL (every response URL in the sample is unique)."""
    truth = load_ground_truth() if truth is None else truth
    return {row["url"]: row for row in truth["records"] if row["warc_type"] == "response"}


__all__ = ["GROUND_TRUTH", "SAMPLE_DIR", "SAMPLE_WARC", "expected_by_url", "load_ground_truth"]
