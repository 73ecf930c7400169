"""Throughput and memory of ccprov: per stage (pure functions) and end to end (`ccprov run`).

    .venv/bin/python bench/bench_pipeline.py stages  [--warcs GLOB] [--json OUT]
    .venv/bin/python bench/bench_pipeline.py e2e     [--warcs GLOB] [--extractor trafilatura]
    .venv/bin/python bench/bench_pipeline.py memory  [--records 1000 20000] [--files 1 16]
    .venv/bin/python bench/bench_pipeline.py quality   # extractors on ../shared/warcs pages
    .venv/bin/python bench/bench_pipeline.py all     [--json OUT]

Input: the bench WARC files of bench/make_bench_warc.py (generated into /tmp/ccprov-bench
when missing). Figures:

* docs/s/core (CPU): input response records per CPU second. CPU time is what a cluster pays
  for and does not depend on what else runs on the machine; it counts every process of the
  run (runner, Beam workers, extraction sandboxes), collected with this process as the
  child subreaper so no grandchild escapes the count.
* docs/s/core (wall): records / wall seconds / worker processes. Only meaningful on an
  otherwise idle machine; the load average at start is printed next to it.
* peak RSS: the high-water mark (VmHWM) of each process, sampled every 0.25 s from /proc; a
  worker's figure is the Beam worker plus its extraction sandbox.

`stages` times each concern's pure function in this one process over the same documents,
in pipeline order, so each stage sees the documents the earlier ones left alive.
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
BENCH_DIR = Path("/tmp/ccprov-bench")
DEFAULT_WARCS = str(BENCH_DIR / "bench-*.warc.gz")
TINY_DIR = Path("/tmp/ccprov-bench-tiny")
SHARED_WARCS = REPO.parent / "shared" / "warcs"
EXTRACTORS = ("trafilatura", "trafilatura-fast", "resiliparse")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PR_SET_CHILD_SUBREAPER = 36
DUP_REASONS = ["exact_duplicate", "near_duplicate"]


# ------------------------------------------------------------------ process-tree measurement
def load_average() -> float:
    return os.getloadavg()[0]


def _proc_children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _descendants(root: int) -> list[int]:
    children = _proc_children()
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, ()):
            found.append(child)
            todo.append(child)
    return found


def tree_cpu_s() -> float:
    """CPU seconds of this process, its reaped children, and every live descendant together
    with what that descendant reaped (/proc cutime/cstime: e.g. a fork server's children)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    for pid in _descendants(os.getpid()):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15]) / _CLOCK_TICKS
    return total


class TreeSampler(threading.Thread):
    """Samples every descendant of this process: peak RSS, command line, parent.

    Two peaks per process: VmHWM, the kernel's high-water mark of all resident pages, and
    the highest RssAnon sampled. VmHWM counts the pages of shared libraries a process has
    mapped, and how many of those it maps depends on the page cache: right after a fresh
    install (every library file cached) importing Beam's worker and ccprov measured 223 MB,
    after `echo 3 > /proc/sys/vm/drop_caches` 181 MB, for the same code. RssAnon is the
    process's own memory (heap, stacks), which that does not move; it is sampled, so a
    spike shorter than the interval can be missed.
    """

    def __init__(self, interval: float = 0.25):
        super().__init__(daemon=True)
        self.interval = interval
        self.peak_kb: dict[int, int] = {}
        self.peak_anon_kb: dict[int, int] = {}
        self.cpu_s: dict[int, float] = {}  # own CPU at the last sample
        self.loads: list[float] = []
        self.rss_kb: dict[int, list[tuple[float, int]]] = {}  # (time, VmRSS) per sample
        self.anon_kb: dict[int, list[tuple[float, int]]] = {}  # (time, RssAnon) per sample
        self.started = time.monotonic()
        self.cmdline: dict[int, str] = {}
        self.parent: dict[int, int] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def sample(self) -> None:
        self.loads.append(load_average())
        for pid in _descendants(os.getpid()):
            try:
                with open(f"/proc/{pid}/status") as f:
                    status = dict(line.split(":", 1) for line in f if ":" in line)
                # Read every time: a child shows its parent's command line until it execs.
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read().replace(b"\0", b" ").decode()[:300]
                if cmdline:  # empty for a zombie
                    self.cmdline[pid] = cmdline
            except OSError:
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                self.cpu_s[pid] = (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
            except (OSError, IndexError, ValueError):
                pass
            rss = int(status.get("VmRSS", "0 kB").split()[0])
            self.rss_kb.setdefault(pid, []).append((time.monotonic() - self.started, rss))
            hwm = int(status.get("VmHWM", "0 kB").split()[0])
            self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), hwm)
            anon = int(status.get("RssAnon", "0 kB").split()[0])
            self.peak_anon_kb[pid] = max(self.peak_anon_kb.get(pid, 0), anon)
            self.anon_kb.setdefault(pid, []).append((time.monotonic() - self.started, anon))
            self.parent[pid] = int(status["PPid"])

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def become_subreaper() -> None:
    """Orphaned grandchildren are re-parented to us, so their CPU time is counted."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _reap_orphans(timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Measured(dict):
    """cpu_s, wall_s, load_at_start, processes: [{pid, role, peak_rss_mb, parent}], rc."""


def run_measured(cmd: list[str], classify: Callable[[str], str]) -> Measured:
    """Run `cmd` to completion, its output captured as text; CPU of it and all its
    descendants, wall time, peak RSS."""
    become_subreaper()
    sampler = TreeSampler()
    load = load_average()
    cpu0, wall0 = _children_cpu(), time.perf_counter()
    sampler.start()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    wall = time.perf_counter() - wall0
    _reap_orphans()
    sampler.stop()
    cpu = _children_cpu() - cpu0
    processes = [
        {
            "pid": pid,
            "parent": sampler.parent.get(pid),
            "role": classify(sampler.cmdline.get(pid, "")),
            "peak_rss_mb": round(kb / 1024, 1),
            "peak_anon_mb": round(sampler.peak_anon_kb.get(pid, 0) / 1024, 1),
            "cpu_s": round(sampler.cpu_s.get(pid, 0.0), 2),
            "rss_mb_at_quarters": _rss_at_quarters(sampler.rss_kb.get(pid, []), wall),
            "anon_mb_at_quarters": _rss_at_quarters(sampler.anon_kb.get(pid, []), wall),
        }
        for pid, kb in sorted(sampler.peak_kb.items())
    ]
    return Measured(
        cpu_s=round(cpu, 2),
        wall_s=round(wall, 2),
        load_at_start=round(load, 2),
        load_mean=round(sum(sampler.loads) / max(len(sampler.loads), 1), 2),
        processes=processes,
        rc=proc.returncode,
        stdout=out,
        stderr=err,
    )


def _rss_at_quarters(samples: list[tuple[float, int]], wall: float) -> list[float]:
    """Highest RSS (MB) seen in each quarter of the run: shows when memory grew."""
    quarters = [0.0] * 4
    for t, kb in samples:
        q = min(3, int(4 * t / wall)) if wall > 0 else 0
        quarters[q] = max(quarters[q], round(kb / 1024, 1))
    return quarters


def worker_peaks(
    processes: list[dict], worker_role: str, child_role: str, key: str = "peak_rss_mb"
) -> list[float]:
    """Peak (`key`) of each worker process plus the largest of its `child_role` children (MB)."""
    peaks = []
    for proc in processes:
        if proc["role"] == worker_role:
            children = [
                p[key] for p in processes if p["parent"] == proc["pid"] and p["role"] == child_role
            ]
            peaks.append(round(proc[key] + max(children, default=0.0), 1))
    return peaks


# ------------------------------------------------------------------ end to end
def classify_ccprov(cmdline: str) -> str:
    if "transforms.extraction" in cmdline:
        return "sandbox"
    if any(m in cmdline for m in ("pipeline.local_worker", "sdk_worker_main", "worker_pool_main")):
        return "worker"
    if "ccprov" in cmdline:
        return "runner"
    return "other"


def ensure_bench_warcs(pattern: str = DEFAULT_WARCS) -> list[str]:
    paths = sorted(glob.glob(pattern))
    if not paths and pattern == DEFAULT_WARCS:
        subprocess.run([sys.executable, str(REPO / "bench" / "make_bench_warc.py")], check=True)
        paths = sorted(glob.glob(pattern))
    if not paths:
        raise SystemExit(f"no input matches {pattern}")
    return paths


def ensure_tiny_warcs() -> list[str]:
    """80 records in 4 files: a run on it costs mostly a run's fixed cost (start-up,
    imports, model loading), and every file still keeps a few documents."""
    pattern = str(TINY_DIR / "bench-*.warc.gz")
    if not glob.glob(pattern):
        subprocess.run(
            [
                sys.executable,
                str(REPO / "bench" / "make_bench_warc.py"),
                *("--records", "80", "--files", "4", "--out", str(TINY_DIR)),
            ],
            check=True,
        )
    return sorted(glob.glob(pattern))


def run_ccprov(
    inputs: list[str], output: str, extractor: str = "trafilatura", workers: int = 2, *extra: str
) -> dict:
    """`ccprov run` on `inputs` with `workers` worker processes; measured, plus its counts."""
    cmd = [str(VENV_BIN / "ccprov"), "run", "--output", output, "--quiet"]
    for path in inputs:
        cmd += ["--input", path]
    cmd += ["--extractor", extractor, "--direct_num_workers", str(workers)]
    cmd += ["--direct_running_mode", "multi_processing" if workers > 1 else "in_memory"]
    cmd += list(extra)
    shutil.rmtree(output, ignore_errors=True)
    measured = run_measured(cmd, classify_ccprov)
    if measured["rc"] != 0:
        raise SystemExit(f"ccprov failed ({measured['rc']}):\n{measured['stderr'][-3000:]}")
    with open(os.path.join(output, "manifest.json")) as f:
        manifest = json.load(f)
    records = manifest["counts"]["responses"]
    peaks = worker_peaks(measured["processes"], "worker", "sandbox")
    runner = [p["peak_rss_mb"] for p in measured["processes"] if p["role"] == "runner"]
    return {
        "extractor": extractor,
        "workers": workers,
        "records": records,
        "kept": manifest["counts"]["kept"],
        "cpu_s": measured["cpu_s"],
        "wall_s": measured["wall_s"],
        "load_at_start": measured["load_at_start"],
        "load_mean": measured["load_mean"],
        "docs_per_cpu_s": round(records / measured["cpu_s"], 1),
        "docs_per_wall_s_per_worker": round(records / measured["wall_s"] / workers, 1),
        "peak_rss_worker_mb": max(peaks, default=None),
        "peak_anon_worker_mb": max(
            worker_peaks(measured["processes"], "worker", "sandbox", "peak_anon_mb"), default=None
        ),
        "peak_rss_runner_mb": max(runner, default=None),
        "cpu_s_by_role": cpu_by_role(measured["processes"]),
        "worker_rss_mb_at_quarters": [
            p["rss_mb_at_quarters"] for p in measured["processes"] if p["role"] == "worker"
        ],
        "worker_anon_mb_at_quarters": [
            p["anon_mb_at_quarters"] for p in measured["processes"] if p["role"] == "worker"
        ],
        "runner_rss_mb_at_quarters": [
            p["rss_mb_at_quarters"] for p in measured["processes"] if p["role"] == "runner"
        ],
        "drop_reasons": manifest["counts"]["drop_reasons"],
    }


def cpu_by_role(processes: list[dict]) -> dict[str, float]:
    """CPU seconds per kind of process (sampled: the last 0.25 s of each may be missing)."""
    totals: dict[str, float] = {}
    for proc in processes:
        totals[proc["role"]] = round(totals.get(proc["role"], 0.0) + proc["cpu_s"], 1)
    return totals


def kept_urls(output: str, before_dedup: bool = False) -> set[str]:
    """URLs kept by a ccprov run (before dedup: kept or dropped only as a duplicate)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    from transforms.writer import LEDGER_DIR

    ledger = ds.dataset(os.path.join(output, LEDGER_DIR), format="parquet").to_table(
        columns=["url", "decision", "drop_reason"]
    )
    keep = pc.equal(ledger["decision"], "kept")
    if before_dedup:
        dup = pc.is_in(ledger["drop_reason"], value_set=pa.array(DUP_REASONS))
        keep = pc.or_(keep, pc.fill_null(dup, False))
    return set(ledger.filter(keep)["url"].to_pylist())


