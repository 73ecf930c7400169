"""Writing the corpus, the provenance ledger and the manifest, with a safe commit.

Layout of OUTPUT (local path or any Beam FileSystems prefix: s3://, gs://):
  corpus/part-FFFFF-GGGG-CC.parquet   kept documents, FineWeb columns first
  provenance/part-FFFFF-GGGG-CC.parquet one row per input response record
  dropped/part-FFFFF-GGGG-CC.parquet  dropped documents' text (--keep-dropped only)
  hosts/part-BBBBB.parquet            per-host aggregates
  manifest.json                       written after every shard is in place
  _SUCCESS                            written last

FFFFF is the input file's index in the input list, GGGG the group of 2,000 consecutive
response records of that file (`RECORDS_PER_WRITE_GROUP`), and CC a chunk of at most
`shard_size` rows, so a re-run over the same inputs produces the same file names and, as rows
are ordered by WARC offset, byte-identical shards. Shards are first written under
OUTPUT/_temporary/RUN_ID/ and renamed into place by a single finalising step.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import io
import json
import logging
import os
import posixpath
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from schemas.corpus import CORPUS_SCHEMA
from schemas.ledger import LEDGER_SCHEMA
from transforms.document import KEPT, WarcDoc
from transforms.grouping import TaggedGroupByKey
from transforms.warc_reader import FileSummary, is_transient, retry_transient

log = logging.getLogger(__name__)

CORPUS_DIR = "corpus"
LEDGER_DIR = "provenance"
DROPPED_DIR = "dropped"
HOSTS_DIR = "hosts"
TEMP_DIR = "_temporary"
MANIFEST = "manifest.json"
SUCCESS = "_SUCCESS"
OUTPUT_DIRS = (CORPUS_DIR, LEDGER_DIR, DROPPED_DIR, HOSTS_DIR)

DROPPED_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("drop_reason", pa.string()),
        pa.field("text", pa.large_string()),
    ]
)

# A ledger-shard statistics function: pyarrow.Table -> additive nested counts.
StatsFn = Callable[[pa.Table], dict]


@dataclasses.dataclass(frozen=True)
class OutputSpec:
    output: str
    run_id: str
    pipeline_version: str
    config_hash: str
    shard_size: int = 50_000
    keep_dropped: bool = False
    compression: str = "zstd"

    @property
    def temp_root(self) -> str:
        return join(self.output, TEMP_DIR, self.run_id)


@dataclasses.dataclass
class ShardInfo:
    kind: str  # corpus | provenance | dropped | hosts
    name: str  # file name inside OUTPUT/<kind>/
    rows: int
    sha256: str
    bytes: int
    stats: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class AttributeUpdate:
    """A late decision about one document, joined back by file: dedup, host aggregates."""

    doc_id: str
    namespace: str
    values: dict[str, Any]
    drop_reason: str | None = None


def join(base: str, *parts: str) -> str:
    if "://" in base:
        return posixpath.join(base.rstrip("/"), *parts)
    return FileSystems.join(base, *parts)


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname or None
    except ValueError:
        return None


_IANA_OVERRIDES = {
    "euc_jp": "euc-jp",
    "shift_jis": "shift_jis",
    "cp932": "windows-31j",
    "gb2312": "gb2312",
    "latin-1": "iso-8859-1",
}


def charset_label(python_codec: str | None) -> str | None:
    """Python's codec name -> the IANA label people know (cp1252 -> windows-1252)."""
    if not python_codec:
        return None
    name = python_codec.lower()
    if name in _IANA_OVERRIDES:
        return _IANA_OVERRIDES[name]
    if name.startswith("cp125"):
        return "windows-" + name[2:]
    if name.startswith("iso8859-"):
        return "iso-8859-" + name.split("-", 1)[1]
    return name.replace("_", "-")


def _attr_columns(schema: pa.Schema, doc: WarcDoc) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for values in doc.attributes.values():
        for key, value in values.items():
            if key in schema.names:
                row[key] = value
    return row


