"""Licence and copyright signals on real crawled pages (../shared/warcs; skipped when absent)."""

from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from transforms.licensing import PAGE, detect_license_signals

WARCS = Path(__file__).resolve().parents[1].parent / "shared" / "warcs"

pytestmark = pytest.mark.skipif(not WARCS.is_dir(), reason=f"{WARCS} not available")


def responses(name: str) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """url -> (body decoded as UTF-8 with replacement, HTTP headers) for every response."""
    out = {}
    with open(WARCS / name, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            body = record.content_stream().read().decode("utf-8", "replace")
            out[url] = (body, record.http_headers.headers)
    return out


@pytest.fixture(scope="module")
def homepages():
    return responses("wget-homepages.warc.gz")


def signals(pages, url):
    body, headers = pages[url]
    return detect_license_signals(body, headers, url)


def test_wikipedia_page_is_cc_by_sa_4_with_page_scope():
    pages = responses("whirlwind.warc.gz")
    sig = signals(pages, "https://an.wikipedia.org/wiki/Escopete")
    assert sig.license == "CC-BY-SA-4.0"
    assert sig.license_class == "copyleft"
    assert not sig.license_conflict
    page_evidence = {(e.source, e.license) for e in sig.license_evidence if e.scope == PAGE}
    # <link rel="license"> in the head, and the footer's link and sentence (in Aragonese).
    assert ("link_rel_license", "CC-BY-SA-4.0") in page_evidence
    assert ("anchor", "CC-BY-SA-4.0") in page_evidence
    assert ("text_statement", "CC-BY-SA") in page_evidence
    # "copyright" only appears in image paths and an element id: no notice.
    assert sig.copyright_notice is None


def test_cc_by_home_page_is_found(homepages):
    sig = signals(homepages, "https://soldaini.net/")
    assert sig.license == "CC-BY-4.0"
    assert sig.license_class == "permissive"
    assert {e.scope for e in sig.license_evidence} == {PAGE}
    assert any("This website is licensed under" in e.snippet for e in sig.license_evidence)


@pytest.mark.parametrize(
    "url, holder, years",
    [
        ("https://kyleclo.com/", "Kyle Lo", [2024]),
        ("https://talaugust.github.io/", "Tal August", [2024]),
        ("https://joe.cat/", "Joseph Chee Chang", [2023]),
        (
            "https://www.cs.washington.edu/people/faculty/weld",
            "University of Washington - Seattle - Paul G. Allen School of Computer Science"
            " & Engineering",
            [2017, 2021],
        ),
    ],
)
def test_copyright_notices_with_holder_and_year(homepages, url, holder, years):
    sig = signals(homepages, url)
    assert sig.copyright_holder == holder
    assert sig.copyright_years == years
    assert str(years[0]) in sig.copyright_notice
    assert sig.license is None
    assert sig.license_class == "all_rights_reserved"  # a notice and no licence


def test_pages_without_licence_statements_get_no_licence(homepages):
    # The only CC BY page is soldaini.net/; the pip tutorial quotes a GPL classifier in code.
    licensed = {url for url in homepages if signals(homepages, url).license}
    assert licensed == {"https://soldaini.net/"}
    pip = signals(homepages, "https://maria-antoniak.github.io/2020/03/25/pip.html")
    assert pip.license_evidence == [] and pip.copyright_notice is None


@pytest.mark.parametrize(
    "name",
    ["iana.warc.gz", "clueweb09-ja.warc.gz", "clipped-record.warc.gz", "wget-homepages.warc.gz"],
)
def test_every_record_is_processed_without_error(name):
    # Scripts, fonts, images and non-UTF-8 pages go through the same path without raising.
    pages = responses(name)
    assert pages
    for url, (body, headers) in pages.items():
        sig = detect_license_signals(body, headers, url)
        assert sig.license_error is None, url
