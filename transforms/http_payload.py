"""HTTP response parsing and HTML decoding for WARC `response` blocks.

The WARC reader hands us the raw block (HTTP status line, headers, body) so that every
length and limit is under our control: hostile pages (decompression bombs, huge bodies,
lying headers) must cost bounded memory, and a broken record must become a ledger row,
not an exception.
"""

from __future__ import annotations

import codecs
import functools
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import zstandard

try:  # brotli ships with urllib3's optional deps; pages served with `br` are rare in WARCs
    import brotli
except ImportError:  # pragma: no cover - optional
    brotli = None


class PayloadTooLarge(Exception):
    """The (decoded) body exceeds the configured byte limit."""


@dataclass
class HttpResponse:
    status: int | None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def combined_header(self, name: str) -> str | None:
        """Every field line of `name` joined by ", ", as HTTP combines repeated fields (RFC
        9110 5.3) and browsers read a repeated Content-Type: two lines, the last type wins."""
        lname = name.lower()
        values = [value for key, value in self.headers if key.lower() == lname]
        return ", ".join(values) if values else None

    @property
    def chunked(self) -> bool:
        return "chunked" in (self.header("Transfer-Encoding") or "").lower()

    def dechunked_body(self) -> bytes:
        """The body with Transfer-Encoding: chunked undone (content codings stay)."""
        return dechunk(self.body) if self.chunked else self.body


_STATUS_RE = re.compile(rb"^HTTP/\d(?:\.\d)?\s+(\d{3})(?!\d)")  # "2000" is no status


def parse_http_response(block: bytes, interim_left: int = 4) -> HttpResponse:
    """Split a WARC response block into status, headers and body.

    Tolerates bare-LF line endings and missing reason phrases (both occur in real crawls).
    A block with no parsable status line yields status None and the whole block as body.
    """
    end = block.find(b"\r\n\r\n")
    sep_len = 4
    lf_end = block.find(b"\n\n")
    if end < 0 or (0 <= lf_end < end):
        end, sep_len = lf_end, 2
    if end < 0:
        head, body = block, b""
    else:
        head, body = block[:end], block[end + sep_len :]
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    match = _STATUS_RE.match(lines[0]) if lines else None
    if not match:
        return HttpResponse(status=None, headers=[], body=block)
    status = int(match.group(1))
    if 100 <= status < 200 and _STATUS_RE.match(body) and interim_left > 0:
        # An interim response ("100 Continue") recorded before the final one
        return parse_http_response(body, interim_left - 1)
    headers = header_fields(line.decode("latin-1") for line in lines[1:])
    return HttpResponse(status=status, headers=headers, body=body)


def header_fields(lines: Iterable[str]) -> list[tuple[str, str]]:
    """(name, value) of "name: value" lines, HTTP's or WARC's; lines without a colon are
    skipped. A line starting with a space or tab continues the value before it (obs-fold,
    RFC 9112 section 5.2), joined by one space: dropped, "X-Robots-Tag: noindex," then " noai"
    lost its noai. The pieces are joined once: rebuilt per line, 1.3 million folded lines
    took 30 s."""
    fields: list[tuple[str, list[str]]] = []
    for line in lines:
        if line[:1] in (" ", "\t") and fields:
            if line.strip():
                fields[-1][1].append(line.strip())
            continue
        name, sep, value = line.partition(":")
        if sep:
            fields.append((name.strip(), [value.strip()]))
    return [(name, " ".join(piece for piece in pieces if piece)) for name, pieces in fields]


# What a cut can leave of a size line (or of the CRLF after a chunk's data: "\r", "").
_CHUNK_SIZE_LINE = re.compile(rb"(?:[0-9A-Fa-f]{1,16}(?:;[^\n]*)?)?\r?")


