"""End to end against a real S3 server (SeaweedFS): WARC files are read from one bucket,
the corpus, ledger and manifest written to another, and read back with pyarrow."""

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.cli import main as ccprov_main
from pipeline.sample import SAMPLE_WARC
from tests.pipeline_runs import shared_warc_files
from transforms.warc_reader import read_warc_file


@pytest.mark.s3
def test_s3_in_s3_out_round_trip(s3_server, sample_run):
    src, dst = s3_server.create_bucket(), s3_server.create_bucket()
    client = s3_server.client()
    local = [SAMPLE_WARC, *shared_warc_files()[:2]]
    inputs = []
    for i, path in enumerate(local):
        key = f"crawl/{i:02d}-{path.name}"
        client.put_object(Bucket=src, Key=key, Body=path.read_bytes())
        inputs.append(f"s3://{src}/{key}")
    # What an earlier run into run1 that was cut short left: its temporary parts, and a shard
    # of an input this run does not have.
    stale = ["run1/_temporary/20260101T000000-0badc0de/parts/provenance/part-00000-0000.arrow"]
    stale.append("run1/provenance/part-00009-000.parquet")
    for key in stale:
        client.put_object(Bucket=dst, Key=key, Body=b"left by a run that was cut short")
    args = [
        "run",
        "--input",
        f"s3://{src}/crawl/*.warc.gz",
        "--output",
        f"s3://{dst}/run1",
        "--quiet",
        *s3_server.beam_args(),
    ]
    assert ccprov_main(args) == 0

    # One shard per input file; nothing left of the temporary parts and shards, this run's or
    # the earlier run's.
    listed = client.list_objects_v2(Bucket=dst, Prefix="run1/")
    keys = [obj["Key"] for obj in listed.get("Contents", [])]
    assert not [k for k in keys if k.startswith("run1/_temporary/")]
    with_records = [i for i, path in enumerate(local) if read_warc_file(str(path), 0)[0]]
    assert with_records[0] == 0  # the sample (the shared files are there only on some machines)
    assert sorted(k for k in keys if k.startswith("run1/provenance/")) == [
        f"run1/provenance/part-{i:05d}-000.parquet" for i in with_records
    ]

    fs = s3_server.pyarrow_filesystem()
    with fs.open_input_stream(f"{dst}/run1/manifest.json") as handle:
        manifest = json.loads(handle.read())
    assert manifest["inputs"] == inputs
    with fs.open_input_stream(f"{dst}/run1/_SUCCESS") as handle:
        assert handle.read()
    for shards in manifest["files"].values():
        for shard in shards:
            with fs.open_input_stream(f"{dst}/run1/{shard['path']}") as handle:
                data = handle.read()
            assert hashlib.sha256(data).hexdigest() == shard["sha256"]
    ledger = pq.read_table(f"{dst}/run1/provenance", filesystem=fs).to_pylist()
    corpus = pq.read_table(f"{dst}/run1/corpus", filesystem=fs).to_pylist()
    for uri, path in zip(inputs, local, strict=True):
        docs, _ = read_warc_file(str(path), 0)
        assert sum(1 for r in ledger if r["warc_path"] == uri) == len(docs)
    assert {r["doc_id"] for r in corpus} == {r["doc_id"] for r in ledger if r["decision"] == "kept"}
    # Same text as the local run of the sample: storage does not change decisions.
    sample_uri = inputs[0]
    local_texts = sorted(r["text"] for r in sample_run.corpus())
    s3_texts = sorted(r["text"] for r in corpus if r["file_path"] == sample_uri)
    assert s3_texts == local_texts


@pytest.mark.s3
def test_filter_config_and_ai_model_read_from_s3(s3_server, tmp_path, capsys):
    """deploy/README.md tells Dataflow users to give them as gs:// or s3:// paths, but both
    were read as local files: "cannot read 's3:/bucket/...': No such file or directory"."""
    from transforms.ai_detect import DEFAULT_MODEL_PATH, model_version

    bucket = s3_server.create_bucket()
    client = s3_server.client()
    config = b"[gopher_quality]\nmin_doc_words = 7\n"
    client.put_object(Bucket=bucket, Key="cfg/filters.toml", Body=config)
    model = Path(DEFAULT_MODEL_PATH)
    for local in (model, model.with_suffix(".json")):
        client.put_object(Bucket=bucket, Key=f"models/{local.name}", Body=local.read_bytes())
    out = tmp_path / "out"
    args = ["run", "--output", str(out), "--quiet", *s3_server.beam_args()]
    args += ["--filters-config", f"s3://{bucket}/cfg/filters.toml"]
    args += ["--ai-model", f"s3://{bucket}/models/{model.name}"]
    assert ccprov_main(args) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["filters"]["gopher_quality"]["min_doc_words"] == 7
    versions = {r["ai_model_version"] for r in pq.read_table(out / "provenance").to_pylist()}
    assert versions - {None} == {model_version(DEFAULT_MODEL_PATH)}
    # a bad object is named as given (the path once lost a '/': s3:/bucket/...)
    client.put_object(Bucket=bucket, Key="cfg/bad.toml", Body=b"[gopher_quality\n")
    bad = ["run", "--output", str(tmp_path / "out2"), *s3_server.beam_args()]
    assert ccprov_main([*bad, "--filters-config", f"s3://{bucket}/cfg/bad.toml"]) == 2
    assert f"cannot parse 's3://{bucket}/cfg/bad.toml'" in capsys.readouterr().err


@pytest.mark.s3
def test_a_remote_model_is_fetched_once_by_threads_setting_up_together(s3_server):
    """A worker sets its DoFns up on several threads: each fetched the model into a folder of
    its own. The card is found beside the model even with a dot in a folder name."""
    import threading

    from apache_beam.io.filesystems import FileSystems
    from apache_beam.options.pipeline_options import PipelineOptions

    from transforms.ai_detect import DEFAULT_MODEL_PATH, local_model_path, model_card_path

    bucket = s3_server.create_bucket()
    client = s3_server.client()
    model = Path(DEFAULT_MODEL_PATH)
    client.put_object(Bucket=bucket, Key="v1.2/detector", Body=model.read_bytes())
    client.put_object(
        Bucket=bucket, Key="v1.2/detector.json", Body=model.with_suffix(".json").read_bytes()
    )
    url = f"s3://{bucket}/v1.2/detector"
    assert model_card_path(url) == f"s3://{bucket}/v1.2/detector.json"
    FileSystems.set_options(PipelineOptions(s3_server.beam_args()))
    barrier, paths = threading.Barrier(8), []

    def fetch():
        barrier.wait()
        paths.append(local_model_path(url))

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(paths)) == 1
    assert paths[0].read_bytes() == model.read_bytes()
    assert paths[0].with_suffix(".json").exists()