def ledger_row(doc: WarcDoc, spec: OutputSpec) -> dict[str, Any]:
    row = _attr_columns(LEDGER_SCHEMA, doc)
    row.update(
        doc_id=doc.doc_id,
        url=doc.url,
        host=host_of(doc.url),
        warc_path=doc.warc_path,
        warc_filename=doc.warc_filename,
        warc_record_id=doc.warc_record_id,
        warc_offset=doc.warc_offset,
        warc_length=doc.warc_length,
        warc_date=doc.warc_date,
        dump=doc.dump,
        payload_digest=doc.payload_digest,
        warc_truncated=doc.warc_truncated,
        http_status=doc.http_status,
        content_type=doc.content_type,
        charset=charset_label(doc.charset),
        language=doc.language,
        language_score=doc.language_score,
        text_sha256=doc.text_sha256,
        text_chars=doc.text_chars,
        decision=doc.decision,
        drop_reason=doc.drop_reason,
        error_detail=doc.error_detail,
        filter_scores=sorted(doc.filter_scores.items()) or None,
        pipeline_version=spec.pipeline_version,
        config_hash=spec.config_hash,
    )
    return row


def corpus_row(doc: WarcDoc) -> dict[str, Any]:
    row = _attr_columns(CORPUS_SCHEMA, doc)
    row.update(
        text=doc.text,
        id=doc.warc_record_id or doc.doc_id,
        dump=doc.dump,
        url=doc.url,
        date=doc.warc_date,
        file_path=doc.warc_path,
        language=doc.language,
        language_score=doc.language_score,
        token_count=doc.token_count,
        doc_id=doc.doc_id,
    )
    return row


