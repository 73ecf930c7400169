"""The `ccprov` command.

  ccprov run [--input ...] [--output ...] [any Beam option]   run the pipeline
  ccprov ai train|eval ...                                     the AI-text detector

Bad arguments print one line on stderr and exit with code 2; no tracebacks for user errors.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import functools
import json
import logging
import os
import shutil
import signal
import sys

from pipeline import local_worker, release_ctrl_c, worker_supervision
from pipeline.errors import (
    OUT_OF_MEMORY_MESSAGE,
    UsageError,
    interrupted_by_user,
    is_utf8,
    out_of_memory,
    output_write_failure,
    quiet_stopped_run_reports,
    shown_name,
)


class _QuietBeamImportNoise(logging.Filter):
    # Beam's optional GCP modules log this at import even when GCS is never used.
    def filter(self, record: logging.LogRecord) -> bool:
        return "apitools not found" not in str(record.msg)


def _setup_logging(level: int = logging.WARNING) -> None:
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    if not any(isinstance(f, _QuietBeamImportNoise) for f in root.filters):  # main() may rerun
        root.addFilter(_QuietBeamImportNoise())
    quiet_stopped_run_reports()
    # Import the module that logs the noise now, while the filter is in place: Beam
    # reconfigures logging when a pipeline starts, and would otherwise print it then.
    try:
        import apache_beam.io.gcp.internal.clients.bigquery  # noqa: F401
    except Exception:  # noqa: BLE001 - GCP extras are optional
        pass


class _OneLineParser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting."""

    def error(self, message):
        raise UsageError(message)


_GIVEN = "_ccprov_options_given"  # on the namespace while it is parsed


class _StoreOnce(argparse._StoreAction):
    """An option that takes a value, refused when given twice: argparse keeps the last one
    without a word, so `takedown --urls a.txt --urls b.txt` removed b.txt's pages only."""

    def __call__(self, parser, namespace, values, option_string=None):
        if option_string is not None:
            given = namespace.__dict__.setdefault(_GIVEN, set())
            if self.dest in given:
                raise argparse.ArgumentError(
                    self, "given twice; it takes one value, and the second would replace the first"
                )
            given.add(self.dest)
        super().__call__(parser, namespace, values, option_string)


class _StrictParser(_OneLineParser):
    """ccprov's own commands and options: one line on error, and no option given twice.
    (Beam's options keep Beam's rule, the last one wins: runners and templates rely on it.)"""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register("action", None, _StoreOnce)
        self.register("action", "store", _StoreOnce)

    def parse_known_args(self, args=None, namespace=None):
        parsed, rest = super().parse_known_args(args, namespace)
        parsed.__dict__.pop(_GIVEN, None)
        return parsed, rest


# Runners whose job server has options of its own (Flink's --checkpointing_interval,
# --execution_mode_for_batch, --object_reuse...): Beam asks the job server which it knows, or
# hands them to the uber jar, so they cannot all be known here.
RUNNERS_WITH_OWN_OPTIONS = ("flinkrunner", "sparkrunner", "portablerunner")


def _ccprov_parser() -> _OneLineParser:
    """ccprov's own options alone, strictly: a bad value or an unknown one is one line."""
    from pipeline.options import CcprovOptions

    parser = _StrictParser(add_help=False, allow_abbrev=False)
    CcprovOptions._add_argparse_args(parser)
    return parser


def _check_known_flags(argv: list[str], runner: str = "") -> None:
    """Reject flags no Beam or ccprov option class knows (typos would otherwise be ignored);
    for a job-server runner they are passed on, and named on stderr."""
    from apache_beam.options.pipeline_options import PipelineOptions

    parser = _OneLineParser(add_help=False, allow_abbrev=False)
    seen: set[type] = set()

    def register(cls):
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                try:
                    sub._add_argparse_args(parser)
                except argparse.ArgumentError:
                    pass  # an option declared by two classes; one is enough here
                register(sub)

    register(PipelineOptions)
    _, unknown = parser.parse_known_args(argv)
    flags = [u for u in unknown if u.startswith("-")]
    from pipeline.plan import runner_key

    if flags and runner_key(runner) in RUNNERS_WITH_OWN_OPTIONS:
        # ccprov's own options stay strict: a near miss of one is a typo, not a job-server option.
        own = [s for a in _ccprov_parser()._actions for s in a.option_strings]
        for flag in flags:
            name = flag.split("=")[0]
            close = difflib.get_close_matches(name, own, n=1, cutoff=0.8)
            abbreviates = any(o.startswith(name) for o in own)
            if close or abbreviates or "-" in name.lstrip("-"):
                guess = close[0] if close else next((o for o in own if o.startswith(name)), "")
                hint = f" (did you mean {guess}?)" if guess else ""
                raise UsageError(f"unknown option {name}{hint}")
        # A positional is passed on only as the value of the unknown flag just before it;
        # any other (an unquoted glob's second file) is refused as for every runner.
        pending = iter(unknown)
        expected = next(pending, None)
        previous = None
        for arg in argv:
            if arg == expected:
                if not arg.startswith("-") and not (
                    previous is not None and previous.startswith("-") and "=" not in previous
                ):
                    raise UsageError(
                        f"unexpected argument {arg!r}: each value follows its option; one "
                        "--input per path, or quote a glob: --input 'dir/*.warc.gz'"
                    )
                previous, expected = arg, next(pending, None)
            else:
                previous = None
        names = ", ".join(dict.fromkeys(f.split("=")[0] for f in flags))
        # Beam asks the job server which options it has, and drops the others with a warning.
        print(
            f"ccprov: {names}: not a ccprov or Beam SDK option; left to {runner}'s job server",
            file=sys.stderr,
        )
        return
    if flags:
        raise UsageError(f"unknown option {flags[0].split('=')[0]}")
    if unknown:
        # Beam would discard them with a warning: an unquoted glob after --input (expanded
        # by the shell) would lose every file but the first.
        raise UsageError(
            f"unexpected argument {unknown[0]!r}: each value follows its option, and switches "
            "(--quiet, --streaming, ...) take none; one --input per path, or quote a glob: "
            "--input 'dir/*.warc.gz'"
        )


