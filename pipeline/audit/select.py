"""`ccprov select SOURCE --output DEST [criteria]`: a stricter corpus from a finished run,
without reprocessing a single page.

The ledger keeps what every decision was taken on (language, licence class and opt-out
signals, `ai_score`, `host_ai_score`, `filter_scores`), apart from the documents, as Dolma
keeps attributes apart from text. So a stricter decision can be taken later from the ledger
alone: a trainer who wants only openly licensed English pages scoring under 0.3 gets them
from last month's run in seconds.

DEST is a complete output in SOURCE's layout, readable by every reader and audit command:
- provenance: every SOURCE ledger row (one per input record, nothing lost); the kept
  documents a criterion rejects become `dropped`, drop_reason `selection:<criterion>`;
- corpus: SOURCE's corpus without them, in the same shards, schema and codec;
- hosts, dropped: SOURCE's files, byte for byte (the host figures describe SOURCE's run);
- manifest.json: SOURCE's, with files, counts and funnel recomputed and a `selections` entry
  (criteria, source, counts); _SUCCESS last.

Only kept documents can be deselected: a dropped document's text is not in the corpus, so a
selection can only tighten. A near-duplicate whose representative is deselected stays
dropped (its text is not in the corpus either); the representative was chosen as a member
without opt-out signal if any, then open-licensed, then earliest-crawled
(`pipeline/assembly.py:dedup_candidate`).
Shards are streamed a row group at a time; shards where nothing changes are copied whole.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.audit.query import duckdb_message
from pipeline.audit.store import (
    OutputStore,
    S3Settings,
    configure_filesystems,
    naming_the_shard,
)
from pipeline.audit.takedown import (
    LedgerUpdate,
    TakedownError,
    ledger_stats_fns,
    pending_journals,
    rewrite_shard,
    updated_manifest,
    without,
)
from pipeline.options import unit_float
from pipeline.plan import UsageError, parse_languages
from schemas.ledger import LEDGER_SCHEMA
from transforms.document import KEPT
from transforms.filters.config import ALL_LANGUAGES, check_language_codes
from transforms.licensing import LICENSE_POLICIES, policy_drop_reason
from transforms.writer import (
    CORPUS_DIR,
    DROPPED_DIR,
    HOSTS_DIR,
    LEDGER_DIR,
    MANIFEST,
    SUCCESS,
    TEMP_DIR,
    add_counts,
    base_ledger_stats,
)

PREFIX = "selection:"
MARKER = f"{TEMP_DIR}/select.json"  # DEST is being written by a selection
COPY_CHUNK = 8 << 20
_ROW = "__ccprov_row"  # row number column for --where
_VIEW = "ledger_row_group"  # what --where is evaluated over


@dataclasses.dataclass(frozen=True)
class Selection:
    """What a kept document must satisfy to stay kept. Criteria are checked in this order;
    the first one failed names the drop reason."""

    languages: tuple[str, ...] | None = None
    license_policy: str | None = None
    ai_threshold: float | None = None
    host_ai_threshold: float | None = None
    where: str | None = None

    def __post_init__(self) -> None:
        if self.license_policy is not None and self.license_policy not in LICENSE_POLICIES:
            raise UsageError(
                f"--license-policy {self.license_policy!r}: choose from {', '.join(LICENSE_POLICIES)}"
            )
        if self.where is not None:
            check_where(self.where)

    @property
    def criteria(self) -> dict:
        """The criteria that were given, as the manifest records them."""
        given = dataclasses.asdict(self)
        given["languages"] = list(self.languages) if self.languages else None
        if given["license_policy"] == "tag-only":
            given["license_policy"] = None
        return {k: v for k, v in given.items() if v is not None}

    def reasons(self, ledger: pa.Table) -> list[str | None]:
        """Per ledger row: the drop reason if it is kept and fails a criterion, else None."""
        needed = {
            "language": bool(self.languages and ALL_LANGUAGES not in self.languages),
            "license_class": bool(self.license_policy and self.license_policy != "tag-only"),
            "opt_out_signals": bool(self.license_policy and self.license_policy != "tag-only"),
            "ai_score": self.ai_threshold is not None,
            "host_ai_score": self.host_ai_threshold is not None,
        }
        missing = [c for c, used in needed.items() if used and c not in ledger.column_names]
        if missing:
            raise UsageError(
                f"this output's ledger has no {', '.join(missing)} column (a run made before "
                "that stage existed): that criterion cannot be applied"
            )
        decisions = ledger.column("decision").to_pylist()
        reasons: list[str | None] = [None] * ledger.num_rows
        open_rows = [i for i, d in enumerate(decisions) if d == KEPT]

        def apply(reason_of: Callable[[int], str | None]) -> None:
            nonlocal open_rows
            still = []
            for i in open_rows:
                reason = reason_of(i)
                if reason:
                    reasons[i] = PREFIX + reason
                else:
                    still.append(i)
            open_rows = still

        if self.languages and ALL_LANGUAGES not in self.languages:
            language = ledger.column("language").to_pylist()
            apply(lambda i: None if language[i] in self.languages else "language")
        if self.license_policy and self.license_policy != "tag-only":
            classes = ledger.column("license_class").to_pylist()
            signals = ledger.column("opt_out_signals").to_pylist()
            apply(
                lambda i: policy_drop_reason(
                    self.license_policy,
                    {"license_class": classes[i], "opt_out_signals": signals[i]},
                )
            )
        # As in the run's --ai-policy drop: above the threshold; no score, no verdict.
        for column, threshold in (
            ("ai_score", self.ai_threshold),
            ("host_ai_score", self.host_ai_threshold),
        ):
            if threshold is not None:
                scores = ledger.column(column).to_pylist()
                apply(
                    lambda i, s=scores, t=threshold, c=column: (
                        c if s[i] is not None and s[i] > t else None
                    )
                )
        if self.where and open_rows:
            passing = rows_where(ledger, self.where)
            apply(lambda i: None if i in passing else "where")
        return reasons


def _connect():
    import duckdb

    return duckdb.connect(
        config={
            "threads": 1,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
    )


def check_where(where: str) -> None:
    """--where must be one boolean SQL condition on a ledger row's own columns: no
    subquery or table function, whose result would depend on how rows fall into row groups
    (it is evaluated a row group at a time) or read other files."""
    import duckdb

    if not where.strip():
        raise UsageError("--where is empty: give a condition, e.g. ai_score < 0.3")
    data = where.encode("utf-8")  # token offsets count bytes
    tokens = duckdb.tokenize(where)
    starts = [at for at, _ in tokens] + [len(data)]
    depth = 0
    for (at, kind), end in zip(tokens, starts[1:], strict=True):
        if kind.name not in ("string_const", "comment") and b";" in data[at:end]:
            raise UsageError("--where takes one SQL condition, without ';' (outside quotes)")
        if kind.name == "operator":
            for char in data[at:end].decode("utf-8", "replace"):
                depth += {"(": 1, ")": -1}.get(char, 0)
                if depth < 0:  # `true) LIMIT 1 --` closed the wrapper's parenthesis
                    raise UsageError(f"--where {where!r}: a ')' without its '('")
    con = _connect()
    con.register(_VIEW, LEDGER_SCHEMA.empty_table().append_column(_ROW, pa.array([], pa.int64())))
    statement = _rows_where_sql(where)  # as rows_where runs it
    try:
        if len(con.extract_statements(statement)) != 1:
            raise UsageError("--where takes one SQL condition")
        tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [statement]).fetchone()[0])
        if tree.get("error") or len(tree.get("statements", [])) != 1:
            raise UsageError(f"--where {where!r}: not one SQL condition")
        if _has_node(tree, ("SUBQUERY", "TABLE_FUNCTION", "SET_OPERATION_NODE")) or (
            tree["statements"][0]["node"].get("from_table", {}).get("table_name") != _VIEW
        ):
            raise UsageError(
                f"--where {where!r}: a condition on each row's own columns only "
                "(no subquery or table function)"
            )
        volatile = {
            name
            for (name,) in con.execute(
                "SELECT DISTINCT function_name FROM duckdb_functions() WHERE stability = 'VOLATILE'"
            ).fetchall()
        }
        unrepeatable = _unrepeatable_call(tree, volatile | _TIME_OF_QUERY)
        if unrepeatable:
            raise UsageError(
                f"--where {where!r}: {unrepeatable} gives another answer at each run, so the "
                "criterion recorded in the manifest would not say what was selected"
            )
        # Binding it in a WHERE clause also refuses aggregates and window functions.
        con.execute(statement).fetchall()
        result_type = con.execute(
            f"DESCRIBE SELECT ({where}\n) AS condition FROM {_VIEW}"
        ).fetchall()
    except duckdb.Error as exc:
        raise UsageError(f"--where {where!r}: {duckdb_message(exc)}") from exc
    if result_type[0][1] != "BOOLEAN":
        raise UsageError(
            f"--where {where!r} is {result_type[0][1]}, not a condition (e.g. ai_score < 0.3)"
        )


# The time or state of the query: DuckDB marks them consistent within one query only, as it
# does `+` and `year` (for their time-zone forms), so they are named here.
_TIME_OF_QUERY = frozenset(
    "now today current_date current_time current_timestamp current_localtime "
    "current_localtimestamp localtime localtimestamp get_current_time get_current_timestamp "
    "transaction_timestamp getvariable current_setting txid_current".split()
)


def _unrepeatable_call(tree, unrepeatable: set[str]) -> str | None:
    """The first function of the condition whose answer is not the row's alone: a volatile
    one (random(), uuid()) or the time of the query (now(), or current_date, which parses
    as a column name)."""
    if isinstance(tree, dict):
        name = str(tree.get("function_name")).lower()
        if tree.get("class") == "FUNCTION" and (
            name in unrepeatable or (name == "age" and len(tree.get("arguments") or []) == 1)
        ):  # age(ts) is current_date - ts
            return f"{tree['function_name']}()"
        names = tree.get("column_names") if tree.get("class") == "COLUMN_REF" else None
        if names and len(names) == 1 and str(names[0]).lower() in _TIME_OF_QUERY:
            return names[0]
        children = tree.values()
    elif isinstance(tree, list):
        children = tree
    else:
        return None
    return next((found for c in children if (found := _unrepeatable_call(c, unrepeatable))), None)


def _has_node(tree, kinds: tuple[str, ...]) -> bool:
    """Does DuckDB's serialized syntax tree hold an expression or table of these kinds?"""
    if isinstance(tree, dict):
        if tree.get("class") in kinds or tree.get("type") in kinds:
            return True
        return any(_has_node(v, kinds) for v in tree.values())
    if isinstance(tree, list):
        return any(_has_node(v, kinds) for v in tree)
    return False


