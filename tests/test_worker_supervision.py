"""pipeline/worker_supervision.py: a local worker process that dies ends the run with one
line and exit status 1, whether it dies while starting or mid-run; never a hang."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest

from pipeline import worker_supervision
from pipeline.sample.synth import write_synthetic_warc
from pipeline.worker_supervision import WorkerDeath, WorkerDeaths, death_from
from tests.pipeline_runs import REPO

# ------------------------------------------------------------------ the pieces


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        (-9, "killed by SIGKILL (what the kernel's out-of-memory killer sends)"),
        (-15, "killed by SIGTERM"),
        (-11, "killed by SIGSEGV"),
        # The worker is exec'd: no shell reports a signal as 128+N, so these are statuses.
        (130, "exited with status 130"),
        (137, "exited with status 137"),
        (3, "exited with status 3"),
        (0, "exited with status 0"),
        (None, "stopped"),
    ],
)
def test_death_is_described_in_words(code, fragment):
    message = WorkerDeath("worker_1", code).message()
    assert fragment in message
    assert message.startswith("local worker process worker_1 ")
    assert "wrote no _SUCCESS" in message and "\n" not in message
    oom = code == -9
    assert ("lower --direct_num_workers" in message) == oom


def test_exit_status_is_read_from_beams_error():
    failure = RuntimeError("Worker subprocess exited with return code 137")
    assert death_from(failure, "w").return_code == 137
    assert death_from(RuntimeError("something else"), "w").return_code is None
    assert death_from(None, "w").return_code == 0


def test_a_worker_that_cannot_be_started_is_a_death():
    """An OSError from starting the worker (Popen, its logging server) ended the watching
    thread without a word, and the runner waited for ever for a worker that never came."""

    class Base:  # what the handler uses of Beam's handler, set by hand below
        pass

    class CannotStart:
        def run(self):
            raise OSError(24, "Too many open files")

    aborted: list[BaseException] = []
    handler = worker_supervision._supervised_handler_class(Base)()
    handler.worker, handler.worker_id = CannotStart(), "worker_3"
    handler.control_conn = types.SimpleNamespace(abort=aborted.append)
    handler.data_conn = types.SimpleNamespace(_closed=False)
    deaths = worker_supervision.DEATHS
    deaths.start_run()
    try:
        handler._run_and_watch()
        death = deaths.first()
    finally:
        deaths.end_run()
    assert death is not None and death.return_code is None
    assert death.message() == (
        "local worker process worker_3 failed (OSError: [Errno 24] Too many open files) "
        "before the run finished; the run stopped and wrote no _SUCCESS"
    )
    assert len(aborted) == 1 and handler.data_conn._closed


def test_hard_exit_comes_only_when_the_run_does_not_stop():
    deaths = WorkerDeaths()
    exits: list[str] = []
    deaths.start_run(hard_exit=exits.append)
    deaths.worker_started()
    deaths.record(WorkerDeath("worker_0", 137), grace_s=0.2)
    time.sleep(0.6)
    deaths.end_run()
    assert len(exits) == 1 and "worker_0" in exits[0]

    deaths.start_run(hard_exit=exits.append)
    assert deaths.first() is None  # a new run forgets the last one's deaths
    deaths.record(WorkerDeath("worker_1", 137), grace_s=0.5)
    deaths.end_run()  # the runner stopped in time
    time.sleep(0.8)
    assert len(exits) == 1

    deaths.start_run(hard_exit=None)  # library callers: never
    deaths.record(WorkerDeath("worker_2", 137), grace_s=0.1)
    time.sleep(0.3)
    deaths.end_run()
    assert len(exits) == 1


def test_runs_without_worker_processes_never_wait_for_a_death():
    deaths = WorkerDeaths()
    deaths.start_run()
    started = time.monotonic()
    assert deaths.first(wait_s=30) is None
    deaths.end_run()
    assert time.monotonic() - started < 5


def _fail_in_thread(name: str) -> None:
    def boom():
        raise ConnectionError(f"stream of {name} broke")

    thread = threading.Thread(target=boom, name=name)
    thread.start()
    thread.join()


def test_only_consequences_of_a_death_are_silenced(monkeypatch):
    seen: list[str] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: seen.append(args.thread.name))
    monkeypatch.setattr(worker_supervision, "DEATH_NOTICE_WAIT_S", 0.05)
    deaths = WorkerDeaths()
    deaths.start_run()
    deaths.worker_started()
    try:
        _fail_in_thread("beam_control_read")  # no death recorded: reported
        deaths.record(WorkerDeath("worker_0", 137))
        _fail_in_thread("beam_control_read")  # a consequence: silent
        _fail_in_thread("my_own_thread")  # anything else: reported
    finally:
        deaths.end_run()
    assert seen == ["beam_control_read", "my_own_thread"]
    _fail_in_thread("beam_control_read")  # after the run, the hook is the previous one
    assert seen[-1] == "beam_control_read" and len(seen) == 3


class _Manager:
    """What Beam's `close_all` needs of its WorkerHandlerManager."""

    def __init__(self, *handlers):
        self._cached_handlers = {"environment": list(handlers)}
        self._workers_by_id = {}
        self._grpc_server = None


