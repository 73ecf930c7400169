"""Exact and MinHash-LSH near-duplicate removal, entirely inside the Beam graph.

Stages (mode "minhash"; "exact" stops after step 2, "off" emits nothing):

1. Sign: batches of candidates get the exact key of their normalised text (of their own
   characters for a text without words, `minhash._exact_keys`) and a MinHash
   signature with its band hashes (`transforms.minhash`). Signing every document costs less
   than shuffling texts: only keys and 448-byte signatures travel.
2. Exact dedup: group by exact key; the member with the smallest priority represents the
   group and is the only one that goes on (`exact_duplicate` for the others).
3. LSH: group by band hash (it covers the band's index too); every member of a bucket is linked to the bucket's
   smallest node (k - 1 edges for k members, never k^2); identical edges from several bands
   are merged.
4. Verification (verify_threshold): both ends' signatures are joined onto each edge (two
   joins by doc_id, no index) and edges whose estimated Jaccard is below the threshold go.
   The members whose edge to a bucket's smallest node failed get a second chance against
   that node's other members (`relink_failed`, one more group by node).
5. Connected components by alternating large-star and small-star rounds (Kiveris et al.,
   "Connected Components in MapReduce and Beyond", 2014). Beam graphs have no loops, so
   `max_rounds` rounds are unrolled; each round also counts the nodes that are not yet in
   a star, and once a count is zero the following rounds route the edges around their
   shuffles. If the graph still is not a forest of stars after them (long chains), the
   edges left are finished by union-find in one worker, with a warning.
6. Each component's smallest node is its representative, because nodes sort by
   (priority, doc_id); sizes add the exact-duplicate groups back, and every member of a
   cluster of two or more documents gets a `DedupDecision`.

No step gathers all documents in one place: each group holds one key's members (a bucket,
a node's neighbours, a cluster) and is read as a stream, twice at most, except a node's
edge ends in step 4's relinking, held in memory up to 50,000; the only global values are
integer counts, and the only global group is step 5's fallback, which holds the edges left
after the rounds and is empty when they converged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from schemas.dedup import LEDGER_FIELDS
from transforms.minhash import MinHasher, band_hashes, estimate_jaccard, exact_keys

EXACT_DUPLICATE = "exact_duplicate"
NEAR_DUPLICATE = "near_duplicate"
MODES = ("off", "exact", "minhash")

log = logging.getLogger(__name__)

LEDGER_COLUMNS = tuple(field.name for field in LEDGER_FIELDS)


class DedupCandidate(NamedTuple):
    """A document offered to dedup. `priority`: smaller wins the representative choice; it
    must be a flat tuple whose fields compare across documents (None is allowed, sorts last).
    """

    doc_id: str
    write_key: Any  # where the writer wants its decision back (opaque here)
    text: str
    priority: tuple


# A signing batch holds its candidates' texts: counted in units of this many characters
# (at least one a candidate), it holds at most batch_size units, so a batch of long texts
# is shorter instead of 512 texts of any length. Ordinary pages count 1.
WEIGHT_CHARS = 16_384


def candidate_weight(candidate: DedupCandidate) -> int:
    return 1 + len(candidate.text) // WEIGHT_CHARS


class DedupDecision(NamedTuple):
    """The verdict for one member of a duplicate cluster (size >= 2)."""

    doc_id: str
    write_key: Any
    dedup_cluster: str  # the representative's doc_id
    dedup_cluster_size: int
    duplicate_of: str | None  # None for the representative
    drop_reason: str | None  # None for the representative
    minhash_jaccard_to_rep: float | None = None

    def to_attributes(self) -> dict[str, Any]:
        """Values keyed by the ledger column names of `schemas/dedup.py`."""
        return {
            "dedup_cluster": self.dedup_cluster,
            "dedup_cluster_size": self.dedup_cluster_size,
            "duplicate_of": self.duplicate_of,
            "minhash_jaccard_to_rep": self.minhash_jaccard_to_rep,
        }


# A node of the duplicate graph: (rank, doc_id). Tuples order nodes by priority, then doc_id,
# and encode deterministically as shuffle keys.
Node = tuple
Edge = tuple[Node, Node]  # (smaller node, larger node): a key-value pair to Beam


def rank(priority: tuple) -> tuple:
    """Sortable form of a priority tuple: each field preceded by `is None`, so None fields
    sort after every value (flat, not pairs: cheaper to encode in every shuffle)."""
    return tuple(item for value in priority for item in (value is None, value))


def node_of(candidate: DedupCandidate) -> Node:
    return (rank(tuple(candidate.priority)), candidate.doc_id)


# --------------------------------------------------------------------------- pure steps


def bucket_edges(members: Iterable[Node]) -> Iterator[Edge]:
    """Link every member of an LSH bucket to its smallest member (a star: linear in size)."""
    smallest = min(members, default=None)
    for member in members:
        if member != smallest:
            yield (smallest, member)


class _Neighbourhood(NamedTuple):
    smallest: Node  # smallest of the node and its neighbours
    parent: Node | None  # a smaller neighbour, if any
    several_parents: bool  # two distinct smaller neighbours
    has_children: bool  # a larger neighbour


def _neighbourhood(node: Node, neighbours: Iterable[Node]) -> _Neighbourhood:
    smallest, parent, several, children = node, None, False, False
    for other in neighbours:
        if other < node:
            smallest = min(smallest, other)
            if parent is None:
                parent = other
            elif other != parent:
                several = True
        elif other > node:
            children = True
    return _Neighbourhood(smallest, parent, several, children)


def is_star_member(node: Node, neighbours: Iterable[Node]) -> bool:
    """True when the node is a star centre (no smaller neighbour) or a leaf (exactly one
    distinct smaller neighbour and no larger one). Every node being one means the edges are
    a forest of stars, each centred on its component's smallest node: converged."""
    hood = _neighbourhood(node, neighbours)
    return not (hood.several_parents or (hood.parent is not None and hood.has_children))


