import gzip
import random
import struct
import time
import zlib

import pytest

from transforms import http_payload as hp


def test_parse_http_response_status_headers_body():
    block = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nX-A: 1\r\n\r\n<html>x</html>"
    resp = hp.parse_http_response(block)
    assert resp.status == 404
    assert resp.header("content-type") == "text/html"
    assert resp.header("X-A") == "1"
    assert resp.body == b"<html>x</html>"


def test_parse_http_response_tolerates_bare_lf_and_no_reason():
    resp = hp.parse_http_response(b"HTTP/1.0 200\nContent-Type: text/html\n\nbody")
    assert resp.status == 200 and resp.body == b"body"


def test_parse_http_response_without_status_line():
    resp = hp.parse_http_response(b"<html>not http</html>")
    assert resp.status is None


def test_dechunk_and_malformed_chunks():
    assert hp.dechunk(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n") == b"hello world"
    assert hp.dechunk(b"zz\r\nnot chunked") == b"zz\r\nnot chunked"
    # "Transfer-Encoding: chunked" on a body already stored without its framing.
    assert hp.dechunk(b"\n<!doctype html>\n<html></html>") == b"\n<!doctype html>\n<html></html>"


def test_gzip_and_deflate_are_decoded():
    text = b"<html>" + b"a" * 1000 + b"</html>"
    assert hp.decode_content_encoding(gzip.compress(text), "gzip", 10_000) == text
    assert hp.decode_content_encoding(zlib.compress(text), "deflate", 10_000) == text
    raw = zlib.compressobj(wbits=-15)
    raw_deflate = raw.compress(text) + raw.flush()
    assert hp.decode_content_encoding(raw_deflate, "deflate", 10_000) == text


def test_decompression_bomb_stops_at_limit():
    bomb = gzip.compress(b"\0" * 50_000_000)  # ~50 KB on the wire
    with pytest.raises(hp.PayloadTooLarge):
        hp.decode_content_encoding(bomb, "gzip", 1_000_000)


def test_is_html_by_type_and_by_sniffing():
    assert hp.is_html("text/html; charset=utf-8", b"")
    assert hp.is_html("application/xhtml+xml", b"")
    assert not hp.is_html("image/png", b"<html>")
    assert hp.is_html(None, b"  <!DOCTYPE html><html>")
    assert not hp.is_html(None, b"\x89PNG\r\n")


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        # a byte order mark or an XML declaration before the markup (were not_html)
        (None, b"\xef\xbb\xbf<!DOCTYPE html><html><body>x", True),
        (None, b'<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="x"><body>', True),
        (None, b'<?xml version="1.0"?><rss version="2.0">', False),
        # Content-Type values as servers send them (were not_html)
        ('"text/html"', b"", True),
        ("text/html, text/html", b"", True),
        ("image/png, text/html; charset=utf-8", b"", True),  # the last valid type, as browsers
        ("text/html, image/png", b"<html>", False),
        ("text", b"<html><body>", True),  # not a media type: as if none were declared
        ('multipart/x-mixed-replace;boundary="a,b/c"', b"<html>", False),
        ('text/html",', b"", True),  # a stray quote opens nothing
        ('";,text/html', b"", True),
        # a second line that is no type (a missing ";", an empty subtype) changes nothing
        ("text/html; charset=windows-1251, text/html charset=utf-8", b"", True),
        ("text/html; charset=windows-1251, text/", b"", True),
        ("text/html, /", b"", True),
    ],
)
def test_html_as_servers_label_and_start_it(content_type, body, expected):
    assert hp.is_html(content_type, body) is expected


@pytest.mark.parametrize(
    "body,content_type,expected_text,expected_charset",
    [
        ("café".encode("cp1252"), "text/html; charset=iso-8859-1", "café", "cp1252"),
        ("<meta charset='windows-1252'>café".encode("cp1252"), "text/html", "café", "cp1252"),
        ("日本語".encode("euc-jp"), "text/html; charset=EUC-JP", "日本語", "euc_jp"),
        ("naïve ✓".encode(), "text/html", "naïve ✓", "utf-8"),
        (b"\xef\xbb\xbfbom text", "text/html; charset=latin-1", "bom text", "utf-8"),
    ],
)
def test_decode_html_charset_sources(body, content_type, expected_text, expected_charset):
    text, charset = hp.decode_html(body, content_type)
    assert expected_text in text
    assert charset == expected_charset