# ------------------------------------------------------------------ per stage
class StageClock:
    """CPU seconds of this process (plus reaped children) per named stage."""

    def __init__(self, n_records: int):
        self.n_records = n_records
        self.rows: list[dict] = []

    def time(self, name: str, docs_in: int, fn: Callable[[], object]):
        cpu0, child0, wall0 = time.process_time(), _children_cpu(), time.perf_counter()
        result = fn()
        cpu = time.process_time() - cpu0 + _children_cpu() - child0
        wall = time.perf_counter() - wall0
        self.rows.append(
            {
                "stage": name,
                "docs_in": docs_in,
                "cpu_s": round(cpu, 3),
                "wall_s": round(wall, 3),
                "docs_per_cpu_s": round(docs_in / cpu, 1) if cpu > 0 else None,
                "ms_per_record": round(1000 * cpu / self.n_records, 3),
            }
        )
        return result


def run_stages(paths: list[str], extractor: str, ipc_sample: int = 500) -> dict:
    """Every concern's pure function over the documents of `paths`, in pipeline order."""
    import pyarrow as pa

    from schemas.corpus import CORPUS_SCHEMA
    from schemas.ledger import LEDGER_SCHEMA
    from transforms.ai_detect import AiScorer
    from transforms.extraction import ExtractionSandbox, apply_extraction, extract_text
    from transforms.filters import load_filter_config
    from transforms.filters.chain import FilterChain
    from transforms.language import LanguageIdentifier
    from transforms.licensing import detect_license_signals
    from transforms.minhash import MinHasher, band_hashes
    from transforms.tokens import count_tokens
    from transforms.warc_reader import FileSummary, read_warc
    from transforms.writer import OutputSpec, corpus_row, ledger_row, table_bytes

    chain = FilterChain(load_filter_config(None))
    lid = LanguageIdentifier()
    scorer = AiScorer.load()
    hasher = MinHasher(112, 1, 5, "affine32", "fast")
    count_tokens("warm up")
    extract_text("<html><body><p>warm up</p></body></html>", extractor)

    def read_all():
        docs = []
        for index, path in enumerate(paths):
            docs.extend(read_warc(path, FileSummary(path, index)))
        return docs

    probe = StageClock(1)
    docs = probe.time("probe", 1, read_all)
    clock = StageClock(len(docs))
    docs = clock.time("reader", len(docs), read_all)
    alive = [d for d in docs if d.alive]

    def url_filter():
        for d in alive:
            reason, scores = chain.check_url(d.url)
            d.filter_scores.update(scores)
            if reason:
                d.drop(reason)

    clock.time("url filter", len(alive), url_filter)
    alive = [d for d in alive if d.alive]

    def licence():
        for d in alive:
            d.attributes["license"] = detect_license_signals(
                d.html, d.http_headers, d.url
            ).to_attributes()

    clock.time("licence tagging", len(alive), licence)

    extract_cpu: dict[str, float] = {}

    def extract():
        for d in alive:
            started = time.process_time()
            apply_extraction(d, "ok", extract_text(d.html, extractor))
            extract_cpu[d.doc_id] = time.process_time() - started
            d.html = None

    sample = [d.html for d in alive[:ipc_sample]]
    quick = {}
    if extractor.startswith("trafilatura"):
        quick = clock.time(
            "language pre-check (resiliparse + lid)", len(alive), lambda: quick_languages(alive)
        )
    clock.time(f"extraction ({extractor})", len(alive), extract)

    def through_sandbox():
        with ExtractionSandbox(extractor) as sandbox:
            for html in sample:
                sandbox.extract(html)

    def sandbox_start_and_stop():
        with ExtractionSandbox(extractor):
            pass

    def in_process():
        for html in sample:
            extract_text(html, extractor)

    # The child's CPU is only counted once it exits, with its start (interpreter, imports,
    # warm-up) in it: that start is timed alone and taken off, as a worker pays it once.
    ipc = StageClock(len(sample))
    ipc.time("in process", len(sample), in_process)
    ipc.time("sandbox", len(sample), through_sandbox)
    ipc.time("sandbox start and stop", 0, sandbox_start_and_stop)
    alive = [d for d in alive if d.alive]

    def language():
        for d in alive:
            d.language, d.language_score = lid.predict(d.text)

    clock.time("language ID", len(alive), language)

    def quality():
        for d in alive:
            reason, scores, text = chain.filter_text(d.text, d.language, d.language_score)
            d.filter_scores.update(scores)
            if reason:
                d.drop(reason)
            else:
                d.text = text

    clock.time("quality filters", len(alive), quality)
    outcome = {d.doc_id: d.drop_reason if not d.alive else "kept" for d in alive}
    alive = [d for d in alive if d.alive]

    def ai_scoring():
        texts = [d.text for d in alive]
        for start in range(0, len(texts), 256):
            scorer.score_documents(texts[start : start + 256])

    clock.time("AI scoring", len(alive), ai_scoring)

    def finish():
        for d in alive:
            d.text_sha256 = hashlib.sha256(d.text.encode("utf-8")).hexdigest()
            d.text_chars = len(d.text)
            d.token_count = count_tokens(d.text)

    clock.time("finish (sha256, GPT-2 tokens)", len(alive), finish)

    def dedup_signatures():
        texts = [d.text for d in alive]
        for start in range(0, len(texts), 512):
            signed = hasher.sign(texts[start : start + 512])
            band_hashes(signed.signatures, 14, 8)

    clock.time("dedup (MinHash 14x8 signatures)", len(alive), dedup_signatures)
    spec = OutputSpec(output="/tmp/x", run_id="bench", pipeline_version="bench", config_hash="0")

    def writer():
        ledger = pa.Table.from_pylist([ledger_row(d, spec) for d in docs], schema=LEDGER_SCHEMA)
        corpus = pa.Table.from_pylist([corpus_row(d) for d in alive], schema=CORPUS_SCHEMA)
        return len(table_bytes(ledger)) + len(table_bytes(corpus))

    clock.time("writer (ledger + corpus Parquet)", len(docs), writer)
    in_proc, sandboxed, sandbox_start = ipc.rows
    precheck = evaluate_precheck(quick, outcome, extract_cpu) if quick else None
    if precheck:  # the pipeline runs the pre-check, then trafilatura only where it did not skip
        for row in clock.rows:
            if row["stage"].startswith("extraction"):
                saved = precheck["default"]["saved_extraction_cpu_s"]
                row["cpu_s"] = round(row["cpu_s"] - saved, 3)
                row["docs_in"] -= precheck["default"]["skipped"]
                row["docs_per_cpu_s"] = round(row["docs_in"] / row["cpu_s"], 1)
                row["ms_per_record"] = round(1000 * row["cpu_s"] / clock.n_records, 3)
                row["stage"] += " after pre-check"
    total = sum(r["cpu_s"] for r in clock.rows)
    return {
        "language_precheck": precheck,
        "extractor": extractor,
        "records": len(docs),
        "kept_before_dedup": len(alive),
        "stages": clock.rows,
        "sum_cpu_s": round(total, 2),
        "docs_per_cpu_s": round(len(docs) / total, 1),
        "sandbox_overhead_ms_per_doc": round(
            1000 * (sandboxed["cpu_s"] - sandbox_start["cpu_s"] - in_proc["cpu_s"]) / len(sample),
            3,
        ),
        "sandbox_start_cpu_s": sandbox_start["cpu_s"],
        "sandbox_sample_docs": len(sample),
    }


