"""Columns added by the dedup stage.

Only documents in a duplicate cluster (two or more members) get values; the ledger leaves
these columns null for singletons and for documents dropped before dedup.
"""

import pyarrow as pa

# Columns of the corpus (kept documents only).
CORPUS_FIELDS: list[pa.Field] = []

# Columns of the provenance ledger (every input record).
LEDGER_FIELDS: list[pa.Field] = [
    # doc_id of the cluster's representative (the member kept), same for every member.
    pa.field("dedup_cluster", pa.string()),
    # Members of the cluster: exact and near duplicates together, representative included.
    pa.field("dedup_cluster_size", pa.int64()),
    # doc_id of the representative; null for the representative itself.
    pa.field("duplicate_of", pa.string()),
    # Jaccard similarity to the representative, estimated from the MinHash signatures; 1.0
    # for an exact duplicate of it (in any mode); null for the representative.
    pa.field("minhash_jaccard_to_rep", pa.float64()),
]
