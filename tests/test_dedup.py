"""Dedup: the pure connected-components steps, decisions, ledger stats, small Beam runs."""

from __future__ import annotations

import pickle
import random
from collections import defaultdict
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner

from schemas.dedup import LEDGER_FIELDS
from schemas.ledger import LEDGER_SCHEMA
from transforms.dedup import (
    EXACT_DUPLICATE,
    NEAR_DUPLICATE,
    ConnectedComponents,
    DedupCandidate,
    DedupDecision,
    Deduplicate,
    bucket_edges,
    component_labels,
    is_star_member,
    large_star,
    ledger_stats,
    rank,
    small_star,
    star_label,
)

# --------------------------------------------------------------------------- helpers


def _save(values, path: str) -> None:
    Path(path).write_bytes(pickle.dumps(list(values)))


def run_pipeline(build, tmp_path: Path, options: list[str] | None = None) -> list:
    """Run `build(pipeline) -> PCollection` on the FnApiRunner and return its elements.

    The FnApiRunner is used directly: since Beam 2.68 the DirectRunner first tries Prism,
    which downloads a binary. It honours --direct_num_workers / --direct_running_mode.
    """
    out = tmp_path / f"result-{random.random()}.pkl"
    with beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions(options or [])) as pipeline:
        result = build(pipeline)
        _ = result | "Collect" >> beam.combiners.ToList() | beam.Map(_save, str(out))
    return pickle.loads(out.read_bytes())


def run_dedup(candidates, tmp_path: Path, options: list[str] | None = None, **kwargs):
    return run_pipeline(
        lambda p: p | beam.Create(candidates, reshuffle=False) | Deduplicate(**kwargs),
        tmp_path,
        options,
    )


def components(edges) -> dict:
    """Reference: node -> smallest node of its component, by breadth-first search (a
    different method from the union-find in transforms.dedup)."""
    neighbours: dict = {}
    for a, b in edges:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    labels: dict = {}
    for start in neighbours:
        if start in labels:
            continue
        seen, frontier = {start}, [start]
        while frontier:
            frontier = [n for node in frontier for n in neighbours[node] if n not in seen]
            seen.update(frontier)
        smallest = min(seen)
        labels.update((node, smallest) for node in seen)
    return labels


def simulate_star_rounds(edges, max_rounds: int = 100):
    """The Beam rounds of ConnectedComponents, in memory: (labels, rounds used)."""
    for rounds in range(max_rounds + 1):
        neighbours = defaultdict(list)
        for a, b in edges:
            neighbours[a].append(b)
            neighbours[b].append(a)
        if all(is_star_member(node, ns) for node, ns in neighbours.items()):
            return {node: star_label(node, ns) for node, ns in neighbours.items()}, rounds
        large = [edge for node, ns in neighbours.items() for edge in large_star(node, ns)]
        smaller = defaultdict(list)
        for a, b in large:
            smaller[b].append(a)
        edges = [edge for node, s in smaller.items() for edge in small_star(node, s)]
    raise AssertionError("did not converge")


# --------------------------------------------------------------------------- pure steps


def test_rank_orders_none_last():
    priorities = [
        (False, None, "b"),
        (True, "2020", "a"),
        (False, "2024", "c"),
        (False, "2023", "d"),
    ]
    ordered = sorted(priorities, key=rank)
    assert ordered == [
        (False, "2023", "d"),
        (False, "2024", "c"),
        (False, None, "b"),
        (True, "2020", "a"),
    ]


def test_bucket_edges_is_a_star_on_the_smallest():
    assert list(bucket_edges([5, 3, 9, 4])) == [(3, 5), (3, 9), (3, 4)]
    assert list(bucket_edges([7])) == []
    assert list(bucket_edges([])) == []


@pytest.mark.parametrize("seed", range(6))
def test_star_rounds_find_connected_components(seed):
    rng = random.Random(seed)
    n = 400
    labels = rng.sample(range(10 * n), n)  # node order unrelated to graph structure
    edges = set()
    for _ in range(n):
        a, b = rng.sample(labels, 2)
        edges.add((min(a, b), max(a, b)))
    # A long path too: the worst case for label propagation.
    path = labels[:60]
    edges.update((min(a, b), max(a, b)) for a, b in zip(path, path[1:], strict=False))
    found, rounds = simulate_star_rounds(sorted(edges))
    assert found == components(edges)
    assert rounds <= 30, rounds


