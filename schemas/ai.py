"""Columns added by the ai stage."""

import pyarrow as pa

# Columns of the corpus (kept documents only).
CORPUS_FIELDS: list[pa.Field] = []

# Columns of the provenance ledger (every input record).
LEDGER_FIELDS: list[pa.Field] = []
