"""robots.txt (RFC 9309) evaluation for CCBot, GPTBot, Google-Extended and `*`, the IETF
AI-preference syntax, and the index of robots.txt responses read from WARC files."""

import gzip
import io
import random
import re
import time
import zlib
from pathlib import Path

import pytest
import zstandard
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from transforms.document import WarcDoc
from transforms.licensing import LicensePolicyFn, LicenseTagFn
from transforms.robots import (
    STATUS_ERROR,
    STATUS_NO_RECORD,
    STATUS_OK,
    STATUS_REDIRECT_UNRESOLVED,
    STATUS_UNAVAILABLE,
    STATUS_UNREACHABLE,
    RobotsIndex,
    RobotsTxt,
    _pattern_matches,
    combine_usage_preferences,
    evaluate_robots,
    parse_usage_preferences,
)

NEWS_ROBOTS = """\
# a news site that blocks AI training
User-agent: GPTBot
Disallow: /

User-agent: Google-Extended
Disallow: /articles/
Allow: /articles/free/

User-agent: Google
Disallow: /

User-agent: CCBot
Disallow: /private
Allow: /

User-agent: *
Disallow: /search
Disallow: /*.pdf$
"""


@pytest.mark.parametrize(
    "path, ccbot, gptbot, google_extended, star",
    [
        ("/", True, False, True, True),
        ("/articles/2024/x.html", True, False, False, True),
        ("/articles/free/x.html", True, False, True, True),
        ("/private/notes", False, False, True, True),
        ("/search?q=x", True, False, True, False),
        ("/files/report.pdf", True, False, True, False),
        ("/files/report.pdf?download=1", True, False, True, True),
        ("/robots.txt", True, True, True, True),
    ],
)
def test_four_agents(path, ccbot, gptbot, google_extended, star):
    robots = RobotsTxt.parse(NEWS_ROBOTS)
    url = "https://news.example" + path
    assert robots.evaluate(url, "CCBot").allowed is ccbot
    assert robots.evaluate(url, "GPTBot").allowed is gptbot
    # The `Google` group must not capture Google-Extended (urllib.robotparser's substring match
    # would), and the agent falls back to `*` only when no group names it.
    assert robots.evaluate(url, "Google-Extended").allowed is google_extended
    assert robots.evaluate(url, "*").allowed is star


def test_longest_match_wins_and_allow_wins_ties():
    robots = RobotsTxt.parse("User-agent: *\nAllow: /p\nDisallow: /\nDisallow: /page\nAllow: /page")
    assert robots.evaluate("/p", "*").allowed
    assert not robots.evaluate("/x", "*").allowed
    assert robots.evaluate("/page", "*").allowed  # same length: the least restrictive
    verdict = robots.evaluate("/x", "CCBot")
    assert verdict.matched_rule == "disallow: /"


def test_groups_naming_the_same_agent_are_merged_and_matching_is_case_insensitive():
    robots = RobotsTxt.parse(
        "user-agent: ccbot\ndisallow: /a\n\nUser-Agent: FooBot\nUser-Agent: CCBot/2.0\n"
        "Disallow: /b\n\nUser-agent: *\nDisallow: /"
    )
    assert not robots.evaluate("/a/1", "CCBot").allowed
    assert not robots.evaluate("/b/1", "CCBot").allowed
    assert robots.evaluate("/c", "CCBot").allowed  # the * group does not apply to CCBot
    assert not robots.evaluate("/b", "FooBot").allowed
    assert not robots.evaluate("/c", "GPTBot").allowed


def test_parser_edge_cases():
    robots = RobotsTxt.parse(
        b"\xef\xbb\xbfDisallow: /before-any-group\r\n"
        b"User-agent: *   # comment\r\nDisallow:\r\nDisallow: /caf%C3%A9\r\n"
        b"Disalow: /typo\r\nDisallow: /%7Euser\r\nSitemap: https://x.example/s.xml\r\n"
    )
    assert robots.evaluate("/before-any-group", "*").allowed  # rules outside a group
    assert not robots.evaluate("/café/menu", "*").allowed  # percent-encoding normalised
    assert not robots.evaluate("/typo", "*").allowed
    assert not robots.evaluate("/~user/page", "*").allowed
    assert robots.evaluate("/anything", "*").allowed  # empty Disallow allows
    assert RobotsTxt.parse("").evaluate("/x", "GPTBot").allowed
    assert RobotsTxt.parse("<html>not robots</html>").evaluate("/x", "GPTBot").allowed


