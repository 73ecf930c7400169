"""`ccprov query OUTPUT "SQL"`: DuckDB over a run's corpus, ledger and host tables.

Views: `corpus` (OUTPUT/corpus), `provenance` (the ledger), and `hosts` / `dropped` when the
run wrote them. Local outputs are read by DuckDB's own Parquet reader; object-store outputs
through pyarrow datasets registered in DuckDB (DuckDB's httpfs extension would be downloaded
at run time, which ccprov never does). Both scan lazily: only the columns a query names are
read.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import json
import math
import re

import duckdb
import pyarrow as pa

from pipeline.audit.store import OutputStore
from pipeline.errors import terminal_safe, write_stdout
from pipeline.plan import UsageError
from schemas.corpus import CORPUS_SCHEMA, DROPPED_SCHEMA
from schemas.ledger import LEDGER_SCHEMA
from transforms.writer import CORPUS_DIR, DROPPED_DIR, HOSTS_DIR, LEDGER_DIR

# View name -> output folder, and the schema of an empty view when the folder has no shards.
VIEWS = {
    "corpus": (CORPUS_DIR, CORPUS_SCHEMA),
    "provenance": (LEDGER_DIR, LEDGER_SCHEMA),
    "hosts": (HOSTS_DIR, None),
    "dropped": (DROPPED_DIR, None),
}
FORMATS = ("table", "csv", "json", "jsonl")
# Reading queries, EXPLAIN, and COPY (...) TO a file for exports. Anything else (INSTALL,
# ATTACH, SET, CREATE, INSERT...) could change state or download, and is refused.
_ALLOWED_STATEMENTS = ("SELECT", "EXPLAIN", "COPY")
_SINGLE_QUOTED = re.compile(r"\s*'((?:[^']|'')*)'")
_EXPLAIN_PREFIX = re.compile(r"^\s*EXPLAIN\s+(?:\([^)]*\)\s*)?(?:ANALY[SZ]E\s+)?", re.IGNORECASE)
_GLOB_CHARS = re.compile(r"[*?\[\]{}]")
MAX_CELL_CHARS = 80  # table format only; csv and json print values whole


def duckdb_message(exc: Exception) -> str:
    """DuckDB's error on one line, without the statement it quotes with a caret under it."""
    return " ".join(str(exc).split()).split(" LINE 1:")[0][:300]


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def open_views(
    store: OutputStore, threads: int = 2, failed: dict[str, str] | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per output table present. A view whose
    shards cannot be opened (a damaged corpus shard) is left out, its error put in `failed`:
    the other views still answer (the report never reads the corpus)."""
    con = duckdb.connect(
        config={
            "threads": threads,
            # Offline: never fetch an extension (httpfs etc.) at run time.
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
    )
    for view, (kind, empty_schema) in VIEWS.items():
        if view == "dropped" and _keeps_dropped(store):
            # A takedown can delete the last saved text: the view stays, empty.
            empty_schema = DROPPED_SCHEMA
        try:
            _open_view(con, store, view, kind, empty_schema)
        except (duckdb.Error, pa.ArrowException, OSError) as exc:
            if failed is None:
                raise
            failed[view] = duckdb_message(exc)
    return con


def _keeps_dropped(store: OutputStore) -> bool:
    """Whether the run saved dropped documents' text (--keep-dropped)."""
    try:
        return bool(store.manifest().get("config", {}).get("keep_dropped"))
    except (UsageError, AttributeError):
        return False


def _open_view(con, store: OutputStore, view: str, kind: str, empty_schema) -> None:
    paths = store.shard_arrow_paths(kind)
    # DuckDB expands `*`, `?` and `[...]` in read_parquet's paths: an output named run[1]
    # read run1's shards. Such paths go through pyarrow, which takes them literally.
    if paths and not store.remote and not any(_GLOB_CHARS.search(p) for p in paths):
        files = ", ".join(_sql_string(p) for p in paths)
        # union_by_name binds every shard's footer at every query: with thousands of shards
        # (one per input file) the report took 56.7 CPU s and 937 MB for 2,000 shards of 22
        # rows (bench/bench_report.py), 32.7 CPU s and 319 MB without it. The shards of one run have one schema, so it is checked once here.
        by_name = "true" if len(paths) > 1 and not _one_column_set(con, files) else "false"
        con.execute(
            f"CREATE VIEW {view} AS SELECT * FROM read_parquet([{files}], union_by_name={by_name})"
        )
    elif paths:
        con.register(view, store.dataset(kind))
    elif empty_schema is not None:
        con.register(view, empty_schema.empty_table())


def _one_column_set(con: duckdb.DuckDBPyConnection, files: str) -> bool:
    """Whether every shard has the same columns (DuckDB then matches them by name without
    union_by_name, and refuses a shard that lacks one)."""
    sets = con.execute(
        "SELECT count(DISTINCT columns) FROM (SELECT file_name, "
        "string_agg(name || ':' || coalesce(type, '') || ':' || coalesce(logical_type, ''), "
        "',' ORDER BY name) AS columns "
        f"FROM parquet_schema([{files}]) GROUP BY file_name)"
    ).fetchone()[0]
    return sets <= 1


def _views_present(con: duckdb.DuckDBPyConnection) -> list[str]:
    names = {row[0] for row in con.execute("SHOW TABLES").fetchall()}  # views and datasets
    return [view for view in VIEWS if view in names]


def check_statement(con: duckdb.DuckDBPyConnection, store: OutputStore, sql: str) -> None:
    """One statement that reads, or COPY that exports outside the output; else a UsageError."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise UsageError(f"query failed: {' '.join(str(exc).split())}") from exc
    if len(statements) != 1:
        raise UsageError(
            "no SQL statement given"
            if not statements
            else f"one SQL statement at a time (got {len(statements)})"
        )
    kind = statements[0].type.name
    if kind == "EXPLAIN":
        # EXPLAIN ANALYZE runs what it explains: `EXPLAIN ANALYZE COPY ... TO` a shard
        # overwrote it. The explained statement is checked as if it came alone.
        inner = _EXPLAIN_PREFIX.sub("", statements[0].query, count=1)
        try:
            explained = con.extract_statements(inner)
        except duckdb.Error:
            explained = []
        kind = explained[0].type.name if len(explained) == 1 else "EXPLAIN"
        if kind not in ("SELECT", "COPY"):
            raise UsageError("EXPLAIN is run only for a SELECT or a COPY (...) TO a file elsewhere")
    if kind not in _ALLOWED_STATEMENTS:
        first = (statements[0].query.split() or [kind])[0].upper()
        raise UsageError(
            f"{first} statements are not run: `ccprov query` reads the output "
            "(SELECT, EXPLAIN, or COPY (...) TO a file elsewhere)"
        )
    if kind == "COPY":
        for target in copy_targets(statements[0].query):
            if store.contains(target, or_above=True):
                raise UsageError(
                    f"COPY would write into the output or a folder holding it ({target}): "
                    "write the export elsewhere"
                )


def copy_targets(sql: str) -> list[str]:
    """The file a COPY statement writes, read from DuckDB's own tokens (a regex over the text
    missed `TO "path"` and `TO $$path$$`, which DuckDB takes too): the first `TO` outside
    parentheses (`SIMILAR TO` in the query is not it), comments skipped. A target that is not
    a plain single-quoted string is refused rather than guessed."""
    data = sql.encode("utf-8")  # the tokens' offsets count bytes
    tokens = [(at, kind.name) for at, kind in duckdb.tokenize(sql)]
    ends = [at for at, _ in tokens[1:]] + [len(data)]
    depth = 0
    for index, ((at, kind), end) in enumerate(zip(tokens, ends, strict=True)):
        text = data[at:end].decode("utf-8", "replace").strip()
        if kind == "operator":
            depth += text.count("(") - text.count(")")
            continue
        if kind != "keyword" or depth or text.upper() != "TO":
            continue
        following = [(a, k) for a, k in tokens[index + 1 :] if k != "comment"]
        if following and following[0][1] == "string_const":
            literal = _SINGLE_QUOTED.match(data[following[0][0] :].decode("utf-8", "replace"))
            if literal is not None:
                return [literal.group(1).replace("''", "'")]
        raise UsageError(
            "COPY ... TO: give the file as a single-quoted path (TO '/path/export.csv')"
        )
    return []


def run_query(store: OutputStore, sql: str) -> pa.Table:
    """The result of one SQL statement as an Arrow table; SQL errors are UsageErrors."""
    with QueryResult(store, sql) as result:
        return pa.Table.from_batches(list(result.batches()), schema=result.schema)


class QueryResult:
    """One statement's result, read in record batches while the connection is open: `csv`
    and `jsonl` print a million rows without holding them (it took 750 MB whole)."""

    ROWS_PER_BATCH = 10_000

    def __init__(self, store: OutputStore, sql: str):
        self._failed: dict[str, str] = {}
        self._con = open_views(store, failed=self._failed)
        try:
            check_statement(self._con, store, sql)
            relation = self._guarded(lambda: self._con.sql(sql))
            if relation is None:  # a statement without a result
                self._reader = None
                self.schema = pa.schema([])
            else:
                # to_arrow_reader in DuckDB 2 (fetch_record_batch is deprecated there).
                read = getattr(relation, "to_arrow_reader", None) or relation.fetch_record_batch
                self._reader = self._guarded(lambda: read(self.ROWS_PER_BATCH))
                self.schema = self._reader.schema
                twice = sorted({n for n in self.schema.names if self.schema.names.count(n) > 1})
                if twice:
                    raise UsageError(
                        f"query failed: columns named twice ({', '.join(twice)}): name each "
                        "column once (AS ...)"
                    )
        except BaseException:
            self._con.close()
            raise

    def __enter__(self) -> QueryResult:
        return self

    def __exit__(self, *exc) -> None:
        self._con.close()

    def batches(self):
        while self._reader is not None:
            batch = self._guarded(lambda: next(self._reader, None))
            if batch is None:
                return
            yield batch

    def _guarded(self, call):
        try:
            return call()
        except duckdb.Error as exc:
            raise UsageError(self._failure(exc)) from exc
        except (pa.ArrowException, OSError) as exc:  # DuckDB's errors met while streaming
            # (pyarrow's reader raises them as OSError), or a CAST failing on a later row
            raise UsageError(f"query failed: {duckdb_message(exc)}") from exc

    def _failure(self, exc: duckdb.Error) -> str:
        message = duckdb_message(exc)
        if "httpfs" in message:  # DuckDB suggests INSTALL/SET, which are not run here
            return (
                "query failed: reading http(s):// or s3:// files needs DuckDB's httpfs "
                "extension, which ccprov does not load (offline); query the output's views"
            )
        if isinstance(exc, duckdb.CatalogException):  # DuckDB suggests its system tables
            for view, problem in self._failed.items():
                if f"name {view} does not exist" in message:
                    return f"query: the {view} view could not be opened: {problem}"
            message = message.split(" Did you mean", 1)[0]
            message += f" (this output's views: {', '.join(_views_present(self._con))})"
        return f"query failed: {message}"


def _plain(value):
    """A JSON-friendly version of one Arrow/Python value."""
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        # sum() of integers is a HUGEINT, a Decimal here: 34831, not 34831.0
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or Infinity
    return value


def _rows(table: pa.Table) -> list[dict]:
    """The table's rows as Python values, MAP columns as objects (Arrow gives key-value
    pairs), for the JSON and CSV formats."""
    maps = {f.name for f in table.schema if pa.types.is_map(f.type)}
    rows = table.to_pylist()
    for row in rows:
        for name in maps:
            if row[name] is not None:
                row[name] = dict(row[name])
    return [{k: _plain(v) for k, v in row.items()} for row in rows]


def _cell(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list, tuple)):
        text = json.dumps(_plain(value), ensure_ascii=False)
    else:
        text = str(_plain(value))
    text = terminal_safe(" ".join(text.split()))  # one line per row, no terminal controls
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


def format_table(table: pa.Table) -> str:
    names = table.column_names
    rows = [[_cell(v) for v in row.values()] for row in table.to_pylist()]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    numeric = [
        pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_decimal(f.type)
        for f in table.schema
    ]

    def line(cells):
        return "  ".join(
            c.rjust(w) if num else c.ljust(w)
            for c, w, num in zip(cells, widths, numeric, strict=True)
        ).rstrip()

    out = [line(names), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    out.append(f"({table.num_rows} row{'s' if table.num_rows != 1 else ''})")
    return "\n".join(out)


def format_result(table: pa.Table, fmt: str) -> str:
    """The whole result in `fmt` (what `ccprov query` prints, without the final newline)."""
    return "".join(formatted(table.schema, table.to_batches(), fmt)).rstrip("\n")


def formatted(schema: pa.Schema, batches, fmt: str):
    """The result in `fmt`, piece by piece as the batches come (table: once all are in, for
    its column widths)."""
    if fmt == "table":
        yield format_table(pa.Table.from_batches(list(batches), schema=schema)) + "\n"
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(schema.names)
        yield buffer.getvalue()
    first = True
    for batch in batches:
        rows = _rows(pa.Table.from_batches([batch], schema=schema))
        if fmt == "jsonl":
            yield "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        elif fmt == "json":
            for row in rows:  # as json.dumps(rows, indent=1) lays out a list
                item = json.dumps(row, ensure_ascii=False, indent=1).replace("\n", "\n ")
                yield ("[\n " if first else ",\n ") + item
                first = False
        else:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            for row in rows:
                writer.writerow(
                    [
                        json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
                        for v in row.values()
                    ]
                )
            yield buffer.getvalue()
    if fmt == "json":
        yield "[]\n" if first else "\n]\n"


def query_command(args) -> int:
    store = OutputStore.from_args(args)
    store.require_finished()
    with QueryResult(store, args.sql) as result:
        for piece in formatted(result.schema, result.batches(), args.format):
            if piece:
                write_stdout(piece.encode("utf-8"))
    return 0