def make_runner(options):
    """The runner to use; DirectRunner means the offline FnApiRunner.

    Since Beam 2.68 the DirectRunner first tries Prism, whose binary is downloaded at run
    time; local runs go straight to the FnApiRunner (which honours --direct_num_workers and
    --direct_running_mode) so they work offline and without noisy failed downloads.
    """
    from pipeline.plan import is_local_runner, runner_name

    name = runner_name(options)
    if is_local_runner(options):
        from apache_beam.options.pipeline_options import DirectOptions

        workers = options.view_as(DirectOptions).direct_num_workers
        if workers is not None and workers < 0:
            raise UsageError(f"--direct_num_workers must be >= 0 (0: one per CPU), got {workers}")
        most = max_local_workers()
        if workers is not None and workers > most:
            raise UsageError(
                f"--direct_num_workers must be at most {most} on this machine (4 per CPU, "
                f"at least 16: the work is CPU-bound, and each worker adds memory), got {workers}"
            )
        from apache_beam.portability.api import beam_provision_api_pb2
        from apache_beam.runners.portability.fn_api_runner import fn_runner
        from apache_beam.runners.portability.portable_runner import JobServiceHandle

        encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
        info = fn_runner.ExtendedProvisionInfo(
            beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded)
        )
        streamed = stream_large_groups(LOCAL_GROUP_INLINE_BYTES)
        read_large_groups_in_pieces(LOCAL_INPUT_MESSAGE_BYTES)
        send_worker_inputs_in_chunks(LOCAL_INPUT_MESSAGE_BYTES)
        local_worker.fix_mmap_threshold()  # the runner holds every shuffle
        local_worker.flush_outputs_at(LOCAL_INPUT_MESSAGE_BYTES)  # and joins messages up to it
        worker_supervision.install_supervised_handler()  # a dead worker ends the run
        return local_runner_class()(provision_info=info, use_state_iterables=streamed)
    from apache_beam.runners.runner import create_runner

    try:
        return create_runner(name)
    except (ValueError, ImportError) as exc:
        raise UsageError(f"unknown runner {name!r}: {str(exc).splitlines()[0]}") from exc


def max_local_workers() -> int:
    """The most local workers a run may ask for. Each is a process of 100-600 MB started one
    after another, so 100,000 of them tied up the machine for hours before failing; more
    than a few per CPU only add memory (the extraction they run is CPU-bound). At least 16,
    so that a machine or container with few CPUs can still try a wider run."""
    return max(16, 4 * (os.cpu_count() or 1))


def local_runner_class():
    """The FnApiRunner, starting its multi-process workers through `pipeline.local_worker`
    (bounded data buffers) instead of Beam's worker module.

    The FnApiRunner picks the worker command itself when the run's options ask for
    multi_processing, after construction, so the command is swapped where it is stored.
    """
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    from apache_beam.transforms.environments import SubprocessSDKEnvironment

    class LocalRunner(fn_runner.FnApiRunner):
        @property
        def _default_environment(self):
            return self._ccprov_environment

        @_default_environment.setter
        def _default_environment(self, environment):
            if isinstance(environment, SubprocessSDKEnvironment) and (
                environment.command_string.endswith(
                    " -m apache_beam.runners.worker.sdk_worker_main"
                )
            ):
                environment = SubprocessSDKEnvironment.from_command_string(
                    local_worker.command_line()
                )
            self._ccprov_environment = environment

    return LocalRunner


# A grouped value (key and its iterable) larger than this is not sent to the local worker
# inline but read from the runner lazily, as Dataflow and Flink do with large groups.
LOCAL_GROUP_INLINE_BYTES = 1024 * 1024