class _CtrlCWhileStopping:
    """A worker handler whose stop takes a while, and the user presses Ctrl-C during it."""

    def __init__(self, stop_s: float):
        self.stop_s = stop_s
        self.stopped = False

    def close(self):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(self.stop_s)
        self.stopped = True


def _close_after(failure: BaseException | None, manager: _Manager) -> None:
    """Beam's run_stages: `close_all` in a `finally`, with `failure` propagating (or none)."""
    from apache_beam.runners.portability.fn_api_runner import worker_handlers

    worker_supervision.install_orderly_close()
    try:
        if failure is not None:
            raise failure
    finally:
        worker_handlers.WorkerHandlerManager.close_all(manager)


def _interrupt_in_a_stage() -> RuntimeError:
    """Beam's single-process runner re-raises a Ctrl-C in a stage as a RuntimeError."""
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt as exc:
        error = RuntimeError("KeyboardInterrupt [while running 'Extract']")
        error.__cause__ = exc
        return error


@pytest.mark.parametrize(
    "first", [KeyboardInterrupt(), _interrupt_in_a_stage()], ids=["ctrl-c", "ctrl-c-in-a-stage"]
)
def test_ctrl_c_while_an_interrupted_run_closes_is_raised_at_once(first):
    """The Ctrl-C that stopped the run was the first: the one pressed while its workers stop
    is the second, raised at once (it was deferred as if it were the first, so it took a
    third to get out of a stop that hung)."""
    handler = _CtrlCWhileStopping(stop_s=3.0)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        _close_after(first, _Manager(handler))
    assert not handler.stopped
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    "failure", [None, RuntimeError("a bundle failed")], ids=["end-of-run", "failed-run"]
)
def test_first_ctrl_c_while_workers_stop_waits_for_them(failure):
    handler = _CtrlCWhileStopping(stop_s=0.3)
    with pytest.raises(KeyboardInterrupt):
        _close_after(failure, _Manager(handler))
    assert handler.stopped  # every worker stopped before the Ctrl-C was raised


