"""Bad arguments end before any work: one line on stderr, exit code 2, no traceback.

Complements `tests/test_cli.py` (which runs the CLI as a subprocess) with the cases it does not
cover; these run in-process, as each one stops before the pipeline is built.
"""

from __future__ import annotations

import socket
import tempfile

import pytest
from apache_beam.io.filesystems import FileSystems

from pipeline.cli import main as ccprov_main
from pipeline.sample import SAMPLE_WARC


@pytest.fixture
def ccprov(capsys, tmp_path_factory, monkeypatch):
    previous = FileSystems._pipeline_options
    # Beam makes a temporary folder for each Pipeline: a refused run must not leave it behind.
    temp_root = tmp_path_factory.mktemp("tempdir")
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))

    def run(*args: str) -> tuple[int, list[str]]:
        code = ccprov_main(list(args))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        assert not list(temp_root.glob("beam-pipeline-temp*"))
        return code, [ln for ln in captured.err.splitlines() if ln.strip()]

    yield run
    FileSystems.set_options(previous)


def _assert_usage_error(result: tuple[int, list[str]], *fragments: str) -> None:
    code, lines = result
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith("ccprov: error:"), lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize(
    "content,fragment",
    [
        ("[gopher_quality\nmin_doc_words = 50\n", ""),  # not TOML
        ("[gopher_quality]\nno_such_rule = 3\n", "no_such_rule"),
        ("[no_such_section]\nx = 1\n", "no_such_section"),
        ("[gopher_quality]\nmin_doc_words = 'many'\n", "min_doc_words"),
    ],
    ids=["syntax", "unknown-key", "unknown-section", "wrong-type"],
)
def test_invalid_filter_config(ccprov, tmp_path, content, fragment):
    config = tmp_path / "filters.toml"
    config.write_text(content)
    result = ccprov("run", "--output", str(tmp_path / "out"), "--filters-config", str(config))
    _assert_usage_error(result, fragment)
    assert not (tmp_path / "out").exists()


def test_missing_filter_config(ccprov, tmp_path):
    result = ccprov(
        "run", "--output", str(tmp_path / "out"), "--filters-config", str(tmp_path / "nope.toml")
    )
    _assert_usage_error(result, "nope.toml")


def test_input_inside_output_folder(ccprov, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.warc.gz").write_bytes(SAMPLE_WARC.read_bytes())
    result = ccprov("run", "--input", str(out / "old.warc.gz"), "--output", str(out))
    _assert_usage_error(result, "inside the output folder")


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["--max-html-bytes", "0"], "must be a positive integer"),
        (["--max-html-bytes", "lots"], "not a number: 'lots'"),
        (["--extract-timeout", "-1"], "must be between 0 and 86400 seconds"),
        # nan turned the time limit off; inf and 1e12 overflowed select() in the workers.
        (["--extract-timeout", "nan"], "must be between 0 and 86400 seconds, got nan"),
        (["--extract-timeout", "inf"], "must be between 0 and 86400 seconds, got inf"),
        (["--extract-timeout", "1e12"], "must be between 0 and 86400 seconds"),
        (["--io-retry-seconds", "nan"], "must be between 0 and 86400 seconds"),
        (["--ai-threshold", "nan"], "must be between 0 and 1"),
        (["--input", "/nonexistent/dir/*.warc.gz"], "no input matches"),
        (["--input", "CC-MAIN-2024-99x"], "unknown crawl id format"),
        (["--direct_num_workers", "-3"], "--direct_num_workers must be >= 0"),
        # Each worker is a process of 100 MB or more, started one after another.
        (["--direct_num_workers", "100000"], "--direct_num_workers must be at most"),
        (["--robots", "/nonexistent/robots.warc.gz"], "--robots /nonexistent/robots.warc.gz"),
        # A code lid.176 never answers would drop every document as `language`.
        (["--languages", "en,eng"], "--languages: unknown language code 'eng'"),
        (["--languages", "en-US"], "unknown language code 'en-US'"),
    ],
)
def test_bad_values(ccprov, tmp_path, args, fragment):
    _assert_usage_error(ccprov("run", "--output", str(tmp_path / "out"), *args), fragment)