def dechunk(body: bytes) -> bytes:
    """Undo Transfer-Encoding: chunked; on malformed framing return the input unchanged. A
    body cut inside its last size line keeps what was de-chunked before the cut."""
    out = bytearray()
    pos = 0
    try:
        while pos < len(body):
            line_end = body.find(b"\n", pos)
            if line_end < 0:  # the rest has no line end: a cut inside a size line?
                cut = pos and _CHUNK_SIZE_LINE.fullmatch(body, pos)
                return bytes(out) if cut else body
            size_text = body[pos:line_end].split(b";")[0].strip()
            if not size_text and pos == 0:
                # A body that starts with a blank line is not chunked, whatever the header
                # says (seen in real WARCs: the crawler had already removed the framing).
                return body
            size = int(size_text or b"0", 16)
            if size == 0:
                return bytes(out)
            start = line_end + 1
            out += body[start : start + size]
            pos = start + size
            if body[pos : pos + 2] == b"\r\n":
                pos += 2
            elif body[pos : pos + 1] == b"\n":
                pos += 1
    except ValueError:
        return body
    return bytes(out)


def decode_content_encoding(body: bytes, encoding: str | None, max_bytes: int) -> bytes:
    """Decompress gzip/deflate/br/zstd bodies without ever holding more than `max_bytes` of output.

    Raises PayloadTooLarge when the decoded body would exceed the limit (a compression bomb is
    detected after producing at most max_bytes + 1 bytes per step). Stacked codings
    ("gzip, br") are undone last-applied first, each step bounded. Unknown or broken encodings
    return the body as stored, which is what most WARC writers did anyway.
    """
    codings = [c.strip().lower() for c in (encoding or "").split(",")]
    codings = [c for c in codings if c not in ("", "identity", "none")]
    if len(codings) > 3:  # nobody stacks more; a hostile header might, to multiply work
        return body
    for coding in reversed(codings):
        decoded = _decode_one(body, coding, max_bytes)
        if decoded is None:
            return body
        body = decoded
    return body


def decoded_prefix(body: bytes, encoding: str | None, max_bytes: int) -> bytes | None:
    """The first `max_bytes` of `body` with its content codings undone, as a reader of a
    prefix gets it (a crawler reads the first 500 KiB of a robots.txt): a body that decodes
    past the limit is cut there, and one cut short gives what it holds. None when a coding
    is unknown or its data is broken (a failed check included)."""
    codings = [c.strip().lower() for c in (encoding or "").split(",")]
    codings = [c for c in codings if c not in ("", "identity", "none")]
    if len(codings) > 3:
        return None
    for step, coding in enumerate(reversed(codings), 1):
        # an inner coding's output is the outer one's input: cut only the last
        cap = max_bytes if step == len(codings) else 64 * max_bytes
        decoded = _decode_one(body, coding, cap, prefix=True)
        if decoded is None:
            return None
        body = decoded
    return body[:max_bytes]


def _decode_one(body: bytes, coding: str, max_bytes: int, prefix: bool = False) -> bytes | None:
    """One content coding undone, or None when it is unknown or the data is broken. With
    `prefix`, output past `max_bytes` is cut there instead of raising PayloadTooLarge."""
    if coding in ("gzip", "x-gzip", "deflate"):
        wbits = 47 if coding != "deflate" else zlib.MAX_WBITS  # 47: auto-detect gzip/zlib header
        try:
            return _bounded_zlib(body, wbits, max_bytes, prefix)
        except zlib.error:
            if coding == "deflate":  # raw deflate without zlib header, as some servers send
                try:
                    return _bounded_zlib(body, -zlib.MAX_WBITS, max_bytes, prefix)
                except zlib.error:
                    pass
            return None
    if coding == "br" and brotli is not None:
        try:
            return _bounded_brotli(body, max_bytes, prefix)
        except (brotli.error, TypeError):  # TypeError: a brotli without output limits
            return None
    if coding == "zstd":
        try:
            return _bounded_zstd(body, max_bytes, prefix)
        except zstandard.ZstdError:
            return None
    return None


_MAX_GZIP_MEMBERS = 4096
_ZLIB_STEP = 16384  # input fed per call: what zlib copies as unused_data at a member's end


