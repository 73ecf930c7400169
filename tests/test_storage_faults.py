"""Storage faults: an object store that goes away for a while, a connection that drops mid-file,
and a bucket or credentials that are wrong from the start.

The S3 tests run against the SeaweedFS server of `tests/s3_fixture.py`: the run is a real
`ccprov run` (in-process) with s3:// input and output, and the server is killed and restarted
while the run writes its shards. `s3_outage_run` is shared with `test_security.py`, which
greps that run's output and logs for the credentials.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import logging
import os
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.cli import main as ccprov_main
from pipeline.sample import SAMPLE_WARC
from tests.corrupt_warcs import build_corrupt_warcs, lying_plain_warc
from tests.outage_proxy import OutageProxy
from transforms import warc_reader
from transforms.warc_reader import read_warc_file

OUTAGE_SECONDS = 3.0


@contextlib.contextmanager
def captured_output(level: int = logging.INFO):
    """Collect every log record (INFO and up, from any logger) and all stdout/stderr text."""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Collect(level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    out, err = io.StringIO(), io.StringIO()
    text: dict[str, str] = {}
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield text
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        text.update(logs="\n".join(records), stdout=out.getvalue(), stderr=err.getvalue())


@contextlib.contextmanager
def beam_filesystems_restored():
    """The CLI sets Beam's process-wide FileSystems options; put the previous ones back."""
    previous = FileSystems._pipeline_options
    try:
        yield
    finally:
        FileSystems.set_options(previous)


@dataclasses.dataclass
class S3Run:
    bucket: str
    output: str  # s3://bucket/out
    inputs: list[str]
    local_inputs: list[Path]
    exit_code: int
    output_text: dict  # logs, stdout, stderr of the run
    outage: dict  # stopped_at, restarted_at, finished_at (monotonic seconds)
    server: object

    def objects(self) -> dict[str, bytes]:
        """Every object under the output prefix: key -> bytes."""
        client = self.server.client()
        listed = client.list_objects_v2(Bucket=self.bucket, Prefix="out/")
        return {
            item["Key"]: client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read()
            for item in listed.get("Contents", [])
        }


_SHARED: dict[str, S3Run] = {}


@pytest.fixture(scope="session")
def s3_outage_run(s3_server, tmp_path_factory) -> S3Run:
    return shared_s3_outage_run(s3_server, tmp_path_factory)


def shared_s3_outage_run(s3_server, tmp_path_factory) -> S3Run:
    """Run once per session, also for test_security.py (a fixture imported into another
    module would run again)."""
    if "run" not in _SHARED:
        _SHARED["run"] = _s3_outage_run(s3_server, tmp_path_factory)
    return _SHARED["run"]


def _s3_outage_run(s3_server, tmp_path_factory) -> S3Run:
    """`ccprov run` from s3:// to s3://; the server is down for a few seconds while the run
    writes its first shards, then comes back. Logs and output are captured (test_security)."""
    local = tmp_path_factory.mktemp("s3_inputs")
    fixtures = {f.name: f for f in build_corrupt_warcs(local)}
    local_inputs = [
        Path(SAMPLE_WARC),
        fixtures["plain.warc"].path,
        fixtures["truncated_member.warc.gz"].path,
    ]
    bucket = s3_server.create_bucket()
    client = s3_server.client()
    inputs = []
    for path in local_inputs:
        client.put_object(Bucket=bucket, Key=f"in/{path.name}", Body=path.read_bytes())
        inputs.append(f"s3://{bucket}/in/{path.name}")

    # The run talks to the server through a proxy that kills the server at the run's first
    # request for a temporary shard (under its run id, which starts with the date; not the
    # write check before the run), so the outage hits the writes every time.
    proxy = OutageProxy(
        s3_server,
        trigger=re.compile(rb"^(PUT|POST) /" + bucket.encode() + rb"/out/_temporary/\d", re.M),
        outage_seconds=OUTAGE_SECONDS,
    )
    beam_args = [
        f"--s3_endpoint_url={proxy.endpoint_url}" if a.startswith("--s3_endpoint_url") else a
        for a in s3_server.beam_args()
    ]
    args = ["run", "--output", f"s3://{bucket}/out", "--languages", "all", *beam_args]
    for uri in inputs:
        args += ["--input", uri]
    # botocore's own retries (5 attempts, random back-off) would hide ours; keep them short.
    previous_attempts = os.environ.get("AWS_MAX_ATTEMPTS")
    os.environ["AWS_MAX_ATTEMPTS"] = "2"
    try:
        with beam_filesystems_restored(), captured_output() as output_text:
            exit_code = ccprov_main(args)
    finally:
        if previous_attempts is None:
            os.environ.pop("AWS_MAX_ATTEMPTS", None)
        else:
            os.environ["AWS_MAX_ATTEMPTS"] = previous_attempts
        finished_at = time.monotonic()
        proxy.close()  # waits for the server to be back if the outage began
        if not s3_server.running:  # never leave the session's server down
            s3_server.start()
    outage = dict(proxy.outage, finished_at=finished_at, triggered_by=proxy.triggered_by)
    return S3Run(
        bucket,
        f"s3://{bucket}/out",
        inputs,
        local_inputs,
        exit_code,
        output_text,
        outage,
        s3_server,
    )


