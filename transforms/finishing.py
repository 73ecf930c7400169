"""Last per-document step before the shuffle: fingerprints, token counts, memory trimming."""

from __future__ import annotations

import hashlib

import apache_beam as beam

from transforms.document import WarcDoc
from transforms.tokens import count_tokens


class FinishDocFn(beam.DoFn):
    """Hash and count the text while it is there; release what later stages do not need.

    The ledger keeps `text_sha256` for every document that had text (kept or dropped), so a
    takedown by hash works on both. Dropped text travels on only with --keep-dropped.
    """

    def __init__(self, keep_dropped: bool = False):
        self._keep_dropped = keep_dropped

    def process(self, doc: WarcDoc):
        doc.html = None
        if doc.text:
            doc.text_sha256 = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
            doc.text_chars = len(doc.text)
            if doc.alive:
                doc.token_count = count_tokens(doc.text)
            elif not self._keep_dropped:
                doc.text = None
        yield doc
