"""Resolving `--input` values into the ordered list of WARC files a run reads.

Resolution happens once, when the pipeline is built: the position of a file in this list is
its `file_index`, which names its output shards, so the same inputs always give the same
shard names.
"""

from __future__ import annotations

import http.client
import logging
import os
import posixpath
import re
import stat
import urllib.parse
import urllib.request
import zlib

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from pipeline.errors import is_utf8, shown_name
from transforms.warc_reader import starts_like_warc

log = logging.getLogger(__name__)
CRAWL_ID_RE = re.compile(r"^CC-MAIN-\d{4}-\d{2}$")
_CRAWL_ID_LIKE = re.compile(r"^CC-MAIN", re.I)
_WARC_SUFFIXES = (".warc", ".warc.gz")
_GLOB_CHARS = set("*?[")
_REMOTE_SCHEMES = ("s3://", "gs://")
_URL_SCHEMES = ("http://", "https://", "file://")


class InputError(ValueError):
    """An --input value that cannot be resolved; the message is shown as is."""


def crawl_listing_url(crawl_id: str, base_url: str) -> str:
    """Common Crawl publishes each crawl's WARC list at crawl-data/<id>/warc.paths.gz."""
    if not CRAWL_ID_RE.match(crawl_id):
        raise InputError(
            f"unknown crawl id format {crawl_id!r}: expected CC-MAIN-YYYY-WW, e.g. CC-MAIN-2024-22"
        )
    return _join_url(base_url, f"crawl-data/{crawl_id}/warc.paths.gz")


def _join_url(base: str, rel: str) -> str:
    return base.rstrip("/") + "/" + rel.lstrip("/")


def _open(location: str):
    if location.startswith(_URL_SCHEMES):
        return urllib.request.urlopen(location, timeout=60)  # noqa: S310
    return FileSystems.open(location, compression_type=CompressionTypes.UNCOMPRESSED)


# A listing is read whole, here: this caps it, gzipped and unzipped (a crawl's warc.paths.gz
# is about 1 MB, 14 MB unzipped), so /dev/zero or a huge file given as --input is refused
# instead of filling the memory.
MAX_LISTING_BYTES = 64 * 1024 * 1024


class ListingError(ValueError):
    """The data is not a listing of paths; the message says why."""


def _read_bytes(location: str) -> bytes:
    with _open(location) as handle:
        return _read_capped(handle, b"")


def _read_capped(handle, head: bytes) -> bytes:
    data = head + handle.read(max(0, MAX_LISTING_BYTES + 1 - len(head)))
    if len(data) > MAX_LISTING_BYTES:
        raise _too_long()
    return data


def _too_long() -> ListingError:
    cap = MAX_LISTING_BYTES
    return ListingError(
        f"a listing of paths is at most {f'{cap >> 20} MiB' if cap >> 20 else f'{cap} bytes'}"
    )


# How much of a file whose name does not say WARC is read to tell records from a listing.
_SNIFF_BYTES = 64 * 1024


def _gunzip_capped(data: bytes) -> bytes:
    """Every gzip member of `data`, unzipped to at most MAX_LISTING_BYTES."""
    out = bytearray()
    while data:
        unzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += unzip.decompress(data, MAX_LISTING_BYTES + 1 - len(out))
        except zlib.error as exc:
            raise ListingError(f"broken gzip data ({exc})") from exc
        if len(out) > MAX_LISTING_BYTES or unzip.unconsumed_tail:
            raise _too_long()
        if not unzip.eof:
            raise ListingError("its gzip data is cut short")
        data = unzip.unused_data.lstrip(b"\x00")  # padding between members is allowed
    return bytes(out)


def parse_listing(data: bytes) -> list[str]:
    """Lines of a listing file (gzipped or not); blank lines and # comments are skipped.
    Raises ListingError for data that is not one (NUL bytes, an HTML page, over the cap)."""
    if data[:2] == b"\x1f\x8b":
        data = _gunzip_capped(data)
    try:
        text = data.decode("utf-8-sig")  # -sig: a BOM is not part of line 1
    except UnicodeDecodeError as exc:
        raise ListingError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if "\x00" in text:  # a path cannot hold one: binary data (a tar file, say)
        raise ListingError("it holds NUL bytes")
    lines = [ln.strip() for ln in text.splitlines()]
    entries = [ln for ln in lines if ln and not ln.startswith("#")]
    if any(entry.startswith("<") for entry in entries):  # a web page, e.g. a folder index
        raise ListingError("it looks like an HTML page, not one path or URL per line")
    return entries


