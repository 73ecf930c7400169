"""Schema of OUTPUT/provenance/*.parquet: one row per input response record."""

import pyarrow as pa

from schemas import ai, dedup, filters, licensing

# Decision values; a takedown after the run turns 'kept' into 'removed'.
DECISIONS = ("kept", "dropped", "error", "removed")

BASE_FIELDS = [
    pa.field("doc_id", pa.string(), nullable=False),
    pa.field("url", pa.string()),
    pa.field("host", pa.string()),
    pa.field("warc_path", pa.string(), nullable=False),
    pa.field("warc_filename", pa.string()),
    pa.field("warc_record_id", pa.string()),
    pa.field("warc_offset", pa.int64(), nullable=False),
    pa.field("warc_length", pa.int64()),
    pa.field("warc_date", pa.string()),
    pa.field("dump", pa.string()),
    pa.field("payload_digest", pa.string()),
    pa.field("warc_truncated", pa.string()),
    pa.field("http_status", pa.int32()),
    pa.field("content_type", pa.string()),
    pa.field("charset", pa.string()),
    pa.field("language", pa.string()),
    pa.field("language_score", pa.float64()),
    pa.field("text_sha256", pa.string()),
    pa.field("text_chars", pa.int64()),
    pa.field("decision", pa.string(), nullable=False),
    pa.field("drop_reason", pa.string()),
    pa.field("error_detail", pa.string()),
    pa.field("filter_scores", pa.map_(pa.string(), pa.float64())),
]

RUN_FIELDS = [
    pa.field("pipeline_version", pa.string(), nullable=False),
    pa.field("config_hash", pa.string(), nullable=False),
]

LEDGER_SCHEMA = pa.schema(
    BASE_FIELDS
    + filters.LEDGER_FIELDS
    + licensing.LEDGER_FIELDS
    + ai.LEDGER_FIELDS
    + dedup.LEDGER_FIELDS
    + RUN_FIELDS
)