def test_star_membership():
    assert is_star_member(1, [2, 3, 2])  # centre
    assert is_star_member(3, [1, 1])  # leaf with a duplicated edge
    assert not is_star_member(3, [1, 2])  # two parents
    assert not is_star_member(2, [1, 3])  # parent and child
    assert star_label(3, [1]) == 1 and star_label(1, [2, 3]) == 1


# --------------------------------------------------------------------------- decisions, stats


def test_decision_attributes_are_the_ledger_columns():
    decision = DedupDecision("d2", 0, "d1", 3, "d1", NEAR_DUPLICATE, 0.9)
    assert list(decision.to_attributes()) == [field.name for field in LEDGER_FIELDS]
    assert all(name in LEDGER_SCHEMA.names for name in decision.to_attributes())
    assert pickle.loads(pickle.dumps(decision)) == decision
    candidate = DedupCandidate("d1", 0, "text", (False, "2024", "d1"))
    assert pickle.loads(pickle.dumps(candidate)) == candidate


def _ledger(rows: list[dict]) -> pa.Table:
    names = [field.name for field in LEDGER_FIELDS] + ["drop_reason"]
    fields = list(LEDGER_FIELDS) + [pa.field("drop_reason", pa.string())]
    return pa.Table.from_pylist(
        [{name: row.get(name) for name in names} for row in rows], schema=pa.schema(fields)
    )


def test_ledger_stats_counts_clusters_at_their_representative():
    decisions = [
        DedupDecision("a", 0, "a", 2, None, None),
        DedupDecision("b", 0, "a", 2, "a", EXACT_DUPLICATE, 1.0),
        DedupDecision("c", 0, "c", 3, None, None),
        DedupDecision("d", 0, "c", 3, "c", NEAR_DUPLICATE, 0.8),
        DedupDecision("e", 0, "c", 3, "c", EXACT_DUPLICATE, 1.0),
        DedupDecision("f", 0, "f", 40, None, None),
    ]
    rows = [{**d.to_attributes(), "drop_reason": d.drop_reason} for d in decisions]
    rows.append({"drop_reason": "too_short"})  # dropped earlier: no dedup values
    rows.append({})  # a kept singleton
    stats = ledger_stats(_ledger(rows))
    assert stats == {
        "dedup": {
            "clusters": 3,
            "clustered_documents": 45,
            "cluster_size_hist": {"2": 1, "3-4": 1, "33-64": 1},
            "duplicates": {EXACT_DUPLICATE: 2, NEAR_DUPLICATE: 1},
        }
    }
    # Additive: two shards sum to the stats of their concatenation.
    half = _ledger(rows[:3]), _ledger(rows[3:])
    a, b = ledger_stats(half[0])["dedup"], ledger_stats(half[1])["dedup"]
    assert a["clusters"] + b["clusters"] == 3
    assert ledger_stats(_ledger([{}])) == {
        "dedup": {
            "clusters": 0,
            "clustered_documents": 0,
            "cluster_size_hist": {},
            "duplicates": {},
        }
    }


# --------------------------------------------------------------------------- Beam


WORDS = [f"word{i}" for i in range(3000)]


def _text(seed: int, n: int = 120) -> list[str]:
    return random.Random(seed).choices(WORDS, k=n)


def _near(words: list[str]) -> list[str]:
    changed = list(words)
    changed[60] = "changed"
    return changed


def _handmade(a_priority, a2_priority):
    """A, A' (near A), A'' (exact dup of A' up to case and punctuation), B, B' (exact), C."""
    a, b, c = _text(1), _text(2), _text(3)
    return [
        DedupCandidate("A", 0, " ".join(a), a_priority),
        DedupCandidate("A1", 1, " ".join(_near(a)), (False, "2024-03", "A1")),
        DedupCandidate("A2", 2, " ".join(_near(a)).upper() + " !!!", a2_priority),
        DedupCandidate("B", 0, " ".join(b), (False, "2024-05", "B")),
        DedupCandidate("B1", 3, " ".join(b) + ".", (False, "2024-01", "B1")),
        DedupCandidate("C", 1, " ".join(c), (False, "2024-01", "C")),
    ]


def _by_id(decisions):
    return {d.doc_id: d for d in decisions}