def _resolve_listed(
    entry: str, listing_location: str, base_url: str, local_folder: str | None = None
) -> str:
    """Listing entries may be absolute (paths, URLs) or relative like Common Crawl's."""
    # Normalised, so `./a.warc.gz`, `a.warc.gz` and `/d//a.warc.gz` are one warc_path each
    # time (doc_ids depend on it, and inputs are read once per path).
    if entry.lower().startswith("file:"):
        # Workers read local paths, not file: URLs (Beam has no file:// file system).
        parts = urllib.parse.urlsplit(entry)
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise InputError(f"listed entry {entry}: only file:///path URLs name a local file")
        return os.path.normpath(urllib.request.url2pathname(parts.path))
    if entry.startswith(_URL_SCHEMES + _REMOTE_SCHEMES):
        return entry
    if os.path.isabs(entry):
        return os.path.normpath(entry)
    if entry.startswith("crawl-data/"):
        return _join_url(base_url, entry)
    if "://" in listing_location:
        scheme, _, rest = listing_location.partition("://")
        host, _, key = rest.partition("/")
        joined = posixpath.normpath(posixpath.join("/" + posixpath.dirname(key), entry))
        return f"{scheme}://{host}{joined}"
    folder = local_folder or listing_folder(listing_location)
    return os.path.normpath(os.path.join(folder, entry))


def listing_folder(listing_location: str) -> str:
    """What a local listing's relative entries are relative to: its folder, or, for a name
    of this process's descriptors (`--input <(...)`, /dev/stdin, whose folder is /dev/fd),
    the folder the run was started in."""
    if names_own_descriptor(listing_location):
        return os.getcwd()
    return os.path.dirname(os.path.abspath(listing_location))


_OWN_DESCRIPTOR = re.compile(r"^/(?:dev/(?:stdin|fd/\d+)|proc/(?:self|thread-self|\d+)/fd/\d+)$")


def names_own_descriptor(path: str) -> bool:
    """/dev/stdin, /dev/fd/N, /proc/self/fd/N: a worker process opening it opens its own."""
    return bool(_OWN_DESCRIPTOR.match(os.path.abspath(path)))


