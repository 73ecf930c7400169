"""`ccprov report OUTPUT`: one self-contained HTML page describing a finished run.

Numbers come from two places: the manifest (counts and funnel, exactly as the run wrote
them) and SQL over the ledger (licence, AI, dedup, language and host breakdowns), read with
column projection so the corpus text is never loaded. Sections whose columns a run does not
have (licensing, AI or dedup stages not present in that version) say so instead of failing.
Charts are inline SVG; the page has no scripts and loads nothing.
"""

from __future__ import annotations

import html
import json
import os
import sys
import time
from collections.abc import Sequence

from pipeline.audit import charts
from pipeline.audit.query import open_views
from pipeline.audit.store import OutputStore
from pipeline.errors import UsageError
from transforms.writer import stage_of

REPORT_NAME = "report.html"
NOT_AVAILABLE = "not available in this run"
TOP_HOSTS = 25
TOP_ROWS = 15
AI_BINS = 20

# Licensing columns that are signals (counted as shares) when present; the licensing schema
# may add more: every boolean column it declares is counted too.
SIGNAL_COLUMNS = (
    "tdm_reservation",
    "noai",
    "noimageai",
    "all_rights_reserved",
    "license_conflict",
    "copyright_notice",
    "tdm_policy",
    "content_usage",
    "robots_content_usage",
)
SIGNAL_PREFIXES = ("robots", "content_usage")
HOST_SCORE_COLUMNS = ("host_ai_score", "ai_score_mean", "mean_ai_score", "ai_score")
HOST_COUNT_COLUMNS = ("host_doc_count", "doc_count", "documents", "docs", "count", "n")
INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")


# --- small helpers --------------------------------------------------------------------------------
def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def num(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.3f}"
    return f"{value:,}"


def pct(part: int, whole: int) -> str:
    return charts.nice_percent(part, whole)