def test_decode_html_wrong_declared_charset_falls_back():
    body = "Größe und Übermaß".encode()
    text, charset = hp.decode_html(body, "text/html; charset=us-ascii")
    assert "Größe" in text and charset == "utf-8"


def test_decode_html_never_raises_on_garbage():
    text, charset = hp.decode_html(bytes(range(256)) * 4, "text/html; charset=bogus-charset")
    assert isinstance(text, str) and charset


NOT_CHARSETS = ["base64", "hex", "rot13", "uu_codec", "zip", "bz2", "quopri"]
NOT_CHARSETS += ["punycode", "undefined", "idna", "utf-7", "unicode_escape"]


@pytest.mark.parametrize("label", NOT_CHARSETS)
@pytest.mark.parametrize("where", ["header", "meta"])
def test_codecs_that_are_not_charsets_are_ignored(label, where):
    """Python's codec registry answers to "base64", "hex", "undefined"...: decoding a page
    through them raised LookupError or UnicodeError out of the reader, which lost the rest of
    its file."""
    page = "<html><head>{}</head><body><p>Café au lait, s'il vous plaît.</p></body></html>"
    meta = f'<meta charset="{label}">' if where == "meta" else ""
    content_type = f"text/html; charset={label}" if where == "header" else "text/html"
    text, charset = hp.decode_html(page.format(meta).encode(), content_type)
    assert "Café au lait" in text and charset == "utf-8"


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-le", "utf-32-be"])
def test_utf32_pages_decode_with_or_without_a_bom(encoding):
    """The UTF-32 LE BOM begins with the UTF-16 LE one: such pages were read as UTF-16, and
    their markup reached the extractor as text; without a BOM they were 'binary'."""
    page = "<html><body><p>Café naïve résumé — the notes of the valley</p></body></html>" * 4
    body = page.encode(encoding)
    text, charset = hp.decode_html(body, "text/html")
    assert text == page
    assert charset == ("utf-32-le" if encoding == "utf-32" else encoding)
    assert not hp.looks_binary(body)


PAGE_UTF8 = "<html><body><p>Café naïve résumé — ça marche très bien à Zürich.</p></body></html>"


def test_latin1_labelled_utf8_cut_inside_a_character_is_still_utf8():
    """A crawler's length limit cut the page inside its last character. Strict UTF-8 failed,
    and the Latin-1 label then turned every accented letter into mojibake ("CafÃ©")."""
    body = (PAGE_UTF8 + " 日本語").encode()[:-2]
    text, charset = hp.decode_html(body, "text/html; charset=iso-8859-1")
    assert charset == "utf-8"
    assert "Café naïve résumé — ça marche très bien à Zürich." in text
    assert text.endswith(" 日本\ufffd") and "Ã" not in text


def test_utf8_page_with_a_few_stray_windows_1252_bytes_is_utf8():
    body = PAGE_UTF8.encode().replace(b"<p>", b"<p>\x93quoted\x94 ")
    for content_type in ("text/html; charset=windows-1252", "text/html"):
        text, charset = hp.decode_html(body, content_type)
        assert charset == "utf-8", content_type
        assert "\ufffdquoted\ufffd Café naïve résumé" in text


def test_windows_1252_text_is_not_taken_for_damaged_utf8():
    # The last byte (é, 0xE9) looks like the start of a cut UTF-8 character; the others are
    # invalid UTF-8 and nothing is valid multi-byte UTF-8.
    body = "crème brûlée, à la française: café".encode("cp1252")
    assert hp.utf8_despite_damage(body) is None
    for content_type in ("text/html; charset=iso-8859-1", "text/html"):
        text, _ = hp.decode_html(body, content_type)
        assert text == "crème brûlée, à la française: café", content_type
    # One accented letter, cut or not, is not evidence of UTF-8 either.
    assert hp.decode_html("café".encode("cp1252"), "text/html; charset=latin-1")[0] == "café"


