"""Local worker processes that die: one line saying so, not a hang or a Beam traceback.

Beam's FnApiRunner starts each multi-process worker as a subprocess and never watches it
(its Docker handler does). A worker killed while it starts (the kernel's out-of-memory
killer, a broken environment) left `ccprov run` waiting forever for a connection that would
never come; one killed mid-run ended in a 245-line traceback about a closed channel. And a
run stopped while a worker was still starting (Ctrl-C) waited forever for that worker to
exit, which Beam only tells connected workers to do.

`SupervisedSubprocessHandler` replaces Beam's subprocess worker handler in local runs. When
its worker exits while the run still needs it, it records why (`WorkerDeath`), aborts the
instructions waiting for that worker (Beam's `ControlConnection.abort`, as its Docker
handler does) and marks the worker's data channel closed, so the runner raises at once
instead of waiting. `ccprov run` then reports the death in one line and exits with status 1
(pipeline/cli.py); the output has no _SUCCESS, as with any failed run.

If the runner does not stop within `HARD_EXIT_AFTER_S` of the death (a Beam whose internals
have changed, a send blocked on a full queue), a command-line run prints the same line and
exits anyway: a failed run must never wait forever. The same holds for any other failure
once the workers are being stopped: a worker whose bundle failed can hang in its own exit
(gRPC's channel clean-up), and Beam waits for each worker to exit without a time limit.
Library callers (tests) get no hard exit.

Stopping the workers at the end of a run, or of an interrupted one (`install_orderly_close`),
is not cut short by Ctrl-C. Beam stops its workers one at a time, each stop waiting for its
worker to exit; a Ctrl-C during the first wait ended the loop, the other workers were never
told to stop, and `ccprov run` waited for them for ever at exit (after printing that the run
had finished). In one-process runs the Ctrl-C cut a DoFn's teardown short instead, and Beam
logged it as a 50-line error. Every worker is now told to stop before any is waited for, and
a Ctrl-C while they stop is raised once they have; a second one is raised at once. When
the run is closing because of a Ctrl-C, the next one is that second one (it used to be
deferred as a first, so leaving a stop that hung took a third).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import shutil
import signal
import sys
import threading
from dataclasses import dataclass

from pipeline.errors import final_error, interrupted_by_user

HARD_EXIT_AFTER_S = 30.0
# A broken connection can be seen before the worker's exit status is read.
DEATH_NOTICE_WAIT_S = 5.0
# Beam's runner threads that fail when a worker's gRPC stream breaks.
CONSEQUENCE_THREADS = frozenset({"beam_control_read", "read_grpc_client_inputs", "run_worker"})
# Beam's loggers that report the same broken streams, and the failed close of the dead
# worker's handler, as errors with tracebacks.
CONSEQUENCE_LOGGERS = (
    "apache_beam.runners.worker.data_plane",
    "apache_beam.runners.portability.fn_api_runner.worker_handlers",
)
# Beam's SubprocessSdkWorker raises this when its worker process ends with a non-zero status.
_BEAM_EXIT_MESSAGE = re.compile(r"exited with return code (-?\d+)")


@dataclass(frozen=True)
class WorkerDeath:
    worker_id: str
    return_code: int | None  # None: the status could not be read
    error: str | None = None  # why the worker could not be run or watched, in one line

    @property
    def signal_number(self) -> int | None:
        """The signal that killed the worker, if one did: Python's subprocess reports a
        signal N as -N. The worker command execs the worker (`local_worker.command_line`), so
        no shell is left to turn a signal into status 128+N, and a status above 128 is the
        worker's own (a worker's exit(130) was reported as killed by SIGINT)."""
        code = self.return_code
        return -code if code is not None and code < 0 else None

    def describe(self) -> str:
        """Why the worker stopped, in words."""
        signum = self.signal_number
        if signum is None:
            if self.return_code is not None:
                return f"exited with status {self.return_code}"
            return f"failed ({self.error})" if self.error else "stopped"
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = f"signal {signum}"
        hint = " (what the kernel's out-of-memory killer sends)" if signum == signal.SIGKILL else ""
        return f"was killed by {name}{hint}"

    def message(self) -> str:
        if self.signal_number == signal.SIGKILL:
            advice = "; free memory or lower --direct_num_workers, then rerun"
        elif self.error:
            advice = ""  # the error is in the line
        else:
            advice = "; its own error, if any, is printed above"
        return (
            f"local worker process {self.worker_id} {self.describe()} before the run "
            f"finished; the run stopped and wrote no _SUCCESS{advice}"
        )


class WorkerDeaths:
    """Deaths recorded by the handlers of one process's local runs (thread-safe)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._deaths: list[WorkerDeath] = []
        self._recorded = threading.Event()
        self._run_over = threading.Event()
        self._hard_exit = None  # callable(message) for command-line runs, else None
        self._previous_excepthook = None
        self._workers_started = 0
        self._interrupted = False

    def start_run(self, hard_exit=None) -> None:
        """Forget earlier runs' deaths; `hard_exit(message)` ends the process if a death is
        not followed by the end of the run within HARD_EXIT_AFTER_S."""
        with self._lock:
            self._deaths.clear()
            self._recorded.clear()
            self._run_over.clear()
            self._hard_exit = hard_exit
            self._workers_started = 0
            self._interrupted = False
            if self._previous_excepthook is None:
                self._previous_excepthook = threading.excepthook
                threading.excepthook = self._thread_failed
                for name in CONSEQUENCE_LOGGERS:
                    logging.getLogger(name).addFilter(self._log_unless_consequence)

    def interrupted(self) -> None:
        """The user stopped the run (Ctrl-C): what breaks from now on is a consequence, and
        the process is about to exit, so the quieting stays in place."""
        with self._lock:
            self._interrupted = True

    def end_run(self) -> None:
        with self._lock:
            self._run_over.set()
            self._hard_exit = None
            if self._previous_excepthook is not None and not self._interrupted:
                threading.excepthook = self._previous_excepthook
                self._previous_excepthook = None
                for name in CONSEQUENCE_LOGGERS:
                    logging.getLogger(name).removeFilter(self._log_unless_consequence)

    def _thread_failed(self, args) -> None:
        """A runner thread that fails because a worker's connection broke is a consequence
        of that worker's death, which is reported in its own line: say nothing more."""
        name = getattr(args.thread, "name", "")
        if name in CONSEQUENCE_THREADS and self._is_consequence():
            return
        hook = self._previous_excepthook or threading.__excepthook__
        hook(args)

    def _log_unless_consequence(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.ERROR or not self._is_consequence()

    def _is_consequence(self) -> bool:
        return self._interrupted or self.first(wait_s=DEATH_NOTICE_WAIT_S) is not None

    def record(self, death: WorkerDeath, grace_s: float | None = None) -> None:
        with self._lock:
            self._deaths.append(death)
            self._recorded.set()
            hard_exit = self._hard_exit
        if hard_exit is not None:
            self._arm_hard_exit(hard_exit, death.message(), grace_s)

    def closing_after_failure(self, failure: BaseException) -> None:
        """The run failed and its workers are being stopped: a command-line run ends within
        HARD_EXIT_AFTER_S even if one of them never exits (module docstring)."""
        with self._lock:
            hard_exit = self._hard_exit
        if hard_exit is not None:
            self._arm_hard_exit(hard_exit, failure_message(failure))

    def _arm_hard_exit(self, hard_exit, message: str, grace_s: float | None = None) -> None:
        grace = HARD_EXIT_AFTER_S if grace_s is None else grace_s
        threading.Thread(
            target=self._exit_unless_over, args=(hard_exit, message, grace), daemon=True
        ).start()

    def _exit_unless_over(self, hard_exit, message: str, grace_s: float) -> None:
        if not self._run_over.wait(grace_s):
            death = self.first()  # a death says more than the failure it caused
            hard_exit(death.message() if death is not None else message)

    def worker_started(self) -> None:
        with self._lock:
            self._workers_started += 1

    def first(self, wait_s: float = 0.0) -> WorkerDeath | None:
        """The first death of this run, waiting up to `wait_s` for one to be recorded (the
        runner can notice a closed channel before the worker's exit status is read); no
        wait in runs without worker processes."""
        if self._workers_started:
            self._recorded.wait(wait_s)
        with self._lock:
            return self._deaths[0] if self._deaths else None


DEATHS = WorkerDeaths()


# How long the hard exit waits for its temporary folders to go (a hung TMPDIR must not make
# the exit that is there to never wait for ever wait).
REMOVE_FOLDERS_WITHIN_S = 5.0


def exit_process(temp_folders, message: str) -> None:
    """The command line's hard exit: the line, then status 1 without waiting for threads.
    `temp_folders()` names the folders only the process's own unwinding would remove (Beam's
    for the run, a fetched --ai-model's, which atexit removes): they go first, for at most
    REMOVE_FOLDERS_WITHIN_S."""
    print(f"ccprov: error: {message}", file=sys.stderr, flush=True)

    def remove() -> None:
        for folder in temp_folders():
            shutil.rmtree(folder, ignore_errors=True)

    remover = threading.Thread(target=remove, daemon=True)
    remover.start()
    remover.join(REMOVE_FOLDERS_WITHIN_S)
    os._exit(1)


def failure_message(failure: BaseException, limit: int = 300) -> str:
    """The hard exit's line for a run that failed other than by a worker's death: the error
    it comes down to (`final_error`: Beam's errors quote whole tracebacks), then what
    happened."""
    error = final_error(failure)[:limit]
    return (
        f"the run failed ({error}) and its local worker processes did not stop within "
        f"{HARD_EXIT_AFTER_S:.0f} s; the run stopped and wrote no _SUCCESS"
    )


def death_from(failure: Exception | None, worker_id: str) -> WorkerDeath:
    if failure is None:  # status 0 while the run still needed the worker
        return WorkerDeath(worker_id, 0)
    found = _BEAM_EXIT_MESSAGE.search(str(failure))
    if found:
        return WorkerDeath(worker_id, int(found.group(1)))
    # Not Beam's exit status: the worker could not be started or watched (an OSError from
    # starting it or its logging server), so its error is the only account of it.
    error = " ".join(f"{type(failure).__name__}: {failure}".split())[:300]
    return WorkerDeath(worker_id, None, error)


@contextlib.contextmanager
def ctrl_c_deferred(interrupt_under_way: bool = False):
    """A Ctrl-C inside the block is raised when the block ends, a second one at once.
    With `interrupt_under_way` (the block cleans up after a Ctrl-C) the next one is that
    second one: the user has already pressed once.

    Only the main thread can set signal handlers, and only a default Ctrl-C is deferred
    (an ignored one stays ignored)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    pressed: list[int] = []

    def defer(signum, frame):
        if pressed or interrupt_under_way:
            raise KeyboardInterrupt  # pressed again: the user wants out now
        pressed.append(signum)

    previous = signal.signal(signal.SIGINT, defer)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt


def install_orderly_close() -> None:
    """Beam's `close_all`, which stops a local run's workers, with every supervised worker
    told to stop first and Ctrl-C deferred until all have stopped (module docstring)."""
    from apache_beam.runners.portability.fn_api_runner import worker_handlers

    manager = worker_handlers.WorkerHandlerManager
    original = manager.close_all
    if getattr(original, "ccprov_orderly", False):
        return

    @functools.wraps(original)
    def close_all(self):
        # Beam calls this in a `finally`: what is propagating is why the run is closing.
        closing_because_of = sys.exc_info()[1]
        interrupt_under_way = interrupted_by_user(closing_because_of)
        if closing_because_of is not None and not interrupt_under_way:
            DEATHS.closing_after_failure(closing_because_of)
        with ctrl_c_deferred(interrupt_under_way=interrupt_under_way):
            for handlers in list(self._cached_handlers.values()):
                for handler in handlers:
                    tell_to_stop = getattr(handler, "tell_to_stop", None)
                    try:
                        if tell_to_stop is not None:
                            tell_to_stop()
                    except Exception:  # noqa: BLE001 - Beam's close below still runs
                        logging.getLogger(__name__).debug("telling a worker to stop", exc_info=True)
            original(self)

    close_all.ccprov_orderly = True
    manager.close_all = close_all


def install_supervised_handler() -> bool:
    """Make local runs start their subprocess workers through `SupervisedSubprocessHandler`
    (Beam's handler registry is per process); returns whether this Beam has the handler."""
    from apache_beam.runners.portability.fn_api_runner import worker_handlers

    install_orderly_close()

    base = getattr(worker_handlers, "SubprocessSdkWorkerHandler", None)
    if base is None:
        return False
    from apache_beam.portability import python_urns

    handler = _supervised_handler_class(base)
    worker_handlers.WorkerHandler.register_environment(python_urns.SUBPROCESS_SDK, bytes)(handler)
    return True


@functools.cache  # one class per Beam handler class: registering it again changes nothing
def _supervised_handler_class(base: type) -> type:
    class SupervisedSubprocessHandler(base):
        """Beam's subprocess worker handler, watching its worker (module docstring)."""

        _closing = False

        def start_worker(self):
            from apache_beam.runners.portability import local_job_service

            self.worker = local_job_service.SubprocessSdkWorker(
                self._worker_command_line, self.control_address, self.provision_info, self.worker_id
            )
            # A daemon: should a worker never exit, the runner can still (it dies with us).
            self.worker_thread = threading.Thread(
                name="run_worker", target=self._run_and_watch, daemon=True
            )
            DEATHS.worker_started()
            self.worker_thread.start()

        def _run_and_watch(self):
            failure = None
            try:
                self.worker.run()
            except Exception as exc:  # noqa: BLE001 - any end of the worker is a death
                # Beam's "Worker subprocess exited with return code N", or an OSError from
                # starting it: either way the runner must not wait for it.
                failure = exc
            if self._closing:
                return  # the runner stopped it: the end of a run, or of a failed one
            death = death_from(failure, self.worker_id)
            DEATHS.record(death)
            self.control_conn.abort(RuntimeError(death.message()))
            if hasattr(self.data_conn, "_closed"):
                # The runner polls this while it waits for the worker's outputs.
                self.data_conn._closed = True

        def tell_to_stop(self):
            # Beam tells a worker to stop only once it has connected, then waits for it to
            # exit: a run stopped (Ctrl-C, a failure) while a worker was still starting
            # waited for ever. Queued now, the stop is the first thing it hears.
            if self._closing:
                return
            self._closing = True
            from apache_beam.runners.portability.fn_api_runner import worker_handlers

            self.control_conn.push(worker_handlers.BeamFnControlServicer._DONE_MARKER)

        def close(self):
            self.tell_to_stop()
            super().close()

    return SupervisedSubprocessHandler
