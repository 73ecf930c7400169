"""`ccprov takedown`: documents leave the corpus, the ledger says so, the rest is untouched.

Runs on the sample written in shards of 4 rows (several ledger and corpus shards), with the
dropped documents' text kept, so that "only affected shards change" can be checked.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.audit import main as audit_main
from pipeline.audit.store import OutputStore
from pipeline.audit.takedown import (
    Selector,
    apply_takedown,
    commit_takedown,
    ledger_stats_fns,
    normal_url,
    pending_journals,
    prepare_takedown,
    rewrite_shard,
    without,
)
from pipeline.plan import UsageError
from tests.pipeline_runs import SHARD_ROWS, run_pipeline
from transforms.writer import add_counts

SHARD_TEXT_SCHEMA = pa.schema([("doc_id", pa.string()), ("text", pa.string())])


@pytest.fixture
def output(sharded_run, tmp_path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(sharded_run.root, out)
    return out


def file_hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def read_all(root: Path, kind: str) -> list[dict]:
    files = sorted((root / kind).glob("*.parquet"))
    return [row for f in files for row in pq.read_table(f).to_pylist()]


def ledger_by_id(root: Path) -> dict[str, dict]:
    return {r["doc_id"]: r for r in read_all(root, "provenance")}


def shard_of(doc_id: str, root: Path) -> str:
    for f in sorted((root / "provenance").glob("*.parquet")):
        if doc_id in pq.read_table(f, columns=["doc_id"]).column("doc_id").to_pylist():
            return f.name
    raise AssertionError(doc_id)


def check_consistent(root: Path) -> dict:
    """Manifest checksums, row counts and counts agree with the files; no leftovers."""
    manifest = json.loads((root / "manifest.json").read_text())
    assert (root / "_SUCCESS").exists()
    assert not (root / "_temporary").exists()
    for kind, entries in manifest["files"].items():
        on_disk = (
            sorted(p.name for p in (root / kind).glob("*.parquet"))
            if (root / kind).exists()
            else []
        )
        assert sorted(e["path"].split("/")[-1] for e in entries) == on_disk, kind
        for entry in entries:
            data = (root / entry["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
            assert len(data) == entry["bytes"]
            assert pq.read_metadata(root / entry["path"]).num_rows == entry["rows"]
    ledger = read_all(root, "provenance")
    counts = manifest["counts"]
    decisions = [r["decision"] for r in ledger]
    assert counts["kept"] == decisions.count("kept") == len(read_all(root, "corpus"))
    assert counts.get("removed", 0) == decisions.count("removed")
    assert counts["dropped"] == decisions.count("dropped")
    funnel = manifest["funnel"]
    taken_down = sum(s["removed"] for s in funnel if s["stage"] == "takedown")
    assert taken_down == decisions.count("removed")
    assert [s["in"] for s in funnel[1:]] == [s["out"] for s in funnel[:-1]]
    assert funnel[0]["in"] == counts["responses"] and funnel[-1]["out"] == counts["kept"]
    return manifest


def write_lines(path: Path, lines) -> str:
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def pick_kept(root: Path, count: int) -> list[dict]:
    """Kept documents from different ledger shards, chosen from the data."""
    chosen, shards = [], set()
    for row in sorted(read_all(root, "provenance"), key=lambda r: r["doc_id"]):
        if row["decision"] == "kept" and shard_of(row["doc_id"], root) not in shards:
            chosen.append(row)
            shards.add(shard_of(row["doc_id"], root))
        if len(chosen) == count:
            break
    assert len(chosen) == count
    return chosen


def test_takedown_by_url(output, tmp_path, capsys):
    before_hashes = file_hashes(output)
    before = ledger_by_id(output)
    targets = pick_kept(output, 2)
    urls = write_lines(
        tmp_path / "urls.txt", ["# rights holder request", *[t["url"] for t in targets]]
    )
    assert audit_main(["takedown", str(output), "--urls", urls]) == 0
    assert "2 removed from the corpus" in capsys.readouterr().out
    manifest = check_consistent(output)
    target_ids = {t["doc_id"] for t in targets}
    corpus_ids = {r["doc_id"] for r in read_all(output, "corpus")}
    assert not corpus_ids & target_ids
    after = ledger_by_id(output)
    assert after.keys() == before.keys()
    for doc_id, row in after.items():
        if doc_id in target_ids:
            assert (row["decision"], row["drop_reason"]) == ("removed", "takedown")
            unchanged = {k: v for k, v in row.items() if k not in ("decision", "drop_reason")}
            assert unchanged == {k: v for k, v in before[doc_id].items() if k in unchanged}
        else:
            assert row == before[doc_id]
    # Only the shards that held a target changed; every other file is byte-identical.
    affected = {shard_of(t, output) for t in target_ids}
    after_hashes = file_hashes(output)
    for path, digest in before_hashes.items():
        name = path.split("/")[-1]
        if path in ("manifest.json", "report.html") or (
            path.split("/")[0] in ("corpus", "provenance") and name in affected
        ):
            continue
        assert after_hashes.get(path) == digest, path
    for name in affected:
        assert after_hashes[f"provenance/{name}"] != before_hashes[f"provenance/{name}"]
    entry = manifest["takedowns"][-1]
    assert entry["selector"] == "urls" and entry["values"] == 2
    assert entry["removed"] == 2 and entry["matched"] >= 2
    assert sorted(entry["affected_shards"]["provenance"]) == sorted(affected)


def test_repeating_a_takedown_changes_nothing(output, tmp_path, capsys):
    target = pick_kept(output, 1)[0]
    urls = write_lines(tmp_path / "urls.txt", [target["url"]])
    assert audit_main(["takedown", str(output), "--urls", urls]) == 0
    once = file_hashes(output)
    assert audit_main(["takedown", str(output), "--urls", urls]) == 0
    assert "nothing to change" in capsys.readouterr().out
    assert file_hashes(output) == once


def test_takedown_by_host_covers_subdomains(output, tmp_path):
    ledger = read_all(output, "provenance")
    # A host with kept documents; its parent domain selects it and any other subdomain.
    host = sorted(
        r["host"] for r in ledger if r["decision"] == "kept" and r["host"].count(".") >= 2
    )[0]
    parent = host.split(".", 1)[1]
    hosts = write_lines(tmp_path / "hosts.txt", [parent.upper()])
    assert audit_main(["takedown", str(output), "--hosts", hosts]) == 0
    check_consistent(output)
    selected = {
        r["doc_id"]
        for r in ledger
        if r["decision"] == "kept" and (r["host"] == parent or r["host"].endswith("." + parent))
    }
    assert selected
    assert not selected & {r["doc_id"] for r in read_all(output, "corpus")}
    assert {
        r["doc_id"] for r in read_all(output, "provenance") if r["decision"] == "removed"
    } == selected


def test_host_selector_matches_whole_labels():
    import pyarrow as pa

    selector = Selector.from_lines("hosts", ["example.org"])
    table = pa.table(
        {"host": ["example.org", "www.example.org", "notexample.org", None, "example.org.uk"]}
    )
    assert selector.matches(table) == [True, True, False, False, False]


def test_host_selector_takes_ip_addresses_whole_and_both_idna_spellings():
    import pyarrow as pa

    table = pa.table(
        {"host": ["93.184.216.34", "216.34", "bücher.example", "xn--bcher-kva.example"]}
    )
    assert Selector.from_lines("hosts", ["216.34"]).matches(table) == [False, True, False, False]
    ip = Selector.from_lines("hosts", ["192.168.0.1"])
    assert ip.matches(pa.table({"host": ["10.192.168.0.1", "192.168.0.1"]})) == [False, True]
    for spelling in ("bücher.example", "xn--bcher-kva.example"):
        selector = Selector.from_lines("hosts", [spelling])
        assert selector.matches(table) == [False, False, True, True]
        assert selector.matched_values(table)[2:] == [spelling, spelling]


def test_a_host_listed_with_its_subdomain_counts_as_matched():
    """`case.example.com` beside `www.case.example.com` was reported as matching no row: the
    row was credited to the subdomain only."""
    import pyarrow as pa

    from pipeline.audit.takedown import ShardScan, unmatched_values

    table = pa.table({"host": ["www.case.example.com", "93.184.216.34"]})
    lines = ["case.example.com", "www.case.example.com", "216.34", "other.example", "bücher.de"]
    selector = Selector.from_lines("hosts", lines)
    scan = ShardScan("x", pa.table({}), set(), set(), set())
    scan.values_matched = {v for v in selector.matched_values(table) if v}
    # 216.34 is not a parent of an IP address; other.example and bücher.de match nothing
    assert unmatched_values(selector, [scan]) == 3
    scan.values_matched |= {"bücher.de"}
    assert unmatched_values(selector, [scan]) == 2


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("io", "a public suffix"),
        ("co.uk", "a public suffix"),
        # The list's private section: every user's site is under these.
        ("github.io", "a public suffix"),
        ("blogspot.com", "a public suffix"),
        # ... in either IDNA spelling, and made suffixes by its wildcard rules
        ("xn--h1ahn.xn--p1acf", "a public suffix"),
        ("мир.рус", "a public suffix"),
        # ... and in any spelling that maps to one (full-width, ideographic dots, ℂ𝕆𝕄)
        ("ｃｏｍ", "a public suffix"),
        ("ＣＯ．ＵＫ", "a public suffix"),
        ("ℂ𝕆𝕄", "a public suffix"),
        ("。", "no host name"),
        ("us-west-1.compute.amazonaws.com", "a public suffix"),
        ("westeurope.azurecontainer.io", "a public suffix"),
        ("example.org:443", "not a host name"),
        ("https://example.org/", "not a host name"),
        ("*.example.org", "not a host name"),
    ],
)
def test_host_lines_that_would_select_too_much_or_nothing_are_refused(line, problem):
    with pytest.raises(UsageError, match=f"hosts.txt:2: {problem}"):
        Selector.from_lines("hosts", ["# request", line], source="hosts.txt")


@pytest.mark.parametrize("line", ["example.org", "not a url", "ftp://example.org/file", "/path"])
def test_url_lines_that_could_match_nothing_are_refused(line):
    """They were counted as unmatched: a host list given as --urls removed nothing, exit 0."""
    with pytest.raises(UsageError, match="urls.txt:2: not an http\\(s\\) URL"):
        Selector.from_lines("urls", ["# request", line], source="urls.txt")
    assert Selector.from_lines("urls", ["HTTPS://Example.org/a"]).values == {
        "https://example.org/a"
    }


def test_a_site_under_a_private_suffix_is_a_host_that_can_be_taken_down():
    import pyarrow as pa

    table = pa.table({"host": ["someone.github.io", "www.someone.github.io", "other.github.io"]})
    selector = Selector.from_lines("hosts", ["someone.github.io"])
    assert selector.matches(table) == [True, True, False]
    for host in ("USER.GITHUB.IO", "x.herokuapp.com", "alice.xn--h1ahn.xn--p1acf"):
        Selector.from_lines("hosts", [host])


def test_urls_match_whatever_the_case_of_scheme_and_host_port_or_fragment():
    import pyarrow as pa

    selector = Selector.from_lines(
        "urls", ["HTTPS://Example.ORG:443/a?b=1#top", "http://example.org"]
    )
    table = pa.table(
        {
            "url": [
                "https://example.org/a?b=1",
                "https://example.org/A?b=1",  # paths are case-sensitive
                "http://example.org/",
                "http://example.org:8080/",
            ]
        }
    )
    assert selector.matches(table) == [True, False, True, False]


def test_a_selector_file_with_a_bom_or_not_utf8(output, tmp_path, capsys):
    target = pick_kept(output, 1)[0]
    with_bom = tmp_path / "bom.txt"
    with_bom.write_bytes(b"\xef\xbb\xbf" + target["url"].encode() + b"\n")
    assert audit_main(["takedown", str(output), "--urls", str(with_bom), "--dry-run"]) == 0
    assert "dry run: 1 ledger rows match" in capsys.readouterr().out
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes(b"http://example.org/\xff\n")
    assert audit_main(["takedown", str(output), "--urls", str(latin1)]) == 2
    err = capsys.readouterr().err
    assert "latin1.txt is not UTF-8 text" in err and err.count("\n") == 1


def test_values_that_match_nothing_are_counted(output, tmp_path, capsys):
    target = pick_kept(output, 1)[0]
    urls = write_lines(tmp_path / "urls.txt", [target["url"], "https://typo.example/"])
    assert audit_main(["takedown", str(output), "--urls", urls, "--dry-run"]) == 0
    assert "1 of the 2 values matched no ledger row" in capsys.readouterr().out
    assert audit_main(["takedown", str(output), "--urls", urls]) == 0
    assert "1 of the 2 values matched no ledger row" in capsys.readouterr().out
    assert check_consistent(output)["takedowns"][-1]["values_unmatched"] == 1


def test_takedown_by_text_hash_also_removes_saved_dropped_text(output, tmp_path):
    ledger = read_all(output, "provenance")
    kept = next(r for r in sorted(ledger, key=lambda r: r["doc_id"]) if r["decision"] == "kept")
    dropped_texts = read_all(output, "dropped")
    if not dropped_texts:
        pytest.skip("this sample run drops no document after extraction (no dropped text)")
    dropped_doc = ledger_by_id(output)[dropped_texts[0]["doc_id"]]
    hashes = write_lines(
        tmp_path / "sha.txt", [kept["text_sha256"], dropped_doc["text_sha256"].upper()]
    )
    assert audit_main(["takedown", str(output), "--sha256", hashes]) == 0
    manifest = check_consistent(output)
    remaining = {r["doc_id"] for r in read_all(output, "dropped")}
    assert dropped_doc["doc_id"] not in remaining
    after = ledger_by_id(output)
    assert after[dropped_doc["doc_id"]]["decision"] == dropped_doc["decision"]  # reason kept
    assert after[kept["doc_id"]]["decision"] == "removed"
    assert manifest["takedowns"][-1]["dropped_text_removed"] >= 1


def test_an_interrupted_takedown_is_finished_by_resume(output, sharded_run, tmp_path, capsys):
    targets = pick_kept(output, 2)
    selector = Selector.from_lines("urls", [t["url"] for t in targets])
    store = OutputStore(str(output))
    journal, _ = prepare_takedown(store, selector)
    untouched = {k: v for k, v in file_hashes(output).items() if not k.startswith("_temporary/")}
    original = file_hashes(sharded_run.root)
    assert untouched == original  # phase 1 never touches the live output
    assert not commit_takedown(store, journal, max_steps=3)  # "crash" after three steps
    assert not (output / "_SUCCESS").exists()
    assert audit_main(["report", str(output)]) == 2  # readers refuse the half-done state
    assert "takedown OUTPUT --resume" in capsys.readouterr().err
    assert pending_journals(store)
    half_done = file_hashes(output)
    urls = write_lines(tmp_path / "urls.txt", [targets[0]["url"]])
    assert audit_main(["takedown", str(output), "--urls", urls, "--dry-run"]) == 2
    assert "finish it with `ccprov takedown" in capsys.readouterr().err
    assert file_hashes(output) == half_done  # a dry run changes nothing, even then
    assert audit_main(["takedown", str(output), "--resume"]) == 0
    check_consistent(output)
    # The result equals an uninterrupted takedown of the same documents.
    clean = tmp_path / "clean"
    shutil.copytree(sharded_run.root, clean)
    apply_takedown(OutputStore(str(clean)), selector)
    shards = lambda root: {k: v for k, v in file_hashes(root).items() if k.endswith(".parquet")}  # noqa: E731
    assert shards(output) == shards(clean)


def test_an_inconsistent_output_is_refused_unchanged(output, tmp_path, capsys):
    target = pick_kept(output, 1)[0]
    shard = shard_of(target["doc_id"], output)
    corpus_path = output / "corpus" / shard
    table = pq.read_table(corpus_path)
    keep = [d != target["doc_id"] for d in table.column("doc_id").to_pylist()]
    pq.write_table(table.filter(keep), corpus_path)  # the corpus no longer matches its ledger
    before = file_hashes(output)
    urls = write_lines(tmp_path / "urls.txt", [target["url"]])
    assert audit_main(["takedown", str(output), "--urls", urls]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "output unchanged" in err[0]
    assert file_hashes(output) == before


def relaid_in_row_groups(root: Path, rows_per_group: int) -> None:
    """Every shard of `root` rewritten with the same rows in row groups of `rows_per_group`
    (as a run's 50,000-row shards hold several), the manifest's checksums updated."""
    manifest = json.loads((root / "manifest.json").read_text())
    for entries in manifest["files"].values():
        for entry in entries:
            path = root / entry["path"]
            pq.write_table(pq.read_table(path), path, row_group_size=rows_per_group)
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
            entry["bytes"] = path.stat().st_size
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2))


def decision_counts(ledger: pa.Table) -> dict[str, int]:
    """A statistic that a takedown changes (the run's own ones count columns it keeps)."""
    return {str(d): n for d, n in Counter(ledger.column("decision").to_pylist()).items()}


def with_decision_stats(root: Path) -> None:
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["stats"]["decisions"] = dict(
        Counter(r["decision"] for r in read_all(root, "provenance"))
    )
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2))