def stream_large_groups(threshold_bytes: int) -> bool:
    """Make the FnApiRunner's state-backed iterables start at `threshold_bytes`; returns
    whether they can be used (False if this Beam version lacks the hook: then every group
    is sent inline, as by default).

    Its `use_state_iterables` alone sends every group's values through the state API after
    the first byte, which tripled a run's CPU (thousands of tiny dedup groups, each a round
    trip); with a threshold only the large groups (the writer's) are streamed, so a local
    worker no longer receives half of the writer stage's documents at once.
    """
    from apache_beam.portability import common_urns
    from apache_beam.runners.portability.fn_api_runner import translations

    context = getattr(translations, "TransformContext", None)
    current = getattr(context, "with_state_iterables", None)
    if current is None:
        return False
    original = getattr(current, "_ccprov_original", current)

    def with_state_iterables(self, coder_id):
        new_id = original(self, coder_id)
        coder = self.components.coders[new_id]
        if coder.spec.urn == common_urns.coders.STATE_BACKED_ITERABLE.urn:
            coder.spec.payload = str(threshold_bytes).encode("ascii")
        return new_id

    with_state_iterables._ccprov_original = original
    context.with_state_iterables = with_state_iterables
    return True


def read_large_groups_in_pieces(piece_bytes: int) -> bool:
    """Make the FnApiRunner keep a streamed group's values (see `stream_large_groups`) in
    pieces of about `piece_bytes` and hand them to the worker one piece per state
    response; returns whether the hooks exist.

    Beam's runner stores such a group as one piece and answers the worker's read with all
    of it at once: a writer group of 2,000 documents is one 10-20 MB response, held by
    the worker several times over while it arrives (gRPC's buffers, the bytes, the
    protobuf), on top of the documents it decodes. Continuation tokens are Beam's own
    protocol for reading state in parts; the runner keeps what each token refers to, so
    that is released when its read ends.
    """
    from apache_beam.coders.coder_impl import create_OutputStream
    from apache_beam.portability.api import beam_fn_api_pb2
    from apache_beam.runners.portability.fn_api_runner import execution, worker_handlers

    context = getattr(execution, "FnApiRunnerExecutionContext", None)
    servicer = getattr(worker_handlers, "StateServicer", None)
    write = getattr(context, "_iterable_state_write", None)
    get_raw = getattr(servicer, "get_raw", None)
    if write is None or get_raw is None or not hasattr(execution, "unique_name"):
        return False

    def iterable_state_write(self, values, element_coder_impl) -> bytes:
        state = self.worker_handler_manager.state_servicer
        token = execution.unique_name(None, "iter").encode("ascii")
        key = beam_fn_api_pb2.StateKey(runner=beam_fn_api_pb2.StateKey.Runner(key=token))
        out = create_OutputStream()
        for element in values:
            element_coder_impl.encode_to_stream(element, out, True)
            if out.size() >= piece_bytes:
                state.append_raw(key, out.get())
                out = create_OutputStream()
        if out.size():
            state.append_raw(key, out.get())
        return token

    original_get = getattr(get_raw, "_ccprov_original", get_raw)

    def get_raw_in_pieces(self, state_key, continuation_token=None):
        self._use_continuation_tokens = True
        data, token = original_get(self, state_key, continuation_token)
        if continuation_token and token is None:  # the last piece was read
            # Emptied, not removed: Beam names a new token after the number of entries.
            self._continuations[continuation_token.split(b":")[0]] = ()
        return data, token

    iterable_state_write._ccprov_original = getattr(write, "_ccprov_original", write)
    get_raw_in_pieces._ccprov_original = original_get
    context._iterable_state_write = iterable_state_write
    servicer.get_raw = get_raw_in_pieces
    return True


# The most a data message from the local runner to a worker holds, give or take one element:
# the size the workers send theirs at. A worker holds several copies of a message while it
# arrives (gRPC's buffers, the bytes, the decoded protobuf, its payload).
LOCAL_INPUT_MESSAGE_BYTES = local_worker.OUTPUT_FLUSH_BYTES


