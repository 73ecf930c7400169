"""`ccprov query OUTPUT "SQL"`: DuckDB views over a run's Parquet, local and in S3."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from pipeline.audit import main as audit_main
from pipeline.audit.query import run_query
from pipeline.audit.store import OutputStore
from tests.test_report import add_stage_columns


def upload_output(s3_server, root: Path, bucket: str, prefix: str) -> None:
    """Copy a local output folder into the bucket under `prefix` (empty _SUCCESS included)."""
    client = s3_server.client()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            key = f"{prefix}/{path.relative_to(root).as_posix()}"
            client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())


def query_output(capsys, root, sql: str, *flags: str) -> str:
    assert audit_main(["query", str(root), sql, *flags]) == 0
    return capsys.readouterr().out


def test_decisions_match_the_manifest(sample_run):
    table = run_query(
        OutputStore(str(sample_run.root)),
        "SELECT decision, count(*) AS n FROM provenance GROUP BY decision",
    )
    by_decision = dict(
        zip(table.column("decision").to_pylist(), table.column("n").to_pylist(), strict=True)
    )
    counts = sample_run.manifest["counts"]
    assert by_decision.get("kept", 0) == counts["kept"]
    assert by_decision.get("dropped", 0) == counts["dropped"]
    assert sum(by_decision.values()) == counts["ledger_rows"]


def test_corpus_joins_the_ledger(sample_run):
    table = run_query(
        OutputStore(str(sample_run.root)),
        "SELECT c.doc_id, p.decision, c.url = p.url AS same_url FROM corpus c "
        "JOIN provenance p USING (doc_id)",
    )
    assert table.num_rows == sample_run.manifest["counts"]["kept"]
    assert set(table.column("decision").to_pylist()) == {"kept"}
    assert all(table.column("same_url").to_pylist())


def test_output_formats(sample_run, capsys):
    sql = "SELECT host, count(*) AS n FROM provenance GROUP BY host ORDER BY n DESC, host"
    expected = Counter(r["host"] for r in sample_run.ledger())
    as_csv = list(
        csv.DictReader(io.StringIO(query_output(capsys, sample_run.root, sql, "--format", "csv")))
    )
    assert {r["host"]: int(r["n"]) for r in as_csv} == dict(expected)
    as_json = json.loads(query_output(capsys, sample_run.root, sql, "--format", "json"))
    assert {r["host"]: r["n"] for r in as_json} == dict(expected)
    lines = query_output(capsys, sample_run.root, sql, "--format", "jsonl").strip().splitlines()
    assert [json.loads(line) for line in lines] == as_json
    table = query_output(capsys, sample_run.root, sql).splitlines()
    assert table[0].split() == ["host", "n"]
    assert table[-1] == f"({len(expected)} rows)"
    top_host, top_n = as_json[0]["host"], as_json[0]["n"]
    assert table[2].split() == [top_host, str(top_n)]


def test_the_audit_question_with_stage_columns(sample_run, tmp_path, capsys):
    """How many CC-BY documents from host X were dropped as near-duplicates?"""
    out = tmp_path / "out"
    shutil.copytree(sample_run.root, out)
    rows = add_stage_columns(out)["rows"]
    duplicates = [r for r in rows if r["drop_reason"] == "near_duplicate"]
    host = duplicates[0]["host"]
    expected = sum(
        1
        for r in rows
        if r["host"] == host
        and (r["license"] or "").startswith("CC-BY")
        and r["drop_reason"] == "near_duplicate"
    )
    sql = (
        "SELECT count(*) AS n FROM provenance WHERE license LIKE 'CC-BY%' "
        f"AND host = '{host}' AND drop_reason = 'near_duplicate'"
    )
    result = json.loads(query_output(capsys, out, sql, "--format", "json"))
    assert result == [{"n": expected}]
    hosts = json.loads(
        query_output(
            capsys, out, "SELECT host, doc_count FROM hosts ORDER BY host", "--format", "json"
        )
    )
    assert [h["host"] for h in hosts] == sorted(
        {r["host"] for r in rows if r["ai_score"] is not None}
    )


def test_bad_sql_is_a_one_line_error(sample_run, capsys):
    assert audit_main(["query", str(sample_run.root), "SELECT no_such_column FROM corpus"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ccprov: error: query failed")
    assert audit_main(["query", str(sample_run.root), "SELECT 1", "--format", "xml"]) == 2


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("", "no SQL statement given"),
        ("-- only a comment", "no SQL statement given"),
        ("SELECT 1; SELECT 2", "one SQL statement at a time (got 2)"),
        ("INSTALL httpfs", "INSTALL statements are not run"),
        ("LOAD httpfs", "LOAD statements are not run"),
        # EXPLAIN ANALYZE runs what it explains.
        (
            "EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1",
            "EXPLAIN is run only for a SELECT or a COPY",
        ),
        ("ATTACH '/tmp/x.duckdb'", "ATTACH statements are not run"),
        ("CREATE TABLE t AS SELECT 1", "CREATE statements are not run"),
        ("SET threads = 1", "SET statements are not run"),
    ],
)
def test_only_one_reading_statement_is_run(sample_run, capsys, sql, message):
    assert audit_main(["query", str(sample_run.root), sql]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


def test_copy_exports_outside_the_output_only(sample_run, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(sample_run.root, out)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    monkeypatch.chdir(out)
    for target in (
        f"{out}/corpus/part-00000-000.parquet",
        "corpus/x.parquet",
        str(out / "x.csv"),
        # DuckDB writes file: URLs locally: they overwrote the manifest (exit 0)
        f"file://{out}/manifest.json",
        f"file:{out}/corpus/part-00000-000.parquet",
        f"file://localhost{out}/manifest.json",
        # a folder holding the output: COPY ... (PARTITION_BY ..., OVERWRITE) emptied it first
        str(tmp_path),
        f"{tmp_path}/",
    ):
        sql = f"COPY (SELECT * FROM corpus WHERE false) TO '{target}' (FORMAT parquet)"
        # EXPLAIN ANALYZE ran the COPY past the check and overwrote a shard (exit 0).
        for statement in (sql, f"EXPLAIN ANALYZE {sql}", f"explain analyse {sql}"):
            assert audit_main(["query", str(out), statement]) == 2, statement
            assert "COPY would write into the output" in capsys.readouterr().err, target
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    export = tmp_path / "kept.csv"
    assert audit_main(["query", str(out), f"COPY (SELECT doc_id FROM corpus) TO '{export}'"]) == 0
    assert len(export.read_text().splitlines()) == 1 + sample_run.manifest["counts"]["kept"]
    explained = tmp_path / "explained.csv"
    sql = f"EXPLAIN ANALYZE COPY (SELECT doc_id FROM corpus) TO '{explained}'"
    assert audit_main(["query", str(out), sql]) == 0 and explained.exists()


def test_json_has_no_nan_and_maps_are_objects(sample_run, capsys):
    sql = "SELECT 'nan'::DOUBLE AS a, 'inf'::DOUBLE AS b, filter_scores FROM provenance LIMIT 1"
    row = json.loads(query_output(capsys, sample_run.root, sql, "--format", "jsonl"))
    assert row["a"] is None and row["b"] is None
    assert isinstance(row["filter_scores"], dict) and row["filter_scores"]
    assert all(isinstance(v, float) for v in row["filter_scores"].values())


def test_runs_without_hosts_have_no_hosts_view(sample_run, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(sample_run.root, out)
    shutil.rmtree(out / "hosts", ignore_errors=True)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"].pop("hosts", None)  # as a run without the AI stage writes it
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert audit_main(["query", str(out), "SELECT * FROM hosts"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    # The views this output has, not DuckDB's guess among its system tables.
    assert len(err) == 1 and "(this output's views: corpus, provenance)" in err[0], err
    assert "Did you mean" not in err[0]


def test_a_missing_table_names_the_views(sample_run, capsys):
    assert audit_main(["query", str(sample_run.root), "SELECT count(*) FROM ledger"]) == 2
    err = capsys.readouterr().err.strip()
    assert "ledger does not exist" in err
    assert err.endswith("(this output's views: corpus, provenance, hosts)"), err


@pytest.mark.s3
def test_query_on_s3_output_equals_local(sample_run, s3_server, capsys):
    bucket = s3_server.create_bucket()
    upload_output(s3_server, sample_run.root, bucket, "runs/a")
    sql = (
        "SELECT p.host, count(*) AS kept, sum(length(c.text)) AS chars FROM corpus c "
        "JOIN provenance p USING (doc_id) GROUP BY p.host ORDER BY p.host"
    )
    remote = query_output(
        capsys, f"s3://{bucket}/runs/a", sql, "--format", "json", *s3_server.beam_args()
    )
    local = query_output(capsys, sample_run.root, sql, "--format", "json")
    assert json.loads(remote) == json.loads(local)
    assert len(json.loads(local)) > 1


def test_copy_targets_in_other_quotes_are_refused(sample_run, tmp_path, capsys):
    """DuckDB takes `TO "path"` and `TO $$path$$` too; the check read only '...' and let
    both overwrite a shard and the manifest (exit 0)."""
    out = tmp_path / "out"
    shutil.copytree(sample_run.root, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    for target in (f'"{out}/corpus/part-00000-000.parquet"', f"$${out}/manifest.json$$"):
        sql = f"COPY (SELECT 1 AS a) TO {target} (FORMAT json)"
        assert audit_main(["query", str(out), sql]) == 2
        assert "give the file as a single-quoted path" in capsys.readouterr().err
    # DuckDB's token offsets count bytes: after a multi-byte character the first fix read
    # the wrong text, saw no TO, and let this overwrite the ledger (exit 0).
    shard = f"{out}/provenance/part-00000-000.parquet"
    sql = f"COPY (SELECT url FROM corpus WHERE url LIKE '%–%日本%') TO '{shard}'"
    assert audit_main(["query", str(out), sql]) == 2
    assert "COPY would write into the output" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    # What is not a target: comments before it, and SIMILAR TO inside the query.
    for sql in (
        f"COPY (SELECT 1 AS a) TO /* here */ '{tmp_path}/a.csv'",
        f"COPY (SELECT url FROM corpus WHERE url SIMILAR TO url) TO '{tmp_path}/b.csv'",
    ):
        assert audit_main(["query", str(out), sql]) == 0, capsys.readouterr().err


def test_an_output_whose_name_looks_like_a_glob_is_read_literally(sample_run, tmp_path, capsys):
    """read_parquet expands [..], * and ?: `query 'run[1]'` read run1's shards."""
    literal = tmp_path / "run[1]"
    shutil.copytree(sample_run.root, literal)
    other = tmp_path / "run1"
    shutil.copytree(sample_run.root, other)
    ledger = next((other / "provenance").glob("*.parquet"))
    import pyarrow.parquet as pq

    pq.write_table(pq.read_table(ledger).slice(0, 3), ledger)  # run1 now differs
    sql = "SELECT count(*) AS n FROM provenance"
    rows = json.loads(query_output(capsys, literal, sql, "--format", "json"))
    assert rows == [{"n": sample_run.manifest["counts"]["ledger_rows"]}]


