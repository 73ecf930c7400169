"""`ccprov select`: a stricter corpus from a finished run's ledger, without reprocessing.

Runs on the sample written in shards of 4 rows with the dropped texts kept (the takedown
tests' output), so that copied, rewritten and emptied shards all occur.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.audit import main as audit_main
from pipeline.audit.select import MARKER, Selection, rows_where
from pipeline.plan import UsageError
from schemas.ledger import LEDGER_SCHEMA
from tests.test_takedown import check_consistent, file_hashes, read_all, write_lines

LINE_PUNCT = "fineweb_quality:line_punct_ratio"


def select(source: Path, dest: Path, *flags: str) -> int:
    return audit_main(["select", str(source), "--output", str(dest), *flags])


def kept_rows(root: Path) -> list[dict]:
    return [r for r in read_all(root, "provenance") if r["decision"] == "kept"]


def expected_reason(row: dict, ai_threshold: float) -> str | None:
    """What the selection of test_select_tightens_... must decide, written out by hand."""
    signals = row["opt_out_signals"] or []
    if "tdm_reservation" in signals:
        return "selection:license_policy:tdm_reservation"
    if "noai" in signals:
        return "selection:license_policy:noai"
    if row["ai_score"] > ai_threshold:
        return "selection:ai_score"
    return None


def test_select_tightens_the_corpus_and_keeps_every_ledger_row(sharded_run, tmp_path, capsys):
    source = sharded_run.root
    before = file_hashes(source)
    kept = kept_rows(source)
    scores = sorted(r["ai_score"] for r in kept)
    threshold = scores[len(scores) // 2]  # about half the kept documents score above it
    dest = tmp_path / "selected"
    assert (
        select(source, dest, "--license-policy", "no-optout", "--ai-threshold", str(threshold)) == 0
    )
    assert "selected" in capsys.readouterr().out
    assert file_hashes(source) == before  # SOURCE is only read

    old = {r["doc_id"]: r for r in read_all(source, "provenance")}
    new = {r["doc_id"]: r for r in read_all(dest, "provenance")}
    assert len(new) == len(read_all(dest, "provenance")) == len(old)  # one row per record
    assert new.keys() == old.keys()
    deselected = {}
    for doc_id, row in old.items():
        reason = expected_reason(row, threshold) if row["decision"] == "kept" else None
        if reason is None:
            assert new[doc_id] == row  # untouched, every column
        else:
            deselected[doc_id] = reason
            changed = {k for k in row if new[doc_id][k] != row[k]}
            assert changed == {"decision", "drop_reason"}
            assert (new[doc_id]["decision"], new[doc_id]["drop_reason"]) == ("dropped", reason)
    reasons = set(deselected.values())
    assert reasons == {
        "selection:license_policy:tdm_reservation",
        "selection:license_policy:noai",
        "selection:ai_score",
    }
    corpus_before = {r["doc_id"]: r for r in read_all(source, "corpus")}
    corpus_after = {r["doc_id"]: r for r in read_all(dest, "corpus")}
    assert corpus_after == {k: v for k, v in corpus_before.items() if k not in deselected}

    manifest = check_consistent(dest)  # checksums, counts and funnel agree with the files
    entry = manifest["selections"][-1]
    assert entry["criteria"] == {"license_policy": "no-optout", "ai_threshold": threshold}
    assert entry["kept_before"] == len(kept)
    assert entry["kept_after"] == len(kept) - len(deselected)
    assert sum(entry["deselected"].values()) == len(deselected)
    stage = next(s for s in manifest["funnel"] if s["stage"] == "selection")
    assert stage["removed"] == len(deselected)
    assert manifest["output"] == str(dest)
    assert manifest["run_id"] == sharded_run.manifest["run_id"]
    # The host figures and the saved dropped texts are SOURCE's, byte for byte.
    for kind in ("hosts", "dropped"):
        names = sorted(p.name for p in (source / kind).glob("*.parquet"))
        assert names
        for name in names:
            assert (dest / kind / name).read_bytes() == (source / kind / name).read_bytes()
    assert not (dest / "_temporary").exists()


def test_shards_without_a_deselected_document_are_copied_whole(sharded_run, tmp_path):
    source = sharded_run.root
    noai = next(r for r in kept_rows(source) if "noai" in (r["opt_out_signals"] or []))
    dest = tmp_path / "selected"
    assert select(source, dest, "--license-policy", "no-optout") == 0
    changed = {
        path
        for path, digest in file_hashes(dest).items()
        if file_hashes(source).get(path) != digest
    }
    touched = {
        f"{kind}/{p.name}"
        for kind in ("provenance", "corpus")
        for p in (source / kind).glob("*.parquet")
        if noai["doc_id"] in pq.read_table(p, columns=["doc_id"]).column("doc_id").to_pylist()
        or any(
            "tdm_reservation" in (s or [])
            for s in pq.read_table(source / "provenance" / p.name, columns=["opt_out_signals"])
            .column("opt_out_signals")
            .to_pylist()
        )
    }
    assert touched
    assert changed == {"manifest.json"} | touched


def test_where_keeps_rows_whose_condition_is_true(sharded_run, tmp_path):
    source = sharded_run.root
    kept = kept_rows(source)
    values = sorted({dict(r["filter_scores"])[LINE_PUNCT] for r in kept})
    cut = values[len(values) // 2]
    dest = tmp_path / "selected"
    assert select(source, dest, "--where", f"filter_scores['{LINE_PUNCT}'] >= {cut}") == 0
    new = {r["doc_id"]: r for r in read_all(dest, "provenance")}
    for row in kept:
        passes = dict(row["filter_scores"])[LINE_PUNCT] >= cut
        assert new[row["doc_id"]]["decision"] == ("kept" if passes else "dropped")
        if not passes:
            assert new[row["doc_id"]]["drop_reason"] == "selection:where"
    assert 0 < sum(r["decision"] == "kept" for r in new.values()) < len(kept)
    check_consistent(dest)


def test_a_where_with_a_semicolon_inside_quotes_runs(sharded_run, tmp_path):
    """`url NOT LIKE '%;jsessionid=%'` was refused for its ';' (ccprov query ran it); a
    trailing comment swallowed the wrapper's parenthesis."""
    dest = tmp_path / "selected"
    where = "url NOT LIKE '%;jsessionid=%' -- session ids (a ')' in a comment is text)"
    assert select(sharded_run.root, dest, "--where", where) == 0
    new = read_all(dest, "provenance")
    assert sum(r["decision"] == "kept" for r in new) == len(kept_rows(sharded_run.root))


