import gzip
import logging
from pathlib import Path

import pytest

from pipeline import inputs as inputs_module
from pipeline.inputs import InputError, crawl_listing_url, resolve_inputs

BASE = "https://data.commoncrawl.org/"


def test_crawl_id_resolves_to_listing_url():
    assert (
        crawl_listing_url("CC-MAIN-2024-22", BASE)
        == "https://data.commoncrawl.org/crawl-data/CC-MAIN-2024-22/warc.paths.gz"
    )


@pytest.mark.parametrize("bad", ["CC-MAIN-2024", "CC-MAIN-24-22", "cc-main-2024-22x"])
def test_bad_crawl_id_is_a_one_line_error(bad):
    with pytest.raises(InputError, match="crawl id"):
        resolve_inputs([bad], BASE)


def test_crawl_id_listing_is_read_and_entries_resolved(tmp_path):
    listing = tmp_path / "crawl-data" / "CC-MAIN-2024-22" / "warc.paths.gz"
    listing.parent.mkdir(parents=True)
    entries = [f"crawl-data/CC-MAIN-2024-22/segments/1/warc/f{i}.warc.gz" for i in range(5)]
    listing.write_bytes(gzip.compress("\n".join(entries).encode()))
    paths = resolve_inputs(["CC-MAIN-2024-22"], f"file://{tmp_path}/", max_files=3)
    assert paths == [f"file://{tmp_path}/{e}" for e in entries[:3]]


@pytest.mark.parametrize(
    ("skip", "most", "expected"),
    [(0, 2, [0, 1]), (2, 2, [2, 3]), (4, 2, [4]), (3, None, [3, 4]), (1, 10, [1, 2, 3, 4])],
)
def test_skip_files_and_max_files_take_a_slice_of_the_listing(tmp_path, skip, most, expected):
    listing = tmp_path / "crawl-data" / "CC-MAIN-2024-22" / "warc.paths.gz"
    listing.parent.mkdir(parents=True)
    entries = [f"crawl-data/CC-MAIN-2024-22/segments/1/warc/f{i}.warc.gz" for i in range(5)]
    listing.write_bytes(gzip.compress("\n".join(entries).encode()))
    paths = resolve_inputs(["CC-MAIN-2024-22"], f"file://{tmp_path}/", most, skip)
    assert paths == [f"file://{tmp_path}/{entries[i]}" for i in expected]


def test_skipping_every_input_is_an_error(tmp_path):
    for name in ("a.warc.gz", "b.warc.gz"):
        (tmp_path / name).write_bytes(b"")
    with pytest.raises(InputError, match="--skip-files 2 leaves none of the 2 input files"):
        resolve_inputs([str(tmp_path)], BASE, None, 2)


def test_a_file_whose_name_holds_glob_characters_is_itself(tmp_path):
    """`crawl[1].warc.gz` was read as a pattern: "no input matches" although it exists."""
    (tmp_path / "crawl[1].warc.gz").write_bytes(b"")
    (tmp_path / "crawl1.warc.gz").write_bytes(b"")
    assert resolve_inputs([str(tmp_path / "crawl[1].warc.gz")], BASE) == [
        str(tmp_path / "crawl[1].warc.gz")
    ]
    # a pattern that names no file is still a pattern
    assert resolve_inputs([str(tmp_path / "crawl[0-9].warc.gz")], BASE) == [
        str(tmp_path / "crawl1.warc.gz")
    ]


def test_local_file_glob_directory_and_listing(tmp_path):
    for name in ("b.warc.gz", "a.warc.gz", "c.warc"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "notes.txt").write_text("x")
    assert [p.rsplit("/", 1)[-1] for p in resolve_inputs([str(tmp_path)], BASE)] == [
        "a.warc.gz",
        "b.warc.gz",
        "c.warc",
    ]
    assert [p.rsplit("/", 1)[-1] for p in resolve_inputs([str(tmp_path / "*.warc.gz")], BASE)] == [
        "a.warc.gz",
        "b.warc.gz",
    ]
    listing = tmp_path / "list.txt"
    listing.write_text("# my files\nc.warc\n\na.warc.gz\nhttps://host/x.warc.gz\n")
    assert resolve_inputs([str(listing)], BASE) == [
        str(tmp_path / "c.warc"),
        str(tmp_path / "a.warc.gz"),
        "https://host/x.warc.gz",
    ]
    # repeats are read once
    assert len(resolve_inputs([str(tmp_path / "a.warc.gz")] * 2, BASE)) == 1


