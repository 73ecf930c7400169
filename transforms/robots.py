"""robots.txt as of the crawl: an RFC 9309 parser, its evaluation for AI crawlers, and an index of
the robots.txt responses Common Crawl publishes per crawl (WARC files, `--robots PATH`).

Why not `urllib.robotparser`: it applies the first matching rule instead of the longest one, has
no `*`/`$` wildcards, matches user-agents by substring (a `Google` group would capture
`Google-Extended`) and does not merge groups naming the same agent. Each of these changes the
answer for the agents we report, so this module implements RFC 9309 directly.

It also reads the `Content-Usage` rule of the IETF AI-preferences drafts (draft-ietf-aipref-attach:
`Content-Usage: <path> <preference>` inside a group) and the preference vocabulary of
draft-ietf-aipref-vocab (`train-ai=n, search=y`, an RFC 9651 Dictionary).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
import zlib
from collections.abc import Iterable
from urllib.parse import SplitResult, urljoin, urlsplit

from transforms.document import crawl_epoch
from transforms.urls import canonical_escapes

log = logging.getLogger(__name__)

# The agents ccprov reports on: Common Crawl's own crawler, OpenAI's training crawler, Google's
# AI-training token, and the default group. Column names derive from these (see to_attributes).
AGENTS = ("CCBot", "GPTBot", "Google-Extended", "*")

# RFC 9309 2.5: crawlers must parse at least 500 KiB; beyond that we stop reading.
MAX_ROBOTS_BYTES = 500 * 1024
# A record's block as the reader keeps it: the rules' first MAX_ROBOTS_BYTES are read, as
# crawlers read them, and compressed they take no more than this.
_ROBOTS_BLOCK_CAP = 8 * MAX_ROBOTS_BYTES
# Status lines crawlers' records hold that HTTP's grammar does not ("http/1.1 200",
# "HTTP 200", "ICY 200", "HTTP/1.1 0200"): read as warcio read them.
_LENIENT_STATUS = re.compile(rb"^[ \t\r\n]*[A-Za-z]+(?:/[^\s]*)?[ \t]+0*(\d{3})(?![\d])")
MAX_REDIRECTS = 5  # RFC 9309 2.3.1.2

# Status of the robots.txt used for a URL (the `robots_status` column).
STATUS_OK = "ok"  # 2xx: parsed and evaluated
STATUS_UNAVAILABLE = "unavailable"  # 4xx: RFC 9309 says everything may be crawled
STATUS_UNREACHABLE = "unreachable"  # 5xx: RFC 9309 says assume complete disallow
STATUS_REDIRECT_UNRESOLVED = "redirect_unresolved"  # 3xx whose target is not in the index
STATUS_NO_RECORD = "no_record"  # no robots.txt response for this host in the given files
STATUS_ERROR = "error"

# Tolerated spellings of the keys (Google's parser accepts similar typos).
_KEY_ALIASES = {
    "user-agent": "user-agent",
    "useragent": "user-agent",
    "user agent": "user-agent",
    "allow": "allow",
    "disallow": "disallow",
    "dissallow": "disallow",
    "dissalow": "disallow",
    "disalow": "disallow",
    "disallaw": "disallow",
    "content-usage": "content-usage",
    "content-signal": "content-signal",
}
# Cloudflare's Content Signals (robots.txt `Content-Signal: search=yes, ai-train=no`, put in
# the managed robots.txt of millions of sites since September 2025;
# contentsignals.org): read as the AI-preference categories they name.
_CONTENT_SIGNAL_KEYS = {"ai-train": "train-ai", "ai-input": "ai-use", "search": "search"}
_CONTENT_SIGNAL_VALUES = {"yes": "y", "no": "n"}


def content_signal_as_usage(value: str) -> str:
    """`search=yes, ai-train=no` -> `search=y, train-ai=n` (unknown keys and values left out)."""
    out = []
    for part in value.split(","):
        key, _, val = part.partition("=")
        key = _CONTENT_SIGNAL_KEYS.get(key.strip().lower())
        val = _CONTENT_SIGNAL_VALUES.get(val.strip().lower())
        if key and val:
            out.append(f"{key}={val}")
    return ", ".join(out)


_PRODUCT_TOKEN = re.compile(r"[A-Za-z_-]+")


# --------------------------------------------------------------------------------------------
# AI usage preferences (draft-ietf-aipref-vocab): an RFC 9651 Dictionary of category -> y/n
# --------------------------------------------------------------------------------------------

# Categories of the current vocabulary draft plus `train-genai` from its earlier revisions: a
# generative-model training opt-out is what matters for an LLM corpus, so both are kept.
# `bots` (automated processing; `all` in earlier revisions) holds the others, and
# `train-ai` holds `train-genai`: a category without a statement takes its holder's (vocab
# draft section 5), so `bots=n` says no training too.
AI_PREF_CATEGORIES = ("bots", "train-ai", "train-genai", "ai-use", "search")
_CATEGORY_ALIASES = {"all": "bots"}
_HELD_BY = {"train-ai": "bots", "train-genai": "train-ai", "ai-use": "bots", "search": "bots"}


_SF_NUMBER = re.compile(r"-?\d{1,15}(\.\d{1,3})?")
_SF_TOKEN = re.compile(r"[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*")


class _SFError(ValueError):
    pass


class _SFParser:
    """Just enough of RFC 9651 (Structured Field Values) section 4.2 to parse a Dictionary."""

    def __init__(self, text: str):
        self.s = text
        self.i = 0

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def skip_sp(self) -> None:
        while self.peek() == " ":
            self.i += 1

    def skip_ows(self) -> None:
        while self.peek() in (" ", "\t") and self.peek():
            self.i += 1

    def key(self) -> str:
        c = self.peek()
        if not (c.islower() and c.isascii() or c == "*"):
            raise _SFError(f"bad key at {self.i}")
        start = self.i
        while (c := self.peek()) and (
            (c.isascii() and (c.islower() or c.isdigit())) or c in "_-.*"
        ):
            self.i += 1
        return self.s[start : self.i]

    def bare_item(self):
        c = self.peek()
        if c == '"':
            return self.string()
        if c == ":":
            end = self.s.find(":", self.i + 1)
            if end < 0:
                raise _SFError("unterminated byte sequence")
            value = ("bytes", self.s[self.i + 1 : end])
            self.i = end + 1
            return value
        if c == "?":
            flag = self.s[self.i + 1 : self.i + 2]
            if flag not in ("0", "1"):
                raise _SFError("bad boolean")
            self.i += 2
            return flag == "1"
        if c == "-" or c.isdigit():
            m = _SF_NUMBER.match(self.s, self.i)
            if not m:
                raise _SFError("bad number")
            self.i = m.end()
            return float(m.group()) if m.group(1) else int(m.group())
        if c.isalpha() and c.isascii() or c == "*":
            m = _SF_TOKEN.match(self.s, self.i)
            self.i = m.end()
            return ("token", m.group())
        raise _SFError(f"bad item at {self.i}")

    def string(self) -> str:
        self.i += 1
        out = []
        while self.i < len(self.s):
            c = self.s[self.i]
            self.i += 1
            if c == "\\":
                nxt = self.s[self.i : self.i + 1]
                if nxt not in ('"', "\\"):
                    raise _SFError("bad escape")
                out.append(nxt)
                self.i += 1
            elif c == '"':
                return "".join(out)
            elif not (" " <= c <= "~"):
                raise _SFError("bad char in string")
            else:
                out.append(c)
        raise _SFError("unterminated string")

    def parameters(self) -> None:
        while self.peek() == ";":
            self.i += 1
            self.skip_sp()
            self.key()
            if self.peek() == "=":
                self.i += 1
                self.bare_item()

    def item_or_inner_list(self):
        if self.peek() == "(":
            self.i += 1
            while True:
                self.skip_sp()
                if self.peek() == ")":
                    self.i += 1
                    break
                if not self.peek():
                    raise _SFError("unterminated inner list")
                self.bare_item()
                self.parameters()
                if self.peek() not in (" ", ")"):
                    raise _SFError("bad inner list")
            self.parameters()
            return ("inner-list", None)
        value = self.bare_item()
        self.parameters()
        return value

    def dictionary(self) -> dict:
        out: dict = {}
        self.skip_sp()
        while self.i < len(self.s):
            name = self.key()
            if self.peek() == "=":
                self.i += 1
                value = self.item_or_inner_list()
            else:
                value = True
                self.parameters()
            out[name] = value  # RFC 9651: the last occurrence of a key wins
            self.skip_ows()
            if self.i >= len(self.s):
                return out
            if self.peek() != ",":
                raise _SFError(f"expected comma at {self.i}")
            self.i += 1
            self.skip_ows()
            if self.i >= len(self.s):
                raise _SFError("trailing comma")
        return out


def parse_usage_preferences(value: str | None) -> dict[str, str]:
    """Parse a Content-Usage value (`train-ai=n, search=y`) into {category: "y"|"n"}.

    Per draft-ietf-aipref-vocab section 6: a Dictionary that does not parse yields no preference
    at all; values other than the tokens `y`/`n` and unknown keys are ignored.
    """
    if not value:
        return {}
    try:
        parsed = _SFParser(value.strip(" \t")).dictionary()
    except (_SFError, IndexError, AttributeError):
        return {}
    prefs = {}
    for key, item in parsed.items():
        category = _CATEGORY_ALIASES.get(key, key)
        if category not in AI_PREF_CATEGORIES or category in prefs and key != category:
            continue  # an unknown key; or `all` where `bots` is given too
        if isinstance(item, tuple) and item[0] == "token" and item[1] in ("y", "n"):
            prefs[category] = item[1]
    for category in AI_PREF_CATEGORIES:  # inherited preferences, holders first
        holder = _HELD_BY.get(category)
        if category not in prefs and holder in prefs:
            prefs[category] = prefs[holder]
    return prefs


def combine_usage_preferences(*prefs: dict[str, str]) -> dict[str, str]:
    """Combine statements per category, most restrictive first (vocab draft section 5.1)."""
    out: dict[str, str] = {}
    for pref in prefs:
        for category, value in pref.items():
            if value == "n" or category not in out:
                out[category] = value
    return out


# --------------------------------------------------------------------------------------------
# RFC 9309 parsing and matching
# --------------------------------------------------------------------------------------------


def _pattern_matches(pattern: str, path: str) -> bool:
    """`*` matches any sequence, a final `$` anchors the end; everything else is literal.

    Matched piece by piece with str.find, in time linear in the path for each piece: as a
    regex, `Disallow: /*a*a*a*a*a*a*b$` backtracked for 16 s on one 100-character path (RFC
    9309 section 3 asks crawlers to survive hostile files). Taking each middle piece at its
    leftmost place is never wrong: a later place leaves less room for the rest.
    """
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    if "*" not in body:
        return path == body if anchored else path.startswith(body)
    first, *middle, last = body.split("*")
    if not path.startswith(first):
        return False
    at = len(first)
    for piece in middle:
        found = path.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    if anchored:
        return len(path) - len(last) >= at and path.endswith(last)
    return path.find(last, at) >= 0


@dataclasses.dataclass
class _Group:
    agents: list[str] = dataclasses.field(default_factory=list)  # lowercased product tokens
    rules: list[tuple[bool, str]] = dataclasses.field(default_factory=list)  # (allow, pattern)
    usage: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (pattern, pref)


@dataclasses.dataclass(frozen=True)
class AgentVerdict:
    allowed: bool
    matched_rule: str | None  # e.g. "disallow: /private" (None when no rule matched)
    content_usage: str | None  # the Content-Usage preference that applies, raw


class RobotsTxt:
    """One parsed robots.txt file."""

    def __init__(self, groups: list[_Group]):
        self._groups = groups

    @classmethod
    def parse(cls, content: bytes | str) -> RobotsTxt:
        if isinstance(content, bytes):
            content = content[:MAX_ROBOTS_BYTES].decode("utf-8", "replace")
        else:
            content = content[:MAX_ROBOTS_BYTES]
        groups: list[_Group] = []
        current: _Group | None = None
        in_rules = False  # a user-agent line after rules starts a new group
        for raw_line in re.split(r"\r\n|\r|\n", content.lstrip("\ufeff")):
            line = raw_line.split("#", 1)[0].strip()
            if ":" not in line:
                continue
            key, value = line.split(":", 1)
            key = _KEY_ALIASES.get(re.sub(r"\s+", " ", key.strip().lower()))
            value = value.strip()
            if key == "user-agent":
                if current is None or in_rules:
                    current = _Group()
                    groups.append(current)
                    in_rules = False
                token = "*" if value.startswith("*") else _PRODUCT_TOKEN.match(value)
                if token == "*":
                    current.agents.append("*")
                elif token:
                    current.agents.append(token.group().lower())
            elif key in ("allow", "disallow"):
                if current is None:
                    continue  # rules before any user-agent line belong to no group
                in_rules = True
                if value:  # an empty value is no rule (an empty Disallow allows everything)
                    current.rules.append((key == "allow", canonical_escapes(_as_pattern(value))))
            elif key in ("content-usage", "content-signal"):
                if current is None:
                    continue
                in_rules = True
                if key == "content-signal":  # no path: the group's whole site
                    value = "/ " + content_signal_as_usage(value)
                if not value.startswith("/"):
                    value = "/ " + value  # early drafts had no path: it then covers the site
                path, pref = (re.split(r"[ \t]+", value, maxsplit=1) + [""])[:2]
                if pref.strip():
                    current.usage.append((canonical_escapes(path), pref.strip()))
        return cls(groups)

    def _groups_for(self, agent: str) -> list[_Group]:
        token = agent.lower()
        exact = [g for g in self._groups if token in g.agents]
        if exact or token == "*":
            return exact
        return [g for g in self._groups if "*" in g.agents]

    def evaluate(self, url_or_path: str, agent: str) -> AgentVerdict:
        """May `agent` crawl this URL, and which Content-Usage rule applies to it?"""
        path = _path_of(url_or_path)
        if path == "/robots.txt":
            return AgentVerdict(True, None, None)
        groups = self._groups_for(agent)
        best: tuple[int, bool, str] | None = None  # (length, allow, pattern)
        for group in groups:
            for allow, pattern in group.rules:
                if _pattern_matches(pattern, path):
                    # Longest pattern wins; on a tie the least restrictive (allow) wins.
                    candidate = (len(pattern), allow, pattern)
                    if best is None or candidate[:2] > best[:2]:
                        best = candidate
        allowed = best is None or best[1]
        matched = None if best is None else f"{'allow' if best[1] else 'disallow'}: {best[2]}"
        usage = None
        if allowed:
            usage = _best_usage([u for g in groups for u in g.usage], path)
        return AgentVerdict(allowed, matched, usage)


def _best_usage(rules: list[tuple[str, str]], path: str) -> str | None:
    """The Content-Usage preference of the longest matching path; equal paths combine."""
    best_len, prefs = -1, []
    for pattern, pref in rules:
        if _pattern_matches(pattern, path):
            if len(pattern) > best_len:
                best_len, prefs = len(pattern), [pref]
            elif len(pattern) == best_len:
                prefs.append(pref)
    # One value per line: a value may hold "; " itself (an RFC 9651 string parameter).
    return "\n".join(prefs) if prefs else None


def _as_pattern(value: str) -> str:
    return value if value.startswith(("/", "*")) else "/" + value


def _path_of(url_or_path: str) -> str:
    if url_or_path.startswith("/"):
        return canonical_escapes(url_or_path)
    return _path_and_query(urlsplit(url_or_path))


def _path_and_query(parts: SplitResult) -> str:
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return canonical_escapes(path)


# --------------------------------------------------------------------------------------------
# Verdict for one page and the index of robots.txt responses
# --------------------------------------------------------------------------------------------


def agent_column(agent: str) -> str:
    """Ledger column of an agent's verdict: robots_allows_ccbot, ..., robots_allows_star."""
    name = "star" if agent == "*" else agent.lower().replace("-", "_")
    return f"robots_allows_{name}"


