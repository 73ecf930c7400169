"""Bad input and hostile pages: the run goes on, every record is accounted for, memory stays bounded.

The fixtures come from `tests/corrupt_warcs.py`, each with the outcome its construction
implies. One pipeline run reads all of them at once (through a listing that also names a
missing file), so the accounting invariant is checked per file and for the whole manifest.
"""

from __future__ import annotations

import io
import json
import os
import select
import signal
import threading
from collections import Counter
from pathlib import Path

import pytest

from tests.corrupt_warcs import (
    CORRUPT_FIXTURE_NAMES,
    NonSeekableStream,
    article,
    build_corrupt_warcs,
    build_hostile_names_warc,
    build_hostile_warc,
    gz,
    http_block,
    lying_plain_warc,
    warc_record,
    write_listing,
)
from tests.pipeline_runs import python_output, run_pipeline
from transforms import warc_reader
from transforms.document import ERROR, KEPT, WarcDoc
from transforms.extraction import ExtractionSandbox, apply_extraction
from transforms.warc_reader import FileSummary, iter_warc_docs, read_warc_file

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corrupt(tmp_path_factory):
    fixtures = build_corrupt_warcs(tmp_path_factory.mktemp("corrupt"))
    return {f.name: f for f in fixtures}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "hostile.warc.gz"
    return path, build_hostile_warc(path)


# --- the reader, file by file -------------------------------------------------------------------
@pytest.mark.parametrize("name", CORRUPT_FIXTURE_NAMES)
def test_reader_on_corrupt_fixture(corrupt, name):
    fixture = corrupt[name]
    docs, summary = read_warc_file(str(fixture.path), 3)

    assert [(e["kind"], e["offset"]) for e in summary.errors] == fixture.file_errors
    assert all(e["warc_path"] == str(fixture.path) and e["message"] for e in summary.errors)
    assert sum(summary.records_by_type.values()) == fixture.records
    assert summary.responses == len(docs) == len(fixture.responses)
    for doc, expected in zip(docs, fixture.responses, strict=True):
        where = f"{name} {expected.url}"
        assert (doc.url, doc.warc_offset, doc.warc_length) == (
            expected.url,
            expected.offset,
            expected.length,
        ), where
        if expected.errors:
            assert doc.decision == ERROR and doc.drop_reason in expected.errors, where
            assert doc.error_detail, where
        else:  # intact records read as if nothing happened next to them
            assert doc.decision == KEPT and "Notes from the valley" in doc.html, where


def test_intact_records_read_back_at_their_offsets(corrupt):
    """offset + length of every intact record isolate exactly that record (checked by warcio)."""
    from warcio.archiveiterator import ArchiveIterator

    for name in ("truncated_member.warc.gz", "garbage_between.warc", "length_too_long.warc"):
        data = corrupt[name].path.read_bytes()
        docs, _ = read_warc_file(str(corrupt[name].path), 0)
        for doc in docs:
            if doc.decision == ERROR:
                continue
            raw = data[doc.warc_offset : doc.warc_offset + doc.warc_length]
            record = next(iter(ArchiveIterator(io.BytesIO(raw))))
            assert record.rec_headers.get_header("WARC-Target-URI") == doc.url


def test_stream_that_cannot_go_back_resumes_where_it_is(monkeypatch):
    """A lying Content-Length on a non-seekable stream, with the look-back smaller than the
    lie: the skipped bytes are reported, the records after them are still read."""
    monkeypatch.setattr(warc_reader, "_LOOKBACK", 4096)
    monkeypatch.setattr(warc_reader, "_SOURCE_CHUNK", 4096)
    stream = io.BufferedReader(NonSeekableStream(lying_plain_warc(excess=20_000)), 4096)

    summary = FileSummary(warc_path="stream.warc", file_index=0)
    docs = list(iter_warc_docs(stream, summary))
    by_url = {d.url: d for d in docs}
    assert by_url["http://e.org/1"].drop_reason == "content_length_mismatch"
    assert "could not be re-scanned" in by_url["http://e.org/1"].error_detail
    assert summary.responses == len(docs)
    lost = [f"http://e.org/{i}" for i in range(8) if f"http://e.org/{i}" not in by_url]
    assert lost, "the lie is longer than the look-back: some records cannot be recovered"
    assert by_url["http://e.org/7"].decision == KEPT  # reading went on after the damage


# --- one pipeline run over everything -----------------------------------------------------------
_SHARED: dict = {}


@pytest.fixture(scope="session")
def robustness_run(tmp_path_factory):
    return shared_robustness_run(tmp_path_factory)


def shared_robustness_run(tmp_path_factory):
    """Run once per session, also for test_security.py (a fixture imported into another
    module would run again)."""
    if "run" not in _SHARED:
        _SHARED["run"] = _robustness_run(tmp_path_factory)
    return _SHARED["run"]