def quick_languages(docs) -> dict[str, tuple[str | None, float, int, bool]]:
    """doc_id -> (language, score, chars, a part in English) of the resiliparse text, as the
    pre-check sees it (in process here; the pipeline runs it in the sandbox child); (None, 0,
    0, False) for pages declaring English, which skip the check."""
    from transforms.extraction import extract_text
    from transforms.lang_precheck import LanguagePrecheck
    from transforms.language import LanguageIdentifier

    check = LanguagePrecheck(["en"], LanguageIdentifier().predict, min_score=0.0, min_chars=0)
    found = {}
    for d in docs:
        if check.declares_kept_language(d.html):
            found[d.doc_id] = (None, 0.0, 0, False)  # goes straight to extraction
            continue
        text = extract_text(d.html, "resiliparse") or ""
        result = check.check(text)
        kept_part = result.language not in (None, "en") and check.has_kept_part(text)
        found[d.doc_id] = (result.language, result.score, result.chars, kept_part)
    return found


PRECHECK_GRID = [(0.5, 100), (0.65, 100), (0.8, 100), (0.8, 200), (0.9, 200), (0.95, 200)]


def evaluate_precheck(
    quick: dict, outcome: dict[str, str | None], extract_cpu: dict[str, float]
) -> dict:
    """For several (min_score, min_chars): pages skipped, pages whose outcome (kept or
    dropped) or drop reason changes against extracting first, trafilatura CPU saved."""
    from transforms.lang_precheck import DEFAULT_MIN_CHARS, DEFAULT_MIN_SCORE, NOT_IN_LANGUAGES

    kept = {doc_id for doc_id, o in outcome.items() if o == "kept"}
    rows = {}
    for min_score, min_chars in sorted({*PRECHECK_GRID, (DEFAULT_MIN_SCORE, DEFAULT_MIN_CHARS)}):
        skipped = {
            doc_id
            for doc_id, (language, score, chars, kept_part) in quick.items()
            if chars >= min_chars
            and language not in (None, "en")
            and score >= min_score
            and not kept_part
        }
        lost = skipped & kept
        rows[(min_score, min_chars)] = {
            "min_score": min_score,
            "min_chars": min_chars,
            "docs": len(outcome),
            "skipped": len(skipped),
            "outcome_changed": len(lost),
            "reason_changed": sum(1 for d in skipped if outcome.get(d) != NOT_IN_LANGUAGES),
            "decision_agreement": round(1 - len(lost) / max(len(outcome), 1), 4),
            "kept_set_jaccard": round((len(kept) - len(lost)) / max(len(kept), 1), 4),
            "saved_extraction_cpu_s": round(sum(extract_cpu.get(d, 0.0) for d in skipped), 3),
        }
    return {
        "default": rows[(DEFAULT_MIN_SCORE, DEFAULT_MIN_CHARS)],
        "grid": list(rows.values()),
    }