def test_replacement_characters_the_page_really_holds_are_not_damage():
    body = ("\ufffd" * 3 + " Ü").encode() + b"\xe9"
    assert hp.utf8_despite_damage(body) == "\ufffd" * 3 + " Ü\ufffd"
    assert hp.utf8_despite_damage(b"plain ascii") == "plain ascii"


def test_a_chunked_body_cut_inside_a_size_line_keeps_what_was_dechunked():
    # The framing stayed in the text: "...valleys w c8 ill reopen..." reached the corpus.
    assert hp.dechunk(b"5\r\nhello\r\n6\r\n world\r\nc") == b"hello world"
    assert hp.dechunk(b"5\r\nhello\r\n6\r\n wor") == b"hello wor"  # cut inside data, as before
    assert hp.dechunk(b"no newline at all") == b"no newline at all"


def test_every_gzip_member_of_a_body_is_decoded():
    first, second = b"<html>" + b"a" * 1500, b"b" * 2236 + b"</html>"
    body = gzip.compress(first) + gzip.compress(second)
    assert hp.decode_content_encoding(body, "gzip", 10_000) == first + second  # was 1,506 bytes
    with pytest.raises(hp.PayloadTooLarge):  # the limit counts all members
        hp.decode_content_encoding(body, "gzip", 3_000)


@pytest.mark.parametrize(
    ("text", "label", "codec"),
    [
        # Browsers read these labels with the Encoding Standard's supersets; Python's strict
        # codecs lost sync on the extra characters and garbled their neighbours.
        ("髙島屋 ㈱山田商事 ① Ⅱ", "shift_jis", "cp932"),
        ("髙島屋 ㈱山田商事", "windows-31j", "cp932"),
        ("똠햏뷁 " * 20, "euc-kr", "cp949"),
        ("朱镕基 喆、堃、珺", "gb2312", "gb18030"),
        ("“Türkçe” — ok", "iso-8859-9", "cp1254"),
        ("“ภาษาไทย”", "tis-620", "cp874"),
    ],
)
def test_legacy_labels_decode_as_browsers_do(text, label, codec):
    body = f"<html><body>{text}</body></html>".encode(codec)
    assert hp.decode_html(body, f"text/html; charset={label}") == (
        f"<html><body>{text}</body></html>",
        codec,
    )


def test_utf8_labelled_with_any_single_byte_charset_is_utf8():
    # A template's windows-1251 on a UTF-8 page: mojibake, then language:low_score.
    text = "<html><body>Город и деревня, 2024</body></html>"
    assert hp.decode_html(text.encode(), "text/html; charset=windows-1251") == (text, "utf-8")
    assert hp.decode_html(text.encode("cp1251"), "text/html; charset=windows-1251") == (
        text,
        "cp1251",
    )
    koi8 = "<html><body>Город</body></html>"
    assert hp.decode_html(koi8.encode("koi8-r"), "text/html; charset=koi8-r") == (koi8, "koi8-r")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_mostly_cjk_utf16_without_a_bom_is_read_by_its_header_label(encoding):
    # Too few NULs for the NUL-pattern check: dropped as binary_content, or read as UTF-8.
    text = (
        "<html><body><p>"
        + "这是一个用中文写成的网页，内容是关于天气的长文章。" * 20
        + "</p></body></html>"
    )
    body = text.encode(encoding)
    assert hp.looks_binary(body)  # without the header's word, as before
    assert not hp.looks_binary(body, f"text/html; charset={encoding}")
    assert hp.decode_html(body, "text/html; charset=utf-16") == (text, encoding)
    # a UTF-8 page under a wrong UTF-16 header stays UTF-8; <meta> UTF-16 is never trusted
    plain = "<html><body>plain café</body></html>".encode()
    assert hp.decode_html(plain, "text/html; charset=utf-16") == (plain.decode(), "utf-8")
    assert hp.decode_html(body, "text/html")[1] != encoding
    meta = b'<html><head><meta charset="utf-16"></head><body>caf\xc3\xa9</body></html>'
    assert hp.decode_html(meta, "text/html")[1] == "utf-8"