def test_content_usage_rules_follow_the_draft_example():
    robots = RobotsTxt.parse(
        "User-Agent: *\nAllow: /\nDisallow: /never/\nContent-Usage: / train-ai=n\n"
        "Content-Usage: /ai-ok/ train-ai=y\n\nUser-Agent: ExampleBot\nAllow: /\n"
        "Content-Usage: / train-ai=y\n"
    )
    assert robots.evaluate("/test", "CCBot").content_usage == "train-ai=n"
    assert robots.evaluate("/ai-ok/test", "CCBot").content_usage == "train-ai=y"
    never = robots.evaluate("/never/test", "CCBot")
    assert not never.allowed and never.content_usage is None
    assert robots.evaluate("/test", "ExampleBot").content_usage == "train-ai=y"


@pytest.mark.parametrize(
    "value, expected",
    [
        # train-ai holds train-genai: a category without a statement takes its holder's
        ("train-ai=n", {"train-ai": "n", "train-genai": "n"}),
        ("train-ai=y, search=n", {"train-ai": "y", "train-genai": "y", "search": "n"}),
        ('train-ai=y, train-ai, search=n, search="n"', {}),  # last value wins, not tokens
        ("train-ai;allow=n, train-ai=y", {"train-ai": "y", "train-genai": "y"}),
        ("train-genai=n;x=1, ai-use=y, foo=n", {"train-genai": "n", "ai-use": "y"}),
        ("train-ai=n, train-genai=y", {"train-ai": "n", "train-genai": "y"}),
        # bots (all, in earlier drafts) holds every other category: it was no preference
        ("bots=n", dict.fromkeys(("bots", "train-ai", "train-genai", "ai-use", "search"), "n")),
        (
            "all=n, search=y",
            {**dict.fromkeys(("bots", "train-ai", "train-genai", "ai-use"), "n"), "search": "y"},
        ),
        (
            "bots=n, all=y",
            dict.fromkeys(("bots", "train-ai", "train-genai", "ai-use", "search"), "n"),
        ),
        ("Train-AI=n", {}),  # keys are lowercase; a failed parse means no preference
        ("train-ai=n,", {}),
        ("train-ai=maybe", {}),
        ("", {}),
        (None, {}),
    ],
)
def test_usage_preference_syntax(value, expected):
    assert parse_usage_preferences(value) == expected


# --- the index of robots.txt responses from WARC files ---------------------------------------


def write_robots_warc(path: Path, records) -> None:
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, status, body, date, extra in records:
            headers = StatusAndHeaders(
                f"{status} X", [("Content-Type", "text/plain")] + extra, protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": date},
            )
            writer.write_record(record)


@pytest.fixture
def robots_warc(tmp_path):
    path = tmp_path / "robots.warc.gz"
    write_robots_warc(
        path,
        [
            (
                "https://news.example/robots.txt",
                200,
                NEWS_ROBOTS.encode(),
                "2024-05-10T00:00:00Z",
                [],
            ),
            # Re-fetched later in the crawl after the site changed its mind about GPTBot.
            (
                "https://news.example/robots.txt",
                200,
                b"User-agent: *\nAllow: /\n",
                "2024-05-25T00:00:00Z",
                [],
            ),
            ("https://gone.example/robots.txt", 404, b"not found", "2024-05-10T00:00:00Z", []),
            ("https://down.example/robots.txt", 503, b"oops", "2024-05-10T00:00:00Z", []),
            (
                "http://moved.example/robots.txt",
                301,
                b"",
                "2024-05-10T00:00:00Z",
                [("Location", "https://www.moved.example/robots.txt")],
            ),
            (
                "https://www.moved.example/robots.txt",
                200,
                b"User-agent: GPTBot\nDisallow: /\n",
                "2024-05-10T00:00:01Z",
                [],
            ),
            (
                "https://lost.example/robots.txt",
                302,
                b"",
                "2024-05-10T00:00:00Z",
                [("Location", "https://elsewhere.example/robots.txt")],
            ),
        ],
    )
    return path