# ------------------------------------------------------------------ extractor quality
def word_f1(reference: str, candidate: str) -> tuple[float, float, float]:
    """(precision, recall, F1) of the candidate's words against the reference's (multisets,
    lower-cased, split on whitespace)."""
    from collections import Counter

    ref, cand = Counter(reference.lower().split()), Counter(candidate.lower().split())
    common = sum((ref & cand).values())
    if not ref or not cand:
        return (1.0, 1.0, 1.0) if ref == cand else (0.0, 0.0, 0.0)
    precision, recall = common / sum(cand.values()), common / sum(ref.values())
    f1 = 2 * precision * recall / (precision + recall) if common else 0.0
    return precision, recall, f1


def run_quality(paths: list[str]) -> dict:
    """Each extractor against trafilatura (FineWeb's settings) on the real pages: word
    precision/recall/F1 of the text and agreement of the filter verdicts (kept or not)."""
    import statistics

    from transforms.extraction import extract_text
    from transforms.filters import load_filter_config
    from transforms.filters.chain import FilterChain
    from transforms.language import LanguageIdentifier
    from transforms.warc_reader import FileSummary, read_warc

    chain = FilterChain(load_filter_config(None))
    lid = LanguageIdentifier()
    pages = []
    for index, path in enumerate(paths):
        pages += [d for d in read_warc(path, FileSummary(path, index)) if d.alive and d.html]

    def verdict(text: str | None) -> str:
        if not text:
            return "no_extracted_text"
        language, score = lid.predict(text)
        return chain.filter_text(text, language, score).reason or "kept"

    reference = [extract_text(d.html, "trafilatura") or "" for d in pages]
    ref_verdicts = [verdict(t) for t in reference]
    rows = {}
    for extractor in ("trafilatura-fast", "resiliparse"):
        texts = [extract_text(d.html, extractor) or "" for d in pages]
        scores = [word_f1(r, t) for r, t in zip(reference, texts, strict=True)]
        verdicts = [verdict(t) for t in texts]
        kept_ref = {i for i, v in enumerate(ref_verdicts) if v == "kept"}
        kept = {i for i, v in enumerate(verdicts) if v == "kept"}
        rows[extractor] = {
            "pages": len(pages),
            "identical_text": sum(r == t for r, t in zip(reference, texts, strict=True)),
            "mean_word_precision": round(statistics.mean(p for p, _, _ in scores), 3),
            "mean_word_recall": round(statistics.mean(r for _, r, _ in scores), 3),
            "mean_word_f1": round(statistics.mean(f for _, _, f in scores), 3),
            "mean_chars_ratio": round(sum(map(len, texts)) / max(sum(map(len, reference)), 1), 3),
            "kept_reference": len(kept_ref),
            "kept": len(kept),
            "kept_set_jaccard": round(len(kept & kept_ref) / max(len(kept | kept_ref), 1), 4),
            "verdict_agreement": round(
                sum(a == b for a, b in zip(ref_verdicts, verdicts, strict=True)) / len(pages), 4
            ),
        }
    return rows