def test_gzip_members_stay_cheap_and_a_damaged_later_member_keeps_the_first():
    # Each member copied the rest of the body: 262,144 empty members took 11 s in the reader.
    many = gzip.compress(b"") * 262_144
    started = time.process_time()
    assert hp.decode_content_encoding(many, "gzip", 5_000_000) == b""
    assert time.process_time() - started < 2.0
    page = b"<html><body>decoded page</body></html>"
    damaged = bytearray(gzip.compress(b" more"))
    damaged[-8] ^= 0xFF  # bad CRC in the second member
    assert hp.decode_content_encoding(gzip.compress(page) + bytes(damaged), "gzip", 10_000) == page


def test_a_fragment_after_the_last_chunk_that_is_not_a_size_stays_malformed():
    # A lying size line on a body stored without its framing: not a cut, keep the body.
    body = b"10\r\n<html><body><p>Minified page text that goes on and on</p></body></html>"
    assert hp.dechunk(body) == body


def test_utf8_parts_do_not_turn_a_windows_1251_article_into_utf8():
    # A UTF-8 menu include above a windows-1251 article: read as UTF-8, every Cyrillic letter
    # of the article became U+FFFD. Labels of non-Latin scripts allow two damaged bytes only.
    menu = ("<nav>Главная · Каталог · Доставка · Контакты · Корзина</nav>" * 4).encode()
    article = "<article><p>Купить недорого в Москве с доставкой.</p></article>".encode("cp1251")
    text, charset = hp.decode_html(
        b"<html><body>" + menu + article, "text/html; charset=windows-1251"
    )
    assert charset == "cp1251" and "Купить недорого" in text


@pytest.mark.parametrize("label", ["iso-8859-15", "iso-8859-2", "windows-1250", "windows-1251"])
def test_utf8_with_one_stray_byte_under_any_single_byte_label_is_utf8(label):
    # Required to be whole UTF-8 outside the Latin-1 family, such pages became mojibake.
    page = "<html><body>München, über, während; Привет, всё хорошо.</body></html>"
    body = page.encode().replace(b"</body>", b"\x92</body>")
    text, charset = hp.decode_html(body, f"text/html; charset={label}")
    assert charset == "utf-8" and "München, über" in text and "Привет" in text


def test_a_chunked_body_cut_after_a_chunks_cr_is_dechunked():
    data = gzip.compress(b"<html><body>page</body></html>")
    assert hp.dechunk(b"%x\r\n" % len(data) + data + b"\r") == data


def test_many_gzip_members_all_decode_cheaply():
    members = b"".join(gzip.compress(b"<p>line %d</p>" % i) for i in range(300))
    decoded = hp.decode_content_encoding(members, "gzip", 100_000)
    assert decoded.count(b"<p>") == 300 and decoded.endswith(b"<p>line 299</p>")
    # Uncapped and fed whole, each member's end copied the rest of the body (262,144 members:
    # 11 s); capped at 4,096 and fed in 16 KiB steps, a few ms (fed whole, still 0.25 s).
    tail = random.Random(0).randbytes(3_000_000)  # incompressible: each copy is 3 MB
    body = gzip.compress(b"") * 4095 + gzip.compress(tail)
    started = time.process_time()
    assert hp.decode_content_encoding(body, "gzip", 5_000_000) == tail
    assert time.process_time() - started < 0.5


def test_a_binary_under_a_utf16_label_is_still_binary():
    # A 60x60 BMP holds "<" NUL twice in its header; only tags ("<" then a letter) count.
    bmp = (
        b"BM" + struct.pack("<IHHIIiiHH", 0, 0, 0, 54, 40, 60, 60, 1, 24) + bytes(range(1, 256)) * 8
    )
    assert hp.looks_binary(bmp, "text/html; charset=UTF-16")