def test_relative_inputs_are_recorded_as_absolute_paths(tmp_path, monkeypatch):
    """The ledger's warc_path must lead back to the record from any directory (trace)."""
    (tmp_path / "data" / "sub").mkdir(parents=True)
    for name in ("a.warc.gz", "sub/b.warc.gz"):
        (tmp_path / "data" / name).write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    expected = [str(tmp_path / "data" / "a.warc.gz"), str(tmp_path / "data" / "sub" / "b.warc.gz")]
    assert resolve_inputs(["data"], BASE) == expected
    assert resolve_inputs(["data/*.warc.gz", "data/sub/b.warc.gz"], BASE) == expected
    assert resolve_inputs(["./data/a.warc.gz"], BASE) == expected[:1]
    # the same file named two ways is read once
    assert (
        resolve_inputs(["data/a.warc.gz", str(tmp_path / "data" / "a.warc.gz")], BASE)
        == (expected[:1])
    )


def test_listings_with_a_bom_or_dot_slash_entries(tmp_path):
    """Editors on Windows start a listing with a BOM, and `find . > list` writes `./x`: the
    first entry used to keep the BOM (file not found), and `./x` gave another warc_path (so
    other doc_ids) than `x`."""
    (tmp_path / "sub").mkdir()
    for name in ("a.warc.gz", "sub/b.warc.gz"):
        (tmp_path / name).write_bytes(b"")
    listing = tmp_path / "list.txt"
    listing.write_bytes("\ufeffa.warc.gz\r\n./sub/b.warc.gz\r\n".encode())
    expected = [str(tmp_path / "a.warc.gz"), str(tmp_path / "sub" / "b.warc.gz")]
    assert resolve_inputs([str(listing)], BASE) == expected
    listing.write_text("./a.warc.gz\nsub/b.warc.gz\n")
    assert resolve_inputs([str(listing), str(tmp_path / "a.warc.gz")], BASE) == expected


def test_listed_paths_are_normalised_absolute_and_remote(tmp_path):
    """One file spelled three ways in a listing is one input; `..` in a remote listing's
    entries is resolved (an object store would take it as part of the key)."""
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "a.warc.gz").write_bytes(b"")
    listing = tmp_path / "list.txt"
    spellings = ["w/a.warc.gz", "./w/a.warc.gz", "w//a.warc.gz"]
    listing.write_text("".join(f"{tmp_path}/{s}\n" for s in spellings))
    assert resolve_inputs([str(listing)], BASE) == [str(tmp_path / "w" / "a.warc.gz")]
    resolve = inputs_module._resolve_listed
    assert resolve("../x.warc.gz", "s3://b/dir/list.txt", BASE) == "s3://b/x.warc.gz"
    assert resolve("./sub//x.warc.gz", "s3://b/dir/list.txt", BASE) == "s3://b/dir/sub/x.warc.gz"
    assert resolve("x.warc.gz", "https://h/p/list.txt", BASE) == "https://h/p/x.warc.gz"


def test_missing_input_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        resolve_inputs([str(tmp_path / "absent.warc.gz")], BASE)
    with pytest.raises(InputError, match="no input matches"):
        resolve_inputs([str(tmp_path / "*.warc.gz")], BASE)


def test_https_warc_url_is_taken_as_is():
    assert resolve_inputs(["https://data.commoncrawl.org/x/y.warc.gz"], BASE) == [
        "https://data.commoncrawl.org/x/y.warc.gz"
    ]


def test_a_warc_or_arc_file_under_another_name_is_an_input_not_a_listing(tmp_path, http_server):
    """`whirl.gz` (a WARC file) was read as a listing: every header line became an
    `unreadable_file` input and the run read nothing. A listing is still a listing, gzipped
    or not, also over HTTP."""
    from tests.corrupt_warcs import gz, http_block, warc_record

    record = warc_record("response", "http://a.example/", http_block(b"<p>a</p>"))
    (tmp_path / "whirl.gz").write_bytes(gz(record))
    (tmp_path / "plain.dat").write_bytes(b"\r\n" + record)
    (tmp_path / "old.arc.gz").write_bytes(gz(b"filedesc://x.arc 0.0.0.0 20010101 text/plain 9\n"))
    (tmp_path / "list.txt").write_bytes(b"a.warc.gz\nb.warc.gz\n")
    (tmp_path / "list.gz").write_bytes(gzip.compress(b"a.warc.gz\n"))
    for name in ("whirl.gz", "plain.dat", "old.arc.gz"):
        assert resolve_inputs([str(tmp_path / name)], BASE) == [str(tmp_path / name)]
    assert resolve_inputs([str(tmp_path / "list.txt")], BASE) == [
        str(tmp_path / "a.warc.gz"),
        str(tmp_path / "b.warc.gz"),
    ]
    assert resolve_inputs([str(tmp_path / "list.gz")], BASE) == [str(tmp_path / "a.warc.gz")]
    base = http_server(tmp_path)
    assert resolve_inputs([f"{base}/whirl.gz"], BASE) == [f"{base}/whirl.gz"]
    assert resolve_inputs([f"{base}/list.txt"], BASE) == [f"{base}/a.warc.gz", f"{base}/b.warc.gz"]


