"""pipeline/errors.py: how a stopped run is recognised and kept out of Beam's logs."""

from __future__ import annotations

import io
import logging
import sys

from pipeline.errors import (
    QuietStoppedRunReports,
    StderrWithoutWriteFailureTracebacks,
    interrupted_by_user,
    output_write_failure,
)
from transforms.writer import OutputWriteError


def _raised(make):
    try:
        make()
    except BaseException as exc:  # noqa: BLE001 - the test inspects whatever was raised
        return exc
    raise AssertionError("nothing raised")


def _reraised_by_beam(inner: BaseException) -> BaseException:
    """What Beam 2.77 does with a stage's exception (`DoFnRunner._reraise_augmented`): the
    same type with the step appended to its message, or, when that cannot be built, a
    RuntimeError naming it; marked `_tagged_with_step` and raised while handling it."""
    import traceback

    def stage():
        try:
            raise inner
        except BaseException as exn:
            annotation = " [while running 'X']"
            try:
                wrapped = type(exn)(exn.args[0] + annotation, *exn.args[1:])
                wrapped._tagged_with_step = True
            except Exception:  # noqa: BLE001 - Beam's bare except
                line = traceback.format_exception_only(type(exn), exn)[-1].strip()
                wrapped = RuntimeError(line + annotation)
                wrapped._tagged_with_step = True
            raise wrapped  # noqa: B904 - as Beam does: the original is its __context__

    return _raised(stage)


def test_an_interrupt_is_recognised_through_beams_wrapping():
    assert interrupted_by_user(KeyboardInterrupt())
    assert interrupted_by_user(_reraised_by_beam(KeyboardInterrupt()))
    assert not interrupted_by_user(_reraised_by_beam(ValueError("a bug")))
    assert not interrupted_by_user(None)


def test_a_write_failure_is_found_in_this_process_and_in_a_workers_text():
    failure = OutputWriteError("cannot write /out/x.parquet: No space left on device")
    assert output_write_failure(failure) == str(failure)
    # Rebuilt by Beam with the step appended (same type, or a RuntimeError naming it): the
    # step is dropped from the line.
    augmented = OutputWriteError(f"{failure} [while running 'WriteRecordGroups/WriteShards']")
    assert output_write_failure(augmented) == str(failure)
    assert output_write_failure(_reraised_by_beam(augmented)) == str(failure)
    # From a worker process: only the text of its traceback reaches the runner.
    worker_text = (
        "Traceback (most recent call last):\n  File ...\n"
        f"transforms.writer.OutputWriteError: {failure} [while running 'WriteShards']\n"
    )
    assert output_write_failure(RuntimeError(worker_text)) == str(failure)
    assert output_write_failure(RuntimeError("ValueError: cannot write poems")) is None


def _record(msg: str, exc: BaseException | None = None, *args) -> logging.LogRecord:
    exc_info = (type(exc), exc, None) if exc is not None else None
    return logging.LogRecord(
        "apache_beam.runners.common", logging.ERROR, __file__, 1, msg, args, exc_info
    )


def test_only_reports_of_stopped_runs_are_dropped():
    quiet = QuietStoppedRunReports()
    failure = OutputWriteError("cannot write /out/x: No space left on device")
    assert not quiet.filter(_record("x [while running 'W']", failure))
    assert not quiet.filter(_record("KeyboardInterrupt", _reraised_by_beam(KeyboardInterrupt())))
    # A worker's report arrives as text, sometimes in the arguments of the message.
    assert not quiet.filter(
        _record("Original traceback is\n%s", None, f"OutputWriteError: {failure}")
    )
    quoted = 'Traceback (most recent call last):\n  File "x", line 1, in f\nMemoryError\n'
    assert not quiet.filter(_record("Original traceback is\n%s", None, quoted))
    assert not quiet.filter(_record("x", _reraised_by_beam(MemoryError())))
    # Anything else is still logged: a bug in a stage, and plain errors.
    assert quiet.filter(
        _record("boom [while running 'Tag']", _reraised_by_beam(ValueError("boom")))
    )
    assert quiet.filter(_record("retrying write in 0.5s: ConnectionResetError"))
    assert sys.exc_info() == (None, None, None)