def test_index_evaluates_robots_as_of_the_crawl(robots_warc):
    index = RobotsIndex.from_warc_paths([str(robots_warc)])
    assert len(index) == 6  # hosts (scheme://host), not fetches

    early = index.evaluate("https://news.example/articles/1", "2024-05-18T01:58:10Z")
    assert early.status == STATUS_OK
    assert early.fetch_date == "2024-05-10T00:00:00Z"
    assert early.allowed == {
        "CCBot": True,
        "GPTBot": False,
        "Google-Extended": False,
        "*": True,
    }
    assert early.disallowed_agents() == ["GPTBot", "Google-Extended"]
    late = index.evaluate("https://news.example/articles/1", "2024-05-26T00:00:00Z")
    assert late.allowed["GPTBot"] is True and late.fetch_date == "2024-05-25T00:00:00Z"

    gone = index.evaluate("https://gone.example/a", "2024-05-18T00:00:00Z")
    assert gone.status == STATUS_UNAVAILABLE and gone.allowed["GPTBot"] is True
    down = index.evaluate("https://down.example/a", "2024-05-18T00:00:00Z")
    assert down.status == STATUS_UNREACHABLE and down.allowed["CCBot"] is False
    assert down.disallowed_agents() == []  # a server error is no opt-out

    moved = index.evaluate("http://moved.example/page", "2024-05-18T00:00:00Z")
    assert moved.status == STATUS_OK and moved.allowed["GPTBot"] is False
    lost = index.evaluate("https://lost.example/page", "2024-05-18T00:00:00Z")
    assert lost.status == STATUS_REDIRECT_UNRESOLVED and lost.allowed == {}
    assert index.evaluate("https://other.example/", None).status == STATUS_NO_RECORD
    # a robots.txt fetched in a later crawl does not speak for an earlier page
    assert index.evaluate("https://news.example/a", "2024-04-09T00:00:00Z").status == STATUS_OK
    months_before = index.evaluate("https://news.example/a", "2024-03-01T00:00:00Z")
    assert months_before.status == STATUS_NO_RECORD and months_before.allowed == {}


def test_tag_fn_reports_robots_and_policy_drops_on_it(robots_warc):
    doc = WarcDoc(
        doc_id="d",
        warc_path="x.warc.gz",
        file_index=0,
        warc_offset=0,
        url="https://news.example/articles/1",
        warc_date="2024-05-18T01:58:10Z",
        html="<html><body><p>News.</p><footer>© 2024 News Example</footer></body></html>",
    )
    fn = LicenseTagFn(robots_paths=[str(robots_warc)])
    fn.setup()
    (doc,) = list(fn.process(doc))
    attributes = doc.attributes["license"]
    assert attributes["robots_status"] == "ok"
    assert attributes["robots_allows_gptbot"] is False
    assert attributes["robots_allows_google_extended"] is False
    assert attributes["robots_allows_ccbot"] is True
    assert attributes["robots_allows_star"] is True
    assert attributes["opt_out_signals"] == ["robots:gptbot", "robots:google-extended"]
    (doc,) = list(LicensePolicyFn("no-optout").process(doc))
    assert doc.drop_reason == "license_policy:robots_disallow"


def test_robots_warc_read_over_http(robots_warc, http_server):
    """--robots takes URLs too (Common Crawl's robots.txt WARC files, for instance)."""
    base = http_server(robots_warc.parent)
    remote = RobotsIndex.from_warc_paths([f"{base}/{robots_warc.name}"])
    local = RobotsIndex.from_warc_paths([str(robots_warc)])
    assert len(remote) == len(local) == 6
    for url, date in (
        ("https://news.example/articles/1", "2024-05-18T01:58:10Z"),
        ("https://news.example/articles/1", "2024-05-26T00:00:00Z"),
        ("https://down.example/a", "2024-05-18T01:58:10Z"),
    ):
        assert remote.evaluate(url, date) == local.evaluate(url, date)


def test_parsed_rules_kept_are_bounded(tmp_path, monkeypatch):
    """A worker meets ever more hosts; it keeps the last PARSED_ROBOTS_CACHED parses only,
    and a host evaluated again after its parse was dropped gets the same verdict."""
    import transforms.robots as robots

    monkeypatch.setattr(robots, "PARSED_ROBOTS_CACHED", 3)
    path = tmp_path / "many.warc.gz"
    bodies = [f"User-agent: GPTBot\nDisallow: /p{i}/\n".encode() for i in range(10)]
    write_robots_warc(
        path,
        [
            (f"https://h{i}.example/robots.txt", 200, body, "2024-05-10T00:00:00Z", [])
            for i, body in enumerate(bodies)
        ],
    )
    index = RobotsIndex.from_warc_paths([str(path)])
    first = [index.evaluate(f"https://h{i}.example/p{i}/x").allowed["GPTBot"] for i in range(10)]
    again = [index.evaluate(f"https://h{i}.example/p{i}/x").allowed["GPTBot"] for i in range(10)]
    assert first == again == [False] * 10
    assert index.evaluate("https://h4.example/other").allowed["GPTBot"] is True
    assert index._parsed.cache_info().currsize == 3


