"""What `--robots` costs a worker: loading robots.txt WARC files into its index, and evaluating.

    python bench/bench_robots.py [--hosts 10000 50000 200000]

Every worker loads the whole of the --robots files when it starts (transforms/robots.py,
`RobotsIndex`), so its memory grows with the number of hosts in them. For each size this
writes a WARC of robots.txt responses for that many hosts (bodies of 0.4-1.5 KB: a few
groups and 0-60 Disallow lines, as sites write them; into /tmp/ccprov-bench-robots), then, in
a fresh process, prints the CPU seconds and the anonymous memory that loading took, and the
CPU time of a page's first evaluation against its host's rules (the parse happens then),
over up to 50,000 hosts: more than the index keeps parsed.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = Path("/tmp/ccprov-bench-robots")

COMMON_RULES = [
    "User-agent: *",
    "Disallow: /admin/",
    "Disallow: /cart",
    "Disallow: /search?",
    "Allow: /search/about",
    "",
    "User-agent: GPTBot",
    "Disallow: /",
    "",
]

MEASURE = """
import json, sys, time
import pipeline  # noqa: F401 - a worker's allocator settings
from transforms.robots import RobotsIndex
import transforms.warc_reader  # noqa: F401 - loaded in every worker, as the index reads with it

def anon_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024

hosts = int(sys.argv[2])
before = anon_mb()
start = time.process_time()
index = RobotsIndex.from_warc_paths([sys.argv[1]])
load_s = time.process_time() - start
loaded = anon_mb()
sample = range(min(hosts, 50_000))  # more hosts than the parse cache holds
start = time.process_time()
for i in sample:
    index.evaluate(f"https://host{i}.example.com/private3/page", "2024-05-18T00:00:00Z")
evaluate_ms = (time.process_time() - start) / len(sample) * 1000
print(json.dumps({
    "hosts": len(index), "load_cpu_s": round(load_s, 2),
    "index_anon_mb": round(loaded - before, 1),
    "after_evaluations_anon_mb": round(anon_mb() - before, 1),
    "first_evaluation_ms": round(evaluate_ms, 3),
}))
"""


def write_robots_warc(path: Path, hosts: int, seed: int = 1) -> int:
    """A gzipped WARC of `hosts` robots.txt responses; returns the bodies' total bytes."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    rng = random.Random(seed)
    total = 0
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for i in range(hosts):
            extra = [f"Disallow: /private{j}/" for j in range(rng.randint(0, 60))]
            sitemap = f"Sitemap: https://host{i}.example.com/sitemap.xml"  # no two alike
            body = ("\n".join([*COMMON_RULES, *extra, sitemap]) + "\n").encode()
            total += len(body)
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/plain")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                f"https://host{i}.example.com/robots.txt",
                "response",
                payload=io.BytesIO(body),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": "2024-05-10T00:00:00Z"},
            )
            writer.write_record(record)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    args = parser.parse_args()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for hosts in args.hosts:
        path = OUT_DIR / f"robots-{hosts}.warc.gz"
        body_bytes = write_robots_warc(path, hosts)
        done = subprocess.run(
            [sys.executable, "-c", MEASURE, str(path), str(hosts)],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=True,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{result['hosts']:>8,} hosts ({body_bytes / hosts:.0f} B a robots.txt, WARC "
            f"{path.stat().st_size / 1e6:.1f} MB): load {result['load_cpu_s']} CPU s, "
            f"+{result['index_anon_mb']} MB anonymous per worker "
            f"(+{result['after_evaluations_anon_mb']} MB after evaluating a page on each of "
            f"{min(hosts, 50_000):,} hosts); first evaluation of a host "
            f"{result['first_evaluation_ms']} ms"
        )


if __name__ == "__main__":
    main()