def test_a_workers_stderr_loses_only_write_failure_tracebacks():
    """Beam's worker prints a failed instruction's traceback with `print` (text, then a
    line end): that one goes, and so does its line end; everything else stays."""
    sink = io.StringIO()
    stderr = StderrWithoutWriteFailureTracebacks(sink)
    failure = "Traceback (most recent call last):\n  ...\nOutputWriteError: cannot write /x: full"
    print(failure, file=stderr)
    print("Traceback (most recent call last):\n  ...\nValueError: a bug", file=stderr)
    print("progress: 10 records", file=stderr)
    stderr.write("\n")  # a line end of its own is kept
    assert sink.getvalue() == (
        "Traceback (most recent call last):\n  ...\nValueError: a bug\nprogress: 10 records\n\n"
    )
    assert stderr.getvalue() == sink.getvalue()  # the rest of the interface is the stream's


# Beam's worker, told to stop by an interrupted run while a bundle was in flight (as printed).
STOPPED_BUNDLE_TRACEBACK = """Traceback (most recent call last):
  File ".../apache_beam/runners/worker/sdk_worker.py", line 724, in process_bundle
    self.bundle_processor_cache.release(instruction_id)
  File ".../apache_beam/runners/worker/sdk_worker.py", line 596, in release
    self.active_bundle_processors.pop(instruction_id))
    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
KeyError: 'bundle_36'
"""


def test_a_bundle_cut_short_by_an_interrupted_run_is_not_reported():
    """A Ctrl-C near the end of a multi-process run printed this traceback twice per bundle
    in flight (the worker's own print and log, then the runner relaying the log) above
    "ccprov: interrupted": 5 runs in 10 with SIGINT at 3.5-3.8 s."""
    quiet = QuietStoppedRunReports()
    assert not quiet.filter(
        _record(
            "Error processing instruction %s. Original traceback is\n%s\n",
            None,
            "b",
            STOPPED_BUNDLE_TRACEBACK,
        )
    )
    relayed = "Worker: severity: ERROR message: " + repr(STOPPED_BUNDLE_TRACEBACK)
    assert not quiet.filter(_record(relayed))
    # Other KeyErrors are bugs, and stay.
    assert quiet.filter(_record("Original traceback is\n%s", None, "KeyError: 'bundle_36'"))
    sink = io.StringIO()
    stderr = StderrWithoutWriteFailureTracebacks(sink)
    print(STOPPED_BUNDLE_TRACEBACK, file=stderr)
    print("progress", file=stderr)
    assert sink.getvalue() == "progress\n"


def test_out_of_memory_is_recognised_here_and_in_a_workers_text():
    from pipeline.errors import out_of_memory

    assert out_of_memory(MemoryError())
    assert out_of_memory(_reraised_by_beam(MemoryError()))
    thread = 'Traceback (most recent call last):\n  File "t", line 1\nRuntimeError: can\'t start new thread'
    assert out_of_memory(RuntimeError(thread))
    assert out_of_memory(RuntimeError("can't start new thread"))
    # One-process runs: Beam rebuilds the error with the step in its message.
    assert out_of_memory(_reraised_by_beam(RuntimeError("can't start new thread")))
    import numpy as np

    too_big = _raised(lambda: np.empty((10**8, 10**8)))  # numpy's _ArrayMemoryError
    assert out_of_memory(_reraised_by_beam(too_big))
    assert out_of_memory(
        RuntimeError(
            thread.replace(
                "RuntimeError: can't start new thread",
                "numpy._core._exceptions._ArrayMemoryError: Unable to allocate",
            )
        )
    )
    assert not out_of_memory(_reraised_by_beam(ValueError("a bug")))
    assert not out_of_memory(ValueError("MemoryErrors.txt"))
    # An error whose message quotes page text that names the error is not one.
    quoting = ValueError("cannot count tokens of 'How I fixed a MemoryError in pandas'")
    assert not out_of_memory(quoting) and not out_of_memory(_reraised_by_beam(quoting))

    # Nor is an error raised while handling a MemoryError (its __context__).
    def fallback():
        try:
            raise MemoryError("first try too big")
        except MemoryError:
            raise ValueError("fallback failed") from None

    assert not out_of_memory(_raised(fallback))
    worker = (
        'Traceback (most recent call last):\n  File "x", line 1\nMemoryError: first try\n\n'
        "During handling of the above exception, another exception occurred:\n\n"
        'Traceback (most recent call last):\n  File "y", line 2\nValueError: fallback\n\n'
        "During handling of the above exception, another exception occurred:\n\n"
        'Traceback (most recent call last):\n  File "z", line 3\n'
        "RuntimeError: ValueError: fallback [while running 'Finish']\n"
    )
    assert not out_of_memory(RuntimeError(worker))
    assert out_of_memory(RuntimeError(worker.replace("ValueError: fallback", "MemoryError")))
    assert not out_of_memory(None)
    sink = io.StringIO()
    print(
        "Traceback (most recent call last):\n  ...\nMemoryError",
        file=StderrWithoutWriteFailureTracebacks(sink),
    )
    assert sink.getvalue() == ""


