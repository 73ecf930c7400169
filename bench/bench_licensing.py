"""Licence tagging cost: per page on real pages, and on pages built to be worst cases.

    .venv/bin/python bench/bench_licensing.py [--warcs GLOB ...] [--repeat 3] [--json OUT]

The worst cases are the ones reviews found slow (docs/licensing.md, Cost): one text node
repeating a licence mention, thousands of licence links in one block, deeply nested blocks,
a huge list of years, tens of thousands of statements in one block. Each is timed once per
repeat, in one process; the real pages are every HTML response of the given WARC files.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"
DEFAULT_WARCS = [
    str(REPO.parent / "shared" / "warcs" / "*.warc.gz"),
    "/tmp/ccprov-bench/bench-*.warc.gz",
]


def page(body: str) -> str:
    return f"<html><head><title>x</title></head><body>{body}</body></html>"


WORST_CASES = {
    '"CC BY " x4,000 in one <p>': lambda: page("<p>" + "CC BY " * 4000 + "licensed</p>"),
    '"CC BY " x200,000 in one <p>': lambda: page("<p>" + "CC BY " * 200_000 + "licensed</p>"),
    "8,000 licence links in a footer <div>": lambda: page(
        "<div class='footer'>" + f"<a href='{CC_BY_4}'>x</a>" * 8000 + "</div>"
    ),
    "1,000 nested <div>s, each with a link": lambda: page(
        "".join(f'<div>t{i} <a href="{CC_BY_4}">CC BY</a>' for i in range(1000)) + "</div>" * 1000
    ),
    # Each notice checked whether an ancestor hides it: 25 s when every hit walked them all.
    "100,000 notices under 2,000 nested <div>s": lambda: page(
        "<div>" * 2000 + "<b>© 2024 Foo</b>" * 100_000 + "</div>" * 2000
    ),
    "25,000 links in one <div>": lambda: page(
        "<div>" + f'<a href="{CC_BY_4}">CC BY</a> ' * 25_000 + "</div>"
    ),
    "50,000 licence statements in one <div>": lambda: page(
        "<div>" + "<span>Licensed under CC BY 4.0.</span> " * 50_000 + "</div>"
    ),
    "300,000 years in one notice": lambda: page("<p>© " + "2019, " * 300_000 + "Foo</p>"),
    # The text scan iterates a skipped element's nodes too (session 28): the largest inline
    # <svg> a page can bring within the 3 M-character cap.
    "200,000 paths in one inline <svg>": lambda: page(
        "<p>© 2024 Foo</p><svg>" + '<path d="M0"/>' * 200_000 + "</svg>"
    ),
}


def real_pages(patterns: list[str]) -> list[tuple[str, list, str]]:
    from transforms.warc_reader import FileSummary, read_warc

    paths = sorted({p for pattern in patterns for p in glob.glob(pattern)})
    pages = []
    for index, path in enumerate(paths):
        for doc in read_warc(path, FileSummary(path, index)):
            if doc.alive and doc.html:
                pages.append((doc.html, doc.http_headers, doc.url))
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warcs", nargs="+", default=DEFAULT_WARCS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args(argv)

    from transforms.licensing import detect_license_signals

    pages = real_pages(args.warcs)
    result: dict = {"pages": len(pages), "ms_per_page": [], "worst_cases_ms": {}}
    if pages:
        for _ in range(args.repeat):
            started = time.process_time()
            for html, headers, url in pages:
                detect_license_signals(html, headers, url)
            result["ms_per_page"].append(
                round(1000 * (time.process_time() - started) / len(pages), 3)
            )
        print(f"{len(pages)} real pages: {result['ms_per_page']} ms a page (CPU, one process)")
    for name, make in WORST_CASES.items():
        html = make()
        times = []
        for _ in range(args.repeat):
            started = time.process_time()
            signals = detect_license_signals(html, [], "https://example.com/")
            times.append(round(1000 * (time.process_time() - started)))
        assert signals.license_error is None, (name, signals.license_error)
        result["worst_cases_ms"][name] = {"chars": len(html), "ms": times}
        print(f"{name:42s} {len(html) / 1e6:5.2f} M chars  {times} ms")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