def ledger_of(rows: list[dict]) -> pa.Table:
    full = [{name: row.get(name) for name in LEDGER_SCHEMA.names} for row in rows]
    for row in full:
        row.setdefault("warc_offset", 0)
        row["warc_path"] = row["warc_path"] or "x.warc.gz"
        row["warc_offset"] = row["warc_offset"] or 0
        row["pipeline_version"] = row["pipeline_version"] or "test"
        row["config_hash"] = row["config_hash"] or "0"
    return pa.Table.from_pylist(full, schema=LEDGER_SCHEMA)


def test_criteria_apply_in_order_to_kept_rows_only():
    def row(doc_id, **values):
        return {"doc_id": doc_id, "decision": "kept", "language": "en", **values}

    ledger = ledger_of(
        [
            row("fr-and-noai", language="fr", opt_out_signals=["noai"], ai_score=0.9),
            row("not-open", license_class="unknown", ai_score=0.9),
            row("open-ai", license_class="permissive", ai_score=0.9),
            row("open-no-score", license_class="copyleft", ai_score=None),
            row("open-host", license_class="public_domain", ai_score=0.1, host_ai_score=0.8),
            row("open-fails-where", license_class="permissive", ai_score=0.1, text_chars=10),
            row("open-null-where", license_class="permissive", ai_score=0.1, text_chars=None),
            row("passes", license_class="permissive", ai_score=0.1, text_chars=500),
            {**row("dropped", language="fr"), "decision": "dropped", "drop_reason": "c4"},
        ]
    )
    selection = Selection(
        languages=("en",),
        license_policy="open",
        ai_threshold=0.5,
        host_ai_threshold=0.5,
        where="text_chars >= 100",
    )
    assert dict(
        zip(ledger.column("doc_id").to_pylist(), selection.reasons(ledger), strict=True)
    ) == {
        "fr-and-noai": "selection:language",
        "not-open": "selection:license_policy:not_open",
        "open-ai": "selection:ai_score",
        "open-no-score": "selection:where",  # no score is no verdict; text_chars is null
        "open-host": "selection:host_ai_score",
        "open-fails-where": "selection:where",
        "open-null-where": "selection:where",
        "passes": None,
        "dropped": None,  # only kept documents can be deselected
    }
    assert rows_where(ledger, "text_chars >= 100") == {7}


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ([], "give at least one criterion"),
        (["--where", "ai_score <"], "--where 'ai_score <': Parser Error"),
        (["--where", "ai_score"], "is DOUBLE, not a condition"),
        (["--where", "nosuch > 1"], 'column "nosuch" not found'),
        (["--where", "true; drop table provenance"], "without ';'"),
        # a condition that closes the wrapper's parenthesis and adds a UNION kept rows
        (["--where", "false) UNION ALL SELECT range > 0 FROM range(3) --"], "without its '('"),
        (["--where", "true) LIMIT 1 --"], "a ')' without its '('"),
        (["--where", "true) QUALIFY (row_number() OVER () <= 2) --"], "without its '('"),
        (["--languages", "xx"], "unknown language code 'xx'"),
        (["--ai-threshold", "2"], "must be between 0 and 1"),
        (["--where", ""], "--where is empty"),
        (["--languages", "en,all"], "'all' cannot be combined with other languages"),
        # another answer at each run: the manifest's criterion would not say what was kept
        (["--where", "random() < 0.5"], "random() gives another answer at each run"),
        (["--where", "uuid() IS NOT NULL"], "uuid() gives another answer"),
        (["--where", "now() - INTERVAL 1 DAY < now()"], "now() gives another answer"),
        (["--where", "current_date > DATE '2020-01-01'"], "current_date gives another answer"),
        (["--where", "age(CAST(warc_date AS TIMESTAMP)) < INTERVAL 3 YEAR"], "age() gives"),
        (["--languages", "all"], "give at least one criterion"),  # keeps everything
        # Selects nothing: refused by name, not taken and then refused as no criterion.
        (["--license-policy", "tag-only"], "invalid choice: 'tag-only'"),
        # Evaluated a row group at a time: these would depend on the layout, or read files.
        (["--where", "ai_score <= (SELECT median(ai_score) FROM provenance)"], "no subquery"),
        (["--where", "exists(FROM glob('/etc/*'))"], "no subquery or table function"),
        (["--where", "count(*) > 0"], "WHERE clause cannot contain aggregates"),
        (["--where", "row_number() OVER () < 5"], "cannot contain window functions"),
        # Only the data shows this one: it fails on the first row group, DEST is left as found.
        (["--where", "CAST(host AS INTEGER) > 0"], "failed on the data: Conversion Error"),
    ],
)
def test_bad_criteria_are_one_line_errors(sharded_run, tmp_path, capsys, flags, message):
    dest = tmp_path / "selected"
    assert select(sharded_run.root, dest, *flags) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not dest.exists()