def test_an_unreadable_listing_url_and_an_empty_input_are_one_line_errors(tmp_path, http_server):
    """A listing URL that could not be fetched raised URLError out of the command (a 66-line
    traceback); `--input ''` silently became the current folder."""
    with pytest.raises(InputError, match=r"^cannot read http://127\.0\.0\.1:1/list\.txt: "):
        resolve_inputs(["http://127.0.0.1:1/list.txt"], BASE)
    base = http_server(tmp_path)
    with pytest.raises(InputError, match="^cannot read .*/absent.txt: HTTP Error 404"):
        resolve_inputs([f"{base}/absent.txt"], BASE)
    for empty in ("", "  "):
        with pytest.raises(InputError, match="^--input is empty$"):
            resolve_inputs([empty], BASE)


def test_a_listing_read_from_a_pipe_is_read_whole(tmp_path):
    """Telling a listing from a WARC file read its first 64 KiB, then the file again: from
    a pipe the second read had only the rest (3,000 listed files became 1,042), or waited
    for ever for a writer."""
    import os
    import threading

    fifo = tmp_path / "listing"
    os.mkfifo(fifo)
    lines = "".join(f"/data/WARC/f{i}.warc.gz\n" for i in range(3000)).encode()
    resolved = {}

    def resolve():
        resolved["paths"] = resolve_inputs([str(fifo)], BASE)

    reader = threading.Thread(target=resolve, daemon=True)  # it may block on a second open
    reader.start()
    try:
        with open(fifo, "wb") as pipe:
            pipe.write(lines)
    except BrokenPipeError:  # the reader closed the pipe after its first read
        pass
    reader.join(timeout=30)
    assert resolved.get("paths") == [f"/data/WARC/f{i}.warc.gz" for i in range(3000)]


def test_what_starts_like_a_warc_is_told_from_a_listing_as_the_reader_would(tmp_path):
    from tests.corrupt_warcs import gz, http_block, warc_record

    record = warc_record("response", "http://a.example/", http_block(b"<p>a</p>"))
    inputs = {
        # listings: paths under a folder named WARC start with "WARC/"
        "warc-folder.txt": (b"WARC/a.warc.gz\nWARC/b.warc.gz\n", False),
        "warc-folder.gz": (gzip.compress(b"WARC/a.warc.gz\n"), False),
        # WARC files: an empty first member, a byte-order mark before a plain record
        "empty-first.data": (gz(b"") + gz(record), True),
        "bom.data": (b"\xef\xbb\xbf" + record, True),
    }
    for name, (data, is_warc) in inputs.items():
        (tmp_path / name).write_bytes(data)
        paths = resolve_inputs([str(tmp_path / name)], BASE)
        assert (paths == [str(tmp_path / name)]) == is_warc, name


@pytest.mark.parametrize(
    "data, message",
    [
        (
            gzip.compress(b"a.warc.gz\n")[:12] + b"\x00\xff" * 40,
            "neither a WARC file nor a listing",
        ),
        (b"\xc0\xff\xee" * 10, "neither a WARC file nor a listing"),
    ],
    ids=["gzip then junk", "binary"],
)
def test_a_listing_that_cannot_be_decoded_is_a_one_line_error(tmp_path, data, message):
    """A gzip listing followed by junk raised zlib.error out of the command."""
    (tmp_path / "list.gz").write_bytes(data)
    with pytest.raises(InputError, match=message) as raised:
        resolve_inputs([str(tmp_path / "list.gz")], BASE)
    assert "\n" not in str(raised.value)


def test_a_malformed_url_is_a_one_line_error():
    with pytest.raises(InputError, match=r"^cannot read http://\[::1: Invalid IPv6 URL$"):
        resolve_inputs(["http://[::1"], BASE)


def _through_fifo(tmp_path, data: bytes, spec_of=str, **kwargs):
    """resolve_inputs on a FIFO fed `data` by a writer thread: its result or its error."""
    import os
    import threading

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    result: dict = {}

    def resolve():
        try:
            result["paths"] = resolve_inputs([spec_of(fifo)], BASE, **kwargs)
        except InputError as exc:
            result["error"] = str(exc)

    reader = threading.Thread(target=resolve, daemon=True)
    reader.start()
    try:
        with open(fifo, "wb") as pipe:
            pipe.write(data)
    except BrokenPipeError:  # the reader stopped reading: it had seen enough
        pass
    reader.join(timeout=30)
    return result