def _rows_where_sql(where: str) -> str:
    """The statement `rows_where` runs (the newline ends a trailing `--` comment)."""
    return f"SELECT {_ROW} FROM {_VIEW} WHERE ({where}\n)"


def rows_where(ledger: pa.Table, where: str) -> set[int]:
    """Row numbers of `ledger` for which the condition is true (NULL counts as false)."""
    import duckdb

    con = _connect()
    con.register(_VIEW, ledger.append_column(_ROW, pa.array(range(ledger.num_rows), pa.int64())))
    try:
        rows = con.execute(_rows_where_sql(where)).fetchall()
    except duckdb.Error as exc:  # a value the condition cannot take (a failed CAST...)
        raise UsageError(f"--where {where!r} failed on the data: {duckdb_message(exc)}") from exc
    return {row[0] for row in rows}


def mark_deselected(ledger: pa.Table, reasons: dict[str, str]) -> pa.Table:
    """The ledger with those documents' decision set to dropped and their reason set."""
    if not reasons:
        return ledger
    ids = pa.array(list(reasons), pa.string())
    position = pc.index_in(ledger.column("doc_id"), value_set=ids)
    chosen = pc.is_valid(position)
    values = {
        "decision": pa.scalar("dropped", pa.string()),
        "drop_reason": pc.take(pa.array(list(reasons.values()), pa.string()), position),
    }
    for column, value in values.items():
        index = ledger.schema.get_field_index(column)
        field = ledger.schema.field(index)
        updated = pc.if_else(chosen, value, ledger.column(index))
        ledger = ledger.set_column(index, field, updated.cast(field.type))
    return ledger