def run_cli(capsys, *args: str) -> tuple[int, list[str]]:
    """ccprov in-process; returns the exit code and the non-empty stderr lines."""
    with beam_filesystems_restored():
        code = ccprov_main(list(args))
    err = capsys.readouterr().err
    return code, [ln for ln in err.splitlines() if ln.strip()]


@pytest.mark.s3
def test_s3_outage_during_a_run_is_survived_and_output_is_complete(s3_outage_run):
    run = s3_outage_run
    assert run.exit_code == 0, run.output_text["logs"][-3000:]
    # The server really was away while the run was writing, and the writes were retried.
    assert run.outage["stopped_at"] < run.outage["restarted_at"] < run.outage["finished_at"]
    assert b"/out/_temporary/" in run.outage["triggered_by"]
    assert "retrying write s3://" in run.output_text["logs"]
    # One line a retry, naming the connection; not Beam's S3 client's error and 100-line
    # traceback for every attempt (1,819 lines for one permanent outage) nor the
    # AttributeError it fails with while wrapping botocore's error.
    assert "Error in _start_upload" not in run.output_text["logs"]
    retries = [ln for ln in run.output_text["logs"].splitlines() if "retrying write s3://" in ln]
    assert not [ln for ln in retries if "AttributeError" in ln], retries

    objects = run.objects()
    assert "out/_SUCCESS" in objects and "out/manifest.json" in objects
    assert not [k for k in objects if k.startswith("out/_temporary/")]
    manifest = json.loads(objects["out/manifest.json"])
    listed = [s for shards in manifest["files"].values() for s in shards]
    assert listed
    for shard in listed:  # every shard the manifest names is there, byte for byte
        data = objects[f"out/{shard['path']}"]
        assert hashlib.sha256(data).hexdigest() == shard["sha256"] and len(data) == shard["bytes"]
    shard_keys = {k for k in objects if k.endswith(".parquet")}
    assert shard_keys == {f"out/{s['path']}" for s in listed}

    # Nothing lost: the ledger has a row per response of every input, as read locally.
    fs = run.server.pyarrow_filesystem()
    ledger = pq.read_table(f"{run.bucket}/out/provenance", filesystem=fs).to_pylist()
    rows_per_file: dict[str, int] = {}
    for row in ledger:
        rows_per_file[row["warc_path"]] = rows_per_file.get(row["warc_path"], 0) + 1
    for uri, local in zip(run.inputs, run.local_inputs, strict=True):
        docs, _ = read_warc_file(str(local), 0)
        assert rows_per_file.get(uri) == len(docs), uri
    counts = manifest["counts"]
    assert counts["ledger_rows"] == len(ledger) == counts["responses"]
    assert counts["kept"] + counts["dropped"] + counts["errors"] == counts["responses"]


@pytest.mark.s3
def test_missing_bucket_fails_fast_with_one_line(s3_server, capsys):
    started = time.monotonic()
    code, lines = run_cli(
        capsys, "run", "--output", "s3://no-such-bucket-ccprov/out", *s3_server.beam_args()
    )
    assert code == 2 and len(lines) == 1, lines
    assert (
        lines[0].startswith("ccprov: error:") and "no-such-bucket-ccprov does not exist" in lines[0]
    )
    assert time.monotonic() - started < 30