def test_an_empty_destination_is_refused(sharded_run, capsys):
    assert audit_main(["select", str(sharded_run.root), "--output", "", "--languages", "en"]) == 2
    assert "--output is empty" in capsys.readouterr().err


def test_destinations_that_would_lose_data_are_refused(sharded_run, tmp_path, capsys):
    source = sharded_run.root
    cases = {
        str(source / "inner"): "overlap",
        str(source): "overlap",
        str(source.parent): "overlap",
    }
    other = tmp_path / "other"
    (other / "notes").mkdir(parents=True)
    cases[str(other)] = "is not empty"
    finished = tmp_path / "finished"
    assert select(source, finished, "--license-policy", "open") == 0
    cases[str(finished)] = "already holds a ccprov output"
    before = file_hashes(finished)
    for dest, message in cases.items():
        capsys.readouterr()
        assert audit_main(["select", str(source), "--output", dest, "--languages", "en"]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    assert file_hashes(finished) == before
    assert (other / "notes").is_dir()


def test_a_selection_cut_short_is_cleared_and_redone(sharded_run, tmp_path):
    dest = tmp_path / "selected"
    assert select(sharded_run.root, dest, "--license-policy", "no-optout") == 0
    complete = file_hashes(dest)
    # Cut short between its manifest and its _SUCCESS: the marker still says so.
    (dest / "_SUCCESS").unlink()
    (dest / MARKER).parent.mkdir(exist_ok=True)
    (dest / MARKER).write_text(json.dumps({"source": str(sharded_run.root)}))
    assert select(sharded_run.root, dest, "--license-policy", "no-optout") == 0
    assert file_hashes(dest).keys() == complete.keys()
    # As a crash after the first shards leaves it: the marker, some shards, no manifest.
    (dest / "_SUCCESS").unlink()
    (dest / "manifest.json").unlink()
    (dest / MARKER).parent.mkdir(exist_ok=True)
    (dest / MARKER).write_text(json.dumps({"source": str(sharded_run.root)}))
    (dest / "corpus" / "part-99999-000.parquet").write_bytes(b"half a file")
    assert select(sharded_run.root, dest, "--license-policy", "no-optout") == 0
    redone = file_hashes(dest)
    assert redone.pop("manifest.json") and complete.pop("manifest.json")
    assert redone == complete


def test_dry_run_writes_nothing(sharded_run, tmp_path, capsys):
    dest = tmp_path / "selected"
    assert select(sharded_run.root, dest, "--license-policy", "no-optout", "--dry-run") == 0
    assert "dry run: would have selected 10 of 12 kept documents" in capsys.readouterr().out
    assert not dest.exists()
    # and it refuses what the real run would refuse
    assert select(sharded_run.root, sharded_run.root.parent, "--languages", "en", "--dry-run") == 2


def test_a_symbolic_link_does_not_let_dest_into_source(sharded_run, tmp_path, capsys):
    link = tmp_path / "link"
    link.symlink_to(sharded_run.root)
    before = file_hashes(sharded_run.root)
    for source, dest in ((link, sharded_run.root / "sel"), (sharded_run.root, link / "sel")):
        assert select(source, dest, "--languages", "en") == 2
        assert "overlap" in capsys.readouterr().err
    assert file_hashes(sharded_run.root) == before


def test_a_rewritten_shard_that_does_not_match_its_checksum_stops_the_selection(
    sharded_run, tmp_path, capsys
):
    """Copied shards were checked, rewritten ones were not: a tampered ledger shard was
    used as it was, and its new checksum recorded."""
    import pyarrow as pa

    source = tmp_path / "source"
    shutil.copytree(sharded_run.root, source)
    noai = next(r for r in kept_rows(source) if "noai" in (r["opt_out_signals"] or []))
    for shard in sorted((source / "provenance").glob("*.parquet")):
        table = pq.read_table(shard)
        if noai["doc_id"] in table.column("doc_id").to_pylist():
            index = table.schema.get_field_index("language")
            field = table.schema.field(index)
            tampered = table.set_column(index, field, pa.array(["xx"] * table.num_rows))
            pq.write_table(tampered, shard)
    dest = tmp_path / "selected"
    assert select(source, dest, "--license-policy", "no-optout") == 2
    err = capsys.readouterr().err
    assert "does not match the sha256 its manifest lists" in err and err.count("\n") == 1
    assert not dest.exists()  # left as it was found


def test_a_selection_is_audited_like_a_run(sharded_run, tmp_path, capsys):
    """Report, query and takedown work on DEST; its own selections are logged in turn."""
    dest = tmp_path / "selected"
    assert select(sharded_run.root, dest, "--license-policy", "no-optout") == 0
    again = tmp_path / "again"
    assert select(dest, again, "--where", "text_chars > 2000") == 0
    manifest = check_consistent(again)
    assert [e["criteria"] for e in manifest["selections"]] == [
        {"license_policy": "no-optout"},
        {"where": "text_chars > 2000"},
    ]
    target = kept_rows(again)[0]
    urls = write_lines(tmp_path / "urls.txt", [target["url"]])
    assert audit_main(["takedown", str(again), "--urls", urls]) == 0
    check_consistent(again)
    assert audit_main(["report", str(again)]) == 0
    html = (again / "report.html").read_text()
    assert 'id="selections-table"' in html and "text_chars &gt; 2000" in html


@pytest.mark.s3
def test_select_between_object_store_prefixes(sharded_run, s3_server, tmp_path, capsys):
    from tests.test_query import upload_output

    bucket = s3_server.create_bucket()
    upload_output(s3_server, sharded_run.root, bucket, "run")
    flags = ["--license-policy", "no-optout", *s3_server.beam_args()]
    assert (
        audit_main(["select", f"s3://{bucket}/run", "--output", f"s3://{bucket}/sel", *flags]) == 0
    )
    local = tmp_path / "local"
    assert select(sharded_run.root, local, "--license-policy", "no-optout") == 0
    client = s3_server.client()
    keys = {
        o["Key"].removeprefix("sel/")
        for o in client.list_objects_v2(Bucket=bucket, Prefix="sel/")["Contents"]
    }
    assert keys == set(file_hashes(local))  # same files, no temporary leftovers
    for key in keys - {"manifest.json"}:
        body = client.get_object(Bucket=bucket, Key=f"sel/{key}")["Body"].read()
        assert body == (local / key).read_bytes(), key
    capsys.readouterr()
    assert (
        audit_main(["select", f"s3://{bucket}/run", "--output", f"s3://{bucket}/sel", *flags]) == 2
    )
    assert "already holds a ccprov output" in capsys.readouterr().err


@pytest.mark.s3
def test_an_s3_destination_bucket_is_checked_before_any_work(sharded_run, s3_server, capsys):
    """A missing bucket, or credentials it refuses, is one line before the source is read
    (SeaweedFS makes a missing bucket on the first write, so the selection used to succeed
    there; AWS S3 refuses the write after the reading)."""
    bucket = s3_server.create_bucket()
    wrong = [a for a in s3_server.beam_args() if "secret" not in a]
    wrong.append("--s3_secret_access_key=wrong")
    missing = f"no-such-bucket-{bucket}"
    where = s3_server.endpoint_url
    for dest, flags, expected in (
        (f"s3://{missing}/sel", s3_server.beam_args(), f"{missing} does not exist at {where}"),
        (f"s3://{bucket}/sel", wrong, f"{bucket} at {where} refused access (HTTP 403)"),
    ):
        argv = ["select", str(sharded_run.root), "--output", dest, "--where", "true", *flags]
        assert audit_main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"ccprov: error: S3 bucket {expected}") and err.count("\n") == 1
    names = [b["Name"] for b in s3_server.client().list_buckets()["Buckets"]]
    assert missing not in names
    assert "Contents" not in s3_server.client().list_objects_v2(Bucket=bucket)