def test_deduplicate_minhash_representative_is_best_priority(tmp_path):
    # A is the best of its cluster: A2 (the survivor of {A1, A2}) and A1 are near duplicates.
    decisions = _by_id(
        run_dedup(
            _handmade((False, "2024-01", "A"), (False, "2024-02", "A2")), tmp_path, max_rounds=4
        )
    )
    assert set(decisions) == {"A", "A1", "A2", "B", "B1"}
    assert decisions["A"] == DedupDecision("A", 0, "A", 3, None, None, None)
    assert decisions["A2"][:6] == ("A2", 2, "A", 3, "A", NEAR_DUPLICATE)
    assert decisions["A1"][:6] == ("A1", 1, "A", 3, "A", NEAR_DUPLICATE)
    # A1's text equals A2's after normalisation: same estimated similarity to A.
    assert decisions["A1"].minhash_jaccard_to_rep == decisions["A2"].minhash_jaccard_to_rep
    assert 0.5 < decisions["A2"].minhash_jaccard_to_rep < 1.0
    assert decisions["B1"] == DedupDecision("B1", 3, "B1", 2, None, None, None)
    assert decisions["B"] == DedupDecision("B", 0, "B1", 2, "B1", EXACT_DUPLICATE, 1.0)


def test_deduplicate_minhash_exact_group_can_win(tmp_path):
    # A2 is the best: A is its near duplicate, A1 its exact duplicate.
    decisions = _by_id(
        run_dedup(
            _handmade((False, "2024-06", "A"), (False, "2023-01", "A2")), tmp_path, max_rounds=4
        )
    )
    assert decisions["A2"][:6] == ("A2", 2, "A2", 3, None, None)
    assert decisions["A"][:6] == ("A", 0, "A2", 3, "A2", NEAR_DUPLICATE)
    assert decisions["A1"] == DedupDecision("A1", 1, "A2", 3, "A2", EXACT_DUPLICATE, 1.0)


def test_deduplicate_exact_and_off_modes(tmp_path):
    candidates = _handmade((False, "2024-01", "A"), (False, "2024-02", "A2"))
    exact = _by_id(run_dedup(candidates, tmp_path, mode="exact"))
    assert set(exact) == {"A1", "A2", "B", "B1"}
    assert exact["A1"] == DedupDecision("A1", 1, "A2", 2, "A2", EXACT_DUPLICATE, 1.0)
    assert exact["A2"] == DedupDecision("A2", 2, "A2", 2, None, None, None)
    assert run_dedup(candidates, tmp_path, mode="off") == []
    with pytest.raises(ValueError):
        Deduplicate(mode="fuzzy")


@pytest.mark.parametrize("mode", ["exact", "minhash"])
def test_texts_without_words_are_duplicates_only_of_their_copies(tmp_path, mode):
    # All of them normalise to "": as one exact group, unrelated pages were "identical".
    wordless = ["★★★ — ✓✓", "😀 😀 😀 🎉", "...", "★★★  —\n✓✓"]
    candidates = [
        DedupCandidate(f"W{i}", i, text, (False, "2024-01", f"W{i}"))
        for i, text in enumerate(wordless)
    ]
    words = " ".join(_text(4))
    candidates += [
        DedupCandidate("T", 0, words, (False, "2024-01", "T")),
        DedupCandidate("T1", 1, words + "!", (False, "2024-02", "T1")),
    ]
    decisions = _by_id(run_dedup(candidates, tmp_path, mode=mode))
    # ... but copies of one (here up to spaces) still are
    assert set(decisions) == {"T", "T1", "W0", "W3"}
    assert decisions["T1"][:6] == ("T1", 1, "T", 2, "T", EXACT_DUPLICATE)
    assert decisions["W3"][:6] == ("W3", 3, "W0", 2, "W0", EXACT_DUPLICATE)


def test_chinese_near_duplicates_are_found(tmp_path):
    # A CJK clause was one "word": one changed character gave a Jaccard of 0.76, no cluster.
    rng = random.Random(5)
    han = [chr(code) for code in range(0x4E00, 0x4E00 + 3000)]
    sentences = ["".join(rng.choices(han, k=20)) for _ in range(42)]
    page = "。".join(sentences) + "。"
    edited = page[:430] + ("的" if page[430] != "的" else "了") + page[431:]
    candidates = [
        DedupCandidate("Z", 0, page, (False, "2024-01", "Z")),
        DedupCandidate("Z1", 1, edited, (False, "2024-02", "Z1")),
    ]
    decisions = _by_id(run_dedup(candidates, tmp_path))
    assert decisions["Z1"][:6] == ("Z1", 1, "Z", 2, "Z", NEAR_DUPLICATE)
    assert decisions["Z1"].minhash_jaccard_to_rep > 0.9