def test_an_empty_output_is_refused(ccprov):
    _assert_usage_error(ccprov("run", "--output", ""), "--output is empty")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        # argparse kept the last value without a word: the first list stayed in the corpus
        (["takedown", "OUT", "--urls", "a.txt", "--urls", "b.txt"], "--urls"),
        (["select", "OUT", "--output", "DEST", "--where", "a < 1", "--where", "b > 0"], "--where"),
        (["run", "--output", "OUT", "--languages", "fr", "--languages=en"], "--languages"),
        (["run", "--output", "OUT", "--max-files", "1", "--max_files", "2"],
         "--max-files/--max_files"),  # one option, two spellings
        (["query", "OUT", "SELECT 1", "--format", "csv", "--format", "json"], "--format"),
    ],
)  # fmt: skip
def test_an_option_given_twice_is_refused(ccprov, tmp_path, args, option):
    args = [str(tmp_path / a) if a in ("OUT", "DEST") else a for a in args]
    _assert_usage_error(ccprov(*args), f"argument {option}: given twice; it takes one value")


def test_options_that_take_several_values_still_do(ccprov, tmp_path):
    """--input and --robots append: given twice, both count."""
    code, lines = ccprov(
        "run", "--output", str(tmp_path / "out"), "--input", str(SAMPLE_WARC),
        "--input", str(SAMPLE_WARC), "--max-files", "0",
    )  # fmt: skip
    assert code == 2 and "given twice" not in lines[0] and "--max-files" in lines[0]


def test_model_and_robots_files_that_are_not_what_they_claim(ccprov, tmp_path):
    """Each worker loads them as it starts: a bad one was a traceback from the first worker."""
    from transforms.lid import bundled_lid_model_path

    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(range(256)) * 4)
    words = tmp_path / "notes.txt"
    words.write_text("These are my notes on robots\nand more of them\n")
    out = str(tmp_path / "out")
    for args, fragments in (
        (["--ai-model", str(garbage)], ("is not a fastText model", "wrong file format")),
        (["--ai-model", bundled_lid_model_path()], ("has no __label__ai label",)),
        (["--robots", str(garbage)], ("not a WARC file: no WARC record found; file starts",)),
        # warcio read a first line of five words as an ARC header: a text file passed, and
        # every page was robots no_record.
        (
            ["--robots", str(words)],
            ("not a WARC file: no WARC record found; file starts with b'These are my notes",),
        ),
    ):
        _assert_usage_error(ccprov("run", "--output", out, *args), *fragments)


def test_a_model_card_that_gives_no_threshold(ccprov, tmp_path):
    """Without a card, a --ai-model was judged at the shipped model's threshold while the
    manifest said null; a damaged card was a traceback."""
    import shutil

    from transforms.ai_detect import DEFAULT_MODEL_PATH

    model = tmp_path / "mine.ftz"
    shutil.copy(DEFAULT_MODEL_PATH, model)
    out = str(tmp_path / "out")
    card = model.with_suffix(".json")
    _assert_usage_error(
        ccprov("run", "--output", out, "--ai-model", str(model)),
        f"--ai-model {model} has no model card ({card})", "pass --ai-threshold",
    )  # fmt: skip
    for text, fragment in (
        ("{bad", "is not valid JSON"),
        ('{"threshold": 7}', "has a threshold outside [0, 1] (7)"),
        ('{"threshold": "high"}', "has a threshold outside [0, 1] ('high')"),
        ("[0.5]", "is not a JSON object"),
    ):
        card.write_text(text)
        # Also with --ai-threshold: every worker reads the card when it loads the model.
        for given in ([], ["--ai-threshold", "0.5"]):
            _assert_usage_error(
                ccprov("run", "--output", out, "--ai-model", str(model), *given),
                str(card),
                fragment,
            )
    for text in ('{"name": "mine"}', '{"threshold": null}'):
        card.write_text(text)
        _assert_usage_error(
            ccprov("run", "--output", out, "--ai-model", str(model)), "pass --ai-threshold"
        )
    # A null threshold was float(None) in every worker's model load: a TypeError traceback.
    from transforms.ai_detect import AiScorer

    assert AiScorer.load(model).threshold == 0.5