# --- DEST ---------------------------------------------------------------------------------------
def _contains(outer: OutputStore, inner: OutputStore) -> bool:
    if outer.remote != inner.remote:
        return False
    if outer.remote:
        return inner.root == outer.root or inner.root.startswith(outer.root.rstrip("/") + "/")
    # Symbolic links resolved: a link to SOURCE must not let DEST be written inside it.
    a, b = os.path.realpath(outer.root), os.path.realpath(inner.root)
    return a == b or b.startswith(a.rstrip(os.sep) + os.sep)


def check_locations(source: OutputStore, dest: OutputStore) -> None:
    if _contains(source, dest) or _contains(dest, source):
        raise UsageError(
            f"--output {dest.root} and {source.root} overlap: write the selection elsewhere "
            "(`ccprov takedown` changes an output in place)"
        )


def prepare_destination(dest: OutputStore, clear: bool = True) -> None:
    """DEST must hold nothing, or only a selection that was cut short, at any of its steps
    (its marker is the last thing removed): that one is cleared here (unless `clear` is
    False: a dry run only checks)."""
    if dest.exists(MARKER):
        if clear:
            for kind in (CORPUS_DIR, LEDGER_DIR, DROPPED_DIR, HOSTS_DIR):
                dest.delete_tree(kind)
            for name in (SUCCESS, MANIFEST):
                if dest.exists(name):
                    dest.delete(name)
            dest.delete_tree(TEMP_DIR)
        return
    if dest.exists(MANIFEST) or dest.exists(SUCCESS):
        raise UsageError(f"--output {dest.root} already holds a ccprov output")
    present = dest.list_files("") if dest.remote else _local_files(dest)
    if present:
        raise UsageError(f"--output {dest.root} is not empty")