def send_worker_inputs_in_chunks(message_bytes: int) -> bool:
    """Make the FnApiRunner send a stage's input to a local worker in messages of about
    `message_bytes` instead of one message; returns whether the hooks exist.

    The FnApiRunner concatenates what a worker is to read into a single message: in the
    stage that moves all documents through the Flatten in front of the writer's group,
    that message was about 115 MB per worker at 20,000 records, and a grouped input (a
    GroupByKey's output) is one piece per worker whatever its size, 20 MB at 40,000
    records for dedup's groups. Both grew with the input. Here grouped inputs are cut into
    pieces of whole elements, as the worker requires, and pieces are sent as they
    accumulate, so the worker's bounded receive queue (pipeline/local_worker.py) makes the
    runner wait instead.
    """
    from apache_beam.runners.portability.fn_api_runner import execution, fn_runner

    manager = getattr(fn_runner, "BundleManager", None)
    current = getattr(manager, "_send_input_to_worker", None)
    grouping = getattr(execution, "GroupingBuffer", None)
    partition = getattr(grouping, "partition", None)
    if current is None or partition is None:
        return False

    def _send_input_to_worker(self, process_bundle_id, read_transform_id, byte_streams):
        data_out = self._worker_handler.data_conn.output_stream(
            process_bundle_id, read_transform_id
        )
        for byte_stream in byte_streams or []:
            if data_out.size() and data_out.size() + len(byte_stream) > message_bytes:
                data_out.flush()
            data_out.write(byte_stream)
        data_out.close()

    _send_input_to_worker._ccprov_original = getattr(current, "_ccprov_original", current)
    manager._send_input_to_worker = _send_input_to_worker

    original_partition = getattr(partition, "_ccprov_original", partition)

    def partition_in_pieces(self, n: int) -> list[list[bytes]]:
        if self._grouped_output or len(self._table) < 2:
            return original_partition(self, n)
        self._grouped_output = grouped_in_pieces(self, n, original_partition, message_bytes)
        return self._grouped_output

    partition_in_pieces._ccprov_original = original_partition
    grouping.partition = partition_in_pieces
    return True


def grouped_in_pieces(buffer, n: int, partition, piece_bytes: int) -> list[list[bytes]]:
    """What `partition(buffer, n)` returns (each of `n` workers' groups, encoded), but as
    pieces of about `piece_bytes` instead of one piece per worker.

    Beam's own partition encodes the groups it is given; it is called on batches of the
    buffer's keys, sized from the bytes per key seen so far. Key number i still goes to
    worker i % n.
    """
    table = buffer._table
    keys = list(table)
    pieces: list[list[bytes]] = [[] for _ in range(n)]
    batch, done = n, 0
    while done < len(keys):
        part = copy.copy(buffer)
        part._grouped_output = None
        taken = keys[done : done + batch]
        part._table = {key: table.pop(key) for key in taken}
        encoded = partition(part, n)
        for worker, worker_pieces in enumerate(encoded):
            pieces[(worker + done) % n].extend(p for p in worker_pieces if p)
        size = sum(len(p) for worker_pieces in encoded for p in worker_pieces)
        done += len(taken)
        batch = max(n, int(batch * piece_bytes * n / max(size, 1)))
    return [worker_pieces or [b""] for worker_pieces in pieces]


def quiet_worker_processes(options) -> None:
    """--quiet also for Beam's worker processes: they set their own log level from this
    option (INFO by default), which a user's explicit value still overrides."""
    from apache_beam.options.pipeline_options import WorkerOptions

    harness = options.view_as(WorkerOptions)
    if harness.default_sdk_harness_log_level is None:
        harness.default_sdk_harness_log_level = "WARNING"


def check_local_output(output: str) -> None:
    """Fail before any work when a local OUTPUT cannot take the run's files: it is a file,
    sits under one, or cannot be created or written. (Found only by the writer, these cost
    the whole run, then a minute of retries and a traceback.)"""
    import os
    import tempfile

    if "://" in output:
        return  # object stores: check_s3_buckets
    if os.path.exists(output) and not os.path.isdir(output):
        raise UsageError(f"--output {output} is a file, not a folder")
    try:
        os.makedirs(output, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=output, prefix=".ccprov-write-check-"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(f"cannot write to --output {output}: {reason}") from None


def check_filesystems(paths: list[str]) -> None:
    """Every scheme named must have a Beam filesystem in this environment (gs:// needs
    apache-beam[gcp], which ccprov does not install): otherwise Beam's traceback."""
    from pipeline.plan import has_filesystem

    for path in paths:
        if "://" not in path or path.startswith(("http://", "https://")):
            continue  # local paths; http(s) is read by ccprov itself
        if not has_filesystem(path):
            scheme = path.split("://", 1)[0]
            hint = (
                " (.venv/bin/pip install -c deploy/constraints.txt -e '.[gcp]', as the README says)"
                if scheme == "gs"
                else ""
            )
            raise UsageError(f"{path}: no filesystem for {scheme}:// here{hint}")


def check_s3_buckets(options, paths: list[str], output: str | None = None) -> None:
    """Fail fast, before any work, when an s3:// bucket of `paths` (the run's inputs, output
    and the files it reads at launch) is missing or refuses the given credentials, or
    `output` refuses writes (otherwise the run would fail at its first write, its work lost;
    a file read at launch would be retried by Beam for minutes, printing tracebacks)."""
    buckets = sorted({p[5:].split("/", 1)[0] for p in paths if p.startswith("s3://")})
    if "" in buckets:
        raise UsageError("an s3:// path names no bucket: give s3://BUCKET/...")
    if not buckets:
        return
    from apache_beam.options.pipeline_options import S3Options

    from pipeline.audit.store import S3Settings, check_s3_bucket, check_s3_output_writable

    settings = S3Settings.from_args(options.view_as(S3Options))
    for bucket in buckets:
        check_s3_bucket(settings, bucket)
    if output and output.startswith("s3://"):
        check_s3_output_writable(settings, output)


def check_job_endpoint(options) -> None:
    """A Beam job server (--job_endpoint, Flink's and Spark's way in) that nothing answers at
    is a one-line error before the run: Beam itself waits for it without end."""
    import socket

    from apache_beam.options.pipeline_options import PortableOptions

    endpoint = options.view_as(PortableOptions).job_endpoint
    if not endpoint or endpoint == "embed":
        return
    host, _, port = endpoint.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"--job_endpoint {endpoint}: expected HOST:PORT")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=10).close()
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise UsageError(f"--job_endpoint {endpoint}: no job server answers ({reason})") from None