def test_a_run_out_of_memory_ends_in_one_line(tmp_path, monkeypatch, capsys):
    """A worker out of memory but not killed (a MemoryError, or a thread it could not start)
    ended in 130 lines of Beam's tracebacks."""
    from pipeline import cli
    from transforms import finishing

    def no_memory(text):
        raise MemoryError()

    monkeypatch.setattr(finishing, "count_tokens", no_memory)
    code = cli.main(["run", "--output", str(tmp_path / "out"), "--quiet"])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 1
    assert err == [f"ccprov: error: {cli.OUT_OF_MEMORY_MESSAGE}"]
    assert not (tmp_path / "out" / "_SUCCESS").exists()


def test_the_error_parser_on_odd_texts():
    """Texts a review built: a cycle of causes (it looped for ever), a long crafted line (the
    step-stripping regular expression was quadratic), chain separators and Beam's truncation
    marker taken for errors, and a relayed log whose quote was escaped."""
    import time

    from pipeline.errors import (
        final_error,
        final_quoted_error,
        out_of_memory,
        quotes_out_of_memory,
        without_steps,
    )

    first = ValueError("first")
    second = ValueError("second")
    first.__cause__, second.__cause__ = second, first
    assert not out_of_memory(first)
    crafted = " [while running 'a']" * 16_000 + " x"
    started = time.process_time()
    assert without_steps(crafted) == crafted
    assert without_steps("KeyError: 'x' [while running 'A'] [while running 'B']") == "KeyError: 'x'"
    assert time.process_time() - started < 0.5
    cut = (
        'Traceback (most recent call last):\n  File "a", line 1\n'
        '... [traceback truncated] ...\n  File "b", line 2\nMemoryError\n'
    )
    assert final_quoted_error(cut) == "MemoryError" and quotes_out_of_memory(cut)
    long_steps = "MemoryError" + " [while running 'a']" * 200_000  # 4 MB
    started = time.process_time()
    assert without_steps(long_steps) == "MemoryError"
    assert quotes_out_of_memory(f'Traceback (most recent call last):\n  File "x"\n{long_steps}')
    assert time.process_time() - started < 1.0

    class Strange(Exception):
        def __getattr__(self, name):
            raise RuntimeError("no attributes here")

        def __str__(self):
            raise RuntimeError("no text either")

    assert not out_of_memory(Strange()) and final_error(Strange()) == "Strange"
    relayed = (
        'Worker: message: "Error. Original traceback is\\nTraceback (most recent call last):'
        '\\n  File \\"x\\", line 1\\n    \\"\\\\n\\".join(parts)\\nRuntimeError: can\\\'t start new '
        'thread\\n"'
    )
    assert final_quoted_error(relayed) == "RuntimeError: can't start new thread"


def test_a_memory_error_in_the_launcher_is_one_line(tmp_path, monkeypatch, capsys):
    """Reading the output's manifest before the run ran out of memory: a raw traceback."""
    from apache_beam.io.filesystems import FileSystems

    from pipeline import cli

    cli.main(["run", "--output", str(tmp_path / "out"), "--quiet"])  # an output to rerun into
    capsys.readouterr()

    def exhausted(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(FileSystems, "open", exhausted)
    code = cli.main(["run", "--output", str(tmp_path / "out"), "--quiet"])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 1 and err == [f"ccprov: error: {cli.MEMORY_EXHAUSTED_MESSAGE}"]
