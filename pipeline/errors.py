"""Errors meant for the user, in a module that imports nothing heavy: the command line
catches them before Beam is imported, so even Ctrl-C during start-up is one line.

Three ways a run stops that are reported in one line rather than as Beam's tracebacks:
Ctrl-C, an output that cannot be written (`transforms.writer.OutputWriteError`: a full
disk, a read-only folder, a store refusing), and a process out of memory (`out_of_memory`).
Beam logs each, raised inside a stage, as an error with its traceback (in the worker, and
again in the runner for worker processes);
`quiet_stopped_run_reports` keeps those logs out, `StderrWithoutWriteFailureTracebacks` the
traceback a worker prints itself, and the command line prints its line.
"""

from __future__ import annotations

import logging
import re


class UsageError(ValueError):
    """A bad argument; its message is one line meant for the user."""


# Beam's loggers that report a stage's exception with its traceback: the stage runner, the
# worker's instruction handler, and the local runner relaying a worker process's logs.
STOPPED_RUN_LOGGERS = (
    "apache_beam.runners.common",
    "apache_beam.runners.worker.sdk_worker",
    "apache_beam.runners.portability.local_job_service",
)
# How an OutputWriteError looks in text (a worker's traceback relayed to the runner); the
# step Beam appends to a stage's exception is removed by `without_steps`.
_WRITE_FAILURE_TEXT = re.compile(r"OutputWriteError: (.+)$", re.M)
# A local worker told to stop (Ctrl-C) while a bundle was in flight: its bundle processors are
# gone when the bundle ends, and Beam's worker prints and logs that KeyError as an error.
_STOPPED_BUNDLE = re.compile(
    r"active_bundle_processors\.pop\(instruction_id\).*KeyError: \\?'bundle_", re.S
)


def exception_chain(exc: BaseException | None):
    """`exc` and the exceptions it was raised from or while handling."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def interrupted_by_user(exc: BaseException | None) -> bool:
    """Whether `exc` is, or was raised while handling, a KeyboardInterrupt: Beam re-raises
    one from a stage as `RuntimeError: KeyboardInterrupt [while running ...]`."""
    return any(isinstance(e, KeyboardInterrupt) for e in exception_chain(exc))


_TRACEBACK_HEADER = "Traceback (most recent call last):"
# Unindented lines of a traceback text that are not an exception's line: chain separators
# and the marker Beam puts where it cuts a long traceback.
_NOT_AN_ERROR_LINE = ("During handling of ", "The above exception ", "... [traceback truncated]")
_STEP = " [while running '"
_UNESCAPED = {"n": "\n", "t": "\t", "r": "\r"}


def without_steps(text: str) -> str:
    """`text` without the ` [while running 'X']` annotations Beam appends. Linear: the end
    moves back by index (a regular expression, and then slicing each time, were quadratic
    on long crafted lines)."""
    end = len(text)
    while text.endswith("']", 0, end):
        at = text.rfind(_STEP, 0, end)
        if at < 0 or text.find("'", at + len(_STEP), end - 2) >= 0:
            break
        end = at
    return text[:end]


def quoted_errors(text: str) -> list[str]:
    """The exception line of every traceback quoted in `text` (a worker's failure reaches
    the runner as text): the first unindented line after each header that is neither a
    chain separator nor the marker where Beam cut the traceback, whatever the exception's
    name. A log relayed from a worker escapes its text (protobuf text format); line breaks,
    tabs and quotes are undone, which is all the decision needs."""
    if _TRACEBACK_HEADER not in text:
        return []
    if text.split(_TRACEBACK_HEADER, 1)[1].startswith("\\n"):  # relayed: escaped
        text = re.sub(r"\\(.)", lambda m: _UNESCAPED.get(m[1], m[1]), text)
    found = []
    for block in text.split(_TRACEBACK_HEADER)[1:]:
        for line in block.split("\n")[1:]:
            if line.strip() and not line[0].isspace() and not line.startswith(_NOT_AN_ERROR_LINE):
                found.append(line.strip())
                break
    return found


def final_quoted_error(text: str) -> str | None:
    """The last exception line quoted in `text` that is not Beam's wrapping of another
    (`... [while running 'X']`): the error the failing code raised last."""
    quoted = quoted_errors(text)
    if not quoted:
        return None
    own = [line for line in quoted if not line.endswith("']") or _STEP not in line]
    return without_steps((own or quoted)[-1])


def _tagged_by_beam(exc: BaseException) -> bool:
    # Read as Beam sets it, an instance attribute: an exception's own __getattr__ or a
    # strange value must not make a logging filter raise.
    try:
        return vars(exc).get("_tagged_with_step") is True
    except TypeError:  # no __dict__
        return False


def _text(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a __str__ that raises: the type is all there is
        return ""
    return text if isinstance(text, str) else ""


def _stage_error(exc: BaseException) -> BaseException:
    """The error a stage raised, under Beam's wrapping of it: Beam raises the wrapping (the
    same type with the step in its message, or a RuntimeError) while handling the error, and
    marks it `_tagged_with_step`."""
    seen = set()
    while _tagged_by_beam(exc) and exc.__context__ is not None:
        if id(exc) in seen:
            break
        seen.add(id(exc))
        exc = exc.__context__
    return exc


def final_error(exc: BaseException) -> str:
    """The error a failure comes down to, in one line: for a worker's quoted tracebacks the
    last one raised (`final_quoted_error`); else the stage's own error under Beam's wrapping,
    by its type and first line."""
    exc = _stage_error(exc)
    quoted = final_quoted_error(_text(exc))
    if quoted:
        return quoted
    lines = [line.strip() for line in _text(exc).splitlines() if line.strip()]
    text = without_steps(lines[0]) if lines else ""
    return type(exc).__name__ + (f": {text}" if text else "")


# A process of the run out of memory (or threads) without being killed: a MemoryError, or
# in worker text any class whose name ends so (numpy's _ArrayMemoryError, pyarrow's
# ArrowMemoryError), or a thread it could not start, as the error a failure comes down to.
_OUT_OF_MEMORY_ERROR = re.compile(
    r"^(?:[\w.]+\.)?\w*MemoryError\b|^RuntimeError: can't start new thread"
)


def out_of_memory(exc: BaseException | None) -> bool:
    """Whether the run failed for want of memory: the error raised (under Beam's wrapping)
    or the one it was raised from, not one merely handled on the way."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        stage = _stage_error(exc)
        if isinstance(stage, MemoryError) or _OUT_OF_MEMORY_ERROR.search(final_error(stage)):
            return True
        exc = stage.__cause__
    return False


def quotes_out_of_memory(text: str) -> bool:
    """The same decision for a failure known only as text (a worker's log or stderr)."""
    quoted = final_quoted_error(text)
    return bool(quoted and _OUT_OF_MEMORY_ERROR.search(quoted))


OUT_OF_MEMORY_MESSAGE = (
    "a process of the run ran out of memory (or of threads); free memory or lower "
    "--direct_num_workers, then rerun; the run stopped and wrote no _SUCCESS"
)


def output_write_failure(exc: BaseException | None) -> str | None:
    """The one-line message of the OutputWriteError behind `exc`, raised in this process or
    in a worker process (then known only from the text of Beam's error)."""
    from transforms.writer import OutputWriteError  # Beam is loaded by then

    for e in exception_chain(exc):
        if isinstance(e, OutputWriteError):
            return without_steps(str(e))
        found = _WRITE_FAILURE_TEXT.search(str(e))
        if found:
            return without_steps(found.group(1))
    return None


class QuietStoppedRunReports(logging.Filter):
    """Drops Beam's reports of a Ctrl-C, an unwritable output or a process out of memory
    (module docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and (
            interrupted_by_user(exc) or output_write_failure(exc) or out_of_memory(exc)
        ):
            return False
        message = record.getMessage()
        return not (
            "OutputWriteError: " in message
            or _STOPPED_BUNDLE.search(message)
            or quotes_out_of_memory(message)
        )


class QuietS3UploadErrors(logging.Filter):
    """Drops Beam's S3 client's "Error in _start_upload ..." records: each comes with a
    100-line traceback on the root logger, once per attempt, while ccprov's retries log one
    line per attempt and the run's error says what failed (a permanent outage printed 1,819
    lines before the error's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.levelno >= logging.ERROR
            and "/apache_beam/io/aws/" in record.pathname.replace("\\", "/")
            and record.getMessage().startswith("Error in _start_upload")
        )


