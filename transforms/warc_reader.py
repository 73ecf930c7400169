"""Reading WARC files: one input file -> a stream of `WarcDoc`s plus a `FileSummary`.

Every `response` record becomes exactly one WarcDoc (kept, dropped or error), so the ledger
can account for it; other record types are only counted. Problems never escape as
exceptions: a broken record becomes an error WarcDoc, a damaged stretch of a file or a broken
file an entry in the FileSummary's `errors` ({warc_path, offset, kind, message}).

Two layers, kept apart so the framing can be replaced (e.g. by FastWARC) without touching
what a record means:
  record iteration       raw bytes -> RawRecord | DamagedRegion     `iter_raw_records`
  record interpretation  RawRecord -> WarcDoc                       `doc_from_record`

What counts as a record read: a record is read once its WARC header is complete (version
line through the blank line). From then on it is counted in `records_by_type` and, if it is
a response, has a ledger row even when its block is broken (decision 'error', reason
`truncated_record`, `content_length_mismatch` or `corrupt_record`). Bytes in which no complete
header can be found (garbage, a gzip member that breaks before its header ends, a header cut
off by the end of the file) are not records: they are reported once per damaged stretch as a
file error with its offset and size, and reading resumes at the next record start found by
resynchronisation (the next gzip member that decompresses to `WARC/`, or the next `WARC/x.y`
line in an uncompressed file). A record cut at a gzip member boundary goes on in the next
member, and an uncompressed record between gzip members is read as one.
"""

from __future__ import annotations

import codecs
import dataclasses
import errno
import functools
import http.client
import io
import ipaddress
import logging
import re
import time
import urllib.error
import urllib.request
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from typing import IO, Any, TypeVar
from urllib.parse import urlsplit

import apache_beam as beam

from transforms import http_payload
from transforms.document import RECORDS_PER_WRITE_GROUP, WarcDoc, make_doc_id
from transforms.object_store import share_s3_clients

log = logging.getLogger(__name__)

# Every process that reads or writes through Beam's FileSystems imports this module first (the
# writer and the audit commands too): one boto3 client per process, not a session per call.
share_s3_clients()

DEFAULT_MAX_HTML_BYTES = 5 * 1024 * 1024
# Room for the HTTP status line and headers on top of the body limit.
_HEADER_ALLOWANCE = 64 * 1024
DEFAULT_IO_RETRY_SECONDS = 60.0

_DUMP_RE = re.compile(r"CC-MAIN-\d{4}-\d{2}")

# --- error kinds (docs/reliability.md) -----------------------------------------------------
# Record errors: the record's header was read; it has a ledger row with decision 'error'.
TRUNCATED_RECORD = "truncated_record"
CONTENT_LENGTH_MISMATCH = "content_length_mismatch"
CORRUPT_RECORD = "corrupt_record"
BAD_HTTP_RESPONSE = "bad_http_response"
RECORD_ERROR_KINDS = (TRUNCATED_RECORD, CONTENT_LENGTH_MISMATCH, CORRUPT_RECORD, BAD_HTTP_RESPONSE)
# Drops at read time of records that are whole but not web pages.
NO_TARGET_URI = "no_target_uri"
NOT_HTTP = "not_http"
BAD_URL = "bad_url"
# File errors: no record to hang them on; FileSummary.errors entries, never ledger rows.
UNREADABLE_FILE = "unreadable_file"
EMPTY_FILE = "empty_file"
NOT_WARC = "not_warc"
GARBAGE_BYTES = "garbage_bytes"
CORRUPT_GZIP = "corrupt_gzip"
TRUNCATED_FILE = "truncated_file"
READ_FAILED = "read_failed"
READER_BUG = "reader_bug"
# A request, metadata, warcinfo... record whose block is damaged: it has no ledger row, but
# its bytes may hide records (a wrong Content-Length swallows what follows in its member).
DAMAGED_RECORD = "damaged_record"
FILE_ERROR_KINDS = (
    UNREADABLE_FILE,
    EMPTY_FILE,
    NOT_WARC,
    GARBAGE_BYTES,
    CORRUPT_GZIP,
    TRUNCATED_FILE,
    READ_FAILED,
    READER_BUG,
    DAMAGED_RECORD,
)


@dataclasses.dataclass
class ReadLimits:
    max_html_bytes: int = DEFAULT_MAX_HTML_BYTES
    # How long a remote read may keep failing (connection refused, 5xx, reset) before the
    # rest of the file is given up as `read_failed`.
    io_retry_seconds: float = DEFAULT_IO_RETRY_SECONDS

    @property
    def block_cap(self) -> int:
        """Bytes of a record block kept in memory; the rest is streamed past."""
        return self.max_html_bytes + _HEADER_ALLOWANCE


@dataclasses.dataclass
class FileSummary:
    """What one input file contained; one per file, summed into the manifest."""

    warc_path: str
    file_index: int
    records_by_type: dict[str, int] = dataclasses.field(default_factory=dict)
    responses: int = 0
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def add_error(self, kind: str, offset: int | None, message: str) -> None:
        self.errors.append(
            {"warc_path": self.warc_path, "offset": offset, "kind": kind, "message": message[:300]}
        )


def dump_from_path(path: str) -> str | None:
    match = _DUMP_RE.search(path)
    return match.group(0) if match else None


# --- transient I/O failures ----------------------------------------------------------------
T = TypeVar("T")