def test_a_failed_run_does_not_wait_for_ever_for_a_worker_that_never_exits(monkeypatch):
    """A worker whose bundle failed can hang in its own exit, and Beam waits for each worker
    without a time limit: the command line now ends such a run after HARD_EXIT_AFTER_S."""
    monkeypatch.setattr(worker_supervision, "HARD_EXIT_AFTER_S", 0.3)
    exits: list[str] = []
    released = threading.Event()

    class NeverStops:
        def close(self):
            released.wait(3.0)

    def hard_exit(message: str) -> None:
        exits.append(message)
        released.set()

    deaths = worker_supervision.DEATHS
    deaths.start_run(hard_exit=hard_exit)
    started = time.monotonic()
    try:
        with pytest.raises(RuntimeError):
            failure = RuntimeError("a bundle failed\nTraceback (most recent call last): ...")
            _close_after(failure, _Manager(NeverStops()))
    finally:
        deaths.end_run()
    assert time.monotonic() - started < 2.0
    assert len(exits) == 1, exits
    assert exits[0].startswith("the run failed (RuntimeError: a bundle failed) and its local")
    assert "wrote no _SUCCESS" in exits[0] and "\n" not in exits[0]

    deaths.start_run(hard_exit=hard_exit)  # a run whose workers stop in time: no exit
    try:
        with pytest.raises(RuntimeError):
            _close_after(RuntimeError("a bundle failed"), _Manager())
    finally:
        deaths.end_run()
    time.sleep(0.5)
    assert len(exits) == 1


# ------------------------------------------------------------------ whole runs