@pytest.mark.s3
def test_wrong_credentials_fail_fast_with_one_line(s3_server, capsys):
    bucket = s3_server.create_bucket()
    wrong = "not-the-right-secret-0123456789"
    args = [a for a in s3_server.beam_args() if not a.startswith("--s3_secret_access_key")]
    code, lines = run_cli(
        capsys,
        "run",
        "--input",
        f"s3://{bucket}/in/x.warc.gz",
        "--output",
        f"s3://{bucket}/out",
        *args,
        f"--s3_secret_access_key={wrong}",
    )
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith("ccprov: error:") and "refused access" in lines[0]
    assert wrong not in lines[0]


def unused_port() -> int:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.s3
def test_unreachable_endpoint_fails_fast_with_one_line(capsys):
    port = unused_port()
    code, lines = run_cli(
        capsys,
        "run",
        "--output",
        "s3://some-bucket/out",
        f"--s3_endpoint_url=http://127.0.0.1:{port}",
        "--s3_access_key_id=x",
        "--s3_secret_access_key=y",
        "--s3_region_name=us-east-1",
    )
    assert code == 2 and len(lines) == 1, lines
    assert "cannot reach S3" in lines[0]


@pytest.mark.s3
@pytest.mark.parametrize("flag", ["--filters-config", "--robots", "--ai-model"])
def test_a_file_read_at_launch_on_an_unreachable_s3_fails_fast_with_one_line(
    capsys, tmp_path, flag
):
    """Beam retried these for minutes, printing tracebacks; --input had the one-line check."""
    port = unused_port()
    code, lines = run_cli(
        capsys,
        "run",
        flag,
        "s3://some-bucket/launch/file",
        "--output",
        str(tmp_path / "out"),
        f"--s3_endpoint_url=http://127.0.0.1:{port}",
        "--s3_access_key_id=x",
        "--s3_secret_access_key=y",
        "--s3_region_name=us-east-1",
    )
    assert code == 2 and len(lines) == 1, lines
    assert "cannot reach S3" in lines[0]


# --- http(s) inputs: dropped connections and refusals ----------------------------------------------
class _FlakyWarcServer(ThreadingHTTPServer):
    """Serves one file with Range support; the first requests fail in the ways networks do."""

    daemon_threads = True

    def __init__(self, data: bytes, faults: list[str]):
        super().__init__(("127.0.0.1", 0), _FlakyHandler)
        self.data = data
        self.faults = list(faults)  # consumed one per request: "503", "cut"
        self.requests: list[str | None] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/input.warc.gz"