def test_a_model_without_a_card_runs_at_the_threshold_given(ccprov, tmp_path):
    import json
    import shutil

    from transforms.ai_detect import DEFAULT_MODEL_PATH

    model = tmp_path / "mine.ftz"
    shutil.copy(DEFAULT_MODEL_PATH, model)
    out = tmp_path / "out"
    argv = ["run", "--quiet", "--output", str(out), "--ai-model", str(model)]
    code, lines = ccprov(*argv, "--ai-threshold", "0.99", "--ai-policy", "drop")
    assert code == 0, lines
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["ai"]["threshold"] == 0.99
    # A card without a threshold is fine when one is given (the first version refused it).
    model.with_suffix(".json").write_text('{"name": "mine"}')
    code, lines = ccprov(*argv, "--ai-threshold", "0.5")
    assert code == 0, lines
    assert json.loads((out / "manifest.json").read_text())["config"]["ai"]["threshold"] == 0.5


def test_an_output_holding_files_ccprov_did_not_write_is_refused(ccprov, tmp_path):
    """A run replaces its shard folders: a user's files there were silently deleted."""
    out = tmp_path / "out"
    (out / "corpus").mkdir(parents=True)
    (out / "corpus" / "my-own-data.parquet").write_bytes(b"PAR1")
    result = ccprov("run", "--output", str(out))
    _assert_usage_error(result, "holds files ccprov did not write", "my-own-data.parquet")
    assert (out / "corpus" / "my-own-data.parquet").exists()


def test_schemes_without_a_filesystem_here(ccprov, tmp_path):
    out = str(tmp_path / "out")
    for args in (["--input", "gs://bucket/x.warc.gz"], ["--output", "gs://bucket/out"]):
        argv = ["run", "--output", out, *args] if args[0] == "--input" else ["run", *args]
        _assert_usage_error(ccprov(*argv), "no filesystem for gs:// here", "-e '.[gcp]'")


@pytest.mark.parametrize(
    ("output", "fragment"),
    [
        ("s3://bucket/runs//june", "empty path segment ('//')"),
        ("s3://bucket/runs/./june", "'.' or '..' path segment"),
        ("s3://bucket/runs/../june", "'.' or '..' path segment"),
        ("s3:///june", "names no bucket"),
        ("s3://../june", "names no bucket"),
        ("file:///tmp/june", "is neither a local path nor an s3:// or gs:// URL"),
        ("hdfs://namenode/june", "is neither a local path nor an s3:// or gs:// URL"),
    ],
)
def test_object_store_outputs_that_name_another_prefix(ccprov, output, fragment):
    """`s3://b/x//y` is a different prefix from `s3://b/x/y` and Beam's globs do not list it:
    a re-run there left the previous run's shards next to its own (and counted them)."""
    _assert_usage_error(ccprov("run", "--output", output), f"--output {output}", fragment)
    for command in (["report", output], ["select", "out", "--output", output]):
        code, lines = ccprov(*command)
        assert code == 2 and len(lines) == 1 and fragment in lines[0], lines


def test_an_object_store_url_without_its_slashes_is_not_taken_for_a_folder(ccprov, tmp_path):
    """`s3:/bucket/x` used to write the run into a local folder named `s3:`."""
    _assert_usage_error(ccprov("run", "--output", "s3:/bucket/x"), "needs '//' (s3://...)")


def test_runner_option_checks_come_before_the_output_is_touched(ccprov, sample_run, tmp_path):
    """Dataflow's own validation failed after the previous run's manifest was retired."""
    import shutil

    out = tmp_path / "out"
    shutil.copytree(sample_run.root, out)
    result = ccprov("run", "--output", str(out), "--runner", "DataflowRunner")
    _assert_usage_error(result, "Missing required option: project")
    assert (out / "manifest.json").exists() and (out / "_SUCCESS").exists()


def test_robots_url_that_does_not_answer(ccprov, tmp_path, http_server):
    """A robots.txt WARC given by URL is fetched by every worker as it starts; a wrong URL is
    found before the run, not as a traceback from the first worker."""
    base = http_server(tmp_path)
    out = str(tmp_path / "out")
    missing = f"{base}/robots.warc.gz"
    _assert_usage_error(ccprov("run", "--output", out, "--robots", missing), missing, "HTTP 404")
    closed = "http://127.0.0.1:9/robots.warc.gz"  # the discard port: nothing listens
    _assert_usage_error(ccprov("run", "--output", out, "--robots", closed), closed, "refused")


