"""transforms/writer.py: record groups -> temporary parts -> ledger, corpus and dropped shards."""

from __future__ import annotations

import hashlib
import json
import random
import time
import weakref
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from schemas import DROPPED_SCHEMA
from transforms.dedup import NEAR_DUPLICATE, DedupDecision
from transforms.document import KEPT, WarcDoc
from transforms.writer import (
    CORPUS_DIR,
    DOC_TAG,
    DROPPED_DIR,
    LEDGER_DIR,
    PARTS_DIR,
    ROW_GROUP_ROWS,
    UPDATE_TAG,
    AttributeUpdate,
    GroupPart,
    MergeShardsFn,
    OutputSpec,
    OutputWriteError,
    StreamedShard,
    WriteGroupPartsFn,
    _retried_write,
    charset_label,
    commit_shards,
    join,
    plan_chunks,
    shard_file_name,
)

GROUP_KEY = (3, 1)  # (file_index, record_group)


def make_doc(i: int) -> WarcDoc:
    """Record i of a file: every third is dropped by a filter (its text kept for --keep-dropped)."""
    doc = WarcDoc(
        doc_id=f"f-{i:04d}",
        warc_path="s3://bucket/file.warc.gz",
        file_index=GROUP_KEY[0],
        warc_offset=1000 * i + 17,
        record_group=GROUP_KEY[1],
        url=f"https://example.org/{i}",
        text=f"text of page {i} " * 20,
        language="en",
        language_score=0.9,
    )
    doc.filter_scores["gopher_word_count"] = 40.0
    doc.attributes["license"] = {"license_type": "cc-by" if i % 2 else None}
    if i % 3 == 0:
        doc.drop("c4:too_few_sentences")
    return doc


def late_updates() -> list[AttributeUpdate]:
    """Dedup removes record 4 as a near duplicate of record 2; record 5 gets host figures."""
    duplicate = DedupDecision("f-0004", GROUP_KEY, "f-0002", 2, "f-0002", NEAR_DUPLICATE, 0.9)
    representative = DedupDecision("f-0002", GROUP_KEY, "f-0002", 2, None, None, None)
    host = {"ai_host": "example.org", "host_ai_score": 0.25, "host_doc_count": 7}
    return [
        AttributeUpdate("f-0004", "dedup", duplicate.to_attributes(), duplicate.drop_reason),
        AttributeUpdate("f-0002", "dedup", representative.to_attributes()),
        AttributeUpdate("f-0005", "ai", host),
    ]


def tagged_group(n: int, seed: int) -> list[tuple[str, object]]:
    """The group as a runner may deliver it: any order, updates last here (FnApiRunner's)."""
    docs = [(DOC_TAG, make_doc(i)) for i in range(n)]
    random.Random(seed).shuffle(docs)
    return docs + [(UPDATE_TAG, u) for u in late_updates()]


def make_spec(tmp_path, shard_size: int, files_per_shard: int = 1) -> OutputSpec:
    return OutputSpec(
        output=str(tmp_path / "out"),
        run_id="run",
        pipeline_version="test",
        config_hash="0",
        shard_size=shard_size,
        files_per_shard=files_per_shard,
        keep_dropped=True,
    )


def write_parts(spec: OutputSpec, groups) -> list[tuple[int, GroupPart]]:
    """Stage 1: each ((file_index, group_no), values) written as its temporary part."""
    fn = WriteGroupPartsFn(spec)
    fn.setup()
    return [keyed for group in groups for keyed in fn.process(group)]


def merge(spec: OutputSpec, keyed_parts, stats_fns=None) -> list:
    """Stage 2: each shard's parts, in any order, merged into its shards."""
    by_key: dict[int, list[GroupPart]] = {}
    for key, part in keyed_parts:
        by_key.setdefault(key, []).append(part)
    fn = MergeShardsFn(spec, stats_fns or {})
    fn.setup()
    return [info for key, parts in by_key.items() for info in fn.process((key, parts[::-1]))]


def write_group(tmp_path, values, shard_size: int) -> tuple[OutputSpec, list]:
    spec = make_spec(tmp_path, shard_size)
    return spec, merge(spec, write_parts(spec, [(GROUP_KEY, values)]))


def read_shard(spec: OutputSpec, kind: str, name: str) -> list[dict]:
    return pq.read_table(join(spec.temp_root, kind, name)).to_pylist()


