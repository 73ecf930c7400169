"""`ccprov takedown OUTPUT --urls FILE | --hosts FILE | --sha256 FILE`: remove documents.

The selected documents leave the corpus; their ledger rows stay (the record of what was
read must be complete) with decision `removed` and drop_reason `takedown`, and the manifest
gets new checksums, recomputed counts and a `takedowns` log entry.

It is a two-phase change so that no reader ever sees a half-applied takedown:
  1. prepare: every new shard and the new manifest are written under
     OUTPUT/_temporary/takedown-ID/, then `journal.json` listing the steps of phase 2. The
     live output is untouched; a crash leaves only a temporary folder.
  2. commit: _SUCCESS is moved aside, the steps run (corpus and dropped shards first, ledger
     shards after, the manifest last), _SUCCESS comes back. Every step can be repeated, so
     an interrupted commit is finished by running `ccprov takedown OUTPUT --resume` (any
     takedown does it first).
Only shards holding a selected document are rewritten; all others stay byte-identical. A
repeated takedown finds nothing left to remove and changes nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import ipaddress
import json
import re
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import idna
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.audit.store import OutputStore, naming_the_shard
from pipeline.plan import UsageError
from transforms.document import KEPT, REMOVED
from transforms.urls import canonical_escapes
from transforms.writer import (
    CORPUS_DIR,
    DROPPED_DIR,
    LEDGER_DIR,
    MANIFEST,
    SUCCESS,
    TEMP_DIR,
    StreamedShard,
    add_counts,
    audit_events,
    audit_order,
    base_ledger_stats,
    funnel,
)

TAKEDOWN_REASON = "takedown"
JOURNAL = "journal.json"
TXN_PREFIX = "takedown-"
REPORT_NAME = "report.html"  # a report written before the takedown is stale afterwards
# Selector kind -> the ledger column it matches.
SELECTOR_COLUMNS = {"urls": "url", "hosts": "host", "sha256": "text_sha256"}
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class TakedownError(Exception):
    """The output is not in the state the manifest describes; nothing was changed."""


# --- what to remove ------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Selector:
    kind: str  # urls | hosts | sha256
    values: frozenset[str]

    @property
    def column(self) -> str:
        return SELECTOR_COLUMNS[self.kind]

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256("\n".join(sorted(self.values)).encode("utf-8")).hexdigest()

    @classmethod
    def from_lines(cls, kind: str, lines: list[str], source: str = "selector") -> Selector:
        values = set()
        for number, raw in enumerate(lines, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if kind == "hosts":
                # checked as it will be matched: ｃｏｍ and ＣＯ．ＵＫ are com and co.uk
                line = line.lower().rstrip(".")
                mapped = ascii_host(line).rstrip(".").lower()
                problem = _host_problem(mapped) if mapped else "no host name (dots only)"
                if problem:
                    raise UsageError(f"{source}:{number}: {problem}: {line[:80]}")
            elif kind == "sha256":
                line = line.lower()
                if not _SHA256_RE.match(line):
                    raise UsageError(f"{source}:{number}: not a SHA-256 hex digest: {line[:80]}")
            elif kind == "urls":
                # Only http(s) pages are ever kept: any other line (a host list given as
                # --urls by mistake) would match nothing, and the takedown remove nothing.
                if not line.lower().startswith(("http://", "https://")):
                    raise UsageError(
                        f"{source}:{number}: not an http(s) URL (--hosts takes host names): "
                        f"{line[:80]}"
                    )
                line = normal_url(line)
            values.add(line)
        if not values:
            raise UsageError(f"{source} lists no {kind}")
        return cls(kind, frozenset(values))

    @classmethod
    def from_file(cls, kind: str, path: str) -> Selector:
        try:
            text = Path(path).read_bytes().decode("utf-8-sig")  # a BOM is not part of line 1
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise UsageError(f"{path} is not UTF-8 text (byte {exc.start})") from exc
        return cls.from_lines(kind, text.splitlines(), source=path)

    def matches(self, table: pa.Table) -> list[bool]:
        """Per row of `table`: is it selected? Hosts also select their subdomains."""
        return [bool(v) for v in self.matched_values(table)]

    def matched_values(self, table: pa.Table) -> list[str | None]:
        """Per row of `table`: the selector value that selects it, or None."""
        values = table.column(self.column).to_pylist()
        if self.kind == "urls":
            return [_in(normal_url(v), self.values) if v is not None else None for v in values]
        if self.kind == "hosts":
            return [self._host_value(v.lower()) if v is not None else None for v in values]
        return [_in(v, self.values) for v in values]

    @functools.cached_property
    def _host_spellings(self) -> dict[str, str]:
        """Each host value as written and in its other IDNA form (bücher.example,
        xn--bcher-kva.example), to the value: the ledger keeps the form the URL had."""
        spellings = {}
        for host in self.values:
            spellings[host] = host
            # compared in A-label form: the ledger's host is mapped too (_host_value)
            spellings.setdefault(ascii_host(host).rstrip("."), host)
        return spellings

    def _host_value(self, host: str) -> str | None:
        # the ledger keeps the host as the URL had it (例え。テスト, ｂücher, NFD, mixed forms)
        host = ascii_host(host.rstrip(".")).rstrip(".")
        spellings = self._host_spellings
        if _is_ip(host):
            return spellings.get(host)  # 93.184.216.34 is not a subdomain of 216.34
        labels = host.split(".")
        for i in range(len(labels)):
            suffix = ".".join(labels[i:])
            if i and _is_ip(suffix):
                continue  # an IP address has no subdomains (10.192.168.0.1 is no host of it)
            value = spellings.get(suffix)
            if value is not None:
                return value
        return None

    def values_covering(self, matched: set[str]) -> set[str]:
        """The selector's values that select a row, given the `matched_values` of the rows:
        a host value also selects the rows credited to one of its subdomains listed too
        (case.example.com with www.case.example.com was counted as matching nothing)."""
        if self.kind != "hosts":
            return set(matched)
        ascii_of = {v: ascii_host(v).rstrip(".") for v in self.values}
        hits = {ascii_of[m] for m in matched}
        return {
            value
            for value, host in ascii_of.items()
            if host in hits
            or (not _is_ip(host) and any(h.endswith("." + host) and not _is_ip(h) for h in hits))
        }


def ascii_host(host: str) -> str:
    """The host's A-label form as browsers write it (the WHATWG URL Standard: UTS 46
    mapping, non-transitional, so faß.de is xn--fa-hia.de, not Python's IDNA 2003 fass.de;
    label by label, without IDNA 2008's label rules, so 💩.la is xn--ls8h.la and an
    underscore or '--' elsewhere in the host changes nothing); as written when unmappable."""
    if host.isascii():
        return host
    try:
        mapped = idna.uts46_remap(host, std3_rules=False, transitional=False)
        return ".".join(
            label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
            for label in mapped.split(".")
        )
    except (idna.IDNAError, UnicodeError):
        return host


def _in(value: str | None, values: frozenset[str]) -> str | None:
    return value if value is not None and value in values else None


def normal_url(url: str) -> str:
    """The URL as takedown compares it: scheme and host in lower case, no default port, no
    fragment, "/" for an empty path, path and query with their percent-escapes in one form
    (`transforms.urls.canonical_escapes`: a rights holder's `/%C3%A9t%C3%A9` is the crawler's
    `/été`). The rest is compared as written."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    if not parts.scheme or not parts.hostname:
        return url.strip()
    scheme = parts.scheme.lower()
    netloc = parts.hostname.rstrip(".")
    if not netloc.isascii():  # bücher.example is the xn--bcher-kva.example a crawler wrote
        netloc = ascii_host(netloc).rstrip(".")  # a trailing 。 is a trailing dot too
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if port is not None and _DEFAULT_PORTS.get(scheme) != port:
        netloc += f":{port}"
    if parts.username or parts.password:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    path, query = canonical_escapes(parts.path or "/"), canonical_escapes(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _host_problem(host: str) -> str | None:
    """Why a --hosts line is not a host name that can be taken down, or None."""
    if any(c in host for c in "/:*@ \t") and not _is_ip(host):
        return "not a host name (no scheme, port, path or wildcard; subdomains are included)"
    if _is_ip(host):
        return None
    # With the list's private section too: github.io and blogspot.com hold the sites of many
    # owners, as co.uk does. Names its wildcard rules make suffixes are refused as well:
    # us-west-1.compute.amazonaws.com holds many owners' hosts (an EC2 host name under
    # *.compute-1.amazonaws.com is one host, but the list cannot tell them apart).
    parts = _host_extractor()(host, include_psl_private_domains=True)
    if not parts.domain and parts.suffix:
        return "a public suffix: it would select every host under it"
    return None


@functools.lru_cache(maxsize=1)
def _host_extractor():
    from transforms.ai_detect import make_host_extractor

    return make_host_extractor()


# --- phase 1: find and prepare ----------------------------------------------------------------------
@dataclasses.dataclass
class ShardScan:
    """What the selector hits in one ledger shard."""

    name: str
    verdicts: pa.Table  # doc_id, decision, drop_reason of every row (for recounting)
    to_remove: set[str]  # kept documents: leave the corpus
    not_in_corpus: set[str]  # dropped or error documents: only their saved text goes
    already_removed: set[str]
    values_matched: set[str] = dataclasses.field(default_factory=set)

    @property
    def matched(self) -> int:
        return len(self.to_remove) + len(self.not_in_corpus) + len(self.already_removed)


def _name(entry: dict) -> str:
    return entry["path"].rsplit("/", 1)[-1]


def scan_ledger(store: OutputStore, manifest: dict, selector: Selector) -> list[ShardScan]:
    scans = []
    columns = ["doc_id", "decision", "drop_reason"]
    for entry in manifest["files"].get(LEDGER_DIR, []):
        name = _name(entry)
        table = store.read_shard(LEDGER_DIR, name, columns=[*columns, selector.column])
        hit = selector.matched_values(table)
        scan = ShardScan(name, table.select(columns), set(), set(), set())
        scan.values_matched = {v for v in hit if v is not None}
        for selected, doc_id, decision in zip(
            hit,
            table.column("doc_id").to_pylist(),
            table.column("decision").to_pylist(),
            strict=True,
        ):
            if not selected:
                continue
            if decision == KEPT:
                scan.to_remove.add(doc_id)
            elif decision == REMOVED:
                scan.already_removed.add(doc_id)
            else:
                scan.not_in_corpus.add(doc_id)
        scans.append(scan)
    return scans


def unmatched_values(selector: Selector, scans: list[ShardScan]) -> int:
    """Selector values that select no ledger row (a typo, or a page this run never read)."""
    matched = set().union(*(s.values_matched for s in scans)) if scans else set()
    return len(selector.values - selector.values_covering(matched))


def mark_removed(ledger: pa.Table, doc_ids: set[str]) -> pa.Table:
    """The ledger shard with those documents' decision set to removed (reason takedown)."""
    mask = pc.is_in(ledger.column("doc_id"), value_set=pa.array(sorted(doc_ids), pa.string()))
    for column, value in (("decision", REMOVED), ("drop_reason", TAKEDOWN_REASON)):
        index = ledger.schema.get_field_index(column)
        field = ledger.schema.field(index)
        current = ledger.column(index)
        updated = pc.if_else(mask, pa.scalar(value, field.type), current)
        ledger = ledger.set_column(index, field, updated)
    return ledger


def without(table: pa.Table, doc_ids: set[str]) -> pa.Table:
    mask = pc.invert(
        pc.is_in(table.column("doc_id"), value_set=pa.array(sorted(doc_ids), pa.string()))
    )
    return table.filter(mask)


def _negated(stats: dict) -> dict:
    return {
        k: _negated(v) if isinstance(v, dict) else -v
        for k, v in stats.items()
        if isinstance(v, dict) or (isinstance(v, (int, float)) and not isinstance(v, bool))
    }


def ledger_stats_fns() -> dict:
    """The run's per-shard stats functions, if the pipeline exposes them (additive counts)."""
    try:
        from pipeline import assembly
    except Exception:  # noqa: BLE001 - the audit tools work without the pipeline graph
        return {}
    provider = getattr(assembly, "ledger_stats_fns", None)
    try:
        fns = provider() if callable(provider) else {}
    except Exception:  # noqa: BLE001
        return {}
    return dict(fns) if isinstance(fns, dict) else {}


@dataclasses.dataclass(frozen=True)
class RewrittenShard:
    rows_in: int
    rows_out: int
    sha256: str  # "" when no row was left (and nothing was written)
    bytes: int


def parquet_compression(source: pq.ParquetFile) -> str:
    """The codec of `source`'s first column chunk, as ParquetWriter names it."""
    if not source.num_row_groups or not source.metadata.num_columns:
        return "zstd"
    codec = source.metadata.row_group(0).column(0).compression.lower()
    return {"uncompressed": "none", "lz4_raw": "lz4"}.get(codec, codec)


def rewrite_shard(
    store: OutputStore,
    kind: str,
    name: str,
    dest: str,
    change: Callable[[pa.Table], pa.Table],
    target: OutputStore | None = None,
) -> RewrittenShard:
    """Stream `kind/name` through `change`, one row group at a time, into `dest` of `target`
    (by default the same output), in the shard's own schema and codec. Nothing is written
    when no row is left.

    A run's shards hold up to --shard-size (50,000) ledger rows, so they are never read
    whole: memory stays near two row groups (a run writes 1,000 to 10,000 rows in each).
    """
    source = store.open_shard(kind, name)
    target = target or store
    shard = StreamedShard(
        target.path(dest),
        source.schema_arrow,
        parquet_compression(source),
        open_handle=lambda: target.open_output(dest),
    )
    rows_in = 0
    try:
        for index in range(source.num_row_groups):
            with naming_the_shard(kind, name):
                table = source.read_row_group(index)
            rows_in += table.num_rows
            shard.add(change(table))
        shard.finish()
    except BaseException:
        shard.abort()
        raise
    return RewrittenShard(rows_in, shard.rows, shard.sha256, shard.bytes)


class LedgerUpdate:
    """`change` for a ledger shard: applies `mark` (new decisions) and keeps, per row group,
    what the manifest needs (the verdicts, and the stats' difference)."""

    def __init__(self, mark: Callable[[pa.Table], pa.Table], stats_fns: dict):
        self.mark, self.stats_fns = mark, stats_fns
        self.verdicts: list[pa.Table] = []
        self.stats_delta: dict = {}

    def __call__(self, ledger: pa.Table) -> pa.Table:
        new_ledger = self.mark(ledger)
        for key, fn in self.stats_fns.items():  # additive: summed over shards by the run too
            delta = add_counts(_negated(fn(ledger)), fn(new_ledger))
            self.stats_delta[key] = add_counts(self.stats_delta.get(key, {}), delta)
        self.verdicts.append(new_ledger.select(["doc_id", "decision", "drop_reason"]))
        return new_ledger


class _Prepared:
    """Phase 1 state: new shards written to the transaction folder, and the steps to commit."""

    def __init__(self, store: OutputStore, txn: str):
        self.store = store
        self.txn = txn
        self.temp = f"{TEMP_DIR}/{txn}"
        self.moves: dict[str, list[dict]] = {CORPUS_DIR: [], DROPPED_DIR: [], LEDGER_DIR: []}
        self.deletes: list[str] = []
        self.entries: dict[tuple[str, str], dict | None] = {}  # new manifest entry, None: gone

    def rewrite(
        self, kind: str, name: str, change: Callable[[pa.Table], pa.Table]
    ) -> RewrittenShard:
        """The shard rewritten into the transaction folder; when no row is left, it is to be
        deleted instead (the writer never leaves empty corpus or dropped shards)."""
        temp = f"{self.temp}/{kind}/{name}"
        result = rewrite_shard(self.store, kind, name, temp, change)
        if not result.rows_out:
            self.deletes.append(f"{kind}/{name}")
            self.entries[(kind, name)] = None
            return result
        self.moves[kind].append({"op": "move", "src": temp, "dst": f"{kind}/{name}"})
        self.entries[(kind, name)] = {
            "path": f"{kind}/{name}",
            "rows": result.rows_out,
            "sha256": result.sha256,
            "bytes": result.bytes,
        }
        return result

    @property
    def changed(self) -> bool:
        return bool(self.entries)

    def affected(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for kind, name in sorted(self.entries):
            out.setdefault(kind, []).append(name)
        return out


def _holds_any(store: OutputStore, kind: str, name: str, doc_ids: set[str]) -> bool:
    ids = store.read_shard(kind, name, columns=["doc_id"]).column("doc_id")
    return bool(pc.any(pc.is_in(ids, value_set=pa.array(sorted(doc_ids), pa.string()))).as_py())


def prepare_takedown(
    store: OutputStore,
    selector: Selector,
    stats_fns: dict | None = None,
    now: float | None = None,
) -> tuple[dict | None, dict]:
    """Phase 1. Returns (journal, log entry); journal is None when nothing would change."""
    manifest = store.manifest()
    files = manifest["files"]
    corpus_names = {_name(e) for e in files.get(CORPUS_DIR, [])}
    dropped_names = {_name(e) for e in files.get(DROPPED_DIR, [])}
    scans = scan_ledger(store, manifest, selector)
    now = time.time() if now is None else now
    txn = TXN_PREFIX + time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + "-" + uuid.uuid4().hex[:8]
    prepared = _Prepared(store, txn)
    stats_fns = stats_fns or {}
    stats_delta: dict = {}
    totals: dict = {}
    removed_text = 0
    try:
        for scan in scans:
            verdicts = scan.verdicts
            if scan.to_remove:
                if scan.name not in corpus_names:
                    raise TakedownError(
                        f"ledger shard {scan.name} has kept documents but there is no corpus "
                        f"shard {CORPUS_DIR}/{scan.name}"
                    )
                corpus = prepared.rewrite(
                    CORPUS_DIR, scan.name, lambda t, ids=scan.to_remove: without(t, ids)
                )
                if corpus.rows_in - corpus.rows_out != len(scan.to_remove):
                    raise TakedownError(
                        f"{CORPUS_DIR}/{scan.name} holds {corpus.rows_in - corpus.rows_out} "
                        f"of the {len(scan.to_remove)} kept documents its ledger shard lists"
                    )
                update = LedgerUpdate(lambda t, ids=scan.to_remove: mark_removed(t, ids), stats_fns)
                prepared.rewrite(LEDGER_DIR, scan.name, update)
                for key, delta in update.stats_delta.items():
                    stats_delta[key] = add_counts(stats_delta.get(key, {}), delta)
                verdicts = pa.concat_tables(update.verdicts)
            selected = scan.to_remove | scan.not_in_corpus | scan.already_removed
            if (
                selected
                and scan.name in dropped_names
                and _holds_any(store, DROPPED_DIR, scan.name, selected)
            ):
                dropped = prepared.rewrite(
                    DROPPED_DIR, scan.name, lambda t, ids=selected: without(t, ids)
                )
                removed_text += dropped.rows_in - dropped.rows_out
            add_counts(totals, base_ledger_stats(verdicts))
    except BaseException:
        store.delete_tree(prepared.temp)
        raise
    entry = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "selector": selector.kind,
        "values": len(selector.values),
        "values_sha256": selector.fingerprint,
        "matched": sum(s.matched for s in scans),
        "values_unmatched": unmatched_values(selector, scans),
        "removed": sum(len(s.to_remove) for s in scans),
        "already_removed": sum(len(s.already_removed) for s in scans),
        "not_in_corpus": sum(len(s.not_in_corpus) for s in scans),
        "dropped_text_removed": removed_text,
        "affected_shards": prepared.affected(),
        "stats_recomputed": sorted(k for k in stats_delta if k in manifest.get("stats", {})),
    }
    if not prepared.changed:
        return None, entry
    new_manifest = updated_manifest(manifest, prepared.entries, totals, stats_delta, entry)
    store.write_bytes(f"{prepared.temp}/{MANIFEST}", json.dumps(new_manifest, indent=2).encode())
    steps = [{"op": "stash_success"}]
    steps += prepared.moves[CORPUS_DIR] + prepared.moves[DROPPED_DIR]
    steps += [{"op": "delete", "path": p} for p in prepared.deletes]
    steps += prepared.moves[LEDGER_DIR]  # the ledger last: until it changes, a rerun redoes all
    steps += [
        {"op": "delete", "path": REPORT_NAME},
        {"op": "move", "src": f"{prepared.temp}/{MANIFEST}", "dst": MANIFEST},
        {"op": "restore_success"},
    ]
    journal = {"txn": txn, "temp": prepared.temp, "steps": steps}
    store.write_bytes(f"{prepared.temp}/{JOURNAL}", json.dumps(journal, indent=1).encode())
    return journal, entry


def updated_manifest(
    manifest: dict,
    entries: dict[tuple[str, str], dict | None],
    totals: dict,
    stats_delta: dict,
    log_entry: dict,
    log_key: str = "takedowns",
) -> dict:
    """The manifest after the change: file list, counts and funnel recomputed, the entry
    appended to the manifest's `log_key` list."""
    new = json.loads(json.dumps(manifest))  # deep copy
    for kind in {k for k, _ in entries}:
        listed = {_name(e): e for e in new["files"].get(kind, [])}
        for (k, name), entry in entries.items():
            if k != kind:
                continue
            if entry is None:
                listed.pop(name, None)
            else:
                listed[name] = entry
        new["files"][kind] = [listed[n] for n in sorted(listed)]
    decisions = totals.get("decisions", {})
    drop_reasons = totals.get("drop_reasons", {})
    record_errors = totals.get("errors", {})
    counts = new["counts"]
    counts.update(
        ledger_rows=totals.get("ledger_rows", counts.get("ledger_rows", 0)),
        kept=decisions.get(KEPT, 0),
        dropped=decisions.get("dropped", 0),
        errors=decisions.get("error", 0),
        removed=decisions.get(REMOVED, 0),
        drop_reasons=dict(sorted(drop_reasons.items())),
    )
    log_entry["order"] = audit_order(new)
    new.setdefault(log_key, []).append(log_entry)
    taken_down = totals.get("removed", {})
    new["funnel"] = funnel(
        counts.get("responses", 0),
        {**drop_reasons, **record_errors, **taken_down},
        audit_events(new),
    )
    stats = new.setdefault("stats", {})
    for key, delta in stats_delta.items():
        if key in stats:
            add_counts(stats[key], delta, new_zeros=False)
    return new


# --- phase 2: commit -------------------------------------------------------------------------------
def _apply(store: OutputStore, temp: str, step: dict) -> None:
    op = step["op"]
    if op == "stash_success":
        if store.exists(SUCCESS):
            store.rename(SUCCESS, f"{temp}/{SUCCESS}")
    elif op == "restore_success":
        if store.exists(f"{temp}/{SUCCESS}"):
            store.rename(f"{temp}/{SUCCESS}", SUCCESS)
        elif not store.exists(SUCCESS):
            store.write_bytes(SUCCESS, b"")
    elif op == "move":
        if store.exists(step["src"]):
            store.rename(step["src"], step["dst"])
        elif not store.exists(step["dst"]):
            raise TakedownError(f"takedown {temp}: neither {step['src']} nor {step['dst']} exists")
    elif op == "delete":
        if store.exists(step["path"]):
            store.delete(step["path"])
    else:
        raise TakedownError(f"unknown journal step {op!r}")


def commit_takedown(store: OutputStore, journal: dict, max_steps: int | None = None) -> bool:
    """Phase 2 (repeatable). `max_steps` stops early, as a crash would; True when done."""
    steps = journal["steps"]
    for number, step in enumerate(steps):
        if max_steps is not None and number >= max_steps:
            return False
        _apply(store, journal["temp"], step)
    store.delete_tree(journal["temp"])
    store.remove_empty_folder(TEMP_DIR)
    return True


def pending_journals(store: OutputStore) -> list[dict]:
    """Journals of takedowns whose commit did not finish, oldest first."""
    journals = []
    for rel in store.list_files(TEMP_DIR, f"{TXN_PREFIX}*/{JOURNAL}"):
        journals.append(json.loads(store.read_bytes(rel)))
    return sorted(journals, key=lambda j: j["txn"])


def discard_unprepared(store: OutputStore) -> int:
    """Remove transaction folders a crash left before their journal was written (the live
    output was never touched); returns how many there were."""
    with_journal = {j["temp"] for j in pending_journals(store)}
    folders = {"/".join(rel.split("/")[:2]) for rel in store.list_files(TEMP_DIR, f"{TXN_PREFIX}*")}
    unprepared = sorted(folders - with_journal)
    for folder in unprepared:
        store.delete_tree(folder)
    store.remove_empty_folder(TEMP_DIR)
    return len(unprepared)


def resume(store: OutputStore, out=sys.stderr) -> int:
    """Finish every interrupted takedown; returns how many there were."""
    journals = pending_journals(store)
    for journal in journals:
        print(f"takedown: finishing interrupted {journal['txn']}", file=out)
        commit_takedown(store, journal)
    return len(journals)


def apply_takedown(
    store: OutputStore, selector: Selector, stats_fns: dict | None = None
) -> dict | None:
    """Prepare and commit one takedown; the log entry, or None when nothing changed."""
    journal, entry = prepare_takedown(store, selector, stats_fns)
    if journal is None:
        return None
    commit_takedown(store, journal)
    return entry


def describe(entry: dict) -> str:
    shards = ", ".join(f"{kind} {len(names)}" for kind, names in entry["affected_shards"].items())
    return (
        f"takedown ({entry['selector']}, {entry['values']} values): {entry['matched']} ledger "
        f"rows matched; {entry['removed']} removed from the corpus, "
        f"{entry['already_removed']} already removed, {entry['not_in_corpus']} were not in the "
        f"corpus ({entry['dropped_text_removed']} saved dropped texts deleted); "
        f"shards rewritten: {shards or 'none'}"
        + _unmatched_note(entry.get("values_unmatched", 0), entry["values"])
    )


def _unmatched_note(unmatched: int, values: int) -> str:
    return f"; {unmatched} of the {values} values matched no ledger row" if unmatched else ""


def takedown_command(args) -> int:
    store = OutputStore.from_args(args)
    if args.dry_run and pending_journals(store):
        raise UsageError(
            f"{store.root} has an unfinished takedown: finish it with `ccprov takedown "
            f"{store.root} --resume` first (a dry run changes nothing)"
        )
    finished = resume(store)
    if args.resume:
        discarded = discard_unprepared(store)
        if discarded:
            print(
                f"takedown: removed {discarded} takedown(s) cut short before their commit "
                "(the output was not changed by them)",
                file=sys.stderr,
            )
        elif not finished:
            print("takedown: nothing to resume", file=sys.stderr)
        return 0
    store.require_finished()
    discard_unprepared(store)
    kind = next(k for k in SELECTOR_COLUMNS if getattr(args, k) is not None)
    selector = Selector.from_file(kind, getattr(args, kind))
    if args.dry_run:
        scans = scan_ledger(store, store.manifest(), selector)
        print(
            f"dry run: {sum(s.matched for s in scans)} ledger rows match; "
            f"{sum(len(s.to_remove) for s in scans)} would leave the corpus "
            f"({sum(1 for s in scans if s.to_remove)} shards)"
            + _unmatched_note(unmatched_values(selector, scans), len(selector.values))
        )
        return 0
    try:
        journal, entry = prepare_takedown(store, selector, ledger_stats_fns())
    except TakedownError as exc:
        raise UsageError(f"takedown refused, output unchanged: {exc}") from exc
    if journal is None:
        print(f"nothing to change: {describe(entry)}")
        return 0
    had_report = store.exists(REPORT_NAME)
    commit_takedown(store, journal)
    print(describe(entry))
    if had_report:
        print(f"{REPORT_NAME} was stale and has been removed: run `ccprov report` again")
    return 0