@dataclasses.dataclass
class RobotsVerdict:
    """What the host's robots.txt (as fetched during the crawl) says about one page URL."""

    status: str
    fetch_date: str | None = None  # WARC-Date of the robots.txt response used
    allowed: dict[str, bool | None] = dataclasses.field(default_factory=dict)  # agent -> verdict
    content_usage: str | None = None  # Content-Usage rule value for CCBot (the acquirer)

    @property
    def usage_preferences(self) -> dict[str, str]:
        if not self.content_usage:
            return {}
        return combine_usage_preferences(
            *(parse_usage_preferences(v) for v in self.content_usage.split("\n"))
        )

    def disallowed_agents(self) -> list[str]:
        """Agents an explicit, parsed robots.txt disallows (not 5xx 'assume disallow')."""
        if self.status != STATUS_OK:
            return []
        return [a for a in AGENTS if self.allowed.get(a) is False]


def evaluate_robots(robots: RobotsTxt, url: str) -> RobotsVerdict:
    verdicts = {agent: robots.evaluate(url, agent) for agent in AGENTS}
    return RobotsVerdict(
        status=STATUS_OK,
        allowed={agent: v.allowed for agent, v in verdicts.items()},
        content_usage=verdicts["CCBot"].content_usage,
    )


@dataclasses.dataclass(slots=True)
class _RobotsRecord:
    fetched: float  # epoch seconds of WARC-Date
    fetch_date: str
    status: int | None
    body_zlib: bytes = b""  # the body, compressed: every worker holds every host's
    location: str | None = None


