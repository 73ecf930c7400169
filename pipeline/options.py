"""ccprov's pipeline options.

A `PipelineOptions` subclass, so every Beam flag (--runner, --direct_num_workers, Dataflow's
--project/--region, Flink's --flink_master, S3's --s3_endpoint_url, ...) passes straight
through the same command line. Each ccprov flag is accepted with dashes (documented form)
and with underscores (the form Dataflow templates and Beam option parsing use).
"""

from __future__ import annotations

import argparse

from apache_beam.options.pipeline_options import PipelineOptions

from transforms.ai_detect import POLICIES as AI_POLICIES
from transforms.extraction import EXTRACTORS
from transforms.licensing import LICENSE_POLICIES

DEFAULT_OUTPUT = "out"
DEFAULT_CC_BASE_URL = "https://data.commoncrawl.org/"
DEDUP_MODES = ("off", "exact", "minhash")
MAX_SECONDS = 86_400.0


# argparse names a failed type in its message ("invalid positive_integer value"), so the
# converters are named for what they accept.
def _number(text: str, convert):
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def positive_integer(text: str) -> int:
    value = _number(text, int)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def non_negative_integer(text: str) -> int:
    value = _number(text, int)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def seconds(text: str) -> float:
    """A duration: finite, >= 0, at most a day (select() and time_t overflow beyond that)."""
    value = _number(text, float)
    if not 0 <= value <= MAX_SECONDS:  # also refuses nan
        raise argparse.ArgumentTypeError(
            f"must be between 0 and {MAX_SECONDS:g} seconds, got {text}"
        )
    return value


def unit_float(text: str) -> float:
    value = _number(text, float)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _flag(parser, name: str, **kwargs) -> None:
    dashed = "--" + name.replace("_", "-")
    names = [dashed] if dashed == "--" + name else [dashed, "--" + name]
    parser.add_argument(*names, dest=name, **kwargs)


class CcprovOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser):
        _flag(
            parser,
            "input",
            action="append",
            default=None,
            help="WARC path or glob (local, s3://, gs://, https://), a file listing paths "
            "(optionally gzipped, like Common Crawl's warc.paths.gz), or a crawl id "
            "such as CC-MAIN-2024-22. Repeat for several. Default: the built-in sample.",
        )
        _flag(
            parser,
            "output",
            default=DEFAULT_OUTPUT,
            help="Output directory or object-store prefix (s3://bucket/prefix, gs://...).",
        )
        _flag(
            parser,
            "max_files",
            type=positive_integer,
            default=None,
            help="Read at most this many input files (after resolving listings).",
        )
        _flag(
            parser,
            "skip_files",
            type=non_negative_integer,
            default=0,
            help="Leave out the first N input files (after resolving listings); with "
            "--max-files, runs one slice of a crawl. Corpus, provenance and dropped shards "
            "keep the files' positions in the whole list, so those folders of different "
            "slices never share a name (hosts/ is per run). With --files-per-shard N it must "
            "be a multiple of N.",
        )
        _flag(
            parser,
            "dump",
            default=None,
            help="Crawl id recorded in the `dump` column when it cannot be inferred.",
        )
        _flag(
            parser,
            "cc_base_url",
            default=DEFAULT_CC_BASE_URL,
            help="Where Common Crawl paths are resolved (crawl ids, relative listings).",
        )
        _flag(
            parser,
            "shard_size",
            type=positive_integer,
            default=50_000,
            help="Maximum ledger rows per Parquet shard; a shard's corpus file holds the kept "
            "documents of those rows.",
        )
        _flag(
            parser,
            "files_per_shard",
            type=positive_integer,
            default=1,
            help="Input files whose rows go to one shard (1: one shard per input file). Raise "
            "it for fewer, larger corpus files when few documents per file are kept.",
        )
        _flag(
            parser,
            "filters_config",
            default=None,
            help="TOML or YAML file overriding the FineWeb filter thresholds.",
        )
        _flag(
            parser,
            "languages",
            default=None,
            help="Comma-separated languages to keep (default: en, as FineWeb English); "
            "'all' keeps every language above the score threshold.",
        )
        _flag(
            parser,
            "keep_dropped",
            action="store_true",
            default=False,
            help="Also write dropped documents' text to OUTPUT/dropped/.",
        )
        _flag(
            parser,
            "overwrite_takedowns",
            action="store_true",
            default=False,
            help="Run into an OUTPUT on which takedowns were applied (refused by default: "
            "the new run would put the removed documents back).",
        )
        _flag(
            parser,
            "license_policy",
            choices=LICENSE_POLICIES,
            default="tag-only",
            help="tag-only: tag, drop nothing; open: keep only public-domain, permissive "
            "and copyleft text; no-optout: drop pages with an opt-out (TDM reservation, noai, a "
            "usage preference against AI training, a --robots robots.txt that disallows CCBot, GPTBot "
            "or Google-Extended).",
        )
        _flag(
            parser,
            "robots",
            action="append",
            default=None,
            help="WARC file(s) of robots.txt responses (Common Crawl publishes them per "
            "crawl) to evaluate CCBot, GPTBot, Google-Extended and * per page.",
        )
        _flag(
            parser,
            "ai_model",
            default=None,
            help="fastText AI-text model to use instead of the shipped one.",
        )
        _flag(
            parser,
            "ai_policy",
            choices=AI_POLICIES,
            default="tag-only",
            help="tag-only: score only; drop: drop documents scoring above --ai-threshold.",
        )
        _flag(
            parser,
            "ai_threshold",
            type=unit_float,
            default=None,
            help="AI score above which --ai-policy drop removes a document "
            "(default: the shipped model's tuned threshold).",
        )
        _flag(
            parser,
            "dedup",
            choices=DEDUP_MODES,
            default="minhash",
            help="Deduplication: off, exact (normalised-text hash) or minhash (exact, then "
            "MinHash LSH 14x8 on word 5-grams).",
        )
        _flag(
            parser,
            "dedup_verify_threshold",
            type=unit_float,
            default=0.75,
            help="Keep an LSH candidate pair only if its estimated Jaccard reaches this "
            "(0 disables verification).",
        )
        _flag(
            parser,
            "extractor",
            choices=EXTRACTORS,
            default="trafilatura",
            help="Main-text extractor: trafilatura (FineWeb's settings), trafilatura-fast "
            "(the same without the readability/jusText fallbacks) or resiliparse (fast mode).",
        )
        _flag(
            parser,
            "max_html_bytes",
            type=positive_integer,
            default=5 * 1024 * 1024,
            help="Pages whose (decoded) body exceeds this are dropped as html_too_large.",
        )
        _flag(
            parser,
            "extract_timeout",
            type=seconds,
            default=5.0,
            help="Per-document extraction time limit in seconds (0: no limit, in-process).",
        )
        _flag(
            parser,
            "language_precheck",
            choices=("on", "off"),
            default="on",
            help="With the trafilatura extractor: skip extracting pages whose quick "
            "(resiliparse) text is clearly in a language --languages does not keep; they are "
            "dropped as language:not_in_languages (docs/benchmarks.md).",
        )
        _flag(
            parser,
            "extract_memory_mb",
            type=non_negative_integer,
            default=1024,
            help="Address-space cap of the extraction child process in MiB; pages that "
            "exceed it are dropped as extraction_memory_limit (0: no cap).",
        )
        _flag(
            parser,
            "io_retry_seconds",
            type=seconds,
            default=60.0,
            help="How long transient read errors on remote inputs are retried.",
        )
        _flag(
            parser,
            "quiet",
            action="store_true",
            default=False,
            help="No progress or summary output.",
        )
