"""Main-text extraction: trafilatura with FineWeb's settings, or resiliparse as a fast mode.

Extraction is the one stage that real pages can make hang or crash (deep nesting,
pathological markup). It therefore runs in a child process owned by the DoFn: a per-document
time limit kills and restarts the child instead of stalling the worker, and a crash of the
parser becomes a ledger reason instead of a dead worker.
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import time

import apache_beam as beam

from transforms.document import WarcDoc

EXTRACTORS = ("trafilatura", "resiliparse")
# trafilatura logs every page it finds no content in; that is a ledger reason, not a warning.
logging.getLogger("trafilatura").setLevel(logging.ERROR)
DEFAULT_TIMEOUT_S = 5.0


def extract_text(html: str, extractor: str = "trafilatura") -> str | None:
    """HTML -> main text, or None when the page has no main content."""
    if extractor == "trafilatura":
        import trafilatura
        from trafilatura.deduplication import LRU_TEST

        # trafilatura's `deduplicate` remembers text across calls in a process-wide cache,
        # which would make a page's text depend on what the worker saw before (and empty the
        # third copy of a page). Clearing it keeps the deduplication within one document and
        # the output deterministic on any number of workers.
        LRU_TEST.clear()
        # FineWeb's settings (datatrove's Trafilatura extractor): precision over recall,
        # no comments, trafilatura's own paragraph deduplication.
        text = trafilatura.extract(
            html, favor_precision=True, include_comments=False, deduplicate=True
        )
    elif extractor == "resiliparse":
        from resiliparse.extract.html2text import extract_plain_text

        text = extract_plain_text(
            html, main_content=True, alt_texts=False, links=False, form_fields=False, noscript=False
        )
    else:
        raise ValueError(f"unknown extractor {extractor!r}; choose one of {', '.join(EXTRACTORS)}")
    if text is None:
        return None
    text = text.strip()
    return text or None


def _read_frame(stream) -> object:
    header = stream.read(4)
    if len(header) < 4:
        raise EOFError("sandbox pipe closed")
    size = struct.unpack(">I", header)[0]
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError("sandbox pipe closed mid-frame")
    return pickle.loads(payload)


def _write_frame(stream, obj: object) -> None:
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">I", len(payload)) + payload)
    stream.flush()


def sandbox_main(extractor: str) -> None:
    """Child process loop: read HTML frames on stdin, answer (status, text) frames.

    The protocol channel is a private copy of stdout; fd 1 itself is pointed at stderr so
    that a library printing to stdout cannot corrupt the frames.
    """
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    inp = sys.stdin.buffer
    extract_text("<html><body><p>warm up</p></body></html>", extractor)
    while True:
        try:
            html = _read_frame(inp)
        except EOFError:
            return
        if html is None:
            return
        try:
            answer = ("ok", extract_text(html, extractor))
        except Exception as exc:  # noqa: BLE001 - reported to the parent as a reason
            answer = ("error", f"{type(exc).__name__}: {exc}"[:300])
        _write_frame(out, answer)


class ExtractionSandbox:
    """A child process that extracts text with a per-document time limit.

    `extract(html)` returns (status, text_or_message) with status one of ok, timeout,
    crashed, error. The child is a fresh interpreter (`python -m transforms.extraction`), not
    a fork: Beam workers are multi-threaded, and forking those is unsafe.
    """

    def __init__(self, extractor: str = "trafilatura", timeout_s: float = DEFAULT_TIMEOUT_S):
        self.extractor = extractor
        self.timeout_s = timeout_s
        self._proc: subprocess.Popen | None = None

    def start(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "transforms.extraction", "--sandbox", self.extractor],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            _write_frame(proc.stdin, None)
            proc.stdin.close()
            proc.wait(timeout=2)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(timeout=5)
        finally:
            if proc.stdout:
                proc.stdout.close()

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait(timeout=5)
            for stream in (proc.stdin, proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass

    def extract(self, html: str) -> tuple[str, str | None]:
        if self._proc is None:
            self.start()
        proc = self._proc
        try:
            _write_frame(proc.stdin, html)
            ready, _, _ = select.select([proc.stdout], [], [], self.timeout_s)
            if ready:
                return _read_frame(proc.stdout)
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            self._kill()
            return "crashed", "extractor process died"
        self._kill()
        return "timeout", f"extraction exceeded {self.timeout_s:g}s"

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


class ExtractTextFn(beam.DoFn):
    """doc.html -> doc.text for alive docs; html is released afterwards (memory)."""

    def __init__(self, extractor: str = "trafilatura", timeout_s: float = DEFAULT_TIMEOUT_S):
        if extractor not in EXTRACTORS:
            raise ValueError(f"unknown extractor {extractor!r}")
        self._extractor = extractor
        self._timeout_s = timeout_s
        self._sandbox: ExtractionSandbox | None = None

    def setup(self):
        if self._timeout_s > 0:
            self._sandbox = ExtractionSandbox(self._extractor, self._timeout_s)
            self._sandbox.start()
            # Wait for the child's imports here, so they never count against a document.
            self._sandbox.timeout_s = max(self._timeout_s, 60.0)
            self._sandbox.extract("<html><body><p>ready</p></body></html>")
            self._sandbox.timeout_s = self._timeout_s

    def teardown(self):
        if self._sandbox is not None:
            self._sandbox.stop()

    def process(self, doc: WarcDoc):
        if not doc.alive or doc.html is None:
            doc.html = None
            yield doc
            return
        started = time.perf_counter()
        if self._sandbox is None:
            try:
                status, payload = "ok", extract_text(doc.html, self._extractor)
            except Exception as exc:  # noqa: BLE001
                status, payload = "error", f"{type(exc).__name__}: {exc}"
        else:
            status, payload = self._sandbox.extract(doc.html)
        doc.timings["extract"] = time.perf_counter() - started
        doc.html = None
        if status == "ok":
            if payload:
                doc.text = payload
            else:
                doc.drop("no_extracted_text")
        elif status == "timeout":
            doc.drop("extraction_timeout")
        else:
            doc.fail(f"extraction_{status}", payload)
        yield doc


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--sandbox":
        sandbox_main(sys.argv[2])