def _compress(body: bytes) -> bytes:
    # Raw deflate with a 4 KB window: its state (about 20 KB) stays under the fixed mmap
    # threshold of ccprov's processes (pipeline/local_worker.py), where zlib's default
    # 256 KB state was mapped and unmapped for each body: 6 µs a body instead of 47.
    compressor = zlib.compressobj(6, zlib.DEFLATED, -12, 4)
    return compressor.compress(body) + compressor.flush()


def _parse_compressed(body_zlib: bytes) -> RobotsTxt:
    return RobotsTxt.parse(zlib.decompress(body_zlib, -15) if body_zlib else b"")


def _authority(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not host or scheme not in ("http", "https"):
        return None
    default = {"http": 80, "https": 443}[scheme]
    suffix = f":{port}" if port and port != default else ""
    return f"{scheme}://{host.lower()}{suffix}"


# A robots.txt fetched after a page stands for it only within this time: a crawl fetches a
# host's robots.txt while it crawls the host (Common Crawl's crawls last about two weeks).
LATER_FETCH_MAX_S = 31 * 24 * 3600

# Parsed robots.txt kept per worker (about 5 KB each): the hosts a page stream brings back
# soon. Unbounded, the parses grew with the hosts a worker had seen, i.e. with its input.
PARSED_ROBOTS_CACHED = 4096


class RobotsIndex:
    """robots.txt fetches by scheme://host[:port], each host's sorted by date; every other
    response of the --robots files by its URL, found only as a redirect's target. len() is
    the number of hosts with a /robots.txt fetch.

    Every worker loads the whole index (bench/bench_robots.py: about 0.65 KB and 45 µs of
    loading a host); rules are parsed when a page first needs them, and only the last
    PARSED_ROBOTS_CACHED parses are kept.
    """

    def __init__(self) -> None:
        self._by_authority: dict[str, list[_RobotsRecord]] = {}  # /robots.txt fetches
        # Any other response of the --robots files, by URL: a redirect's target can be any path
        # (/robots-en.txt, /robots.txt?lang=en). Keyed by host alone, a redirect to another
        # path of the same host found the redirect again, and ended as allowed for everyone.
        self._by_url: dict[str, list[_RobotsRecord]] = {}
        self._parsed = functools.lru_cache(maxsize=PARSED_ROBOTS_CACHED)(_parse_compressed)

    def __len__(self) -> int:
        return len(self._by_authority)

    def add(
        self,
        robots_url: str,
        status: int | None,
        body: bytes | None,
        warc_date: str | None,
        location: str | None = None,
    ) -> None:
        indexed = _index_key(robots_url)
        if indexed is None:
            return
        key, is_robots_txt = indexed
        records_by = self._by_authority if is_robots_txt else self._by_url
        if location:
            location = urljoin(robots_url, location.strip())
        record = _RobotsRecord(
            fetched=crawl_epoch(warc_date) or 0.0,
            fetch_date=warc_date or "",
            status=status,
            body_zlib=_compress(body[:MAX_ROBOTS_BYTES]) if body else b"",
            location=location,
        )
        records = records_by.setdefault(key, [])
        records.append(record)
        records.sort(key=lambda r: r.fetched)

    @classmethod
    def from_warc_paths(cls, paths: Iterable[str]) -> RobotsIndex:
        """In sorted order: records fetched at the same second keep the order they were added
        in, and the run's config_hash records the files as a sorted list."""
        index = cls()
        for path in sorted(paths):
            index.add_warc(path)
        return index

    def add_warc(self, path: str) -> int:
        """Add every robots.txt response of one WARC file (local path or any Beam filesystem).

        The file is framed by the pipeline's own reader, so damage is seen wherever it falls,
        and a damaged stretch is skipped with reading going on after it. A response whose
        rules cannot be read (cut short, no status line, compressed data that does not
        decode or fails its check) is indexed as a fetch with an unknown verdict (`error`): left out, an older
        fetch of the host, perhaps more permissive, would speak for it. One warning per file
        says what could not be read. One damaged robots file must not stop a run that it only
        annotates."""
        from transforms.warc_reader import RawRecord, iter_raw_records

        added = 0
        problems: list[str] = []
        try:
            with _open_binary(path) as stream:
                for item in iter_raw_records(stream, _ROBOTS_BLOCK_CAP):
                    if not isinstance(item, RawRecord):
                        problems.append(f"{item.kind} at byte {item.offset}")
                        continue
                    if item.rec_type != "response":
                        continue
                    added += 1
                    if problem := self._add_record(item):
                        problems.append(f"a response with {problem} at byte {item.offset}")
        except Exception as exc:  # noqa: BLE001 - the stream itself failed (after retries)
            first = str(exc).splitlines()[0][:200] if str(exc) else ""
            problems.append(f"unreadable from there ({type(exc).__name__}: {first})")
        if problems:
            log.warning(
                "--robots %s: %d responses read; unreadable: %s",
                path,
                added,
                ", ".join(problems[:3])
                + (f" and {len(problems) - 3} more" if problems[3:] else ""),
            )
        return added

    def _add_record(self, record) -> str | None:
        """Index one robots.txt response record; what made its rules unreadable, or None."""
        from transforms import http_payload
        from transforms.warc_reader import clean_uri

        url = clean_uri(record.header("WARC-Target-URI")) or ""
        date = record.header("WARC-Date")
        if record.problem:
            self.add(url, None, None, date)
            return f"its record cut short ({record.problem})"
        response = _lenient_http_response(record.block)
        if response.status is None:
            self.add(url, None, None, date)
            return "no HTTP status line"
        location = response.header("Location")
        if not 200 <= response.status < 300:
            self.add(url, response.status, None, date, location=location)  # no rules to read
            return None
        body = response.dechunked_body()
        encoding = response.header("Content-Encoding")
        rules = http_payload.decoded_prefix(body, encoding, MAX_ROBOTS_BYTES)
        if rules is None and not http_payload.looks_binary(body[:MAX_ROBOTS_BYTES]):
            rules = body[:MAX_ROBOTS_BYTES]  # labelled with a coding it was not sent in
        if rules is None:
            # read as rules, its bytes would be no rules at all: everything allowed
            self.add(url, None, None, date)
            return f"compressed data that does not decode (Content-Encoding: {encoding})"
        self.add(url, response.status, rules, date, location=location)
        return None

    @staticmethod
    def _record_at(
        records_by: dict[str, list[_RobotsRecord]], key: str, when: float | None
    ) -> _RobotsRecord | None:
        records = records_by.get(key)
        if not records:
            return None
        if when is None:
            return records[-1]
        # The fetch in effect when the page was crawled: the latest one not after it, else the
        # earliest (robots.txt fetched just after the page within the same crawl), but not one
        # from a later crawl: a site's later robots.txt does not speak for pages crawled before
        # (the AI-preferences attachment draft: preferences do not apply retroactively).
        before = [r for r in records if r.fetched <= when]
        if before:
            return before[-1]
        return records[0] if records[0].fetched - when <= LATER_FETCH_MAX_S else None

    def evaluate(self, url: str | None, warc_date: str | None = None) -> RobotsVerdict:
        """The verdict of the robots.txt in effect for `url` at `warc_date` (its crawl time)."""
        key = _authority(url or "")
        if key is None:
            return RobotsVerdict(STATUS_NO_RECORD)
        when = crawl_epoch(warc_date)
        record = self._record_at(self._by_authority, key, when)
        if record is None:
            # Hosts are often fetched under one scheme and redirected to the other.
            other = ("https" if key.startswith("http:") else "http") + key[key.index(":") :]
            record = self._record_at(self._by_authority, other, when)
        for _ in range(MAX_REDIRECTS + 1):
            if record is None:
                return RobotsVerdict(STATUS_NO_RECORD)
            status = record.status or 0
            if 300 <= status < 400 and record.location:
                record = self._redirect_target(record.location, when)
                if record is None:
                    return RobotsVerdict(STATUS_REDIRECT_UNRESOLVED)
                continue
            break
        else:
            return RobotsVerdict(STATUS_UNAVAILABLE, allowed={a: True for a in AGENTS})
        date = record.fetch_date or None
        if 200 <= status < 300:
            verdict = evaluate_robots(self._parsed(record.body_zlib), url)
            verdict.fetch_date = date
            return verdict
        if 400 <= status < 500:
            return RobotsVerdict(STATUS_UNAVAILABLE, date, {a: True for a in AGENTS})
        if status >= 500:
            return RobotsVerdict(STATUS_UNREACHABLE, date, {a: False for a in AGENTS})
        return RobotsVerdict(STATUS_ERROR, date)

    def _redirect_target(self, location: str, when: float | None) -> _RobotsRecord | None:
        """The fetch of a redirect's target: another host's /robots.txt, or any URL fetched."""
        indexed = _index_key(location)
        if indexed is None:
            return None
        key, is_robots_txt = indexed
        return self._record_at(self._by_authority if is_robots_txt else self._by_url, key, when)


def _index_key(url: str) -> tuple[str, bool] | None:
    """(key, whether it is the host's /robots.txt): scheme://host[:port] as `_authority` gives
    it for /robots.txt, else that followed by the path without dot segments and the query,
    percent-encoded one way: a Location of `/x/../r%c3%a9.txt` and a fetch of `/r%C3%A9.txt`
    are one URL."""
    authority = _authority(url)
    if authority is None:
        return None
    parts = urlsplit(url.strip())
    path = _path_and_query(parts._replace(path=_without_dot_segments(parts.path or "/")))
    return (authority, True) if path == "/robots.txt" else (authority + path, False)


def _without_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, for an absolute path."""
    out: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/".join(out)  # out[0] is the "" before the path's first "/"


def _open_binary(path: str):
    """Raw bytes of a file: the reader frames the gzip members itself, so no decompression.
    Remote files (http(s) and Beam's filesystems) are read as the inputs are, resuming after
    a dropped connection: a crawl's robots.txt WARC files are hundreds of MB."""
    if "://" not in path:
        return open(path, "rb")
    from transforms.warc_reader import open_input

    return open_input(path)


class UnreadableWarc(ValueError):
    """A --robots file whose first record does not read."""


def _unreadable(exc: Exception) -> UnreadableWarc:
    """The launch check's line for a file whose stream failed before its first record."""
    detail = (str(exc).splitlines() or [""])[0][:150]
    if not (detail.isascii() and detail.isprintable()):
        detail = ""
    return UnreadableWarc(
        f"not a readable WARC file ({type(exc).__name__}{': ' + detail if detail else ''})"
    )


# What the launch check reads of a --robots file at most: after a damaged stretch the reader
# scans on to the next record, which in a damaged file can be its end (110 MB read twice).
LAUNCH_CHECK_BYTES = 16 * 1024 * 1024


class _FirstBytes:
    """The first `limit` bytes of a stream, then its end."""

    def __init__(self, stream, limit: int):
        self._stream, self._left = stream, limit

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        want = self._left if size is None or size < 0 else min(size, self._left)
        data = self._stream.read(want)
        self._left -= len(data)
        return data

    def seekable(self) -> bool:
        return False


def robots_fetches_at_start(path: str, responses: int = 20, records: int = 500) -> tuple[int, int]:
    """(responses read, how many were /robots.txt fetches) among the first `responses`
    responses, within the first `records` records and LAUNCH_CHECK_BYTES bytes, of a --robots
    file: a crawl's robots.txt WARC holds nothing else, so none at all says the file is
    something else (the run's own WARC files, or a WET file, say). Framed by the reader
    `add_warc` uses, so the launch and the workers read the file alike; damaged stretches
    count as records and are skipped, as there. Raises UnreadableWarc when the file does not
    open, holds no WARC record where one must start, or none of what was read is a record
    (an empty file is only named, by the caller). A stream failing further in raises what
    it raised."""
    from transforms.warc_reader import EMPTY_FILE, NOT_WARC, RawRecord, clean_uri, iter_raw_records

    seen = fetches = number = readable = 0
    damage = None
    try:
        with _open_binary(path) as stream:
            start = _FirstBytes(stream, LAUNCH_CHECK_BYTES)
            for item in iter_raw_records(start, _ROBOTS_BLOCK_CAP):
                number += 1
                if not isinstance(item, RawRecord):
                    if item.kind == NOT_WARC:  # a text file, an ARC file, noise
                        raise UnreadableWarc(f"not a WARC file: {item.message}")
                    if item.kind != EMPTY_FILE:
                        damage = damage or item
                else:
                    readable += 1
                    if item.rec_type == "response":
                        indexed = _index_key(clean_uri(item.header("WARC-Target-URI")) or "")
                        seen += 1
                        fetches += bool(indexed and indexed[1])
                if seen >= responses or number >= records:
                    break
    except UnreadableWarc:
        raise
    except Exception as exc:  # noqa: BLE001 - OSError, the stream failing for good...
        if number == 0:
            raise _unreadable(exc) from None
        raise
    if damage is not None and not readable:
        # a text naming "WARC/1.0" somewhere, a file cut inside its first record
        raise UnreadableWarc(
            f"not a readable WARC file: nothing in it reads as a record (first: {damage.message})"
        )
    return seen, fetches


def _head_ends_at_a_blank_line(block: bytes) -> bytes:
    """`block` with its HTTP head ending at the first line that is blank once stripped, as
    warcio reads it ("\\r\\n \\r\\n", or "\\n\\r\\n" after LF lines): HTTP's own split would
    go on into the rules and read the first group as headers."""
    pos = 0
    while (end := block.find(b"\n", pos)) >= 0:
        if pos and not block[pos:end].strip():
            head = block[:pos].rstrip(b"\r\n")
            return head + b"\r\n\r\n" + block[end + 1 :]
        pos = end + 1
    return block


def _lenient_http_response(block: bytes):
    """The block's HTTP response, with the status lines of `_LENIENT_STATUS` read too."""
    from transforms import http_payload

    block = _head_ends_at_a_blank_line(block)
    response = http_payload.parse_http_response(block)
    if response.status is None and (match := _LENIENT_STATUS.match(block)):
        rest = block[match.end() :]
        line_end = rest.find(b"\n")
        if line_end > 0 and rest[line_end - 1 : line_end] == b"\r":
            line_end -= 1  # keep the line's own ending: the head ends at a blank line
        normal = b"HTTP/1.1 " + match.group(1) + (rest[line_end:] if line_end >= 0 else b"")
        response = http_payload.parse_http_response(normal)
    return response