def _bounded_zlib(body: bytes, wbits: int, max_bytes: int, prefix: bool = False) -> bytes:
    """Decoded `body`; gzip members after the first are decoded too (gzip's own rule, and
    Python's gzip.decompress): servers that append to a compressed file send several. A
    damaged later member, or members past _MAX_GZIP_MEMBERS, end the output there. The input
    goes in in steps: fed whole, each member's end copied the rest of the body (262,144
    empty members took 11 s). `prefix`: see `decoded_prefix`."""
    out = bytearray()
    view, pos = memoryview(body), 0
    for member in range(_MAX_GZIP_MEMBERS):
        decomp = zlib.decompressobj(wbits)
        try:
            while not decomp.eof and pos < len(body):
                step = view[pos : pos + _ZLIB_STEP]
                pos += len(step)
                out += decomp.decompress(step, max_bytes + 1 - len(out))
                if len(out) > max_bytes or decomp.unconsumed_tail:
                    if prefix:
                        return bytes(out[:max_bytes])
                    raise PayloadTooLarge(f"decoded body exceeds {max_bytes} bytes")
        except zlib.error:
            # Also with `prefix`: a stream that fails its check may be broken anywhere, and
            # a guess at its data could read a robots.txt's "Disallow" away.
            if member == 0:
                raise
            break
        pos -= len(decomp.unused_data)
        if not (decomp.eof and body[pos : pos + 2] == b"\x1f\x8b"):
            break
    return bytes(out)


def _bounded_brotli(body: bytes, max_bytes: int, prefix: bool = False) -> bytes:
    # output_buffer_limit stops each call after about that much output (brotli >= 1.2).
    decomp = brotli.Decompressor()
    out = bytearray(decomp.process(body, output_buffer_limit=max_bytes + 1))
    while len(out) <= max_bytes and not decomp.is_finished():
        more = decomp.process(b"", output_buffer_limit=max_bytes + 1 - len(out))
        if not more:
            break
        out += more
    if not out and body and not decomp.is_finished():
        # nothing out, waiting for more input: not a brotli stream (a plain body labelled br)
        raise brotli.error("no brotli data")
    return _within_limit(out, max_bytes, prefix)


def _declares_no_content(body: bytes) -> bool:
    """`body` is whole zstd frames that say they hold nothing (an empty robots.txt,
    compressed), and skippable frames: each empty frame its header, one empty block (3
    bytes) and its checksum. (An empty frame before one cut short read as an empty
    robots.txt: everything allowed.)"""
    pos = 0
    while pos < len(body):
        head = body[pos : pos + 8]
        if head[1:4] == b"\x2a\x4d\x18" and 0x50 <= head[0] <= 0x5F and len(head) == 8:
            pos += 8 + int.from_bytes(head[4:8], "little")  # a skippable frame
            continue
        try:
            params = zstandard.get_frame_parameters(body[pos : pos + 18])
            size = zstandard.frame_header_size(body[pos : pos + 18])
        except zstandard.ZstdError:
            return False
        if params.content_size != 0:
            return False
        pos += size + 3 + (4 if params.has_checksum else 0)
    return pos == len(body)


def _within_limit(out: bytearray, max_bytes: int, prefix: bool) -> bytes:
    """A decoder's output, which may hold one byte past `max_bytes`: cut there for a
    `prefix` reader, else refused."""
    if len(out) > max_bytes:
        if prefix:
            return bytes(out[:max_bytes])
        raise PayloadTooLarge(f"decoded body exceeds {max_bytes} bytes")
    return bytes(out)


# RFC 9659: the `zstd` content coding's window is at most 8 MiB, so a decoder may refuse more
# (a frame asking for a 2 GiB window would make the decoder allocate it).
_ZSTD_MAX_WINDOW = 8 * 1024 * 1024
_ZSTD_READ = 1 << 20  # output per read: the buffer zstandard allocates for it


def _bounded_zstd(body: bytes, max_bytes: int, prefix: bool = False) -> bytes:
    """Decoded `body`, every frame of it (a server may send several). A stream cut short gives
    the blocks it holds, as gzip's does; a failed check or data that is not zstd raise."""
    decompressor = zstandard.ZstdDecompressor(max_window_size=_ZSTD_MAX_WINDOW)
    reader = decompressor.stream_reader(body, read_across_frames=True)
    out = bytearray()
    while len(out) <= max_bytes:
        chunk = reader.read(min(_ZSTD_READ, max_bytes + 1 - len(out)))
        if not chunk:
            break
        out += chunk
    if not out and body and not _declares_no_content(body):
        # a frame cut inside its first block gives nothing: no page to read in it
        raise zstandard.ZstdError("no zstd data")
    return _within_limit(out, max_bytes, prefix)