@pytest.fixture(scope="module")
def thousand_records(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("supervision") / "synth-1000.warc.gz"
    write_synthetic_warc(str(path), 1000, seed=3)
    return path


def _process_stats() -> dict[int, list[str]]:
    """pid -> the fields of /proc/pid/stat after the command name (state, ppid, pgrp, session...)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
    return stats


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for pid, fields in _process_stats().items():
        children.setdefault(int(fields[1]), []).append(pid)
    return children


def _descendants(root: int) -> list[tuple[int, str]]:
    children, found, todo = _children(), [], [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            found.append((pid, cmdline))
            todo.append(pid)
    return found


def _workers(root: int) -> list[int]:
    """The worker processes themselves (not a shell, should one be left in between)."""
    return [
        pid
        for pid, cmd in _descendants(root)
        if "-m pipeline.local_worker" in cmd and cmd.startswith(sys.executable)
    ]


def _busy_worker(root: int) -> int | None:
    """A worker that has started its extraction child: it is connected and processing."""
    descendants = _descendants(root)
    workers = set(_workers(root))
    children = _children()
    for worker in workers:
        if any(
            "transforms.extraction --sandbox" in cmd
            for pid, cmd in descendants
            if pid in children.get(worker, [])
        ):
            return worker
    return None


def _run_and_kill(warc: Path, output: Path, pick_victim) -> tuple[int, str, float]:
    """`ccprov run` with two local workers, killing the worker `pick_victim(pid)` names."""
    return _run_and_signal(warc, output, pick_victim, lambda pid: os.kill(pid, signal.SIGKILL))


def _run_and_signal(
    warc: Path, output: Path, pick_target, send, workers: int = 2
) -> tuple[int, str, float]:
    """`ccprov run` with `workers` local worker processes (1: in the runner's process), in
    a session of its own; `send(pid)` once `pick_target(run's pid)` names a process."""
    command = [
        sys.executable,
        "-m",
        "pipeline.cli",
        "run",
        "--input",
        str(warc),
        "--output",
        str(output),
        "--extractor",
        "resiliparse",
        "--quiet",
    ]
    if workers > 1:
        command += ["--direct_num_workers", str(workers)]
        command += ["--direct_running_mode", "multi_processing"]
    started = time.monotonic()
    proc = subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        target = None
        deadline = time.monotonic() + 60
        while target is None and proc.poll() is None and time.monotonic() < deadline:
            target = pick_target(proc.pid)
            if target is None:
                time.sleep(0.02)
        assert target is not None, "nothing to signal"
        send(target)
        # A hang is what this guards against: the run must end on its own, well before this.
        _, err = proc.communicate(timeout=120)
        return proc.returncode, err, time.monotonic() - started
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the run's session
        except ProcessLookupError:
            pass
        proc.wait()


def _first_worker(root: int) -> int | None:
    workers = _workers(root)
    return workers[0] if workers else None


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the workers through /proc")
@pytest.mark.parametrize(
    "pick_victim", [_first_worker, _busy_worker], ids=["while-starting", "mid-run"]
)
def test_a_dead_worker_ends_the_run_with_one_line(thousand_records, tmp_path, pick_victim):
    output = tmp_path / "out"
    code, err, _ = _run_and_kill(thousand_records, output, pick_victim)
    assert code == 1, err[-3000:]
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith("ccprov: error: local worker process worker_"), err[-3000:]
    assert "killed by SIGKILL" in lines[-1]
    # Nothing else: no traceback, no Beam errors about broken streams, and no shell saying
    # "Killed" (the worker command execs the worker).
    assert "Traceback" not in err and "ERROR" not in err, err[-3000:]
    assert len(lines) == 1, err[-3000:]
    assert not (output / "_SUCCESS").exists()


def _extracting(pid: int) -> bool:
    """The run has an extraction child: it is processing pages."""
    return any("transforms.extraction --sandbox" in cmd for _, cmd in _descendants(pid))


def _ctrl_c(pid: int) -> None:
    """What a terminal does: SIGINT to every process of the foreground group."""
    os.killpg(pid, signal.SIGINT)


def _importing_beam(pid: int) -> int | None:
    """`pid` once it is importing Beam (pyarrow's library is mapped): ccprov's code runs, and
    the heavy imports are still going on. (Earlier, during the interpreter's own start-up,
    any Python program dies of SIGINT without a word or with "Fatal Python error".)"""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return None
    return pid if "libarrow" in maps else None


def _session_left(session: int) -> list[int]:
    """Live processes of a session (zombies are dead, waiting to be reaped)."""
    return [
        pid
        for pid, fields in _process_stats().items()
        if int(fields[3]) == session and fields[0] != "Z"
    ]


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the workers through /proc")
@pytest.mark.parametrize(
    "when",
    ["importing", "workers-starting", "mid-run", "mid-run-in-process"],
)
def test_ctrl_c_is_one_line_at_any_moment(thousand_records, tmp_path, when):
    """Ctrl-C while ccprov imports, while its workers start (a stopped run used to wait for
    ever for a worker that had not connected yet), mid-run, and mid-run in the default
    single-process mode (where Beam turned it into a logged RuntimeError and exit code 1)."""
    pick = {
        "importing": _importing_beam,
        "workers-starting": lambda pid: pid if _workers(pid) else None,
        "mid-run": lambda pid: pid if _busy_worker(pid) else None,
        "mid-run-in-process": lambda pid: pid if _extracting(pid) else None,
    }[when]
    sessions: list[int] = []

    def send(pid: int) -> None:
        sessions.append(pid)
        _ctrl_c(pid)

    workers = 1 if when == "mid-run-in-process" else 2
    code, err, _ = _run_and_signal(thousand_records, tmp_path / "out", pick, send, workers)
    assert code == 130, err[-3000:]
    assert err.strip() == "ccprov: interrupted", err[-3000:]
    # Nothing of the run is left: no worker, no shell, no extraction child.
    deadline = time.monotonic() + 10
    while _session_left(sessions[0]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _session_left(sessions[0]) == []


INTERRUPTED_IN_EXEC = r"""
import os, signal, sys
import pipeline.cli as cli

def run_command(argv, hard_exit_on_dead_worker=False):
    # Ctrl-C lands in code run by exec() of a string, as in dataclasses' at import time.
    exec("os.kill(os.getpid(), signal.SIGINT)\nfor _ in range(10**8): pass")

cli.run_command = run_command
sys.exit(cli.main(["run"]))
"""


def _sigint_as_a_terminal_leaves_it() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])


def _run_module(tmp_path: Path, *args: str, **env_vars: str) -> subprocess.CompletedProcess:
    """`python -m ARGS` with tmp_path's modules importable, in a session of its own where
    SIGINT is neither ignored nor blocked (as a terminal leaves it)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)]), **env_vars}
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
        preexec_fn=_sigint_as_a_terminal_leaves_it,
    )


