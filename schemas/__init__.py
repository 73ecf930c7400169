"""Arrow schemas of the corpus and the provenance ledger: the one source of truth.

Each concern owns a module listing the columns it adds (`CORPUS_FIELDS`, `LEDGER_FIELDS`);
`corpus.py` and `ledger.py` assemble the final schemas from them in a fixed order.
"""

from schemas.corpus import CORPUS_SCHEMA
from schemas.ledger import LEDGER_SCHEMA

__all__ = ["CORPUS_SCHEMA", "LEDGER_SCHEMA"]