class RunFailed(RuntimeError):
    """A run that stopped for a reason the user can act on: one line, exit status 1."""


def run_command(argv: list[str], hard_exit_on_dead_worker: bool = False) -> int:
    """`ccprov run`; `hard_exit_on_dead_worker`: the command line's last resort when a local
    worker dies and the runner does not stop (pipeline/worker_supervision.py)."""
    import apache_beam as beam
    from apache_beam.io.filesystems import FileSystems
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipeline.options import CcprovOptions
    from pipeline.plan import is_local_runner, runner_name

    # ccprov's own flags are parsed strictly first, so a bad value is a one-line error.
    _ccprov_parser().parse_known_args(argv)
    options = PipelineOptions(argv)
    _check_known_flags(argv, runner_name(options))

    FileSystems.set_options(options)
    opts = options.view_as(CcprovOptions)
    if opts.quiet or is_local_runner(options):
        # Local worker processes would print ~20 lines of Beam's start-up INFO each on the
        # user's terminal; ccprov's own progress lines say what is going on. (Before
        # make_runner, which hands the options to the workers.)
        quiet_worker_processes(options)
    runner = make_runner(options)
    # Before anything is touched: the runner's own option checks (Dataflow: project, region,
    # temp_location...), whose warnings would add lines to the one-line error.
    options_log = logging.getLogger("apache_beam.options.pipeline_options")
    level = options_log.level
    options_log.setLevel(logging.ERROR)
    try:
        p = beam.Pipeline(runner=runner, options=options)
    except ValueError as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        raise UsageError(" ".join(lines)[:500]) from None
    finally:
        options_log.setLevel(level)
    try:
        return check_and_run(p, runner, options, hard_exit_on_dead_worker)
    finally:
        # Beam makes a temporary folder for each Pipeline and removes it only in run(): every
        # run refused by the checks would leave one behind in /tmp.
        shutil.rmtree(p.local_tempdir, ignore_errors=True)


