"""Columns added by the ai stage (how likely a document is machine-generated).

Scores are probabilities of the "ai" label of the shipped fastText model, raised by assistant
boilerplate phrases (see transforms/ai_detect.py and docs/ai-detector-datasheet.md).
"""

import pyarrow as pa

# Columns of the corpus (kept documents only).
CORPUS_FIELDS: list[pa.Field] = [
    pa.field("ai_score", pa.float64()),  # final score in [0, 1]: model + marker phrases
    pa.field("ai_markers", pa.list_(pa.string())),  # assistant boilerplate phrases found
    pa.field("crawl_before_chatgpt", pa.bool_()),  # WARC-Date before 2022-11-30: a human prior
    # mean ai_score of the host's docs in this run past every filter and policy, before dedup
    pa.field("host_ai_score", pa.float64()),
]

# Columns of the provenance ledger (every input record; null where the stage did not run).
LEDGER_FIELDS: list[pa.Field] = [
    pa.field("ai_score", pa.float64()),
    pa.field("ai_model_score", pa.float64()),  # the classifier alone, before marker phrases
    pa.field("ai_markers", pa.list_(pa.string())),
    pa.field("ai_model_version", pa.string()),  # e.g. ai-detector-v1-0123abcd
    pa.field("crawl_before_chatgpt", pa.bool_()),
    pa.field("ai_above_threshold", pa.bool_()),  # ai_score > --ai-threshold (set by the policy)
    pa.field("ai_host", pa.string()),  # registered domain the host aggregate is keyed by
    pa.field("host_ai_score", pa.float64()),
    pa.field("host_doc_count", pa.int64()),  # docs of ai_host past every filter, before dedup
]

# OUTPUT/hosts/*.parquet: one row per registered domain over the run's scored documents that
# passed every filter and policy (before dedup: a host's duplicates count).
HOSTS_SCHEMA = pa.schema(
    [
        pa.field("host", pa.string(), nullable=False),
        pa.field("doc_count", pa.int64(), nullable=False),
        pa.field("ai_score_mean", pa.float64(), nullable=False),
        pa.field("ai_score_max", pa.float64(), nullable=False),
        pa.field("docs_above_threshold", pa.int64(), nullable=False),
        pa.field("docs_with_markers", pa.int64(), nullable=False),
    ]
)