def table_html(
    headers: Sequence[str], rows: Sequence[Sequence], table_id: str | None = None, numeric=None
) -> str:
    """A plain table; cells are escaped unless they are marked safe by a `Safe` wrapper."""
    numeric = set(numeric or ())
    head = "".join(
        f'<th class="num">{esc(h)}</th>' if i in numeric else f"<th>{esc(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            text = cell.html if isinstance(cell, Safe) else esc(num(cell) if i in numeric else cell)
            cells.append(f'<td class="num">{text}</td>' if i in numeric else f"<td>{text}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    ident = f' id="{table_id}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class Safe:
    """Already-escaped HTML for a table cell."""

    def __init__(self, markup: str):
        self.html = markup


def unavailable(what: str) -> str:
    return f'<p class="na">{esc(what)}: {NOT_AVAILABLE}.</p>'


def _not_reached(sql: LedgerSQL, column: str, what: str) -> str:
    """The stage's column is there but empty: the stage ran and no document reached it
    (all dropped before), which "not available" misstated."""
    if not sql.has(column):
        return unavailable(what)
    return f'<p class="na">{esc(what)}: no document reached this stage in this run.</p>'


def figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>"


def section(ident: str, title: str, body: str) -> str:
    return f'<section id="{ident}"><h2>{esc(title)}</h2>{body}</section>'


# --- reading the ledger ---------------------------------------------------------------------------
class LedgerSQL:
    """The views of one output and their column types; small helpers around DuckDB."""

    def __init__(self, store: OutputStore):
        failed: dict[str, str] = {}
        # The report reads the ledger and hosts/: a damaged corpus shard does not stop it.
        self.con = open_views(store, failed=failed)
        if "provenance" in failed:
            raise UsageError(f"report: the ledger cannot be read: {failed['provenance']}")
        if "hosts" in failed:  # the host figures fall back to the ledger: say why
            print(
                f"ccprov report: hosts/ cannot be read ({failed['hosts']}): the host figures "
                "come from the ledger",
                file=sys.stderr,
            )
        self.types = self._types("provenance")
        self.host_types = self._types("hosts")

    def _types(self, view: str) -> dict[str, str]:
        try:
            return {name: kind for name, kind, *_ in self.con.sql(f"DESCRIBE {view}").fetchall()}
        except Exception:  # noqa: BLE001 - the view does not exist in this run
            return {}

    def has(self, *columns: str) -> bool:
        return all(c in self.types for c in columns)

    def has_values(self, column: str) -> bool:
        """The column exists and some row has a value (the stage ran in this run)."""
        if column not in self.types:
            return False
        return self.rows(f"SELECT count({quote_ident(column)}) FROM provenance")[0][0] > 0

    def rows(self, sql: str, params: Sequence | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def close(self) -> None:
        self.con.close()


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- sections -------------------------------------------------------------------------------------
def run_section(manifest: dict, root: str) -> str:
    inputs = manifest.get("inputs", [])
    shown = "".join(f"<li><code>{esc(p)}</code></li>" for p in inputs[:10])
    more = f"<li>… and {len(inputs) - 10:,} more</li>" if len(inputs) > 10 else ""
    facts = [
        ("output", root),
        ("run id", manifest.get("run_id")),
        ("pipeline version", manifest.get("pipeline_version")),
        ("config hash", manifest.get("config_hash")),
        ("started", manifest.get("started_at")),
        ("finished", manifest.get("finished_at")),
        ("input files", f"{manifest.get('counts', {}).get('input_files', len(inputs)):,}"),
    ]
    dl = "".join(f"<dt>{esc(k)}</dt><dd><code>{esc(v)}</code></dd>" for k, v in facts)
    config = json.dumps(manifest.get("config", {}), indent=2, sort_keys=True)
    # Outputs written before the manifest recorded its software have no such field.
    software = manifest.get("software")
    software_html = (
        "<details><summary>software</summary><ul>"
        + "".join(
            f"<li><code>{esc(name)} {esc(version or 'not installed')}</code></li>"
            for name, version in software.items()
        )
        + "</ul></details>"
        if software
        else ""
    )
    return section(
        "run",
        "Run",
        f"<dl>{dl}</dl><details><summary>inputs</summary><ul>{shown}{more}</ul></details>"
        f"<details><summary>effective configuration</summary><pre>{esc(config)}</pre></details>"
        f"{software_html}",
    )


def summary_section(manifest: dict, decisions: dict[str, int]) -> str:
    counts = manifest.get("counts", {})
    responses = counts.get("responses", 0)
    file_errors = len(manifest.get("file_errors") or [])  # no ledger row: not in the count
    tiles = [
        ("records read", counts.get("records_read", 0), "all WARC records"),
        ("responses", responses, "one ledger row each"),
        (
            "kept",
            decisions.get("kept", counts.get("kept", 0)),
            pct(counts.get("kept", 0), responses),
        ),
        ("dropped", decisions.get("dropped", 0), pct(decisions.get("dropped", 0), responses)),
        (
            "errors",
            decisions.get("error", 0),
            f"unreadable records; + {file_errors:,} file errors"
            if file_errors
            else "unreadable records",
        ),
        ("removed", decisions.get("removed", 0), "by takedowns"),
    ]
    cells = "".join(
        f'<div class="tile" data-count="{esc(name)}"><div class="big">{num(value)}</div>'
        f"<div>{esc(name)}</div><small>{esc(note)}</small></div>"
        for name, value, note in tiles
    )
    by_type = ", ".join(f"{k} {v:,}" for k, v in counts.get("records_by_type", {}).items())
    return section(
        "summary",
        "Summary",
        f'<div class="tiles">{cells}</div><p class="note">WARC records by type: {esc(by_type)}</p>',
    )


def funnel_section(manifest: dict) -> str:
    counts = manifest.get("counts", {})
    stages = manifest.get("funnel", [])
    svg = charts.funnel_chart(counts.get("records_read", 0), counts.get("responses", 0), stages)
    rows = [
        f'<tr data-stage="{esc(s["stage"])}"><td>{esc(s["stage"])}</td>'
        f'<td class="num">{num(s["in"])}</td><td class="num">{num(s["removed"])}</td>'
        f'<td class="num">{num(s["out"])}</td><td class="num">{pct(s["removed"], s["in"])}</td></tr>'
        for s in stages
    ]
    table = (
        '<table id="funnel-table"><thead><tr><th>step</th><th class="num">in</th>'
        '<th class="num">removed</th><th class="num">out</th><th class="num">removed %</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return section(
        "funnel",
        "Funnel",
        figure(svg, "Records remaining after each step; red: removed by that step.") + table,
    )


def drops_section(sql: LedgerSQL) -> str:
    rows = sql.rows(
        "SELECT drop_reason, decision, count(*) AS n FROM provenance "
        "WHERE drop_reason IS NOT NULL GROUP BY ALL ORDER BY n DESC, drop_reason"
    )
    if not rows:
        return section("drops", "Drop reasons", "<p>No document was dropped.</p>")
    top = rows[:TOP_ROWS]
    svg = charts.hbar_chart(
        [r[0] for r in top],
        {"documents": [r[2] for r in top]},
        "Most frequent drop reasons",
        colors=[charts.RED],
    )
    table = table_html(
        ["reason", "stage", "decision", "documents"],
        [(r[0], stage_of(r[0]), r[1], r[2]) for r in rows],
        table_id="drops-table",
        numeric=[3],
    )
    return section("drops", "Drop reasons", figure(svg, "Top drop reasons.") + table)


def _signal_counts(sql: LedgerSQL, not_evaluated: list[str]) -> list[tuple[str, int, int]]:
    """(signal, documents with it, kept documents with it) for every opt-out/rights signal;
    signals whose column is empty in every row are appended to `not_evaluated`."""
    try:
        from schemas.licensing import LEDGER_FIELDS

        declared = [f.name for f in LEDGER_FIELDS]
    except ImportError:  # pragma: no cover - schemas always ship
        declared = []
    robots = [c for c in sql.types if c.startswith(SIGNAL_PREFIXES)]
    names = [c for c in dict.fromkeys([*SIGNAL_COLUMNS, *declared, *robots]) if c in sql.types]
    out: list[tuple[str, int, int]] = []
    for name in names:
        kind = sql.types[name]
        col = quote_ident(name)
        if not sql.rows(f"SELECT count({col}) FROM provenance")[0][0]:
            if name in SIGNAL_COLUMNS or name.startswith(SIGNAL_PREFIXES):
                # the stage did not look for this signal in this run (licence, holder and
                # the like are not signals: an empty one says nothing about opt-outs)
                not_evaluated.append(name)
            continue
        allows = name.startswith("robots_allow")  # a robots verdict: the signal is a disallow
        if kind == "BOOLEAN":
            condition = f"NOT {col}" if allows else f"{col}"
            name = f"{name} = false (disallowed)" if allows else name
        elif kind in INTEGER_TYPES:
            condition = f"{col} <> 0"
        elif kind == "VARCHAR" and name in SIGNAL_COLUMNS:
            condition = f"{col} IS NOT NULL AND lower(trim({col})) NOT IN ('', '0', 'false', 'no')"
        elif kind == "VARCHAR[]":  # a list of named signals: count each name
            for value, n, kept in sql.rows(
                f"SELECT v, count(*), count(*) FILTER (WHERE decision = 'kept') "
                f"FROM (SELECT unnest({col}) AS v, decision FROM provenance) "
                f"GROUP BY 1 ORDER BY 2 DESC, 1"
            ):
                out.append((f"{name}: {value}", n, kept))
            continue
        elif kind.startswith("MAP(VARCHAR, BOOLEAN)"):
            value = "NOT e.value" if allows else "e.value"
            for key, n, kept in sql.rows(
                f"SELECT e.key, count(*) FILTER (WHERE {value}), "
                f"count(*) FILTER (WHERE {value} AND decision = 'kept') "
                f"FROM (SELECT unnest(map_entries({col})) AS e, decision FROM provenance) "
                f"GROUP BY 1 ORDER BY 1"
            ):
                out.append(
                    (f"{name}[{key}]" + (" = false (disallowed)" if allows else ""), n, kept)
                )
            continue
        else:
            continue
        n, kept = sql.rows(
            f"SELECT count(*) FILTER (WHERE {condition}), "
            f"count(*) FILTER (WHERE ({condition}) AND decision = 'kept') FROM provenance"
        )[0]
        out.append((name, n, kept))
    return out


def licensing_section(sql: LedgerSQL, responses: int, kept_total: int) -> str:
    if not sql.has_values("license_class"):
        return section(
            "licensing",
            "Licences and opt-outs",
            _not_reached(sql, "license_class", "Licence tagging"),
        )
    classes = sql.rows(
        "SELECT coalesce(license_class, '(not tagged)') AS c, "
        "count(*) FILTER (WHERE decision = 'kept') AS kept, "
        "count(*) FILTER (WHERE decision <> 'kept') AS other "
        "FROM provenance GROUP BY 1 ORDER BY kept + other DESC, c"
    )
    labels = [c[0] for c in classes]
    svg = charts.hbar_chart(
        labels,
        {"kept": [c[1] for c in classes], "dropped, error or removed": [c[2] for c in classes]},
        "Licence class of the page text",
        colors=[charts.GREEN, charts.GREY],
    )
    class_table = table_html(
        ["licence class", "kept", "% of kept", "all responses", "% of responses"],
        [(c, k, pct(k, kept_total), k + o, pct(k + o, responses)) for c, k, o in classes],
        table_id="license-class-table",
        numeric=[1, 2, 3, 4],
    )
    body = figure(svg, "Licence classes: kept documents and the rest.") + class_table
    if sql.has("license"):
        ids = sql.rows(
            "SELECT license, count(*) FILTER (WHERE decision = 'kept'), count(*) FROM provenance "
            f"WHERE license IS NOT NULL GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT {TOP_ROWS}"
        )
        body += "<h3>Licences found</h3>" + (
            table_html(["licence", "kept", "all"], ids, numeric=[1, 2])
            if ids
            else "<p>No page in this run declares a licence for its text.</p>"
        )
    not_evaluated: list[str] = []
    signals = _signal_counts(sql, not_evaluated)
    body += "<h3>Opt-out and rights signals</h3>"
    if signals:
        body += table_html(
            ["signal", "responses", "% of responses", "kept", "% of kept"],
            [(s, n, pct(n, responses), k, pct(k, kept_total)) for s, n, k in signals],
            table_id="signals-table",
            numeric=[1, 2, 3, 4],
        )
    else:
        body += unavailable("Opt-out signals")
    if not_evaluated:
        body += (
            '<p class="note" id="signals-not-evaluated">Empty in every row (no page carried '
            f"the signal, or the run did not look for it): {esc(', '.join(not_evaluated))}.</p>"
        )
    return section("licensing", "Licences and opt-outs", body)


def _host_ai_rows(sql: LedgerSQL) -> tuple[list[tuple], str]:
    """Top hosts by host AI score: from OUTPUT/hosts when it has the columns, else the ledger."""
    types = sql.host_types
    key = (
        "host"
        if "host" in types
        else next(
            (c for c, t in types.items() if t == "VARCHAR" and ("host" in c or "domain" in c)), None
        )
    )
    score = next((c for c in HOST_SCORE_COLUMNS if c in types), None)
    count = next((c for c in HOST_COUNT_COLUMNS if c in types and types[c] in INTEGER_TYPES), None)
    if key and score:
        count_expr = quote_ident(count) if count else "NULL"
        rows = sql.rows(
            f"SELECT {quote_ident(key)}, {quote_ident(score)}, {count_expr} FROM hosts "
            f"WHERE {quote_ident(score)} IS NOT NULL "
            f"ORDER BY 2 DESC, 3 DESC NULLS LAST, 1 LIMIT {TOP_ROWS}"
        )
        return rows, "OUTPUT/hosts"
    if sql.has("host_ai_score", "host"):
        # The AI stage keys hosts by registered domain (ai_host) when it records one.
        host = "ai_host" if sql.has("ai_host") else "host"
        rows = sql.rows(
            f"SELECT {host}, max(host_ai_score), count(*) FROM provenance "
            f"WHERE host_ai_score IS NOT NULL GROUP BY {host} "
            f"ORDER BY 2 DESC, 3 DESC, 1 LIMIT {TOP_ROWS}"
        )
        return rows, "the ledger's host_ai_score"
    return [], ""


def _ai_threshold(config: dict) -> float | None:
    for key, value in config.items():
        if key.lower().startswith("ai") and isinstance(value, dict):
            for name in ("threshold", "ai_threshold"):
                if isinstance(value.get(name), (int, float)):
                    return float(value[name])
    return None


def ai_section(sql: LedgerSQL, manifest: dict) -> str:
    if not sql.has_values("ai_score"):
        return section("ai", "AI-generated text", _not_reached(sql, "ai_score", "AI-text scores"))
    scored, kept_scored, mean = sql.rows(
        "SELECT count(ai_score), count(ai_score) FILTER (WHERE decision = 'kept'), "
        "avg(ai_score) FROM provenance"
    )[0]
    body = (
        f"<p>{num(scored)} documents scored ({num(kept_scored)} kept); mean score {num(mean)}.</p>"
    )
    if scored:
        bins = sql.rows(
            f"SELECT least(floor(ai_score * {AI_BINS}), {AI_BINS - 1})::INTEGER AS b, "
            "count(*) FILTER (WHERE decision = 'kept'), count(*) FILTER (WHERE decision <> 'kept') "
            "FROM provenance WHERE ai_score IS NOT NULL GROUP BY 1 ORDER BY 1"
        )
        kept_counts, other_counts = [0] * AI_BINS, [0] * AI_BINS
        for b, k, o in bins:
            b = max(0, min(AI_BINS - 1, int(b)))
            kept_counts[b] += k
            other_counts[b] += o
        edges = [i / AI_BINS for i in range(AI_BINS + 1)]
        svg = charts.histogram_chart(
            edges,
            {"kept": kept_counts, "dropped or removed": other_counts},
            "AI score histogram",
            "ai_score (probability the text is machine-generated)",
            threshold=_ai_threshold(manifest.get("config", {})),
        )
        body += figure(svg, f"Distribution of ai_score over {AI_BINS} bins.")
    if sql.has("ai_markers") and sql.types["ai_markers"].endswith("[]"):
        marked = sql.rows("SELECT count(*) FROM provenance WHERE len(ai_markers) > 0")[0][0]
        noun = "document contains" if marked == 1 else "documents contain"
        body += f"<p>{num(marked)} {noun} assistant marker phrases.</p>"
    hosts, source = _host_ai_rows(sql)
    body += "<h3>Hosts with the highest AI score</h3>"
    if hosts:
        svg = charts.hbar_chart(
            [str(h[0]) for h in hosts],
            {"host AI score": [float(h[1]) for h in hosts]},
            "Top hosts by host AI score",
            xlabel="mean ai_score of the host's documents",
            colors=[charts.ORANGE],
            value_format="{:.2f}",
        )
        body += figure(svg, f"Top hosts by mean AI score (from {source}).") + table_html(
            ["host", "host AI score", "documents"], hosts, table_id="ai-hosts-table", numeric=[1, 2]
        )
    else:
        body += unavailable("Host AI scores")
    return section("ai", "AI-generated text", body)


def dedup_section(sql: LedgerSQL) -> str:
    if not sql.has("dedup_cluster"):
        return section("dedup", "Near-duplicates", unavailable("Deduplication"))
    size_expr = (
        "greatest(max(coalesce(dedup_cluster_size, 0)), count(*))"
        if sql.has("dedup_cluster_size")
        else "count(*)"
    )
    clusters = sql.rows(
        f"SELECT dedup_cluster, {size_expr} AS size FROM provenance "
        "WHERE dedup_cluster IS NOT NULL GROUP BY 1"
    )
    drops = dict(
        sql.rows(
            "SELECT drop_reason, count(*) FROM provenance "
            "WHERE drop_reason IN ('exact_duplicate', 'near_duplicate') GROUP BY 1"
        )
    )
    body = (
        f"<p>{num(len(clusters))} duplicate clusters; dropped as exact duplicates: "
        f"{num(drops.get('exact_duplicate', 0))}, as near duplicates: "
        f"{num(drops.get('near_duplicate', 0))}.</p>"
    )
    if not clusters:
        return section(
            "dedup", "Near-duplicates", body + "<p>No duplicate clusters in this run.</p>"
        )
    buckets: dict[str, int] = {}
    order: dict[str, int] = {}
    for _, size in clusters:
        label = charts.size_bucket(int(size))
        buckets[label] = buckets.get(label, 0) + 1
        order[label] = min(order.get(label, int(size)), int(size))
    labels = sorted(buckets, key=order.get)
    svg = charts.count_bars_chart(
        labels, [buckets[x] for x in labels], "Cluster size histogram", "cluster size", "clusters"
    )
    largest = sql.rows(
        f"SELECT c.dedup_cluster, c.size, p.url FROM (SELECT dedup_cluster, {size_expr} AS size "
        "FROM provenance WHERE dedup_cluster IS NOT NULL GROUP BY 1) c "
        "LEFT JOIN provenance p ON p.doc_id = c.dedup_cluster "
        "ORDER BY c.size DESC, c.dedup_cluster LIMIT 10"
    )
    body += figure(svg, "Number of clusters per size (members, representative included).")
    body += "<h3>Largest clusters</h3>" + table_html(
        ["cluster (representative doc_id)", "size", "representative URL"],
        largest,
        table_id="clusters-table",
        numeric=[1],
    )
    return section("dedup", "Near-duplicates", body)


def languages_section(sql: LedgerSQL) -> str:
    rows = sql.rows(
        "SELECT coalesce(language, '(none)') AS lang, count(*) FILTER (WHERE decision = 'kept'), "
        "count(*) FROM provenance GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1"
    )
    top = rows[:TOP_ROWS]
    svg = charts.hbar_chart(
        [r[0] for r in top],
        {"kept": [r[1] for r in top], "not kept": [r[2] - r[1] for r in top]},
        "Languages",
        colors=[charts.GREEN, charts.GREY],
    )
    table = table_html(
        ["language", "kept", "all responses"], rows, table_id="languages-table", numeric=[1, 2]
    )
    return section(
        "languages", "Languages", figure(svg, "Documents per identified language.") + table
    )


def hosts_section(sql: LedgerSQL) -> str:
    extra = ", avg(ai_score) FILTER (WHERE decision = 'kept')" if sql.has("ai_score") else ""
    hosts = sql.rows(
        "SELECT coalesce(host, '(no host)'), count(*), count(*) FILTER (WHERE decision = 'kept'), "
        "count(*) FILTER (WHERE decision = 'dropped'), count(*) FILTER (WHERE decision = 'error'), "
        f"count(*) FILTER (WHERE decision = 'removed'){extra} FROM provenance "
        f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {TOP_HOSTS}"
    )
    mixes: dict[str, list[tuple[str, int]]] = {}
    if sql.has("license_class") and hosts:
        names = [h[0] for h in hosts]
        for host, cls, n in sql.rows(
            "SELECT coalesce(host, '(no host)') AS h, coalesce(license_class, '(not tagged)'), "
            "count(*) FROM provenance WHERE decision = 'kept' AND h IN "
            "(SELECT unnest($1::VARCHAR[])) GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2",
            [names],
        ):
            mixes.setdefault(host, []).append((cls, n))
    headers = ["host", "responses", "kept", "dropped", "errors", "removed"]
    if extra:
        headers.append("mean AI score (kept)")
    headers.append("licence mix of kept documents")
    rows = []
    for host in hosts:
        row = list(host)
        if sql.has("license_class"):
            parts = mixes.get(host[0], [])
            text = ", ".join(f"{c} {n:,}" for c, n in parts) or "–"
            row.append(Safe(charts.share_bar_html(parts, host[2]) + f" <small>{esc(text)}</small>"))
        else:
            row.append(NOT_AVAILABLE)
        rows.append(row)
    numeric = [1, 2, 3, 4, 5] + ([6] if extra else [])
    return section(
        "hosts",
        f"Largest hosts (top {TOP_HOSTS} by responses)",
        table_html(headers, rows, table_id="hosts-table", numeric=numeric),
    )


def _stats_html(value, depth: int = 0) -> str:
    if isinstance(value, dict):
        if all(not isinstance(v, (dict, list)) for v in value.values()):
            rows = "".join(
                f'<tr><td>{esc(k)}</td><td class="num">{esc(num(v))}</td></tr>'
                for k, v in value.items()
            )
            return f'<table class="compact">{rows}</table>'
        parts = "".join(
            f"<details{' open' if depth == 0 else ''}><summary>{esc(k)}</summary>"
            f"{_stats_html(v, depth + 1)}</details>"
            for k, v in value.items()
        )
        return parts
    return f"<code>{esc(json.dumps(value))}</code>"


def stats_section(manifest: dict) -> str:
    stats = manifest.get("stats") or {}
    body = _stats_html(stats) if stats else "<p>The stages of this run recorded no statistics.</p>"
    return section("stats", "Stage statistics (manifest)", body)


FILE_ERRORS_SHOWN = 100


def record_errors(sql: LedgerSQL) -> dict[str, int]:
    """Ledger rows with decision `error`, by reason."""
    return dict(
        sql.rows("SELECT drop_reason, count(*) FROM provenance WHERE decision = 'error' GROUP BY 1")
    )


def errors_section(manifest: dict, record_errors: dict[str, int]) -> str:
    """Error kinds (ledger rows with decision `error`, `record_errors`, and file errors) and
    the file-level problems, which have no ledger row: input files, or stretches of them,
    that gave no record."""
    counts = manifest.get("counts", {})
    kinds = dict(counts.get("error_kinds") or {})
    for kind, n in record_errors.items():
        kinds[kind] = max(kinds.get(kind, 0), n)
    file_errors = manifest.get("file_errors") or []
    if not kinds and not file_errors:
        return section("errors", "Errors", "<p>Every input record was read.</p>")
    kind_rows = [  # error_kinds counts every file error; the manifest lists a capped number
        (kind, record_errors.get(kind, 0), n - record_errors.get(kind, 0))
        for kind, n in sorted(kinds.items(), key=lambda item: (-item[1], item[0]))
    ]
    listed = len(file_errors)
    total = sum(row[2] for row in kind_rows)
    body = table_html(
        ["kind", "ledger rows (decision error)", "file errors (no ledger row)"],
        kind_rows,
        table_id="error-kinds-table",
        numeric=[1, 2],
    )
    if file_errors:
        shown = file_errors[:FILE_ERRORS_SHOWN]
        body += table_html(
            ["file", "offset", "kind", "message"],
            [(e.get("warc_path"), e.get("offset"), e.get("kind"), e.get("message")) for e in shown],
            table_id="file-errors-table",
            numeric=[1],
        )
        if total > len(shown):
            where = (
                "all are in manifest.json's <code>file_errors</code>"
                if listed >= total
                else f"manifest.json's <code>file_errors</code> lists the first {num(listed)}"
            )
            body += (
                f'<p class="note">The first {len(shown)} of {num(total)} file errors; {where}.</p>'
            )
    return section("errors", "Errors", body)


def takedowns_section(manifest: dict) -> str:
    log = manifest.get("takedowns") or []
    if not log:
        return section("takedowns", "Takedowns", "<p>No takedown has been applied.</p>")
    rows = [
        (
            entry.get("time"),
            entry.get("selector"),
            entry.get("values"),
            entry.get("matched"),
            entry.get("removed"),
            entry.get("values_unmatched"),
            entry.get("already_removed"),
            entry.get("not_in_corpus"),
            ", ".join(
                f"{kind}: {len(names)}" for kind, names in entry.get("affected_shards", {}).items()
            ),
        )
        for entry in log
    ]
    return section(
        "takedowns",
        "Takedowns",
        table_html(
            [
                "time",
                "selector",
                "values",
                "ledger rows matched",
                "removed from corpus",
                "values matching nothing",
                "already removed",
                "not in the corpus",
                "shards",
            ],
            rows,
            table_id="takedowns-table",
            numeric=[2, 3, 4, 5, 6, 7],
        ),
    )


def selections_section(manifest: dict) -> str:
    log = manifest.get("selections") or []
    if not log:
        return section(
            "selections",
            "Selections",
            "<p>A run's own output: no <code>ccprov select</code> made it.</p>",
        )
    rows = [
        (
            entry.get("time"),
            entry.get("source"),
            "; ".join(f"{k}={json.dumps(v)}" for k, v in (entry.get("criteria") or {}).items()),
            entry.get("kept_before"),
            ", ".join(f"{r}: {n}" for r, n in (entry.get("deselected") or {}).items()),
            entry.get("kept_after"),
        )
        for entry in log
    ]
    return section(
        "selections",
        "Selections",
        table_html(
            ["time", "source", "criteria", "kept before", "deselected", "kept after"],
            rows,
            table_id="selections-table",
            numeric=[3, 5],
        ),
    )


MAX_LISTED_SHARDS = 200  # per kind, in the Files section


def files_section(manifest: dict) -> str:
    files = manifest.get("files", {})
    rows, details = [], []
    for kind, entries in files.items():
        rows.append(
            (kind, len(entries), sum(e["rows"] for e in entries), sum(e["bytes"] for e in entries))
        )
        if entries:
            # A crawl's output has a shard per input file: 20,000 rows made a 7 MB page.
            shown = entries[:MAX_LISTED_SHARDS]
            more = len(entries) - len(shown)
            details.append(
                f"<details><summary>{esc(kind)} shards</summary>"
                + table_html(
                    ["path", "rows", "bytes", "sha256"],
                    [(e["path"], e["rows"], e["bytes"], e["sha256"]) for e in shown],
                    numeric=[1, 2],
                )
                + (
                    f'<p class="note">and {more:,} more: manifest.json lists every shard</p>'
                    if more
                    else ""
                )
                + "</details>"
            )
    return section(
        "files",
        "Files",
        table_html(["kind", "shards", "rows", "bytes"], rows, numeric=[1, 2, 3]) + "".join(details),
    )


# --- the page -------------------------------------------------------------------------------------
CSS = """
:root{--fg:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#fff;--accent:#3a6ea5}
*{box-sizing:border-box}
body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,"DejaVu Sans",Helvetica,Arial,sans-serif;
color:var(--fg);background:var(--bg);margin:0}
header{background:#102a43;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#bcccdc}
nav{padding:8px 32px;border-bottom:1px solid var(--line);font-size:13px}
nav a{margin-right:14px;color:var(--accent);text-decoration:none}
main{padding:8px 32px 48px;max-width:1200px}
section{margin:28px 0;border-top:1px solid var(--line)}
h2{font-size:18px;margin:16px 0 10px}h3{font-size:15px;margin:18px 0 8px}
figure{margin:8px 0 12px}figure svg{max-width:100%;height:auto}
figcaption{color:var(--muted);font-size:12px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:3px 10px;text-align:left;vertical-align:top}
th{background:#f5f7fa}.num{text-align:right;font-variant-numeric:tabular-nums}
table.compact td{padding:1px 8px}
.tiles{display:flex;flex-wrap:wrap;gap:12px}
.tile{border:1px solid var(--line);border-radius:6px;padding:10px 16px;min-width:140px}
.tile .big{font-size:24px;font-weight:600}.tile small{color:var(--muted)}
.na{color:var(--muted);font-style:italic}.note{color:var(--muted)}
.mix{display:inline-flex;width:160px;height:10px;background:#f0f2f5;vertical-align:middle}
.mix span{display:block;height:100%}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{color:var(--muted)}dd{margin:0}
pre{background:#f5f7fa;padding:8px;overflow:auto;font-size:12px}
details{margin:4px 0}summary{cursor:pointer;color:var(--accent)}
"""

SECTIONS = [
    ("summary", "Summary"),
    ("funnel", "Funnel"),
    ("drops", "Drop reasons"),
    ("licensing", "Licences"),
    ("ai", "AI text"),
    ("dedup", "Duplicates"),
    ("languages", "Languages"),
    ("hosts", "Hosts"),
    ("stats", "Statistics"),
    ("takedowns", "Takedowns"),
    ("selections", "Selections"),
    ("files", "Files"),
    ("run", "Run"),
]


def build_report(store: OutputStore, generated_at: str | None = None) -> str:
    """The whole report page for one finished output, as an HTML string."""
    manifest = store.manifest()
    generated_at = generated_at or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    sql = LedgerSQL(store)
    try:
        decisions = dict(sql.rows("SELECT decision, count(*) FROM provenance GROUP BY 1"))
        responses = sum(decisions.values())
        kept = decisions.get("kept", 0)
        parts = [
            summary_section(manifest, decisions),
            funnel_section(manifest),
            drops_section(sql),
            errors_section(manifest, record_errors(sql)),
            licensing_section(sql, responses, kept),
            ai_section(sql, manifest),
            dedup_section(sql),
            languages_section(sql),
            hosts_section(sql),
            stats_section(manifest),
            takedowns_section(manifest),
            selections_section(manifest),
            files_section(manifest),
            run_section(manifest, store.root),
        ]
    finally:
        sql.close()
    nav = "".join(f'<a href="#{ident}">{esc(title)}</a>' for ident, title in SECTIONS)
    title = f"ccprov report: {manifest.get('run_id', '')}"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{CSS}</style></head><body>"
        f"<header><h1>ccprov run report</h1><p>{esc(store.root)} · run "
        f"<code>{esc(manifest.get('run_id'))}</code> · generated {esc(generated_at)}</p></header>"
        f"<nav>{nav}</nav><main>{''.join(parts)}</main></body></html>\n"
    )


def write_report(store: OutputStore, destination: str | None = None) -> str:
    """Render the report and write it (default OUTPUT/report.html); returns where it went."""
    page = build_report(store).encode("utf-8")
    if destination is None:
        store.write_bytes(REPORT_NAME, page)
        return store.path(REPORT_NAME)
    if "://" in destination:
        from apache_beam.io.filesystems import FileSystems

        try:
            handle = FileSystems.create(destination)  # configured from the --s3_* flags
        except ValueError as exc:  # no filesystem for that scheme (gs:// without [gcp]...)
            raise UsageError(f"--out {destination}: {str(exc).splitlines()[0]}") from exc
        with handle:
            handle.write(page)
    else:
        with open(destination, "wb") as handle:
            handle.write(page)
    return destination


def _same_file(a: str, b: str) -> bool:
    return a == b or ("://" not in a + b and os.path.realpath(a) == os.path.realpath(b))


def report_command(args) -> int:
    store = OutputStore.from_args(args)
    store.require_finished()
    default = store.path(REPORT_NAME)
    if args.out and store.contains(args.out) and not _same_file(args.out, default):
        raise UsageError(
            f"--out {args.out} is inside the output {store.root}: write the report elsewhere "
            f"(without --out it goes to {default})"
        )
    path = write_report(store, args.out)
    print(path, file=sys.stdout)
    return 0