def test_verification_threshold_cuts_weak_edges(tmp_path):
    # Two texts sharing their first half: LSH may pair them, a 0.99 threshold must not.
    a = _text(10, 200)
    b = a[:100] + _text(11, 100)
    candidates = [
        DedupCandidate("x", 0, " ".join(a), (0, "x")),
        DedupCandidate("y", 0, " ".join(b), (1, "y")),
    ]
    lsh = {"num_bands": 40, "rows_per_band": 2, "max_rounds": 2}
    strict = run_dedup(candidates, tmp_path, verify_threshold=0.99, **lsh)
    loose = run_dedup(candidates, tmp_path, verify_threshold=None, **lsh)
    assert strict == []
    assert {d.doc_id for d in loose} == {"x", "y"}


def _chain(n: int, seed: int):
    order = random.Random(seed).sample(range(n), n)
    nodes = [((False, f"{i:05d}"), f"n{i}") for i in order]  # Node = (rank, doc_id)
    return [(min(a, b), max(a, b)) for a, b in zip(nodes, nodes[1:], strict=False)]


def test_connected_components_converge_on_a_long_chain(tmp_path):
    edges = _chain(300, seed=4)
    labels = run_pipeline(
        lambda p: p | beam.Create(edges, reshuffle=False) | ConnectedComponents(max_rounds=30),
        tmp_path,
    )
    expected = components(edges)
    assert dict(labels) == expected
    assert len(set(expected.values())) == 1


def test_connected_components_finish_in_one_place_when_rounds_run_out(tmp_path, caplog):
    # Two unrolled rounds are far too few for a 300-node chain: the edges left are finished
    # by union-find in one worker, with the same labels and a warning.
    edges = _chain(300, seed=4)
    with caplog.at_level("WARNING", logger="transforms.dedup"):
        labels = run_pipeline(
            lambda p: p | beam.Create(edges, reshuffle=False) | ConnectedComponents(max_rounds=2),
            tmp_path,
        )
    assert dict(labels) == components(edges) and len(labels) == 300
    assert "finishing the remaining" in caplog.text


def test_component_labels_is_union_find():
    edges = _chain(50, seed=1) + _chain(20, seed=2)  # node names overlap: one shared component
    assert dict(component_labels(edges)) == components(edges)
    assert list(component_labels([])) == []


def test_the_earliest_crawl_is_decided_in_time_not_by_the_date_text():
    """ "2024-05-20T05:00:00-0700" (12:00Z) sorted before "2024-05-20T10:00:00Z" as text, so
    the later copy represented its cluster."""
    from pipeline.assembly import dedup_candidate
    from transforms.dedup import rank
    from transforms.document import WarcDoc, crawl_epoch

    assert crawl_epoch("2024-05-20T05:00:00-0700") - crawl_epoch("2024-05-20T10:00:00Z") == 7200
    assert crawl_epoch("20081001123456") == crawl_epoch("2008-10-01T12:34:56Z")
    assert crawl_epoch("2008-10-294T05:21:46-0700") is None and crawl_epoch(None) is None

    def doc(doc_id, date):
        return WarcDoc(doc_id, "x.warc.gz", 0, 0, warc_date=date, text="the same page")

    docs = [
        doc("a", "2024-05-20T05:00:00-0700"),
        doc("b", "2024-05-20T10:00:00Z"),
        doc("c", None),
        doc("d", "not a date"),
    ]
    ordered = sorted(docs, key=lambda d: rank(dedup_candidate(d).priority))
    assert [d.doc_id for d in ordered] == ["b", "a", "c", "d"]