def use_system_arrow_allocator() -> bool:
    """Make pyarrow's calls allocate with the C library's malloc in this process, unless the
    user chose a pool (ARROW_DEFAULT_MEMORY_POOL); returns whether it changed the pool.

    pyarrow's default pool (mimalloc in its wheels) keeps per-thread heaps, and a Beam worker
    runs bundles on many threads (docs/benchmarks.md, Memory). This covers what pyarrow's
    Python API allocates; Arrow's C++ internals, such as the Parquet writer's buffers, use the
    pool named by ARROW_DEFAULT_MEMORY_POOL when pyarrow was imported, which ccprov's
    processes set (`pipeline/__init__.py`) and its worker image sets (deploy/sdk/Dockerfile).
    Called from the writer's `setup`, so it applies on any runner.
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return False
    if pa.default_memory_pool().backend_name == "system":
        return False
    pa.set_memory_pool(pa.system_memory_pool())
    return True


def table_bytes(table: pa.Table, compression: str = "zstd") -> bytes:
    sink = io.BytesIO()
    # Statistics and a fixed row-group size keep files readable by every engine; no
    # timestamps are written, so identical tables give identical bytes.
    pq.write_table(table, sink, compression=compression, row_group_size=10_000)
    return sink.getvalue()


class OutputWriteError(RuntimeError):
    """The output could not be written (full disk, no permission, store refusing): the run
    cannot go on, and the message, one line, says where and why. Not an OSError, so that
    `is_transient` never takes it for one worth retrying: the retries are behind it."""


def write_bytes(path: str, data: bytes) -> None:
    def write() -> None:
        with FileSystems.create(path) as handle:
            handle.write(data)

    # Object stores refuse requests for a while now and then; every write here is idempotent.
    try:
        retry_transient(write, f"write {path}")
    except Exception as exc:
        reason = getattr(exc, "strerror", None) or (str(exc).splitlines() or [""])[0][:200]
        raise OutputWriteError(f"cannot write {path}: {reason or type(exc).__name__}") from exc


def write_shard(
    table: pa.Table, kind: str, name: str, spec: OutputSpec, stats: dict | None = None
) -> ShardInfo:
    data = table_bytes(table, spec.compression)
    write_bytes(join(spec.temp_root, kind, name), data)
    return ShardInfo(
        kind=kind,
        name=name,
        rows=table.num_rows,
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
        stats=stats or {},
    )


def add_counts(total: dict, part: dict) -> dict:
    """Recursively add nested dicts of numbers (the additive stats of ledger shards)."""
    for key, value in part.items():
        if isinstance(value, dict):
            add_counts(total.setdefault(key, {}), value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            total[key] = total.get(key, 0) + value
    return total


def base_ledger_stats(table: pa.Table) -> dict:
    pairs = list(
        zip(
            table.column("decision").to_pylist(),
            table.column("drop_reason").to_pylist(),
            strict=True,
        )
    )
    return {
        "ledger_rows": table.num_rows,
        "decisions": dict(Counter(d for d, _ in pairs)),
        "drop_reasons": dict(Counter(r for d, r in pairs if d == "dropped")),
        "errors": dict(Counter(r for d, r in pairs if d == "error")),
        "removed": dict(Counter(r for d, r in pairs if d == "removed")),
    }


# Tags of the two kinds of value in a record group (see WriteRecordGroups).
DOC_TAG = "doc"
UPDATE_TAG = "update"
# Rows are turned into Arrow record batches this many at a time while a group is read, so a
# group is held as Arrow columns, not as Python objects (a WarcDoc after its stages is about
# 12-16 KiB of Python objects against 5 KiB encoded).
ROWS_PER_BATCH = 256


class RecordGroupTables:
    """The ledger, corpus and dropped tables of one record group, built a document at a time.

    Documents arrive in any order; `tables()` returns every table sorted by (WARC offset,
    doc_id), so the shards do not depend on the order the runner delivered them in.
    """

    def __init__(self, spec: OutputSpec):
        self._spec = spec
        # kind -> (schema, finished batches, pending rows, sort keys of every row so far)
        self._parts: dict[str, tuple[pa.Schema, list, list, list]] = {
            LEDGER_DIR: (LEDGER_SCHEMA, [], [], []),
            CORPUS_DIR: (CORPUS_SCHEMA, [], [], []),
            DROPPED_DIR: (DROPPED_SCHEMA, [], [], []),
        }

    def add(self, doc: WarcDoc) -> None:
        key = (doc.warc_offset, doc.doc_id)
        self._append(LEDGER_DIR, ledger_row(doc, self._spec), key)
        if doc.decision == KEPT:
            self._append(CORPUS_DIR, corpus_row(doc), key)
        elif self._spec.keep_dropped and doc.text:
            row = {
                "doc_id": doc.doc_id,
                "url": doc.url,
                "drop_reason": doc.drop_reason,
                "text": doc.text,
            }
            self._append(DROPPED_DIR, row, key)

    def _append(self, kind: str, row: dict[str, Any], key: tuple[int, str]) -> None:
        schema, batches, pending, keys = self._parts[kind]
        pending.append(row)
        keys.append(key)
        if len(pending) >= ROWS_PER_BATCH:
            batches.append(pa.RecordBatch.from_pylist(pending, schema=schema))
            pending.clear()

    def tables(self) -> dict[str, tuple[pa.Table, list[tuple[int, str]]]]:
        """kind -> (table sorted by (offset, doc_id), the sorted keys of its rows)."""
        result = {}
        for kind, (schema, batches, pending, keys) in self._parts.items():
            if pending:
                batches.append(pa.RecordBatch.from_pylist(pending, schema=schema))
                pending.clear()
            order = sorted(range(len(keys)), key=keys.__getitem__)
            table = pa.Table.from_batches(batches, schema=schema).take(pa.array(order, pa.int64()))
            batches.clear()
            result[kind] = (table, [keys[i] for i in order])
        return result


def updates_by_doc(tagged_values: Iterable[tuple[str, Any]]) -> dict[str, list[AttributeUpdate]]:
    updates: dict[str, list[AttributeUpdate]] = {}
    for tag, value in tagged_values:
        if tag == UPDATE_TAG:
            updates.setdefault(value.doc_id, []).append(value)
    return updates


def apply_updates(doc: WarcDoc, updates: Iterable[AttributeUpdate]) -> None:
    for update in updates:
        doc.attributes.setdefault(update.namespace, {}).update(update.values)
        if update.drop_reason:
            doc.drop(update.drop_reason)


class WriteFileShardsFn(beam.DoFn):
    """((file_index, record_group), [(tag, WarcDoc or AttributeUpdate), ...]) -> ShardInfos.

    The group's values are read twice, as a stream each time: first for its updates (a few
    small values per document), then for its documents, each turned into rows as it comes.
    A worker so holds one group's rows as Arrow columns, never its documents as a list;
    the group is bounded by RECORDS_PER_WRITE_GROUP.
    """

    def __init__(self, spec: OutputSpec, stats_fns: dict[str, StatsFn]):
        self._spec = spec
        self._stats_fns = stats_fns

    def setup(self):
        use_system_arrow_allocator()

    def process(self, element):
        (file_index, group_no), tagged_values = element
        updates = updates_by_doc(tagged_values)
        tables = RecordGroupTables(self._spec)
        for tag, value in tagged_values:
            if tag == DOC_TAG:
                apply_updates(value, updates.get(value.doc_id, ()))
                tables.add(value)
        by_kind = tables.tables()
        ledger, ledger_keys = by_kind[LEDGER_DIR]
        size = max(1, self._spec.shard_size)
        for chunk_no, start in enumerate(range(0, max(ledger.num_rows, 1), size)):
            name = f"part-{file_index:05d}-{group_no:04d}-{chunk_no:02d}.parquet"
            chunk_keys = ledger_keys[start : start + size]
            yield from self._write_chunk(ledger.slice(start, size), by_kind, chunk_keys, name)

    def _write_chunk(
        self,
        ledger: pa.Table,
        by_kind: dict[str, tuple[pa.Table, list[tuple[int, str]]]],
        chunk_keys: list[tuple[int, str]],
        name: str,
    ) -> Iterable[ShardInfo]:
        spec = self._spec
        stats = base_ledger_stats(ledger)
        for key, fn in self._stats_fns.items():
            stats[key] = fn(ledger)
        if ledger.num_rows:
            yield write_shard(ledger, LEDGER_DIR, name, spec, stats)
        else:
            yield ShardInfo(LEDGER_DIR, "", 0, "", 0, stats)
            return
        # The corpus and dropped rows of this chunk: those whose keys fall in its key range.
        for kind in (CORPUS_DIR, DROPPED_DIR):
            table, keys = by_kind[kind]
            first = bisect.bisect_left(keys, chunk_keys[0])
            last = bisect.bisect_right(keys, chunk_keys[-1])
            if last > first:
                yield write_shard(table.slice(first, last - first), kind, name, spec)


class WriteRecordGroups(beam.PTransform):
    """(docs, updates) -> ShardInfos: every document of a record group with the late updates
    about it (dedup, host aggregates), written as that group's ledger, corpus and dropped
    shards.

    docs: PCollection[WarcDoc]; updates: PCollection[(write_key, AttributeUpdate)]. Grouped
    with TaggedGroupByKey, not CoGroupByKey, so the group reaches the writer as a stream.
    """

    def __init__(self, spec: OutputSpec, stats_fns: dict[str, StatsFn]):
        super().__init__()
        self._spec = spec
        self._stats_fns = stats_fns

    def expand(self, docs_and_updates):
        docs, updates = docs_and_updates
        return (
            {
                DOC_TAG: docs | "KeyDocsByRecordGroup" >> beam.Map(lambda d: (d.write_key, d)),
                UPDATE_TAG: updates,
            }
            | "GroupByRecordGroup" >> TaggedGroupByKey()
            | "WriteShards" >> beam.ParDo(WriteFileShardsFn(self._spec, self._stats_fns))
        )


class WriteTableShardsFn(beam.DoFn):
    """(bucket, [row dicts]) -> one ShardInfo: for small side outputs such as hosts."""

    def __init__(self, spec: OutputSpec, kind: str, schema: pa.Schema, sort_key: str):
        self._spec, self._kind, self._schema, self._sort_key = spec, kind, schema, sort_key

    def setup(self):
        use_system_arrow_allocator()

    def process(self, element):
        bucket, rows = element
        rows = sorted(rows, key=lambda r: r[self._sort_key])
        table = pa.Table.from_pylist(rows, schema=self._schema)
        yield write_shard(table, self._kind, f"part-{bucket:05d}.parquet", self._spec)


# Order of the funnel: a drop reason belongs to the stage whose prefix it starts with.
FUNNEL_STAGES = [
    (
        "read",
        ("truncated_record", "bad_http_response", "http_status", "html_too_large", "not_html"),
    ),
    ("url_filter", ("url_filter",)),
    ("license_policy", ("license_policy",)),
    ("extraction", ("no_extracted_text", "extraction_")),  # incl. extraction_memory_limit
    ("language", ("language",)),
    ("gopher_repetition", ("gopher_repetition",)),
    ("gopher_quality", ("gopher_quality",)),
    ("c4", ("c4",)),
    ("fineweb_quality", ("fineweb_quality",)),
    ("ai_policy", ("ai_generated",)),
    ("dedup", ("exact_duplicate", "near_duplicate")),
    ("takedown", ("takedown",)),
]


def stage_of(reason: str) -> str:
    for stage, prefixes in FUNNEL_STAGES:
        if reason.startswith(prefixes):
            return stage
    return "other"


def funnel(responses: int, removed_by_reason: dict[str, int]) -> list[dict[str, Any]]:
    """Documents entering and leaving each stage, in pipeline order."""
    by_stage: Counter[str] = Counter()
    for reason, count in removed_by_reason.items():
        by_stage[stage_of(reason)] += count
    rows, remaining = [], responses
    for stage, _ in FUNNEL_STAGES + [("other", ())]:
        removed = by_stage.get(stage, 0)
        if stage == "other" and not removed:
            continue
        rows.append(
            {"stage": stage, "in": remaining, "removed": removed, "out": remaining - removed}
        )
        remaining -= removed
    return rows


def build_manifest(
    spec: OutputSpec,
    base: dict,
    shards: list[ShardInfo],
    summaries: list[FileSummary],
    started_at: float,
) -> dict:
    records_by_type: Counter[str] = Counter()
    file_errors: list[dict] = []
    responses = 0
    for summary in sorted(summaries, key=lambda s: s.file_index):
        records_by_type.update(summary.records_by_type)
        responses += summary.responses
        file_errors.extend(summary.errors)
    ledger_stats: dict = {}
    for shard in shards:
        if shard.kind == LEDGER_DIR:
            add_counts(ledger_stats, shard.stats)
    decisions = ledger_stats.pop("decisions", {})
    drop_reasons = ledger_stats.pop("drop_reasons", {})
    record_errors = ledger_stats.pop("errors", {})
    taken_down = ledger_stats.pop("removed", {})
    ledger_rows = ledger_stats.pop("ledger_rows", 0)
    # File-level problems (unreadable, not WARC, a stream that breaks off) are errors too,
    # but have no ledger row: they are listed with file and offset instead.
    error_kinds = Counter(record_errors)
    for entry in file_errors:
        error_kinds[entry["kind"]] += 1
    removed = dict(drop_reasons)
    removed.update(record_errors)
    removed.update(taken_down)
    files = {
        kind: [
            {"path": f"{kind}/{s.name}", "rows": s.rows, "sha256": s.sha256, "bytes": s.bytes}
            for s in sorted(shards, key=lambda s: s.name)
            if s.kind == kind and s.name
        ]
        for kind in OUTPUT_DIRS
    }
    manifest = dict(base)
    manifest.update(
        run_id=spec.run_id,
        pipeline_version=spec.pipeline_version,
        config_hash=spec.config_hash,
        started_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started_at)),
        finished_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        counts={
            "input_files": len(summaries),
            "records_by_type": dict(sorted(records_by_type.items())),
            "records_read": sum(records_by_type.values()),
            "responses": responses,
            "ledger_rows": ledger_rows,
            "kept": decisions.get("kept", 0),
            "dropped": decisions.get("dropped", 0),
            "errors": decisions.get("error", 0),
            "drop_reasons": dict(sorted(drop_reasons.items())),
            "error_kinds": dict(sorted(error_kinds.items())),
        },
        funnel=funnel(responses, removed),
        stats=ledger_stats,
        file_errors=file_errors[:10_000],
        files=files,
    )
    return manifest


class FinalizeOutputFn(beam.DoFn):
    """Runs once, after every shard exists: move shards into place, then manifest, _SUCCESS."""

    def __init__(self, spec: OutputSpec, manifest_base: dict, started_at: float):
        self._spec, self._base, self._started_at = spec, manifest_base, started_at

    def process(self, items):
        shards = [i for i in items if isinstance(i, ShardInfo)]
        summaries = [i for i in items if isinstance(i, FileSummary)]
        commit_shards(self._spec, shards)
        manifest = build_manifest(self._spec, self._base, shards, summaries, self._started_at)
        write_bytes(
            join(self._spec.output, MANIFEST),
            json.dumps(manifest, indent=2, sort_keys=False).encode("utf-8"),
        )
        # Not empty: Beam's S3 writer cannot create an empty object (multipart, zero parts).
        write_bytes(join(self._spec.output, SUCCESS), f"{self._spec.run_id}\n".encode())
        yield manifest


REPORT = "report.html"


def retire_previous_run(output: str) -> None:
    """Before a run writes into OUTPUT: remove the old run's _SUCCESS, manifest and report, so
    readers never take the previous run's markers for the new shards'."""
    for name in (SUCCESS, MANIFEST, REPORT):
        path = join(output, name)
        if FileSystems.exists(path):
            FileSystems.delete([path])


def _existing(prefix: str) -> list[str]:
    try:
        result = retry_transient(lambda: FileSystems.match([join(prefix, "*")])[0], "list")
        return [m.path for m in result.metadata_list]
    except Exception:  # noqa: BLE001 - nothing there yet
        return []


def _rename_all(sources: list[str], targets: list[str]) -> None:
    """One batch rename; after a transient failure, retry the pairs not yet moved (on object
    stores a rename is copy + delete, and part of the batch may have gone through)."""
    try:
        FileSystems.rename(sources, targets)
    except Exception as exc:
        if not is_transient(exc):
            raise

        def rename_pending() -> None:
            pending = [
                (s, t) for s, t in zip(sources, targets, strict=True) if FileSystems.exists(s)
            ]
            if pending:
                FileSystems.rename([s for s, _ in pending], [t for _, t in pending])

        retry_transient(rename_pending, "rename shards")


def commit_shards(spec: OutputSpec, shards: list[ShardInfo]) -> None:
    """Rename temporary shards into place and delete shards a previous run left behind."""
    keep = {(s.kind, s.name) for s in shards if s.name}
    for kind in OUTPUT_DIRS:
        for path in _existing(join(spec.output, kind)):
            name = path.rstrip("/").rsplit("/", 1)[-1]
            if (kind, name) not in keep:
                retry_transient(lambda p=path: FileSystems.delete([p]), f"delete {path}")
    sources, targets = [], []
    for kind, name in sorted(keep):
        sources.append(join(spec.temp_root, kind, name))
        targets.append(join(spec.output, kind, name))
    if sources:
        if "://" not in spec.output:  # local renames need the target folders
            for kind in {k for k, _ in keep}:
                if not FileSystems.exists(join(spec.output, kind)):
                    FileSystems.mkdirs(join(spec.output, kind))
        _rename_all(sources, targets)
    try:
        FileSystems.delete([spec.temp_root])
    except Exception:  # noqa: BLE001 - object stores have no empty directories to delete
        pass
    try:
        leftovers = _existing(join(spec.output, TEMP_DIR))
        if not leftovers and "://" not in spec.output:
            FileSystems.delete([join(spec.output, TEMP_DIR)])
    except Exception:  # noqa: BLE001
        pass