def test_a_warc_in_a_pipe_is_refused_not_read_twice(tmp_path):
    """`--input <(cat crawl.warc.gz)`: the first 64 KiB went to telling a WARC from a
    listing, the workers then read the rest; the sample's 22 responses became 2, exit 0."""
    from pipeline.sample import SAMPLE_WARC

    result = _through_fifo(tmp_path, open(SAMPLE_WARC, "rb").read())
    assert "paths" not in result
    assert result["error"].startswith(f"--input {tmp_path / 'fifo'} is a pipe or device")
    assert "save it to a file" in result["error"]


def test_relative_entries_of_a_piped_listing_are_relative_to_the_working_folder(
    tmp_path, monkeypatch
):
    """`--input <(...)` names /dev/fd/N, whose folder is /dev/fd: its relative entries became
    /dev/fd/in/a.warc.gz. A named pipe's entries stay relative to its own folder."""
    import os

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    read_end, write_end = os.pipe()  # what bash's <(...) gives, as /dev/fd/N
    os.write(write_end, b"in/a.warc.gz\n./b.warc.gz\n")
    os.close(write_end)
    try:
        paths = resolve_inputs([f"/dev/fd/{read_end}"], BASE)
    finally:
        os.close(read_end)
    assert paths == [str(work / "in" / "a.warc.gz"), str(work / "b.warc.gz")]
    result = _through_fifo(tmp_path, b"in/a.warc.gz\n")
    assert result["paths"] == [str(tmp_path / "in" / "a.warc.gz")]


def test_a_warc_given_by_a_descriptor_name_is_refused_but_not_a_regular_file_in_dev(tmp_path):
    """`--input /dev/stdin < crawl.warc.gz`: a worker process opening /dev/stdin opens its
    own standard input. A regular file under /dev/shm is a file like any other."""
    import os
    import shutil

    from pipeline.sample import SAMPLE_WARC

    fd = os.open(SAMPLE_WARC, os.O_RDONLY)
    try:
        with pytest.raises(InputError, match=f"^--input /dev/fd/{fd} names this process's own"):
            resolve_inputs([f"/dev/fd/{fd}"], BASE)
    finally:
        os.close(fd)
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        shm = f"/dev/shm/ccprov-test-{os.getpid()}"
        os.makedirs(shm)
        try:
            shutil.copy(SAMPLE_WARC, f"{shm}/crawl")  # a WARC under another name
            (Path(shm) / "list.txt").write_text("a.warc.gz\n")
            assert resolve_inputs([f"{shm}/crawl"], BASE) == [f"{shm}/crawl"]
            assert resolve_inputs([f"{shm}/list.txt"], BASE) == [f"{shm}/a.warc.gz"]
        finally:
            shutil.rmtree(shm)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"ok.warc.gz\n\x00bad\n", "NUL bytes"),
        (b"<!DOCTYPE HTML>\n<html><li><a href='a.warc.gz'>a</a></li>\n", "HTML page"),
        (gzip.compress(b"a.warc.gz\n")[:-12], "cut short"),
        (b"\xff\xfe a.warc.gz\n", "not UTF-8"),
    ],
)
def test_what_is_not_a_listing_is_refused_in_one_line(tmp_path, data, why):
    """A tar file or a text with a NUL ended in a traceback (`embedded null byte`); a web
    server's folder index became 20 inputs named after its HTML lines."""
    listing = tmp_path / "list.txt"
    listing.write_bytes(data)
    with pytest.raises(InputError, match=f"neither a WARC file nor a listing of paths: .*{why}"):
        resolve_inputs([str(listing)], BASE)


def test_a_listing_is_read_up_to_a_size_cap(tmp_path, monkeypatch):
    """/dev/zero as --input was read until the memory ran out (a MemoryError traceback)."""
    monkeypatch.setattr(inputs_module, "MAX_LISTING_BYTES", 1000)
    for name, data in (
        ("big.txt", b"a.warc.gz\n" * 101),
        ("bomb.txt.gz", gzip.compress(b"a.warc.gz\n" * 101)),
    ):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(InputError, match="at most 1000 bytes$"):
            resolve_inputs([str(tmp_path / name)], BASE)
    (tmp_path / "two.txt").write_bytes(gzip.compress(b"a.warc.gz\n") + gzip.compress(b"b.warc\n"))
    assert resolve_inputs([str(tmp_path / "two.txt")], BASE) == [
        str(tmp_path / "a.warc.gz"),
        str(tmp_path / "b.warc"),
    ]
    with pytest.raises(InputError, match="^--input /dev/zero is a pipe or device|at most"):
        resolve_inputs(["/dev/zero"], BASE)


