"""Main-text extraction: trafilatura with FineWeb's settings, or resiliparse as a fast mode.

Extraction is the one stage that real pages can make hang, crash or balloon (deep nesting,
pathological markup: resiliparse does not return on 100,000 nested <div>s). It therefore runs
in a child process owned by the DoFn, with two limits:
  - time: a per-document limit kills and restarts the child instead of stalling the worker
    (drop reason `extraction_timeout`); with the language pre-check, the check and the
    extractor each get the limit, and a page the check cannot finish is extracted again
    without it (so a page can take twice the limit and a child restart);
  - memory: the child's address space is capped (RLIMIT_AS) at its size after start-up plus
    `memory_mb`; a page that needs more fails inside the child with MemoryError (drop reason
    `extraction_memory_limit`) instead of taking the worker down.
A crash of the parser becomes the error `extraction_crashed`, another exception the error
`extraction_error`; neither stops the run.

The child is `python -m transforms.extraction`: a fresh interpreter (forking a multi-threaded
Beam worker is unsafe) that never imports Beam, so it starts in a fraction of a second and
costs ~40 MB instead of ~180 MB. For that, this module imports Beam only below the child's
entry point.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import select
import struct
import subprocess
import sys
import time

EXTRACTORS = ("trafilatura", "trafilatura-fast", "resiliparse")
# trafilatura logs every page it finds no content in; that is a ledger reason, not a warning.
logging.getLogger("trafilatura").setLevel(logging.ERROR)
DEFAULT_TIMEOUT_S = 5.0
# Extra address space the child may use for one page on top of its size after start-up.
# trafilatura needs about 40x the HTML size (~200 MB for a 5 MB page).
DEFAULT_MEMORY_MB = 1024


# Character references to code points XML forbids (C0 controls but TAB, LF and CR; U+FFFE,
# U+FFFF): lxml's HTML parser puts them in the tree, and trafilatura, copying that text into
# its XML output, failed and discarded the whole page (one `&#xFFFF;` in a CMS's footer). The
# raw characters are dropped by the parser already; browsers show nothing or a placeholder.
# (resiliparse kept them in its text: they go in every mode.)
_XML_INVALID_REFERENCE = re.compile(
    r"&#(?:0*(?:[1-8]|1[1-2]|1[4-9]|2[0-9]|3[01]|6553[45])(?![0-9])"
    r"|[xX]0*(?:[1-8bBcCeEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF])(?![0-9a-fA-F]));?"
)


def _drop_xml_invalid_references(html: str) -> str:
    for _ in range(3):  # again: `&&#1;#xFFFF;` is `&#xFFFF;` once `&#1;` is gone (a few
        # times only: a page nesting them a million deep would cost a pass each)
        if "&#" not in html:
            break
        html, removed = _XML_INVALID_REFERENCE.subn("", html)
        if not removed:
            break
    return html


# resiliparse's settings in every mode (and for the language pre-check's texts).
_RESILIPARSE_OPTIONS = dict(alt_texts=False, links=False, form_fields=False, noscript=False)


def extract_text(html: str, extractor: str = "trafilatura") -> str | None:
    """HTML -> main text, or None when the page has no main content."""
    html = _drop_xml_invalid_references(html)
    if extractor in ("trafilatura", "trafilatura-fast"):
        import trafilatura
        from trafilatura.deduplication import LRU_TEST

        from transforms import trafilatura_speedups

        trafilatura_speedups.install()  # same output, less work; once per process
        # trafilatura's `deduplicate` remembers text across calls in a process-wide cache,
        # which would make a page's text depend on what the worker saw before (and empty the
        # third copy of a page). Clearing it keeps the deduplication within one document and
        # the output deterministic on any number of workers.
        LRU_TEST.clear()
        # FineWeb's settings (datatrove's Trafilatura extractor): precision over recall,
        # no comments, trafilatura's own paragraph deduplication. trafilatura-fast leaves out
        # the comparison with readability and jusText (about a fifth of the time; the kept
        # sets it gives are measured in docs/benchmarks.md).
        text = trafilatura.extract(
            html,
            favor_precision=True,
            include_comments=False,
            deduplicate=True,
            fast=extractor == "trafilatura-fast",
        )
    elif extractor == "resiliparse":
        from resiliparse.extract.html2text import extract_plain_text

        text = extract_plain_text(html, main_content=True, **_RESILIPARSE_OPTIONS)
    else:
        raise ValueError(f"unknown extractor {extractor!r}; choose one of {', '.join(EXTRACTORS)}")
    if text is None:
        return None
    text = text.strip()
    return text or None


# --- the pipe protocol ---------------------------------------------------------------------------
# Frames are plain bytes, not pickles: the parent must not unpickle what a process that has
# just parsed hostile markup sends back.
#   request: u32 length, UTF-8 HTML (length _STOP: the child exits); a request may start
#            with the u32 _WITHOUT_PRECHECK: no language pre-check for this page
#   answer:  1 status byte, u32 length, UTF-8 text or message
#            (SKIP: the language pre-check's verdict, see transforms/lang_precheck.py;
#            PRECHECKED, empty: the pre-check let the page through, an answer follows)
_STOP = 0xFFFFFFFF
_WITHOUT_PRECHECK = 0xFFFFFFFE
OK, NO_TEXT, ERROR, MEMORY, SKIP, PRECHECKED = b"o", b"n", b"e", b"m", b"s", b"p"
_STATUS_NAMES = {
    OK: "ok",
    NO_TEXT: "ok",
    ERROR: "error",
    MEMORY: "memory",
    SKIP: "skip",
    PRECHECKED: "prechecked",
}


def _read_exact(stream, size: int) -> bytes:
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("sandbox pipe closed")
    return data


def _write_request(stream, html: str | None, allow_precheck: bool = True) -> None:
    if html is None:
        stream.write(struct.pack(">I", _STOP))
    else:
        data = html.encode("utf-8", "surrogatepass")
        prefix = b"" if allow_precheck else struct.pack(">I", _WITHOUT_PRECHECK)
        stream.write(prefix + struct.pack(">I", len(data)) + data)
    stream.flush()


def _read_request(stream) -> tuple[str | None, bool]:
    """(HTML, or None when the child is to stop; whether the pre-check may run on it)."""
    size = struct.unpack(">I", _read_exact(stream, 4))[0]
    allow_precheck = size != _WITHOUT_PRECHECK
    if not allow_precheck:
        size = struct.unpack(">I", _read_exact(stream, 4))[0]
    if size == _STOP:
        return None, False
    return _read_exact(stream, size).decode("utf-8", "surrogatepass"), allow_precheck


def _write_answer(stream, status: bytes, text: str = "") -> None:
    data = text.encode("utf-8", "surrogatepass")
    stream.write(status + struct.pack(">I", len(data)) + data)
    stream.flush()


def _read_answer(stream) -> tuple[str, str | None]:
    head = _read_exact(stream, 5)
    status, size = head[:1], struct.unpack(">I", head[1:])[0]
    if status not in _STATUS_NAMES:
        raise EOFError(f"sandbox sent an unknown status {status!r}")
    text = _read_exact(stream, size).decode("utf-8", "surrogatepass")
    return _STATUS_NAMES[status], (None if status == NO_TEXT else text)


class _AnswerPipe:
    """The parent's end of the child's answers, read with os.read into its own buffer: a
    BufferedReader can pull two frames (PRECHECKED and the answer) in one read, and select()
    on the pipe then waits for data that is already in the buffer."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buffer = bytearray()

    def ready(self, timeout_s: float) -> bool:
        return bool(self.buffer) or bool(select.select([self.fd], [], [], timeout_s)[0])

    def read(self, size: int) -> bytes:
        """`size` bytes, fewer only at the end of the pipe."""
        while len(self.buffer) < size:
            chunk = os.read(self.fd, max(size - len(self.buffer), 1 << 16))
            if not chunk:
                break
            self.buffer += chunk
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data


