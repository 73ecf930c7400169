"""Manifest hook: the filter funnel of one ledger shard, as additive counts.

{"filter_funnel": {filter: {"entered": n, "dropped": n}}, "filter_drops": {reason: n}}
"entered" counts records with at least one `<filter>:` score (the filter ran on them),
"dropped" those whose drop_reason names that filter. Summing shards gives the run's funnel.
"language_precheck_drops" counts the language drops the pre-check made before extraction
(their `language:precheck_chars` score), which the funnel counts under `language`.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from transforms.filters.config import FILTER_NAMES
from transforms.lang_precheck import PRECHECK_CHARS_SCORE


def _filter_name(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """The part of "<filter>:<rule>" before the colon."""
    return pc.list_element(pc.split_pattern(column, ":", max_splits=1), 0)


def _score_keys(scores: pa.ChunkedArray):
    """(row of each score, its key) per chunk of a `filter_scores` column."""
    for chunk in scores.chunks:
        # Map arrays lack list kernels (list_parent_indices aborts on them): view as list<struct>.
        entries = chunk.cast(pa.list_(pa.struct([chunk.type.key_field, chunk.type.item_field])))
        keys = pc.struct_field(pc.list_flatten(entries), 0)
        if len(keys):
            yield pc.list_parent_indices(entries), keys


def _entered_counts(scores: pa.ChunkedArray) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rows, keys in _score_keys(scores):
        pairs = pa.table({"row": rows, "name": _filter_name(keys)})
        for row in pairs.group_by("name").aggregate([("row", "count_distinct")]).to_pylist():
            counts[row["name"]] = counts.get(row["name"], 0) + row["row_count_distinct"]
    return counts


def ledger_stats(table: pa.Table) -> dict:
    """Additive counts of one ledger shard (pure: reads only `table`)."""
    funnel = {name: {"entered": 0, "dropped": 0} for name in FILTER_NAMES}
    drops: dict[str, int] = {}
    precheck = 0
    if "filter_scores" in table.column_names:
        for name, count in _entered_counts(table.column("filter_scores")).items():
            if name in funnel:
                funnel[name]["entered"] += count
    if {"decision", "drop_reason"} <= set(table.column_names):
        dropped = table.filter(pc.equal(table.column("decision"), "dropped"))
        reasons = dropped.column("drop_reason").drop_null()
        for item in pc.value_counts(reasons).to_pylist():
            reason, count = item["values"], item["counts"]
            name = reason.split(":", 1)[0]
            if name in funnel and ":" in reason:
                funnel[name]["dropped"] += count
                drops[reason] = drops.get(reason, 0) + count
        if "filter_scores" in dropped.column_names:
            for _, keys in _score_keys(dropped.column("filter_scores")):
                precheck += pc.sum(pc.equal(keys, PRECHECK_CHARS_SCORE)).as_py() or 0
    return {"filter_funnel": funnel, "filter_drops": drops, "language_precheck_drops": precheck}