def _robustness_run(tmp_path_factory):
    """One run over every corrupt fixture, the hostile pages and the hostile names (the last
    are checked in test_security.py), listed in one file that also names a missing file."""
    root = tmp_path_factory.mktemp("robustness_run")
    inputs = root / "inputs"
    corrupt = {f.name: f for f in build_corrupt_warcs(inputs)}
    hostile_path = inputs / "hostile.warc.gz"
    pages = build_hostile_warc(hostile_path)
    names_path = inputs / "hostile_names.warc.gz"
    names = build_hostile_names_warc(names_path)
    listing = write_listing(list(corrupt.values()), root / "inputs.txt")
    with open(listing, "a") as fh:
        fh.write(f"{hostile_path}\n{names_path}\n")
    result = run_pipeline(
        root / "out", "--input", str(listing), "--extract-timeout", "1", "--languages", "all"
    )
    assert result.exit_code == 0
    result.corrupt = corrupt
    result.hostile = (hostile_path, pages)
    result.names = (names_path, names)
    return result


def check_manifest_reconciles(manifest: dict, ledger: list[dict]) -> None:
    """records read = kept + dropped (by reason) + errors (by kind), from the files' own rows."""
    counts = manifest["counts"]
    decisions = Counter(r["decision"] for r in ledger)
    assert counts["ledger_rows"] == len(ledger) == counts["responses"]
    assert counts["records_by_type"].get("response", 0) == counts["responses"]
    assert counts["records_read"] == sum(counts["records_by_type"].values())
    assert (counts["kept"], counts["dropped"], counts["errors"]) == (
        decisions["kept"],
        decisions["dropped"],
        decisions["error"],
    )
    assert counts["kept"] + counts["dropped"] + counts["errors"] == counts["responses"]
    dropped = Counter(r["drop_reason"] for r in ledger if r["decision"] == "dropped")
    assert counts["drop_reasons"] == dict(dropped)
    record_errors = Counter(r["drop_reason"] for r in ledger if r["decision"] == "error")
    file_errors = Counter(e["kind"] for e in manifest["file_errors"])
    assert counts["error_kinds"] == dict(record_errors + file_errors)
    assert sum(counts["error_kinds"].values()) == counts["errors"] + len(manifest["file_errors"])
    funnel = manifest["funnel"]
    assert funnel[0]["in"] == counts["responses"] and funnel[-1]["out"] == counts["kept"]
    assert sum(step["removed"] for step in funnel) == counts["dropped"] + counts["errors"]


def test_run_over_corrupt_inputs_accounts_for_every_record(robustness_run):
    manifest, ledger = robustness_run.manifest, robustness_run.ledger()
    corrupt = robustness_run.corrupt
    assert (robustness_run.root / "_SUCCESS").exists()
    check_manifest_reconciles(manifest, ledger)
    assert manifest["counts"]["input_files"] == len(corrupt) + 2

    rows_by_file: dict[str, list[dict]] = {}
    for row in ledger:
        rows_by_file.setdefault(row["warc_path"], []).append(row)
    file_errors = Counter((e["warc_path"], e["kind"], e["offset"]) for e in manifest["file_errors"])
    expected_errors: Counter = Counter()
    for fixture in corrupt.values():
        rows = sorted(rows_by_file.get(str(fixture.path), []), key=lambda r: r["warc_offset"])
        assert len(rows) == len(fixture.responses), fixture.name
        for row, expected in zip(rows, fixture.responses, strict=True):
            assert (row["url"], row["warc_offset"], row["warc_length"]) == (
                expected.url,
                expected.offset,
                expected.length,
            )
            if expected.errors:
                assert row["decision"] == "error" and row["drop_reason"] in expected.errors
            else:
                assert row["decision"] != "error", (fixture.name, row["drop_reason"])
        for kind, offset in fixture.file_errors:
            expected_errors[(str(fixture.path), kind, offset)] += 1
    assert file_errors == expected_errors
    hostile_path, pages = robustness_run.hostile
    assert len(rows_by_file[str(hostile_path)]) == len(pages)
    names_path, names = robustness_run.names
    assert len(rows_by_file[str(names_path)]) == len(names)


def test_hostile_pages_end_with_their_reasons(robustness_run):
    hostile_path, pages = robustness_run.hostile
    rows = {r["url"]: r for r in robustness_run.ledger() if r["warc_path"] == str(hostile_path)}
    for page in pages:
        row = rows[page.url]
        assert row["decision"] != "error", (page.url, row["drop_reason"], row["error_detail"])
        if page.reasons:
            assert row["drop_reason"] in page.reasons, (page.url, row["drop_reason"])
    # The page after the one that timed out was extracted by a fresh child.
    assert rows["http://hostile.example/ok-last"]["text_chars"] > 1000
    assert rows["http://hostile.example/utf16"]["charset"] == "utf-16le"
    assert rows["http://hostile.example/utf16"]["text_chars"] > 1000
    for url in ("lying-charset", "unknown-charset", "mixed-encoding"):
        assert rows[f"http://hostile.example/{url}"]["text_chars"] > 1000, url


