"""Auditing a finished run: `ccprov report | trace | query | takedown | select ...`.

`add_audit_parsers(subparsers)` registers the five subcommands on the `ccprov` parser; each
sets `handler(args) -> int`. User errors raise `pipeline.plan.UsageError` (exit code 2);
a trace whose bytes do not match the ledger exits with 1.
"""

from __future__ import annotations

import argparse


def _unreadable(run):
    """A file of the output (or one the user named) that cannot be read or written is a
    one-line error, like a bad argument, not a traceback."""

    def handler(args) -> int:
        import duckdb
        import pyarrow as pa

        from pipeline.plan import UsageError

        try:
            return run(args)
        except BrokenPipeError:
            raise  # the reader went away: see reader_gone
        except (OSError, pa.ArrowException, duckdb.Error) as exc:
            if isinstance(exc, OSError) and exc.strerror and exc.filename:
                message = f"{exc.filename}: {exc.strerror}"
            else:
                from pipeline.audit.query import duckdb_message

                message = duckdb_message(exc)
            raise UsageError(f"{args.command}: {message}") from exc
        except Exception as exc:
            from pipeline.audit.store import is_boto_error

            # boto3's errors (writes to an s3:// OUTPUT) are neither OSError nor Arrow's;
            # their text says which call failed and why.
            if not is_boto_error(exc):
                raise
            first_line = (str(exc).splitlines() or [""])[0][:300]
            raise UsageError(f"{args.command}: {first_line}") from exc

    return handler


@_unreadable
def _report(args) -> int:
    from pipeline.audit.report import report_command

    return report_command(args)


@_unreadable
def _trace(args) -> int:
    from pipeline.audit.trace import trace_command

    return trace_command(args)


@_unreadable
def _query(args) -> int:
    from pipeline.audit.query import query_command

    return query_command(args)


@_unreadable
def _takedown(args) -> int:
    from pipeline.audit.takedown import takedown_command

    return takedown_command(args)


@_unreadable
def _select(args) -> int:
    from pipeline.audit.select import select_command

    return select_command(args)


def add_audit_parsers(subparsers) -> None:
    """Add report, trace, query, takedown and select to the `ccprov` subcommands."""
    # Imported here: `ccprov` quiets Beam's import-time logging before building its parser.
    from pipeline.audit.store import add_storage_arguments

    report = subparsers.add_parser(
        "report",
        help="write OUTPUT/report.html: funnel, licences, AI scores, duplicates, hosts",
        description="Write a self-contained HTML report of a finished run to OUTPUT/report.html.",
    )
    report.add_argument("output", metavar="OUTPUT", help="the run's output folder or s3:// prefix")
    report.add_argument(
        "--out", default=None, help="write the report here instead of OUTPUT/report.html"
    )
    add_storage_arguments(report)
    report.set_defaults(handler=_report)

    trace = subparsers.add_parser(
        "trace",
        help="show a document's ledger row and check it against the original WARC bytes",
        description="Print a document's ledger row, re-read its WARC record and verify the "
        "record id and payload digest. Exit 1 when the bytes do not match.",
    )
    trace.add_argument("output", metavar="OUTPUT")
    trace.add_argument("--doc-id", dest="doc_id", default=None, help="the ledger's doc_id")
    trace.add_argument("--url", default=None, help="the page URL (may match several records)")
    trace.add_argument(
        "--payload-out",
        dest="payload_out",
        default=None,
        metavar="FILE",
        help="write the record's HTTP payload to FILE ('-' for stdout)",
    )
    trace.add_argument(
        "--decode",
        action="store_true",
        help="with --payload-out: undo chunked transfer and gzip/deflate/br/zstd content encoding",
    )
    add_storage_arguments(trace)
    trace.set_defaults(handler=_trace)

    query = subparsers.add_parser(
        "query",
        help="run SQL (DuckDB) over the views corpus, provenance, hosts",
        description="Run one SQL statement over the run's Parquet: views `corpus`, "
        "`provenance` (the ledger), and `hosts` / `dropped` when present.",
    )
    query.add_argument("output", metavar="OUTPUT")
    query.add_argument("sql", metavar="SQL")
    query.add_argument("--format", choices=("table", "csv", "json", "jsonl"), default="table")
    add_storage_arguments(query)
    query.set_defaults(handler=_query)

    takedown = subparsers.add_parser(
        "takedown",
        help="remove documents from the corpus by URL, host or text hash",
        description="Rewrite the affected corpus shards without the selected documents, mark "
        "them `removed` (drop_reason `takedown`) in the ledger and log the takedown in the "
        "manifest. Untouched shards stay byte-identical; repeating a takedown changes nothing.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    takedown.add_argument("output", metavar="OUTPUT")
    selector = takedown.add_mutually_exclusive_group(required=True)
    selector.add_argument("--urls", metavar="FILE", help="file of URLs, one per line")
    selector.add_argument(
        "--hosts", metavar="FILE", help="file of host names, one per line (subdomains included)"
    )
    selector.add_argument(
        "--sha256", metavar="FILE", help="file of text_sha256 values, one per line"
    )
    selector.add_argument(
        "--resume", action="store_true", help="finish a takedown that was interrupted"
    )
    takedown.add_argument(
        "--dry-run", dest="dry_run", action="store_true", help="report what would change only"
    )
    add_storage_arguments(takedown)
    takedown.set_defaults(handler=_takedown)

    from pipeline.audit.select import add_select_arguments

    select = subparsers.add_parser(
        "select",
        help="write a stricter corpus from a finished run's ledger, without reprocessing",
        description="Write to DEST the documents of SOURCE's corpus that meet every criterion "
        "given. DEST's ledger keeps every SOURCE row; kept documents that fail a criterion "
        "become dropped with drop_reason selection:<criterion>.",
    )
    add_select_arguments(select)
    add_storage_arguments(select)
    select.set_defaults(handler=_select)


def main(argv: list[str] | None = None) -> int:
    """`python -m pipeline.audit report|trace|query|takedown ...`: the audit commands alone,
    with the same error handling as `ccprov` (one line on stderr, exit code 2)."""
    import sys

    from pipeline import release_ctrl_c
    from pipeline.cli import _setup_logging, _StrictParser, interrupted, one_line, reader_gone

    _setup_logging()  # before anything imports Beam
    from pipeline.plan import UsageError

    parser = _StrictParser(prog="ccprov", description="Audit a finished ccprov run.")
    add_audit_parsers(parser.add_subparsers(dest="command", required=True))
    try:
        release_ctrl_c()
        args = parser.parse_args(argv)
        return int(args.handler(args) or 0)
    except UsageError as exc:
        print(f"ccprov: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return interrupted()
    except BrokenPipeError:
        return reader_gone()