def test_a_robots_warc_damaged_part_way_keeps_what_came_before(robots_warc, tmp_path, caplog):
    """A corrupt gzip member is skipped with a warning, not the run stopped with a traceback;
    the records after it are read."""
    data = robots_warc.read_bytes()
    second_member = data.index(b"\x1f\x8b", 1)
    damaged = tmp_path / "damaged.warc.gz"
    # The second record's compressed bytes are overwritten: its member no longer inflates.
    body_at = second_member + 40
    damaged.write_bytes(data[:body_at] + b"\xff" * 64 + data[body_at + 64 :])
    index = RobotsIndex()
    with caplog.at_level("WARNING", logger="transforms.robots"):
        assert index.add_warc(str(damaged)) == 6
    assert "damaged.warc.gz: 6 responses read; unreadable: " in caplog.text
    assert f"corrupt_gzip at byte {second_member}" in caplog.text
    # news.example's re-fetch (Allow: /) was the damaged record: its first fetch stands
    late = index.evaluate("https://news.example/a", "2024-05-30T00:00:00Z")
    assert late.status == STATUS_OK and late.fetch_date == "2024-05-10T00:00:00Z"
    assert index.evaluate("https://gone.example/a").status == STATUS_UNAVAILABLE


def _robots_members(records: list[tuple[str, bytes]]) -> bytes:
    from tests.corrupt_warcs import gz, warc_record

    return b"".join(
        gz(warc_record("response", url, b"HTTP/1.1 200 OK\r\n\r\n" + rules))
        for url, rules in records
    )


@pytest.mark.parametrize("cut_into_last_member", [20, 60, 200])
def test_a_robots_warc_cut_short_is_warned_about_wherever_the_cut_falls(
    tmp_path, caplog, cut_into_last_member
):
    """warcio read a file cut inside its last member as a whole file: no warning, and a
    robots.txt cut inside its rules was used with the rules it had left."""
    rules = b"User-agent: GPTBot\n" + b"Disallow: /private/\n" * 40 + b"Disallow: /\n"
    first = _robots_members([("https://a.example/robots.txt", rules)])
    data = first + _robots_members([("https://b.example/robots.txt", rules)])
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(first) + cut_into_last_member])
    index = RobotsIndex()
    with caplog.at_level("WARNING", logger="transforms.robots"):
        indexed = index.add_warc(str(cut))
    assert f"cut.warc.gz: {indexed} responses read; unreadable: " in caplog.text
    assert index.evaluate("https://a.example/x").allowed["GPTBot"] is False
    # cut in its header: no record; cut after it: a fetch whose verdict is unknown
    assert (indexed, index.evaluate("https://b.example/x").status) in (
        (1, STATUS_NO_RECORD), (2, STATUS_ERROR),
    )  # fmt: skip


# --- review of 7 December 2026 ---------------------------------------------------------------


def _regex_reference(pattern: str, path: str) -> bool:
    """RFC 9309's `*` and final `$` as a regex (how they were matched before: exact, slow)."""
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    regex = ".*".join(re.escape(part) for part in body.split("*"))
    return re.match(regex + (r"\Z" if anchored else ""), path, re.DOTALL) is not None


def test_wildcards_match_as_before_in_linear_time():
    rng = random.Random(3)
    for _ in range(20_000):
        pattern = "/" + "".join(rng.choice("ab/$*.") for _ in range(rng.randint(0, 7)))
        path = "/" + "".join(rng.choice("ab/$.") for _ in range(rng.randint(0, 9)))
        assert _pattern_matches(pattern, path) == _regex_reference(pattern, path), (pattern, path)
    # As a regex this backtracked for 16 s on one path, for every agent and every page.
    robots = RobotsTxt.parse("User-agent: *\nDisallow: /" + "*a" * 6 + "*b$\n")
    started = time.process_time()
    assert robots.evaluate("http://h/" + "a" * 100, "GPTBot").allowed
    assert robots.evaluate("http://h/" + "a" * 100 + "b", "GPTBot").allowed is False
    assert time.process_time() - started < 0.5