_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xhtml")
# What an HTML document starts with, once a UTF-8 byte order mark, an XML declaration
# (XHTML) and comments are skipped (by `_sniffs_as_html`: as one regular expression, a run of
# comments backtracked exponentially, 40 comments for ever).
_XML_DECLARATION = re.compile(rb"<\?xml[^>]{0,200}>")
_HTML_START = re.compile(rb"<(?:!doctype\s+html|html|head|body)\b", re.I)


def _sniffs_as_html(head: bytes) -> bool:
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if declaration := _XML_DECLARATION.match(head):
        head = head[declaration.end() :].lstrip()
    while head.startswith(b"<!--"):
        end = head.find(b"-->", 4)
        if end < 0:
            return False
        head = head[end + 3 :].lstrip()
    return bool(_HTML_START.match(head))


def _split_outside_quotes(value: str) -> list[str]:
    """`value` split at its commas that are not inside double quotes (boundary="a,b")."""
    if '"' not in value or value.count('"') % 2:  # none, or a stray one that opens nothing
        return value.split(",")
    parts, start, quoted = [], 0, False
    for at, char in enumerate(value):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append(value[start:at])
            start = at + 1
    return [*parts, value[start:]]


def mime_type(content_type: str | None) -> str | None:
    """The media type of a Content-Type value, as servers write it: `text/html; charset=x`,
    `"text/html"` (quoted), or a repeated header joined by commas, where the last valid type
    wins as in browsers (WHATWG Fetch, "extract a MIME type")."""
    types = [mime for mime, _ in _media_types(content_type)]
    return types[-1] if types else None


# type "/" subtype, each an HTTP token (RFC 9110 5.6.2), as WHATWG's "parse a MIME type"
# requires: `text/`, `/` and `text/html charset=utf-8` (no ";") are no type, and browsers
# pass over them. ("*" is a token character, but no page's type.)
_MEDIA_TYPE = re.compile(r"[!#$%&'+.^_`|~0-9a-z-]+/[!#$%&'+.^_`|~0-9a-z-]+")


def _media_types(content_type: str | None) -> list[tuple[str, str]]:
    """(media type, its whole part) for each valid type of a Content-Type value, in order."""
    found = []
    for part in _split_outside_quotes(content_type or ""):
        mime = part.split(";", 1)[0].strip().strip("\"'").strip().lower()
        if _MEDIA_TYPE.fullmatch(mime):
            found.append((mime, part))
    return found


def is_html(content_type: str | None, body: bytes) -> bool:
    """HTML by declared type; sniff only when the server declared nothing useful."""
    mime = mime_type(content_type)
    if mime in _HTML_TYPES:
        return True
    if mime in (None, "text/plain", "application/octet-stream", "unknown/unknown"):
        return _sniffs_as_html(body[:2048])
    return False


# Bytes that do not occur in text: C0 controls except TAB, LF, FF, CR and ESC (ESC starts
# ISO-2022 shift sequences, e.g. in Japanese pages), and DEL.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
# Share of control bytes above which a body "served as HTML" is binary. Real pages have
# next to none; images, archives and compressed data have about 12% (28 of 256 values).
BINARY_CONTROL_SHARE = 0.05
_BINARY_SIGNATURES = (
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",  # JPEG
    b"%PDF-",
    b"PK\x03\x04",  # zip, docx, jar
    b"\x1f\x8b",  # gzip
    b"RIFF",  # webp, avi, wav
    b"\x00asm",
    b"wOFF",
    b"wOF2",
    b"\x7fELF",
)
_SAMPLE_BYTES = 8192


def looks_binary(body: bytes, content_type: str | None = None) -> bool:
    """A body that is not text whatever its Content-Type says: a known binary signature, or
    too many control bytes in its first 8 KiB. UTF-16 text (NULs in every other byte, or a
    UTF-16 label in `content_type`, see `utf16_by_label`) is text."""
    head = body[:_SAMPLE_BYTES]
    if not head:
        return False
    if head.startswith(_BINARY_SIGNATURES):
        return True
    if (
        head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        or utf16_without_bom(head)
        or utf16_by_label(content_type, head)
    ):
        return False  # (the UTF-32 BOMs begin with the UTF-16 ones)
    if utf32_without_bom(head):
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > BINARY_CONTROL_SHARE * len(head)