def test_a_takedown_reads_shards_row_group_by_row_group(output, sharded_run, tmp_path):
    """The result does not depend on how the shards are cut into row groups: the same rows,
    counts and statistics as on the run's own shards, each shard read a group at a time."""
    dropped_texts = read_all(output, "dropped")
    ledger = ledger_by_id(output)
    hashes = [t["text_sha256"] for t in pick_kept(output, 2)]
    hashes += [ledger[d["doc_id"]]["text_sha256"] for d in dropped_texts[:1]]
    selector = Selector.from_lines("sha256", hashes)
    stats_fns = {**ledger_stats_fns(), "decisions": decision_counts}
    clean = tmp_path / "clean"
    shutil.copytree(sharded_run.root, clean)
    for root in (output, clean):
        with_decision_stats(root)
    relaid_in_row_groups(output, 1)
    assert pq.ParquetFile(next((output / "provenance").glob("*.parquet"))).num_row_groups > 1
    apply_takedown(OutputStore(str(output)), selector, stats_fns=stats_fns)
    apply_takedown(OutputStore(str(clean)), selector, stats_fns=stats_fns)
    relaid, original = check_consistent(output), check_consistent(clean)
    for kind in ("provenance", "corpus", "dropped"):
        assert read_all(output, kind) == read_all(clean, kind), kind
    for key in ("counts", "funnel", "stats"):
        assert relaid[key] == original[key], key
    after = Counter(r["decision"] for r in read_all(output, "provenance"))
    assert relaid["stats"]["decisions"] == dict(after)
    assert after["removed"] == 2
    assert relaid["takedowns"][-1]["removed"] == 2
    assert relaid["takedowns"][-1]["dropped_text_removed"] == min(1, len(dropped_texts))
    assert relaid["takedowns"][-1]["stats_recomputed"]