# ------------------------------------------------------------------ memory
def run_memory(
    record_counts: list[int],
    workers: int = 2,
    extractor: str = "trafilatura",
    file_counts: tuple[int, ...] = (1,),
) -> list[dict]:
    """Peak RSS of ccprov runs on synthetic WARC files: for each record count and each file
    count, that many records split evenly over that many files (seeds 7, 8, ...)."""
    rows = []
    for n in record_counts:
        for files in file_counts:
            paths = synthetic_inputs(n, files)
            out = tempfile.mkdtemp(prefix=f"ccprov-mem-{n}-")
            try:
                result = run_ccprov([str(p) for p in paths], out, extractor, workers)
            finally:
                shutil.rmtree(out, ignore_errors=True)
            result["input"] = paths[0].name if files == 1 else f"{files} files of {n // files}"
            result["input_files"] = files
            rows.append(result)
    return rows


def synthetic_inputs(records: int, files: int) -> list[Path]:
    """`records` synthetic response records in `files` files, generated once into BENCH_DIR."""
    from pipeline.sample.synth import write_synthetic_warc

    if files < 1 or records % files:
        raise SystemExit(f"--files {files} must divide --records {records}")
    if files == 1:
        paths = [BENCH_DIR / f"synth-{records}.warc.gz"]
    else:
        folder = BENCH_DIR / f"synth-{records}-in-{files}"
        paths = [folder / f"part-{i:04d}.warc.gz" for i in range(files)]
    for seed, path in enumerate(paths, start=7):
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_synthetic_warc(str(path), records // files, seed)
    return paths


# ------------------------------------------------------------------ printing
def print_stage_table(result: dict) -> None:
    print(f"\nper stage, {result['extractor']} mode: {result['records']} records, one process")
    print(f"{'stage':<36} {'docs in':>8} {'CPU s':>8} {'docs/s/core':>12} {'ms/record':>10}")
    for row in result["stages"]:
        print(
            f"{row['stage']:<36} {row['docs_in']:>8} {row['cpu_s']:>8.2f} "
            f"{row['docs_per_cpu_s'] or 0:>12,.0f} {row['ms_per_record']:>10.2f}"
        )
    print(
        f"{'sum':<36} {result['records']:>8} {result['sum_cpu_s']:>8.2f} "
        f"{result['docs_per_cpu_s']:>12,.1f}"
    )
    print(
        f"extraction sandbox overhead (pipe + child): {result['sandbox_overhead_ms_per_doc']:.2f}"
        f" ms/doc over {result['sandbox_sample_docs']} docs, after its start"
        f" ({result['sandbox_start_cpu_s']:.2f} CPU s once per worker)"
    )
    if result.get("language_precheck"):
        print("language pre-check vs extracting first (docs = pages reaching extraction):")
        for row in result["language_precheck"]["grid"]:
            print(
                f"  score>={row['min_score']:<5} chars>={row['min_chars']:<4} skipped "
                f"{row['skipped']:>5}/{row['docs']}  outcome changed {row['outcome_changed']:>3} "
                f"(agreement {row['decision_agreement']:.2%}, kept-set Jaccard "
                f"{row['kept_set_jaccard']:.2%})  reason changed {row['reason_changed']:>3}  "
                f"trafilatura CPU saved {row['saved_extraction_cpu_s']:.1f} s"
            )


def print_e2e(row: dict) -> None:
    print(
        f"ccprov e2e {row['extractor']:<12} {row['records']} records, kept {row['kept']}: "
        f"CPU {row['cpu_s']:.1f} s -> {row['docs_per_cpu_s']:.1f} docs/s/core; wall "
        f"{row['wall_s']:.1f} s -> {row['docs_per_wall_s_per_worker']:.1f} docs/s/worker "
        f"(load {row['load_at_start']}); peak RSS worker {row['peak_rss_worker_mb']} MB "
        f"(anonymous {row['peak_anon_worker_mb']} MB), "
        f"runner {row['peak_rss_runner_mb']} MB; CPU by process kind {row['cpu_s_by_role']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=("stages", "e2e", "memory", "quality", "all"))
    parser.add_argument("--warcs", default=DEFAULT_WARCS, help="glob of input WARC files")
    parser.add_argument(
        "--extractor", choices=(*EXTRACTORS, "all"), default="all", help="ccprov mode(s)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--records", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument(
        "--files",
        type=int,
        nargs="+",
        default=[1],
        help="memory: split each record count over this many input files (each count)",
    )
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)
    extractors = list(EXTRACTORS) if args.extractor == "all" else [args.extractor]
    results: dict = {"load_at_start": load_average(), "cpus": os.cpu_count()}
    if args.what in ("stages", "e2e", "all"):
        paths = ensure_bench_warcs(args.warcs)
        results["inputs"] = paths
    if args.what in ("stages", "all"):
        results["stages"] = []
        for extractor in extractors:
            stage_result = run_stages(paths, extractor)
            print_stage_table(stage_result)
            results["stages"].append(stage_result)
    if args.what in ("e2e", "all"):
        results["e2e"] = []
        for extractor in extractors:
            out = tempfile.mkdtemp(prefix="ccprov-bench-out-")
            try:
                row = run_ccprov(paths, out, extractor, args.workers)
            finally:
                shutil.rmtree(out, ignore_errors=True)
            print_e2e(row)
            results["e2e"].append(row)
    if args.what in ("quality", "all"):
        real = [str(p) for p in sorted(SHARED_WARCS.glob("*.warc.gz"))]
        results["quality"] = run_quality(real)
        for extractor, row in results["quality"].items():
            print(f"{extractor} vs trafilatura on {row['pages']} real pages: {row}")
    if args.what in ("memory", "all"):
        memory_mode = "trafilatura" if args.extractor == "all" else args.extractor
        results["memory"] = run_memory(args.records, args.workers, memory_mode, args.files)
        for row in results["memory"]:
            print(f"{row['input']}: ", end="")
            print_e2e(row)
            print(f"  RSS by quarter of the run, workers {row['worker_rss_mb_at_quarters']}")
            print(f"  anonymous, workers {row['worker_anon_mb_at_quarters']}")
            print(f"  runner {row['runner_rss_mb_at_quarters']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