_FULL_OR_READ_ONLY = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: the store or the network failed, not the request itself.

    4xx answers (missing object or bucket, bad credentials) and missing local files are
    permanent; connection errors, timeouts and 5xx/429 answers are transient.
    """
    details = getattr(exc, "exception_details", None)  # Beam's BeamIOError wraps per path
    if isinstance(details, dict) and details:
        return any(isinstance(e, BaseException) and is_transient(e) for e in details.values())
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500 or exc.code in (408, 429)
    code = getattr(exc, "code", None)  # Beam's S3ClientError: HTTP status or None
    if type(exc).__name__ == "S3ClientError":
        return code is None or (isinstance(code, int) and (code >= 500 or code in (408, 429)))
    if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)):
        return False
    if isinstance(exc, OSError) and exc.errno in _FULL_OR_READ_ONLY:
        return False  # a full disk or quota does not empty itself within a retry budget
    if isinstance(
        exc, (OSError, EOFError, urllib.error.URLError, TimeoutError, http.client.HTTPException)
    ):
        return True
    if _is_botocore_connection_error(exc):
        return True
    # Beam's S3 client turns a connection dropped mid-request into an AttributeError (its
    # get_http_error_code reads `.response` of botocore's ConnectionClosedError, which is None);
    # what failed is the connection, so judge by the error being handled.
    context = exc.__cause__ or exc.__context__
    return isinstance(exc, AttributeError) and _is_botocore_connection_error(context)


def failed_call(exc: BaseException) -> BaseException:
    """The error that says what failed in a store call: the first one Beam's BeamIOError
    wraps, or botocore's connection error behind the AttributeError Beam's S3 client raises
    while wrapping it ("'NoneType' object has no attribute 'get'"); else `exc`."""
    details = getattr(exc, "exception_details", None)
    if isinstance(details, dict) and details:
        inner = next(iter(details.values()))
        if isinstance(inner, BaseException):
            exc = inner
    context = exc.__cause__ or exc.__context__
    if isinstance(exc, AttributeError) and _is_botocore_connection_error(context):
        return context
    return exc


def _is_botocore_connection_error(exc: BaseException | None) -> bool:
    """botocore's connection-level failures (refused, closed, timed out): no HTTP answer."""
    if exc is None:
        return False
    try:
        from botocore.exceptions import ConnectionError as BotoConnectionError
        from botocore.exceptions import HTTPClientError
    except ImportError:  # botocore is only there when boto3 is
        return False
    return isinstance(exc, (BotoConnectionError, HTTPClientError))


def retry_transient(
    fn: Callable[[], T], what: str, budget_s: float = DEFAULT_IO_RETRY_SECONDS
) -> T:
    """Call fn(); on a transient failure wait (0.5 s, doubling, at most 4 s) and call again
    until it succeeds or `budget_s` has passed. Permanent failures are raised at once."""
    deadline = time.monotonic() + budget_s
    delay = 0.5
    while True:
        try:
            return fn()
        except Exception as exc:
            if not is_transient(exc) or time.monotonic() + delay > deadline:
                raise
            shown = failed_call(exc)
            first_line = (str(shown).splitlines() or [""])[0][:200]
            log.warning(
                "retrying %s in %.1fs: %s: %s", what, delay, type(shown).__name__, first_line
            )
            time.sleep(delay)
            delay = min(delay * 2, 4.0)


# --- opening inputs ------------------------------------------------------------------------
def open_warc(path: str) -> IO[bytes]:
    """Open an input as raw bytes (never transparently gunzipped: offsets are in file bytes)."""
    if path.startswith(("http://", "https://")):
        return urllib.request.urlopen(path, timeout=60)  # noqa: S310 - user-given input URL
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    return FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)


class ResumableStream(io.RawIOBase):
    """A remote input that survives dropped connections and short outages.

    After a transient read error the stream is re-opened at the current offset (a seek for
    s3:// and gs://, a Range request for http(s)://) within a time budget; only then does
    the error reach the reader (which reports the rest of the file as `read_failed`).
    """

    def __init__(self, path: str, budget_s: float = DEFAULT_IO_RETRY_SECONDS):
        super().__init__()
        self._path = path
        self._budget_s = budget_s
        self._is_http = path.startswith(("http://", "https://"))
        self._pos = 0
        self._size: int | None = None  # from the HTTP headers: tells a cut connection from EOF
        self._stream: IO[bytes] | None = None
        self._stream = retry_transient(lambda: self._open_at(0), f"open {path}", budget_s)

    def _open_at(self, pos: int) -> IO[bytes]:
        if not self._is_http:
            stream = open_warc(self._path)
            if pos:
                stream.seek(pos)
            return stream
        headers = {"Range": f"bytes={pos}-"} if pos else {}
        request = urllib.request.Request(self._path, headers=headers)
        stream = urllib.request.urlopen(request, timeout=60)  # noqa: S310
        length = stream.headers.get("Content-Length")
        total = (stream.headers.get("Content-Range") or "").rpartition("/")[2]
        if total.isdigit():
            self._size = int(total)
        elif length and length.isdigit() and getattr(stream, "status", 200) == 200:
            self._size = int(length)
        if pos and getattr(stream, "status", 200) != 206:  # Range ignored: skip ahead
            remaining = pos
            while remaining > 0:
                skipped = stream.read(min(remaining, 1 << 20))
                if not skipped:
                    raise EOFError(f"{self._path} is shorter than {pos} bytes")
                remaining -= len(skipped)
        return stream

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.close()
            except Exception:  # noqa: BLE001 - a broken connection may fail to close too
                pass

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return not self._is_http

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        if whence != io.SEEK_SET:
            raise io.UnsupportedOperation("only absolute seeks")
        if self._is_http and pos < self._pos:
            raise io.UnsupportedOperation("http inputs cannot go back")
        if pos != self._pos:
            try:  # s3:// and gs:// streams seek with a ranged read; http re-opens with Range
                if self._is_http or self._stream is None:
                    raise io.UnsupportedOperation
                self._stream.seek(pos)
            except Exception:  # noqa: BLE001 - re-opened at pos on the next read
                self._close_stream()
            self._pos = pos
        return pos

    def read(self, size: int = -1) -> bytes:
        def attempt() -> bytes:
            if self._stream is None:
                self._stream = self._open_at(self._pos)
            try:
                data = self._stream.read(size)
            except Exception:
                self._close_stream()
                raise
            if not data and size and self._size is not None and self._pos < self._size:
                # http.client returns b"" when a connection drops before Content-Length:
                # that is a cut, not the end of the file.
                self._close_stream()
                raise http.client.IncompleteRead(b"", self._size - self._pos)
            return data

        data = retry_transient(attempt, f"read {self._path} at {self._pos}", self._budget_s)
        self._pos += len(data)
        return data

    def close(self) -> None:
        self._close_stream()
        super().close()


def open_input(path: str, budget_s: float = DEFAULT_IO_RETRY_SECONDS) -> IO[bytes]:
    """Local files as they are; remote ones through a `ResumableStream`."""
    if "://" in path and not path.startswith("file://"):
        return ResumableStream(path, budget_s)
    return open_warc(path)