def _local_files(dest: OutputStore) -> list[str]:
    if not os.path.exists(dest.root):
        return []
    if not os.path.isdir(dest.root):
        raise UsageError(f"--output {dest.root} is a file")
    return os.listdir(dest.root)


def file_sha256(store: OutputStore, rel: str) -> str:
    digest = hashlib.sha256()
    with store.arrow_fs.open_input_stream(store.arrow_path(rel)) as handle:
        while chunk := handle.read(COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_file(source: OutputStore, entry: dict, dest: OutputStore) -> None:
    """Copy the manifest entry's file byte for byte, streamed, checking its SHA-256."""
    rel = entry["path"]
    digest = hashlib.sha256()
    with (
        source.arrow_fs.open_input_stream(source.arrow_path(rel)) as src,
        dest.open_output(rel) as dst,
    ):
        while chunk := src.read(COPY_CHUNK):
            digest.update(chunk)
            dst.write(chunk)
    if digest.hexdigest() != entry["sha256"]:
        raise TakedownError(f"{rel} does not match the sha256 its manifest lists")


# --- the selection --------------------------------------------------------------------------------
@dataclasses.dataclass
class ShardSelection:
    name: str
    reasons: dict[str, str]  # doc_id -> drop reason, for the kept documents deselected
    verdicts: pa.Table  # doc_id, decision, drop_reason of every row, after the selection


def scan_shard(store: OutputStore, name: str, selection: Selection) -> ShardSelection:
    """The shard's deselected documents, reading it a row group at a time."""
    source = store.open_shard(LEDGER_DIR, name)
    reasons: dict[str, str] = {}
    verdicts = []
    for index in range(source.num_row_groups):
        with naming_the_shard(LEDGER_DIR, name):
            table = source.read_row_group(index)
        for doc_id, reason in zip(
            table.column("doc_id").to_pylist(), selection.reasons(table), strict=True
        ):
            if reason:
                reasons[doc_id] = reason
        marked = mark_deselected(table.select(["doc_id", "decision", "drop_reason"]), reasons)
        verdicts.append(marked)
    schema = pa.schema([LEDGER_SCHEMA.field(c) for c in ("doc_id", "decision", "drop_reason")])
    return ShardSelection(
        name, reasons, pa.concat_tables(verdicts) if verdicts else schema.empty_table()
    )


def _entry(kind: str, name: str, rows: int, sha256: str, size: int) -> dict:
    return {"path": f"{kind}/{name}", "rows": rows, "sha256": sha256, "bytes": size}


def apply_selection(
    source: OutputStore,
    dest: OutputStore,
    selection: Selection,
    stats_fns: dict | None = None,
    dry_run: bool = False,
    now: float | None = None,
) -> dict:
    """Write the selection of SOURCE into DEST; returns the log entry (also in its manifest)."""
    manifest = source.manifest()
    stats_fns = stats_fns or {}
    now = time.time() if now is None else now
    prepare_destination(dest, clear=not dry_run)
    if dry_run:
        return _select(source, dest, selection, manifest, stats_fns, True, now)
    created = not dest.remote and not os.path.exists(dest.root)
    dest.write_bytes(MARKER, json.dumps({"source": source.root}).encode())
    try:
        return _select(source, dest, selection, manifest, stats_fns, False, now)
    except BaseException:
        # A damaged SOURCE or a failing --where: leave DEST as it was found.
        try:
            prepare_destination(dest)
            if created:
                os.rmdir(dest.root)
        except OSError:
            pass  # what is left is cleared by the next selection into DEST
        raise


def _select(
    source: OutputStore,
    dest: OutputStore,
    selection: Selection,
    manifest: dict,
    stats_fns: dict,
    dry_run: bool,
    now: float,
) -> dict:
    files = manifest["files"]
    corpus = {e["path"].rsplit("/", 1)[-1]: e for e in files.get(CORPUS_DIR, [])}
    entries: dict[tuple[str, str], dict | None] = {}
    totals: dict = {}
    stats_delta: dict = {}
    deselected: Counter[str] = Counter()
    kept_before = 0
    for ledger_entry in files.get(LEDGER_DIR, []):
        name = ledger_entry["path"].rsplit("/", 1)[-1]
        scan = scan_shard(source, name, selection)
        add_counts(totals, base_ledger_stats(scan.verdicts))
        deselected.update(scan.reasons.values())
        kept_before += len(scan.reasons) + sum(
            1 for d in scan.verdicts.column("decision").to_pylist() if d == KEPT
        )
        if dry_run:
            continue
        if not scan.reasons:  # nothing changes: the shards are copied as they are
            copy_file(source, ledger_entry, dest)
            if name in corpus:
                copy_file(source, corpus[name], dest)
            continue
        if name not in corpus:
            raise TakedownError(f"ledger shard {name} has kept documents but no corpus shard")
        for entry in (ledger_entry, corpus[name]):  # as copy_file does for the files it copies
            if file_sha256(source, entry["path"]) != entry["sha256"]:
                raise TakedownError(f"{entry['path']} does not match the sha256 its manifest lists")
        update = LedgerUpdate(lambda t, r=scan.reasons: mark_deselected(t, r), stats_fns)
        ledger = rewrite_shard(source, LEDGER_DIR, name, f"{LEDGER_DIR}/{name}", update, dest)
        entries[(LEDGER_DIR, name)] = _entry(
            LEDGER_DIR, name, ledger.rows_out, ledger.sha256, ledger.bytes
        )
        for key, delta in update.stats_delta.items():
            stats_delta[key] = add_counts(stats_delta.get(key, {}), delta)
        ids = set(scan.reasons)
        text = rewrite_shard(
            source,
            CORPUS_DIR,
            name,
            f"{CORPUS_DIR}/{name}",
            lambda t, ids=ids: without(t, ids),
            dest,
        )
        if text.rows_in - text.rows_out != len(ids):
            raise TakedownError(
                f"{CORPUS_DIR}/{name} holds {text.rows_in - text.rows_out} of the {len(ids)} "
                "kept documents its ledger shard lists"
            )
        entries[(CORPUS_DIR, name)] = (
            _entry(CORPUS_DIR, name, text.rows_out, text.sha256, text.bytes)
            if text.rows_out
            else None
        )
    log_entry = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "source": source.root,
        "source_run_id": manifest.get("run_id"),
        "source_manifest_sha256": hashlib.sha256(source.read_bytes(MANIFEST)).hexdigest(),
        "criteria": selection.criteria,
        "kept_before": kept_before,
        "deselected": dict(sorted(deselected.items())),
        "kept_after": kept_before - sum(deselected.values()),
    }
    if dry_run:
        return log_entry
    for kind in (DROPPED_DIR, HOSTS_DIR):
        for entry in files.get(kind, []):
            copy_file(source, entry, dest)
    new_manifest = updated_manifest(
        manifest, entries, totals, stats_delta, log_entry, log_key="selections"
    )
    new_manifest["output"] = dest.root
    dest.write_bytes(MANIFEST, json.dumps(new_manifest, indent=2).encode())
    dest.write_bytes(SUCCESS, source.read_bytes(SUCCESS))  # the run id, as the run wrote it
    dest.delete(MARKER)  # last: until it goes, a re-run clears DEST and starts again
    dest.remove_empty_folder(TEMP_DIR)
    return log_entry