def large_star(node: Node, neighbours: Iterable[Node]) -> Iterator[Edge]:
    """Connect every larger neighbour to the smallest node of the neighbourhood."""
    smallest = _neighbourhood(node, neighbours).smallest
    for other in neighbours:
        if other > node:
            yield (smallest, other)


def small_star(node: Node, smaller_neighbours: Iterable[Node]) -> Iterator[Edge]:
    """Connect the node and its smaller neighbours to the smallest of them."""
    smallest = min(smaller_neighbours)
    for other in smaller_neighbours:
        if other != smallest:
            yield (smallest, other)
    yield (smallest, node)


def star_label(node: Node, neighbours: Iterable[Node]) -> Node:
    """Component label of a node of a converged star forest: its centre."""
    parent = _neighbourhood(node, neighbours).parent
    return node if parent is None else parent


# --------------------------------------------------------------------------- Beam steps


class _Sign(beam.DoFn):
    """Batch of candidates -> (exact key, (node, write_key, signature, band hashes))."""

    def __init__(self, mode: str, params: dict[str, Any]) -> None:
        self._mode = mode
        self._params = params
        self._hasher: MinHasher | None = None

    def setup(self) -> None:
        if self._mode == "minhash":
            p = self._params
            self._hasher = MinHasher(
                num_perm=p["num_bands"] * p["rows_per_band"],
                seed=p["seed"],
                ngram_size=p["ngram_size"],
                scheme=p["scheme"],
                hashfunc=p["hashfunc"],
            )

    def process(self, batch: list[DedupCandidate]) -> Iterator[tuple[Any, tuple]]:
        texts = [candidate.text or "" for candidate in batch]
        if self._hasher is None:
            for candidate, key in zip(batch, exact_keys(texts), strict=True):
                yield key, (node_of(candidate), candidate.write_key, None, None)
            return
        signed = self._hasher.sign(texts)
        p = self._params
        bands = band_hashes(signed.signatures, p["num_bands"], p["rows_per_band"]).tolist()
        for i, candidate in enumerate(batch):
            node = node_of(candidate)
            if signed.shingle_counts[i] == 0:
                signature, band_keys = None, None  # no words: nothing to compare
            else:
                signature, band_keys = signed.signatures[i].tobytes(), tuple(bands[i])
            yield (
                signed.exact_keys[i],
                (node, candidate.write_key, signature, band_keys),
            )