def test_a_redirect_to_another_path_of_the_same_host_is_followed_by_its_url():
    # Keyed by host alone, the redirect found itself again and ended as "allowed for all".
    index = RobotsIndex()
    index.add(
        "https://ex.com/robots.txt",
        200,
        b"User-agent: GPTBot\nDisallow: /\n",
        "2024-02-01T10:00:00Z",
    )
    index.add(
        "https://ex.com/robots.txt", 302, b"", "2024-02-20T10:00:00Z", location="/robots-en.txt"
    )
    verdict = index.evaluate("https://ex.com/page", "2024-02-21T00:00:00Z")
    assert verdict.status == STATUS_REDIRECT_UNRESOLVED and verdict.allowed == {}
    index.add(
        "https://ex.com/robots-en.txt",
        200,
        b"User-agent: CCBot\nDisallow: /\n",
        "2024-02-20T10:00:01Z",
    )
    verdict = index.evaluate("https://ex.com/page", "2024-02-21T00:00:00Z")
    assert verdict.status == STATUS_OK and verdict.disallowed_agents() == ["CCBot"]


@pytest.mark.parametrize(
    "location, fetched",
    [
        ("/r%c3%a9.txt", "https://ex.com/r%C3%A9.txt"),
        ("/ré.txt", "https://ex.com/r%C3%A9.txt"),
        ("https://ex.com/x/../robots-en.txt", "https://ex.com/robots-en.txt"),
        ("https://b.com/./robots.txt", "https://b.com/robots.txt"),
    ],
)
def test_redirect_targets_are_matched_as_urls_not_as_text(location, fetched):
    index = RobotsIndex()
    index.add("https://ex.com/robots.txt", 301, b"", "2024-02-20T10:00:00Z", location=location)
    index.add(fetched, 200, b"User-agent: CCBot\nDisallow: /\n", "2024-02-20T10:00:01Z")
    verdict = index.evaluate("https://ex.com/page", "2024-02-21T00:00:00Z")
    assert verdict.status == STATUS_OK and verdict.disallowed_agents() == ["CCBot"]


def test_other_responses_in_robots_files_are_not_the_hosts_robots_txt():
    index = RobotsIndex()
    index.add(
        "https://ex.com/robots.txt",
        200,
        b"User-agent: GPTBot\nDisallow: /\n",
        "2024-02-20T10:00:00Z",
    )
    index.add("https://ex.com/", 200, b"<html>home</html>", "2024-02-20T11:00:00Z")  # later
    verdict = index.evaluate("https://ex.com/page", "2024-02-21T00:00:00Z")
    assert verdict.disallowed_agents() == ["GPTBot"]


def test_a_robots_content_usage_value_may_hold_a_semicolon():
    robots = RobotsTxt.parse('User-agent: *\nContent-Usage: / train-ai=n;note="see policy; v2"\n')
    index_verdict = evaluate_robots(robots, "https://ex.com/page")
    assert index_verdict.usage_preferences["train-ai"] == "n"
    # two rules of equal length: one value per line, both read
    robots = RobotsTxt.parse(
        'User-agent: *\nContent-Usage: / search=y;note="a; b"\nContent-Usage: / bots=n\n'
    )
    verdict = evaluate_robots(robots, "https://ex.com/page")
    assert verdict.content_usage == 'search=y;note="a; b"\nbots=n'
    assert (
        verdict.usage_preferences["search"] == "n" and verdict.usage_preferences["train-ai"] == "n"
    )


def test_statements_combine_after_inheritance():
    # A header's bots=n and a robots.txt rule's train-ai=y: train-ai is n in the first.
    combined = combine_usage_preferences(
        parse_usage_preferences("bots=n"), parse_usage_preferences("train-ai=y")
    )
    assert combined["train-ai"] == "n"


def test_a_robots_file_without_robots_txt_fetches_is_named_at_launch(robots_warc, caplog):
    """The run's own WARC files given as --robots were accepted without a word, though none
    of their pages is a robots.txt file."""
    from pipeline.plan import check_robots_files

    sample = str(Path(__file__).resolve().parents[1] / "pipeline" / "sample" / "sample.warc.gz")
    with caplog.at_level("WARNING", logger="pipeline.plan"):
        check_robots_files([str(robots_warc)])
        assert caplog.text == ""
        check_robots_files([sample])
    assert f"--robots {sample}: none of its first 20 responses is a /robots.txt fetch" in (
        caplog.text
    )


def test_a_robots_file_without_responses_is_named_and_read_only_at_its_start(tmp_path, caplog):
    """A WET-like file (conversion records only) was read to its end at launch, silently."""
    from pipeline.plan import check_robots_files
    from transforms.robots import robots_fetches_at_start

    path = tmp_path / "text.warc.gz"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for i in range(2000):
            record = writer.create_warc_record(
                f"https://x.example/{i}", "conversion", payload=io.BytesIO(b"some text")
            )
            writer.write_record(record)
    assert robots_fetches_at_start(str(path)) == (0, 0)
    with caplog.at_level("WARNING", logger="pipeline.plan"):
        check_robots_files([str(path)])
    assert "no response record at its start" in caplog.text