# --- record iteration: bytes -> RawRecord | DamagedRegion ----------------------------------
GZIP_MAGIC = b"\x1f\x8b"
_GZIP_MEMBER_RE = re.compile(b"\x1f\x8b\x08")
# A record header line as WARC 0.17/0.18/1.0/1.1 write it.
_WARC_LINE_RE = re.compile(rb"WARC/[01]\.\d{1,2}\r?\n")
_HEADER_END_RE = re.compile(rb"\n\r?\n")
_BLANK = b" \t\r\n\x00"
_HEAD_BYTES = 4096  # how much of a gzip member is inflated to see what it starts with
_MAX_HEADER_BYTES = 1024 * 1024
# How far into a file a first record must start before the file counts as not WARC at all.
_MAX_LEADING_GARBAGE = 1024 * 1024
_IN_CHUNK = 64 * 1024
_OUT_CHUNK = 256 * 1024
_SOURCE_CHUNK = 1024 * 1024
# Bytes kept behind the read position, so resynchronisation can re-scan them.
_LOOKBACK = 8 * 1024 * 1024


@dataclasses.dataclass
class RawRecord:
    """One WARC record as framed in the file; `problem` says why its block is unusable."""

    offset: int  # file offset of the record (of its gzip member in a .warc.gz)
    length: int | None  # file bytes up to the next record or resynchronisation point
    version: str
    headers: list[tuple[str, str]]
    content_length: int | None
    block: bytes  # the first ReadLimits.block_cap bytes of the block
    block_size: int  # block bytes actually present in the file
    member_index: int = 0  # > 0: not the first record of its gzip member (rare writers)
    problem: str | None = None  # one of RECORD_ERROR_KINDS
    detail: str | None = None

    def header(self, name: str) -> str | None:
        return self._by_name.get(name.lower())

    @functools.cached_property
    def _by_name(self) -> dict[str, str]:
        by_name: dict[str, str] = {}
        for key, value in self.headers:
            by_name.setdefault(key.lower(), value)
        return by_name

    @property
    def rec_type(self) -> str:
        return (self.header("WARC-Type") or "unknown").strip().lower() or "unknown"


@dataclasses.dataclass
class DamagedRegion:
    """Bytes that hold no readable record header."""

    offset: int
    length: int
    kind: str  # one of FILE_ERROR_KINDS
    message: str


class _ReadAborted(Exception):
    """The underlying stream failed for good; carries the offset reading stopped at."""

    def __init__(self, offset: int, cause: BaseException):
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.offset = offset


class _ByteSource:
    """Forward reader over a raw stream with absolute offsets and a bounded way back.

    Resynchronisation must re-scan bytes already consumed (a Content-Length that lies too
    long swallows the next records). The last `_LOOKBACK` bytes stay in memory; further back
    a seekable stream (local file, s3://) is re-positioned. A stream that cannot seek resumes
    the scan where it is, and the message of the damaged region says so.
    """

    def __init__(self, stream: IO[bytes]):
        self._stream = stream
        self._buf = bytearray()
        self._start = 0  # file offset of _buf[0]
        self._pos = 0  # file offset of the next byte to read
        self._eof = False
        try:
            self._seekable = bool(stream.seekable())
        except Exception:  # noqa: BLE001 - not all file objects implement it
            self._seekable = False

    @property
    def pos(self) -> int:
        return self._pos

    def _fill(self, count: int) -> None:
        """Try to have `count` bytes buffered from pos on."""
        while not self._eof and self._start + len(self._buf) < self._pos + count:
            try:
                chunk = self._stream.read(max(_SOURCE_CHUNK, count))
            except Exception as exc:  # noqa: BLE001 - reported as read_failed by the caller
                raise _ReadAborted(self._start + len(self._buf), exc) from exc
            if not chunk:
                self._eof = True
            self._buf += chunk
        behind = self._pos - _LOOKBACK - self._start
        if behind > _SOURCE_CHUNK:  # trim in big steps: deleting a prefix copies the rest
            del self._buf[:behind]
            self._start += behind

    def peek(self, count: int) -> bytes:
        self._fill(count)
        i = self._pos - self._start
        return bytes(self._buf[i : i + count])

    def read(self, count: int) -> bytes:
        data = self.peek(count)
        self._pos += len(data)
        return data

    def skip(self, count: int) -> int:
        """Move past up to `count` bytes without keeping them; returns how many."""
        done = 0
        while done < count:
            step = len(self.read(min(count - done, _SOURCE_CHUNK)))
            if not step:
                break
            done += step
        return done

    def at_eof(self) -> bool:
        return not self.peek(1)

    def skip_blank(self) -> None:
        """Move past CR/LF/space/NUL padding between records."""
        while True:
            head = self.peek(64)
            stripped = head.lstrip(_BLANK)
            self._pos += len(head) - len(stripped)
            if stripped or not head:
                return

    def seek(self, pos: int) -> int:
        """Go to `pos`, or as close after it as this stream allows; returns where we are."""
        if pos >= self._start:
            if pos <= self._start + len(self._buf):
                self._pos = pos
            else:
                self._pos = self._start + len(self._buf)
                self.skip(pos - self._pos)
            return self._pos
        if self._seekable:
            try:
                self._stream.seek(pos)
            except Exception as exc:  # noqa: BLE001
                raise _ReadAborted(pos, exc) from exc
            self._buf = bytearray()
            self._start = self._pos = pos
            self._eof = False
            return pos
        self._pos = self._start
        return self._pos

    def search(self, pattern: re.Pattern, start: int, limit: int | None = None) -> int | None:
        """Offset of the next match of `pattern` at or after `start` (None: none before EOF
        or before start + limit). Leaves the read position at the match or at the end."""
        self.seek(start)
        overlap = 16
        while True:
            self._fill(_SOURCE_CHUNK)
            i = self._pos - self._start
            match = pattern.search(self._buf, i)
            if match and (limit is None or self._start + match.start() - start <= limit):
                self._pos = self._start + match.start()
                return self._pos
            if limit is not None and (match or self._pos - start > limit):
                # The buffer reaches past the limit (a match there is too far): leave the
                # position at the limit, the end of what was searched.
                self._pos = min(self._start + len(self._buf), max(self._pos, start + limit))
                return None
            if self._eof:
                self._pos = self._start + len(self._buf)
                return None
            self._pos = self._start + max(i, len(self._buf) - overlap)
            self._fill(len(self._buf) - (self._pos - self._start) + _SOURCE_CHUNK)