def test_an_unknown_licence_policy_is_refused():
    with pytest.raises(UsageError, match="choose from"):
        Selection(license_policy="everything")


def test_a_copied_file_that_does_not_match_its_checksum_stops_the_selection(
    sharded_run, tmp_path, capsys
):
    source = tmp_path / "source"
    shutil.copytree(sharded_run.root, source)
    host_shard = next((source / "hosts").glob("*.parquet"))
    host_shard.write_bytes(host_shard.read_bytes() + b"\0")
    dest = tmp_path / "selected"
    assert select(source, dest, "--license-policy", "no-optout") == 2
    err = capsys.readouterr().err
    assert f"hosts/{host_shard.name} does not match the sha256" in err
    assert err.count("\n") == 1
    assert not (dest / "_SUCCESS").exists()


def test_the_funnel_shows_takedowns_and_selections_in_the_order_they_were_applied(
    sharded_run, tmp_path
):
    """The funnel always put `selection` before `takedown`: after a takedown and then a
    selection its figures contradicted the selection's own log (kept_before)."""
    source = tmp_path / "source"
    shutil.copytree(sharded_run.root, source)
    first, second = sorted(kept_rows(source), key=lambda r: r["doc_id"])[:2]
    urls = write_lines(tmp_path / "first.txt", [first["url"]])
    assert audit_main(["takedown", str(source), "--urls", urls]) == 0
    dest = tmp_path / "selected"
    assert select(source, dest, "--license-policy", "no-optout") == 0
    urls = write_lines(tmp_path / "second.txt", [second["url"]])
    assert audit_main(["takedown", str(dest), "--urls", urls]) == 0

    manifest = check_consistent(dest)
    (entry,) = manifest["selections"]
    audit_rows = [s for s in manifest["funnel"] if s["stage"] in ("takedown", "selection")]
    assert [s["stage"] for s in audit_rows] == ["takedown", "selection", "takedown"]
    first_takedown, selection, second_takedown = audit_rows
    assert first_takedown["removed"] == 1 and second_takedown["removed"] == 1
    assert (selection["in"], selection["out"]) == (entry["kept_before"], entry["kept_after"])
    assert second_takedown["out"] == manifest["counts"]["kept"]
    orders = [e["order"] for e in (*manifest["takedowns"], *manifest["selections"])]
    assert orders == [1, 3, 2]  # takedowns first, then the selection: logged 1, 2, 3