class _FlakyHandler(BaseHTTPRequestHandler):
    server: _FlakyWarcServer

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        server = self.server
        if self.path != "/input.warc.gz":
            self.send_error(404)
            return
        byte_range = self.headers.get("Range")
        server.requests.append(byte_range)
        start = int(byte_range.split("=")[1].split("-")[0]) if byte_range else 0
        body = server.data[start:]
        fault = server.faults.pop(0) if server.faults else None
        if fault == "503":
            self.send_error(503)
            return
        self.send_response(206 if byte_range else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if fault == "cut":  # the connection drops a third of the way in
            self.wfile.write(body[: len(body) // 3])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def flaky_http():
    servers = []

    def serve(data: bytes, faults: list[str]) -> _FlakyWarcServer:
        server = _FlakyWarcServer(data, faults)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def test_http_input_resumes_after_refusals_and_dropped_connections(flaky_http):
    data = Path(SAMPLE_WARC).read_bytes()
    server = flaky_http(data, ["503", "cut", "cut"])
    docs, summary = read_warc_file(server.url, 0)
    local_docs, local_summary = read_warc_file(str(SAMPLE_WARC), 0)

    assert summary.errors == []
    assert summary.records_by_type == local_summary.records_by_type
    assert [(d.warc_offset, d.warc_length, d.decision, d.drop_reason) for d in docs] == [
        (d.warc_offset, d.warc_length, d.decision, d.drop_reason) for d in local_docs
    ]
    # The reader went on from where each connection dropped, not from the start.
    resumed = [r for r in server.requests if r]
    assert len(resumed) == 2 and all(int(r[6:-1]) > 0 for r in resumed)


def test_missing_http_input_is_reported_without_retries(flaky_http):
    server = flaky_http(b"", [])
    started = time.monotonic()
    docs, summary = read_warc_file(server.url.replace("input", "missing"), 0)
    assert docs == [] and [e["kind"] for e in summary.errors] == ["unreadable_file"]
    assert "404" in summary.errors[0]["message"]
    assert time.monotonic() - started < 5


@pytest.mark.s3
def test_s3_input_goes_back_past_the_look_back_by_seeking(s3_server, monkeypatch):
    """The same lie as in test_robustness's non-seekable case, read from s3://: the reader
    seeks back to the block start and loses nothing."""
    monkeypatch.setattr(warc_reader, "_LOOKBACK", 4096)
    monkeypatch.setattr(warc_reader, "_SOURCE_CHUNK", 4096)
    bucket = s3_server.create_bucket()
    s3_server.client().put_object(
        Bucket=bucket, Key="lie.warc", Body=lying_plain_warc(excess=20_000)
    )
    with beam_filesystems_restored():
        FileSystems.set_options(PipelineOptions(s3_server.beam_args()))
        docs, summary = read_warc_file(f"s3://{bucket}/lie.warc", 0)
    assert [d.url for d in docs] == [f"http://e.org/{i}" for i in range(8)]
    assert [d.drop_reason for d in docs if d.decision == "error"] == ["content_length_mismatch"]
    assert summary.errors == []


def test_dropped_s3_connection_is_transient_also_through_beams_error_wrapping():
    """A connection the store drops mid-request (no HTTP answer) is worth a retry, also when
    Beam's S3 client turns it into an AttributeError while wrapping it (seen in the outage run:
    `get_http_error_code` reads `.response` of botocore's ConnectionClosedError, None)."""
    from apache_beam.io.aws.clients.s3 import boto3_client
    from apache_beam.io.aws.clients.s3.messages import S3ClientError
    from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

    dropped = ConnectionClosedError(endpoint_url="http://127.0.0.1:1/b/k?uploads")
    assert warc_reader.is_transient(dropped)
    assert warc_reader.is_transient(EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))
    try:
        try:
            raise dropped
        except ConnectionClosedError as exc:
            boto3_client.get_http_error_code(exc)
    except AttributeError as wrapped:
        assert warc_reader.is_transient(wrapped)
    else:  # Beam fixed its wrapping: the error it raises now must be judged on its own
        pytest.fail("Beam's get_http_error_code no longer fails on a dropped connection")

    # Answers the store did give stay permanent; an AttributeError of our own is no I/O error.
    not_found = ClientError(
        {"Error": {"Code": "NoSuchKey"}, "ResponseMetadata": {"HTTPStatusCode": 404}}, "GetObject"
    )
    assert not warc_reader.is_transient(S3ClientError(str(not_found), 404))
    assert not warc_reader.is_transient(not_found)
    assert not warc_reader.is_transient(AttributeError("'NoneType' object has no attribute 'x'"))


def test_a_write_that_fails_on_a_dropped_connection_names_the_connection(monkeypatch):
    """The run's last line said `'NoneType' object has no attribute 'get'` (Beam's S3 client
    failing while it wrapped botocore's error), never that the endpoint was unreachable."""
    from apache_beam.io.aws.clients.s3 import boto3_client
    from botocore.exceptions import ConnectionClosedError

    from transforms.writer import OutputWriteError, _retried_write

    def write():
        try:
            raise ConnectionClosedError(endpoint_url="http://127.0.0.1:1/b/out/part")
        except ConnectionClosedError as exc:
            boto3_client.get_http_error_code(exc)  # Beam's wrapping: an AttributeError

    monkeypatch.setattr(warc_reader.retry_transient, "__defaults__", (0.0,))  # no retries
    with pytest.raises(OutputWriteError) as failure:
        _retried_write(write, "s3://b/out/part")
    assert str(failure.value) == (
        "cannot write s3://b/out/part: Connection was closed before we received a valid "
        'response from endpoint URL: "http://127.0.0.1:1/b/out/part".'
    )


# ------------------------------------------------------------------ an output that fails mid-run


def test_output_that_fails_mid_run_is_one_line(tmp_path, capsys):
    """The output folder passes the start-up check, but its `_temporary` is a file, so the
    first shard cannot be written: exit code 1 and one line naming the file and the reason,
    at once (not after a minute of retries) and without Beam's tracebacks."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "_temporary").write_text("in the way")
    previous = FileSystems._pipeline_options
    started = time.monotonic()
    try:
        code = ccprov_main(["run", "--output", str(out), "--quiet"])
    finally:
        FileSystems.set_options(previous)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 1, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"ccprov: error: cannot write {out}/_temporary/")
    assert lines[0].endswith(": Not a directory; the run stopped and wrote no _SUCCESS")
    assert time.monotonic() - started < 50  # a retried failure would take 60 s and more
    assert not (out / "_SUCCESS").exists()


def test_output_that_fails_mid_run_is_one_line_with_worker_processes(tmp_path):
    """The same with two local worker processes, where the failure happens in a worker:
    Beam's worker prints the traceback itself and relays it as logs and error text."""
    import subprocess
    import sys

    from tests.pipeline_runs import REPO

    out = tmp_path / "out"
    out.mkdir()
    (out / "_temporary").write_text("in the way")
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "run", "--output", str(out), "--quiet"]
        + ["--direct_num_workers", "2", "--direct_running_mode", "multi_processing"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 1, done.stderr[-3000:]
    assert len(lines) == 1, done.stderr[-3000:]
    assert lines[0].startswith(f"ccprov: error: cannot write {out}/_temporary/"), lines


def test_full_disks_and_read_only_stores_are_not_retried():
    import errno as errno_codes

    for code in (errno_codes.ENOSPC, errno_codes.EDQUOT, errno_codes.EROFS):
        assert not warc_reader.is_transient(OSError(code, os.strerror(code)))
    assert not warc_reader.is_transient(NotADirectoryError(20, "Not a directory"))
    assert warc_reader.is_transient(OSError(errno_codes.EIO, "I/O error"))


@pytest.mark.s3
def test_an_output_that_refuses_writes_is_found_before_any_work(s3_server, capsys):
    """Credentials that may read the bucket but not write to it passed the bucket check;
    the run read every input, then failed at its first write after a Beam traceback."""
    bucket = s3_server.create_bucket()
    started = time.monotonic()
    code, lines = run_cli(
        capsys, "run", "--output", f"s3://{bucket}/out", *s3_server.limited_beam_args("read-only")
    )
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"ccprov: error: --output s3://{bucket}/out at "), lines
    assert "refused access (HTTP 403)" in lines[0]
    assert time.monotonic() - started < 30
    assert "Contents" not in s3_server.client().list_objects_v2(Bucket=bucket)


@pytest.mark.s3
def test_an_output_that_cannot_be_listed_is_refused_and_left_whole(s3_server, capsys):
    """Listing failures were taken for an empty output: a rerun then committed without
    deleting the previous run's shards, and readers took them for the new run's."""
    bucket = s3_server.create_bucket()
    client = s3_server.client()
    previous = {
        "out/provenance/part-00007-000.parquet": b"a shard of the previous run",
        "out/corpus/part-00007-000.parquet": b"another",
        "out/manifest.json": b"{}",
        "out/_SUCCESS": b"previous-run",
    }
    for key, body in previous.items():
        client.put_object(Bucket=bucket, Key=key, Body=body)
    code, lines = run_cli(
        capsys, "run", "--output", f"s3://{bucket}/out", *s3_server.limited_beam_args("no-list")
    )
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"ccprov: error: --output s3://{bucket}/out: cannot list "), lines
    listed = client.list_objects_v2(Bucket=bucket)["Contents"]
    assert {
        o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed
    } == previous


