"""The element that flows through the pipeline: one WARC response record.

Dolma keeps documents and their attributes apart so a decision can be revisited without
reprocessing; we do the same inside one element: the provenance fields describe where the
bytes came from and never change, `attributes` holds what each concern measured (one
namespace per concern, keys equal to the ledger column names that concern owns, see
`schemas/`), and `decision`/`drop_reason` hold the verdict of the first stage that dropped it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import Any

KEPT = "kept"
DROPPED = "dropped"
ERROR = "error"
REMOVED = "removed"  # by a takedown after the run

# The writer's unit: this many consecutive response records of one input file are grouped,
# joined with their late decisions and held in one worker at once, so a worker's memory is
# bounded by a record count whatever the size of the file or of its records (a Common Crawl
# file has 30-40 thousand). Shards are per input file: the groups are merged into them.
RECORDS_PER_WRITE_GROUP = 2_000


def make_doc_id(warc_path: str, offset: int) -> str:
    """Stable, unique id of one input record: a short hash of its file plus its byte offset.

    WARC-Record-IDs are meant to be unique but real files repeat them (and broken records have
    none), so the ledger key is derived from where the bytes are. It stays readable: the part
    after the dash is the record's offset in its file.
    """
    return f"{file_key(warc_path)}-{offset:012d}"


def file_key(warc_path: str) -> str:
    """doc_id's first part: 48 bits of sha1 of the path. Two of a run's inputs sharing one
    would mix their documents up in dedup's joins by doc_id; the run's plan refuses them."""
    return hashlib.sha1(warc_path.encode("utf-8", "surrogateescape")).hexdigest()[:12]


@dataclasses.dataclass
class WarcDoc:
    # --- provenance: where the bytes came from (never changed after reading) ---
    doc_id: str
    warc_path: str
    file_index: int  # position of warc_path in the sorted input list; used for sharding
    warc_offset: int
    # Which run of RECORDS_PER_WRITE_GROUP response records of its file this one is in.
    record_group: int = 0
    warc_length: int | None = None
    warc_record_id: str | None = None
    warc_date: str | None = None
    warc_filename: str | None = None
    payload_digest: str | None = None
    url: str | None = None
    dump: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    http_headers: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    charset: str | None = None
    warc_truncated: str | None = None  # WARC-Truncated header: the crawler cut the payload

    # --- content: dropped as soon as no later stage needs it (memory) ---
    html: str | None = None
    text: str | None = None

    # --- measurements ---
    text_sha256: str | None = None  # of the extracted text, kept after the text is released
    text_chars: int | None = None
    token_count: int | None = None
    language: str | None = None
    language_score: float | None = None
    filter_scores: dict[str, float] = dataclasses.field(default_factory=dict)
    attributes: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    timings: dict[str, float] = dataclasses.field(default_factory=dict)

    # --- verdict ---
    decision: str = KEPT
    drop_reason: str | None = None
    error_detail: str | None = None

    @property
    def write_key(self) -> tuple[int, int]:
        """The writer's shuffle key: (input file, group of records); names its shards."""
        return self.file_index, self.record_group

    @property
    def alive(self) -> bool:
        """True while no stage has dropped the document (later stages only look at these)."""
        return self.decision == KEPT

    def drop(self, reason: str) -> None:
        """Record the first drop; later stages must not overwrite the original reason."""
        if self.decision == KEPT:
            self.decision = DROPPED
            self.drop_reason = reason
            # The text stays: --keep-dropped writes it; the pipeline trims it otherwise.
            self.html = None

    def fail(self, reason: str, detail: str | None = None) -> None:
        """Mark the record as an error: it was read but could not be processed."""
        self.decision = ERROR
        self.drop_reason = reason
        self.error_detail = (detail or "")[:500] or None
        self.html = None
        self.text = None

    def header(self, name: str) -> str | None:
        """First HTTP response header of that name (case-insensitive), or None."""
        lname = name.lower()
        for key, value in self.http_headers:
            if key.lower() == lname:
                return value
        return None


def record_tie_key(doc: WarcDoc) -> int:
    """A number for the record itself (URL, WARC-Record-ID, file name, offset), not for where
    its file is stored: doc_id hashes the file's path, so as a tie-break it would change the
    copy kept when the files move or are read through s3:// instead of https://. 63 bits:
    every node of the duplicate graph carries it through the shuffles."""
    fields = (doc.url, doc.warc_record_id, doc.warc_filename, str(doc.warc_offset))
    data = "\x00".join(field or "" for field in fields).encode("utf-8", "surrogateescape")
    # 63 bits: Beam's coders write a number below 2**63 as a varint and pickle larger ones.
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big") >> 1


def crawl_epoch(warc_date: str | None) -> float | None:
    """Seconds since the epoch of a WARC-Date; None when missing or unreadable.

    Offsets count ("2024-05-20T05:00:00-0700" is 12:00Z, after "2024-05-20T10:00:00Z"): the
    strings do not sort in time order. A date without an offset is UTC; WARC/0.18's
    "20081001123456" is read too.
    """
    if not warc_date:
        return None
    text = warc_date.strip().replace("Z", "+00:00")
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            when = dt.datetime.strptime(text[:14], "%Y%m%d%H%M%S")
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    try:
        return when.timestamp()
    except (ValueError, OverflowError, OSError):  # 0001-01-01T00:00:00+01:00: before year 1
        return None


def utc_date(warc_date: str | None) -> str | None:
    """A WARC-Date as FineWeb writes dates, `2024-05-20T10:00:00Z` (UTC, whole seconds), or
    None when it is not a date ("2008-10-294T05:21:46-0700" in ClueWeb09). Common Crawl's
    dates come out unchanged; `-0700` offsets are moved to UTC."""
    epoch = crawl_epoch(warc_date)
    if epoch is None:
        return None
    try:
        return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):  # 9999-12-31T23:59:59-01:00 is year 10000
        return None