def test_many_folded_lines_cost_linear_time():
    # Each continuation rebuilt the value: 1.3 million folded lines took 30 s in the reader.
    block = b"HTTP/1.1 200 OK\r\nX-A: v\r\n" + b" a\r\n" * 400_000 + b"\r\n<html></html>"
    started = time.process_time()
    resp = hp.parse_http_response(block)
    assert time.process_time() - started < 0.5
    assert resp.header("X-A") == "v" + " a" * 400_000 and resp.body == b"<html></html>"


def test_folded_header_lines_continue_the_value():
    # obs-fold (RFC 9112 section 5.2): the continuation was dropped, and with it "noai".
    block = (
        b"HTTP/1.1 200 OK\r\nX-Robots-Tag: noindex,\r\n noai\r\nContent-Usage: search=y,\r\n"
        b"\ttrain-ai=n\r\nContent-Type: text/html\r\n\r\n<html></html>"
    )
    resp = hp.parse_http_response(block)
    assert resp.header("X-Robots-Tag") == "noindex, noai"
    assert resp.header("Content-Usage") == "search=y, train-ai=n"
    assert resp.header("Content-Type") == "text/html"


def test_an_interim_response_before_the_final_one_is_skipped():
    """'100 Continue' recorded before '200 OK': the page was lost as http_status 100."""
    block = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>x"
    response = hp.parse_http_response(block)
    assert (response.status, response.header("Content-Type"), response.body) == (
        200, "text/html", b"<p>x",
    )  # fmt: skip
    assert hp.parse_http_response(b"HTTP/1.1 100 Continue\r\n\r\n").status == 100


def test_a_status_of_four_digits_is_no_status():
    assert hp.parse_http_response(b"HTTP/1.1 2000 OK\r\n\r\nx").status is None
    assert hp.parse_http_response(b"HTTP/1.1 200\r\n\r\nx").status == 200


def test_sniffing_a_run_of_comments_takes_linear_time():
    """One regular expression backtracked exponentially: 40 comments never finished."""
    started = time.process_time()
    assert not hp.is_html("text/plain", b"<!--a-->" * 40 + b"plain text")
    assert hp.is_html(None, b"<!--a-->" * 200 + b"<html><body>")
    assert not hp.is_html(None, b"<!-- never closed <html>")
    assert time.process_time() - started < 0.5


def test_zstd_bodies_are_decoded_frame_after_frame():
    """zstd is a content coding browsers send and accept (RFC 8878); it was `binary_content`."""
    import zstandard

    page = b"<html><body>" + b"<p>zstd text</p>" * 500 + b"</body></html>"
    assert hp.decode_content_encoding(zstandard.compress(page), "zstd", 100_000) == page
    two = zstandard.compress(page) + zstandard.compress(b"<p>more</p>")
    assert hp.decode_content_encoding(two, "zstd", 100_000) == page + b"<p>more</p>"
    assert hp.decode_content_encoding(gzip.compress(zstandard.compress(page)), "zstd, gzip",
                                      100_000) == page  # fmt: skip
    # an empty body, compressed: nothing, as an empty gzip body gives (was "does not decode")
    assert hp.decode_content_encoding(zstandard.compress(b""), "zstd", 100_000) == b""
    empty = zstandard.ZstdCompressor(write_checksum=True).compress(b"")
    assert hp.decoded_prefix(empty, "zstd", 100_000) == b""
    # several empty frames, and skippable frames, are empty too
    skippable = b"\x50\x2a\x4d\x18" + (5).to_bytes(4, "little") + b"hello"
    for body in (empty * 3, zstandard.compress(b"") + skippable, skippable + empty):
        assert hp.decoded_prefix(body, "zstd", 100_000) == b""
    # but not an empty frame before one cut short: robots.txt rules read as none at all
    rules = zstandard.compress(b"User-agent: *\nDisallow: /\n" + b"# pad\n" * 500)
    cut = zstandard.compress(b"") + rules[: len(rules) // 2]
    assert hp.decoded_prefix(cut, "zstd", 100_000) is None
    # cut short after some blocks: the blocks it holds, as a gzip stream cut short gives
    long_page = random.Random(1).randbytes(400_000).hex().encode()
    cut = zstandard.compress(long_page)[:-1000]
    decoded = hp.decode_content_encoding(cut, "zstd", 10_000_000)
    assert 0 < len(decoded) < len(long_page) and long_page.startswith(decoded)


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>plain, labelled zstd</body></html>",
        b"(\xb5/\xfd",  # the magic number alone: a frame cut inside its header
        b"(\xb5/\xfd\x04\x58" + bytes(8),  # nothing out of a frame cut inside its first block
    ],
)
def test_zstd_that_does_not_decode_leaves_the_body_as_stored(body):
    assert hp.decode_content_encoding(body, "zstd", 100_000) == body
    assert hp.decoded_prefix(body, "zstd", 100_000) is None