@pytest.mark.s3
def test_a_listing_that_fails_stops_the_commit(s3_server):
    """The commit deletes the previous run's shards by the listing of OUTPUT (the same
    function as the check before the run): a failed listing is an error, not an empty
    folder."""
    from transforms.writer import OutputWriteError, _existing

    bucket = s3_server.create_bucket()
    s3_server.client().put_object(Bucket=bucket, Key="out/corpus/part-00000-000.parquet", Body=b"x")
    with beam_filesystems_restored():
        FileSystems.set_options(PipelineOptions(s3_server.limited_beam_args("no-list")))
        with pytest.raises(OutputWriteError, match=rf"^cannot list s3://{bucket}/out/corpus: "):
            _existing(f"s3://{bucket}/out/corpus")
        FileSystems.set_options(PipelineOptions(s3_server.beam_args()))
        assert _existing(f"s3://{bucket}/out/corpus") == [
            f"s3://{bucket}/out/corpus/part-00000-000.parquet"
        ]
        assert _existing(f"s3://{bucket}/elsewhere") == []


@pytest.mark.parametrize("command", ["run", "report", "takedown"])
def test_an_endpoint_url_without_its_scheme_is_one_line(command, capsys):
    """botocore raised `Invalid endpoint` as a 43-line traceback; the audit commands quietly
    assumed https and failed with a TLS error."""
    argv = {
        "run": ["run", "--output", "s3://bucket/out"],
        "report": ["report", "s3://bucket/out"],
        "takedown": ["takedown", "s3://bucket/out", "--resume"],
    }[command]
    code, lines = run_cli(capsys, *argv, "--s3_endpoint_url=127.0.0.1:9000")
    assert code == 2 and len(lines) == 1, lines
    assert lines[0] == (
        "ccprov: error: --s3_endpoint_url 127.0.0.1:9000: needs http:// or https://"
    ), lines