def _is_regular_file(path: str) -> bool:
    """A file the workers can open again and read the same bytes from: not a pipe or a
    device (/dev/shm's files are regular)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def resolve_crawl_id(crawl_id: str, base_url: str) -> list[str]:
    url = crawl_listing_url(crawl_id, base_url)
    try:
        entries = parse_listing(_read_bytes(url))
    except Exception as exc:  # noqa: BLE001 - shown as a one-line error
        raise InputError(f"cannot read the WARC listing of {crawl_id} at {url}: {exc}") from exc
    return [_resolve_listed(e, url, base_url) for e in entries]


def _is_warc_name(path: str) -> bool:
    return path.lower().endswith(_WARC_SUFFIXES)


def _match(pattern: str) -> list[str]:
    try:
        results = FileSystems.match([pattern])[0].metadata_list
    except Exception as exc:  # noqa: BLE001 - includes BeamIOError for missing paths
        raise InputError(f"no input matches {pattern}: {exc}".split("\n")[0]) from exc
    return sorted(m.path for m in results)


def resolve_one(spec: str, base_url: str, skipped: list[str] | None = None) -> list[str]:
    """The input files `spec` names; files of a folder whose names are not .warc/.warc.gz are
    appended to `skipped` (they are left out, and the manifest says which)."""
    if CRAWL_ID_RE.match(spec):
        # A folder of that name holding a ccprov output (`--output CC-MAIN-2024-22`) is not
        # an input: the name is the crawl's.
        if os.path.lexists(spec) and not os.path.isfile(os.path.join(spec, "manifest.json")):
            raise InputError(
                f"--input {spec} is both a crawl id and a file or folder here: write "
                f"./{spec} for the local one, or run elsewhere for the crawl"
            )
        return resolve_crawl_id(spec, base_url)
    if (
        _CRAWL_ID_LIKE.match(spec)
        and "/" not in spec
        and "." not in spec
        and not os.path.lexists(spec)
    ):
        crawl_listing_url(spec, base_url)  # raises with the expected format
    if not spec.strip():
        raise InputError("--input is empty")
    if spec.startswith(("http://", "https://")):
        if _is_warc_name(spec):
            return [spec]
        return _records_or_listing(spec, base_url)
    if "://" not in spec:
        # The ledger records where each record came from; a relative path would only lead
        # back to it from the directory the run was started in (`ccprov trace`).
        spec = os.path.abspath(spec)
    if "://" in spec and "/" not in spec.split("://", 1)[1]:
        spec += "/"  # a bucket: its root folder (Beam retries `s3://bucket` for minutes)
    if "://" in spec and spec.endswith("/"):
        # An object-store "folder" (a key prefix): its WARC files, as for a local folder.
        found = _match(spec + "**")
        paths = [p for p in found if _is_warc_name(p.rsplit("/", 1)[-1])]
        if skipped is not None:
            skipped += [p for p in found if not _is_warc_name(p.rsplit("/", 1)[-1])]
        if not paths:
            raise InputError(f"no .warc or .warc.gz files under {spec}")
        return paths
    # A file or folder named `crawl[1].warc.gz` is itself, not the pattern (which matches
    # `crawl1.warc.gz`).
    literal = "://" not in spec and os.path.exists(spec)
    if any(ch in spec for ch in _GLOB_CHARS) and not literal:
        paths = _match(spec)
        if not paths:
            raise InputError(f"no input matches {spec}")
        return paths
    if "://" not in spec:
        if os.path.isdir(spec):
            found, folders_left_out = [], []

            def unlisted(error: OSError) -> None:
                # os.walk leaves out a subfolder it cannot list (a root-only lost+found on a
                # mounted disk) without a word: say so, and list it with the files left out.
                if os.path.abspath(error.filename) == spec:
                    raise InputError(f"cannot list {spec}: {error.strerror}")
                shown = shown_name(error.filename)
                one_line = " ".join(shown.splitlines())  # a name may hold a line break
                log.warning("cannot list %s (%s): its files are left out", one_line, error.strerror)
                folders_left_out.append(shown + "/")

            for root, folders, names in os.walk(spec, onerror=unlisted):
                found += [os.path.join(root, name) for name in names]
                # os.walk does not enter a linked folder (a link can loop back): say so.
                linked = [
                    os.path.join(root, f) for f in folders if os.path.islink(os.path.join(root, f))
                ]
                folders_left_out += [shown_name(path) + "/" for path in linked]
            found.sort()
            paths = [p for p in found if _is_warc_name(os.path.basename(p))]
            if skipped is not None:
                skipped += [shown_name(p) for p in found if not _is_warc_name(os.path.basename(p))]
                skipped += sorted(folders_left_out)
            if not paths:
                raise InputError(f"no .warc or .warc.gz files under {spec}")
            return paths
        if not os.path.exists(spec):
            raise InputError(f"input not found: {spec}")
    elif not FileSystems.exists(spec):
        hint = "" if _is_warc_name(spec) else " (a folder? end it with /)"
        raise InputError(f"input not found: {spec}{hint}")
    if _is_warc_name(spec):
        return [spec]
    return _records_or_listing(spec, base_url)


def _records_or_listing(spec: str, base_url: str) -> list[str]:
    """A file whose name does not end in .warc or .warc.gz: itself when it holds records (a
    WARC file under another name, or an ARC file for the reader to refuse), else the files it
    lists. Read once: it may be a pipe."""
    try:
        with _open(spec) as handle:
            head = handle.read(_SNIFF_BYTES)
            records = starts_like_warc(head)
            entries = [] if records else parse_listing(_read_capped(handle, head))
    except ListingError as exc:
        raise InputError(f"{spec} is neither a WARC file nor a listing of paths: {exc}") from exc
    except (OSError, http.client.HTTPException, ValueError) as exc:  # URLError is an OSError
        raise InputError(f"cannot read {spec}: {exc}".split("\n")[0]) from exc
    if records:
        # The workers open their inputs again: a pipe would give them the bytes after these,
        # and /dev/stdin their own standard input.
        if "://" not in spec and names_own_descriptor(spec):
            raise InputError(
                f"--input {spec} names this process's own input, which the workers cannot "
                "open: give the WARC file's path"
            )
        if "://" not in spec and not _is_regular_file(spec):
            raise InputError(
                f"--input {spec} is a pipe or device holding WARC records, which cannot be "
                "read twice: save it to a file and give that"
            )
        return [spec]
    folder = None if "://" in spec else listing_folder(spec)  # once, not per entry
    return [_resolve_listed(e, spec, base_url, folder) for e in entries]


def _file_identity(path: str):
    """One key per file: a local file reached through a link (a linked file or folder, a
    hard link) is read once, under the first name it was given by."""
    if "://" not in path:
        try:
            info = os.stat(path)
            return (info.st_dev, info.st_ino)
        except OSError:  # a listed file that is not there: the reader says so, by its path
            pass
    return path


def _check_utf8_name(path: str) -> None:
    """The ledger records `warc_path` as UTF-8 text: a file whose name is not UTF-8 (found in
    a folder or by a glob) cannot be recorded, so the run stops before it starts."""
    if not is_utf8(path):
        raise InputError(
            f"input file {shown_name(path)}: its name is not valid UTF-8, which the ledger "
            "cannot record; rename it"
        )


def resolve_inputs(
    specs: list[str],
    base_url: str,
    max_files: int | None = None,
    skip_files: int = 0,
    skipped: list[str] | None = None,
) -> list[str]:
    """All inputs, in the order given (globs and directories sorted), without repeats; the
    first `skip_files` left out, then at most `max_files` (a slice of a crawl's listing)."""
    seen: set = set()
    paths: list[str] = []
    names: set[str] = set()
    for spec in specs:
        for path in resolve_one(spec, base_url, skipped):
            _check_utf8_name(path)
            key = _file_identity(path)
            if key not in seen:
                seen.add(key)
                paths.append(path)
            elif skipped is not None and path not in names:
                skipped.append(shown_name(path))  # another name (a link) of a file read
            names.add(path)
            if max_files is not None and len(paths) >= skip_files + max_files:
                return paths[skip_files:]
    if not paths:
        raise InputError("no input files")
    if skip_files >= len(paths):
        raise InputError(f"--skip-files {skip_files} leaves none of the {len(paths)} input files")
    return paths[skip_files:]