def test_a_file_reached_through_links_is_read_once(tmp_path):
    """Inputs were told apart by their path strings: a linked file, a linked folder or a
    hard link read the same records twice (600 ledger rows for 300 responses)."""
    import os

    data = tmp_path / "data"
    data.mkdir()
    (data / "a.warc.gz").write_bytes(b"x")
    (data / "b.warc.gz").write_bytes(b"y")
    os.symlink(data / "a.warc.gz", tmp_path / "link.warc.gz")
    os.link(data / "b.warc.gz", tmp_path / "hard.warc.gz")
    os.symlink(data, tmp_path / "linked-folder")
    skipped: list[str] = []
    specs = [str(data), str(tmp_path / "link.warc.gz"), str(tmp_path / "hard.warc.gz")]
    specs.append(str(tmp_path / "linked-folder" / "a.warc.gz"))
    paths = resolve_inputs(specs, BASE, skipped=skipped)
    assert paths == [str(data / "a.warc.gz"), str(data / "b.warc.gz")]
    assert skipped == [str(tmp_path / n) for n in ("link.warc.gz", "hard.warc.gz")] + [
        str(tmp_path / "linked-folder" / "a.warc.gz")
    ]


def test_a_subfolder_that_cannot_be_listed_is_named_not_left_out_silently(
    tmp_path, monkeypatch, caplog
):
    """os.walk left out a subfolder it could not list without a word; the folder given
    itself is an error."""
    import os

    (tmp_path / "a.warc.gz").write_bytes(b"x")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "b.warc.gz").write_bytes(b"y")
    scandir = os.scandir

    def refusing(path="."):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    skipped: list[str] = []
    with caplog.at_level(logging.WARNING, logger="pipeline.inputs"):
        assert resolve_inputs([str(tmp_path)], BASE, skipped=skipped) == [
            str(tmp_path / "a.warc.gz")
        ]
    assert skipped == [f"{tmp_path}/locked/"]
    assert [r.getMessage() for r in caplog.records if r.name == "pipeline.inputs"] == [
        f"cannot list {tmp_path}/locked (Permission denied): its files are left out"
    ]
    with pytest.raises(InputError, match="^cannot list .*/locked: Permission denied$"):
        resolve_inputs([str(tmp_path / "locked")], BASE)


def test_a_local_folder_named_like_a_crawl_id_is_not_taken_for_the_crawl(tmp_path, monkeypatch):
    """A folder CC-MAIN-2024-22 here was fetched as the crawl's listing from the network."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "CC-MAIN-2024-22").mkdir()
    (tmp_path / "CC-MAIN-2024-22" / "a.warc.gz").write_bytes(b"x")
    with pytest.raises(InputError, match="both a crawl id and a file or folder here: write ./CC"):
        resolve_inputs(["CC-MAIN-2024-22"], "http://127.0.0.1:9/")
    expected = [str(tmp_path / "CC-MAIN-2024-22" / "a.warc.gz")]
    assert resolve_inputs(["./CC-MAIN-2024-22"], "http://127.0.0.1:9/") == expected
    (tmp_path / "CC-MAIN-2024-22" / "manifest.json").write_text("{}")  # a ccprov output
    with pytest.raises(InputError, match="cannot read the WARC listing of CC-MAIN-2024-22"):
        resolve_inputs(["CC-MAIN-2024-22"], "http://127.0.0.1:9/")  # the crawl, as before
    (tmp_path / "CC-MAINfoo").write_bytes(b"b.warc.gz\n")  # an existing file is itself
    assert resolve_inputs(["CC-MAINfoo"], BASE) == [str(tmp_path / "b.warc.gz")]


def test_file_urls_in_a_listing_are_local_paths(tmp_path):
    """Workers cannot read file:// URLs (Beam has no such file system): a listed one was an
    unreadable_file at run time."""
    listing = tmp_path / "list.txt"
    listing.write_text(f"file://{tmp_path}/a.warc.gz\nfile://localhost{tmp_path}/b%20c.warc.gz\n")
    assert resolve_inputs([str(listing)], BASE) == [
        str(tmp_path / "a.warc.gz"),
        str(tmp_path / "b c.warc.gz"),
    ]
    listing.write_text("file://server/share/a.warc.gz\n")
    with pytest.raises(InputError, match="only file:///path URLs name a local file"):
        resolve_inputs([str(listing)], BASE)