def utf16_without_bom(body: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the NULs of mostly-ASCII UTF-16 text sit on one side of
    every byte pair; None otherwise."""
    head = body[: _SAMPLE_BYTES & ~1]
    pairs = len(head) // 2
    if pairs < 8 or head.count(0) < 0.4 * pairs:
        return None
    even_nuls, odd_nuls = head[0::2].count(0), head[1::2].count(0)
    if odd_nuls >= 0.4 * pairs and even_nuls <= 0.02 * pairs:
        return "utf-16-le"
    if even_nuls >= 0.4 * pairs and odd_nuls <= 0.02 * pairs:
        return "utf-16-be"
    return None


_TAG_START = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ/!")


def _utf16_tags(head: bytes) -> tuple[int, int]:
    """Tag starts ("<" then a letter, "/" or "!") in `head` read as UTF-16 (little endian,
    big endian). A binary's 16-bit 60 is "<" NUL too, but not followed by a tag's letter."""
    little = big = 0
    at = head.find(b"<")
    while 0 <= at < len(head) - 3:
        if at % 2 == 0 and head[at + 1] == 0 and head[at + 3] == 0 and head[at + 2] in _TAG_START:
            little += 1
        elif at % 2 == 1 and head[at - 1] == 0 and head[at + 1] == 0 and head[at + 2] in _TAG_START:
            big += 1
        at = head.find(b"<", at + 1)
    return little, big


def _stray_charset(content_type: str | None) -> str | None:
    """The first charset label written in a Content-Type value without a valid type
    (`charset=euc-kr`, `text/html charset=x`): browsers take none from it and detect, but
    without a <meta> the label the server meant reads the page better than detection does."""
    if _media_types(content_type):
        return None
    match = _CHARSET_RE.search(content_type or "")
    return match.group(1) if match else None


def _header_charset(content_type: str | None) -> str | None:
    """The charset label of a Content-Type header, as written: the one given with its last
    valid type, or on an earlier line of the same type when the last gives none (a repeated
    header, joined; Chromium's rule: WHATWG Fetch keeps the first of such a run). A value
    without a valid type gives none here (see `_stray_charset`)."""
    charset = essence = None
    for mime, part in _media_types(content_type):
        match = _CHARSET_RE.search(part)
        if mime != essence:
            essence, charset = mime, match.group(1) if match else None
        elif match:
            charset = match.group(1)
    return charset


def utf16_by_label(content_type: str | None, body: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the HTTP header says UTF-16 and the page's markup is
    UTF-16 in that byte order: its "<" are byte pairs "<" NUL (little endian) or NUL "<" (big
    endian). Browsers honour a UTF-16 label in the header (not in <meta>); mostly-CJK UTF-16
    has too few NULs for `utf16_without_bom`, and was dropped as binary_content."""
    label = _header_charset(content_type) or _stray_charset(content_type)
    if not (_lookup(label) or "").startswith("utf-16"):
        return None
    little, big = _utf16_tags(body[:_SAMPLE_BYTES])
    if little >= 2 and little >= 3 * big:  # a UTF-8 page under a wrong header has neither
        return "utf-16-le"
    if big >= 2 and big >= 3 * little:
        return "utf-16-be"
    return None


def utf32_without_bom(body: bytes) -> str | None:
    """'utf-32-le'/'utf-32-be' when mostly-ASCII UTF-32 text shows three NULs in every group
    of four bytes, on the side its byte order puts them; None otherwise."""
    head = body[: _SAMPLE_BYTES & ~3]
    quads = len(head) // 4
    if quads < 8:
        return None
    columns = [head[i::4].count(0) for i in range(4)]
    if min(columns[1:]) >= 0.9 * quads and columns[0] <= 0.1 * quads:
        return "utf-32-le"
    if min(columns[:3]) >= 0.9 * quads and columns[3] <= 0.1 * quads:
        return "utf-32-be"
    return None


_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.I)
_META_CHARSET_RE = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.I)