class _ResolveExactGroup(beam.DoFn):
    """One exact-key group -> its survivor (main output), and in minhash mode the other
    members keyed by the survivor's doc_id ("members"); in exact mode, the decisions."""

    def __init__(self, mode: str) -> None:
        self._mode = mode

    def process(self, element: tuple[bytes, Iterable[tuple]]) -> Iterator[Any]:
        _, members = element
        best, size = None, 0
        for member in members:
            size += 1
            if best is None or member[0] < best[0]:
                best = member
        rep_node, rep_write_key, signature, bands = best
        rep_id = rep_node[1]
        if self._mode == "exact":
            if size > 1:
                yield DedupDecision(rep_id, rep_write_key, rep_id, size, None, None)
                for node, write_key, _, _ in members:
                    if node != rep_node:
                        yield DedupDecision(
                            node[1], write_key, rep_id, size, rep_id, EXACT_DUPLICATE, 1.0
                        )
            return
        yield (rep_node, rep_write_key, size, signature, bands)
        if size > 1:
            yield beam.pvalue.TaggedOutput("members", (rep_id, ("self", rep_write_key, size)))
            for node, write_key, _, _ in members:
                if node != rep_node:
                    yield beam.pvalue.TaggedOutput(
                        "members", (rep_id, ("member", node[1], write_key))
                    )


def _band_keys(survivor: tuple) -> Iterator[tuple[Any, Node]]:
    node, _, _, _, bands = survivor
    if bands is not None:
        for band_hash in bands:
            yield band_hash, node


def _bucket_to_edges(element: tuple[Any, Iterable[Node]]) -> Iterator[Edge]:
    return bucket_edges(element[1])


def _attach_signature(element: tuple[str, Iterable[tuple]]) -> Iterator[tuple[Any, tuple]]:
    """Edges keyed by their smaller end's doc_id -> keyed by the larger end's, with the
    smaller end's signature attached."""
    _, values = element
    signature = next((value for tag, value in values if tag == 0), None)
    for tag, edge in values:
        if tag == 1:
            yield edge[1][1], (1, (edge, signature))


class _VerifyEdges(beam.DoFn):
    """Keep an edge when the signatures of its ends agree on at least `threshold` rows.

    Every edge's larger end also goes, with its signature, band hashes and the verdict, to
    the "ends" output keyed by the smaller end (the smallest node of the bucket that linked
    them), for `relink_failed`.
    """

    def __init__(self, threshold: float) -> None:
        self._threshold = threshold

    def process(self, element: tuple[str, Iterable[tuple]]) -> Iterator[Any]:
        _, values = element
        signature, bands = next((value for tag, value in values if tag == 0), (None, None))
        for tag, value in values:
            if tag == 1:
                edge, other = value
                passed = estimate_jaccard(signature, other) >= self._threshold
                if passed:
                    yield edge
                end = (edge[1], signature, bands, passed)
                yield beam.pvalue.TaggedOutput("ends", (edge[0][1], end))


# A group of one node's edge ends is relinked only up to this size (read to one past it, so
# the cut does not depend on the order members arrive in); a failed member is compared with
# at most MAX_LEADERS leaders (in one vectorised comparison) and linked to at most
# MAX_FAILED_LINKS of the failed ones: time, memory and edges stay bounded when a node is
# the smallest of huge buckets.
MAX_RELINKED = 50_000
MAX_LEADERS = 512
MAX_FAILED_LINKS = 8
# A failed member is compared with up to MAX_LEADERS pages, where its first chance was one
# comparison a bucket: on pages just under the threshold the estimate's noise would pass
# some of those many tries, and the merges would chain (4,000 boilerplate pages at Jaccard
# 0.71: 3,910 in one cluster at the plain threshold, 1,510 with this margin, 1,506 without
# relinking). So the second chance asks for this much more similarity.
RELINK_MARGIN = 0.1


