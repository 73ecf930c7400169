"""transforms/writer.py: one record group -> its ledger, corpus and dropped shards."""

from __future__ import annotations

import random
import weakref

import pyarrow.parquet as pq
import pytest

from transforms.dedup import NEAR_DUPLICATE, DedupDecision
from transforms.document import KEPT, WarcDoc
from transforms.writer import (
    CORPUS_DIR,
    DOC_TAG,
    DROPPED_DIR,
    LEDGER_DIR,
    UPDATE_TAG,
    AttributeUpdate,
    OutputSpec,
    WriteFileShardsFn,
    join,
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


def write_group(tmp_path, values, shard_size: int) -> tuple[OutputSpec, list]:
    spec = OutputSpec(
        output=str(tmp_path / "out"),
        run_id="run",
        pipeline_version="test",
        config_hash="0",
        shard_size=shard_size,
        keep_dropped=True,
    )
    fn = WriteFileShardsFn(spec, {})
    fn.setup()
    return spec, list(fn.process((GROUP_KEY, values)))


def read_shard(spec: OutputSpec, kind: str, name: str) -> list[dict]:
    return pq.read_table(join(spec.temp_root, kind, name)).to_pylist()


def test_group_is_written_in_offset_order_in_chunks_with_its_late_updates(tmp_path):
    spec, infos = write_group(tmp_path, tagged_group(10, seed=1), shard_size=4)
    ledger_infos = [i for i in infos if i.kind == LEDGER_DIR]
    assert [i.name for i in ledger_infos] == [f"part-00003-0001-{c:02d}.parquet" for c in range(3)]
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


def test_a_group_of_updates_only_yields_empty_ledger_stats(tmp_path):
    _, infos = write_group(tmp_path, [(UPDATE_TAG, u) for u in late_updates()], shard_size=10)
    assert [(i.kind, i.name, i.rows) for i in infos] == [(LEDGER_DIR, "", 0)]
    assert infos[0].stats["ledger_rows"] == 0