def test_group_is_written_in_offset_order_in_chunks_with_its_late_updates(tmp_path):
    spec, infos = write_group(tmp_path, tagged_group(10, seed=1), shard_size=4)
    ledger_infos = [i for i in infos if i.kind == LEDGER_DIR]
    assert [i.name for i in ledger_infos] == [f"part-00003-{c:03d}.parquet" for c in range(3)]
    assert [i.rows for i in ledger_infos] == [4, 4, 2]

    offsets = []
    for info in ledger_infos:
        ledger = read_shard(spec, LEDGER_DIR, info.name)
        offsets += [r["warc_offset"] for r in ledger]
        by_id = {r["doc_id"]: r for r in ledger}
        kept = [r["doc_id"] for r in ledger if r["decision"] == KEPT]
        dropped = [r["doc_id"] for r in ledger if r["decision"] != KEPT]
        # The chunk's corpus and dropped shards hold exactly its own documents, in order.
        names = {(i.kind, i.name) for i in infos}
        corpus = read_shard(spec, CORPUS_DIR, info.name) if kept else []
        assert [r["doc_id"] for r in corpus] == kept
        assert ((CORPUS_DIR, info.name) in names) == bool(kept)
        assert [r["doc_id"] for r in read_shard(spec, DROPPED_DIR, info.name)] == dropped
        assert info.stats["ledger_rows"] == len(ledger)
        assert sum(info.stats["decisions"].values()) == len(ledger)
        for row in corpus:
            assert row["text"] == make_doc(int(row["doc_id"][2:])).text
            assert row["id"] == row["doc_id"]  # no WARC-Record-ID in these records
        if "f-0004" in by_id:
            assert by_id["f-0004"]["decision"] == "dropped"
            assert by_id["f-0004"]["drop_reason"] == NEAR_DUPLICATE
            assert by_id["f-0004"]["duplicate_of"] == "f-0002"
        if "f-0002" in by_id:
            assert by_id["f-0002"]["decision"] == KEPT
            assert by_id["f-0002"]["dedup_cluster_size"] == 2
        if "f-0005" in by_id:
            assert by_id["f-0005"]["host_ai_score"] == 0.25
    assert offsets == [1000 * i + 17 for i in range(10)]
    for info in infos:  # the manifest's checksums are those of the bytes written
        data = (Path(spec.temp_root) / info.kind / info.name).read_bytes()
        assert (info.bytes, info.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_shards_do_not_depend_on_the_order_values_arrive_in(tmp_path):
    def digests(seed: int) -> list[tuple[str, str, str]]:
        values = tagged_group(50, seed)
        if seed % 2:  # updates first, or mixed in
            values = values[-3:] + values[:-3]
        _, infos = write_group(tmp_path / str(seed), values, shard_size=20)
        return sorted((i.kind, i.name, i.sha256) for i in infos)

    first = digests(0)
    assert len(first) == 9  # 3 chunks x (ledger, corpus, dropped)
    for seed in (1, 2, 3):
        assert digests(seed) == first


def file_groups(file_index: int, sizes: list[int], seed: int) -> list[tuple[tuple, list]]:
    """One input file's record groups of the given sizes, each in a shuffled order."""
    groups, first = [], 0
    for group_no, size in enumerate(sizes):
        docs = []
        for i in range(first, first + size):
            doc = make_doc(i)
            doc.doc_id = f"{file_index}-{i:04d}"
            doc.file_index, doc.record_group = file_index, group_no
            docs.append((DOC_TAG, doc))
        random.Random(seed + group_no).shuffle(docs)
        groups.append(((file_index, group_no), docs))
        first += size
    return groups


@pytest.mark.parametrize(
    ("files_per_shard", "shard_size", "expected_chunks"),
    [
        (1, 50_000, {0: [15], 1: [9], 2: [4]}),  # one shard per input file
        (2, 50_000, {0: [24], 1: [4]}),  # files 0-1, then file 2
        (3, 10, {0: [10, 10, 8]}),  # chunk boundaries inside record groups
        (1, 3, {0: [3] * 5, 1: [3] * 3, 2: [3, 1]}),
    ],
)
def test_shards_merge_record_groups_of_consecutive_files_in_order(
    tmp_path, files_per_shard, shard_size, expected_chunks
):
    """Record groups of 7, 7, 1 | 5, 4 | 4 records in files 0, 1 and 2 are merged into
    shards of `files_per_shard` files and chunks of `shard_size` ledger rows; each chunk's
    corpus and dropped files hold exactly the documents of its ledger rows."""
    spec = make_spec(tmp_path, shard_size, files_per_shard)
    groups = file_groups(0, [7, 7, 1], 1) + file_groups(1, [5, 4], 2) + file_groups(2, [4], 3)
    parts = write_parts(spec, groups[::-1])
    infos = merge(spec, parts, {"pages": lambda t: {"ledger_pages": t.num_rows}})

    ledger_infos = sorted((i for i in infos if i.kind == LEDGER_DIR), key=lambda i: i.name)
    assert [(i.name, i.rows) for i in ledger_infos] == [
        (f"part-{key:05d}-{chunk:03d}.parquet", rows)
        for key, sizes in expected_chunks.items()
        for chunk, rows in enumerate(sizes)
    ]
    order = []
    for info in ledger_infos:
        ledger = read_shard(spec, LEDGER_DIR, info.name)
        assert info.stats["ledger_rows"] == info.stats["pages"]["ledger_pages"] == len(ledger)
        kept = [r["doc_id"] for r in ledger if r["decision"] == KEPT]
        corpus = read_shard(spec, CORPUS_DIR, info.name) if kept else []
        assert [r["doc_id"] for r in corpus] == kept
        dropped = [r["doc_id"] for r in ledger if r["decision"] != KEPT]
        dropped_shard = read_shard(spec, DROPPED_DIR, info.name) if dropped else []
        assert [r["doc_id"] for r in dropped_shard] == dropped
        order += [(r["doc_id"].split("-")[0], r["warc_offset"]) for r in ledger]
    assert len(order) == 28
    assert order == sorted(order)  # input file, then WARC offset
    assert {i.kind for i in infos if i.name not in {x.name for x in ledger_infos}} == set()


def test_row_groups_join_small_parts(tmp_path):
    """Parts of few rows are joined into row groups of at least ROW_GROUP_ROWS rows."""
    spec = make_spec(tmp_path, 50_000)
    sizes = [ROW_GROUP_ROWS // 4 + 1] * 6  # two row groups' worth, then a rest
    infos = merge(spec, write_parts(spec, file_groups(0, sizes, 5)))
    ledger = next(i for i in infos if i.kind == LEDGER_DIR)
    meta = pq.ParquetFile(join(spec.temp_root, LEDGER_DIR, ledger.name)).metadata
    rows = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
    assert rows == [4 * (ROW_GROUP_ROWS // 4 + 1), 2 * (ROW_GROUP_ROWS // 4 + 1)]


def test_plan_chunks_cuts_at_shard_size_across_parts():
    parts = [
        GroupPart(1, 0, ((LEDGER_DIR, 4),)),
        GroupPart(0, 1, ((LEDGER_DIR, 2),)),
        GroupPart(0, 0, ((LEDGER_DIR, 3), (CORPUS_DIR, 1))),
    ]
    chunks = plan_chunks(parts, 4)
    assert [[(s.part.file_index, s.part.group_no, s.start, s.stop) for s in c] for c in chunks] == [
        [(0, 0, 0, 3), (0, 1, 0, 1)],
        [(0, 1, 1, 2), (1, 0, 0, 3)],
        [(1, 0, 3, 4)],
    ]
    assert [s.whole for s in chunks[0]] == [True, False]


def test_finishing_deletes_the_temporary_parts(tmp_path):
    """(On object stores, where no folder is deleted with its keys: test_s3_pipeline.py.)"""
    spec, infos = write_group(tmp_path, tagged_group(10, seed=1), shard_size=4)
    parts = Path(spec.temp_root) / PARTS_DIR
    assert sorted(p.name for p in parts.rglob("*.arrow")) == ["part-00003-0001.arrow"] * 3
    commit_shards(spec, infos)
    assert not parts.exists()
    out = Path(spec.output)
    assert sorted(p.name for p in (out / LEDGER_DIR).iterdir()) == [
        f"part-00003-{c:03d}.parquet" for c in range(3)
    ]


def test_a_commit_run_again_after_it_went_through_is_done(tmp_path):
    """A runner retries a step whose worker died after the commit: the renames found their
    sources gone and failed the job, with the shards in place and no manifest."""
    spec, infos = write_group(tmp_path, tagged_group(10, seed=1), shard_size=4)
    commit_shards(spec, infos)
    out = Path(spec.output) / LEDGER_DIR
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    commit_shards(spec, infos)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # but a shard that is neither to be moved nor in place is lost: that is an error
    (out / "part-00003-001.parquet").unlink()
    with pytest.raises(OutputWriteError, match="1 shard\\(s\\) to commit are gone"):
        commit_shards(spec, infos)


def test_a_lost_shard_is_not_taken_for_a_previous_runs_shard_of_its_name(tmp_path):
    """This run's temporary shard gone, the previous run's shard of the same name in place:
    the commit succeeded, and the manifest described bytes that were not there."""
    spec, old_infos = write_group(tmp_path, tagged_group(10, seed=1), shard_size=3)
    commit_shards(spec, old_infos)
    spec, new_infos = write_group(tmp_path, tagged_group(10, seed=2), shard_size=4)
    lost = Path(join(spec.temp_root, LEDGER_DIR, "part-00003-001.parquet"))
    assert (Path(spec.output) / LEDGER_DIR / lost.name).stat().st_size != next(
        i.bytes for i in new_infos if i.kind == LEDGER_DIR and i.name == lost.name
    )
    lost.unlink()
    with pytest.raises(OutputWriteError, match="shard\\(s\\) to commit are gone"):
        commit_shards(spec, new_infos)


class RereadableGroup:
    """A group read from runner state: every pass decodes fresh documents, one at a time."""

    def __init__(self, n: int):
        self.n = n
        self.live: list[weakref.ref] = []  # WarcDoc is unhashable: no WeakSet
        self.most_live = 0
        self.passes = 0

    def __iter__(self):
        self.passes += 1
        for i in range(self.n):
            doc = make_doc(i)
            self.live = [ref for ref in self.live if ref() is not None] + [weakref.ref(doc)]
            self.most_live = max(self.most_live, len(self.live))
            yield DOC_TAG, doc
            del doc
        for update in late_updates():
            yield UPDATE_TAG, update


@pytest.mark.parametrize("n", [1, 300, 2000])
def test_documents_are_released_while_the_group_is_read(tmp_path, n):
    """The writer keeps rows (Arrow batches), not the group's documents: at most the one being
    read and the one before it are alive at any time, for any group size."""
    group = RereadableGroup(n)
    spec, infos = write_group(tmp_path, group, shard_size=50_000)
    assert group.passes == 2
    assert group.most_live <= 2
    ledger = read_shard(spec, LEDGER_DIR, infos[0].name)
    assert len(ledger) == n
    if n > 4:
        assert {r["doc_id"]: r["drop_reason"] for r in ledger}["f-0004"] == NEAR_DUPLICATE


def test_a_group_of_updates_only_writes_nothing(tmp_path):
    spec = make_spec(tmp_path, 10)
    assert write_parts(spec, [(GROUP_KEY, [(UPDATE_TAG, u) for u in late_updates()])]) == []
    assert not Path(spec.temp_root).exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_stops_a_streamed_shard_at_once_with_one_line():
    """/dev/full refuses every write with ENOSPC, a real full disk: the shard's writer gives
    up at once (no retries: the disk will not empty itself) with the file and the reason."""
    table = pa.table(
        {
            "doc_id": [f"d{i}" for i in range(3000)],
            "url": ["u"] * 3000,
            "drop_reason": ["r"] * 3000,
            "text": ["text " * 100] * 3000,
        },
        schema=DROPPED_SCHEMA,
    )

    def write() -> None:
        shard = StreamedShard("/dev/full", DROPPED_SCHEMA, "zstd")
        try:
            shard.add(table)
            shard.finish()
        except BaseException:
            shard.abort()
            raise

    started = time.monotonic()
    with pytest.raises(OutputWriteError) as failure:
        _retried_write(write, "/dev/full")
    assert str(failure.value) == "cannot write /dev/full: No space left on device"
    assert time.monotonic() - started < 5


def test_every_reader_reason_is_in_the_read_stage_of_the_funnel():
    """A record the reader could not take must not show as having passed every filter (it
    was counted in an `other` stage after takedown)."""
    from transforms.warc_reader import (
        BAD_URL,
        NO_TARGET_URI,
        NOT_HTTP,
        READER_BUG,
        RECORD_ERROR_KINDS,
    )
    from transforms.writer import stage_of

    reader_drops = ("html_too_large", "http_status", "not_html", "binary_content")
    reader_drops += (NO_TARGET_URI, NOT_HTTP, BAD_URL)
    for reason in (*RECORD_ERROR_KINDS, READER_BUG, *reader_drops):
        assert stage_of(reason) == "read", reason


def test_text_is_written_as_string_in_pieces_that_fit_its_offsets(monkeypatch):
    """In memory a record group's text is large_string (sorting 2 GiB of `string` fails);
    shards hold `string`, FineWeb's type, cut into chunks below 2 GiB each (here the limit
    is lowered to 1,000 bytes), in the row groups the table would have had whole."""
    from schemas import CORPUS_SCHEMA
    from transforms import writer
    from transforms.writer import in_memory_schema, on_disk

    assert CORPUS_SCHEMA.field("text").type == pa.string()
    wide = in_memory_schema(DROPPED_SCHEMA)
    assert wide.field("text").type == pa.large_string()
    rows = [
        {"doc_id": f"d{i}", "url": None, "drop_reason": "x", "text": "t" * 90} for i in range(50)
    ]
    table = pa.Table.from_pylist(rows, schema=wide)
    monkeypatch.setattr(writer, "_STRING_PIECE_BYTES", 1_000)
    narrow = on_disk(table, DROPPED_SCHEMA)
    assert narrow.schema.equals(DROPPED_SCHEMA)
    assert narrow.column("text").num_chunks > 1
    assert all(chunk.nbytes <= 1_000 + 8 * 12 for chunk in narrow.column("text").chunks)
    assert narrow.to_pylist() == rows
    sink = pa.BufferOutputStream()
    pq.write_table(narrow, sink, row_group_size=20)
    shard = pq.ParquetFile(pa.BufferReader(sink.getvalue()))
    assert [shard.metadata.row_group(i).num_rows for i in range(shard.num_row_groups)] == [
        20,
        20,
        10,
    ]
    assert shard.schema_arrow.field("text").type == pa.string()


@pytest.mark.parametrize(
    "codec, label",
    [
        ("iso-2022-jp", "iso-2022-jp"),
        ("cp874", "windows-874"),
        ("ibm866", "ibm866"),
        ("macintosh", "macintosh"),
        ("mac-cyrillic", "x-mac-cyrillic"),
        ("utf-16le", "utf-16le"),
        ("UTF-16BE", "utf-16be"),
        ("windows-1251", "windows-1251"),
        ("iso-8859-15", "iso-8859-15"),
        ("euc-jp", "euc-jp"),
        ("Shift_JIS", "shift_jis"),
        ("us-ascii", "us-ascii"),
        ("cp037", "ibm037"),
        ("cp737", "cp737"),  # no IANA or WHATWG name: Python's, which Python reads back
    ],
)
def test_the_ledger_charset_is_the_label_people_query_by(codec, label):
    """`WHERE charset = 'iso-2022-jp'` found nothing: the column held Python's iso2022-jp."""
    import codecs

    assert charset_label(codecs.lookup(codec).name) == label


def test_chunk_names_sort_in_row_order_past_999_chunks():
    """A shard cut into 1,005 chunks named -1000 before -101: readers that take files in
    name order (DuckDB, pyarrow.dataset) read the rows out of WARC order."""
    names = [shard_file_name(7, n, 1005) for n in range(1005)]
    assert sorted(names) == names
    assert names[0] == "part-00007-0000.parquet"
    assert shard_file_name(7, 12, 999) == "part-00007-012.parquet"  # the usual width


def test_the_manifest_does_not_depend_on_the_order_shards_arrive_in():
    """Two workers finish shards in either order: the counts' keys came out in arrival
    order, so one run's manifest.json differed from another's of the same input."""
    from transforms.writer import ShardInfo, build_manifest

    def ledger_shard(index: int, reason: str) -> ShardInfo:
        stats = {"ledger_rows": 1, "filter_drops": {reason: 1}, "score_sum": 0.1 * (index + 1)}
        return ShardInfo("provenance", f"part-0000{index}-000.parquet", 1, "h", 1, stats)

    shards = [ledger_shard(0, "c4:lines"), ledger_shard(1, "gopher_quality:words"),
              ledger_shard(2, "c4:curly")]  # fmt: skip
    spec = OutputSpec(output="/x", run_id="r", pipeline_version="v", config_hash="c")
    manifests = [
        build_manifest(spec, {}, order, [], 0.0)
        for order in (shards, shards[::-1], shards[1:] + shards[:1])
    ]
    for manifest in manifests:
        manifest.pop("finished_at")
    dumped = {json.dumps(m) for m in manifests}
    assert len(dumped) == 1
    assert list(manifests[0]["stats"]["filter_drops"]) == [
        "c4:lines", "gopher_quality:words", "c4:curly"
    ]  # fmt: skip