def describe(entry: dict) -> str:
    reasons = ", ".join(f"{r.removeprefix(PREFIX)} {n}" for r, n in entry["deselected"].items())
    return (
        f"selected {entry['kept_after']} of {entry['kept_before']} kept documents "
        f"({'deselected: ' + reasons if reasons else 'none deselected'})"
    )


def select_command(args) -> int:
    if not args.output.strip():
        raise UsageError("--output is empty: name the folder or prefix to write to")
    settings = S3Settings.from_args(args)
    configure_filesystems(settings)
    source = OutputStore(args.source, settings)
    dest = OutputStore(args.output, settings)
    source.require_finished()
    if pending_journals(source):
        raise UsageError(
            f"{source.root} has an unfinished takedown: `ccprov takedown {source.root} --resume`"
        )
    check_locations(source, dest)
    languages = parse_languages(args.languages)
    if languages:
        try:
            check_language_codes("--languages", languages)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
    if languages == [ALL_LANGUAGES]:
        languages = None  # keeps every language: not a criterion
    selection = Selection(
        languages=tuple(languages) if languages else None,
        license_policy=args.license_policy,
        ai_threshold=args.ai_threshold,
        host_ai_threshold=args.host_ai_threshold,
        where=args.where,
    )
    if not selection.criteria:
        raise UsageError(
            "give at least one criterion: --languages, --license-policy, --ai-threshold, "
            "--host-ai-threshold or --where"
        )
    if not args.dry_run:
        dest.check_bucket()
    try:
        entry = apply_selection(source, dest, selection, ledger_stats_fns(), args.dry_run)
    except TakedownError as exc:
        raise UsageError(f"{source.root} is inconsistent, selection stopped: {exc}") from exc
    prefix = "dry run: would have " if args.dry_run else ""
    print(prefix + describe(entry) + ("" if args.dry_run else f" -> {dest.root}"))
    return 0