# Python codecs that a page's label can name but that are not a page's character set: they
# raise on ordinary bytes (undefined, punycode, idna) or rewrite the text (the escapes, UTF-7,
# which browsers refuse). Non-text codecs (base64, hex, zip, rot13) are refused by kind.
_NOT_PAGE_CHARSETS = frozenset(
    {"undefined", "punycode", "idna", "utf-7", "unicode-escape", "raw-unicode-escape"}
)


# WHATWG Encoding Standard labels Python does not know.
_WHATWG_LABELS = {
    "windows-31j": "cp932",
    "x-sjis": "cp932",
    "windows-949": "cp949",
    "cseuckr": "cp949",
    "ks_c_5601-1989": "cp949",
    "x-gbk": "gb18030",
    "csgb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "csiso58gb231280": "gb18030",
    "cn-big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "windows-874": "cp874",
    "dos-874": "cp874",
    "x-euc-jp": "euc_jp",
    "iso-8859-8-i": "iso8859-8",
    "csiso88598i": "iso8859-8",
    "koi8": "koi8-r",
    "x-mac-cyrillic": "mac-cyrillic",
    "x-mac-ukrainian": "mac-cyrillic",
    **{f"x-cp125{digit}": f"cp125{digit}" for digit in range(9)},
}
# Browsers decode these labels with the superset the Encoding Standard names, so pages labelled
# Shift_JIS hold cp932's ① ㈱ 髙, and EUC-KR pages UHC syllables (똠), without anyone seeing a
# fault; Python's strict codecs lose sync on them and garble the characters around.
_SUPERSETS = {
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "iso8859-9": "cp1254",
    "tis-620": "cp874",
    "iso8859-11": "cp874",
}
# Single-byte legacy charsets (Python's codec names, as prefixes): in these, real text almost
# never forms valid multi-byte UTF-8.
_SINGLE_BYTE_PREFIXES = (
    "iso8859-", "ascii", "cp125", "cp874", "koi8-", "mac-", "cp437", "cp85", "cp86", "kz1048",
    "ptcp154",
)  # fmt: skip
# ... of Latin scripts: there a wrong UTF-8 verdict costs a few accented letters. iso8859-1
# also matches iso8859-10 and 13-16 (Latin too); iso8859-9 and -11 have become cp1254 and
# cp874 by then (_SUPERSETS).
_LATIN_SCRIPT_PREFIXES = (
    "iso8859-1", "iso8859-2", "iso8859-3", "iso8859-4", "ascii", "cp1250", "cp1252", "cp1254",
    "cp1257", "cp1258", "mac-roman", "mac-latin2", "mac-iceland", "mac-turkish", "cp437",
    "cp850", "cp852", "cp858", "cp860", "cp861", "cp863", "cp865",
)  # fmt: skip
_LATIN_LABELS = ("iso8859-1", "ascii", "cp1252")  # read as windows-1252, as browsers do
_NON_LATIN_MAX_DAMAGED = 2  # damaged bytes a UTF-8 page under another single-byte label may have