def test_job_server_that_does_not_answer(ccprov, tmp_path):
    """Beam waits for an absent job server without end (over 200 s when tried)."""
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = str(tmp_path / "out")
    for runner in ("FlinkRunner", "PortableRunner"):
        args = ("run", "--output", out, "--runner", runner, "--job_endpoint", f"127.0.0.1:{port}")
        _assert_usage_error(ccprov(*args), f"--job_endpoint 127.0.0.1:{port}: no job server")
    _assert_usage_error(
        ccprov("run", "--output", out, "--runner", "FlinkRunner", "--job_endpoint", "8099"),
        "expected HOST:PORT",
    )


def test_a_job_that_cannot_be_submitted_is_one_line(ccprov, sample_run, tmp_path):
    """Submitting to a remote runner can fail in Beam (here: the Flink job server jar named
    does not exist); that is said in one line, exit status 1, not Beam's traceback. The
    previous run in that output keeps its manifest and _SUCCESS (they were deleted before
    the job was submitted, leaving an output no audit command would read)."""
    import shutil

    out = tmp_path / "out"
    shutil.copytree(sample_run.root, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    code, lines = ccprov(
        "run", "--quiet", "--output", str(out), "--runner", "FlinkRunner",
        "--flink_job_server_jar", str(tmp_path / "missing.jar"),
    )  # fmt: skip
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith("ccprov: error: could not start the run on FlinkRunner: "), lines
    assert "missing.jar" in lines[0]
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.parametrize(
    "extra",
    [["--input", "a.warc.gz", "b.warc.gz"], ["--output", "x", "leftover"], ["stray"]],
)
def test_words_without_an_option_are_refused(ccprov, tmp_path, extra):
    """An unquoted glob after --input, expanded by the shell, gave Beam the other files as
    loose words, which it discarded with a warning: the run read the first file only."""
    result = ccprov("run", *extra)
    _assert_usage_error(result, f"unexpected argument {extra[-1]!r}", "quote a glob")


def test_output_inside_another_runs_output(ccprov, tmp_path):
    """The audit tools list an output's shards recursively: a run written into another run's
    folders would be read as part of it."""
    other = tmp_path / "crawl-a"
    (other / "provenance").mkdir(parents=True)
    (other / "manifest.json").write_text("{}")
    for inside in (other / "corpus", other / "more" / "runs"):
        result = ccprov("run", "--output", str(inside))
        _assert_usage_error(result, f"inside the ccprov output {other}")
        assert not inside.exists()


def test_output_holding_another_runs_output(ccprov, tmp_path):
    """`--output ..` above other runs was taken; those runs could not be rerun after."""
    runs = tmp_path / "runs"
    other = runs / "2024" / "crawl-a"
    (other / "provenance").mkdir(parents=True)
    (other / "manifest.json").write_text("{}")
    for holder in (runs, runs / "2024"):
        result = ccprov("run", "--output", str(holder))
        _assert_usage_error(result, f"holds the ccprov output {other}")
    assert sorted(p.name for p in runs.rglob("*")) == sorted(
        ["2024", "crawl-a", "provenance", "manifest.json"]
    )


def test_input_that_is_neither_warc_nor_listing(ccprov, tmp_path):
    blob = tmp_path / "photo.bin"
    blob.write_bytes(bytes(range(256)) * 40)
    result = ccprov("run", "--input", str(blob), "--output", str(tmp_path / "out"))
    _assert_usage_error(result, "neither a WARC file nor a listing")


def test_empty_listing(ccprov, tmp_path):
    listing = tmp_path / "warc.paths"
    listing.write_text("# nothing here\n\n")
    result = ccprov("run", "--input", str(listing), "--output", str(tmp_path / "out"))
    _assert_usage_error(result, "no input files")


@pytest.mark.parametrize("where", ["a-file", "under-a-file", "uncreatable"])
def test_output_that_cannot_take_files_fails_before_any_work(ccprov, tmp_path, where):
    """Found only by the writer, these cost the whole run, a minute of retries and a
    traceback."""
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    output, fragment = {
        "a-file": (blocker, "is a file, not a folder"),
        "under-a-file": (blocker / "out", "Not a directory"),
        "uncreatable": ("/proc/ccprov-no-such-dir/out", "cannot write to --output"),
    }[where]
    _assert_usage_error(ccprov("run", "--output", str(output)), fragment)
    assert blocker.read_text() == "not a folder"


def test_unwritable_output_errors_are_not_retried():
    from transforms.warc_reader import is_transient

    for permanent in (NotADirectoryError(20, "Not a directory"), PermissionError(13, "denied")):
        assert not is_transient(permanent)
    assert is_transient(ConnectionResetError(104, "reset"))


def test_language_codes_in_a_filter_config_are_checked(ccprov, tmp_path):
    config = tmp_path / "filters.toml"
    config.write_text('[language]\nlanguages = ["en", "klingon"]\n')
    result = ccprov("run", "--output", str(tmp_path / "out"), "--filters-config", str(config))
    _assert_usage_error(result, "'language.languages': unknown language code 'klingon'")


def test_every_code_lid_knows_is_accepted():
    from transforms.filters import build_filter_config
    from transforms.lid import known_languages

    codes = sorted(known_languages())
    assert len(codes) == 176 and {"en", "de", "zh", "als", "arz"} <= set(codes)
    assert build_filter_config(None, codes)["language"]["languages"] == codes
    assert build_filter_config(None, "all")["language"]["languages"] == ["all"]


def test_a_run_that_could_read_no_input_fails(ccprov, tmp_path):
    """Every input unreadable (here: a listing naming missing files) exited 0, its only
    trace `+ 2 file errors` in the summary. The output is still written, errors listed."""
    import json

    from pipeline.sample import SAMPLE_WARC

    listing = tmp_path / "paths.txt"
    listing.write_text(f"{tmp_path}/gone-1.warc.gz\n{tmp_path}/gone-2.warc.gz\n")
    out = tmp_path / "out"
    code, lines = ccprov("run", "--quiet", "--input", str(listing), "--output", str(out))
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith(
        f"ccprov: error: no input could be read: unreadable_file {tmp_path}/gone-1.warc.gz: "
    ), lines
    assert lines[0].endswith(f"(and 1 more); {out}/manifest.json lists every file error")
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["file_errors"]) == 2
    # One readable input is enough for a run to succeed; the other's error is in the manifest.
    listing.write_text(f"{tmp_path}/gone-1.warc.gz\n{SAMPLE_WARC}\n")
    code, lines = ccprov("run", "--quiet", "--input", str(listing), "--output", str(out))
    assert code == 0 and lines == [], lines