def check_and_run(p, runner, options, hard_exit_on_dead_worker: bool) -> int:
    """The run's checks (endpoint, output, file systems, buckets, the plan), then the run and
    its summary: apart from `run_command`, which removes Beam's temporary folder after it."""
    from apache_beam.io.filesystems import FileSystems

    from pipeline.assembly import build_pipeline
    from pipeline.options import CcprovOptions
    from pipeline.plan import check_output_url, check_remote_run, is_local_runner, plan_run
    from transforms.writer import MANIFEST, join, restore_previous_run, retire_previous_run

    opts = options.view_as(CcprovOptions)
    check_job_endpoint(options)
    check_output_url(opts.output)
    launch_files = [p for p in (opts.filters_config, opts.ai_model, *(opts.robots or [])) if p]
    check_filesystems([*(opts.input or []), opts.output, *launch_files])
    check_s3_buckets(options, [*(opts.input or []), opts.output, *launch_files], output=opts.output)
    plan = plan_run(options)
    check_remote_run(options, plan)
    check_s3_buckets(options, plan.inputs)
    check_local_output(plan.output)
    run_lock = lock_local_output(plan.output)
    try:
        previous_markers = retire_previous_run(plan.output)
        if not opts.quiet:
            print(
                f"ccprov: {plan.describe_inputs()} -> {plan.output} (runner {type(runner).__name__})",
                file=sys.stderr,
            )
        build_pipeline(p, options, plan)
        deaths = worker_supervision.DEATHS
        hard_exit = None
        if hard_exit_on_dead_worker:  # leaves no temporary folder behind it either
            from transforms.ai_detect import fetched_model_folders

            hard_exit = functools.partial(
                worker_supervision.exit_process,
                lambda: [p.local_tempdir, *fetched_model_folders()],
            )
        deaths.start_run(hard_exit)
        result = None
        quiet_job_message_reader()
        try:
            try:
                result = submit(p, runner)
            except RunFailed:  # the job never started: the previous run's output is whole
                restore_previous_run(plan.output, previous_markers)
                raise
            result.wait_until_finish()
        except RunFailed:
            raise
        except KeyboardInterrupt:
            deaths.interrupted()
            if not finished_before_interrupt(plan):
                say_remote_job_goes_on(result, runner, options)
                raise
        except Exception as exc:
            if interrupted_by_user(exc):
                deaths.interrupted()
                if not finished_before_interrupt(plan):
                    say_remote_job_goes_on(result, runner, options)
                    raise KeyboardInterrupt from None
            else:
                write_failure = output_write_failure(exc)
                if write_failure:
                    raise RunFailed(
                        f"{write_failure}; the run stopped and wrote no _SUCCESS"
                    ) from None
                if is_local_runner(options) and out_of_memory(exc):
                    raise RunFailed(OUT_OF_MEMORY_MESSAGE) from None
                if result is not None and not is_local_runner(options):
                    # A failed or cancelled Dataflow/Flink job: its logs are the service's,
                    # and Beam's exception quotes them whole (worker stack traces).
                    raise RunFailed(remote_job_failure(exc, type(runner).__name__)) from exc
                death = deaths.first(wait_s=worker_supervision.DEATH_NOTICE_WAIT_S)
                if death is None:
                    raise
                raise RunFailed(death.message()) from exc
        finally:
            deaths.end_run()
    finally:  # the job is over (or never started): another run may write here
        if run_lock is not None:
            run_lock.close()
    if hard_exit_on_dead_worker:  # the command line, not a library call
        # The run is complete: a Ctrl-C from here on would only kill the summary or Python's
        # shutdown, and the shell would report a finished run as interrupted.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    staged = staged_template(options)
    if staged:  # Dataflow only wrote the job's description: nothing ran, nothing was written
        restore_previous_run(plan.output, previous_markers)
        print(f"ccprov: the job was staged as a template at {staged}", file=sys.stderr)
        return 0
    try:
        with FileSystems.open(join(plan.output, MANIFEST)) as handle:
            manifest = json.loads(handle.read())
    except (OSError, ValueError) as exc:  # a cluster's workers wrote where this machine
        # cannot read (a local --output on disks of their own), or nothing at all
        raise RunFailed(
            f"the job ended, but {join(plan.output, MANIFEST)} cannot be read here: {one_line(exc)}"
        ) from None
    if not opts.quiet:
        print(format_summary(manifest, plan.output))
    nothing_read = no_input_read(manifest, plan.output)
    if nothing_read:
        raise RunFailed(nothing_read)
    return 0


def staged_template(options) -> str | None:
    """--template_location of a Dataflow run: where the job was staged instead of run."""
    from apache_beam.options.pipeline_options import GoogleCloudOptions

    from pipeline.plan import is_dataflow_run

    if not is_dataflow_run(options):  # other runners ignore the option
        return None
    return options.view_as(GoogleCloudOptions).template_location or None


def quiet_job_message_reader() -> None:
    """Beam reads a portable job's messages on a thread of its own, which dies with a
    traceback when the job service goes away; the main thread reports the failure in one
    line (`remote_job_failure`)."""
    import threading

    previous = threading.excepthook
    if getattr(previous, "ccprov_quiet", False):
        return

    def hook(args) -> None:
        if args.thread is not None and args.thread.name == "wait_until_finish_read":
            return
        previous(args)

    hook.ccprov_quiet = True  # type: ignore[attr-defined]
    threading.excepthook = hook


def remote_job_failure(exc: BaseException, runner_class: str, limit: int = 400) -> str:
    """One line for a submitted job that failed: the start of what the runner said (its
    logs hold the rest)."""
    said = one_line(exc) or type(exc).__name__
    if len(said) > limit:
        said = said[:limit] + "... (the job's logs hold the rest)"
    return f"the job failed on {runner_class}: {said}"


def lock_local_output(output: str):
    """An exclusive lock on a local OUTPUT for the length of the run: a second run into it
    would delete the first one's temporary parts at its commit, and both reported success
    with one run's output left. The kernel releases the lock when the process ends, however
    it ends. Object stores have no such lock (docs/reliability.md)."""
    import os

    from transforms.writer import RUN_LOCK

    try:
        import fcntl
    except ImportError:  # not a POSIX system: no lock
        return None
    if "://" in output:
        return None
    handle = open(os.path.join(output, RUN_LOCK), "a+")  # noqa: SIM115 - held for the run
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise UsageError(
            f"another ccprov run is writing --output {output} (pid {holder}): wait for it to "
            "finish, or choose another output"
        ) from None
    except OSError:  # a file system without locks: run unlocked, as before
        return handle
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def no_input_read(manifest: dict, output: str) -> str | None:
    """Why a finished run counts as failed: not one record could be read, and files failed
    (every input missing, unreachable or not a WARC). The output is written all the same,
    its manifest listing the files' errors."""
    errors = manifest.get("file_errors") or []
    if manifest["counts"]["records_read"] or not errors:
        return None
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return (
        f"no input could be read: {first['kind']} {first['warc_path']}: {first['message']}"
        f"{more}; {output}/manifest.json lists every file error"
    )


