"""`ccprov report`: the page renders in a real headless browser and shows the run's numbers.

Chromium comes from Debian (`tests/setup_chromium.sh`, run by `make test`). Without it the
browser tests skip locally and fail in CI (`CI=true`), where the setup script must have run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.audit import main as audit_main
from pipeline.audit.report import NOT_AVAILABLE, build_report
from pipeline.audit.store import OutputStore
from transforms.writer import table_bytes

ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
LICENSE_CLASSES = ["permissive", "copyleft", "unknown", "all_rights_reserved", "public_domain"]
CHROMIUM_TIMEOUT_S = 90
# Report sections that depend on a stage's ledger column, and their "not available" label.
# Licensing and AI count as missing when their column is empty in every row (stage not run);
# dedup leaves its columns null for singletons, so only a missing column means no dedup.
SECTION_COLUMNS = [("licensing", "license_class"), ("ai", "ai_score"), ("dedup", "dedup_cluster")]
NEEDS_VALUES = {"licensing", "ai"}
SECTION_NAMES = {"licensing": "Licence tagging", "ai": "AI-text scores", "dedup": "Deduplication"}


# --- a run "after the other stages landed": extra ledger columns and a hosts table ------------
def _unit(doc_id: str, salt: str) -> float:
    """A deterministic pseudo-random number in [0, 1) per document."""
    digest = hashlib.sha256(f"{salt}:{doc_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def add_stage_columns(root: Path) -> dict:
    """Give a finished output the licensing, AI and dedup columns later stages will write.

    Values are derived from doc_ids (so not fixed by hand); returns what was written so tests
    can compute the expected numbers themselves.
    """
    ledger_path = next((root / "provenance").glob("*.parquet"))
    ledger = pq.read_table(ledger_path)
    rows = ledger.to_pylist()
    kept = [r for r in rows if r["decision"] == "kept"]
    for index, row in enumerate(rows):
        alive_once = row["text_sha256"] is not None
        cls = LICENSE_CLASSES[index % len(LICENSE_CLASSES)] if alive_once else None
        row["license_class"] = cls
        row["license"] = {"permissive": "CC-BY-4.0", "copyleft": "CC-BY-SA-4.0"}.get(cls)
        row["tdm_reservation"] = alive_once and _unit(row["doc_id"], "tdm") < 0.3
        row["noai"] = alive_once and _unit(row["doc_id"], "noai") < 0.2
        row["robots_allowed"] = (
            {"CCBot": True, "GPTBot": _unit(row["doc_id"], "gpt") < 0.5} if alive_once else None
        )
        row["robots_allows_gptbot"] = _unit(row["doc_id"], "gpt") < 0.5 if alive_once else None
        row["ai_score"] = _unit(row["doc_id"], "ai") if alive_once else None
    host_scores: dict[str, list[float]] = {}
    for row in rows:
        if row["ai_score"] is not None:
            host_scores.setdefault(row["host"], []).append(row["ai_score"])
    for row in rows:
        scores = host_scores.get(row["host"])
        row["host_ai_score"] = sum(scores) / len(scores) if scores else None
    # Two duplicate clusters among kept documents: (k0 <- k1, k2) and (k3 <- k4).
    clusters = {0: [1, 2], 3: [4]}
    for rep, members in clusters.items():
        for index in [rep, *members]:
            doc = kept[index]
            doc["dedup_cluster"] = kept[rep]["doc_id"]
            doc["dedup_cluster_size"] = len(members) + 1
            doc["duplicate_of"] = None if index == rep else kept[rep]["doc_id"]
            if index != rep:
                doc["decision"], doc["drop_reason"] = "dropped", "near_duplicate"
    extra = [
        pa.field("license_class", pa.string()),
        pa.field("license", pa.string()),
        pa.field("tdm_reservation", pa.bool_()),
        pa.field("noai", pa.bool_()),
        pa.field("robots_allowed", pa.map_(pa.string(), pa.bool_())),
        pa.field("robots_allows_gptbot", pa.bool_()),
        pa.field("ai_score", pa.float64()),
        pa.field("host_ai_score", pa.float64()),
    ]
    fields = {f.name: f for f in ledger.schema}  # a stage that landed keeps its position
    fields.update((f.name, f) for f in extra)
    schema = pa.schema(list(fields.values()))
    for row in rows:
        if row["robots_allowed"] is not None:
            row["robots_allowed"] = list(row["robots_allowed"].items())
    ledger_path.write_bytes(table_bytes(pa.Table.from_pylist(rows, schema=schema)))
    # The corpus loses the documents now marked as duplicates.
    corpus_path = next((root / "corpus").glob("*.parquet"))
    corpus = pq.read_table(corpus_path)
    dropped_ids = {r["doc_id"] for r in rows if r["drop_reason"] == "near_duplicate"}
    keep_mask = pa.array([d not in dropped_ids for d in corpus.column("doc_id").to_pylist()])
    corpus_path.write_bytes(table_bytes(corpus.filter(keep_mask)))
    hosts = [
        {"host": h, "ai_score_mean": sum(s) / len(s), "doc_count": len(s)}
        for h, s in sorted(host_scores.items())
    ]
    shutil.rmtree(root / "hosts", ignore_errors=True)
    (root / "hosts").mkdir()
    (root / "hosts" / "part-00000.parquet").write_bytes(table_bytes(pa.Table.from_pylist(hosts)))
    return {"rows": rows, "hosts": hosts, "clusters": clusters}


# --- reading what the browser rendered --------------------------------------------------------
class PageParser(HTMLParser):
    """Collects tables (by id) as rows of cell texts, section texts, and summary tiles."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.sections: dict[str, str] = {}
        self.stage_rows: dict[str, list[str]] = {}
        self.tiles: dict[str, str] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._stage: str | None = None
        self._in_head = False
        self._section: str | None = None
        self._tile: str | None = None
        self._tile_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self._section = attrs.get("id")
            self.sections[self._section] = ""
        elif tag == "table" and attrs.get("id"):
            self._table = attrs["id"]
            self.tables[self._table] = []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
            self._stage = attrs.get("data-stage")
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "div" and "data-count" in attrs:
            self._tile, self._tile_text = attrs["data-count"], []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._table is not None and self._row and not self._in_head:
                self.tables[self._table].append(self._row)
            if self._stage:
                self.stage_rows[self._stage] = self._row
            self._row = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "table":
            self._table = None
        elif tag == "section":
            self._section = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._section is not None:
            self.sections[self._section] += data
        if self._tile is not None:
            self._tile_text.append(data)
            if self._tile not in self.tiles and data.strip():
                self.tiles[self._tile] = data.strip()
                self._tile = None


