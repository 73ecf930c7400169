"""Arrow schemas of the corpus, the provenance ledger and the run's other tables (dropped
texts, host aggregates): the one source of truth.

Each concern owns a module listing the columns it adds (`CORPUS_FIELDS`, `LEDGER_FIELDS`);
`corpus.py` and `ledger.py` assemble the final schemas from them in a fixed order.
"""

from schemas.ai import HOSTS_SCHEMA
from schemas.corpus import CORPUS_SCHEMA, DROPPED_SCHEMA
from schemas.ledger import LEDGER_SCHEMA

__all__ = ["CORPUS_SCHEMA", "DROPPED_SCHEMA", "HOSTS_SCHEMA", "LEDGER_SCHEMA"]