def test_ctrl_c_inside_exec_still_exits_130(tmp_path):
    """Seen in CI: `ccprov: interrupted`, then the process killed itself with SIGINT (-2):
    CPython 3.11 counts a KeyboardInterrupt raised inside exec()'d code as unhandled."""
    (tmp_path / "interrupted_run.py").write_text(INTERRUPTED_IN_EXEC)
    done = _run_module(tmp_path, "interrupted_run")
    assert done.returncode == 130, (done.returncode, done.stderr[-2000:])
    assert done.stderr.strip().splitlines()[-1] == "ccprov: interrupted"


# Loaded at start-up (before ccprov's code): Ctrl-C arrives while `pipeline.cli` imports.
CTRL_C_DURING_IMPORT = r"""
import os, signal, sys

class CtrlCOnImport:
    def find_spec(self, name, path=None, target=None):
        if name == "pipeline.local_worker":
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, CtrlCOnImport())
"""


@pytest.mark.parametrize("command", [["pipeline.cli", "run"], ["pipeline.audit", "report"]])
def test_ctrl_c_while_the_command_imports_is_one_line(tmp_path, command):
    """Before `main` can handle it, a Ctrl-C printed the traceback of the import it hit (and
    a library's bare `except:` could swallow it). It is now held until `main` runs."""
    (tmp_path / "sitecustomize.py").write_text(CTRL_C_DURING_IMPORT)
    done = _run_module(tmp_path, *command, str(tmp_path / "out"))
    lines = [ln for ln in done.stderr.splitlines() if not ln.startswith("WARNING:root")]
    assert (done.returncode, lines) == (130, ["ccprov: interrupted"]), done.stderr[-2000:]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_a_worker_dies_with_its_parent(tmp_path):
    """A worker must not outlive the process that started it (the runner): it would wait
    for that runner for ever."""
    ready = tmp_path / "ready"
    code = (
        "import pathlib, sys, time; from pipeline import local_worker; "
        "assert local_worker.die_with_parent(); "
        f"pathlib.Path({str(ready)!r}).write_text('x'); time.sleep(120)"
    )
    shell = subprocess.Popen(["/bin/sh", "-c", f'{sys.executable} -c "{code}"; true'], cwd=REPO)
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists()
        (worker,) = [pid for pid, cmd in _descendants(shell.pid) if "die_with_parent" in cmd]
        shell.kill()
        shell.wait()
        deadline = time.monotonic() + 10
        while _running(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(worker)
    finally:
        if worker is not None and _running(worker):
            os.kill(worker, signal.SIGKILL)


# Loaded at start-up: says so on stderr if the worker gets as far as importing Beam.
REPORT_BEAM_IMPORT = r"""
import sys

class ReportBeamImport:
    def find_spec(self, name, path=None, target=None):
        if name == "apache_beam":
            sys.stderr.write("importing apache_beam\\n")
        return None

sys.meta_path.insert(0, ReportBeamImport())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_a_worker_whose_runner_died_before_it_asked_to_die_with_it_exits_at_once(tmp_path):
    """A runner that dies while its worker starts leaves the worker with another parent
    (init), which the kernel never signals for: the worker compared its parent with the one
    it read after its imports (init again) and lived on. It now asks first, before Beam is
    imported, and compares with the runner's pid given in its command."""
    gone = subprocess.Popen(["true"])
    gone.wait()  # a runner that is no more: this worker's parent is another process
    (tmp_path / "sitecustomize.py").write_text(REPORT_BEAM_IMPORT)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)]),
        "CCPROV_RUNNER_PID": str(gone.pid),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.local_worker"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "importing apache_beam" not in done.stderr, done.stderr[-2000:]


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_the_hard_exit_line_names_the_error_a_worker_quoted():
    """A worker's failure reaches the runner as a RuntimeError whose text is the worker's
    traceback: its first line, all the hard-exit line showed, was "Traceback (most recent
    call last):"."""
    from pipeline.worker_supervision import failure_message

    worker_text = (
        "Traceback (most recent call last):\n"
        '  File "apache_beam/runners/common.py", line 1512, in process\n'
        "    raise ValueError('injected failure')\n"
        "ValueError: injected failure\n\n"
        "During handling of the above exception, another exception occurred:\n\n"
        "Traceback (most recent call last):\n"
        '  File "sdk_worker.py", line 310, in _execute\n'
        "RuntimeError: ValueError: injected failure [while running 'Progress']\n"
    )
    assert failure_message(RuntimeError(worker_text)).startswith(
        "the run failed (ValueError: injected failure) and its local worker processes"
    )
    assert failure_message(ValueError("a bug\nmore")).startswith(
        "the run failed (ValueError: a bug)"
    )
    # Any exception's name, and the error raised last, not one handled on the way.
    for raised in ("pyarrow.lib.ArrowInvalid: Could not convert 'x'", "sitecustomize.Oops: custom"):
        text = worker_text.replace("ValueError: injected failure", raised)
        assert failure_message(RuntimeError(text)).startswith(f"the run failed ({raised})")
    handled = (
        "Traceback (most recent call last):\n  File \"a\", line 1\nKeyError: 'lang'\n\n"
        "During handling of the above exception, another exception occurred:\n\n"
        + worker_text.replace("injected failure", "no language for this page")
    )
    assert failure_message(RuntimeError(handled)).startswith(
        "the run failed (ValueError: no language for this page)"
    )