def test_a_rewritten_shard_keeps_its_schema_codec_and_checksum(tmp_path):
    store = OutputStore(str(tmp_path))
    schema = pa.schema([("doc_id", pa.string()), ("n", pa.int64())], metadata={b"k": b"v"})
    table = pa.table({"doc_id": [f"d{i}" for i in range(30)], "n": list(range(30))}, schema)
    (tmp_path / "corpus").mkdir()
    pq.write_table(table, tmp_path / "corpus" / "a.parquet", compression="snappy", row_group_size=7)
    result = rewrite_shard(
        store, "corpus", "a.parquet", "_temporary/t/a.parquet", lambda t: without(t, {"d3", "d29"})
    )
    written = tmp_path / "_temporary" / "t" / "a.parquet"
    data = written.read_bytes()
    assert (result.rows_in, result.rows_out, result.bytes) == (30, 28, len(data))
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    source = pq.ParquetFile(written)
    assert source.schema_arrow.metadata == {b"k": b"v"}
    assert source.metadata.row_group(0).column(0).compression == "SNAPPY"
    assert pq.read_table(written).column("n").to_pylist() == [
        i for i in range(30) if i not in (3, 29)
    ]
    # No row left: nothing is written (the caller deletes the shard instead).
    empty = rewrite_shard(
        store, "corpus", "a.parquet", "_temporary/t/b.parquet", lambda t: t.slice(0, 0)
    )
    assert (empty.rows_out, empty.sha256) == (0, "")
    assert not (tmp_path / "_temporary" / "t" / "b.parquet").exists()


