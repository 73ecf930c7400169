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