def relink_failed(members: Iterable[tuple], threshold: float) -> Iterator[Edge]:
    """Verified edges for the members whose edge to one node failed verification.

    A bucket links every member to its smallest node. When that node is dissimilar to a
    member, verification drops the link, although the member may be similar to other
    members of the bucket: a long chain of near duplicates split where the bucket's smallest
    node lay further along it. `members` are the other ends of one node's edges, as (node,
    signature, band hashes, passed). The members that passed are leaders; then, in node
    order, each failed member is compared with the leaders that share a band with it (LSH
    candidates, as in a bucket) and linked to those it is similar to (the estimate of
    `estimate_jaccard` at or above `threshold`, which the caller sets RELINK_MARGIN above
    verification's): to the first that passed (they are all joined through the node
    already) and to at most MAX_FAILED_LINKS failed ones. A failed member that matches none
    becomes a leader. Nothing is done for a node whose edges all passed.
    """
    group: list[tuple] = []
    for member in members:
        group.append(member)
        if len(group) > MAX_RELINKED:
            return
    if all(member[3] for member in group):
        return
    group.sort(key=lambda member: (not member[3], member[0]))  # passed first, then by node
    _, first_signature, first_bands, _ = group[0]
    leaders: list[Node] = []
    leader_passed = np.zeros(MAX_LEADERS, dtype=bool)
    leader_rows = np.empty((MAX_LEADERS, len(first_signature) // 4), dtype=np.uint32)
    leader_bands = np.empty((MAX_LEADERS, len(first_bands)), dtype=np.uint64)
    for node, signature, bands, passed in group:
        row = np.frombuffer(signature, dtype=np.uint32)
        band_row = np.array(bands, dtype=np.uint64)
        linked = passed
        if not passed and leaders:
            n = len(leaders)
            candidates = np.flatnonzero((leader_bands[:n] == band_row).any(axis=1))
            agreeing = np.count_nonzero(leader_rows[candidates] == row, axis=1)
            similar = candidates[agreeing / row.size >= threshold]
            links = similar[leader_passed[similar]][:1].tolist()
            links += similar[~leader_passed[similar]][:MAX_FAILED_LINKS].tolist()
            for index in links:
                leader = leaders[index]
                yield (leader, node) if leader < node else (node, leader)
            linked = bool(links)
        if (passed or not linked) and len(leaders) < MAX_LEADERS:
            leader_rows[len(leaders)] = row
            leader_bands[len(leaders)] = band_row
            leader_passed[len(leaders)] = passed
            leaders.append(node)


def _relink_group(element: tuple[str, Iterable[tuple]], threshold: float) -> Iterator[Edge]:
    return relink_failed(element[1], min(1.0, threshold + RELINK_MARGIN))


class _CountingUnsettled(beam.DoFn):
    """Counts the nodes not yet in a star; emits one partial count per bundle (to the
    "unsettled" output) so the round's total needs no extra shuffle, only a short list."""

    def start_bundle(self) -> None:
        self._unsettled = 0

    def check(self, node: Node, neighbours: Iterable[Node]) -> None:
        if not is_star_member(node, neighbours):
            self._unsettled += 1

    def finish_bundle(self) -> Iterator[Any]:
        if self._unsettled:
            yield beam.pvalue.TaggedOutput(
                "unsettled", WindowedValue(self._unsettled, MIN_TIMESTAMP, [GlobalWindow()])
            )


class _LargeStar(_CountingUnsettled):
    """Large-star step; its edges come out keyed by their larger end, ready for small-star."""

    def process(self, element: tuple[Node, Iterable[Node]]) -> Iterator[tuple[Node, Node]]:
        node, neighbours = element
        self.check(node, neighbours)
        for smaller, larger in large_star(node, neighbours):
            yield larger, smaller


class _StarLabels(_CountingUnsettled):
    def process(self, element: tuple[Node, Iterable[Node]]) -> Iterator[tuple[Node, Node]]:
        node, neighbours = element
        self.check(node, neighbours)
        yield node, star_label(node, neighbours)


def _both_ways(edge: Edge) -> Iterator[tuple[Node, Node]]:
    """An edge keyed by each of its ends, for grouping a node with all its neighbours."""
    yield edge[0], edge[1]
    yield edge[1], edge[0]


def _route(edge: Edge, unsettled: list[int]) -> Iterator[Any]:
    # Edges that already form stars skip the round's shuffles (they would not change).
    if any(unsettled):
        for keyed in _both_ways(edge):
            yield beam.pvalue.TaggedOutput("active", keyed)
    else:
        yield edge


def _small_star_step(element: tuple[Node, Iterable[Node]]) -> Iterator[Edge]:
    return small_star(element[0], element[1])


def component_labels(edges: Iterable[Edge]) -> Iterator[tuple[Node, Node]]:
    """(node, smallest node of its component) for every node of `edges`, in memory
    (union-find with path halving; the smaller root always becomes the parent)."""
    parent: dict[Node, Node] = {}

    def root(node: Node) -> Node:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in edges:
        root_a, root_b = root(a), root(b)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
    for node in parent:
        yield node, root(node)


def _if_converged(label: tuple[Node, Node], unsettled: list[int]) -> Iterator[tuple[Node, Node]]:
    if not any(unsettled):
        yield label


def _if_not_converged(edge: Edge, unsettled: list[int]) -> Iterator[tuple[None, Edge]]:
    if any(unsettled):
        yield None, edge


def _finish_in_one_place(element: tuple[None, Iterable[Edge]]) -> Iterator[tuple[Node, Node]]:
    edges = list(element[1])
    log.warning(
        "dedup: connected components not converged after the unrolled rounds; finishing "
        "the remaining %d edges in one worker",
        len(edges),
    )
    return component_labels(edges)


class ConnectedComponents(beam.PTransform):
    """Edges (a, b), a < b -> (node, smallest node of its component) for every node.

    `max_rounds` large-star/small-star rounds run distributed; real duplicate clusters
    converge in two or three. A graph that has not converged by then (long chains of
    near-duplicates) is finished by union-find in one worker over the edges left, which
    the rounds have already shrunk; a warning says so. Fewer unrolled rounds keep the graph
    small: every round is stages that each run costs to build and start, also when empty.
    """

    def __init__(self, max_rounds: int) -> None:
        super().__init__()
        if max_rounds < 1:
            raise ValueError("max_rounds must be >= 1")
        self._max_rounds = max_rounds

    def expand(self, edges):
        unsettled = None
        for r in range(1, self._max_rounds + 1):
            if unsettled is None:
                active, settled = edges | f"BothWays{r}" >> beam.FlatMap(_both_ways), None
            else:
                routed = edges | f"Route{r}" >> beam.FlatMap(
                    _route, beam.pvalue.AsList(unsettled)
                ).with_outputs("active", main="settled")
                active, settled = routed.active, routed.settled
            large = (
                active
                | f"GroupNeighbours{r}" >> beam.GroupByKey()
                | f"LargeStar{r}"
                >> beam.ParDo(_LargeStar()).with_outputs("unsettled", main="edges")
            )
            small = (
                large.edges
                | f"GroupSmaller{r}" >> beam.GroupByKey()
                | f"SmallStar{r}" >> beam.FlatMap(_small_star_step)
            )
            # Nodes not in a star at the start of this round (per bundle): none means converged.
            unsettled = large.unsettled
            edges = small if settled is None else (settled, small) | f"Merge{r}" >> beam.Flatten()
        star = (
            edges
            | "BothWaysFinal" >> beam.FlatMap(_both_ways)
            | "GroupNeighboursFinal" >> beam.GroupByKey()
            | "StarLabels" >> beam.ParDo(_StarLabels()).with_outputs("unsettled", main="labels")
        )
        not_in_stars = beam.pvalue.AsList(star.unsettled)
        converged = star.labels | "IfConverged" >> beam.FlatMap(_if_converged, not_in_stars)
        finished = (
            edges
            | "IfNotConverged" >> beam.FlatMap(_if_not_converged, not_in_stars)
            | "GatherRemaining" >> beam.GroupByKey()
            | "FinishInOnePlace" >> beam.FlatMap(_finish_in_one_place)
        )
        return (converged, finished) | "AllLabels" >> beam.Flatten()


def _cluster_member(element: tuple[str, Iterable[tuple]]) -> Iterator[tuple[Any, tuple]]:
    """Survivor info joined with its component label -> keyed by the representative."""
    _, values = element
    survivor = label = None
    for tag, value in values:
        if tag == 0:
            survivor = value
        else:
            label = value
    if label is not None:
        node, write_key, size, signature, _ = survivor
        yield label[1], (node[1], write_key, size, signature)


def _resolve_cluster(element: tuple[str, Iterable[tuple]]) -> Iterator[Any]:
    """All survivors of one component -> their decisions, and the cluster each exact-group
    survivor belongs to ("infos", keyed by the survivor's doc_id)."""
    rep_id, members = element
    size, rep_signature, rep_write_key = 0, None, None
    for doc_id, write_key, group_size, signature in members:
        size += group_size
        if doc_id == rep_id:
            rep_signature, rep_write_key = signature, write_key
    yield DedupDecision(rep_id, rep_write_key, rep_id, size, None, None)
    for doc_id, write_key, group_size, signature in members:
        if doc_id == rep_id:
            if group_size > 1:
                yield beam.pvalue.TaggedOutput("infos", (doc_id, ("info", rep_id, size, 1.0)))
            continue
        jaccard = estimate_jaccard(signature, rep_signature)
        yield DedupDecision(doc_id, write_key, rep_id, size, rep_id, NEAR_DUPLICATE, jaccard)
        if group_size > 1:
            yield beam.pvalue.TaggedOutput("infos", (doc_id, ("info", rep_id, size, jaccard)))


def _resolve_exact_members(element: tuple[str, Iterable[tuple]]) -> Iterator[DedupDecision]:
    """Members of one exact group (keyed by its survivor) -> decisions, in the survivor's
    near-duplicate cluster if it has one, else in the exact group alone."""
    survivor_id, values = element
    info = survivor = None
    for value in values:
        if value[0] == "info":
            info = value
        elif value[0] == "self":
            survivor = value
    if info is None:
        _, write_key, size = survivor
        rep_id, jaccard = survivor_id, 1.0
        yield DedupDecision(survivor_id, write_key, survivor_id, size, None, None)
    else:
        _, rep_id, size, jaccard = info
    reason = EXACT_DUPLICATE if rep_id == survivor_id else NEAR_DUPLICATE
    for value in values:
        if value[0] == "member":
            _, doc_id, write_key = value
            yield DedupDecision(doc_id, write_key, rep_id, size, rep_id, reason, jaccard)


# The MinHash settings decisions depend on (FineWeb's: 14 bands of 8 rows over word 5-grams),
# the defaults of Deduplicate and what a run records in its config.
LSH_PARAMS: dict[str, Any] = {
    "num_bands": 14,
    "rows_per_band": 8,
    "ngram_size": 5,
    "seed": 1,
    "scheme": "affine32",
    "hashfunc": "fast",
}


class Deduplicate(beam.PTransform):
    """PCollection[DedupCandidate] -> PCollection[DedupDecision] for clusters of >= 2."""

    def __init__(
        self,
        mode: str = "minhash",
        num_bands: int = LSH_PARAMS["num_bands"],
        rows_per_band: int = LSH_PARAMS["rows_per_band"],
        ngram_size: int = LSH_PARAMS["ngram_size"],
        seed: int = LSH_PARAMS["seed"],
        verify_threshold: float | None = 0.75,
        max_rounds: int = 6,
        scheme: str = LSH_PARAMS["scheme"],
        hashfunc: str = LSH_PARAMS["hashfunc"],
        batch_size: int = 512,
    ) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        MinHasher(num_bands * rows_per_band, seed, ngram_size, scheme, hashfunc)  # validates
        self._mode = mode
        self._params = {
            "num_bands": num_bands,
            "rows_per_band": rows_per_band,
            "ngram_size": ngram_size,
            "seed": seed,
            "scheme": scheme,
            "hashfunc": hashfunc,
        }
        self._verify_threshold = verify_threshold
        self._max_rounds = max_rounds
        self._batch_size = batch_size

    def expand(self, candidates):
        if self._mode == "off":
            return candidates | "NoDecisions" >> beam.FlatMap(lambda _: ())
        exact = (
            candidates
            | "Batch"
            >> beam.BatchElements(
                min_batch_size=16,
                max_batch_size=self._batch_size,
                element_size_fn=candidate_weight,
            )
            | "Sign" >> beam.ParDo(_Sign(self._mode, self._params))
            | "GroupExact" >> beam.GroupByKey()
            | "ResolveExact"
            >> beam.ParDo(_ResolveExactGroup(self._mode)).with_outputs("members", main="survivors")
        )
        if self._mode == "exact":
            return exact.survivors
        survivors = exact.survivors
        edges = (
            survivors
            | "BandKeys" >> beam.FlatMap(_band_keys)
            | "GroupBuckets" >> beam.GroupByKey()
            | "BucketEdges" >> beam.FlatMap(_bucket_to_edges)
            | "DistinctEdges" >> beam.Distinct()
        )
        with_signature = survivors | "WithSignature" >> beam.Filter(lambda s: s[3] is not None)
        signatures = with_signature | "SignatureById" >> beam.Map(lambda s: (s[0][1], (0, s[3])))
        if self._verify_threshold:
            # The larger end's band hashes come with its signature, for relink_failed.
            signatures_and_bands = with_signature | "SignatureAndBandsById" >> beam.Map(
                lambda s: (s[0][1], (0, (s[3], s[4])))
            )
            with_smaller = (
                (
                    signatures,
                    edges | "BySmallerEnd" >> beam.Map(lambda e: (e[0][1], (1, e))),
                )
                | "JoinSmallerEnd" >> beam.Flatten()
                | "GroupSmallerEnd" >> beam.GroupByKey()
                | "AttachSignature" >> beam.FlatMap(_attach_signature)
            )
            verified = (
                (signatures_and_bands, with_smaller)
                | "JoinLargerEnd" >> beam.Flatten()
                | "GroupLargerEnd" >> beam.GroupByKey()
                | "Verify"
                >> beam.ParDo(_VerifyEdges(self._verify_threshold)).with_outputs(
                    "ends", main="edges"
                )
            )
            relinked = (
                verified.ends
                | "GroupEnds" >> beam.GroupByKey()
                | "RelinkFailed" >> beam.FlatMap(_relink_group, self._verify_threshold)
            )
            edges = (verified.edges, relinked) | "VerifiedEdges" >> beam.Flatten()
        labels = edges | "Components" >> ConnectedComponents(self._max_rounds)
        clusters = (
            (
                survivors | "SurvivorById" >> beam.Map(lambda s: (s[0][1], (0, s))),
                labels | "LabelById" >> beam.Map(lambda nl: (nl[0][1], (1, nl[1]))),
            )
            | "JoinLabels" >> beam.Flatten()
            | "GroupLabels" >> beam.GroupByKey()
            | "ByRepresentative" >> beam.FlatMap(_cluster_member)
            | "GroupClusters" >> beam.GroupByKey()
            | "ResolveClusters"
            >> beam.FlatMap(_resolve_cluster).with_outputs("infos", main="decisions")
        )
        member_decisions = (
            (exact.members, clusters.infos)
            | "JoinMembers" >> beam.Flatten()
            | "GroupMembers" >> beam.GroupByKey()
            | "ResolveMembers" >> beam.FlatMap(_resolve_exact_members)
        )
        return (clusters.decisions, member_decisions) | "AllDecisions" >> beam.Flatten()


# --------------------------------------------------------------------------- manifest


def _size_bucket(size: int) -> str:
    """Histogram bucket of a cluster size: 2, 3-4, 5-8, 9-16, ... (powers of two)."""
    if size <= 2:
        return "2"
    upper = 1 << (size - 1).bit_length()
    return f"{upper // 2 + 1}-{upper}"


def ledger_stats(table: pa.Table) -> dict:
    """Additive dedup counts of one ledger shard: clusters (counted at their representative)
    by size bucket, and the duplicates dropped per reason."""
    if "dedup_cluster" not in table.column_names:
        return {}
    cluster = table.column("dedup_cluster")
    duplicate_of = table.column("duplicate_of")
    is_rep = pc.and_(pc.is_valid(cluster), pc.is_null(duplicate_of))
    sizes = pc.filter(table.column("dedup_cluster_size"), is_rep).to_pylist()
    histogram: dict[str, int] = {}
    for size in sizes:
        bucket = _size_bucket(int(size))
        histogram[bucket] = histogram.get(bucket, 0) + 1
    reasons = pc.filter(table.column("drop_reason"), pc.is_valid(duplicate_of)).to_pylist()
    duplicates: dict[str, int] = {}
    for reason in reasons:
        key = reason or "none"
        duplicates[key] = duplicates.get(key, 0) + 1
    return {
        "dedup": {
            "clusters": len(sizes),
            "clustered_documents": int(sum(sizes)),
            "cluster_size_hist": histogram,
            "duplicates": duplicates,
        }
    }