_RSS_SCRIPT = """
import json, sys
from transforms.warc_reader import read_warc_file

def hwm_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

before = hwm_mib()
docs, summary = read_warc_file(sys.argv[1], 0)
print(json.dumps({"before": before, "after": hwm_mib(),
                  "reasons": {d.url: d.drop_reason for d in docs}}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_bombs_and_huge_pages_keep_reader_memory_bounded(hostile):
    """Reading 256 MiB + 2 x 128 MiB of bombs and a 50 MB page costs the reader a few MiB."""
    path, _ = hostile
    output = python_output(_RSS_SCRIPT, str(path), timeout=120)
    result = json.loads(output.strip().splitlines()[-1])
    growth = result["after"] - result["before"]
    print(f"peak RSS {result['before']:.0f} MiB -> {result['after']:.0f} MiB (+{growth:.1f})")
    for url in ("huge", "bomb-gzip", "bomb-deflate", "warc-bomb"):
        assert result["reasons"][f"http://hostile.example/{url}"] == "html_too_large"
    # Materialising any one bomb would add >= 128 MiB; the block cap is 5 MiB.
    assert growth < 64, result


# --- the extraction child ------------------------------------------------------------------------
def _doc(html: str) -> WarcDoc:
    return WarcDoc(doc_id="d", warc_path="p", file_index=0, warc_offset=0, html=html)


def _verdict(sandbox: ExtractionSandbox, html: str) -> WarcDoc:
    doc = _doc(html)
    status, payload = sandbox.extract(html)
    apply_extraction(doc, status, payload)
    return doc


def test_extraction_over_memory_limit_is_a_drop_and_the_next_page_works():
    big = "<html><body>" + "".join(f"<p>Paragraph {i} of many words.</p>" for i in range(20_000))
    with ExtractionSandbox("trafilatura", timeout_s=30, memory_mb=16) as sandbox:
        doc = _verdict(sandbox, big + "</body></html>")
        assert doc.decision == "dropped" and doc.drop_reason == "extraction_memory_limit"
        after = _verdict(sandbox, article(1).decode())
        assert after.decision == KEPT and "Notes from the valley" in after.text
        assert sandbox.restarts == 1


def test_extraction_child_that_dies_is_an_error_and_the_next_page_works():
    slow = "<html><body>" + "".join(f"<div><p>Row {i}.</p></div>" for i in range(40_000))
    with ExtractionSandbox("trafilatura", timeout_s=30) as sandbox:
        killer = threading.Timer(0.3, lambda: os.kill(sandbox.pid, signal.SIGKILL))
        killer.start()
        doc = _verdict(sandbox, slow)
        killer.join()
        assert doc.decision == ERROR and doc.drop_reason == "extraction_crashed"
        assert "-9" in doc.error_detail
        assert _verdict(sandbox, article(2).decode()).decision == KEPT


def test_extraction_child_collects_garbage_less_often_but_still_collects_cycles():
    """tune_child_gc (run by the sandbox child after start-up): start-up objects frozen, a
    young-generation pass every CHILD_GC_THRESHOLD allocations, and cycles still freed."""
    code = (
        "import gc, json, weakref\n"
        "from transforms.extraction import CHILD_GC_THRESHOLD, tune_child_gc\n"
        "tune_child_gc()\n"
        "class Node: pass\n"
        "alive = []\n"
        "for _ in range(50_000):\n"
        "    a, b = Node(), Node()\n"
        "    a.other, b.other = b, a  # a reference cycle, unreachable after this loop turn\n"
        "    alive.append(weakref.ref(a))\n"
        "print(json.dumps([gc.get_threshold()[0] == CHILD_GC_THRESHOLD,\n"
        "                  gc.get_freeze_count() > 1000, sum(r() is not None for r in alive)]))\n"
    )
    threshold_set, startup_frozen, uncollected = json.loads(python_output(code))
    assert threshold_set and startup_frozen
    assert uncollected < 50_000 // 2  # most cycles were freed without an explicit collect


def test_a_page_the_language_precheck_cannot_finish_is_extracted_without_it():
    """The pre-check runs resiliparse before trafilatura: on 100k nested <div>s it never
    returned, and a page trafilatura extracts at once was dropped as extraction_timeout."""
    from transforms.lang_precheck import PrecheckSpec

    body = "".join(
        f"<p>The council met on day {i} to discuss the library budget.</p>" for i in range(6)
    )
    deep = f"<html><body><article>{body}</article>" + "<div>" * 100_000 + "x" + "</div>" * 100_000
    spec = PrecheckSpec(("en",))
    with ExtractionSandbox("trafilatura", timeout_s=1.0, precheck=spec) as sandbox:
        doc = _verdict(sandbox, deep + "</body></html>")
        assert doc.decision == KEPT and "council met on day 0" in doc.text
        assert sandbox.restarts == 1  # the child stuck in the pre-check, replaced once
        assert _verdict(sandbox, article(4).decode()).decision == KEPT


def test_answers_that_arrive_together_are_all_read():
    """With a pre-check, the child answers twice per page (let through, then the text). When
    both were in the pipe at once, a buffered reader took both in one read, and select() on
    the pipe then waited the whole time limit for the second, already read."""
    from transforms.extraction import OK, PRECHECKED, _AnswerPipe, _read_answer, _write_answer

    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "wb") as child:
        _write_answer(child, PRECHECKED)
        _write_answer(child, OK, "the text")
        answers = _AnswerPipe(read_end)
        assert answers.ready(1.0)
        assert _read_answer(answers) == ("prechecked", "")
        assert select.select([read_end], [], [], 0)[0] == []  # the pipe itself is empty now
        assert answers.ready(0.0)  # ... but the second answer is waiting in the buffer
        assert _read_answer(answers) == ("ok", "the text")
        assert not answers.ready(0.0)
    os.close(read_end)


def test_resiliparse_on_deep_nesting_is_stopped_by_the_time_limit():
    """resiliparse does not return on 100k nested <div>s; the limit turns it into a drop."""
    deep = "<html><body>" + "<div>" * 100_000 + "<p>deep</p>" + "</div>" * 100_000
    with ExtractionSandbox("resiliparse", timeout_s=1.0) as sandbox:
        doc = _verdict(sandbox, deep)
        assert doc.drop_reason == "extraction_timeout"
        assert _verdict(sandbox, article(3).decode()).decision == KEPT


def test_bad_http_response_and_binary_content_are_reasons(tmp_path):
    members = [
        gz(warc_record("response", "http://e.org/no-status", b"<html>no status line</html>")),
        gz(
            warc_record(
                "response",
                "http://e.org/pdf",
                http_block(b"%PDF-1.7\n" + b"stream text " * 100, content_type="text/html"),
            )
        ),
    ]
    path = tmp_path / "odd.warc.gz"
    path.write_bytes(b"".join(members))
    docs, summary = read_warc_file(str(path), 0)
    assert [(d.decision, d.drop_reason) for d in docs] == [
        (ERROR, "bad_http_response"),
        ("dropped", "binary_content"),
    ]
    assert summary.errors == []


CTRL_C_IN_ITS_OWN_GROUP = """
import os, signal
from transforms.extraction import ExtractionSandbox
with ExtractionSandbox("resiliparse", timeout_s=30) as sandbox:
    child = sandbox._proc.pid
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # this process stands in for the run
    os.killpg(os.getpgid(0), signal.SIGINT)  # what the terminal sends on Ctrl-C
    status, text = sandbox.extract("<html><body><p>Still here after Ctrl-C.</p></body></html>")
    print(os.getpgid(child) != os.getpgid(0), status, sandbox._proc.pid == child, text)