class _GzipMember:
    """The decompressed bytes of the gzip member starting at the source's position.

    Output is produced on demand in bounded steps, so a member that inflates to gigabytes
    (a compression bomb at the WARC level) never sits in memory.
    """

    def __init__(self, source: _ByteSource):
        self.start = source.pos
        self._src = source
        self._z = zlib.decompressobj(31)
        self._pending = b""  # compressed bytes zlib has not consumed yet
        self._reads = 0
        self._out = bytearray()
        self._i = 0  # read position in _out
        self.done = False  # the member ended and its CRC matched
        self.failure: tuple[str, str] | None = None  # ('truncated'|'corrupt', message)

    def _produce(self) -> bool:
        if self.done or self.failure:
            return False
        # Small first read: most members (requests, metadata, many pages) are a few KiB,
        # and every byte read past the member end is copied back.
        data = self._pending or self._src.read(_IN_CHUNK if self._reads else _IN_CHUNK // 8)
        self._reads += 1
        if not data:
            self.failure = ("truncated", "the file ends inside a gzip member")
            return False
        before = self._z.copy()
        try:
            out = self._z.decompress(data, _OUT_CHUNK)
        except zlib.error as exc:
            self.failure = ("corrupt", f"gzip data error: {exc}")
            self._out += self._salvage(before, data)
            return False
        self._pending = self._z.unconsumed_tail
        if self._z.eof:
            unused = len(self._z.unused_data)
            if unused:  # bytes after the member came with the last chunk: give them back
                self._src.seek(self._src.pos - unused)
            self.done = True
        if self._i > _OUT_CHUNK:
            del self._out[: self._i]
            self._i = 0
        self._out += out
        return True

    @staticmethod
    def _salvage(z, data: bytes) -> bytes:
        """The output before a data error: zlib discards a failing call's output, so feed
        the same input again in small pieces from the state before that call."""
        out = bytearray()
        try:
            for i in range(0, len(data), 256):
                out += z.decompress(data[i : i + 256], _OUT_CHUNK)
                if len(out) >= _OUT_CHUNK:
                    break
        except zlib.error:
            pass
        return bytes(out)

    def _available(self) -> int:
        return len(self._out) - self._i

    def peek(self, count: int) -> bytes:
        while self._available() < count and self._produce():
            pass
        return bytes(self._out[self._i : self._i + count])

    def read(self, count: int) -> bytes:
        data = self.peek(count)
        self._i += len(data)
        return data

    def skip(self, count: int) -> int:
        done = 0
        while done < count:
            if not self._available() and not self._produce():
                break
            step = min(count - done, self._available())
            self._i += step
            done += step
        return done

    def skip_blank(self) -> None:
        while True:
            head = self.peek(64)
            stripped = head.lstrip(_BLANK)
            self._i += len(head) - len(stripped)
            if stripped or not head:
                return

    def exhausted(self) -> bool:
        return not self.peek(1)

    def at_file_end(self) -> bool:
        """The member ended cleanly and nothing follows it in the file."""
        return self.done and not self._available() and self._src.at_eof()

    def continue_member(self) -> bool:
        """After a clean end, go on into the next gzip member when it does not start a
        record: it is the rest of a record cut at a member boundary (writers that cut
        members at a fixed size). gzip allows it; WARC only recommends one record per
        member. Called only while a header or block is short."""
        if not self.done or self.failure or not _continues_record(self._src):
            return False
        self._z = zlib.decompressobj(31)
        self._pending = b""
        self.done = False
        return True

    def finish(self) -> None:
        """Decompress (and discard) the rest of the member, to find where it ends."""
        while self._produce():
            self._out.clear()
            self._i = 0


def _member_head(data: bytes, past_blanks: bool, salvage: bool = False) -> bytes | None:
    """The first decompressed bytes of the gzip member at the start of `data`: 5 of them
    (after any blank bytes, with `past_blanks`), read on through members that hold fewer
    (a member may hold only "WA"), at most _HEAD_BYTES; None when there is no readable gzip
    member there. With `salvage`, a member with a data error still gives what it inflates
    to before the error (a member cut short runs into the next one)."""
    head = b""
    while data[:2] == GZIP_MAGIC and len(head) < _HEAD_BYTES:
        if len(head.lstrip(_BLANK) if past_blanks else head) >= 5:
            break
        z = zlib.decompressobj(31)
        try:
            head += z.decompress(data, _HEAD_BYTES - len(head))
        except zlib.error:
            if salvage:  # the error discarded what the call inflated: inflate again in steps
                head += _inflated_before_error(data, _HEAD_BYTES - len(head))
            return head or None
        if not z.eof:
            break
        data = z.unused_data
    return head or None


# A member's first _SALVAGE_SPAN compressed bytes, _SALVAGE_STEP at a time, are inflated
# again after a data error: they hold the record's start, and gzip-like garbage (a `1f 8b 08`
# every few bytes, headers with huge extra fields) costs at most 16 small calls a candidate.
_SALVAGE_SPAN = 1024
_SALVAGE_STEP = 64


def _inflated_before_error(data: bytes, limit: int) -> bytes:
    """What the gzip member at the start of `data` inflates to, within its first
    _SALVAGE_SPAN bytes, before its data error (at most `limit` bytes)."""
    z = zlib.decompressobj(31)
    out = b""
    for start in range(0, min(len(data), _SALVAGE_SPAN), _SALVAGE_STEP):
        try:
            out += z.decompress(data[start : start + _SALVAGE_STEP], limit - len(out))
        except zlib.error:
            break
        if z.eof or len(out) >= limit:
            break
    return out


def _starts_warc_member(source: _ByteSource) -> bool:
    """Does the gzip member at the source's position decompress to a WARC record start?
    (Also when the member is cut short: its record gets an error row.)"""
    head = _member_head(source.peek(_IN_CHUNK), past_blanks=True, salvage=True)
    return head is not None and head.lstrip(_BLANK).startswith(b"WARC/")


def _continues_record(source: _ByteSource) -> bool:
    """May the next gzip member be the rest of a record cut at a member boundary? Any
    member that inflates without error and does not itself start with `WARC/` (blank bytes
    first can be the end of the block: a record-per-member writer never starts a member
    with them). A damaged member is not: it is resynchronised past."""
    head = _member_head(source.peek(_IN_CHUNK), past_blanks=False)
    return head is not None and not head.startswith(b"WARC/")


def starts_like_warc(head: bytes) -> bool:
    """Whether a file's first bytes (gzipped or not) are those of a WARC file, or of an ARC
    file (which the reader names as such): a file to read records from, not a listing."""
    if head[:2] == GZIP_MAGIC:
        head = _member_head(head, past_blanks=True, salvage=True) or b""
    head = head.removeprefix(codecs.BOM_UTF8).lstrip(_BLANK)
    if head.startswith(b"filedesc://"):
        return True
    # The version line, as the reader frames it; a member holding only "WARC/" is rare, but
    # a listing of paths under a folder named WARC is not.
    return bool(_WARC_LINE_RE.match(head)) or (len(head) < 12 and head.startswith(b"WARC/"))


@dataclasses.dataclass
class _Header:
    version: str
    headers: list[tuple[str, str]]
    content_length: int | None
    size: int


def _take_header(reader) -> bytes:
    """The bytes up to and including the blank line ending a header (all that could be
    read, if no blank line comes within _MAX_HEADER_BYTES)."""
    size = 4096
    while True:
        head = reader.peek(size)
        end = _HEADER_END_RE.search(head)
        if end:
            return reader.read(end.end())
        if len(head) < size and _continue(reader):
            continue  # the header goes on in the next gzip member
        if len(head) < size or size >= _MAX_HEADER_BYTES:
            return reader.read(len(head))
        size = min(size * 8, _MAX_HEADER_BYTES)


def _peek_across(reader, count: int) -> bytes:
    """`reader.peek(count)`, going on into the next gzip member when this one ends first."""
    data = reader.peek(count)
    while len(data) < count and _continue(reader):  # "W" | "AR" | "C/1.0 ..."
        data = reader.peek(count)
    return data


def _read_header(reader) -> _Header | str:
    """Parse a WARC header from `reader`; a string says why no complete header was there."""
    if _peek_across(reader, 5) != b"WARC/":
        return "no WARC/ version line"
    raw = _take_header(reader)
    if not _HEADER_END_RE.search(raw, len(raw) - 4):
        return "header ends early" if len(raw) < _MAX_HEADER_BYTES else "header too long"
    first_end = raw.index(b"\n") + 1
    if _WARC_LINE_RE.search(raw, first_end):  # a cut-off header runs into the next record's
        return "header interrupted by the next record"
    lines = raw[first_end:].decode("utf-8", "replace").split("\n")
    headers = http_payload.header_fields(line.rstrip("\r") for line in lines)
    content_length = None
    for name, value in headers:
        if name.lower() == "content-length":
            value = value.strip()
            # ASCII digits only: str.isdigit also takes "٣٤٥", which no writer means
            content_length = int(value) if value.isascii() and value.isdigit() else None
            break
    version = raw[:first_end].decode("ascii", "replace").strip()
    return _Header(version, headers, content_length, len(raw))


def _start_record(offset: int, header: _Header, member_index: int = 0) -> RawRecord:
    return RawRecord(
        offset=offset,
        length=None,
        version=header.version,
        headers=header.headers,
        content_length=header.content_length,
        block=b"",
        block_size=0,
        member_index=member_index,
    )


def _continue(reader) -> bool:
    """Go on into the next gzip member (see _GzipMember.continue_member); plain files: no."""
    more = getattr(reader, "continue_member", None)
    return bool(more and more())


def _read_block(reader, record: RawRecord, block_cap: int) -> None:
    """Keep the first `block_cap` bytes of the declared block, stream past the rest."""
    declared = record.content_length
    kept_size = min(declared, block_cap)
    block = bytearray(reader.read(kept_size))
    skipped = reader.skip(declared - len(block)) if len(block) == kept_size else 0
    while len(block) + skipped < declared and _continue(reader):
        if len(block) < kept_size:
            block += reader.read(kept_size - len(block))
        if len(block) == kept_size:
            skipped += reader.skip(declared - len(block) - skipped)
    record.block = bytes(block)
    record.block_size = len(block) + skipped


def iter_raw_records(
    stream: IO[bytes], block_cap: int = DEFAULT_MAX_HTML_BYTES + _HEADER_ALLOWANCE
) -> Iterator[RawRecord | DamagedRegion]:
    """Frame `stream` (a .warc.gz or a plain .warc, told apart by its first bytes) into
    records and damaged regions, resynchronising after every damaged stretch.

    Raises _ReadAborted when the stream itself fails (after its own retries).
    """
    source = _ByteSource(stream)
    source.skip_blank()
    if source.at_eof():
        yield DamagedRegion(0, source.pos, EMPTY_FILE, "no WARC records in file (empty)")
        return
    gzipped = source.peek(2) == GZIP_MAGIC
    start = source.pos
    if not (_starts_warc_member(source) if gzipped else _WARC_LINE_RE.match(source.peek(16))):
        first = _find_first_record(source)
        if first is None:
            searched = min(source.pos, _MAX_LEADING_GARBAGE)
            without_records = _gzip_without_records(source) if gzipped else None
            kind, message, size = without_records or (
                NOT_WARC,
                _not_warc_message(source, searched),
                searched,
            )
            yield DamagedRegion(0, size, kind, message)
            return
        gzipped, found = first
        yield DamagedRegion(start, found - start, GARBAGE_BYTES, "bytes before the first record")
    frame = _frame_gzip_member if gzipped else _frame_plain_record
    while True:
        source.skip_blank()
        if source.at_eof():
            return
        # Files joined with cat: an uncompressed record between gzip members, or gzip
        # members after uncompressed records.
        if gzipped and source.peek(2) != GZIP_MAGIC and _WARC_LINE_RE.match(source.peek(16)):
            yield from _frame_plain_record(source, block_cap)
            continue
        if not gzipped and source.peek(2) == GZIP_MAGIC and _starts_warc_member(source):
            yield from _frame_gzip_member(source, block_cap)
            continue
        yield from frame(source, block_cap)


def _find_first_record(source: _ByteSource) -> tuple[bool, int] | None:
    """(gzipped, offset) of the first record start in the first _MAX_LEADING_GARBAGE bytes."""
    start = source.pos
    found_gz = _next_gzip_record(source, start, _MAX_LEADING_GARBAGE)
    found_plain = source.search(_WARC_LINE_RE, start, _MAX_LEADING_GARBAGE)
    options = [(pos, gz) for pos, gz in ((found_gz, True), (found_plain, False)) if pos is not None]
    if not options:
        return None
    pos, gzipped = min(options)
    source.seek(pos)
    return gzipped, pos


def _gzip_without_records(source: _ByteSource) -> tuple[str, str, int] | None:
    """(kind, message, file size) for a small gzip file with no record to find: only empty
    (or blank) members, or a first member cut short before it inflates to more than the
    start of `WARC/`. None otherwise."""
    source.seek(0)
    data = source.peek(_IN_CHUNK)
    size = len(data)
    if size >= _IN_CHUNK:
        return None
    inflated = b""
    while data:
        if data[:2] != GZIP_MAGIC:
            return None
        z = zlib.decompressobj(31)
        try:
            inflated += z.decompress(data, _HEAD_BYTES)
        except zlib.error:
            return None
        if not z.eof:
            started = inflated.lstrip(_BLANK)[:5]
            if z.unconsumed_tail or not b"WARC/".startswith(started):
                return None
            return TRUNCATED_FILE, "the file ends in its first gzip member, before any record", size
        data = z.unused_data.lstrip(_BLANK)
    if inflated.strip(_BLANK):
        return None
    return EMPTY_FILE, "no WARC records in file (only empty gzip members)", size


def _not_warc_message(source: _ByteSource, searched: int) -> str:
    source.seek(0)
    inflated = _member_head(source.peek(_IN_CHUNK), past_blanks=True) or b""  # b"" unless gzip
    head = source.peek(64)
    if head.startswith(b"filedesc://") or inflated.lstrip(_BLANK).startswith(b"filedesc://"):
        return "ARC file (filedesc://): only WARC is supported"
    where = " in the first 1 MiB" if searched >= _MAX_LEADING_GARBAGE else ""
    start = f"file starts with {head[:24]!r}"
    if inflated.strip(_BLANK):  # gzip: its own bytes say nothing, what they inflate to does
        start = f"file is gzip of {inflated.lstrip(_BLANK)[:24]!r}"
    return f"no WARC record found{where}; {start}"


def _next_gzip_record(source: _ByteSource, start: int, limit: int | None = None) -> int | None:
    """Offset of the next gzip member at or after `start` (and at most `limit` bytes after
    it) that holds a WARC record."""
    pos = start
    while limit is None or pos - start <= limit:
        found = source.search(
            _GZIP_MEMBER_RE, pos, None if limit is None else limit - (pos - start)
        )
        if found is None:
            return None
        if _starts_warc_member(source):
            return found
        pos = found + 1
    return None


def _resync(source: _ByteSource, start: int, gzipped: bool) -> tuple[int | None, int, str]:
    """Find the next record start at or after `start`.

    Returns (found offset or None, where reading resumes: found or the file size, note). The
    note says when bytes could not be re-scanned (a stream that cannot go back far enough).
    """
    resumed = source.seek(start)
    note = f" ({resumed - start} bytes could not be re-scanned)" if resumed > start else ""
    if gzipped:
        found = _next_gzip_record(source, resumed)
    else:
        found = source.search(_WARC_LINE_RE, resumed)
    if found is None:
        source.skip(1 << 62)  # to the end of the file
        return None, source.pos, note
    source.seek(found)
    return found, found, note


def _frame_gzip_member(source: _ByteSource, block_cap: int) -> Iterator[RawRecord | DamagedRegion]:
    """Records of the gzip member at the source's position (normally exactly one)."""
    offset = source.pos
    if source.peek(2) != GZIP_MAGIC:
        _, end, note = _resync(source, offset + 1, gzipped=True)
        yield DamagedRegion(offset, end - offset, GARBAGE_BYTES, "bytes between records" + note)
        return
    member = _GzipMember(source)
    member.skip_blank()  # a member may start with the blank lines that end the last record
    if member.exhausted() and member.done:
        return  # a member of nothing but those blank lines
    index = 0
    while True:
        header = _read_header(member)
        if isinstance(header, str):  # no readable record (index > 0: after some records)
            kind, message = _member_failure(member, header)
            member.finish()
            end, note = _member_end(source, member, offset)
            yield DamagedRegion(offset, end - offset, kind, message + note)
            return
        record = _start_record(offset, header, index)
        declared = header.content_length
        if declared is None:
            record.problem, record.detail = CORRUPT_RECORD, "missing or invalid Content-Length"
        else:
            _read_block(member, record, block_cap)
            if record.block_size < declared:
                record.problem, record.detail = _short_block(member, record)
            else:
                member.skip_blank()
                if member.exhausted():
                    if member.failure:  # the block is whole but the member's end is broken
                        record.problem, record.detail = _short_block(member, record)
                elif _peek_across(member, 5) == b"WARC/":  # several records in one member
                    yield record  # length None: not addressable apart from its member
                    index += 1
                    continue
                else:
                    record.problem = CONTENT_LENGTH_MISMATCH
                    record.detail = f"bytes follow the declared Content-Length {declared}"
                    if _skip_to_next_header(member):  # records after it in the same member
                        record.block = b""
                        yield record
                        index += 1
                        continue
        member.finish()
        end, note = _member_end(source, member, offset)
        if record.problem:
            record.block = b""
            record.detail = (record.detail or "") + note
        if index == 0:
            record.length = end - offset
        yield record
        return


_HEADER_AT_LINE_START_RE = re.compile(rb"\n(WARC/\d)")


def _skip_to_next_header(member: _GzipMember) -> bool:
    """After a Content-Length that ends too early, move to the next line starting with
    `WARC/<digit>` in the rest of the member (a writer that puts several records in one
    member), so the records after the damaged one are read; False when there is none. (The
    caller has seen that the bytes after the block do not start with `WARC/`.)"""
    while True:
        data = member.peek(_OUT_CHUNK)
        if not data:
            return False
        found = _HEADER_AT_LINE_START_RE.search(data)
        if found:
            member.skip(found.start(1))
            return True
        if len(data) < _OUT_CHUNK:
            member.skip(len(data))
            return False
        member.skip(len(data) - 8)  # keep a tail, with the newline a header line follows


def _member_end(source: _ByteSource, member: _GzipMember, offset: int) -> tuple[int, str]:
    """Where the next record starts after the member at `offset` (resynchronising if the
    member is broken), plus a note for the message."""
    if not member.failure:
        return source.pos, ""
    _, end, note = _resync(source, offset + 1, gzipped=True)
    return end, note


def _member_failure(member: _GzipMember, why: str) -> tuple[str, str]:
    if member.failure is None:
        return GARBAGE_BYTES, f"gzip member does not hold a WARC record ({why})"
    kind, message = member.failure
    if kind == "truncated":
        return TRUNCATED_FILE, f"{message} before a record header was complete"
    return CORRUPT_GZIP, message


def _short_block(member: _GzipMember, record: RawRecord) -> tuple[str, str]:
    """Why the block of a record in `member` is incomplete."""
    have = f"block has {record.block_size} of {record.content_length} bytes"
    if member.failure is None and member.at_file_end():
        return TRUNCATED_RECORD, f"the file ends inside the block: {have}"
    if member.failure is None:  # the member ended cleanly before the declared length
        return CONTENT_LENGTH_MISMATCH, f"the gzip member ends early: {have}"
    kind, message = member.failure
    if kind == "truncated":
        return TRUNCATED_RECORD, f"{message}: {have}"
    return CORRUPT_RECORD, f"{message}: {have}"


def _frame_plain_record(source: _ByteSource, block_cap: int) -> Iterator[RawRecord | DamagedRegion]:
    """The record of an uncompressed WARC at the source's position."""
    offset = source.pos
    if not _WARC_LINE_RE.match(source.peek(16)):
        _, end, note = _resync(source, offset + 1, gzipped=False)
        yield DamagedRegion(offset, end - offset, GARBAGE_BYTES, "bytes between records" + note)
        return
    header = _read_header(source)
    if isinstance(header, str):
        if source.at_eof():
            yield DamagedRegion(
                offset, source.pos - offset, TRUNCATED_FILE, "the file ends in a record header"
            )
            return
        _, end, note = _resync(source, offset + 1, gzipped=False)
        yield DamagedRegion(offset, end - offset, GARBAGE_BYTES, header + note)
        return
    record = _start_record(offset, header)
    block_start = source.pos
    declared = header.content_length
    if declared is not None:
        _read_block(source, record, block_cap)
        if record.block_size == declared:
            # The spec's CRLF CRLF after the block (bare LFs tolerated) says the length was
            # right, whatever follows; without it, only a next record or EOF can vouch for it.
            trailer = source.peek(4)
            proper_end = trailer == b"\r\n\r\n" or trailer.startswith(b"\n\n")
            source.skip_blank()
            if proper_end or source.at_eof() or _WARC_LINE_RE.match(source.peek(16)):
                record.length = source.pos - offset
                yield record
                return
    # The block does not end where a record ends: the next record start, searched from the
    # start of the block, says where this one really ends.
    found, end, note = _resync(source, block_start, gzipped=False)
    record.block = b""
    record.length = end - offset
    if declared is None:
        record.problem, record.detail = CORRUPT_RECORD, "missing or invalid Content-Length"
    elif found is None and record.block_size < declared:
        record.problem = TRUNCATED_RECORD
        record.detail = f"the file ends after {record.block_size} of {declared} block bytes"
    else:
        record.problem = CONTENT_LENGTH_MISMATCH
        record.detail = (
            f"Content-Length {declared}, but the next record starts {end - block_start} "
            "bytes into the block"
        )
    record.detail += note
    yield record


# --- record interpretation: RawRecord -> WarcDoc -------------------------------------------
def doc_from_record(
    raw: RawRecord, summary: FileSummary, limits: ReadLimits, dump: str | None
) -> WarcDoc:
    """The WarcDoc of one response record: provenance, HTTP fields, decoded HTML or a verdict."""
    warc_path = summary.warc_path
    doc_id = make_doc_id(warc_path, raw.offset)
    if raw.member_index:  # not addressable on its own: same offset as its member
        doc_id += f".{raw.member_index}"
    doc = WarcDoc(
        doc_id=doc_id,
        warc_path=warc_path,
        file_index=summary.file_index,
        warc_offset=raw.offset,
        warc_length=raw.length,
        warc_record_id=raw.header("WARC-Record-ID"),
        warc_date=raw.header("WARC-Date"),
        warc_filename=raw.header("WARC-Filename") or warc_path.rsplit("/", 1)[-1],
        payload_digest=raw.header("WARC-Payload-Digest"),
        url=clean_uri(raw.header("WARC-Target-URI")),
        dump=dump,
        warc_truncated=raw.header("WARC-Truncated"),
    )
    if raw.problem:
        doc.fail(raw.problem, raw.detail)
        return doc
    try:
        _read_http_payload(doc, raw, limits)
    except Exception as exc:  # noqa: BLE001 - one record's bug must not lose the rest of its file
        log.exception("reader failed on %s at offset %s", warc_path, raw.offset)
        doc.fail(READER_BUG, f"{type(exc).__name__}: {exc}")
    return doc


# A host name's characters: letters (also IDN's, unencoded), digits, "-", "_" (which
# crawlers do meet in host names) and ".", or percent-escapes of them.
_HOST_NAME = re.compile(r"[\w%.-]+")


def has_valid_host(url: str) -> bool:
    """Whether an http(s) URL has a host a browser could reach: a host name, an IPv4 or a
    bracketed IPv6 address, and a port that is a number below 65536, if any."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
        host = parts.hostname
    except ValueError:
        return False
    if not host:
        return False
    if ":" in host:  # an IPv6 literal (urlsplit drops its brackets), maybe with a zone
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return False
        return True
    return _HOST_NAME.fullmatch(host) is not None


def _read_http_payload(doc: WarcDoc, raw: RawRecord, limits: ReadLimits) -> None:
    """The verdict on a response's HTTP payload, or its decoded HTML, set on `doc`."""
    # WARC requires a target URI on responses; dns:, ftp: and whois: responses (Heritrix
    # writes them) are valid records but not web pages.
    if not doc.url:
        doc.drop(NO_TARGET_URI)
        return
    if not doc.url.lower().startswith(("http://", "https://")):
        doc.drop(NOT_HTTP)
        return
    if not has_valid_host(doc.url):
        # No host, or one no browser could reach ("http://xn--<script>.../"): it would go
        # into the host columns and the hosts table as it is.
        doc.drop(BAD_URL)
        return
    cap = limits.block_cap
    declared = raw.content_length if raw.content_length is not None else -1
    response = http_payload.parse_http_response(raw.block)
    doc.http_status = response.status
    doc.http_headers = response.headers
    doc.content_type = response.combined_header("Content-Type")
    if response.status is None:
        doc.fail(BAD_HTTP_RESPONSE, "no HTTP status line in response block")
        return
    if declared > cap:
        doc.drop("html_too_large")
        return
    if not 200 <= response.status < 300 or response.status == 206:
        doc.drop("http_status")  # 206: a part of the page, not the page
        return
    body = response.dechunked_body()
    try:
        body = http_payload.decode_content_encoding(
            body, response.header("Content-Encoding"), limits.max_html_bytes
        )
    except http_payload.PayloadTooLarge:
        doc.drop("html_too_large")
        return
    if len(body) > limits.max_html_bytes:
        doc.drop("html_too_large")
        return
    if not http_payload.is_html(doc.content_type, body):
        doc.drop("not_html")
        return
    if http_payload.looks_binary(body, doc.content_type):
        doc.drop("binary_content")
        return
    doc.html, doc.charset = http_payload.decode_html(body, doc.content_type)


def _dump_from_warcinfo(raw: RawRecord) -> str | None:
    match = _DUMP_RE.search(raw.block[:65536].decode("utf-8", "replace"))
    return match.group(0) if match else None


def clean_uri(uri: str | None) -> str | None:
    # WARC/1.0 writers sometimes wrap the URI in <>; WARC/1.1 forbids it.
    if uri and uri.startswith("<") and uri.endswith(">"):
        return uri[1:-1]
    return uri


# --- files -> docs -------------------------------------------------------------------------
def iter_warc_docs(
    stream: IO[bytes],
    summary: FileSummary,
    limits: ReadLimits | None = None,
    dump: str | None = None,
) -> Iterator[WarcDoc]:
    """Yield one WarcDoc per response record of `stream`, counting everything in `summary`.
    `dump` (--dump) is the crawl id of records whose path and warcinfo name none."""
    limits = limits or ReadLimits()
    given_dump, dump = dump, dump_from_path(summary.warc_path)
    counts: Counter[str] = Counter()
    position = 0
    try:
        for item in iter_raw_records(stream, limits.block_cap):
            position = item.offset
            if isinstance(item, DamagedRegion):
                summary.add_error(item.kind, item.offset, f"{item.message} [{item.length} bytes]")
                continue
            rec_type = item.rec_type
            counts[rec_type] += 1
            if item.problem and rec_type != "response":
                length = f" [{item.length} bytes]" if item.length is not None else ""
                summary.add_error(
                    DAMAGED_RECORD,
                    item.offset,
                    f"{rec_type} record: {item.problem}: {item.detail or ''}{length}".strip(),
                )
            if rec_type == "warcinfo" and dump is None and not item.problem:
                dump = _dump_from_warcinfo(item)
            if rec_type == "response":
                doc = doc_from_record(item, summary, limits, dump or given_dump)
                doc.record_group = summary.responses // RECORDS_PER_WRITE_GROUP
                summary.responses += 1
                yield doc
    except _ReadAborted as exc:
        summary.add_error(READ_FAILED, exc.offset, f"reading stopped, rest of file unread: {exc}")
    except Exception as exc:  # noqa: BLE001 - a reader bug must not take the run down
        log.exception("reader failed on %s near offset %s", summary.warc_path, position)
        summary.add_error(READER_BUG, position, f"{type(exc).__name__}: {exc}")
    finally:
        summary.records_by_type = dict(counts)


def read_warc_file(
    path: str, file_index: int, limits: ReadLimits | None = None, dump: str | None = None
) -> tuple[list[WarcDoc], FileSummary]:
    """Convenience for tests and tools: read a whole file into memory."""
    summary = FileSummary(warc_path=path, file_index=file_index)
    docs = list(read_warc(path, summary, limits, dump))
    return docs, summary


def read_warc(
    path: str, summary: FileSummary, limits: ReadLimits | None = None, dump: str | None = None
) -> Iterator[WarcDoc]:
    """Open `path` and yield its docs; open failures and damage end up in `summary`."""
    limits = limits or ReadLimits()
    try:
        stream = open_input(path, limits.io_retry_seconds)
    except Exception as exc:  # noqa: BLE001 - unreadable input is reported, not raised
        summary.add_error(UNREADABLE_FILE, None, f"{type(exc).__name__}: {exc}")
        return
    try:
        yield from iter_warc_docs(stream, summary, limits, dump)
    finally:
        try:
            stream.close()
        except Exception:  # noqa: BLE001
            pass


class ReadWarcFn(beam.DoFn):
    """(file_index, path) -> WarcDocs on the main output, one FileSummary on 'summary'."""

    SUMMARY = "summary"

    def __init__(self, limits: ReadLimits, dump: str | None = None):
        self._limits = limits
        self._dump = dump

    def process(self, element):
        file_index, path = element
        summary = FileSummary(warc_path=path, file_index=file_index)
        yield from read_warc(path, summary, self._limits, self._dump)
        yield beam.pvalue.TaggedOutput(self.SUMMARY, summary)


class ReadWarcFiles(beam.PTransform):
    """PCollection[(file_index, path)] -> {'docs': WarcDoc, 'summary': FileSummary}.

    A Reshuffle before reading spreads files over workers: each file is one unit of work.
    """

    def __init__(self, limits: ReadLimits | None = None, dump: str | None = None):
        super().__init__()
        self._limits = limits or ReadLimits()
        self._dump = dump

    def expand(self, files):
        return (
            files
            | "SpreadFiles" >> beam.Reshuffle()
            | "ReadRecords"
            >> beam.ParDo(ReadWarcFn(self._limits, self._dump)).with_outputs(
                ReadWarcFn.SUMMARY, main="docs"
            )
        )
