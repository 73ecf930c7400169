"""Read a ccprov output the way a trainer does, in an environment without ccprov or Beam.

    python read_shards.py OUTPUT CACHE_DIR  ->  JSON on stdout:
    {"polars": {kind: rows}, "datasets": {kind: rows}}

Run by tests/test_readers.py with the interpreter of its own virtual environment (Polars and
Hugging Face datasets only). Map columns are written as lists of [key, value] pairs, the
form pyarrow gives them; Hugging Face datasets has no map type, so it reads the kinds without
one (corpus, dropped).
"""

from __future__ import annotations

import json
import os
import sys

KINDS = ("corpus", "provenance", "dropped")
WITHOUT_MAPS = ("corpus", "dropped")


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
    rows = frame.to_dicts()
    for row in rows:
        for name in maps:
            if row[name] is not None:
                row[name] = [[item["key"], item["value"]] for item in row[name]]
    return rows


def datasets_rows(output: str, kind: str, cache_dir: str) -> list[dict]:
    import datasets

    loaded = datasets.load_dataset(
        "parquet",
        data_files=os.path.join(output, kind, "*.parquet"),
        split="train",
        cache_dir=cache_dir,
    )
    return loaded.to_list()


def main(output: str, cache_dir: str) -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"  # the parquet builder needs nothing online
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    result = {
        "polars": {kind: polars_rows(output, kind) for kind in KINDS},
        "datasets": {kind: datasets_rows(output, kind, cache_dir) for kind in WITHOUT_MAPS},
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