"""


def test_ctrl_c_at_the_terminal_does_not_reach_the_extraction_child():
    """The child runs in its own session: Ctrl-C (SIGINT to the terminal's process group) is
    for the run, which stops the child. A child killed by it while starting failed the run
    with "extraction sandbox did not start" and a traceback instead of "interrupted"."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", CTRL_C_IN_ITS_OWN_GROUP],
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,  # the SIGINT stays in this test's own process group
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip().split(maxsplit=3) == [
        "True",
        "ok",
        "True",
        "Still here after Ctrl-C.",
    ]


@pytest.mark.parametrize(
    "reference", ["&#xFFFF;", "&#65534;", "&#x1;", "&#12;", "&#X1f;", "&&#1;#xFFFF;"]
)
@pytest.mark.parametrize("extractor", ["trafilatura", "trafilatura-fast", "resiliparse"])
def test_a_reference_to_a_character_xml_forbids_keeps_the_page(reference, extractor):
    """trafilatura discarded the whole page (no_extracted_text) for one `&#xFFFF;`."""
    from tests.corrupt_warcs import article
    from transforms.extraction import extract_text

    html = article(8).decode().replace("</h1>", f"</h1><p>one {reference} two</p>", 1)
    plain = article(8).decode().replace("</h1>", "</h1><p>one  two</p>", 1)
    assert extract_text(html, extractor) == extract_text(plain, extractor)
