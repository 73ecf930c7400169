"""Beam's Python SDK worker for local multi-process runs, with bounded memory.

The FnApiRunner starts each local worker process with a command line (its
SubprocessSDKEnvironment); ccprov's local runner starts this module instead of
`apache_beam.runners.worker.sdk_worker_main`, which it then runs unchanged after the
settings below. Dataflow and Flink do not use this module.

1. glibc's mmap threshold is fixed (`fix_mmap_threshold`; the runner process does the same).
   glibc raises that threshold each time a large block is freed, up to 32 MB; from then on
   large buffers (Beam's 10 MB data chunks, Arrow tables, long pages) come from the heap and
   stay in the process when freed, so a worker's RSS grew with the data it had moved, not
   with what it held. At glibc's initial 128 KiB they are mapped and unmapped again: the
   largest worker of a 5,000-record run went from 592 to 427 MB (docs/benchmarks.md).
2. The data channel's queues are capped at 16 MB each. Beam allows 100 MB in each of the
   three (two for sending, one for receiving), so a worker that outpaces the runner (which
   decodes every element in Python) could hold up to 300 MB of a stage's data. This bounds
   that worst case; on the runs measured it was not what made workers grow.
3. The worker's start-up is quiet: Beam logs two warnings that say nothing to a ccprov user
   (ccprov's own options are "unparseable" to Beam by design; local runs have no staging
   directory) and, with --quiet, its first INFO line as well. Nor does it print Beam's
   tracebacks of an output that cannot be written: the runner says it in one line
   (pipeline/errors.py).
4. Arrow allocates with glibc's malloc instead of pyarrow's mimalloc pool, whose per-thread
   heaps kept about 55 MB more in the largest worker of a 20,000-record run:
   `pipeline/__init__.py`, imported before this module runs, sets ARROW_DEFAULT_MEMORY_POOL
   before pyarrow is imported, which covers Arrow's C++ code and pyarrow's own calls alike
   (on other runners the writer's `use_system_arrow_allocator` covers the latter).
5. A stage's output buffers are released when its bundle ends. Beam's output stream grows
   its buffer by doubling and never shrinks it, and the stage's operation keeps the stream
   (in the worker's cache of bundle processors) until the stage runs again, which in a
   batch run is never: every stage that once sent 8-10 MB kept a 16 MB buffer. That grew
   with the input (more stages fill their buffer), and in a 20,000-record run it held
   80-150 MB of a worker's RSS (docs/benchmarks.md, Memory).
6. Data is sent in messages of about 2 MB instead of Beam's 10 MB: a stage's output is
   flushed at 2 MB, and the data channel joins queued messages into one gRPC message only
   up to 2 MB (Beam joins them up to 10 MB). Each message exists several times over while
   it is sent (the stream's buffer, its bytes, the protobuf message, a copy of it in the
   joined message, gRPC's serialisation): about 80 MB of a worker at one time for a 10 MB
   message (memray, docs/benchmarks.md). The runner process makes the same setting and
   sends its own inputs to workers in ~2 MB pieces (pipeline/cli.py).
7. The worker dies with its parent, the runner (Linux): a worker left behind by a runner that
   is gone would wait for it for ever (pipeline/worker_supervision.py). It asks the kernel
   first thing, before Beam is imported, and then checks that its parent is still the
   runner whose pid the worker command carries (`CCPROV_RUNNER_PID`): a runner that died
   before the request leaves the worker with another parent, which the kernel would never
   signal for. (Comparing with the parent read at start-up, after the imports, missed a
   runner that died while the worker imported.)
8. Ctrl-C is the runner's to handle. The terminal sends SIGINT to every process of the run,
   and each worker printed a KeyboardInterrupt traceback (or, still starting, "Fatal Python
   error") above `ccprov: interrupted`. The worker command ignores SIGINT before Python
   starts (`command_line`); the runner then stops the workers as at the end of a run.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import sys
from urllib.parse import quote, quote_plus

from pipeline.errors import StderrWithoutWriteFailureTracebacks, quiet_stopped_run_reports

# Per queue. Room for several of the 2 MB messages of setting 6 (and for one of Beam's 10 MB
# ones); a queue always accepts one element, whatever its size, so nothing can deadlock on a
# large message.
DATA_QUEUE_MAX_BYTES = 16 << 20
# A message is copied several times on its way out (the stream's buffer, its bytes, the
# protobuf, gRPC's serialisation), so its size is paid over again while it is sent.
OUTPUT_FLUSH_BYTES = 2 << 20


MMAP_THRESHOLD_BYTES = 128 * 1024
_M_MMAP_THRESHOLD = -3  # mallopt parameter number, from glibc's malloc.h


def fix_mmap_threshold(threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Stop glibc from raising its mmap threshold (see the module docstring); False where
    the C library is not glibc."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return mallopt(_M_MMAP_THRESHOLD, threshold) == 1


def bound_data_queues(max_bytes: int = DATA_QUEUE_MAX_BYTES) -> None:
    """Cap the byte size of the data-channel queues created after this call."""
    from apache_beam.runners.worker import data_plane

    data_plane._DEFAULT_SEND_QUEUE_MAX_BYTES = max_bytes


def flush_outputs_at(flush_bytes: int = OUTPUT_FLUSH_BYTES) -> bool:
    """Send data in messages of about `flush_bytes` (Beam: 10 MB): a stage's output stream
    flushes at that size where no other size is asked for, and the data channel joins
    queued messages into one gRPC message only up to it (setting 6 of the module
    docstring). Returns whether this Beam has the stream patched."""
    from apache_beam.runners.worker import data_plane

    stream = getattr(data_plane, "SizeBasedBufferingClosableOutputStream", None)
    if stream is None:
        return False
    # Read when messages are joined (_GrpcDataChannel._write_outputs), not only at import.
    data_plane._DEFAULT_SIZE_FLUSH_THRESHOLD = flush_bytes
    original = getattr(stream.__init__, "_ccprov_original", stream.__init__)

    def init(self, close_callback=None, flush_callback=None, size_flush_threshold=None, **more):
        if size_flush_threshold is None:
            size_flush_threshold = flush_bytes
        original(self, close_callback, flush_callback, size_flush_threshold, **more)

    init._ccprov_original = original
    stream.__init__ = init
    return True


def release_output_buffers() -> bool:
    """Drop each data output's stream once its bundle has sent everything (setting 5 of the
    module docstring); returns whether this Beam has the operation patched."""
    from apache_beam.runners.worker import bundle_processor

    operation = getattr(bundle_processor, "DataOutputOperation", None)
    finish = getattr(operation, "finish", None)
    if finish is None:
        return False
    original = getattr(finish, "_ccprov_original", finish)

    def finish_and_release(self) -> None:
        original(self)
        # Closed and flushed: the next bundle is given a new stream (set_output_stream).
        self.output_stream = None

    finish_and_release._ccprov_original = original
    operation.finish = finish_and_release
    return True


# Messages of Beam's worker start-up that are expected on every local ccprov run.
_EXPECTED_WARNINGS = (
    "Discarding unparseable args",
    "No semi_persistent_directory found",
    "apitools not found",  # Beam's optional GCP modules, at import
)
_WORKER_MAIN = "apache_beam.runners.worker.sdk_worker_main"


def _not_expected(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith(_EXPECTED_WARNINGS)


# Beam's worker logs its options at INFO ("Pipeline_options: {...}"), S3 secret included.
_SECRET_NAMES = ("s3_secret_access_key", "s3_session_token")
_SECRET_OPTION = re.compile(
    r"""((?:s3[-_]secret[-_]access[-_]key|s3[-_]session[-_]token)['"]?(?:\s*[:=,]\s*|\s+))"""
    r"""('[^'\n]*'|"[^"\n]*"|[^\s'",}\]]+)""",
    re.IGNORECASE,
)
_SHORTEST_MASKED_VALUE = 8  # shorter values ("test") would mask ordinary words everywhere


def _masked(text: str, values: tuple[str, ...]) -> str:
    for value in values:  # as written, as repr() writes it, and URL-encoded
        for form in {value, repr(value)[1:-1], quote(value, safe=""), quote_plus(value)}:
            text = text.replace(form, "***")
    if "s3" in text.lower():
        text = _SECRET_OPTION.sub(r"\1'***'", text)
    return text


def without_secrets(record: logging.LogRecord, values: tuple[str, ...] = ()) -> bool:
    """Mask the S3 secret and session token in a log record (always kept): the values
    following their option names in any spelling, the values themselves (`values`), and
    the traceback the record carries. A record whose arguments do not format keeps its
    text and arguments, masked, as its message."""
    try:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - logging would print the arguments as they are
            message = f"{record.msg} {record.args!r}"
        masked = _masked(message, values)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _masked(logging.Formatter().formatException(record.exc_info), values)
    except Exception:  # noqa: BLE001 - a log call must not raise; nor may the record leak
        record.msg, record.args = "(a log message that could not be formatted)", None
    return True


def mask_secrets_in_logs(options: dict) -> None:
    """Every log record of this process, whatever logger or handler it goes to, is created
    with the secrets masked (a filter on a logger misses its children's records)."""
    values = tuple(
        str(options[name])
        for name in _SECRET_NAMES
        if len(str(options.get(name) or "")) >= _SHORTEST_MASKED_VALUE
    )
    make_record = logging.getLogRecordFactory()

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        without_secrets(record, values)
        return record

    logging.setLogRecordFactory(masked_record)


def quiet_startup(environment: dict[str, str]) -> None:
    """Drop the expected start-up warnings and mask secrets; with a harness log level above
    INFO (--quiet), also the INFO lines Beam logs before it applies that level."""
    for name in ("", _WORKER_MAIN, "apache_beam.options.pipeline_options"):
        logging.getLogger(name).addFilter(_not_expected)
    quiet_stopped_run_reports()  # reported by the runner in one line (pipeline/errors.py)
    sys.stderr = StderrWithoutWriteFailureTracebacks(sys.stderr)
    from apache_beam.runners.worker import sdk_worker_main

    try:
        options = sdk_worker_main._load_pipeline_options(environment.get("PIPELINE_OPTIONS"))
    except Exception:  # noqa: BLE001 - a Beam without this helper: mask the names at least
        options = {}
    mask_secrets_in_logs(options or {})
    try:
        level = sdk_worker_main._get_log_level_from_options_dict(options)
    except Exception:  # noqa: BLE001 - a Beam without these helpers: keep its defaults
        return
    if level > logging.INFO:
        logging.getLogger(_WORKER_MAIN).setLevel(level)


_PR_SET_PDEATHSIG = 1  # prctl option number, from linux/prctl.h
# Set by the worker command (`command_line`) to the pid of the runner that starts it.
RUNNER_PID_VARIABLE = "CCPROV_RUNNER_PID"


def runner_pid(environment: dict[str, str]) -> int | None:
    try:
        return int(environment[RUNNER_PID_VARIABLE])
    except (KeyError, ValueError):
        return None


def die_with_parent(runner: int | None = None) -> bool:
    """Have the kernel kill this process when its parent exits (setting 7); False where
    prctl is not available (not Linux). To the kernel the parent is the thread that started
    the process: Beam's `run_worker` thread, which waits for the worker until it exits.
    With `runner`, a parent other than that pid means the runner is already gone: exit."""
    import ctypes
    import signal

    if not sys.platform.startswith("linux"):
        return False
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    if prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return False
    if runner is not None and os.getppid() != runner:
        os._exit(1)  # the runner died before the request: the kernel will not signal
    return True


def command_line() -> str:
    """The worker command for the FnApiRunner's SubprocessSDKEnvironment, which runs it with
    `sh -c`: the shell ignores SIGINT and then becomes the worker (setting 8), so the worker
    ignores Ctrl-C from its first instruction on and its parent is the runner, this process,
    whose pid it is given (setting 7)."""
    python = shlex.quote(sys.executable)
    return (
        f"trap '' INT; {RUNNER_PID_VARIABLE}={os.getpid()} exec {python} -m pipeline.local_worker"
    )


def prepare_process() -> None:
    """Settings 1, 2, 5 and 6 of the module docstring, before Beam's worker starts
    (setting 4 is made by importing this package, 7 before Beam is imported, 8 by
    `command_line`)."""
    fix_mmap_threshold()
    bound_data_queues()
    flush_outputs_at()
    release_output_buffers()


if __name__ == "__main__":
    die_with_parent(runner_pid(os.environ))  # before the imports, which take a while
    quiet_startup(dict(os.environ))
    prepare_process()
    from apache_beam.runners.worker import sdk_worker_main

    sdk_worker_main.main(sys.argv)
