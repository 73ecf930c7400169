"""Security: no output path is built from crawled data, and credentials never leave the process.

Both checks look at real runs shared with other tests: the local run over the corrupt and
hostile fixtures (`robustness_run`, which includes pages whose URL, WARC-Filename,
WARC-Record-ID and HTTP headers try path traversal) and the S3 run with an outage
(`s3_outage_run`, whose logs were captured at INFO level).
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.test_robustness import shared_robustness_run
from tests.test_storage_faults import shared_s3_outage_run

OUTPUT_NAME = re.compile(
    r"^(?:(?:corpus|provenance|dropped)/part-\d{5}-\d{3}\.parquet"
    r"|hosts/part-\d{5}\.parquet|manifest\.json|_SUCCESS|\.ccprov-run\.lock)$"
)


@pytest.fixture
def robustness_run(tmp_path_factory):
    return shared_robustness_run(tmp_path_factory)


@pytest.fixture
def s3_outage_run(s3_server, tmp_path_factory):
    return shared_s3_outage_run(s3_server, tmp_path_factory)


def _searchable(name: str, data: bytes) -> str:
    """An object's content as text: Parquet decoded (its pages are compressed), else bytes."""
    if name.endswith(".parquet"):
        table = pq.read_table(io.BytesIO(data))
        return json.dumps(table.to_pylist(), default=str) + json.dumps(
            {
                k.decode(errors="replace"): v.decode(errors="replace")
                for k, v in (table.schema.metadata or {}).items()
            }
        )
    return data.decode("utf-8", "replace")


def test_output_files_are_named_by_position_only(robustness_run):
    root = robustness_run.root
    files = sorted(
        str(Path(dirpath, name).relative_to(root))
        for dirpath, _, names in os.walk(root)
        for name in names
    )
    assert files and all(OUTPUT_NAME.match(name) for name in files), files
    # Nothing next to the output folder but what the test put there.
    assert sorted(p.name for p in root.parent.iterdir()) == ["inputs", "inputs.txt", "out"]
    assert not list(Path("/tmp").glob("ccprov-pwned*")) and not list(
        Path("/tmp").glob("ccprov-escape*")
    )


def test_traversal_values_are_kept_as_data(robustness_run):
    names_path, urls = robustness_run.names
    rows = [r for r in robustness_run.ledger() if r["warc_path"] == str(names_path)]
    assert sorted(r["url"] for r in rows) == sorted(urls)
    assert {r["warc_filename"] for r in rows} == {"../../../../tmp/ccprov-escape.warc.gz"}
    assert all(r["warc_record_id"].startswith("<urn:uuid:../../") for r in rows)


@pytest.mark.s3
def test_credentials_never_appear_in_output_or_logs(s3_outage_run):
    run = s3_outage_run
    secret, access_key = run.server.secret_key, run.server.access_key
    assert run.exit_code == 0

    text = run.output_text
    assert text["logs"], "the run logged nothing at INFO: the check would be empty"
    for stream in ("logs", "stdout", "stderr"):
        assert secret not in text[stream], stream

    objects = run.objects()
    assert "out/manifest.json" in objects
    for key, data in objects.items():
        assert secret.encode() not in data, key
        content = _searchable(key, data)
        assert secret not in content and access_key not in content, key
    config = json.loads(objects["out/manifest.json"])["config"]
    flat = json.dumps(config).lower()
    assert "s3_" not in flat and "secret" not in flat and "access_key" not in flat


def test_local_workers_mask_the_s3_secret_in_their_logs(tmp_path):
    """Beam's worker logs its options at INFO; README tells users to turn that level on to
    see worker logs, and each worker printed --s3_secret_access_key in clear."""
    import subprocess
    import sys

    secret = "SuperSecret123xyz"
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "run", "--output", str(tmp_path / "out"),
         "--direct_num_workers", "2", "--direct_running_mode", "multi_processing",
         "--default_sdk_harness_log_level", "INFO",
         "--s3_access_key_id", "AKIDEXAMPLE", "--s3_secret_access_key", secret],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Pipeline_options" in done.stderr  # the workers did log their options
    assert "s3_secret_access_key': '***'" in done.stderr
    assert secret not in done.stderr + done.stdout


def test_secrets_are_masked_in_any_log_record():
    import logging

    from pipeline.local_worker import without_secrets

    for msg, args in [
        ("Pipeline_options: %s", ({"s3_secret_access_key": "abc", "runner": "x"},)),
        ("Pipeline_options: %s", ({"s3_session_token": "abc"},)),
        ("argv --s3_secret_access_key=abc --x", None),
        ("argv --s3_secret_access_key abc --x", None),
        ("argv %s", (["--s3_secret_access_key", "abc"],)),
        ("S3_SECRET_ACCESS_KEY=abc", None),
    ]:
        record = logging.LogRecord("w", logging.INFO, __file__, 1, msg, args, None)
        assert without_secrets(record) is True
        assert "abc" not in record.getMessage() and "***" in record.getMessage(), msg
    secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCY"
    for msg, args in [
        ("%s", ({"s3_secret_access_key": "a value with space"},)),
        ("argv --s3-secret-access-key VALUE123", None),
        ("GET https://store/?secret=%s", (secret.replace("/", "%2F").replace("+", "%2B"),)),
        ("%s %s", ({"s3_secret_access_key": secret},)),  # arguments that do not format
    ]:
        record = logging.LogRecord("w", logging.INFO, __file__, 1, msg, args, None)
        without_secrets(record, (secret,))
        text = record.getMessage()
        assert "value with" not in text and "VALUE123" not in text and "wJalr" not in text, text
    try:
        raise ValueError(f"refused {secret}")
    except ValueError:
        import sys

        record = logging.LogRecord("w", logging.ERROR, __file__, 1, "x", None, sys.exc_info())
    without_secrets(record, (secret,))
    assert "wJalr" not in logging.Formatter().format(record)

    class Unprintable:
        def __repr__(self):
            raise RuntimeError("no")

        __str__ = __repr__

    for msg, args in [("value %d", (Unprintable(),)), (Unprintable(), None)]:
        record = logging.LogRecord("w", logging.INFO, __file__, 1, msg, args, None)
        assert without_secrets(record, (secret,)) is True  # a log call must not raise
        assert isinstance(record.getMessage(), str)
    # a value that the name-based rule cuts short is masked by its own value
    record = logging.LogRecord(
        "w", logging.INFO, __file__, 1, "%s", ({"s3_secret_access_key": "ab'c\"d"},), None
    )
    without_secrets(record, ("ab'c\"d",))
    assert 'c"d' not in record.getMessage()