def test_a_second_run_into_an_output_being_written_is_refused(ccprov, tmp_path):
    """Two runs into one local output both reported success, one's output silently replaced
    by the other's. A run holds a lock on the output; the kernel drops it when the run ends,
    however it ends."""
    import fcntl

    from transforms.writer import RUN_LOCK

    out = tmp_path / "out"
    out.mkdir()
    with open(out / RUN_LOCK, "a+") as other_run:  # another run holding the output
        fcntl.flock(other_run, fcntl.LOCK_EX | fcntl.LOCK_NB)
        other_run.write("4242\n")
        other_run.flush()
        _assert_usage_error(
            ccprov("run", "--quiet", "--output", str(out)),
            f"another ccprov run is writing --output {out} (pid 4242)",
        )
        assert not (out / "manifest.json").exists()
    code, lines = ccprov("run", "--quiet", "--output", str(out))
    assert code == 0 and lines == [], lines
    # Released at the end: a third run goes through, and can take the lock itself.
    code, lines = ccprov("run", "--quiet", "--output", str(out))
    assert code == 0 and lines == [], lines
    with open(out / RUN_LOCK, "a+") as probe:
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_file_names_that_are_not_utf8_are_one_line_errors(ccprov, tmp_path):
    """A Latin-1 file name (b'caf\\xe9') reaches Python with a surrogate: the run failed with
    a 53-line UnicodeEncodeError from Beam's coder and left an empty output folder."""
    import os

    folder = tmp_path / "in"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9.warc.gz")
    (folder / name).write_bytes(open(SAMPLE_WARC, "rb").read())
    out = tmp_path / "out"
    _assert_usage_error(
        ccprov("run", "--input", str(folder), "--output", str(out)),
        "its name is not valid UTF-8, which the ledger cannot record; rename it",
    )
    _assert_usage_error(
        ccprov("run", "--input", str(folder / name), "--output", str(out)),
        "is not valid UTF-8: ccprov records paths and values as UTF-8 text",
    )
    assert not out.exists()


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--filters-config", ""], "--filters-config is empty"),
        (["--ai-model", " "], "--ai-model is empty"),
        (["--languages", "en,,fr"], "an empty language code"),
        (["--input", "s3://"], "an s3:// path names no bucket"),
    ],
)
def test_empty_values_are_refused_not_ignored(ccprov, tmp_path, args, fragment):
    """An empty --filters-config or --ai-model ran the defaults without a word."""
    out = tmp_path / "out"
    _assert_usage_error(ccprov("run", "--output", str(out), *args), fragment)
    assert not out.exists()


