"""pipeline/worker_supervision.py: a local worker process that dies ends the run with one
line and exit status 1, whether it dies while starting or mid-run; never a hang."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
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
        (137, "killed by SIGKILL (what the kernel's out-of-memory killer sends)"),
        (-9, "killed by SIGKILL"),
        (143, "killed by SIGTERM"),
        (-11, "killed by SIGSEGV"),
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
    oom = code in (137, -9)
    assert ("lower --direct_num_workers" in message) == oom


def test_exit_status_is_read_from_beams_error():
    failure = RuntimeError("Worker subprocess exited with return code 137")
    assert death_from(failure, "w").return_code == 137
    assert death_from(RuntimeError("something else"), "w").return_code is None
    assert death_from(None, "w").return_code == 0


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


# ------------------------------------------------------------------ whole runs


@pytest.fixture(scope="module")
def thousand_records(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("supervision") / "synth-1000.warc.gz"
    write_synthetic_warc(str(path), 1000, seed=3)
    return path


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
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
    """The worker processes themselves, not the shells Beam starts them through."""
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
        "--direct_num_workers",
        "2",
        "--direct_running_mode",
        "multi_processing",
    ]
    started = time.monotonic()
    proc = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        victim = None
        deadline = time.monotonic() + 60
        while victim is None and proc.poll() is None and time.monotonic() < deadline:
            victim = pick_victim(proc.pid)
            if victim is None:
                time.sleep(0.02)
        assert victim is not None, "no worker to kill"
        os.kill(victim, signal.SIGKILL)
        # A hang is what this guards against: the run must end on its own, well before this.
        _, err = proc.communicate(timeout=120)
        return proc.returncode, err, time.monotonic() - started
    finally:
        for pid, _ in _descendants(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if proc.poll() is None:
            proc.kill()
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
    # Nothing else from the runner: no traceback, no Beam errors about broken streams (the
    # shell that started the worker may say "Killed").
    assert "Traceback" not in err and "ERROR" not in err, err[-3000:]
    assert len(lines) <= 2, err[-3000:]
    assert not (output / "_SUCCESS").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_a_worker_whose_shell_is_killed_dies_with_it(tmp_path):
    """Beam watches only the shell it starts a worker with; the worker must not outlive it."""
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


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
