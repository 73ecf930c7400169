"""What `ccprov report` costs on an output of many shards (a crawl's run has one per input
file), with the views as ccprov opens them and with `union_by_name` forced on every view (how
they were opened before 7 December 2026).

    .venv/bin/python bench/bench_report.py [--shards 200 2000] [--json OUT]

The output is the built-in sample's run with its ledger and corpus shards copied SHARDS
times (the manifest lists every copy), so the figures are the per-shard cost: 22 ledger
rows a shard. Figures per report: CPU seconds, wall seconds and peak RSS of the process.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bench_pipeline import run_measured  # noqa: E402

PYTHON = str(REPO / ".venv" / "bin" / "python")
WORK = Path("/tmp/ccprov-bench-report")
# The report in a fresh interpreter, optionally with every view read with union_by_name.
REPORT = """
import sys
from pipeline.audit import query
if sys.argv[1] == "union_by_name":  # every view, as before 7 December 2026
    query._one_column_set = lambda con, files: False
from pipeline.audit import main
sys.exit(main(["report", sys.argv[2], "--out", sys.argv[3]]))
"""


def sample_output() -> Path:
    base = WORK / "base"
    if not (base / "_SUCCESS").exists():
        shutil.rmtree(base, ignore_errors=True)
        ccprov = str(REPO / ".venv" / "bin" / "ccprov")
        subprocess.run([ccprov, "run", "--output", str(base), "--quiet"], check=True)
    return base


def many_shards(base: Path, shards: int) -> Path:
    """`base` with each ledger and corpus shard copied `shards` times (hard links)."""
    out = WORK / f"shards-{shards}"
    if (out / "_SUCCESS").exists():
        return out
    shutil.rmtree(out, ignore_errors=True)

    def copies_made_below(folder: str, names: list[str]) -> list[str]:
        if Path(folder).name in ("provenance", "corpus"):
            return names
        return [name for name in names if name == "report.html"]

    shutil.copytree(base, out, ignore=copies_made_below)
    manifest = json.loads((base / "manifest.json").read_text())
    for kind in ("provenance", "corpus"):
        (source,) = manifest["files"][kind]
        entries = []
        for i in range(shards):
            name = f"{kind}/part-{i:05d}-000.parquet"
            (out / name).hardlink_to(base / source["path"])
            entries.append({**source, "path": name})
        manifest["files"][kind] = entries
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shards", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    base = sample_output()
    rows = []
    for shards in args.shards:
        out = many_shards(base, shards)
        pages = {}
        for views in ("as ccprov opens them", "union_by_name"):
            page = WORK / f"report-{shards}-{views.split()[0]}.html"
            run = run_measured(
                [PYTHON, "-c", REPORT, views.split()[0], str(out), str(page)], lambda _: "report"
            )
            if run["rc"] != 0:
                raise SystemExit(f"report failed (exit {run['rc']}): {run['stderr'][-300:]}")
            peak = max(p["peak_rss_mb"] for p in run["processes"])
            pages[views] = [ln for ln in page.read_text().splitlines() if "generated" not in ln]
            rows.append(
                {"shards": shards, "views": views, "cpu_s": run["cpu_s"],
                 "wall_s": run["wall_s"], "peak_rss_mb": peak, "load": run["load_at_start"]}
            )  # fmt: skip
            print(
                f"{shards:6d} shards, views {views:22s}: CPU {run['cpu_s']:7.2f} s, "
                f"wall {run['wall_s']:7.2f} s, peak RSS {peak:7.1f} MB "
                f"(load {run['load_at_start']})"
            )
        same = pages["as ccprov opens them"] == pages["union_by_name"]
        print(f"{shards:6d} shards: the two pages are {'identical' if same else 'DIFFERENT'}")
        if not same:
            return 1
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