def parse_page(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


def as_int(text: str) -> int:
    return int(text.replace(",", ""))


# --- chromium --------------------------------------------------------------------------------------
def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def chromium() -> str:
    path = chromium_binary()
    if path:
        return path
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail("chromium is missing in CI: tests/setup_chromium.sh must run first")
    pytest.skip("chromium is not installed (tests/setup_chromium.sh installs it)")


def render(chromium: str, page: Path, workdir: Path, screenshot: Path) -> str:
    """Screenshot the page and return the DOM chromium built from it."""
    common = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={workdir / 'chromium-profile'}",
    ]
    url = page.resolve().as_uri()
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.unlink(missing_ok=True)
    # One browser run does both: the screenshot file and the DOM on stdout.
    done = subprocess.run(
        [*common, f"--screenshot={screenshot}", "--window-size=1280,2400", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=CHROMIUM_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "</html>" in done.stdout, done.stderr[-2000:]
    return done.stdout


def check_png(path: Path, width: int, height: int) -> None:
    """A valid PNG of that size that is not blank: many colours, lots of non-white pixels."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    assert struct.unpack(">II", data[16:24]) == (width, height)
    assert zlib.crc32(data[12:29]) == struct.unpack(">I", data[29:33])[0]
    assert len(data) > 30_000, f"screenshot is only {len(data)} bytes"
    import matplotlib.image

    pixels = matplotlib.image.imread(path)[:, :, :3]
    non_white = (pixels.min(axis=2) < 0.95).mean()
    colours = {tuple(p) for p in (pixels[::7, ::7] * 255).astype(int).reshape(-1, 3).tolist()}
    assert non_white > 0.05, f"only {non_white:.1%} of the page is not white"
    assert len(colours) > 20


# --- the tests --------------------------------------------------------------------------------------
def check_funnel_and_summary(page: PageParser, manifest: dict) -> None:
    stages = manifest["funnel"]
    assert set(page.stage_rows) == {s["stage"] for s in stages}
    for stage in stages:
        row = page.stage_rows[stage["stage"]]
        assert [as_int(v) for v in row[1:4]] == [stage["in"], stage["removed"], stage["out"]]
    counts = manifest["counts"]
    assert as_int(page.tiles["records read"]) == counts["records_read"]
    assert as_int(page.tiles["responses"]) == counts["responses"]
    assert as_int(page.tiles["kept"]) == counts["kept"]
    assert as_int(page.tiles["dropped"]) == counts["dropped"]


def test_report_renders_in_chromium(sample_run, chromium, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(sample_run.root, out)
    assert audit_main(["report", str(out)]) == 0
    page_path = out / "report.html"
    dom = render(chromium, page_path, tmp_path, ARTIFACTS / "report.png")
    page = parse_page(dom)
    manifest = sample_run.manifest
    check_funnel_and_summary(page, manifest)
    columns = set(sample_run.table("provenance").schema.names)
    ledger = sample_run.ledger()
    for section_id, column in SECTION_COLUMNS:
        says_missing = f"{SECTION_NAMES[section_id]}: {NOT_AVAILABLE}" in page.sections[section_id]
        present = column in columns and (
            section_id not in NEEDS_VALUES or any(r[column] is not None for r in ledger)
        )
        assert says_missing == (not present), section_id
    languages = {row[0]: as_int(row[2]) for row in page.tables["languages-table"]}
    assert sum(languages.values()) == len(ledger)
    assert languages.get("en", 0) == sum(1 for r in ledger if r["language"] == "en")
    hosts = page.tables["hosts-table"]
    assert sum(as_int(r[2]) for r in hosts) <= manifest["counts"]["kept"]
    check_png(ARTIFACTS / "report.png", 1280, 2400)


def test_report_shows_stage_sections_once_their_columns_exist(sample_run, chromium, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(sample_run.root, out)
    written = add_stage_columns(out)
    rows = written["rows"]
    assert audit_main(["report", str(out)]) == 0
    dom = render(chromium, out / "report.html", tmp_path, ARTIFACTS / "report-all-sections.png")
    page = parse_page(dom)
    for section_id, _ in SECTION_COLUMNS:
        assert f"{SECTION_NAMES[section_id]}: {NOT_AVAILABLE}" not in page.sections[section_id]
    kept = [r for r in rows if r["decision"] == "kept"]
    classes = {r[0]: (as_int(r[1]), as_int(r[3])) for r in page.tables["license-class-table"]}
    for cls in LICENSE_CLASSES:
        expected = (
            sum(1 for r in kept if r["license_class"] == cls),
            sum(1 for r in rows if r["license_class"] == cls),
        )
        assert classes.get(cls, (0, 0)) == expected, cls
    signals = {r[0]: (as_int(r[1]), as_int(r[3])) for r in page.tables["signals-table"]}
    assert signals["tdm_reservation"] == (
        sum(1 for r in rows if r["tdm_reservation"]),
        sum(1 for r in kept if r["tdm_reservation"]),
    )
    # A robots verdict counts as a signal when it disallows (it counted the allowed pages).
    gpt_disallowed = sum(
        1 for r in rows if r["robots_allowed"] and not dict(r["robots_allowed"])["GPTBot"]
    )
    assert gpt_disallowed and signals["robots_allowed[GPTBot] = false (disallowed)"] == (
        gpt_disallowed,
        sum(1 for r in kept if r["robots_allowed"] and not dict(r["robots_allowed"])["GPTBot"]),
    )
    assert signals["robots_allowed[CCBot] = false (disallowed)"] == (0, 0)
    assert signals["robots_allows_gptbot = false (disallowed)"] == (
        sum(1 for r in rows if r["robots_allows_gptbot"] is False),
        sum(1 for r in kept if r["robots_allows_gptbot"] is False),
    )
    top_host = max(written["hosts"], key=lambda h: (h["ai_score_mean"], h["doc_count"]))
    assert page.tables["ai-hosts-table"][0][0] == top_host["host"]
    sizes = sorted((as_int(r[1]) for r in page.tables["clusters-table"]), reverse=True)
    # The sample run has real duplicate clusters too: expect every cluster id in the ledger.
    # A cluster's size is its recorded size, or the rows naming it if more do.
    members: dict[str, list[int]] = {}
    for r in rows:
        if r.get("dedup_cluster"):
            members.setdefault(r["dedup_cluster"], []).append(r["dedup_cluster_size"] or 0)
    expected_sizes = {c: max(max(s), len(s)) for c, s in members.items()}
    assert len(expected_sizes) >= len(written["clusters"])
    assert sizes == sorted(expected_sizes.values(), reverse=True)
    check_png(ARTIFACTS / "report-all-sections.png", 1280, 2400)


def test_report_is_self_contained(sample_run):
    html = build_report(OutputStore(str(sample_run.root)))
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", html)
    assert html.count("<svg") >= 3  # funnel, drop reasons, languages at least


def test_report_lists_the_software_of_the_run(sample_run, tmp_path):
    html = build_report(OutputStore(str(sample_run.root)))
    software = sample_run.manifest["software"]
    assert "<summary>software</summary>" in html
    for name, version in software.items():
        assert f"<code>{name} {version}</code>" in html, name
    # An output from before the manifest recorded it still renders, without the list.
    out = tmp_path / "out"
    shutil.copytree(sample_run.root, out)
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["software"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert "<summary>software</summary>" not in build_report(OutputStore(str(out)))


def test_report_needs_a_finished_run(sample_run, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(sample_run.root, out)
    (out / "_SUCCESS").unlink()
    assert audit_main(["report", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no _SUCCESS" in err[0]
    assert not (out / "report.html").exists()
    assert audit_main(["report", str(tmp_path / "missing")]) == 2


@pytest.mark.s3
def test_report_on_s3_output(sample_run, s3_server):
    from tests.test_query import upload_output

    bucket = s3_server.create_bucket()
    prefix = f"s3://{bucket}/run1"
    upload_output(s3_server, sample_run.root, bucket, "run1")
    assert audit_main(["report", prefix, *s3_server.beam_args()]) == 0
    html = s3_server.client().get_object(Bucket=bucket, Key="run1/report.html")["Body"].read()
    page = parse_page(html.decode("utf-8"))
    check_funnel_and_summary(page, sample_run.manifest)


# --- progress (transforms/progress.py) ----------------------------------------------------------
def test_progress_counts_per_decision_and_passes_documents_through():
    import io

    from transforms.document import WarcDoc
    from transforms.progress import ProgressFn

    docs = [WarcDoc(doc_id=f"d{i}", warc_path="x", file_index=0, warc_offset=i) for i in range(7)]
    for doc in docs[:3]:
        doc.drop("not_html")
    docs[3].fail("truncated_record")
    stream = io.StringIO()
    fn = ProgressFn(interval_s=0.0, stream=stream)
    fn.setup()
    passed = [out for doc in docs for out in fn.process(doc)]
    assert passed == docs
    last = stream.getvalue().strip().splitlines()[-1]
    assert "7 records processed" in last
    assert "passed filters 3" in last and "dropped 3" in last and "error 1" in last
    assert "kept" not in last  # counted before dedup: not yet kept


def test_progress_is_silent_within_the_interval():
    import io

    from transforms.document import WarcDoc
    from transforms.progress import ProgressFn

    stream = io.StringIO()
    fn = ProgressFn(interval_s=3600, stream=stream)
    fn.setup()
    for i in range(1000):
        list(fn.process(WarcDoc(doc_id=str(i), warc_path="x", file_index=0, warc_offset=i)))
    fn.finish_bundle()
    fn.teardown()
    assert stream.getvalue() == ""


def test_progress_rate_is_measured_up_to_the_last_record(monkeypatch):
    """The last line comes at teardown, after the worker sat idle: its rate counted the idle
    time (1,985 records at 319/s, then 2,000 at 237/s)."""
    import io

    from transforms import progress
    from transforms.document import WarcDoc

    clock = [0.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock[0])
    stream = io.StringIO()
    fn = progress.ProgressFn(interval_s=2.0, stream=stream)
    fn.setup()
    for i in range(990):
        clock[0] = (i + 1) / 100  # 100 records a second for 9.9 s; a line every 2 s
        list(fn.process(WarcDoc(doc_id=str(i), warc_path="x", file_index=0, warc_offset=i)))
    fn.finish_bundle()
    clock[0] = 60.0  # idle until the run ends
    fn.teardown()
    lines = stream.getvalue().splitlines()
    assert lines[-2].startswith("ccprov: 800 records processed"), lines
    assert lines[-1].startswith("ccprov: 990 records processed"), lines
    assert lines[-1].endswith(", 100/s"), lines


def test_progress_in_a_beam_pipeline_reports_on_stderr(capfd):
    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from pipeline.sample import SAMPLE_WARC
    from transforms.progress import ProgressFn
    from transforms.warc_reader import ReadWarcFiles

    with beam.Pipeline(runner=FnApiRunner()) as p:
        read = p | beam.Create([(0, str(SAMPLE_WARC))]) | ReadWarcFiles()
        counted = (
            read.docs | beam.ParDo(ProgressFn(interval_s=0.0)) | beam.combiners.Count.Globally()
        )
        summary = read.summary | beam.Map(lambda s: s.responses)
        (
            (counted, summary)
            | beam.Flatten()
            | beam.combiners.ToList()
            | beam.Map(lambda pair: _assert_equal_pair(pair))
        )
    err = capfd.readouterr().err
    lines = [ln for ln in err.splitlines() if "records processed" in ln]
    assert lines, err[-2000:]
    total = as_int(re.search(r"([\d,]+) records processed", lines[-1]).group(1))
    from transforms.warc_reader import read_warc_file

    docs, _ = read_warc_file(str(SAMPLE_WARC), 0)
    assert total == len(docs)


def _assert_equal_pair(pair):
    assert len(pair) == 2 and pair[0] == pair[1], pair


def test_file_errors_are_shown_with_the_error_kinds():
    """File-level problems have no ledger row, and the report showed none of them: an input
    file that gave nothing was invisible there (only the command's summary counted them)."""
    from pipeline.audit.report import FILE_ERRORS_SHOWN, errors_section

    file_errors = [
        {"warc_path": "/d/a.warc.gz", "offset": 0, "kind": "not_warc", "message": "no WARC"},
        {"warc_path": "/d/b.warc.gz", "offset": 913, "kind": "garbage_bytes", "message": "x"},
        {"warc_path": "/d/c.warc.gz", "offset": 10, "kind": "garbage_bytes", "message": "y"},
    ]
    counts = {"error_kinds": {"corrupt_record": 4, "garbage_bytes": 2, "not_warc": 1}}
    manifest = {"counts": counts, "file_errors": file_errors}
    page = parse_page(errors_section(manifest, {"corrupt_record": 4}))
    assert page.tables["error-kinds-table"] == [
        ["corrupt_record", "4", "0"],
        ["garbage_bytes", "0", "2"],
        ["not_warc", "0", "1"],
    ]
    assert [row[:3] for row in page.tables["file-errors-table"]] == [
        [e["warc_path"], str(e["offset"]), e["kind"]] for e in file_errors
    ]
    many = [dict(file_errors[0], offset=i) for i in range(FILE_ERRORS_SHOWN + 5)]
    counts = {"error_kinds": {"not_warc": len(many)}}
    page = parse_page(errors_section({"counts": counts, "file_errors": many}, {}))
    assert len(page.tables["file-errors-table"]) == FILE_ERRORS_SHOWN
    note = f"The first {FILE_ERRORS_SHOWN} of {len(many)} file errors; all are in manifest"
    assert note in " ".join(page.sections["errors"].split())
    # The manifest lists the first MAX_FILE_ERRORS file errors and counts them all: those
    # past the list were shown as ledger rows.
    listed = many[:50]
    page = parse_page(errors_section({"counts": counts, "file_errors": listed}, {}))
    assert page.tables["error-kinds-table"] == [["not_warc", "0", str(len(many))]]
    text = " ".join(page.sections["errors"].split())
    assert (
        f"The first 50 of {len(many)} file errors; manifest.json's file_errors lists the first 50."
        in text
    )
    clean = parse_page(errors_section({"counts": {"error_kinds": {}}, "file_errors": []}, {}))
    assert "Every input record was read." in clean.sections["errors"]


def test_report_out_inside_the_output_is_refused(sample_run, tmp_path, capsys):
    """`report --out OUTPUT/manifest.json` replaced the manifest with HTML (exit 0)."""
    out = tmp_path / "out"
    shutil.copytree(sample_run.root, out)
    manifest = (out / "manifest.json").read_bytes()
    assert audit_main(["report", str(out), "--out", str(out / "manifest.json")]) == 2
    assert "is inside the output" in capsys.readouterr().err
    assert (out / "manifest.json").read_bytes() == manifest
    # Its own place inside the output is where it goes without --out.
    assert audit_main(["report", str(out), "--out", str(out / "report.html")]) == 0


def test_report_out_to_a_scheme_without_a_filesystem_is_one_line(sample_run, capsys):
    """gs:// without Beam's gcp extra was a ValueError traceback."""
    assert audit_main(["report", str(sample_run.root), "--out", "gs://bucket/report.html"]) == 2
    err = capsys.readouterr().err
    assert "--out gs://bucket/report.html" in err and err.count("\n") == 1, err


def test_host_names_with_dollar_signs_are_drawn_as_text():
    """matplotlib read `$...$` in a host name as mathtext: www.a$\\frac$.com crashed the
    report with a 92-line traceback."""
    from pipeline.audit import charts

    svg = charts.hbar_chart(["www.a$\\frac$.com", "www.b$x^2$.com"], {"kept": [1, 2]}, "hosts")
    assert "www.a$\\frac$.com" in svg and "www.b$x^2$.com" in svg


def test_takedown_table_shows_values_that_matched_nothing(sample_run, tmp_path):
    """A typo in a takedown list was invisible in the report (the manifest logged it)."""
    out = tmp_path / "out"
    shutil.copytree(sample_run.root, out)
    kept = next(r for r in sample_run.ledger() if r["decision"] == "kept")
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{kept['url']}\nhttps://no-such-host.example/typo\n")
    assert audit_main(["takedown", str(out), "--urls", str(urls)]) == 0
    page = build_report(OutputStore(str(out)))
    table = page[page.index('id="takedowns-table"') :]
    table = table[: table.index("</table>")]
    assert "values matching nothing" in table and "already removed" in table
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
    assert cells[2:6] == ["2", "1", "1", "1"], cells  # values, matched, removed, unmatched


def test_the_files_section_lists_a_few_hundred_shards_per_kind():
    """A crawl's output has a shard per input file: 20,000 rows of sha256s made a 7 MB page."""
    from pipeline.audit.report import MAX_LISTED_SHARDS, files_section

    entries = [
        {"path": f"provenance/part-{i:05d}-000.parquet", "rows": 3, "bytes": 10, "sha256": "ab"}
        for i in range(MAX_LISTED_SHARDS + 50)
    ]
    html = files_section({"files": {"provenance": entries}})
    assert html.count("part-") == MAX_LISTED_SHARDS
    assert "and 50 more: manifest.json lists every shard" in html


def test_the_note_on_empty_signals_names_signals_only(sample_run):
    """It listed license, copyright_holder, license_error... as signals "not looked for"."""
    page = parse_page(build_report(OutputStore(str(sample_run.root))))
    note = page.sections["licensing"]
    empty = note.split("Empty in every row", 1)[1] if "Empty in every row" in note else ""
    for not_a_signal in ("copyright_holder", "license_error", "usage_preferences"):
        assert not_a_signal not in empty, empty
    # (and one marked document is one document: "1 documents contain" before)
    assert "1 document contains assistant marker phrases" in page.sections["ai"]
