"""The pipeline runs unchanged on the multi-process DirectRunner and on the portable runner
(the path Flink uses), and gives byte-identical shards to the single-worker run."""

import pytest

from tests.pipeline_runs import run_pipeline


def shard_digests(run) -> dict:
    manifest = run.manifest
    return {
        kind: [(s["path"], s["rows"], s["sha256"]) for s in shards]
        for kind, shards in manifest["files"].items()
    }


@pytest.mark.parametrize(
    "runner_args",
    [
        ["--direct_num_workers", "2", "--direct_running_mode", "multi_processing"],
        ["--runner", "PortableRunner", "--job_endpoint", "embed", "--environment_type", "LOOPBACK"],
    ],
    ids=["direct-multiprocessing", "portable-embed"],
)
def test_same_shards_as_single_worker(sample_run, tmp_path, runner_args, capfd):
    other = run_pipeline(tmp_path / "out", *runner_args)
    assert other.exit_code == 0
    assert shard_digests(other) == shard_digests(sample_run)
    assert other.manifest["counts"] == sample_run.manifest["counts"]
    # --quiet (which run_pipeline passes) also silences the worker processes: no INFO
    # lines, and none of the start-up warnings every local run would print.
    err = capfd.readouterr().err
    assert "INFO" not in err, err[-2000:]
    for expected_noise in ("Discarding unparseable args", "semi_persistent_directory"):
        assert expected_noise not in err, err[-2000:]


def test_rerun_into_same_output_replaces_it(sample_run, tmp_path):
    out = tmp_path / "out"
    first = run_pipeline(out)
    stale = out / "corpus" / "part-99999-000.parquet"
    stale.write_bytes(b"left over from an older run")
    second = run_pipeline(out)
    assert second.exit_code == 0 and not stale.exists()
    assert shard_digests(second) == shard_digests(first) == shard_digests(sample_run)
    assert (out / "_SUCCESS").exists()


def test_groups_streamed_from_the_runner_give_the_same_shards(sample_run, tmp_path, monkeypatch):
    """Local runs read large groups (the writer's) from the runner lazily instead of inline,
    and the runner sends inputs and streamed groups in pieces. With a 1 KiB threshold and
    4 KiB pieces every group of the sample takes that path, in several pieces; the shards
    must not change."""
    from apache_beam.runners.portability.fn_api_runner import worker_handlers

    from pipeline import cli

    monkeypatch.setattr(cli, "LOCAL_GROUP_INLINE_BYTES", 1024)
    monkeypatch.setattr(cli, "LOCAL_INPUT_MESSAGE_BYTES", 4096)
    original = worker_handlers.StateServicer.append_raw
    written = []

    def spy(self, state_key, data):
        if state_key.WhichOneof("type") == "runner":  # a streamed group's values
            written.append(state_key.runner.key)
        return original(self, state_key, data)

    monkeypatch.setattr(worker_handlers.StateServicer, "append_raw", spy)
    run = run_pipeline(tmp_path / "out")
    assert run.exit_code == 0
    assert shard_digests(run) == shard_digests(sample_run)
    assert written  # groups really were read from the runner's state
    assert max(written.count(token) for token in set(written)) > 1  # a group in several pieces