def finished_before_interrupt(plan) -> bool:
    """Ctrl-C reached the runner after this run had written its _SUCCESS (Beam's teardown
    takes a moment): the output is complete, so say so rather than "interrupted"."""
    from apache_beam.io.filesystems import FileSystems

    from transforms.writer import SUCCESS, join

    try:
        with FileSystems.open(join(plan.output, SUCCESS)) as handle:
            finished = handle.read().decode("utf-8", "replace").strip() == plan.spec.run_id
    except Exception:  # noqa: BLE001 - no _SUCCESS, or no way to read it: not finished
        return False
    if finished:
        print(
            "ccprov: interrupted after the run had finished: the output is complete",
            file=sys.stderr,
        )
        forget_unhandled_interrupt()
    return finished


def say_remote_job_goes_on(result, runner, options) -> None:
    """Ctrl-C stops only this process's wait: a job submitted to Dataflow or a Flink cluster
    goes on running (and will write the output and its _SUCCESS). Say so, and how to stop it."""
    note = remote_job_note(result, type(runner).__name__, options)
    if note:
        print(f"ccprov: {note}", file=sys.stderr)


def remote_job_note(result, runner_class: str, options) -> str | None:
    """What to tell the user about a submitted job that outlives ccprov, or None for a local
    run (whose job ends with the process)."""
    from apache_beam.options.pipeline_options import PortableOptions

    from pipeline.plan import IN_PROCESS_RUNNERS, LOCAL_RUNNERS, runner_key

    in_process = options.view_as(PortableOptions).job_endpoint == "embed"
    # (LocalRunner: ccprov's own FnApiRunner class)
    local = (*LOCAL_RUNNERS, *IN_PROCESS_RUNNERS, "localrunner")
    if result is None or runner_key(runner_class) in local or in_process:
        return None  # not submitted, or run in this process: it stops with it
    job_id = _job_id_of(result)
    if runner_class == "DataflowRunner":
        from apache_beam.options.pipeline_options import GoogleCloudOptions

        gcp = options.view_as(GoogleCloudOptions)
        if not job_id:
            return "the Dataflow job may still be running: cancel it in the Cloud console"
        flags = "".join(
            f" --{name} {value}"
            for name, value in (("region", gcp.region), ("project", gcp.project))
            if value  # else gcloud's own defaults, as for the submission
        )
        return (
            f"the Dataflow job {job_id} is still running: cancel it with "
            f"`gcloud dataflow jobs cancel {job_id}{flags}`"
        )
    endpoint = options.view_as(PortableOptions).job_endpoint
    where = "the Flink cluster" if runner_class == "FlinkRunner" else "the job service"
    where += f" at {endpoint}" if endpoint else ""
    return (
        f"the job{f' {job_id}' if job_id else ''} may still be running on {where}: "
        "cancel it there (Flink: its web UI or `flink cancel`)"
    )


def _job_id_of(result) -> str | None:
    job_id = getattr(result, "job_id", None)
    try:
        job_id = job_id() if callable(job_id) else job_id
    except Exception:  # noqa: BLE001 - a result without a job id: say so without it
        return None
    job_id = job_id or getattr(result, "_job_id", None)
    return str(job_id) if job_id else None


def submit(p, runner):
    """`p.run()`. On a remote runner that only submits the job, so a failure here (a job
    server jar that cannot be found or fetched, credentials refused) is the user's to fix and
    is said in one line; the local runner runs the whole pipeline inside `run()`."""
    from apache_beam.runners.portability.fn_api_runner import fn_runner

    try:
        return p.run()
    except Exception as exc:
        if isinstance(runner, fn_runner.FnApiRunner) or interrupted_by_user(exc):
            raise
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise RunFailed(
            f"could not start the run on {type(runner).__name__}: {first_line}"
        ) from exc


