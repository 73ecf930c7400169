"""Thin Beam wrappers: the chain is built once per worker in `setup`; documents that an
earlier stage dropped pass through untouched."""

from __future__ import annotations

import apache_beam as beam

from transforms.document import WarcDoc
from transforms.filters.chain import FilterChain


class _ChainFn(beam.DoFn):
    def __init__(self, config: dict):
        self._config = config
        self._chain: FilterChain | None = None

    def setup(self):
        self._chain = FilterChain(self._config)


class UrlFilterFn(_ChainFn):
    """doc.url -> doc.filter_scores (url_filter:*); drops with reason url_filter:<rule>."""

    def process(self, doc: WarcDoc):
        if doc.alive:
            reason, scores = self._chain.check_url(doc.url)
            doc.filter_scores.update(scores)
            if reason:
                doc.drop(reason)
        yield doc


class QualityFiltersFn(_ChainFn):
    """doc.text/language/language_score -> doc.filter_scores; drops with the first failing
    rule's reason; a kept document's text becomes the lines C4 kept (c4.rewrite_text)."""

    def process(self, doc: WarcDoc):
        if doc.alive:
            reason, scores, text = self._chain.filter_text(
                doc.text, doc.language, doc.language_score
            )
            doc.filter_scores.update(scores)
            if reason:
                doc.drop(reason)
            else:
                doc.text = text
        yield doc