def test_the_launch_check_reads_a_robots_file_as_the_workers_do(tmp_path, caplog):
    """The launch check framed --robots files with warcio while the index used ccprov's
    reader: a file with a damaged first record was refused though the workers read its
    robots.txt fetches."""
    from pipeline.errors import UsageError
    from pipeline.plan import check_robots_files
    from transforms.robots import robots_fetches_at_start

    fetch = b"HTTP/1.1 200 OK\r\n\r\n" + _DISALLOW_GPTBOT
    damaged_first = tmp_path / "damaged-first.warc.gz"
    damaged_first.write_bytes(
        b"\x1f\x8b\x08\x00junk, not a member"
        + _robots_record("https://a.example/robots.txt", fetch)
        + _robots_record("<https://b.example/robots.txt>", fetch)
    )
    assert robots_fetches_at_start(str(damaged_first)) == (2, 2)
    with caplog.at_level("WARNING", logger="pipeline.plan"):
        check_robots_files([str(damaged_first)])
    assert caplog.text == ""
    index = RobotsIndex.from_warc_paths([str(damaged_first)])
    for host in ("a", "b"):
        assert index.evaluate(f"https://{host}.example/x").allowed["GPTBot"] is False

    arc = tmp_path / "old.arc"
    arc.write_bytes(b"filedesc://old.arc 0.0.0.0 20240101000000 text/plain 69\n1 0 x\n")
    with pytest.raises(UsageError, match="ARC file \\(filedesc://\\): only WARC is supported"):
        check_robots_files([str(arc)])


def test_robots_files_give_the_same_verdicts_in_any_order(tmp_path):
    """Two fetches of one robots.txt at the same second, in two --robots files: the one
    added last stood, so the order of --robots changed verdicts, while config_hash records
    the files sorted (one hash for both runs)."""
    date = "2024-05-10T00:00:00Z"
    url = "https://news.example/robots.txt"
    write_robots_warc(
        tmp_path / "b.warc.gz", [(url, 200, b"User-agent: CCBot\nDisallow: /\n", date, [])]
    )
    write_robots_warc(tmp_path / "a.warc.gz", [(url, 200, b"User-agent: *\nAllow: /\n", date, [])])
    files = [str(tmp_path / "a.warc.gz"), str(tmp_path / "b.warc.gz")]
    verdicts = {
        RobotsIndex.from_warc_paths(order).evaluate("https://news.example/x", date).allowed["CCBot"]
        for order in (files, files[::-1])
    }
    assert len(verdicts) == 1


def _robots_record(url: str, http_block: bytes) -> bytes:
    from tests.corrupt_warcs import gz, warc_record

    return gz(warc_record("response", url, http_block))