def test_after_a_selection_alone_the_funnel_ends_with_it(sharded_run, tmp_path):
    """A run's funnel ends with a takedown row removing 0; after a selection that row stood
    after it, as if a takedown had been applied since."""
    dest = tmp_path / "selected"
    assert select(sharded_run.root, dest, "--license-policy", "no-optout") == 0
    stages = [s["stage"] for s in check_consistent(dest)["funnel"]]
    assert stages[-2:] == ["dedup", "selection"]
    run_stages = [
        s["stage"] for s in json.loads((sharded_run.root / "manifest.json").read_text())["funnel"]
    ]
    assert run_stages[-2:] == ["dedup", "takedown"]


@pytest.mark.parametrize(
    "criterion, column",
    [
        ({"ai_threshold": 0.5}, "ai_score"),
        ({"host_ai_threshold": 0.5}, "host_ai_score"),
        ({"license_policy": "open"}, "license_class"),
    ],
)
def test_a_criterion_on_a_column_the_ledger_lacks_is_a_usage_error(criterion, column):
    """A run made before the AI stage existed: `--ai-threshold` was a KeyError traceback."""
    kept = {"doc_id": "a", "decision": "kept", "language": "en", "license_class": "permissive"}
    ledger = ledger_of([{**kept, "ai_score": 0.1}]).drop_columns([column])
    with pytest.raises(UsageError, match=f"has no {column} column"):
        Selection(**criterion).reasons(ledger)
