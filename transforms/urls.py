"""One form for the percent-escapes of a URL's path and query (RFC 3986 section 6.2.2), so
that two spellings of one URL compare equal: robots.txt rules against page URLs
(transforms/robots.py, RFC 9309 section 2.2.2) and takedown requests against the ledger
(pipeline/audit/takedown.py)."""

from __future__ import annotations

import re

UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


def canonical_escapes(text: str) -> str:
    """Non-ASCII characters, spaces and controls percent-encoded as UTF-8, escapes of
    unreserved characters decoded, the other escapes' hex digits upper-cased: `/%7efoo` and
    `/~foo` are one path, `/été` and `/%c3%a9t%C3%A9` too; `%2F` stays apart from `/`, and an
    escape that is not UTF-8 (`%E9`) from every other."""

    def fix_escape(m: re.Match) -> str:
        char = chr(int(m.group(1), 16))
        return char if char in UNRESERVED else "%" + m.group(1).upper()

    out = []
    for ch in text:
        if ord(ch) < 0x21 or ord(ch) >= 0x7F:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "replace")))
        else:
            out.append(ch)
    return _ESCAPE.sub(fix_escape, "".join(out))
