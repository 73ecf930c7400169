"""Read a ccprov output the way a trainer does, in an environment without ccprov or Beam.

    python read_shards.py OUTPUT CACHE_DIR LEDGER_EXPORT  ->  JSON on stdout:
    {"polars": {kind: rows}, "datasets": {kind: rows}}

Run by tests/test_readers.py with the interpreter of its own virtual environment (Polars and
Hugging Face datasets only). Map columns are written as lists of [key, value] pairs, the
form pyarrow gives them. Hugging Face datasets has no map type: it reads the corpus and the
dropped texts as they are, and the ledger from LEDGER_EXPORT, the file the README's
`ccprov query ... COPY` recipe writes (maps as lists of key/value structs).
"""

from __future__ import annotations

import json
import os
import sys

KINDS = ("corpus", "provenance", "dropped")
WITHOUT_MAPS = ("corpus", "dropped")


def as_pairs(rows: list[dict], columns: list[str]) -> list[dict]:
    """Lists of {"key", "value"} structs (a map as Polars and datasets read it) as pairs."""
    for row in rows:
        for name in columns:
            if row[name] is not None:
                row[name] = [[item["key"], item["value"]] for item in row[name]]
    return rows


def polars_rows(output: str, kind: str) -> list[dict]:
    import polars as pl

    frame = pl.scan_parquet(os.path.join(output, kind, "*.parquet")).collect()
    maps = [
        name
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.List)
        and isinstance(dtype.inner, pl.Struct)
        and [f.name for f in dtype.inner.fields] == ["key", "value"]
    ]
    return as_pairs(frame.to_dicts(), maps)


def datasets_rows(data_files: str, cache_dir: str) -> list[dict]:
    import datasets

    loaded = datasets.load_dataset(
        "parquet", data_files=data_files, split="train", cache_dir=cache_dir
    )
    maps = [
        name
        for name, feature in loaded.features.items()
        if isinstance(feature, datasets.List)
        and isinstance(feature.feature, dict)
        and list(feature.feature) == ["key", "value"]
    ]
    return as_pairs(loaded.to_list(), maps)


def main(output: str, cache_dir: str, ledger_export: str) -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"  # the parquet builder needs nothing online
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    hf = {
        kind: datasets_rows(os.path.join(output, kind, "*.parquet"), cache_dir)
        for kind in WITHOUT_MAPS
    }
    hf["provenance"] = datasets_rows(ledger_export, cache_dir)
    result = {"polars": {kind: polars_rows(output, kind) for kind in KINDS}, "datasets": hf}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