@functools.lru_cache(maxsize=512)  # a few labels, asked up to three times a page
def _lookup(name: str | None) -> str | None:
    """The Python codec of a page's charset label, as browsers read it (`_SUPERSETS`); None
    for unknown labels and for codecs that are not character sets."""
    if not name:
        return None
    name = _WHATWG_LABELS.get(name.strip().lower(), name)
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_PAGE_CHARSETS:
        return None
    return _SUPERSETS.get(info.name, info.name)


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Bytes -> (text, charset used). Order: BOM; UTF-32 or UTF-16 by their NULs, or UTF-16
    by the HTTP header's label when the markup agrees (`utf16_by_label`); the HTTP header's
    label, then <meta>'s, each read as browsers read it (`_lookup`), where a single-byte
    label yields to bytes that are UTF-8 (`utf8_despite_damage`); UTF-8 (also when cut inside
    a character or slightly damaged); a label in a header without a valid type
    (`_stray_charset`) where it reads the page with little damage; detection.

    Never raises: undecodable bytes become U+FFFD. Latin-1 style labels are read as
    windows-1252, as browsers do (WHATWG Encoding Standard).
    """
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: FF FE is the start of both
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace"), name
    wide = utf32_without_bom(body) or utf16_without_bom(body) or utf16_by_label(content_type, body)
    if wide:  # no single-byte page has these NUL patterns, whatever it declares
        return body.decode(wide, errors="replace"), wide
    candidates: list[str] = []
    header_label = _header_charset(content_type)
    if header_label:
        candidates.append(header_label)
    meta = _META_CHARSET_RE.search(body[:4096])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "ignore"))
    for label in candidates:
        name = _lookup(label)
        if name and name.startswith(_SINGLE_BYTE_PREFIXES) and not body.isascii():
            # Pages declared in a single-byte charset (a template's windows-1251, Latin-1) are
            # very often UTF-8 in fact; valid multi-byte UTF-8 is almost never produced by
            # real single-byte text, so trust the bytes, also with a few damaged ones (a
            # pasted windows-1252 quote). For Latin scripts a wrong verdict costs a few
            # accented letters; for others every letter of a page whose UTF-8 menu sits above
            # a windows-1251 article (dozens of damaged spots), so there at most two.
            latin = name.startswith(_LATIN_SCRIPT_PREFIXES)
            text = utf8_despite_damage(body, None if latin else _NON_LATIN_MAX_DAMAGED)
            if text is not None:
                return text, "utf-8"
        if name in _LATIN_LABELS:
            name = "cp1252"
        if name and not name.startswith("utf-16") and not name.startswith("utf-32"):
            text = _read_with_little_damage(body, name)
            if text is not None:
                return text, name
    text = utf8_despite_damage(body)
    if text is not None:
        return text, "utf-8"
    # A label in a header without a valid type, which browsers do not read: after UTF-8 (a
    # stray gb2312 read UTF-8 pages as mojibake) and with the damage a declared label may
    # have (a page cut inside its last character), but before detection, which reads
    # EUC-KR as UTF-8 damage and Polish as windows-1252.
    stray = _lookup(_stray_charset(content_type))
    if stray and not stray.startswith(("utf-", "utf_")):
        stray = "cp1252" if stray in _LATIN_LABELS else stray
        text = _read_with_little_damage(body, stray)
        if text is not None:
            return text, stray
    name = _detect(body)
    return body.decode(name, errors="replace"), name


def _read_with_little_damage(body: bytes, name: str) -> str | None:
    """`body` read as `name` when every byte decodes, or few do not (a page cut inside its
    last character, a stray byte): a label that does not fit is kept if the damage is small."""
    try:
        return body.decode(name)
    except UnicodeDecodeError:
        text = body.decode(name, errors="replace")
        return text if text.count("\ufffd") <= max(8, len(text) // 1000) else None


# Valid multi-byte UTF-8 characters needed per damaged spot for a page to be read as UTF-8.
_UTF8_CHARS_PER_DAMAGE = 2


def utf8_despite_damage(body: bytes, max_damaged: int | None = None) -> str | None:
    """`body` read as UTF-8 if it is UTF-8 apart from a character cut at its end or a few
    bad bytes; else None.

    A crawler's length limit cuts pages inside a character, and UTF-8 pages hold the odd
    windows-1252 byte (a pasted quote). Read as a legacy charset, such a page turns every
    non-ASCII character into mojibake; read as UTF-8 it loses only the damaged ones. Real
    legacy-charset text almost never forms valid multi-byte UTF-8, so a page with at least
    twice as many valid multi-byte characters as damaged spots is UTF-8. `max_damaged`: at
    most that many damaged spots, whatever the ratio (labels of non-Latin scripts).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(body, final=False)
        if not decoder.getstate()[0]:
            return text
        text, damaged = text + "\ufffd", 1  # cut inside its last character
    except UnicodeDecodeError:
        text = body.decode("utf-8", errors="replace")
        damaged = text.count("\ufffd") - body.count("\ufffd".encode())
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    valid_multibyte = non_ascii - damaged
    if max_damaged is not None and damaged > max_damaged:
        return None
    if valid_multibyte >= _UTF8_CHARS_PER_DAMAGE * damaged:
        return text
    return None


def _detect(body: bytes) -> str:
    try:
        from resiliparse.parse.encoding import detect_encoding

        name = _lookup(detect_encoding(body[:65536]))
    except Exception:  # detection is best effort; the fallback below always works
        name = None
    return name or "cp1252"