HARD_EXIT_IN_A_RUN = r"""
import sys, time
import pipeline.cli as cli
from pipeline import worker_supervision

worker_supervision.HARD_EXIT_AFTER_S = 0.5

def submit(pipeline, runner):  # a failed run whose workers never stop
    worker_supervision.DEATHS.closing_after_failure(RuntimeError("injected failure"))
    time.sleep(60)

cli.submit = submit
# a fetched --ai-model's folder, which only atexit (skipped by the hard exit) removed
from transforms.ai_detect import DEFAULT_MODEL_PATH, _fetch_model_once
_fetch_model_once(str(DEFAULT_MODEL_PATH))
sys.argv[1:] = ["run", "--output", sys.argv[1], "--quiet"]
sys.exit(cli.main())  # from the command line: the hard exit is armed
"""


def test_the_hard_exit_leaves_no_beam_temporary_folder(tmp_path):
    """The hard exit skipped Beam's own clean-up and atexit: each such run left a
    beam-pipeline-temp* folder in /tmp, and a ccprov-model-* one with a remote --ai-model."""
    (tmp_path / "hard_exit_run.py").write_text(HARD_EXIT_IN_A_RUN)
    temp = tmp_path / "tmp"
    temp.mkdir()
    done = _run_module(tmp_path, "hard_exit_run", str(tmp_path / "out"), TMPDIR=str(temp))
    assert done.returncode == 1, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("ccprov: error: the run failed (RuntimeError: injected failure)")
    assert not list(temp.glob("beam-pipeline-temp*"))
    assert not list(temp.glob("ccprov-model-*"))


def test_the_hard_exit_does_not_wait_for_ever_on_its_folders():
    """Removing the folders on a hung TMPDIR must not hold up the exit that is there so that
    nothing waits for ever."""
    script = (
        "import time\n"
        "from pipeline import worker_supervision as ws\n"
        "ws.REMOVE_FOLDERS_WITHIN_S = 0.5\n"
        "ws.exit_process(lambda: time.sleep(60) or [], 'a worker died')\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and time.monotonic() - started < 30
    assert done.stderr.strip().endswith("ccprov: error: a worker died")