def add_select_arguments(parser) -> None:
    parser.add_argument("source", metavar="SOURCE", help="a finished run's output")
    parser.add_argument("--output", required=True, metavar="DEST", help="where to write (empty)")
    parser.add_argument(
        "--languages", default=None, help="keep these languages (en,fr: lid.176 codes)"
    )
    parser.add_argument(
        "--license-policy",
        dest="license_policy",
        choices=[policy for policy in LICENSE_POLICIES if policy != "tag-only"],  # selects nothing
        default=None,
        help="as `ccprov run --license-policy`: open, no-optout, open-no-optout",
    )
    parser.add_argument(
        "--ai-threshold",
        dest="ai_threshold",
        type=unit_float,
        default=None,
        help="deselect documents whose ai_score is above this",
    )
    parser.add_argument(
        "--host-ai-threshold",
        dest="host_ai_threshold",
        type=unit_float,
        default=None,
        help="deselect documents whose host's mean ai_score (host_ai_score) is above this",
    )
    parser.add_argument(
        "--where",
        default=None,
        metavar="SQL",
        help="keep documents whose ledger row satisfies this DuckDB condition, e.g. "
        "\"filter_scores['fineweb_quality:line_punct_ratio'] >= 0.2\"",
    )
    parser.add_argument(
        "--dry-run", dest="dry_run", action="store_true", help="count only, write nothing"
    )