def test_integer_sums_print_as_integers_and_controls_as_escapes(sample_run, capsys):
    sql = "SELECT sum(text_chars) AS total, 12345678901234567890::HUGEINT + 1 AS h FROM provenance"
    row = json.loads(query_output(capsys, sample_run.root, sql, "--format", "jsonl"))
    assert isinstance(row["total"], int) and row["h"] == 12345678901234567891
    assert ".0" not in query_output(
        capsys, sample_run.root, "SELECT sum(text_chars) FROM provenance"
    )
    table = query_output(capsys, sample_run.root, "SELECT 'p\x1b[31mred\u202e' AS url")
    assert "\x1b" not in table and "\u202e" not in table and "p\\x1b[31mred\\u202e" in table


def test_csv_json_and_jsonl_are_printed_batch_by_batch():
    """The whole result was held, then printed: a million rows took 750 MB. Each batch is
    now printed as it comes, with the same text as before."""
    import pyarrow as pa

    from pipeline.audit.query import format_result, formatted

    table = pa.table({"a": list(range(7)), "m": [{"k": i} for i in range(7)]})
    batches = table.to_batches(max_chunksize=3)
    assert len(batches) == 3
    rows = [{"a": i, "m": {"k": i}} for i in range(7)]
    expected = {  # the texts printed before, from all rows at once
        "json": json.dumps(rows, ensure_ascii=False, indent=1),
        "jsonl": "\n".join(json.dumps(r, ensure_ascii=False) for r in rows),
        "csv": "a,m\n" + "\n".join(f'{i},"{{""k"": {i}}}"' for i in range(7)),
    }
    for fmt, text in expected.items():
        pieces = list(formatted(table.schema, iter(batches), fmt))
        assert len(pieces) >= 3, fmt
        assert "".join(pieces).rstrip("\n") == text == format_result(table, fmt), fmt
    assert format_result(table.slice(0, 0), "json") == "[]"


