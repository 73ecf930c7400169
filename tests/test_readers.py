"""The shards as trainers read them: Polars, DuckDB and Hugging Face datasets, against pyarrow.

The README promises that these read the output as it is; a run over three inputs with small
shards (several files, several row groups, --keep-dropped) is read with each and compared row
for row with pyarrow's reading. Map columns (the ledger's `filter_scores` and
`usage_preferences`) come back as each library represents a map: pyarrow as (key, value)
pairs, Polars as {key, value} structs, DuckDB as dicts; Hugging Face datasets has no map type,
so it reads the corpus and the dropped texts, and the ledger is read with the others.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from pipeline.sample import SAMPLE_WARC
from tests.pipeline_runs import run_pipeline

KINDS = ("corpus", "provenance", "dropped")


@pytest.fixture(scope="module")
def small_shards(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("readers")
    args = []
    for name in ("a", "b", "c"):
        shutil.copy(SAMPLE_WARC, folder / f"{name}.warc.gz")
        args += ["--input", str(folder / f"{name}.warc.gz")]
    options = ["--shard-size", "8", "--keep-dropped", "--dedup", "off"]
    run = run_pipeline(folder / "out", *args, *options)
    assert run.exit_code == 0
    for kind in KINDS:
        assert len(list((run.root / kind).glob("*.parquet"))) >= 3
    return run.root


def reference(root: Path, kind: str) -> list[dict]:
    rows = ds.dataset(root / kind, format="parquet").to_table().to_pylist()
    return sorted(rows, key=lambda r: r["doc_id"])


def by_doc_id(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: r["doc_id"])


def map_columns(root: Path, kind: str) -> list[str]:
    schema = ds.dataset(root / kind, format="parquet").schema
    return [field.name for field in schema if pa.types.is_map(field.type)]


def pairs_of_structs(row: dict, columns: list[str]) -> dict:
    """A Polars row with its map columns as pyarrow gives them: lists of (key, value)."""
    for name in columns:
        if row[name] is not None:
            row[name] = [(item["key"], item["value"]) for item in row[name]]
    return row


@pytest.mark.parametrize("kind", KINDS)
def test_polars_reads_the_shards(small_shards, kind):
    pl = pytest.importorskip("polars")
    frame = pl.scan_parquet(str(small_shards / kind / "*.parquet")).collect()
    expected = reference(small_shards, kind)
    assert frame.columns == list(expected[0])
    maps = map_columns(small_shards, kind)
    assert bool(maps) == (kind == "provenance")
    assert by_doc_id([pairs_of_structs(r, maps) for r in frame.to_dicts()]) == expected


@pytest.mark.parametrize("kind", ["corpus", "dropped"])
def test_hugging_face_datasets_loads_the_shards(small_shards, kind, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the parquet builder needs nothing online
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    datasets = pytest.importorskip("datasets")
    loaded = datasets.load_dataset(
        "parquet",
        data_files=str(small_shards / kind / "*.parquet"),
        split="train",
        cache_dir=str(tmp_path / "hf-cache"),
    )
    expected = reference(small_shards, kind)
    assert loaded.column_names == list(expected[0])
    assert by_doc_id(loaded.to_list()) == expected


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
    # Nested columns come through as DuckDB structs and lists.
    scores = con.execute(
        f"SELECT doc_id, filter_scores FROM '{small_shards}/provenance/*.parquet' ORDER BY doc_id"
    ).fetchall()
    assert [s for _, s in scores] == [
        dict(r["filter_scores"]) if r["filter_scores"] is not None else None for r in ledger
    ]