def format_summary(manifest: dict, output: str) -> str:
    counts = manifest["counts"]
    lines = [
        f"records read:   {counts['records_read']} "
        f"({', '.join(f'{k} {v}' for k, v in counts['records_by_type'].items())})",
        f"responses:      {counts['responses']} (ledger rows: {counts['ledger_rows']})",
        f"kept:           {counts['kept']}",
        f"dropped:        {counts['dropped']}",
    ]
    for reason, n in sorted(counts["drop_reasons"].items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {reason:<40} {n}")
    # Record errors are ledger rows; file errors (damaged stretches, unreadable files) are
    # not, but their kinds are listed with the records' below.
    file_errors = len(manifest.get("file_errors") or [])
    also = f" (+ {file_errors} file errors, listed in manifest.json)" if file_errors else ""
    lines.append(f"errors:         {counts['errors']}{also}")
    for kind, n in sorted(counts["error_kinds"].items()):
        lines.append(f"  {kind:<40} {n}")
    lines.append("funnel:")
    for step in manifest["funnel"]:
        lines.append(
            f"  {step['stage']:<20} in {step['in']:>7}  removed {step['removed']:>7}"
            f"  out {step['out']:>7}"
        )
    files = manifest["files"]
    written = ", ".join(f"{kind} {len(files[kind])}" for kind in files if files[kind])
    lines.append(f"shards written: {written or 'none (no response records)'}")
    skipped = manifest.get("skipped_input_count") or 0
    if skipped:
        lines.append(
            f"left out:       {skipped} file(s), folder(s) or second name(s) of a file "
            "(manifest.json: skipped_inputs)"
        )
    lines.append(f"output:         {output} (manifest.json, _SUCCESS)")
    return "\n".join(lines)


class _PrintVersion(argparse.Action):
    """argparse's own version action wraps the line at the terminal's width."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_line())
        parser.exit()


def version_line() -> str:
    """ccprov's version, then Python's and the libraries' a run records in its manifest."""
    from pipeline.plan import software_versions

    versions = software_versions()
    ccprov = versions.pop("ccprov")
    parts = [f"{name} {version or 'not installed'}" for name, version in versions.items()]
    return f"ccprov {ccprov} ({', '.join(parts)})"


def build_parser() -> argparse.ArgumentParser:
    parser = _StrictParser(prog="ccprov", description="Training-data provenance pipeline.")
    parser.add_argument("--version", action=_PrintVersion, help="print versions and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the pipeline (ccprov run --help for options)", add_help=False)
    try:
        from pipeline.ai_cli import add_ai_parser
    except ImportError:
        add_ai_parser = None
    if add_ai_parser is not None:
        add_ai_parser(sub)
    from pipeline.audit import add_audit_parsers

    add_audit_parsers(sub)
    return parser


def _print_run_help() -> None:
    from pipeline.options import CcprovOptions

    parser = argparse.ArgumentParser(
        prog="ccprov run",
        description="Run the ccprov pipeline. Any Beam option "
        "(--runner, --direct_num_workers, Dataflow, "
        "Flink, S3 flags) is accepted too.",
    )
    CcprovOptions._add_argparse_args(parser)
    parser.print_help()


def main(argv: list[str] | None = None) -> int:
    from_command_line = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        release_ctrl_c()
        _setup_logging()
        check_utf8_arguments(argv)
        if argv and argv[0] == "run":
            if "-h" in argv[1:] or "--help" in argv[1:]:
                _print_run_help()
                return 0
            return run_command(argv[1:], hard_exit_on_dead_worker=from_command_line)
        if not argv or argv[0] in ("-h", "--help"):
            build_parser().print_help()
            return 0 if argv else 2
        args = build_parser().parse_args(argv)
        return int(args.handler(args) or 0)
    except UsageError as exc:
        print(f"ccprov: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except RunFailed as exc:
        print(f"ccprov: error: {one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if from_command_line:
            # A second Ctrl-C (people press it twice) during the line or Python's shutdown
            # killed the process by SIGINT: status -2 for a caller instead of 130.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        return interrupted()
    except BrokenPipeError:
        return reader_gone()
    except MemoryError:  # in this process, before or after the run's own handling
        print(f"ccprov: error: {MEMORY_EXHAUSTED_MESSAGE}", file=sys.stderr)
        return 1


MEMORY_EXHAUSTED_MESSAGE = "ccprov ran out of memory; free memory, then rerun"


def check_utf8_arguments(argv: list[str]) -> None:
    """An argument that is not UTF-8 (a file name in Latin-1, say) reaches Python as text with
    surrogates, which Beam's options and the Parquet shards cannot hold: say so in one line
    rather than fail deep inside Beam."""
    for arg in argv:
        if not is_utf8(arg):
            raise UsageError(
                f"argument {shown_name(arg)} is not valid UTF-8: ccprov records paths and "
                "values as UTF-8 text; rename the file"
            )


def one_line(message) -> str:
    """An error message on one line, whatever a value quoted in it holds (a doc id with a
    newline, a path with a tab); printable as UTF-8 whatever bytes the arguments carried."""
    text = " ".join(str(message).split())
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def reader_gone() -> int:
    """stdout's reader went away (`ccprov query ... | head`): stop quietly, with the status
    shells report for SIGPIPE. Python would otherwise print a traceback, and another
    "Exception ignored" when it flushes stdout at exit, so stdout is pointed at /dev/null."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141


def interrupted() -> int:
    """After Ctrl-C: one line, and exit status 130 (what shells report for SIGINT)."""
    print("ccprov: interrupted", file=sys.stderr)
    forget_unhandled_interrupt()
    return 130


def forget_unhandled_interrupt() -> None:
    """CPython 3.11 marks a KeyboardInterrupt raised inside code run by exec() or eval() of a
    string (dataclasses and namedtuple build their methods that way, at import time) as
    unhandled even when it is caught, and `python -m` then ends by killing itself with
    SIGINT instead of exiting 130. A later eval() of a string clears the mark."""
    eval("0")  # noqa: S307 - a constant, evaluated for its side effect above


if __name__ == "__main__":
    sys.exit(main())