def test_an_error_while_streaming_is_one_line_and_names_twice_are_refused(sample_run, capsys):
    sql = (
        "SELECT (CASE WHEN i < 25000 THEN i::VARCHAR ELSE 'x' END)::INT AS v FROM range(30000) t(i)"
    )
    assert audit_main(["query", str(sample_run.root), sql, "--format", "csv"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ccprov: error: query failed:") and err.count("\n") == 1, err
    assert audit_main(["query", str(sample_run.root), "SELECT NULL::INT AS a, 1 AS a"]) == 2
    assert "columns named twice (a)" in capsys.readouterr().err


def test_the_dropped_view_stays_when_no_dropped_text_is_left(sharded_run, tmp_path, capsys):
    """A takedown that removes the last saved dropped text deletes dropped/'s shards: the
    view vanished and `FROM dropped` became a catalog error on a --keep-dropped run."""
    out = tmp_path / "out"
    shutil.copytree(sharded_run.root, out)
    for shard in (out / "dropped").glob("*.parquet"):
        shard.unlink()
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"]["dropped"] = []
    (out / "manifest.json").write_text(json.dumps(manifest))
    rows = json.loads(
        query_output(capsys, out, "SELECT count(*) AS n FROM dropped", "--format", "json")
    )
    assert rows == [{"n": 0}]


def test_shards_with_other_columns_are_still_read_by_name(sharded_run, tmp_path, capsys):
    """The views read shards without union_by_name when all have one schema (its cost was
    per shard and per query); a shard without a column (rewritten by another tool, say) is
    still read, its rows NULL there."""
    import pyarrow.parquet as pq

    out = tmp_path / "out"
    shutil.copytree(sharded_run.root, out)
    shard = sorted((out / "provenance").glob("*.parquet"))[1]
    table = pq.read_table(shard)
    pq.write_table(table.drop_columns(["error_detail"]), shard)
    manifest = json.loads((out / "manifest.json").read_text())
    for entry in manifest["files"]["provenance"]:
        if entry["path"].endswith(shard.name):
            entry["bytes"] = shard.stat().st_size
            entry["sha256"] = hashlib.sha256(shard.read_bytes()).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest))
    others = [pq.read_table(p) for p in (out / "provenance").glob("*.parquet") if p != shard]
    sql = "SELECT count(*) AS n, count(error_detail) AS details FROM provenance"
    rows = json.loads(query_output(capsys, out, sql, "--format", "json"))
    assert rows[0]["n"] == sharded_run.manifest["counts"]["ledger_rows"]
    assert rows[0]["details"] == sum(
        t.num_rows - t.column("error_detail").null_count for t in others
    )
