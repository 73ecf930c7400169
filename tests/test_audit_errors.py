"""Damaged outputs and unusable arguments in the audit commands: one line, exit 2, no
traceback, nothing changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.audit import main as audit_main
from tests.test_takedown import file_hashes


@pytest.fixture
def output(sample_run, tmp_path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(sample_run.root, out)
    return out


def one_line_error(capsys, argv: list[str]) -> str:
    assert audit_main(argv) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    lines = captured.err.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def a_doc_id(root: Path) -> str:
    import pyarrow.parquet as pq

    shard = next((root / "provenance").glob("*.parquet"))
    return pq.read_table(shard, columns=["doc_id"]).column("doc_id")[0].as_py()


COMMANDS = {
    "report": lambda out, tmp: ["report", out, "--out", f"{tmp}/r.html"],
    "query": lambda out, tmp: ["query", out, "SELECT count(*) FROM provenance"],
    "trace": lambda out, tmp: ["trace", out, "--doc-id", a_doc_id(Path(out))],
    "takedown": lambda out, tmp: ["takedown", out, "--urls", f"{tmp}/urls.txt"],
    "select": lambda out, tmp: ["select", out, "--output", f"{tmp}/sel", "--languages", "en"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncated manifest", "manifest.json is damaged: "),  # JSON says what it expected
        ("manifest not an object", "manifest.json is not a ccprov manifest"),
        ("listed shard missing", "is damaged: 1 file(s) its manifest.json lists are missing"),
    ],
)
def test_a_damaged_output_is_a_one_line_error(output, tmp_path, capsys, command, damage, message):
    argv = COMMANDS[command](str(output), str(tmp_path))  # before the damage: reads a doc id
    (tmp_path / "urls.txt").write_text("https://example.org/\n")
    manifest = output / "manifest.json"
    if damage == "truncated manifest":
        manifest.write_bytes(manifest.read_bytes()[:300])
    elif damage == "manifest not an object":
        manifest.write_text("[1, 2]")
    else:
        next((output / "corpus").glob("*.parquet")).unlink()
    before = file_hashes(output)
    assert message in one_line_error(capsys, argv)
    assert file_hashes(output) == before
    assert not (tmp_path / "sel").exists()


@pytest.mark.parametrize("command", ["report", "query", "takedown", "select"])
def test_a_truncated_shard_is_a_one_line_error(output, tmp_path, capsys, command):
    import pyarrow.parquet as pq

    argv = COMMANDS[command](str(output), str(tmp_path))
    kept_url = pq.read_table(next((output / "corpus").glob("*.parquet")), columns=["url"])
    (tmp_path / "urls.txt").write_text(kept_url.column("url")[0].as_py() + "\n")
    # report and this query read the ledger only: a damaged corpus shard does not stop them
    # (test_a_damaged_corpus_shard_does_not_stop...), a damaged ledger shard does.
    kind = "provenance" if command in ("report", "query") else "corpus"
    shard = next((output / kind).glob("*.parquet"))
    shard.write_bytes(shard.read_bytes()[:1000])
    before = file_hashes(output)
    line = one_line_error(capsys, argv)
    assert line.startswith(f"ccprov: error: {command}: ") or "sha256" in line, line
    assert file_hashes(output) == before


def test_unusable_paths_and_values_are_one_line_errors(output, tmp_path, capsys):
    root = str(output)
    doc_id = a_doc_id(output)
    cases = [
        (["report", root, "--out", "/nonexistent/dir/r.html"], "No such file or directory"),
        (["report", root, "--out", str(tmp_path)], "Is a directory"),
        (["trace", root, "--doc-id", doc_id, "--payload-out", "/nonexistent/x"], "No such file"),
        (["trace", root, "--doc-id", "a\nb"], "no ledger row has such a value"),
        (["trace", root, "--doc-id", "\udcff"], "no ledger row has such a value"),
        (["trace", root, "--doc-id", doc_id, "--decode"], "--decode applies to --payload-out"),
    ]
    for argv, message in cases:
        assert message in one_line_error(capsys, argv), argv


def test_an_output_being_written_is_named_as_such(tmp_path, capsys):
    """During a run the previous manifest is gone, and every audit command said "has no
    manifest.json: not a ccprov output"."""
    import fcntl

    from pipeline.audit import main as audit_main
    from transforms.writer import RUN_LOCK

    out = tmp_path / "out"
    out.mkdir()
    with open(out / RUN_LOCK, "a+") as run:
        fcntl.flock(run, fcntl.LOCK_EX | fcntl.LOCK_NB)
        run.write("4242\n")
        run.flush()
        for command in (["report"], ["query", "SELECT 1"], ["trace", "--doc-id", "x"]):
            argv = [command[0], str(out), *command[1:]]
            assert audit_main(argv) == 2
            err = capsys.readouterr().err
            assert f"a ccprov run (pid 4242) is writing {out}: wait for it to finish" in err, err
    assert audit_main(["report", str(out)]) == 2  # the run is over, nothing was written
    assert "has no manifest.json: not a ccprov output" in capsys.readouterr().err


def test_a_damaged_corpus_shard_does_not_stop_ledger_queries_or_the_report(
    sample_run, tmp_path, capsys
):
    """All views were opened up front: one bad corpus shard stopped `query ... FROM
    provenance` and the report, which never reads the corpus."""
    import shutil

    from pipeline.audit import main as audit_main

    out = tmp_path / "out"
    shutil.copytree(sample_run.root, out)
    shard = next((out / "corpus").glob("*.parquet"))
    shard.write_bytes(b"not parquet")
    assert (
        audit_main(["query", str(out), "SELECT count(*) FROM provenance", "--format", "csv"]) == 0
    )
    assert capsys.readouterr().out.splitlines()[1] == str(
        sample_run.manifest["counts"]["ledger_rows"]
    )
    assert audit_main(["report", str(out)]) == 0
    capsys.readouterr()
    assert audit_main(["query", str(out), "SELECT count(*) FROM corpus"]) == 2
    err = capsys.readouterr().err
    assert "query: the corpus view could not be opened" in err and err.count("\n") == 1


def test_contains_keeps_to_the_outputs_own_prefix():
    from pipeline.audit.store import OutputStore

    store = OutputStore("s3://bucket/run")
    assert store.contains("s3://bucket/run/report.html") and store.contains("s3://bucket/run/")
    assert not store.contains("s3://bucket/run-2/report.html")


def test_a_gs_output_is_given_up_on_within_seconds_not_minutes():
    """pyarrow retries GCS for 15 minutes by default: query, report, select and takedown on a
    gs:// output nobody can reach printed nothing until killed."""
    import datetime

    from pipeline.audit.store import GCS_RETRY_SECONDS, OutputStore

    (settings,) = OutputStore("gs://bucket/out").arrow_fs.__reduce__()[1]
    assert settings["retry_time_limit"] == datetime.timedelta(seconds=GCS_RETRY_SECONDS)
    assert GCS_RETRY_SECONDS <= 60