REWRITE_PEAK_SCRIPT = """
import sys
from pipeline.audit.store import OutputStore
from pipeline.audit.takedown import rewrite_shard, without
import pyarrow as pa

result = rewrite_shard(
    OutputStore(sys.argv[1]), "corpus", "big.parquet", "_temporary/t/big.parquet",
    lambda t: without(t, {"d0", "d12345"}),
)
print(result.rows_out, pa.default_memory_pool().max_memory())
"""


def test_a_large_shard_is_rewritten_in_bounded_memory(tmp_path):
    """24 row groups of 1,000 rows and 4 MB of text each: Arrow's peak stays near a few row
    groups (25-41 MB in repeated runs: Arrow's decoding threads make it vary). Reading the
    shard whole, as takedown did before, peaked at 205 MB: the text, its filtered copy and
    the new file's bytes."""
    (tmp_path / "corpus").mkdir()
    with pq.ParquetWriter(tmp_path / "corpus" / "big.parquet", SHARD_TEXT_SCHEMA) as writer:
        for group in range(24):
            ids = [f"d{group * 1000 + i}" for i in range(1000)]
            texts = [f"{doc_id} " * (4000 // (len(doc_id) + 1)) for doc_id in ids]
            writer.write_table(pa.table({"doc_id": ids, "text": texts}, SHARD_TEXT_SCHEMA))
    text_bytes = pq.read_metadata(tmp_path / "corpus" / "big.parquet").num_rows * 4000
    done = subprocess.run(
        [sys.executable, "-c", REWRITE_PEAK_SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    rows, peak = (int(v) for v in done.stdout.split())
    assert rows == 24_000 - 2
    assert peak < text_bytes / 2, (peak, text_bytes)


def test_a_new_run_does_not_silently_undo_a_takedown(output, tmp_path, capsys):
    """Running the pipeline again into the output would bring the removed documents back."""
    target = pick_kept(output, 1)[0]
    urls = write_lines(tmp_path / "urls.txt", [target["url"]])
    assert audit_main(["takedown", str(output), "--urls", urls]) == 0
    capsys.readouterr()
    before = file_hashes(output)
    args = ("--shard-size", str(SHARD_ROWS), "--keep-dropped")
    assert run_pipeline(output, *args).exit_code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "1 takedown(s) applied (1 documents removed)" in err[0], err
    assert "--overwrite-takedowns" in err[0]
    assert file_hashes(output) == before  # refused before anything was touched
    rerun = run_pipeline(output, *args, "--overwrite-takedowns")
    assert rerun.exit_code == 0
    assert target["doc_id"] in {r["doc_id"] for r in read_all(output, "corpus")}
    assert "takedowns" not in rerun.manifest


def test_a_new_run_does_not_discard_an_unfinished_takedown(output, tmp_path, capsys):
    target = pick_kept(output, 1)[0]
    store = OutputStore(str(output))
    journal, _ = prepare_takedown(store, Selector.from_lines("urls", [target["url"]]))
    assert not commit_takedown(store, journal, max_steps=2)  # cut short
    capsys.readouterr()
    assert run_pipeline(output, "--shard-size", str(SHARD_ROWS)).exit_code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "has an unfinished takedown" in err[0], err
    assert f"ccprov takedown {output} --resume" in err[0]
    assert pending_journals(store)  # still there to be finished


def test_report_after_a_takedown(output, tmp_path):
    target = pick_kept(output, 1)[0]
    assert audit_main(["report", str(output)]) == 0
    urls = write_lines(tmp_path / "urls.txt", [target["url"]])
    assert audit_main(["takedown", str(output), "--urls", urls]) == 0
    assert not (output / "report.html").exists()  # stale reports are removed
    assert audit_main(["report", str(output)]) == 0
    html = (output / "report.html").read_text()
    assert 'id="takedowns-table"' in html
    assert '<tr data-stage="takedown"><td>takedown</td>' in html


@pytest.mark.parametrize(
    "flags,message",
    [
        (["--urls", "/nonexistent/urls.txt"], "cannot read"),
        (["--sha256", "BAD"], "not a SHA-256 hex digest"),
        (["--urls", "EMPTY"], "lists no urls"),
        (["--urls", ""], "cannot read"),
        ([], "one of the arguments"),
    ],
)
def test_bad_selectors_are_one_line_errors(output, tmp_path, capsys, flags, message):
    (tmp_path / "bad.txt").write_text("abc\n")
    (tmp_path / "empty.txt").write_text("# nothing\n\n")
    flags = [
        {"BAD": str(tmp_path / "bad.txt"), "EMPTY": str(tmp_path / "empty.txt")}.get(f, f)
        for f in flags
    ]
    before = file_hashes(output)
    assert audit_main(["takedown", str(output), *flags]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert file_hashes(output) == before


@pytest.mark.s3
def test_takedown_on_s3(sharded_run, s3_server, tmp_path, capsys):
    from tests.test_query import upload_output

    bucket = s3_server.create_bucket()
    upload_output(s3_server, sharded_run.root, bucket, "run")
    client = s3_server.client()

    def objects():
        listing = client.list_objects_v2(Bucket=bucket, Prefix="run/")["Contents"]
        return {o["Key"]: o["ETag"] for o in listing}

    before = objects()
    target = pick_kept(sharded_run.root, 1)[0]
    shard = shard_of(target["doc_id"], sharded_run.root)
    urls = write_lines(tmp_path / "urls.txt", [target["url"]])
    prefix = f"s3://{bucket}/run"
    assert audit_main(["takedown", prefix, "--urls", urls, *s3_server.beam_args()]) == 0
    after = objects()
    assert "run/_SUCCESS" in after
    assert not [k for k in after if "/_temporary/" in k]
    changed = {k for k in after if before.get(k) != after[k]}
    gone = set(before) - set(after)
    # The manifest and the target's ledger shard are rewritten; its corpus shard is rewritten
    # (or deleted when it held only that document); nothing else changes.
    assert {"run/manifest.json", f"run/provenance/{shard}"} <= changed
    assert changed | gone <= {"run/manifest.json", f"run/provenance/{shard}", f"run/corpus/{shard}"}
    assert f"run/corpus/{shard}" in changed | gone
    manifest = json.loads(client.get_object(Bucket=bucket, Key="run/manifest.json")["Body"].read())
    assert manifest["counts"]["removed"] == 1
    assert manifest["counts"]["kept"] == sharded_run.manifest["counts"]["kept"] - 1
    capsys.readouterr()
    assert audit_main(["takedown", prefix, "--urls", urls, *s3_server.beam_args()]) == 0
    assert "nothing to change" in capsys.readouterr().out
    assert objects() == after


def test_resume_clears_a_takedown_cut_short_while_preparing(output, sharded_run, capsys):
    partial = output / "_temporary" / "takedown-20261206T000000-abcdef12" / "corpus"
    partial.mkdir(parents=True)
    (partial / "part-00000-000.parquet").write_bytes(b"half a shard")
    assert audit_main(["takedown", str(output), "--resume"]) == 0
    assert "removed 1 takedown(s) cut short before their commit" in capsys.readouterr().err
    assert not (output / "_temporary").exists()
    assert file_hashes(output) == file_hashes(sharded_run.root)


def test_urls_match_whether_percent_encoded_or_not():
    """A rights holder sends the URL a browser copies (%C3%A9); the ledger has what the
    crawler wrote (é): it matched nothing and was only counted as unmatched."""
    import pyarrow as pa

    selector = Selector.from_lines("urls", ["http://enc.example.com/%C3%A9moji-%C3%BC?q=%C3%9F"])
    table = pa.table(
        {"url": ["http://enc.example.com/émoji-ü?q=ß", "http://enc.example.com/emoji"]}
    )
    assert selector.matches(table) == [True, False]
    encoded = Selector.from_lines("urls", ["http://enc.example.com/émoji-ü?q=ß"])
    assert encoded.matches(
        pa.table({"url": ["http://enc.example.com/%C3%A9moji-%C3%BC?q=%C3%9F"]})
    ) == [True]


def test_percent_escapes_of_reserved_or_non_utf8_bytes_stay_distinct():
    """Decoding every escape matched pages nobody listed: /a%2Fb took /a/b, and every
    Latin-1 escape (%E9, %FC) turned into U+FFFD and took /caf%E8."""
    import pyarrow as pa

    ledger = pa.table(
        {
            "url": [
                "https://h.example.com/a/b",
                "https://h.example.com/caf%E8",
                "https://h.example.com/p?q=a&b=c",
                "https://h.example.com/x?y",
            ]
        }
    )
    for asked in (
        "https://h.example.com/a%2Fb",
        "https://h.example.com/caf%E9",
        "https://h.example.com/p?q=a%26b%3Dc",
        "https://h.example.com/x%3Fy",
    ):
        assert not any(Selector.from_lines("urls", [asked]).matches(ledger)), asked
    same = Selector.from_lines(
        "urls", ["https://h.example.com/caf%e8", "https://h.example.com/%61/b"]
    )
    assert same.matches(ledger) == [True, True, False, False]


def test_takedown_and_robots_share_one_form_of_escapes():
    """transforms.urls.canonical_escapes: takedown had its own copy with a different form."""
    import pyarrow as pa

    from transforms.robots import RobotsTxt

    ledger = pa.table({"url": ["https://h.example.com/été a", "https://h.example.com/~x"]})
    asked = Selector.from_lines(
        "urls", ["https://h.example.com/%C3%A9t%c3%a9%20a", "https://h.example.com/%7Ex"]
    )
    assert asked.matches(ledger) == [True, True]
    robots = RobotsTxt.parse("User-agent: *\nDisallow: /%C3%A9t%c3%a9%20a\n")
    assert robots.evaluate("https://h.example.com/été a", "CCBot").allowed is False


def test_urls_with_an_internationalised_host_match_the_crawled_ascii_form():
    """A takedown request copied from a browser (bücher.example) matched no ledger row:
    crawlers write the host as xn--bcher-kva.example."""
    assert normal_url("https://bücher.example/seite") == normal_url(
        "https://xn--bcher-kva.example/seite"
    )
    assert normal_url("https://BÜCHER.example:443/seite#x") == "https://xn--bcher-kva.example/seite"
    # IDNA 2008 as browsers and registries: faß.de is xn--fa-hia.de, not fass.de (IDNA 2003)
    assert normal_url("http://faß.de/straße") == normal_url("http://xn--fa-hia.de/straße")
    assert normal_url("http://faß.de/") != normal_url("http://fass.de/")
    selector = Selector.from_lines("hosts", ["faß.de"])
    table = pa.table({"host": ["fass.de", "xn--fa-hia.de", "www.faß.de"]})
    assert selector.matches(table) == [False, True, True]
    # the ledger keeps the host as the URL had it: any spelling of it is the same host
    selector = Selector.from_lines("hosts", ["xn--r8jz45g.xn--zckzah"])
    table = pa.table({"host": ["例え.テスト", "www.例え。テスト", "xn--r8jz45g.xn--zckzah"]})
    assert selector.matches(table) == [True, True, True]
    nfd = Selector.from_lines("hosts", ["bu\u0308cher.example。"])  # and a trailing 。
    assert nfd.matches(pa.table({"host": ["bücher.example", "xn--bcher-kva.example"]})) == [
        True,
        True,
    ]
    assert normal_url("http://bücher.example。/a") == "http://xn--bcher-kva.example/a"
    # browsers write these too (no IDNA 2008 label rules): emoji, an underscore label
    assert normal_url("http://💩.la/page") == "http://xn--ls8h.la/page"
    for host, crawled in (("i❤.ws", "xn--i-7iq.ws"), ("bücher.my_host.example", None)):
        crawled = crawled or "xn--bcher-kva.my_host.example"
        assert Selector.from_lines("hosts", [host]).matches(pa.table({"host": [crawled]})) == [True]
        assert Selector.from_lines("hosts", [crawled]).matches(pa.table({"host": [host]})) == [True]


def test_a_takedown_adds_no_statistic_an_older_manifest_lacks(output, tmp_path):
    # A manifest written before `stats.filters.language_precheck_drops` existed: the
    # takedown's change to it is 0, and it must not appear as a count of 0.
    manifest_path = output / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert "language_precheck_drops" in manifest["stats"]["filters"]
    del manifest["stats"]["filters"]["language_precheck_drops"]
    manifest_path.write_text(json.dumps(manifest))
    urls = write_lines(tmp_path / "urls.txt", [t["url"] for t in pick_kept(output, 1)])
    assert audit_main(["takedown", str(output), "--urls", urls]) == 0
    after = json.loads(manifest_path.read_text())
    assert "language_precheck_drops" not in after["stats"]["filters"]
    assert after["counts"]["kept"] == manifest["counts"]["kept"] - 1
    # a count that changes is still added, also where it is new
    stats = {"a": {"n": 2}, "b": 1}
    delta = {"a": {"n": -1, "new": 3, "same": 0}, "b": 0, "c": 0, "d": {"e": 0}}
    add_counts(stats, delta, new_zeros=False)
    assert stats == {"a": {"n": 1, "new": 3}, "b": 1}