def test_files_of_an_input_folder_that_are_left_out_are_listed(ccprov, tmp_path):
    """A renamed WARC or a README in an input folder was skipped with no word anywhere."""
    import json

    folder = tmp_path / "crawl"
    folder.mkdir()
    (folder / "a.warc.gz").write_bytes(open(SAMPLE_WARC, "rb").read())
    (folder / "b.warc.gz.bak").write_bytes(open(SAMPLE_WARC, "rb").read())
    (folder / "README.txt").write_text("notes\n")
    # A linked folder is not entered (a link can loop back): it was not mentioned either.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "c.warc.gz").write_bytes(open(SAMPLE_WARC, "rb").read())
    (folder / "linked").symlink_to(elsewhere, target_is_directory=True)
    out = tmp_path / "out"
    code, lines = ccprov("run", "--input", str(folder), "--output", str(out))
    assert code == 0, lines
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["inputs"] == [str(folder / "a.warc.gz")]
    assert manifest["skipped_inputs"] == [
        str(folder / "README.txt"),
        str(folder / "b.warc.gz.bak"),
        str(folder / "linked") + "/",
    ]
    assert manifest["skipped_input_count"] == 3
    assert any(
        "3 other file(s), folder(s) or second name(s) of a file left out" in line for line in lines
    ), lines


def test_left_out_names_that_are_not_utf8_are_escaped_and_counted_once(ccprov, tmp_path):
    """A Latin-1 README next to the WARCs failed the run at its summary (UnicodeEncodeError)."""
    import json
    import os

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.warc.gz").write_bytes(open(SAMPLE_WARC, "rb").read())
    (folder / os.fsdecode(b"bad\xffname.txt")).write_text("z\n")
    out = tmp_path / "out"
    code, lines = ccprov(
        "run", "--input", str(folder), "--input", f"{folder}/", "--output", str(out)
    )
    assert code == 0, lines
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["skipped_inputs"] == [f"{folder}/bad\\xffname.txt"]
    assert manifest["skipped_input_count"] == 1


@pytest.mark.parametrize("name", ["out*", "out?", "out[1]"])
def test_an_output_with_glob_characters_is_refused(ccprov, tmp_path, name):
    """Beam read the output as a pattern: a run into `out*` deleted `out1`'s shards as stale,
    and a rerun into `out[1]` failed with a traceback."""
    neighbour = tmp_path / "out1" / "corpus"
    neighbour.mkdir(parents=True)
    (neighbour / "part-00001-000.parquet").write_bytes(b"PAR1")
    output = str(tmp_path / name)
    _assert_usage_error(ccprov("run", "--output", output), output, "glob pattern")
    # a relative output inside such a folder is one too: its absolute path is the pattern
    inside = tmp_path / name.replace("*", "star").replace("?", "q") / "sub"
    if "[" in name:
        inside.mkdir(parents=True)
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(inside)
            _assert_usage_error(ccprov("run", "--output", "out"), "glob pattern")
    # (report, query, select and takedown read and write an output without Beam: literally)
    assert (neighbour / "part-00001-000.parquet").exists()
