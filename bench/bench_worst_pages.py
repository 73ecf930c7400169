"""The in-worker stages on pages built to be worst cases: CPU time and memory growth.

    .venv/bin/python bench/bench_worst_pages.py [--repeat 3] [--json OUT]

The filters, MinHash and token counts run in the worker itself, outside the extraction
child's time and memory caps, so a 5 MB page that extracts in a second reaches them whole.
Each case runs in a fresh interpreter (so its peak RSS is its own): the text is built and
its tokens made, then the step is timed (CPU s) and the growth of the process's peak RSS
reported. 5 MB of ordinary prose is the reference (docs/filters.md, Checks).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# name -> (text expression, step); `prose(n)` gives n characters of English-like prose.
CASES = {
    "tokens, 5 MB of prose": ("prose(5_000_000)", "tokens"),
    'tokens, one 5 MB word ("e" x 5M)': ("prose(3000) + '\\n' + 'e' * 5_000_000", "tokens"),
    'tokens, "a-" x 2.5M': ("prose(3000) + '\\n' + 'a-' * 2_500_000", "tokens"),
    "repetition rules, 5 MB of prose": ("prose(5_000_000)", "repetition"),
    'repetition rules, "!" x 5M after 3,000 chars of prose': (
        "prose(3000) + '\\n' + '!' * 5_000_000",
        "repetition",
    ),
    "tokens, 5 MB of Thai prose (a th document)": ("thai(5_000_000)", "tokens_th"),
    'tokens, one 5 MB Thai run ("ก" x 5M, a th document)': ("'ก' * 5_000_000", "tokens_th"),
    "MinHash, 5 MB of prose": ("prose(5_000_000)", "minhash"),
    'MinHash, "a " x 2.5M (one document)': ("'a ' * 2_500_000", "minhash"),
}

_CHILD = """
import random, resource, sys, time
sys.path.insert(0, {repo!r})
from transforms.filters.config import default_filter_config
from transforms.filters.gopher import GopherRepetitionFilter
from transforms.filters.text_units import TextUnits, split_tokens
from transforms.minhash import MinHasher
rng = random.Random(1)
words = "the of and to in is was for on that with as by at from it an were are which".split()
def prose(n):
    return " ".join(rng.choice(words) + rng.choice(["", "", ".", ","]) for _ in range(n // 4))[:n]
thai_words = "ประเทศ ไทย มี ประวัติศาสตร์ ยาวนาน หลาย ร้อย ปี โดย เป็น ราชธานี แห่ง ที่ และ ของ".split()
def thai(n):  # runs of 3-12 Thai words between spaces, as Thai is written
    runs = (rng.choices(thai_words, k=rng.randint(3, 12)) for _ in range(n // 20 + 1))
    return " ".join("".join(run) for run in runs)[:n]
text = {text}
step = {step!r}
units = TextUnits(text, in_words=step == "tokens_th")
split_tokens("ไทย", in_words=True)  # the Thai dictionary is loaded once per worker, not per page
if not step.startswith("tokens"):
    units.tokens
repetition = GopherRepetitionFilter(default_filter_config()["gopher_repetition"])
hasher = MinHasher()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.process_time()
if step.startswith("tokens"):
    units.tokens
elif step == "repetition":
    repetition.check(units)
else:
    hasher.sign([text])
cpu = time.process_time() - start
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024
print(f"{{cpu}} {{grown}}")
"""


def measure(text: str, step: str) -> tuple[float, float]:
    code = _CHILD.format(repo=str(REPO), text=text, step=step)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    cpu, grown = done.stdout.split()[-2:]
    return float(cpu), float(grown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = {}
    for name, (text, step) in CASES.items():
        runs = [measure(text, step) for _ in range(args.repeat)]
        cpu = statistics.median(r[0] for r in runs)
        grown = statistics.median(r[1] for r in runs)
        results[name] = {"cpu_s": round(cpu, 3), "rss_growth_mb": round(grown, 1)}
        print(f"{name:55s} {cpu:7.2f} CPU s  +{grown:6.0f} MB peak RSS", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