def test_robots_records_as_odd_writers_and_servers_make_them(tmp_path, caplog):
    """Review of the reader switch: wget's <URI> lost every record, a gzipped robots.txt
    decoding past 500 KiB was read as its compressed bytes (everything allowed), and
    responses without a status line went without a word."""
    import gzip as gzip_module

    disallow = b"User-agent: GPTBot\nDisallow: /\n"
    big = gzip_module.compress(disallow + b"# " + b"x" * 100 + b"\n" * 1 + b"# c\n" * 200_000)
    data = (
        _robots_record("<https://wget.example/robots.txt>",
                       b"HTTP/1.1 200 OK\r\n\r\n" + disallow)
        + _robots_record("https://big.example/robots.txt",
                         b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n" + big)
        + _robots_record("https://lower.example/robots.txt",
                         b"http/1.1 200 OK\r\n\r\n" + disallow)
        + _robots_record("https://bogus.example/robots.txt",
                         b"HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\n\r\n"
                         + bytes(range(256)) * 4)
    )  # fmt: skip
    path = tmp_path / "odd.warc.gz"
    path.write_bytes(data)
    index = RobotsIndex()
    with caplog.at_level("WARNING", logger="transforms.robots"):
        assert index.add_warc(str(path)) == 4
    for host in ("wget", "big", "lower"):  # lower: "http/1.1 200", read as warcio read it
        assert index.evaluate(f"https://{host}.example/a").allowed["GPTBot"] is False, host
    assert index.evaluate("https://bogus.example/a").status == STATUS_ERROR
    assert "odd.warc.gz: 4 responses read; unreadable: " in caplog.text
    assert "does not decode (Content-Encoding: zstd)" in caplog.text


def _index_of(tmp_path, *records: bytes) -> RobotsIndex:
    path = tmp_path / "r.warc.gz"
    path.write_bytes(b"".join(records))
    index = RobotsIndex()
    index.add_warc(str(path))
    return index


_DISALLOW_GPTBOT = b"User-agent: GPTBot\nDisallow: /\n"


def _bad_crc(data: bytes) -> bytes:
    return data[:-8] + bytes(4) + data[-4:]


@pytest.mark.parametrize(
    "head, body",
    [
        # a robots.txt decoding past 16 MiB: its first 500 KiB are read, as crawlers read them
        (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip",
         gzip.compress(_DISALLOW_GPTBOT + b"# padding\n" * 2_000_000)),
        # status lines crawlers wrote that HTTP's grammar does not allow, read as warcio did
        (b"http/1.1 200 OK", _DISALLOW_GPTBOT),
        (b"HTTP 200 OK", _DISALLOW_GPTBOT),
        (b"ICY 200 OK", _DISALLOW_GPTBOT),
        (b"HTTP/1.1 0200 OK", _DISALLOW_GPTBOT),
        (b"\r\nHTTP/1.1 200 OK", _DISALLOW_GPTBOT),
        # labelled gzip, sent plain
        (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip", _DISALLOW_GPTBOT),
        # zstd, a coding browsers accept: read as rules, not `error`
        (b"HTTP/1.1 200 OK\r\nContent-Encoding: zstd", zstandard.compress(_DISALLOW_GPTBOT)),
    ],
)  # fmt: skip
def test_rules_are_read_from_responses_as_crawlers_send_them(tmp_path, head, body):
    """Second review of the reader switch: each of these lost GPTBot's opt-out."""
    index = _index_of(
        tmp_path, _robots_record("https://r.example/robots.txt", head + b"\r\n\r\n" + body)
    )
    verdict = index.evaluate("https://r.example/page")
    assert verdict.status == STATUS_OK and verdict.allowed["GPTBot"] is False


def test_an_unreadable_newer_fetch_does_not_let_an_older_one_speak(tmp_path):
    """A fetch left out let the host's older, more permissive robots.txt decide."""
    from tests.corrupt_warcs import gz

    def record(date: str, block: bytes) -> bytes:
        header = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:x:{date}>\r\n"
                  f"WARC-Target-URI: https://r.example/robots.txt\r\nWARC-Date: {date}\r\n"
                  f"Content-Length: {len(block)}\r\n\r\n").encode()  # fmt: skip
        return gz(header + block + b"\r\n\r\n")

    index = _index_of(
        tmp_path,
        record("2024-04-01T00:00:00Z", b"HTTP/1.1 200 OK\r\n\r\nUser-agent: *\nAllow: /\n"),
        record("2024-05-01T00:00:00Z",
               b"HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\n\r\n" + bytes(range(256)) * 8),
        record("2024-05-02T00:00:00Z",
               b"HTTP/1.1 503 Busy\r\nContent-Encoding: gzip\r\n\r\n\x1f\x8b\x08broken"),
    )  # fmt: skip
    assert index.evaluate("https://r.example/a", "2024-04-15T00:00:00Z").status == STATUS_OK
    assert index.evaluate("https://r.example/a", "2024-05-01T12:00:00Z").status == STATUS_ERROR
    # a 503's body is never read: its broken coding does not matter
    late = index.evaluate("https://r.example/a", "2024-05-03T00:00:00Z")
    assert late.status == STATUS_UNREACHABLE and late.allowed["GPTBot"] is False


@pytest.mark.parametrize(
    "block",
    [
        # a head ending at a line of spaces, or at "\r\n" after LF lines (warcio reads both)
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n \r\n" + _DISALLOW_GPTBOT,
        b"HTTP/1.1 200 OK\nContent-Type: text/plain\n\r\n" + _DISALLOW_GPTBOT,
        # plain rules labelled br: brotli waits for more input and gave no rules at all
        b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\nSitemap: https://r.example/s.xml\n"
        + _DISALLOW_GPTBOT,
    ],
)  # fmt: skip
def test_rules_survive_odd_heads_and_broken_codings(tmp_path, block):
    """Third review: each of these lost GPTBot's opt-out."""
    index = _index_of(tmp_path, _robots_record("https://r.example/robots.txt", block))
    verdict = index.evaluate("https://r.example/page")
    assert verdict.status == STATUS_OK and verdict.allowed["GPTBot"] is False


@pytest.mark.parametrize(
    "body",
    [
        b"Content-Encoding: gzip\r\n\r\n" + _bad_crc(gzip.compress(_DISALLOW_GPTBOT)),
        b"Content-Encoding: deflate\r\n\r\n" + zlib.compress(_DISALLOW_GPTBOT)[:-1] + b"\x00",
        b"Content-Encoding: gzip\r\n\r\n"
        + _bad_crc(gzip.compress(random.Random(1).randbytes(30_000).hex().encode() + b"\n"
                                 + _DISALLOW_GPTBOT)),
        # a bit flipped in the data: its check fails too ("eser-agent" would allow GPTBot)
        b"Content-Encoding: gzip\r\n\r\n"
        + (lambda z: z[:10] + bytes([z[10] ^ 0x40]) + z[11:])(gzip.compress(_DISALLOW_GPTBOT)),
    ],
)  # fmt: skip
def test_compressed_rules_that_fail_their_check_have_unknown_verdicts(tmp_path, body):
    """Reviews went back and forth on salvaging the data of a stream whose check fails: it
    may be broken anywhere, and a wrong guess reads an opt-out away. Verdicts are unknown."""
    block = b"HTTP/1.1 200 OK\r\n" + body
    index = _index_of(tmp_path, _robots_record("https://r.example/robots.txt", block))
    assert index.evaluate("https://r.example/page").status == STATUS_ERROR


def test_the_launch_check_reads_only_the_start_of_a_damaged_file(tmp_path, monkeypatch):
    """After damage the reader scans on to the next record: in a file damaged near its start
    the launch check read the whole file (a 110 MB file twice)."""
    import transforms.robots as robots_module
    from tests.corrupt_warcs import gz

    fetch = b"HTTP/1.1 200 OK\r\n\r\n" + _DISALLOW_GPTBOT
    path = tmp_path / "damaged.warc.gz"
    noise = random.Random(3).randbytes(2_000_000)
    path.write_bytes(_robots_record("https://a.example/robots.txt", fetch) + gz(noise) * 2)
    opened = robots_module._open_binary
    read = []

    class Counting:
        def __init__(self, stream):
            self._stream = stream

        def read(self, size=-1):
            data = self._stream.read(size)
            read.append(len(data))
            return data

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._stream.close()

    monkeypatch.setattr(robots_module, "_open_binary", lambda p: Counting(opened(p)))
    monkeypatch.setattr(robots_module, "LAUNCH_CHECK_BYTES", 256 * 1024)
    assert robots_module.robots_fetches_at_start(str(path)) == (1, 1)
    assert sum(read) <= 256 * 1024 < path.stat().st_size


@pytest.mark.parametrize(
    "content, message",
    [
        # "WARC/1.0" inside a text: taken for a record start, and nothing read as one
        (b"We write WARC/1.0\nrecords.\n" * 100, "nothing in it reads as a record"),
        (gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n" + b"x" * 100)[:40],
         "nothing in it reads as a record"),  # cut inside its first record
        (gzip.compress(b"\n\n") + gzip.compress(b"plain notes\n"),
         "not a WARC file: no WARC record found; file is gzip of b'plain notes\\n'"),
    ],
)  # fmt: skip
def test_files_of_which_nothing_reads_are_refused_at_launch(tmp_path, content, message):
    from pipeline.errors import UsageError
    from pipeline.plan import check_robots_files

    path = tmp_path / "notes.warc.gz"
    path.write_bytes(content)
    with pytest.raises(UsageError) as refused:
        check_robots_files([str(path)])
    assert message in str(refused.value)


def test_an_empty_robots_file_is_named_not_refused(tmp_path, caplog):
    from pipeline.plan import check_robots_files

    path = tmp_path / "empty.warc.gz"
    path.write_bytes(b"")
    with caplog.at_level("WARNING", logger="pipeline.plan"):
        check_robots_files([str(path)])
    assert "no response record at its start" in caplog.text


def test_content_signals_are_read_as_usage_preferences():
    # Cloudflare's managed robots.txt (Content Signals Policy): `ai-train=no` was not read.
    robots = RobotsTxt.parse(
        "# As a condition of accessing this website, you agree to abide by the following\n"
        "User-Agent: *\nContent-Signal: search=yes,ai-train=no\nAllow: /\n"
    )
    verdict = evaluate_robots(robots, "https://example.com/post/1")
    assert verdict.content_usage == "search=y, train-ai=n"
    assert verdict.usage_preferences["train-ai"] == "n"
    assert (
        RobotsTxt.parse("User-Agent: *\nContent-Signal: ai-input=no, foo=bar\n")
        .evaluate("/x", "CCBot")
        .content_usage
        == "ai-use=n"
    )