def test_zstd_with_a_failed_checksum_is_not_read():
    import zstandard

    frame = zstandard.ZstdCompressor(write_checksum=True).compress(b"User-agent: *\nDisallow: /\n")
    broken = frame[:-1] + bytes([frame[-1] ^ 1])
    assert hp.decode_content_encoding(broken, "zstd", 100_000) == broken
    assert hp.decoded_prefix(broken, "zstd", 100_000) is None


def test_zstd_bombs_stop_at_the_limit_and_large_windows_are_refused():
    import zstandard

    bomb = zstandard.compress(b"\0" * 50_000_000)
    assert len(bomb) < 5_000
    with pytest.raises(hp.PayloadTooLarge):
        hp.decode_content_encoding(bomb, "zstd", 1_000_000)
    assert hp.decoded_prefix(bomb, "zstd", 1_000) == b"\0" * 1_000
    # a frame asking for a 128 MiB window, past RFC 9659's 8 MiB: refused, not allocated
    params = zstandard.ZstdCompressionParameters(window_log=27, write_content_size=False)
    wide = zstandard.ZstdCompressor(compression_params=params).compressobj()
    frame = wide.compress(b"x" * 100) + wide.flush()
    assert zstandard.get_frame_parameters(frame).window_size == 1 << 27
    assert hp.decode_content_encoding(frame, "zstd", 1_000_000) == frame


@pytest.mark.parametrize(
    ("content_type", "charset"),
    [
        ("text/html; charset=utf-8", "utf-8"),
        # two Content-Type lines, joined: the last type's charset, as browsers read it
        ("text/html; charset=utf-8, text/html; charset=windows-1251", "windows-1251"),
        ("text/html; charset=windows-1251, text/html", "windows-1251"),  # same type, none
        ("text/plain; charset=windows-1251, text/html", None),  # another type: its own
        # three lines: the last charset given with the type (Chromium; Fetch keeps koi8-r)
        ("text/html; charset=koi8-r, text/html; charset=windows-1251, text/html", "windows-1251"),
        # lines that are no type are passed over, as browsers pass over them
        ("text/html; charset=windows-1251, text/html charset=utf-8", "windows-1251"),
        ("text/html; charset=windows-1251, text/", "windows-1251"),
        # no valid type at all: no charset, as browsers take none (the page's <meta> decides)
        ("charset=utf-8", None),
        ("text/html charset=koi8-r", None),
        ("text/; charset=koi8-r", None),
        (None, None),
    ],
)
def test_the_charset_of_a_repeated_content_type_is_the_last_types(content_type, charset):
    assert hp._header_charset(content_type) == charset


def test_a_page_with_two_content_type_lines_is_read_by_the_last(tmp_path):
    """The first line won: a page a browser reads as windows-1251 was read as UTF-8 text with
    a replacement character for every Cyrillic letter."""
    from tests.warc_builder import http_response, write_warc
    from transforms.warc_reader import read_warc_file

    body = "<html><body><p>Привет, мир</p></body></html>".encode("cp1251")
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Type", "text/html; charset=windows-1251"),
    ]
    path = write_warc(
        tmp_path / "two.warc.gz", [http_response("http://e.com/", body, headers=headers)]
    )
    docs, _ = read_warc_file(str(path), 0)
    assert docs[0].content_type == "text/html; charset=utf-8, text/html; charset=windows-1251"
    assert "Привет, мир" in docs[0].html and docs[0].charset == "cp1251"