def test_a_copy_without_opt_out_represents_a_cluster_without_open_pages():
    """Neither copy is open-licensed; the earlier one carries noai. Keeping it lost the text
    for anyone who respects opt-outs (`ccprov select --license-policy no-optout`), although
    the later copy had none."""
    from pipeline.assembly import dedup_candidate
    from transforms.dedup import rank
    from transforms.document import WarcDoc

    def doc(doc_id, date, license_class, signals):
        d = WarcDoc(doc_id, "x.warc.gz", 0, 0, warc_date=date, text="the same page")
        d.attributes["license"] = {"license_class": license_class, "opt_out_signals": signals}
        return d

    docs = [
        doc("early-noai", "2024-05-01T00:00:00Z", "unknown", ["noai"]),
        doc("early-open-noai", "2024-05-01T00:00:01Z", "permissive", ["noai"]),
        doc("late-clean", "2024-05-02T00:00:00Z", "unknown", []),
        doc("latest-open-clean", "2024-05-03T00:00:00Z", "permissive", []),
    ]
    ordered = sorted(docs, key=lambda d: rank(dedup_candidate(d).priority))
    assert [d.doc_id for d in ordered] == [
        "latest-open-clean",
        "late-clean",
        "early-open-noai",
        "early-noai",
    ]


# --------------------------------------------------------------------------- relinking


def _signed(texts: list[str]) -> list[tuple[bytes, tuple]]:
    """(signature, band hashes) per text, as the verification step hands them on."""
    from transforms.minhash import MinHasher, band_hashes

    signatures = MinHasher().sign(texts).signatures
    bands = band_hashes(signatures, 14, 8).tolist()
    return [(row.tobytes(), tuple(b)) for row, b in zip(signatures, bands, strict=True)]


def _variant(words: list[str], start: int, changed: int) -> str:
    out = list(words)
    for i in range(start, start + changed):
        out[i] = f"edit{'x' * i}"
    return " ".join(out)


def _letter_text(seed: int, n: int = 300) -> list[str]:
    # Letters only: normalisation makes every digit 0, so `word12` and `word34` are one word.
    rng = random.Random(seed)
    return ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=7)) for _ in range(n)]


def test_relink_failed_links_failed_members_to_similar_ones():
    from transforms.dedup import relink_failed

    base, other = _letter_text(21), _letter_text(22)
    # p1 passed against the node; f1 failed but is p1's near copy; f2 and f3 failed and are
    # near copies of each other, unlike p1; f4 is like nothing here.
    texts = [
        _variant(base, 0, 3), _variant(base, 100, 3), _variant(other, 0, 3),
        _variant(other, 100, 3), " ".join(_letter_text(23)),
    ]  # fmt: skip
    nodes = [((False, n), n) for n in ("b", "d", "c", "a", "e")]
    p1, f1, f2, f3, f4 = [(n, *signed) for n, signed in zip(nodes, _signed(texts), strict=True)]
    members = [(*p1, True), (*f1, False), (*f2, False), (*f3, False), (*f4, False)]
    edges = sorted(relink_failed(members, 0.75))
    assert edges == sorted([(p1[0], f1[0]), (f3[0], f2[0])])
    # The order members arrive in does not matter.
    for seed in range(5):
        shuffled = random.Random(seed).sample(members, len(members))
        assert sorted(relink_failed(shuffled, 0.75)) == edges
    # Nothing to do when every edge passed.
    assert list(relink_failed([(*p1, True), (*f1, True)], 0.75)) == []
    # Only pages sharing a band (a bucket) are compared: the same pair without one is not.
    no_band = (f1[0], f1[1], tuple(b + 1 for b in f1[2]), False)
    assert list(relink_failed([(*p1, True), no_band], 0.75)) == []


def test_relink_failed_links_a_member_once_to_the_passed_ones():
    """Every passed member is joined to the node already: one edge to them is enough (the
    first version linked to each, millions of edges on pages of one template)."""
    from transforms.dedup import relink_failed

    base = _letter_text(41)
    texts = [_variant(base, 10 * i, 2) for i in range(6)]
    signed = _signed(texts)
    members = [(((False, f"p{i}"), f"p{i}"), *signed[i], True) for i in range(5)]
    failed = (((False, "q"), "q"), *signed[5], False)
    edges = list(relink_failed([*members, failed], 0.75))
    assert edges == [(members[0][0], failed[0])]


def test_relink_failed_gives_up_on_groups_past_its_bound(monkeypatch):
    import transforms.dedup as dedup

    base = _letter_text(32)
    (a, a_bands), (b, b_bands) = _signed([_variant(base, 0, 3), _variant(base, 100, 3)])
    members = [(((False, "a"), "a"), a, a_bands, False), (((False, "b"), "b"), b, b_bands, False)]
    assert list(dedup.relink_failed(members, 0.75)) == [(members[0][0], members[1][0])]
    monkeypatch.setattr(dedup, "MAX_RELINKED", 1)
    assert list(dedup.relink_failed(members, 0.75)) == []


