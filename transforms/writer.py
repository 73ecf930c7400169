"""Writing the corpus, the provenance ledger and the manifest, with a safe commit.

Layout of OUTPUT (local path or any Beam FileSystems prefix: s3://, gs://):
  corpus/part-SSSSS-CCC.parquet       kept documents, FineWeb columns first
  provenance/part-SSSSS-CCC.parquet   one row per input response record
  dropped/part-SSSSS-CCC.parquet      dropped documents' text (--keep-dropped only)
  hosts/part-BBBBB.parquet            per-host aggregates
  manifest.json                       written after every shard is in place
  _SUCCESS                            written last

SSSSS is the input file's index in the input list divided by `files_per_shard` (1: one
shard per input file, as Dolma does), CCC a chunk of at most `shard_size` ledger rows. Rows
are in (input file, WARC offset) order, so a re-run over the same inputs produces the same
file names and byte-identical shards.

Two stages write them, so that no worker holds more than one group of records:
  1. the records of each group of 2,000 consecutive response records of a file
     (`RECORDS_PER_WRITE_GROUP`) are joined with their late updates (dedup, host figures)
     and written as temporary Arrow files, OUTPUT/_temporary/RUN_ID/parts/KIND/;
  2. each shard's parts are copied, one at a time and in order, into its Parquet files.
Shards are written under OUTPUT/_temporary/RUN_ID/ and renamed into place by a single
finalising step, which then deletes the parts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import os
import posixpath
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import apache_beam as beam
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from schemas.corpus import CORPUS_SCHEMA, DROPPED_SCHEMA
from schemas.ledger import LEDGER_SCHEMA
from transforms.document import KEPT, WarcDoc, utc_date
from transforms.grouping import TaggedGroupByKey
from transforms.warc_reader import FileSummary, failed_call, is_transient, retry_transient

log = logging.getLogger(__name__)

CORPUS_DIR = "corpus"
LEDGER_DIR = "provenance"
DROPPED_DIR = "dropped"
HOSTS_DIR = "hosts"
TEMP_DIR = "_temporary"
# Held (flock) by a local run while it writes OUTPUT; the file stays, the lock is what counts.
RUN_LOCK = ".ccprov-run.lock"
MANIFEST = "manifest.json"
SUCCESS = "_SUCCESS"
OUTPUT_DIRS = (CORPUS_DIR, LEDGER_DIR, DROPPED_DIR, HOSTS_DIR)
# What a run writes in OUTPUT_DIRS (part-SSSSS-CCC.parquet; hosts: part-BBBBB.parquet). A run
# replaces those folders, so anything else found there is not ccprov's and must not be lost.
SHARD_NAME_RE = re.compile(r"^part-\d{5,}(-\d{3,})?\.parquet$")
PARTS_DIR = "parts"  # under the run's temporary folder: the record groups' rows

_SCHEMAS = {LEDGER_DIR: LEDGER_SCHEMA, CORPUS_DIR: CORPUS_SCHEMA, DROPPED_DIR: DROPPED_SCHEMA}


def in_memory_schema(schema: pa.Schema) -> pa.Schema:
    """`schema` with its `text` column as large_string. A record group's text can pass 2 GiB
    (2,000 large pages), and sorting a string column that long fails ("offset overflow while
    concatenating arrays"); the shards are written as `string`, in pieces (`on_disk`)."""
    if "text" not in schema.names:
        return schema
    index = schema.get_field_index("text")
    return schema.set(index, schema.field(index).with_type(pa.large_string()))


# Below 2 GiB of string data per piece, so 32-bit offsets hold it.
_STRING_PIECE_BYTES = (1 << 31) - (1 << 24)


def on_disk(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` cast to the shard's `schema` (large_string -> string), cut into pieces whose
    string data fits 32-bit offsets; the pieces stay chunks of one table, so the row groups
    are those `table` would give."""
    if table.schema.equals(schema):
        return table
    large = [i for i, f in enumerate(table.schema) if f.type == pa.large_string()]
    pieces: list[pa.RecordBatch] = []
    todo = list(reversed(table.to_batches()))
    while todo:
        batch = todo.pop()
        size = max((batch.column(i).nbytes for i in large), default=0)
        if size > _STRING_PIECE_BYTES and batch.num_rows > 1:
            half = batch.num_rows // 2
            todo += [batch.slice(half), batch.slice(0, half)]
            continue
        pieces.append(batch.cast(schema))
    return pa.Table.from_batches(pieces, schema=schema)


# A ledger-shard statistics function: pyarrow.Table -> additive nested counts.
StatsFn = Callable[[pa.Table], dict]
T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class OutputSpec:
    output: str
    run_id: str
    pipeline_version: str
    config_hash: str
    shard_size: int = 50_000
    files_per_shard: int = 1
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


# Python codec names whose IANA / WHATWG label is not the name itself with "-" for "_".
_IANA_OVERRIDES = {
    "latin-1": "iso-8859-1",
    "ascii": "us-ascii",
    "shift_jis": "shift_jis",
    "shift_jis_2004": "shift_jis_2004",
    "shift_jisx0213": "shift_jisx0213",
    "cp874": "windows-874",
    "cp932": "windows-31j",
    "cp949": "windows-949",
    "big5hkscs": "big5-hkscs",
    "hz": "hz-gb-2312",
    "mac-roman": "macintosh",
    "mac-cyrillic": "x-mac-cyrillic",  # the Encoding Standard's name; other mac-* have none
    "kz1048": "kz-1048",
    "utf-16-le": "utf-16le",
    "utf-16-be": "utf-16be",
    "utf-32-le": "utf-32le",
    "utf-32-be": "utf-32be",
}


_IBM_REGISTERED = frozenset(
    f"cp{n:03d}" for n in (37, 273, 424, 437, 500, 775, 850, 852, 855, 857, 860, 861, 862, 863,
                       864, 865, 866, 869, 1026)
)  # fmt: skip


def charset_label(python_codec: str | None) -> str | None:
    """Python's codec name -> the IANA or WHATWG label people know and query by (cp1252 ->
    windows-1252, cp866 -> ibm866, iso2022_jp -> iso-2022-jp, mac-cyrillic ->
    x-mac-cyrillic); a codec neither names keeps Python's name (cp737, mac-greek), which
    Python reads back."""
    if not python_codec:
        return None
    name = python_codec.lower()
    if name in _IANA_OVERRIDES:
        return _IANA_OVERRIDES[name]
    if name.startswith("cp125"):
        return "windows-" + name[2:]
    if name in _IBM_REGISTERED:  # the DOS and EBCDIC code pages IANA registers: IBM866...
        return "ibm" + name[2:]
    if name.startswith("iso8859-"):
        return "iso-8859-" + name.split("-", 1)[1]
    if name.startswith("iso2022_"):
        return "iso-2022-" + name[len("iso2022_") :].replace("_", "-")
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
        date=utc_date(doc.warc_date),  # the ledger keeps the header as written
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


def _retried_write(write: Callable[[], T], path: str) -> T:
    # Object stores refuse requests for a while now and then; every write here is idempotent.
    try:
        return retry_transient(write, f"write {path}")
    except Exception as exc:
        raise OutputWriteError(f"cannot write {path}: {_failure_reason(exc)}") from exc


def write_bytes(path: str, data: bytes) -> None:
    def write() -> None:
        with FileSystems.create(path) as handle:
            handle.write(data)

    _retried_write(write, path)


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


def add_counts(total: dict, part: dict, new_zeros: bool = True) -> dict:
    """Recursively add nested dicts of numbers (the additive stats of ledger shards).
    `new_zeros=False`: a 0 is not added where `total` has no such key (a takedown's change to a
    statistic that an older manifest lacks would show as a count of 0)."""
    for key, value in part.items():
        if isinstance(value, dict):
            inner = total.get(key, {})
            add_counts(inner, value, new_zeros)
            if new_zeros or inner or key in total:
                total[key] = inner
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if new_zeros or value or key in total:
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
# A shard's row groups: the rows of whole record groups, joined until they reach this many
# rows or bytes (datatrove's Parquet writer writes 1,000 documents a batch), so a merge holds
# a few MB.
ROW_GROUP_ROWS = 1_000
ROW_GROUP_BYTES = 16 << 20
ROW_GROUP_MAX_ROWS = 10_000  # and at most this many (as table_bytes writes)
# The temporary parts, compressed as the shards are: on the bench input zstd made the
# corpus's parts 6 times smaller than LZ4 for less CPU (less to write), and the ledger's 1.5
# times smaller for 6 microseconds a record more; on object stores they are sent twice.
_PART_OPTIONS = pa.ipc.IpcWriteOptions(compression="zstd")


class RecordGroupTables:
    """The ledger, corpus and dropped tables of one record group, built a document at a time.

    Documents arrive in any order; `tables()` returns every table sorted by (WARC offset,
    doc_id), so the shards do not depend on the order the runner delivered them in.
    """

    def __init__(self, spec: OutputSpec):
        self._spec = spec
        # kind -> (schema, finished batches, pending rows, sort keys of every row so far)
        self._parts: dict[str, tuple[pa.Schema, list, list, list]] = {
            kind: (in_memory_schema(schema), [], [], []) for kind, schema in _SCHEMAS.items()
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

    def tables(self) -> dict[str, pa.Table]:
        """kind -> its table, sorted by (offset, doc_id)."""
        result = {}
        for kind, (schema, batches, pending, keys) in self._parts.items():
            if pending:
                batches.append(pa.RecordBatch.from_pylist(pending, schema=schema))
                pending.clear()
            order = sorted(range(len(keys)), key=keys.__getitem__)
            table = pa.Table.from_batches(batches, schema=schema).take(pa.array(order, pa.int64()))
            batches.clear()
            result[kind] = table
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


@dataclasses.dataclass(frozen=True)
class GroupPart:
    """One record group's rows, written by the group stage as temporary Arrow files (one per
    kind with rows) for the merge stage to copy into the group's shard."""

    file_index: int
    group_no: int
    rows: tuple[tuple[str, int], ...]  # (kind, rows) of every kind that has rows

    def rows_of(self, kind: str) -> int:
        return dict(self.rows).get(kind, 0)

    def path(self, spec: OutputSpec, kind: str) -> str:
        return part_path(spec, kind, self.file_index, self.group_no)


def part_path(spec: OutputSpec, kind: str, file_index: int, group_no: int) -> str:
    name = f"part-{file_index:05d}-{group_no:04d}.arrow"
    return join(spec.temp_root, PARTS_DIR, kind, name)


def shard_key(spec: OutputSpec, file_index: int) -> int:
    """The shard (`SSSSS` in its name) an input file's rows go to."""
    return file_index // max(1, spec.files_per_shard)


def arrow_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=_PART_OPTIONS) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def read_part(path: str) -> pa.Table:
    def read() -> bytes:
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            return handle.read()

    return pa.ipc.open_stream(retry_transient(read, f"read {path}")).read_all()


class WriteGroupPartsFn(beam.DoFn):
    """((file_index, record_group), [(tag, WarcDoc or AttributeUpdate), ...]) ->
    (shard key, GroupPart).

    The group's values are read twice, as a stream each time: first for its updates (a few
    small values per document), then for its documents, each turned into rows as it comes.
    A worker so holds one group's rows as Arrow columns, never its documents as a list;
    the group is bounded by RECORDS_PER_WRITE_GROUP. The rows go to temporary Arrow files
    (zstd); Parquet is written once, by MergeShardsFn.
    """

    def __init__(self, spec: OutputSpec):
        self._spec = spec

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
        rows = []
        for kind, table in tables.tables().items():
            if table.num_rows:
                write_bytes(part_path(self._spec, kind, file_index, group_no), arrow_bytes(table))
                rows.append((kind, table.num_rows))
        if rows:  # a group of late updates only (no documents) has nothing to write
            yield shard_key(self._spec, file_index), GroupPart(file_index, group_no, tuple(rows))


@dataclasses.dataclass(frozen=True)
class PartSlice:
    """Ledger rows [start, stop) of one group part, and that part's other rows for them."""

    part: GroupPart
    start: int
    stop: int

    @property
    def whole(self) -> bool:
        return self.start == 0 and self.stop == self.part.rows_of(LEDGER_DIR)


def plan_chunks(parts: Iterable[GroupPart], shard_size: int) -> list[list[PartSlice]]:
    """The shard's chunks of at most `shard_size` ledger rows, as slices of its group parts
    in (input file, record group) order, so the shards' rows are in WARC order."""
    chunks: list[list[PartSlice]] = [[]]
    room = shard_size
    for part in sorted(parts, key=lambda p: (p.file_index, p.group_no)):
        start, total = 0, part.rows_of(LEDGER_DIR)
        while start < total:
            if room == 0:
                chunks.append([])
                room = shard_size
            stop = min(total, start + room)
            chunks[-1].append(PartSlice(part, start, stop))
            room -= stop - start
            start = stop
    return [chunk for chunk in chunks if chunk]


class StreamedShard:
    """One Parquet file written as its tables arrive, straight to the store: opened at the
    first rows, row groups of at least ROW_GROUP_ROWS rows (or ROW_GROUP_BYTES), and counted
    and hashed on the way out (it is the file object the Parquet writer writes to)."""

    def __init__(
        self,
        path: str,
        schema: pa.Schema,
        compression: str,
        open_handle: Callable[[], Any] | None = None,
    ):
        self._schema, self._compression = schema, compression
        # Beam's FileSystems by default; the audit tools pass their own store's opener.
        self._open_handle = open_handle or (lambda: FileSystems.create(path))
        self._pending: list[pa.Table] = []
        self._handle = self._writer = None
        self._sha256 = hashlib.sha256()
        self.rows = self.bytes = 0
        self.closed = False

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest() if self.bytes else ""

    def add(self, table: pa.Table) -> None:
        if not table.num_rows:
            return
        self._pending.append(table)
        self.rows += table.num_rows
        if (
            sum(t.num_rows for t in self._pending) >= ROW_GROUP_ROWS
            or sum(t.nbytes for t in self._pending) >= ROW_GROUP_BYTES
        ):
            self._flush()

    def finish(self) -> None:
        if self._pending:
            self._flush()
        if self._writer is not None:
            self._writer.close()
            self._handle.close()

    def abort(self) -> None:
        """After a failure: release the handle; the caller retries or gives up the run."""
        for closable in (self._writer, self._handle):
            try:
                if closable is not None:
                    closable.close()
            except Exception:  # noqa: BLE001, S110 - the failure being handled is the one to report
                pass

    def _flush(self) -> None:
        if self._writer is None:
            self._handle = self._open_handle()
            self._writer = pq.ParquetWriter(self, self._schema, compression=self._compression)
        table = on_disk(pa.concat_tables(self._pending), self._schema)
        self._writer.write_table(table, row_group_size=ROW_GROUP_MAX_ROWS)
        self._pending.clear()

    # The file-object side, for pyarrow.
    def write(self, data) -> int:
        data = bytes(data)
        self._sha256.update(data)
        self.bytes += len(data)
        self._handle.write(data)
        return len(data)

    def tell(self) -> int:
        return self.bytes

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True  # the store's handle is closed by `finish`, after the footer


def shard_file_name(key: int, chunk_no: int, chunks: int) -> str:
    """`part-SSSSS-CCC.parquet`; all chunks of a shard have one width, so that their names
    sort in row order past 999 chunks (-1000 sorted before -101)."""
    width = max(3, len(str(chunks - 1)))
    return f"part-{key:05d}-{chunk_no:0{width}d}.parquet"


class MergeShardsFn(beam.DoFn):
    """(shard key, [GroupPart, ...]) -> ShardInfos: the group parts of `files_per_shard`
    consecutive input files copied, one part at a time, into that shard's Parquet files, in
    chunks of at most `shard_size` ledger rows (`part-SSSSS-CCC.parquet`).

    A chunk's corpus and dropped shards hold exactly the documents of its ledger shard, under
    the same name. Shards are streamed to the store: a worker holds one group part and one
    row group per kind, whatever the size of the shard.
    """

    def __init__(self, spec: OutputSpec, stats_fns: dict[str, StatsFn]):
        self._spec = spec
        self._stats_fns = stats_fns

    def setup(self):
        use_system_arrow_allocator()

    def process(self, element):
        key, parts = element
        chunks = plan_chunks(parts, max(1, self._spec.shard_size))
        for chunk_no, chunk in enumerate(chunks):
            name = shard_file_name(key, chunk_no, len(chunks))
            for kind in (LEDGER_DIR, CORPUS_DIR, DROPPED_DIR):
                if kind == LEDGER_DIR or any(s.part.rows_of(kind) for s in chunk):
                    info = self._write(kind, name, chunk)
                    if info.rows:
                        yield info

    def _rows(self, kind: str, piece: PartSlice) -> pa.Table | None:
        part, spec = piece.part, self._spec
        if not part.rows_of(kind):
            return None
        table = read_part(part.path(spec, kind))
        if kind == LEDGER_DIR:
            return table.slice(piece.start, piece.stop - piece.start)
        if not piece.whole:  # a chunk boundary inside this group: keep its documents only
            ledger = read_part(part.path(spec, LEDGER_DIR))
            ids = ledger.column("doc_id").slice(piece.start, piece.stop - piece.start)
            table = table.filter(pc.is_in(table.column("doc_id"), value_set=ids.combine_chunks()))
        return table

    def _write(self, kind: str, name: str, chunk: list[PartSlice]) -> ShardInfo:
        path = join(self._spec.temp_root, kind, name)

        def write() -> ShardInfo:
            stats: dict = {}
            shard = StreamedShard(path, _SCHEMAS[kind], self._spec.compression)
            try:
                for piece in chunk:
                    table = self._rows(kind, piece)
                    if table is not None and table.num_rows:
                        if kind == LEDGER_DIR:
                            add_counts(stats, self._stats(table))
                        shard.add(table)
                shard.finish()
            except BaseException:
                shard.abort()
                raise
            return ShardInfo(kind, name, shard.rows, shard.sha256, shard.bytes, stats)

        return _retried_write(write, path)

    def _stats(self, ledger: pa.Table) -> dict:
        stats = base_ledger_stats(ledger)
        for key, fn in self._stats_fns.items():
            stats[key] = fn(ledger)
        return stats


class WriteRecordGroups(beam.PTransform):
    """(docs, updates) -> ShardInfos: every document of a record group with the late updates
    about it (dedup, host aggregates), written as that group's temporary part, then every
    part of a shard's input files merged into its ledger, corpus and dropped shards.

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
            | "WriteGroupParts" >> beam.ParDo(WriteGroupPartsFn(self._spec))
            | "GroupPartsByShard" >> beam.GroupByKey()
            | "MergeShards" >> beam.ParDo(MergeShardsFn(self._spec, self._stats_fns))
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
        (
            "truncated_record",
            "content_length_mismatch",
            "no_target_uri",
            "not_http",
            "bad_url",
            "corrupt_record",
            "reader_bug",
            "bad_http_response",
            "http_status",
            "html_too_large",
            "not_html",
            "binary_content",
        ),
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
    ("selection", ("selection:",)),  # `ccprov select`, on a finished run's output
    ("takedown", ("takedown",)),
]


def stage_of(reason: str) -> str:
    for stage, prefixes in FUNNEL_STAGES:
        if reason.startswith(prefixes):
            return stage
    return "other"


# manifest.json lists at most this many file errors; `counts.error_kinds` counts them all.
MAX_FILE_ERRORS = 10_000
AUDIT_STAGES = ("selection", "takedown")


def audit_events(manifest: dict) -> list[tuple[str, int]]:
    """The selections and takedowns applied to an output, oldest first: (stage, kept
    documents it removed), from the manifest's `selections` and `takedowns` logs."""

    def when(entry: dict) -> tuple:
        # `order` (see `audit_order`) where logged; by time for logs written before it.
        return ("order" in entry, entry.get("order", 0), entry.get("time", ""))

    events = [
        (when(entry), "takedown", int(entry.get("removed", 0)))
        for entry in manifest.get("takedowns", [])
    ]
    events += [
        (when(entry), "selection", entry["kept_before"] - entry["kept_after"])
        for entry in manifest.get("selections", [])
        if "kept_before" in entry and "kept_after" in entry
    ]
    return [(stage, removed) for _, stage, removed in sorted(events, key=lambda e: e[0])]


def audit_order(manifest: dict) -> int:
    """The `order` of the next selection or takedown logged in this manifest: 1 for the
    first (entries are only ever appended). Times have whole seconds, and one command can
    follow another within one."""
    return 1 + len(manifest.get("takedowns", [])) + len(manifest.get("selections", []))


def funnel(
    responses: int,
    removed_by_reason: dict[str, int],
    events: list[tuple[str, int]] | None = None,
) -> list[dict[str, Any]]:
    """Documents entering and leaving each stage, in pipeline order. The selections and
    takedowns come in the order they were applied, one row each, when `events` (see
    `audit_events`) account for all they removed; otherwise one row per kind, selection
    first."""
    by_stage: Counter[str] = Counter()
    for reason, count in removed_by_reason.items():
        by_stage[stage_of(reason)] += count
    logged = {stage: sum(n for kind, n in events or () if kind == stage) for stage in AUDIT_STAGES}
    if events is None or any(logged[s] != by_stage.get(s, 0) for s in AUDIT_STAGES):
        # No log, an older one, or one edited by hand: one row per kind, from the totals.
        events = [(s, by_stage.get(s, 0)) for s in AUDIT_STAGES if by_stage.get(s, 0)]
    if not events:
        # A run's funnel ends with a takedown row (none yet) so that every funnel has one;
        # after a selection, a row placed after it would read as a takedown applied since.
        events = [("takedown", 0)]
    rows, remaining = [], responses
    for stage, removed in _funnel_steps(by_stage, events):
        if stage == "other" and not removed:  # only when a reason fits no stage
            continue
        rows.append(
            {"stage": stage, "in": remaining, "removed": removed, "out": remaining - removed}
        )
        remaining -= removed
    return rows


def _funnel_steps(by_stage: Counter[str], events: list[tuple[str, int]]):
    """(stage, removed) in pipeline order, the audit events where their stages stand."""
    for stage, _ in FUNNEL_STAGES + [("other", ())]:
        if stage == AUDIT_STAGES[0]:
            yield from events
        elif stage not in AUDIT_STAGES:
            yield stage, by_stage.get(stage, 0)


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
    # In shard order, not arrival order: the counts' keys (and any float sums) come out the
    # same for every run of the same input (1 or 2 workers).
    for shard in sorted(shards, key=lambda s: (s.kind, s.name)):
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
        file_errors=file_errors[:MAX_FILE_ERRORS],
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


def retire_previous_run(output: str) -> dict[str, bytes]:
    """Before a run writes into OUTPUT: remove the old run's _SUCCESS, manifest and report, so
    readers never take the previous run's markers for the new shards', and `takedown` and
    `select` refuse the output while the run is going. Returns what was removed, for
    `restore_previous_run` when the run cannot start."""
    removed = {}
    for name in (SUCCESS, MANIFEST, REPORT):
        path = join(output, name)
        if FileSystems.exists(path):
            with FileSystems.open(path) as handle:
                removed[name] = handle.read()
            FileSystems.delete([path])
    return removed


def restore_previous_run(output: str, removed: dict[str, bytes]) -> None:
    """Put back what `retire_previous_run` removed: the run never started, so the previous
    run's shards are untouched and its markers are still true."""
    for name in (MANIFEST, REPORT, SUCCESS):  # _SUCCESS last: it vouches for the others
        if name in removed:
            write_bytes(join(output, name), removed[name])


def foreign_files(output: str) -> list[str]:
    """Files in OUTPUT's shard folders that a run did not write (a run would delete them)."""
    return [
        path
        for kind in OUTPUT_DIRS
        for path in _existing(join(output, kind))
        if not SHARD_NAME_RE.match(path.rstrip("/").rsplit("/", 1)[-1])
    ]


def _existing(prefix: str) -> list[str]:
    """The files under `prefix` (none when it does not exist). A listing that fails is an
    OutputWriteError: the commit deletes the previous run's shards by this list, and without
    it they would stay, read as part of the new run."""
    try:
        result = retry_transient(lambda: FileSystems.match([join(prefix, "*")])[0], "list")
    except Exception as exc:
        raise OutputWriteError(f"cannot list {prefix}: {_failure_reason(exc)}") from exc
    return [m.path for m in result.metadata_list]


def _failure_reason(exc: BaseException) -> str:
    """One line for a failed store call (see `failed_call`)."""
    exc = failed_call(exc)
    reason = getattr(exc, "strerror", None) or (str(exc).splitlines() or [""])[0][:200]
    return reason or type(exc).__name__


def _rename_all(sources: list[str], targets: list[str], shards: list[ShardInfo]) -> None:
    """One batch rename; after a failure, retry the pairs not yet moved (on object stores a
    rename is copy + delete, and part of the batch may have gone through). A pair whose
    source is gone and whose target has the size of this run's shard (`shards`) was
    moved by an earlier attempt of this step (a runner retries a step whose worker died after
    the commit): it is done. A target of another size left by a previous run under the same
    name is not: that shard is lost. (Sizes, not hashes: a retried commit would otherwise
    read back every shard of the run; a previous run's shard of the same name and size is, in
    practice, the same inputs written the same way.)"""

    def moved(target: str, info: ShardInfo) -> bool:
        if not FileSystems.exists(target):
            return False
        (metadata,) = FileSystems.match([target])[0].metadata_list
        return metadata.size_in_bytes == info.bytes

    try:
        FileSystems.rename(sources, targets)
        return
    except Exception as exc:
        if not is_transient(exc) and not any(
            not FileSystems.exists(s) and moved(t, i)
            for s, t, i in zip(sources, targets, shards, strict=True)
        ):
            raise

    def rename_pending() -> None:
        pending, lost = [], []
        for source, target, info in zip(sources, targets, shards, strict=True):
            if FileSystems.exists(source):
                pending.append((source, target))
            elif not moved(target, info):
                lost.append(source)
        if lost:
            raise OutputWriteError(f"{len(lost)} shard(s) to commit are gone, e.g. {lost[0]}")
        if pending:
            FileSystems.rename([s for s, _ in pending], [t for _, t in pending])

    retry_transient(rename_pending, "rename shards")


def delete_tree(path: str) -> None:
    """Delete a folder and everything under it (on object stores: every key under it)."""
    target = path.rstrip("/") + "/" if "://" in path else path
    try:
        if FileSystems.exists(path) or "://" in path:
            retry_transient(lambda: FileSystems.delete([target]), f"delete {path}")
    except Exception as exc:  # noqa: BLE001 - a leftover temporary file is not worth a failed run
        log.warning("could not delete %s: %s", path, (str(exc).splitlines() or [""])[0][:200])


def commit_shards(spec: OutputSpec, shards: list[ShardInfo]) -> None:
    """Rename temporary shards into place and delete shards a previous run left behind."""
    keep = {(s.kind, s.name): s for s in shards if s.name}
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
        _rename_all(sources, targets, [keep[key] for key in sorted(keep)])
    # All of _temporary: this run's parts, and what runs cut short before it left there (a
    # takedown or selection pending on the shards just replaced is void with them).
    delete_tree(join(spec.output, TEMP_DIR))
