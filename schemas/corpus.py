"""Schema of OUTPUT/corpus/*.parquet: FineWeb's columns first, then ccprov's additions."""

import pyarrow as pa

from schemas import ai, dedup, filters, licensing

# FineWeb's published columns, same names, meaning and types: `string`, not `large_string`,
# so HF datasets and pyarrow combine these shards with FineWeb's. (In memory the writer
# holds text as large_string, whose offsets do not overflow at 2 GiB: see transforms/writer.)
FINEWEB_FIELDS = [
    pa.field("text", pa.string(), nullable=False),
    pa.field("id", pa.string(), nullable=False),  # WARC-Record-ID
    pa.field("dump", pa.string()),  # crawl id, e.g. CC-MAIN-2024-22, when known
    pa.field("url", pa.string()),
    pa.field("date", pa.string()),  # WARC-Date in UTC, 2024-05-20T10:00:00Z
    pa.field("file_path", pa.string()),  # the WARC file the record came from
    pa.field("language", pa.string()),
    pa.field("language_score", pa.float64()),
    pa.field("token_count", pa.int64()),
]

PROVENANCE_LINK_FIELDS = [
    pa.field("doc_id", pa.string(), nullable=False),  # joins the ledger
]

CORPUS_SCHEMA = pa.schema(
    FINEWEB_FIELDS
    + PROVENANCE_LINK_FIELDS
    + filters.CORPUS_FIELDS
    + licensing.CORPUS_FIELDS
    + ai.CORPUS_FIELDS
    + dedup.CORPUS_FIELDS
)

# OUTPUT/dropped/*.parquet (--keep-dropped): the text of dropped documents that had one, for
# checking what the filters removed.
DROPPED_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),  # joins the ledger
        pa.field("url", pa.string()),
        pa.field("drop_reason", pa.string()),
        pa.field("text", pa.string()),
    ]
)
