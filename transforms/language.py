"""Language identification with fastText's lid.176 model, as FineWeb does (the model
itself: `transforms.lid`)."""

from __future__ import annotations

import apache_beam as beam

from transforms.document import WarcDoc
from transforms.lid import LanguageIdentifier, bundled_lid_model_path

__all__ = ["IdentifyLanguageFn", "LanguageIdentifier", "bundled_lid_model_path"]


class IdentifyLanguageFn(beam.DoFn):
    """Sets doc.language / doc.language_score on alive documents that have text."""

    def __init__(self, model_path: str | None = None):
        self._model_path = model_path
        self._lid: LanguageIdentifier | None = None

    def setup(self):
        self._lid = LanguageIdentifier(self._model_path)

    def process(self, doc: WarcDoc):
        if doc.alive and doc.text:
            doc.language, doc.language_score = self._lid.predict(doc.text)
        yield doc