def _sentence_chain(pages: int, seed: int, window: int = 28) -> list[DedupCandidate]:
    """Page i is a window of `window` generated sentences starting at sentence i: neighbours'
    5-gram Jaccard is about 0.93, pages `window` apart share nothing."""
    rng = random.Random(seed)
    vocabulary = _letter_text(seed + 1000, 5000)
    sentences = [" ".join(rng.choices(vocabulary, k=12)) + "." for _ in range(pages + window)]
    return [
        DedupCandidate(f"p{i:05d}", i, " ".join(sentences[i : i + window]), (rng.random(), i))
        for i in range(pages)
    ]


def test_a_chain_of_near_duplicates_is_one_cluster(tmp_path):
    """With verification, every member of a bucket was linked to the bucket's smallest node
    only; where that node lay far along the chain, the links were dropped and this chain came
    out as 2 clusters (1,352 and 648 pages), although neighbours are 0.93 similar."""
    decisions = run_dedup(_sentence_chain(2000, seed=6), tmp_path)
    assert len(decisions) == 2000
    assert len({d.dedup_cluster for d in decisions}) == 1


def test_signing_batches_hold_a_bounded_number_of_characters(tmp_path, monkeypatch):
    """A signing batch holds its candidates' texts. Bounded by count alone it held 512 texts
    of any length; counted in units of WEIGHT_CHARS characters, long texts make short
    batches, and a text longer than a whole batch is signed alone."""
    from transforms import dedup

    assert [dedup.candidate_weight(DedupCandidate("d", 0, "x" * n, ())) for n in (0, 16_383)] == [
        1,
        1,
    ]
    assert dedup.candidate_weight(DedupCandidate("d", 0, "x" * 16_384, ())) == 2
    log = tmp_path / "batches.txt"
    signed_by = dedup._Sign.process

    def recording(self, batch):
        with open(log, "a") as f:
            f.write(f"{len(batch)} {sum(len(c.text) for c in batch)}\n")
        yield from signed_by(self, batch)

    monkeypatch.setattr(dedup._Sign, "process", recording)
    words = [f"w{i}" for i in range(9000)]
    texts = [" ".join(random.Random(i).sample(words, 6000)) for i in range(150)]  # ~36k chars
    texts += [texts[0], "long " * 400_000]  # an exact copy, and 2 MB in one text
    candidates = [DedupCandidate(f"d{i}", 0, t, (i,)) for i, t in enumerate(texts)]
    decisions = _by_id(run_dedup(candidates, tmp_path, mode="exact", batch_size=40))
    assert set(decisions) == {"d0", "d150"} and decisions["d150"].drop_reason == EXACT_DUPLICATE
    batches = [tuple(map(int, line.split())) for line in log.read_text().split("\n") if line]
    assert sum(n for n, _ in batches) == len(texts)
    for n, chars in batches:
        assert n == 1 or chars <= 40 * dedup.WEIGHT_CHARS
    assert any(n == 1 and chars == 2_000_000 for n, chars in batches)


def test_the_tie_key_is_the_record_s_not_its_folder_s_and_fits_a_varint():
    """Half of 64-bit keys were >= 2**63, which Beam's coders pickle instead of writing as a
    varint (74 bytes against 58 a node)."""
    from transforms.document import WarcDoc, record_tie_key

    def doc(path, offset=0, url="https://a.example/", record_id="<urn:uuid:1>"):
        return WarcDoc(
            "x", path, 0, offset, url=url, warc_record_id=record_id,
            warc_filename=path.rsplit("/", 1)[-1],
        )  # fmt: skip

    key = record_tie_key(doc("/data/crawl/f.warc.gz"))
    assert key == record_tie_key(doc("s3://bucket/elsewhere/f.warc.gz"))
    others = [
        doc("/data/crawl/g.warc.gz"),
        doc("/data/crawl/f.warc.gz", offset=1),
        doc("/data/crawl/f.warc.gz", url="https://b.example/"),
        doc("/data/crawl/f.warc.gz", record_id="<urn:uuid:2>"),
    ]
    assert len({key, *map(record_tie_key, others)}) == 5
    keys = [record_tie_key(doc(f"/d/{i}.warc.gz", i)) for i in range(2000)]
    assert all(0 <= k < 2**63 for k in keys) and max(keys) > 2**62
