"""The shards as trainers read them: Polars, DuckDB and Hugging Face datasets, against pyarrow.

The README promises that these read the output as it is. A run over three inputs with small
shards (several files, several row groups, --keep-dropped) is read with each and compared
row for row with pyarrow's reading. Polars and Hugging Face datasets run in a virtual
environment of their own (tests/_artifacts/venv-readers, made on first use), as on a
trainer's machine: not in ccprov's, where pandas (which datasets needs) would be imported by
every Beam process. Map columns (the ledger's `filter_scores` and `usage_preferences`) are
compared as (key, value) pairs; Hugging Face datasets has no map type, so it reads the
corpus and the dropped texts only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from pipeline.audit import main as audit_main
from tests.pipeline_runs import run_pipeline, sample_copies

HERE = Path(__file__).resolve().parent
READERS_VENV = HERE / "_artifacts" / "venv-readers"
READER_PACKAGES = ["polars>=1.0,<2", "datasets>=3.0,<5"]
TEST_CONSTRAINTS = HERE / "constraints.txt"
# The README's recipe: the ledger with its map columns as lists of key/value structs, which
# Hugging Face datasets can load (it has no map type).
LEDGER_EXPORT_SQL = (
    "COPY (SELECT * REPLACE (map_entries(filter_scores) AS filter_scores, "
    "map_entries(usage_preferences) AS usage_preferences) FROM provenance) "
    "TO '{}' (FORMAT parquet)"
)
KINDS = ("corpus", "provenance", "dropped")


@pytest.fixture(scope="module")
def small_shards(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("readers")
    _, args = sample_copies(folder)
    options = ["--shard-size", "8", "--keep-dropped", "--dedup", "off"]
    run = run_pipeline(folder / "out", *args, *options)
    assert run.exit_code == 0
    for kind in KINDS:
        assert len(list((run.root / kind).glob("*.parquet"))) >= 3
    return run.root


def readers_python() -> Path:
    """The trainers' venv, at the versions pinned in tests/constraints.txt (made again when
    the pins change)."""
    python = READERS_VENV / "bin" / "python"
    wanted = " ".join(f"{name}=={pinned_version(name)}" for name in ("polars", "datasets"))
    probe = [
        str(python),
        "-c",
        "import polars, datasets; print(f'polars=={polars.__version__} datasets=={datasets.__version__}')",
    ]
    if python.exists():
        found = subprocess.run(probe, capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.strip() == wanted:
            return python
    shutil.rmtree(READERS_VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(READERS_VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "-c", str(TEST_CONSTRAINTS)]
    subprocess.run([*pip, *READER_PACKAGES], check=True)
    return python


def pinned_version(name: str) -> str:
    for line in TEST_CONSTRAINTS.read_text().splitlines():
        pin = line.split("#", 1)[0].strip()
        if pin.startswith(f"{name}=="):
            return pin.split("==", 1)[1]
    raise AssertionError(f"{TEST_CONSTRAINTS} does not pin {name}")


@pytest.fixture(scope="module")
def trainer_reads(small_shards, tmp_path_factory) -> dict:
    """{"polars": {kind: rows}, "datasets": {kind: rows}} from tests/read_shards.py."""
    cache = tmp_path_factory.mktemp("hf-cache")
    ledger_export = tmp_path_factory.mktemp("hf-ledger") / "provenance.parquet"
    assert audit_main(["query", str(small_shards), LEDGER_EXPORT_SQL.format(ledger_export)]) == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    script = HERE / "read_shards.py"
    result = subprocess.run(
        [str(readers_python()), str(script), str(small_shards), str(cache), str(ledger_export)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def reference(root: Path, kind: str) -> list[dict]:
    """pyarrow's rows, by doc_id, as JSON gives them back (pairs and tuples as lists)."""
    rows = ds.dataset(root / kind, format="parquet").to_table().to_pylist()
    return json.loads(json.dumps(sorted(rows, key=lambda r: r["doc_id"])))


def by_doc_id(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: r["doc_id"])


@pytest.mark.parametrize("kind", KINDS)
def test_polars_reads_the_shards(small_shards, trainer_reads, kind):
    rows, expected = trainer_reads["polars"][kind], reference(small_shards, kind)
    assert list(rows[0]) == list(expected[0])  # every column, in the schema's order
    assert by_doc_id(rows) == expected


@pytest.mark.parametrize("kind", KINDS)
def test_hugging_face_datasets_loads_the_shards(small_shards, trainer_reads, kind):
    """The corpus and dropped texts as they are; the ledger through the README's export."""
    rows, expected = trainer_reads["datasets"][kind], reference(small_shards, kind)
    assert list(rows[0]) == list(expected[0])
    assert by_doc_id(rows) == expected


def test_duckdb_queries_the_shards(small_shards):
    import duckdb

    corpus = reference(small_shards, "corpus")
    ledger = reference(small_shards, "provenance")
    con = duckdb.connect()
    count, tokens = con.execute(
        f"SELECT count(*), sum(token_count) FROM '{small_shards}/corpus/*.parquet'"
    ).fetchone()
    assert (count, tokens) == (len(corpus), sum(r["token_count"] for r in corpus))
    reasons = con.execute(
        f"SELECT drop_reason, count(*) FROM '{small_shards}/provenance/*.parquet' GROUP BY ALL"
    ).fetchall()
    assert dict(reasons) == dict(Counter(r["drop_reason"] for r in ledger))
    # Map columns come through as DuckDB maps (Python dicts).
    scores = con.execute(
        f"SELECT doc_id, filter_scores FROM '{small_shards}/provenance/*.parquet' ORDER BY doc_id"
    ).fetchall()
    assert [s for _, s in scores] == [
        dict(r["filter_scores"]) if r["filter_scores"] is not None else None for r in ledger
    ]
