"""trafilatura with and without ccprov's speed-ups (transforms/trafilatura_speedups.py).

Two measurements on the HTML pages of one bench file, one process each:

* `selections`: every expression `compile_selection` handles, run on the raw trees as the
  guarded XPath and as the Python walk: ms a page for each, and a check that both select the
  same elements;
* `extract`: trafilatura with FineWeb's settings, as ccprov calls it (`extract_text`, speed-ups
  installed) and as trafilatura ships (`trafilatura.extract` in a fresh interpreter), rounds
  alternated: ms a page per mode, and whether the texts are identical.

Not the sandbox's garbage-collector setting (`tune_child_gc`), which only the child applies.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

MODES = ("trafilatura", "trafilatura-fast")
# trafilatura as it ships, with the settings and per-page cache clearing of extract_text.
PLAIN = """
import json, sys, time, trafilatura
from trafilatura.deduplication import LRU_TEST
pages, fast = json.load(open(sys.argv[1])), sys.argv[2] == "trafilatura-fast"
texts, started = [], time.process_time()
for page in pages:
    LRU_TEST.clear()
    text = trafilatura.extract(page, favor_precision=True, include_comments=False,
                               deduplicate=True, fast=fast)
    texts.append((text or "").strip() or None)
print(json.dumps([time.process_time() - started, texts]))
"""


def html_pages(warc: str, limit: int) -> list[str]:
    from transforms.warc_reader import read_warc_file

    docs, _ = read_warc_file(warc, 0)
    return [d.html for d in docs if d.html][:limit]


def selections(pages: list[str]) -> list[dict]:
    from lxml.etree import XPath
    from trafilatura.utils import load_html

    from transforms.trafilatura_speedups import REGEXP_NS, compile_selection, guard_regex_tests

    trees = [t for t in map(load_html, pages) if t is not None]
    expressions, seen = {}, set()
    for name, module in list(sys.modules.items()):
        if name.startswith("trafilatura"):
            for key, value in vars(module).items():
                for i, x in enumerate(value if isinstance(value, list) else [value]):
                    if isinstance(x, XPath) and id(x) not in seen:
                        seen.add(id(x))
                        expressions[f"{key}[{i}]"] = x
    rows = []
    for name, original in expressions.items():
        walk = compile_selection(original)
        if walk is None:
            continue
        guarded = XPath(guard_regex_tests(original.path), namespaces={"re": REGEXP_NS})
        same = all(walk(t) == original(t) for t in trees)
        timed = {}
        for label, selection in (("guarded_ms", guarded), ("walk_ms", walk)):
            started = time.process_time()
            for tree in trees:
                selection(tree)
            timed[label] = round(1000 * (time.process_time() - started) / len(trees), 3)
        rows.append({"expression": name, **timed, "same_selections": same})
    return rows


def extract(pages: list[str], rounds: int, tmp: Path) -> list[dict]:
    from transforms.extraction import extract_text

    (tmp / "pages.json").write_text(json.dumps(pages))
    rows = []
    for mode in MODES:
        extract_text(pages[0], mode)  # installs the speed-ups, warms up
        plain_ms, fast_ms, identical = [], [], True
        for _ in range(rounds):
            done = subprocess.run(
                [sys.executable, "-c", PLAIN, str(tmp / "pages.json"), mode],
                capture_output=True,
                text=True,
                check=True,
            )
            plain_cpu, plain_texts = json.loads(done.stdout)
            plain_ms.append(round(1000 * plain_cpu / len(pages), 2))
            started = time.process_time()
            texts = [extract_text(page, mode) for page in pages]
            fast_ms.append(round(1000 * (time.process_time() - started) / len(pages), 2))
            identical &= texts == plain_texts
        rows.append(
            {"mode": mode, "as_shipped_ms": plain_ms, "ccprov_ms": fast_ms, "identical": identical}
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    from bench_pipeline import ensure_bench_warcs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["selections", "extract", "all"])
    parser.add_argument("--pages", type=int, default=600, help="HTML pages of the first file")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", help="write the results as JSON here")
    args = parser.parse_args(argv)
    pages = html_pages(ensure_bench_warcs()[0], args.pages)
    result: dict = {"pages": len(pages)}
    if args.what in ("selections", "all"):
        result["selections"] = selections(pages)
        print(f"{'expression':40s} {'guarded':>8s} {'walk':>8s}  ms/page, {len(pages)} pages")
        for row in result["selections"]:
            flag = "" if row["same_selections"] else "  DIFFERENT SELECTIONS"
            print(f"{row['expression']:40s} {row['guarded_ms']:8.3f} {row['walk_ms']:8.3f}{flag}")
    if args.what in ("extract", "all"):
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            result["extract"] = extract(pages, args.rounds, Path(tmp))
        for row in result["extract"]:
            print(
                f"{row['mode']:18s} as shipped {row['as_shipped_ms']} ms/page, ccprov "
                f"{row['ccprov_ms']} ms/page, identical text: {row['identical']}"
            )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    differs = any(not r["same_selections"] for r in result.get("selections", []))
    differs |= any(not r["identical"] for r in result.get("extract", []))
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