@pytest.mark.s3
@pytest.mark.parametrize("command", ["takedown", "select"])
def test_audit_writes_the_store_refuses_are_one_line(
    command, s3_server, sharded_run, tmp_path, capsys
):
    """boto3's AccessDenied on a selection's first write was a 31-line traceback."""
    from tests.test_query import upload_output
    from tests.test_takedown import pick_kept, write_lines

    bucket = s3_server.create_bucket()
    upload_output(s3_server, sharded_run.root, bucket, "run")
    if command == "takedown":
        urls = write_lines(tmp_path / "urls.txt", [pick_kept(sharded_run.root, 1)[0]["url"]])
        argv = ["takedown", f"s3://{bucket}/run", "--urls", urls]
    else:
        argv = ["select", f"s3://{bucket}/run", "--output", f"s3://{bucket}/sel", "--where", "true"]
    code, lines = run_cli(capsys, *argv, *s3_server.limited_beam_args("read-only"))
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"ccprov: error: {command}: "), lines
    assert "AccessDenied" in lines[0] or "Access Denied" in lines[0], lines


@pytest.mark.s3
def test_an_s3_prefix_ending_in_a_slash_is_a_folder(s3_server, tmp_path, capsys):
    """`--input s3://bucket/crawl/` was "no input files" (SeaweedFS) or "input not found"
    (AWS), where a local folder gives its WARC files."""
    import json

    bucket = s3_server.create_bucket()
    client = s3_server.client()
    client.put_object(Bucket=bucket, Key="crawl/sub/a.warc.gz", Body=SAMPLE_WARC.read_bytes())
    client.put_object(Bucket=bucket, Key="crawl/README.txt", Body=b"not a WARC")
    client.put_object(Bucket=bucket, Key="crawler-notes/b.warc.gz", Body=b"another prefix")
    out = tmp_path / "out"
    args = ["run", "--quiet", "--output", str(out), *s3_server.beam_args()]
    code, lines = run_cli(capsys, *args, "--input", f"s3://{bucket}/crawl/")
    assert code == 0 and lines == [], lines
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["inputs"] == [f"s3://{bucket}/crawl/sub/a.warc.gz"]
    code, lines = run_cli(capsys, *args, "--input", f"s3://{bucket}/crawl/sub/none/")
    assert code == 2 and len(lines) == 1, lines
    assert f"no .warc or .warc.gz files under s3://{bucket}/crawl/sub/none/" in lines[0]
    code, lines = run_cli(capsys, *args, "--input", f"s3://{bucket}/crawl")
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].endswith(f"input not found: s3://{bucket}/crawl (a folder? end it with /)")
    # A bucket is its root folder (Beam retried `s3://bucket` for minutes); a folder may be
    # a glob.
    for spec, found in (
        (f"s3://{bucket}", ["crawl/sub/a.warc.gz", "crawler-notes/b.warc.gz"]),
        (f"s3://{bucket}/cra[w]l/", ["crawl/sub/a.warc.gz"]),
    ):
        code, lines = run_cli(capsys, *args, "--input", spec)
        assert code == 0 and lines == [], (spec, lines)
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["inputs"] == [f"s3://{bucket}/{key}" for key in found], spec


def test_missing_credentials_are_named_as_such_not_as_an_unreachable_server():
    """New-user review of session 29: without credentials the message said "cannot reach S3
    at ...: Unable to locate credentials"; the server was never asked."""
    from botocore.exceptions import EndpointConnectionError, NoCredentialsError

    from pipeline.audit.store import s3_failure

    where = "http://127.0.0.1:9"
    message = s3_failure(NoCredentialsError(), where, "bucket b")
    assert message.startswith(f"no S3 credentials for bucket b at {where}: give ")
    unreachable = s3_failure(EndpointConnectionError(endpoint_url=where), where, "bucket b")
    assert unreachable.startswith(f"cannot reach S3 at {where}")