def test_a_header_without_a_valid_type_gives_no_charset_and_the_meta_decides():
    """`text/html charset=koi8-r` (no ";") is no type: its charset garbled a windows-1251
    page that browsers read by its <meta>."""
    body = '<html><head><meta charset="windows-1251"></head><body>Привет, мир</body></html>'
    text, charset = hp.decode_html(body.encode("cp1251"), "text/html charset=koi8-r")
    assert "Привет, мир" in text and charset == "cp1251"


@pytest.mark.parametrize(
    ("codec", "text"),
    [
        ("euc-kr", "안녕하세요, 세계. 한국어 페이지입니다."),
        ("iso-8859-2", "Zażółć gęślą jaźń, łódź."),
        ("windows-1257", "Labas rytas, Lietuva: ąčęėįšųūž."),
        ("iso-8859-15", "Prix: 20 € par mois."),
    ],
)
@pytest.mark.parametrize("header", ["charset={label}", "text/html charset={label}"])
def test_a_label_in_a_header_without_a_valid_type_still_reads_a_page_without_meta(
    codec, text, header
):
    """Taking no charset from such a header (as browsers take none) left these pages to
    detection, which read EUC-KR as UTF-8 and Polish as windows-1252."""
    body = f"<html><body><p>{text}</p></body></html>".encode(codec)
    decoded, _ = hp.decode_html(body, header.format(label=codec))
    assert text in decoded


@pytest.mark.parametrize(
    ("body", "header", "expected"),
    [
        # a stray Chinese label read UTF-8 pages as gb18030 mojibake
        ("<p>안녕하세요, 세계</p>".encode(), "charset=gb2312", "안녕하세요, 세계"),
        ("<p>Café crème brûlée</p>".encode(), "text/html charset=gbk", "Café crème brûlée"),
        # a UTF-8 page with three damaged bytes stays UTF-8, not windows-1251 mojibake
        ("<p>Привет, мир</p>".encode() + b"\x92\x93\x94", "charset=windows-1251", "Привет, мир"),
        # a stray utf-8 label on a windows-1252 page: not read as damaged UTF-8
        ("<p>Café crème</p>".encode("cp1252"), "charset=utf-8", "Café crème"),
        # an ASCII page under a label browsers do not know stays ASCII
        (b"<p>Plain text page</p>", "charset=ibm037", "Plain text page"),
    ],
)
def test_a_stray_header_label_never_beats_utf8(body, header, expected):
    """The type-less header's label is read after the UTF-8 check and only where it reads
    every byte (review of the first version, which put it before UTF-8)."""
    text, _ = hp.decode_html(b"<html><body>" + body + b"</body></html>", header)
    assert expected in text


_KO = "대한민국은 동아시아의 한반도 남부에 위치한 민주공화국이다. 수도는 서울특별시이며, 공용어는 한국어이다."
_ZH = "中华人民共和国位于亚洲东部，太平洋西岸，是世界上人口最多的国家之一。"
_TW = "臺灣位於東亞，是一個島嶼，首都為臺北市。"


@pytest.mark.parametrize(
    ("body", "label", "text"),
    [
        (("<html><body><p>" + _KO * 2).encode("euc_kr")[:-1], "charset=euc-kr", _KO),
        (("<html><body><p>" + _KO * 2).encode("euc_kr")[:-1], "text/html charset=euc-kr", _KO),
        (b"<html><body><p>" + (_ZH * 5).encode("gbk") + b"\xff</p>", "charset=gbk", _ZH),
        (b"<html><body><p>" + (_TW * 5).encode("big5") + b"\xff</p>", "charset=big5", _TW),
        (("<html><body><p>" + _KO[:-1] * 2).encode("euc_kr")[:-1], "charset=euc-kr", _KO[:20]),
    ],
)
def test_a_stray_label_still_reads_a_slightly_damaged_page(body, label, text):
    """Read only where it decoded every byte, the label lost pages cut inside their last
    character, or with one stray byte, to detection (EUC-KR as UTF-8 damage)."""
    decoded, _ = hp.decode_html(body, label)
    assert text in decoded and decoded.count("\ufffd") <= 1