def _vm_bytes(field: str = "VmSize") -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"no {field} in /proc/self/status")


# The child's garbage collection: a young-generation pass every this many allocations.
CHILD_GC_THRESHOLD = 20_000


def tune_child_gc() -> None:
    """Collect the child's garbage less often, after start-up.

    Extracting a page allocates and frees many small objects (element proxies, lists,
    strings) and keeps almost none, while Python's default collects the young generation
    every 700 allocations and then also traverses whatever survives. Freezing what start-up
    built (modules, the language model, stoplists) and collecting every 20,000 allocations
    took 3-6% off trafilatura's time on 400 bench pages with the same peak RSS; reference
    cycles are still collected.
    """
    gc.freeze()
    gc.set_threshold(CHILD_GC_THRESHOLD, 10, 10)


def _cap_address_space(extra_mb: int) -> int | None:
    """RLIMIT_AS = current size + extra_mb; returns the limit (None where there is none:
    not Linux; the time limit still holds there)."""
    try:
        import resource

        limit = _vm_bytes() + extra_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        return limit
    except (ImportError, OSError, ValueError):
        return None


def _hit_memory_cap(limit: int | None, extra_mb: int) -> bool:
    """Did the address space reach the cap? libxml2 reports a failed allocation as its own
    error (e.g. XPathEvalError), not MemoryError, so the peak size has to tell."""
    if limit is None:
        return False
    try:
        headroom = limit - _vm_bytes("VmPeak")
    except OSError:
        return False
    return headroom < max(extra_mb * 1024 * 1024 // 10, 2 * 1024 * 1024)


_TEMPLATE_START = re.compile(r"<template\b", re.I)
_TEMPLATE_END = re.compile(r"</template\s*>", re.I)
_MAX_TEMPLATES = 100


def _templates(html: str, max_chars: int = 100_000):
    """The markup inside the page's `<template>` elements (lxml, and so trafilatura, reads it
    as ordinary content; resiliparse never does), up to `max_chars` of it. Linear in the page:
    each start tag's end is looked for before the next start tag only."""
    if not _TEMPLATE_START.search(html):
        return
    chunks = _TEMPLATE_START.split(html)[1:]
    for chunk in chunks:
        end = _TEMPLATE_END.search(chunk)
        inner = chunk[chunk.find(">") + 1 : end.start() if end else len(chunk)]
        if inner.strip():
            yield inner[:max_chars]
            max_chars -= len(inner)
            if max_chars <= 0:
                return


def precheck_texts(html: str):
    """(resiliparse's main text, as `extract_text(html, "resiliparse")` gives it; a function
    giving the text resiliparse leaves out of it). The second is what trafilatura may still
    extract: resiliparse's main content skips `hidden`, collapsed and `aria-expanded="false"`
    elements (tab panels, "read more" boxes) and never reads `<template>`, trafilatura keeps
    them; an English article in a hidden tab under a German summary was dropped. It is only
    computed for a page the main text would drop, from the same parse (about 0.5 ms)."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    html = _drop_xml_invalid_references(html)
    tree = HTMLTree.parse(html)
    text = extract_plain_text(tree, main_content=True, **_RESILIPARSE_OPTIONS).strip() or None

    def left_out() -> str:
        from transforms.lang_precheck import PARTS_CHARS

        seen = set((text or "").split("\n"))
        full = extract_plain_text(tree, main_content=False, **_RESILIPARSE_OPTIONS)
        lines = [line for line in full.split("\n") if line.strip() and line not in seen]
        # Only the first PARTS_CHARS are read: no template is parsed past them, and at most
        # _MAX_TEMPLATES (one parse each: 100,000 tiny <template>s cost 1.6 s, not 0.1 s).
        chars = sum(len(line) + 1 for line in lines)
        for parsed, inner in enumerate(_templates(html)):
            if chars >= PARTS_CHARS or parsed >= _MAX_TEMPLATES:
                break
            more = extract_plain_text(inner, main_content=False, **_RESILIPARSE_OPTIONS)
            lines += more.split("\n")
            chars += len(more) + 1
        return "\n".join(lines)

    return text, left_out


def precheck_outside(html: str, precheck) -> str | None:
    """The pre-check's payload when the page is clearly in a language not kept, else None
    (also when resiliparse fails on it: trafilatura then gets its chance)."""
    if precheck.declares_kept_language(html):
        return None
    try:
        result = precheck.check(*precheck_texts(html))
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - the page goes on to the extractor
        return None
    return result.to_payload() if result.outside else None


def sandbox_main(extractor: str, memory_mb: int = 0, precheck_arg: str | None = None) -> None:
    """Child process loop: read HTML frames on stdin, answer (status, text) frames.

    The protocol channel is a private copy of stdout; fd 1 itself is pointed at stderr so
    that a library printing to stdout cannot corrupt the frames. `precheck_arg`: a
    `PrecheckSpec` argument; pages it finds clearly outside the kept languages are answered
    with SKIP and never extracted, the others first with an empty PRECHECKED (the parent
    then gives the extractor its own time limit). A request the parent marks
    _WITHOUT_PRECHECK is extracted without the check.
    """
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    inp = sys.stdin.buffer
    extract_text("<html><body><p>warm up</p></body></html>", extractor)
    precheck = None
    if precheck_arg:
        from transforms.lang_precheck import PrecheckSpec

        precheck = PrecheckSpec.from_arg(precheck_arg).build()
        precheck_outside("<html><body><p>warm up</p></body></html>", precheck)
    tune_child_gc()
    limit = _cap_address_space(memory_mb) if memory_mb > 0 else None
    _write_answer(out, OK, "ready")
    while True:
        try:
            html, allow_precheck = _read_request(inp)
        except EOFError:
            return
        if html is None:
            return
        try:
            if precheck is not None and allow_precheck:
                skip = precheck_outside(html, precheck)
                if skip is not None:
                    _write_answer(out, SKIP, skip)
                    continue
                _write_answer(out, PRECHECKED)  # the extractor's own time limit starts now
            text = extract_text(html, extractor)
            if text is None:
                _write_answer(out, NO_TEXT)
            else:
                _write_answer(out, OK, text)
        except Exception as exc:  # noqa: BLE001 - reported to the parent as a reason
            html = None
            if isinstance(exc, MemoryError) or _hit_memory_cap(limit, memory_mb):
                _write_answer(out, MEMORY, f"over the {memory_mb} MB limit: {type(exc).__name__}")
                return  # a fresh child for the next page: nothing half-freed stays around
            _write_answer(out, ERROR, f"{type(exc).__name__}: {exc}"[:300])


if __name__ == "__main__":
    # The child: run before Beam is imported below (see the module docstring).
    if len(sys.argv) >= 3 and sys.argv[1] == "--sandbox":
        sandbox_main(
            sys.argv[2],
            int(sys.argv[3]) if len(sys.argv) > 3 else 0,
            sys.argv[4] if len(sys.argv) > 4 else None,
        )
        sys.exit(0)

import apache_beam as beam  # noqa: E402 - kept out of the child process, see above

from transforms.document import WarcDoc  # noqa: E402
from transforms.lang_precheck import PrecheckResult, PrecheckSpec, apply_precheck  # noqa: E402


class ExtractionSandbox:
    """A child process that extracts text with a per-document time and memory limit.

    `extract(html)` returns (status, text_or_message) with status one of ok, timeout,
    memory, crashed, error, and skip (with a `PrecheckSpec`: the language pre-check's
    `PrecheckResult` payload).
    """

    def __init__(
        self,
        extractor: str = "trafilatura",
        timeout_s: float = DEFAULT_TIMEOUT_S,
        memory_mb: int = DEFAULT_MEMORY_MB,
        precheck: PrecheckSpec | None = None,
    ):
        self.extractor = extractor
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.precheck = precheck
        self._proc: subprocess.Popen | None = None
        self._answers: _AnswerPipe | None = None
        self.restarts = 0  # children replaced after a timeout, crash or memory failure

    def start(self, ready_timeout_s: float = 60.0) -> None:
        """Start the child and wait until its imports are done (never counted per page)."""
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "transforms.extraction",
                "--sandbox",
                self.extractor,
                str(int(self.memory_mb)),
                *([self.precheck.to_arg()] if self.precheck else []),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            # Out of the terminal's process group: Ctrl-C is for the run, which stops the
            # child itself (or the child ends at its stdin's end). A child killed by it while
            # starting failed the run with "extraction sandbox did not start" and a traceback.
            start_new_session=True,
        )
        self._answers = _AnswerPipe(self._proc.stdout.fileno())
        try:
            ready = self._answers.ready(ready_timeout_s)
            if not ready or _read_answer(self._answers) != ("ok", "ready"):
                raise EOFError("no ready signal")
        except (EOFError, OSError, ValueError, struct.error) as exc:
            self._kill()
            raise RuntimeError(f"extraction sandbox did not start: {exc}") from exc

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            _write_request(proc.stdin, None)
            proc.stdin.close()
            proc.wait(timeout=2)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(timeout=5)
        finally:
            if proc.stdout:
                proc.stdout.close()

    def _kill(self) -> int | None:
        """End the child; returns its exit status (negative: the signal that ended it)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.kill()
        code = proc.wait(timeout=5)
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.restarts += 1
        return code

    def extract(self, html: str) -> tuple[str, str | None]:
        """One page. The language pre-check and the extractor each get `timeout_s`; a page
        on which the pre-check itself times out, crashes or runs out of memory (resiliparse
        on 100,000 nested <div>s) is extracted again without it, as it would have been
        without a pre-check: the pre-check only ever saves work."""
        status, text, prechecked = self._attempt(html, allow_precheck=True)
        if self.precheck and not prechecked and status in ("timeout", "crashed", "memory"):
            status, text, _ = self._attempt(html, allow_precheck=False)
        return status, text

    def _attempt(self, html: str, allow_precheck: bool) -> tuple[str, str | None, bool]:
        """(status, text, whether the pre-check let the page through before the answer)."""
        if self._proc is None:
            self.start()
        proc, answers = self._proc, self._answers
        prechecked = False
        try:
            _write_request(proc.stdin, html, allow_precheck)
            while answers.ready(self.timeout_s):
                status, text = _read_answer(answers)
                if status == "prechecked":
                    prechecked = True
                    continue
                if status == "memory":
                    self._kill()  # the child exits after a MemoryError anyway
                return status, text, prechecked
        except (EOFError, OSError, ValueError, struct.error):
            code = self._kill()
            return "crashed", f"extractor process died (exit status {code})", prechecked
        self._kill()
        return "timeout", f"extraction exceeded {self.timeout_s:g}s", prechecked

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


class ExtractTextFn(beam.DoFn):
    """doc.html -> doc.text for alive docs; html is released afterwards (memory)."""

    def __init__(
        self,
        extractor: str = "trafilatura",
        timeout_s: float = DEFAULT_TIMEOUT_S,
        memory_mb: int = DEFAULT_MEMORY_MB,
        precheck: PrecheckSpec | None = None,
    ):
        if extractor not in EXTRACTORS:
            raise ValueError(f"unknown extractor {extractor!r}")
        self._extractor = extractor
        self._timeout_s = timeout_s
        self._memory_mb = memory_mb
        self._precheck_spec = precheck  # language pre-check before extracting (None: off)
        self._precheck = None  # in-process pre-check when there is no sandbox
        self._sandbox: ExtractionSandbox | None = None

    def setup(self):
        if self._timeout_s > 0:
            self._sandbox = ExtractionSandbox(
                self._extractor, self._timeout_s, self._memory_mb, self._precheck_spec
            )
            self._sandbox.start()
        elif self._precheck_spec is not None:
            self._precheck = self._precheck_spec.build()

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
                skip = precheck_outside(doc.html, self._precheck) if self._precheck else None
            except MemoryError:
                skip = None  # the page goes on to the extractor, as the sandbox retries it
            try:
                if skip is not None:
                    status, payload = "skip", skip
                else:
                    status, payload = "ok", extract_text(doc.html, self._extractor)
            except Exception as exc:  # noqa: BLE001
                status, payload = "error", f"{type(exc).__name__}: {exc}"
        else:
            status, payload = self._sandbox.extract(doc.html)
        doc.timings["extract"] = time.perf_counter() - started
        doc.html = None
        if status == "skip":
            apply_precheck(doc, PrecheckResult.from_payload(payload))
        else:
            apply_extraction(doc, status, payload)
        yield doc


def apply_extraction(doc: WarcDoc, status: str, payload: str | None) -> None:
    """The verdict of one extraction attempt on `doc` (limits are drops, failures errors)."""
    if status == "ok":
        if payload:
            doc.text = payload
        else:
            doc.drop("no_extracted_text")
    elif status == "timeout":
        doc.drop("extraction_timeout")
    elif status == "memory":
        doc.drop("extraction_memory_limit")
    else:
        doc.fail(f"extraction_{status}", payload)
