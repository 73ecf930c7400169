"""FineWeb's URL filter: block lists of domains and URLs, banned and soft-banned URL words,
banned substrings. Lists are bundled in data/url_blocklist/ (see its README) plus the config's
extra entries; nothing is downloaded."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from urllib.parse import urlsplit

from transforms.filters.config import BLOCKLIST_DIR
from transforms.filters.rules import Verdict, is_enabled, verdict

NAME = "url_filter"
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")
# tldextract reads these as dots (and datatrove's subdomain rule uses its reading).
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def read_list(path: Path) -> list[str]:
    """Entries of a bundled list: stripped lines, blank lines and '#' comments left out."""
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]


def url_words(url: str) -> set[str]:
    """The lower-cased runs of ASCII letters and digits of a URL. Split before lower-casing, as
    datatrove does: str.lower() turns some non-ASCII letters into ASCII (İ -> i, Kelvin K -> k)."""
    return {word.lower() for word in _NON_ALNUM.split(url)} - {""}


def squeeze(text: str) -> str:
    """Everything but ASCII letters and digits removed, then lower-cased (datatrove's order)."""
    return _NON_ALNUM.sub("", text).lower()


def _host_names(url: str) -> list[str]:
    """The URL's host followed by its parent names ("a.b.c.com" -> a.b.c.com, b.c.com, ...).
    The host is read as tldextract reads it: ideographic full stops are dots, surrounding blanks
    and trailing dots are dropped; lower-cased (urlsplit stops lower-casing at a '%')."""
    try:
        host = (urlsplit(url).hostname or "").translate(_DOTS).strip().rstrip(".").lower()
    except ValueError:  # e.g. a malformed IPv6 literal
        return []
    parts = host.split(".") if host else []
    return [".".join(parts[i:]) for i in range(len(parts))]


@functools.lru_cache(maxsize=1)
def _domain_splitter():
    """tldextract with no suffix-list URLs and no cache: it uses the snapshot it ships
    (offline). Loading the snapshot takes ~30 ms, so one instance serves the process."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


class UrlFilter:
    """`check(url)`: block-listed domain, host, URL, banned word, soft-banned words, subword."""

    def __init__(self, section: dict):
        bundled = section["use_integrated_lists"]

        def entries(file_name: str, extra: list[str]) -> list[str]:
            return (read_list(BLOCKLIST_DIR / file_name) if bundled else []) + list(extra)

        self.domains = {
            d.lower().rstrip(".") for d in entries("domains.txt", section["extra_domains"])
        }
        self.urls = set(entries("urls.txt", section["extra_urls"]))
        self.banned_words = {
            squeeze(w) for w in entries("banned_words.txt", section["banned_words"])
        }
        self.soft_banned_words = {
            squeeze(w) for w in entries("soft_banned_words.txt", section["soft_banned_words"])
        }
        self.banned_subwords = sorted(
            {squeeze(w) for w in entries("banned_subwords.txt", section["banned_subwords"])} - {""}
        )
        self.soft_word_threshold = section["soft_word_threshold"]
        self._extract = _domain_splitter()

    def registered_domain(self, host: str) -> str:
        parts = self._extract(host)
        if hasattr(parts, "top_domain_under_public_suffix"):  # tldextract >= 5.3
            return parts.top_domain_under_public_suffix
        return parts.registered_domain

    def check(self, url: str) -> Verdict:
        names = _host_names(url)
        registered = self.registered_domain(names[0]) if names else ""
        # Host names below the registered domain (or the bare host when there is none, e.g. an IP).
        sub_names = names[: names.index(registered)] if registered in names else names[:1]
        words = url_words(url)
        squeezed = squeeze(url)
        values = {
            "domain": registered in self.domains if registered else False,
            "subdomain": any(name in self.domains for name in sub_names),
            "url": url in self.urls or _SCHEME.sub("", url) in self.urls,
            "banned_words": len(words & self.banned_words),
            "soft_banned_words": len(words & self.soft_banned_words),
            "banned_subwords": sum(1 for sub in self.banned_subwords if sub in squeezed),
        }
        failed = [rule for rule in ("domain", "subdomain", "url", "banned_words") if values[rule]]
        if (
            is_enabled(self.soft_word_threshold)
            and values["soft_banned_words"] >= self.soft_word_threshold
        ):
            failed.append("soft_banned_words")
        if values["banned_subwords"]:
            failed.append("banned_subwords")
        return verdict(NAME, values, failed)