def quiet_stopped_run_reports() -> None:
    for name in STOPPED_RUN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, QuietStoppedRunReports) for f in logger.filters):
            logger.addFilter(QuietStoppedRunReports())
    root = logging.getLogger()
    if not any(isinstance(f, QuietS3UploadErrors) for f in root.filters):
        root.addFilter(QuietS3UploadErrors())


class StderrWithoutWriteFailureTracebacks:
    """A worker process's stderr, minus the tracebacks of OutputWriteErrors, of a bundle cut
    short by the end of an interrupted run and of a process out of memory.

    Beam's worker prints a failed instruction's traceback to stderr itself (`print`, not
    logging) before it reports the failure to the runner, which ccprov turns into one line.
    Every other write passes through unchanged.
    """

    def __init__(self, stream):
        self._stream = stream
        self._dropped_traceback = False

    def write(self, text: str) -> int:
        if text.startswith(_TRACEBACK_HEADER) and (
            "OutputWriteError: " in text
            or _STOPPED_BUNDLE.search(text)
            or quotes_out_of_memory(text)
        ):
            self._dropped_traceback = True
            return len(text)
        if self._dropped_traceback and text == "\n":  # print's line end after it
            self._dropped_traceback = False
            return len(text)
        self._dropped_traceback = False
        return self._stream.write(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def write_stdout(data: bytes) -> None:
    """Write `data` to stdout whole, or raise BrokenPipeError if its reader went away.

    Python's buffered stdout loses this: when the reader closes during one large write
    (`ccprov query ... | head -c 50`), write() returns the part the pipe took, and the rest is
    dropped without an error, so the command exited 0 having written a fraction of its
    output. os.write() reports the broken pipe."""
    import io
    import os
    import sys

    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, io.UnsupportedOperation):  # stdout replaced in-process (tests)
        if hasattr(sys.stdout, "buffer"):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data.decode("utf-8"))
        return
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# C0 and C1 controls (ESC starts terminal escape sequences) and the bidirectional controls
# that reorder what a terminal shows; line breaks are kept where the caller lays out lines.
_TERMINAL_CONTROLS = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def terminal_safe(text: str) -> str:
    """`text` with the control characters that crawled pages put in URLs and notices written
    as escapes (`\\x1b`), so printing a ledger value cannot drive the user's terminal."""
    return _TERMINAL_CONTROLS.sub(lambda m: repr(m.group())[1:-1], text)


def is_utf8(text: str) -> bool:
    """Whether `text` can be written as UTF-8: command-line arguments and file names that
    were not UTF-8 reach Python with lone surrogates, which Beam and Parquet cannot hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_name(text: str) -> str:
    """`text` as UTF-8 can show it: bytes that were not UTF-8 escaped (`bad\\xffname.txt`)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
