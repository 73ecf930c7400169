"""Write the built-in sample WARC and its ground truth.

    python -m pipeline.sample.generate [--out-dir DIR]

The sample imitates one Common Crawl WARC file (CC-MAIN-2024-22): a warcinfo record, then a
request / response / metadata triple per fetched URL, plus one revisit record. Every page is
there to exercise one stage of the pipeline (extraction, language, quality filters, licence and
opt-out signals, AI scoring, dedup) and `ground_truth.json` says what each stage should find.

The output is deterministic: record ids are uuid5 of the record type and URL, dates are fixed,
warcio computes the digests, and zlib writes gzip members with mtime 0. Regenerating gives
identical bytes (on the same zlib), which `tests/test_sample.py` checks.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import hashlib
import html
import io
import json
import re
import struct
import sys
import uuid
import zlib
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.sample import articles

PACKAGE_DIR = Path(__file__).resolve().parent
WARC_NAME = "sample.warc.gz"
GROUND_TRUTH_NAME = "ground_truth.json"
CRAWL = "CC-MAIN-2024-22"
FIRST_FETCH = dt.datetime(2024, 5, 18, 1, 58, 10, tzinfo=dt.UTC)
WARCINFO_DATE = "2024-05-17T23:31:22Z"
USER_AGENT = "CCBot/2.0 (https://commoncrawl.org/faq/)"

# Drop reasons of the read and extraction stages (transforms/warc_reader.py,
# transforms/extraction.py); the other stages' names come from their specs.
READ_AND_EXTRACT_REASONS = {
    "non_200_status": "http_status",
    "non_html_content_type": "not_html",
    "nothing_extracted": "no_extracted_text",
}

# Meaning of the keys of a response record's "expect" (only the keys that apply are present).
EXPECT_KEYS = {
    "kept": "true when the record ends up in the corpus with the default options",
    "drop_reason_prefix": "the ledger drop_reason starts with this",
    "drop_reason_alternatives": "other accepted prefixes where the dropping stage depends on extractor settings",
    "language": "fastText lid.176 label of the extracted text",
    "charset": "the charset the HTML must be decoded with",
    "text_contains": "substrings of the extracted main text",
    "text_excludes": "boilerplate substrings that must not be in the extracted main text",
    "license": "SPDX-style id of the licence covering the page text (null: none)",
    "license_class": "licence class of the page",
    "embedded_license": "a licence found with embedded scope only (it must not become the page licence)",
    "copyright_holder": "holder named in the copyright notice (null: no notice)",
    "copyright_years": "years of the copyright notice",
    "all_rights_reserved": "the page says 'All rights reserved'",
    "tdm_reservation": "a TDMRep reservation applies",
    "tdm_policy": "the TDMRep policy URL",
    "noai": "a noai robots directive applies",
    "ai_generated": "the page is built as machine-written content: an assistant's phrases "
    "left in it (tag only by default: still kept). Every article of the sample was written "
    "with a language model, so the detector scores them all high; only this page says so",
    "ai_markers": "assistant boilerplate phrases present in the text",
    "exact_duplicate_of": "URL of the cluster representative with identical text",
    "near_duplicate_of": "URL of the cluster representative with near-identical text",
}

# --------------------------------------------------------------------------- HTML templates


@dataclasses.dataclass(frozen=True)
class Site:
    """Look of one fictional website: the boilerplate around every article on it."""

    name: str
    nav: tuple[str, ...]
    sidebar_title: str
    sidebar_links: tuple[str, ...]
    footer_links: tuple[str, ...] = ("About us", "Contact", "Privacy policy", "Advertise")
    footer_note: str = ""  # raw HTML placed at the bottom of the footer
    footer_class: str = "site-footer"


_WORD_RUN = re.compile(r"[^\W_]+")


def _slug(text: str) -> str:
    return "-".join(_WORD_RUN.findall(text.lower()))


def _article_html(article: str) -> str:
    """Plain-text article (blank-line paragraphs, '## ' headings) to HTML blocks."""
    blocks = []
    for block in article.strip().split("\n\n"):
        block = block.strip()
        if block.startswith("## "):
            blocks.append(f"<h2>{html.escape(block[3:])}</h2>")
        else:
            blocks.append(f"<p>{html.escape(block)}</p>")
    return "\n      ".join(blocks)


@functools.lru_cache(maxsize=4096)
def _site_menus(site: Site) -> tuple[str, str, str]:
    """HTML of a site's navigation, sidebar list and footer links (the same on every page)."""
    nav = "\n".join(f'          <li><a href="/{_slug(item)}/">{item}</a></li>' for item in site.nav)
    related = "\n".join(
        f'        <li><a href="/{_slug(item)}">{item}</a></li>' for item in site.sidebar_links
    )
    footer_links = " | ".join(f'<a href="/{_slug(item)}">{item}</a>' for item in site.footer_links)
    return nav, related, footer_links


def render_page(
    site: Site,
    title: str,
    article: str,
    *,
    lang: str = "en",
    charset: str = "utf-8",
    author: str = "Staff writer",
    published: str = "2024-05-02",
    head_extra: str = "",
    before_article: str = "",
    after_article: str = "",
) -> str:
    """A complete page: header, navigation, breadcrumbs, the article, a sidebar, a newsletter
    box, a footer, a cookie banner and an analytics script, like most CMS themes produce."""
    nav, related, footer_links = _site_menus(site)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="{charset}">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{html.escape(title)} | {html.escape(site.name)}</title>
  <meta name="description" content="{html.escape(article.split(".")[0][:150])}">
  <link rel="stylesheet" href="/assets/theme.css">
  {head_extra}
</head>
<body class="post-template">
  <div id="cookie-banner" class="cookie-notice">We use cookies to improve your experience.
    By continuing to browse you accept our use of cookies. <button>Accept</button> <a href="/cookies">Manage settings</a></div>
  <header class="site-header">
    <a class="logo" href="/">{html.escape(site.name)}</a>
    <nav class="main-nav" aria-label="Main">
      <ul>
{nav}
      </ul>
    </nav>
    <form class="search" action="/search"><input name="q" placeholder="Search"><button>Go</button></form>
  </header>
  <div class="breadcrumbs"><a href="/">Home</a> &rsaquo; <a href="/{_slug(site.nav[0])}/">{site.nav[0]}</a></div>
  <main id="content">
    <article class="post">
      <h1 class="entry-title">{html.escape(title)}</h1>
      <p class="byline">By <span class="author">{html.escape(author)}</span> &middot; <time datetime="{published}">{published}</time></p>
      {before_article}
      {_article_html(article)}
      {after_article}
      <div class="share">Share this: <a href="#">Facebook</a> <a href="#">X</a> <a href="#">Email</a></div>
    </article>
    <aside class="sidebar">
      <h3>{html.escape(site.sidebar_title)}</h3>
      <ul>
{related}
      </ul>
      <div class="newsletter"><h3>Newsletter</h3><p>Subscribe to our newsletter and never miss a story.</p>
        <form><input type="email" placeholder="Your email"><button>Subscribe</button></form></div>
    </aside>
  </main>
  <footer class="{site.footer_class}">
    <p class="footer-links">{footer_links}</p>
    {site.footer_note}
  </footer>
  <script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}} gtag('js', new Date());</script>
</body>
</html>
"""


def boilerplate_only_page() -> str:
    """A category page whose list is filled in by JavaScript: the crawler only sees chrome."""
    return """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Shop all | Northwind Outfitters</title>
  <link rel="stylesheet" href="/static/app.css">
</head>
<body>
  <div class="cookie-banner">This website uses cookies. <a href="/cookies">Cookie settings</a> <button>Accept all</button></div>
  <header>
    <a class="logo" href="/">Northwind Outfitters</a>
    <nav>
      <ul>
        <li><a href="/men">Men</a></li>
        <li><a href="/women">Women</a></li>
        <li><a href="/kids">Kids</a></li>
        <li><a href="/sale">Sale</a></li>
        <li><a href="/stores">Stores</a></li>
        <li><a href="/account">My account</a></li>
        <li><a href="/cart">Cart (0)</a></li>
      </ul>
    </nav>
  </header>
  <main><div id="app" data-category="all"></div><noscript>Please enable JavaScript.</noscript></main>
  <footer>
    <ul><li><a href="/help">Help</a></li><li><a href="/returns">Returns</a></li><li><a href="/shipping">Shipping</a></li><li><a href="/careers">Careers</a></li></ul>
  </footer>
  <script src="/static/app.js"></script>
</body>
</html>
"""


def low_quality_page() -> str:
    """A thin deals page: a title and a handful of short bullets (Gopher: too few words)."""
    return """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Hot deals today</title></head>
<body>
  <h1>Hot deals today</h1>
  <ul>
    <li>Wireless earbuds, now half price</li>
    <li>Steel water bottle with free engraving</li>
    <li>Running shoes for the whole family</li>
    <li>Garden hose and spray gun set</li>
    <li>Kids puzzle book bundle for the holidays</li>
  </ul>
</body>
</html>
"""


def not_found_page() -> str:
    return """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>404 Not Found</title></head>
<body>
  <h1>Not Found</h1>
  <p>The requested URL was not found on this server. It may have been moved or deleted.
  Please check the address or return to the home page and try searching for what you need.</p>
  <hr><address>Apache/2.4.58 (Debian) Server at gardens.example.org Port 443</address>
</body>
</html>
"""


# --------------------------------------------------------------------------- binary payloads


def tiny_png(width: int = 16, height: int = 16) -> bytes:
    """A valid RGB PNG with a small gradient (deterministic)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + bytes(v % 256 for x in range(width) for v in (x * 16, y * 16, 128))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF with one line of text and a correct xref table."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref_at = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, xref_at)
    )
    return out.getvalue()


# --------------------------------------------------------------------------- the pages


@dataclasses.dataclass
class Page:
    """One fetched URL: becomes a request, a response and a metadata record."""

    kind: str
    url: str
    body: bytes
    content_type: str = "text/html; charset=UTF-8"
    status: int = 200
    extra_headers: tuple[tuple[str, str], ...] = ()
    identified_type: str = "text/html"
    charset_detected: str | None = "UTF-8"
    expect: dict = dataclasses.field(default_factory=dict)


def _near_duplicate(text: str) -> str:
    """The same article with a handful of words changed, as a scraper site republishes it."""
    edits = [
        ("Last autumn", "Last October"),
        ("orange with rust", "brown with rust"),
        ("two evenings of patience", "three evenings of patience"),
        ("came up surprisingly well", "came up remarkably well"),
        ("a short loop around the park", "a short loop around the lake"),
    ]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


GARDEN_SITE = Site(
    "Alder Street Gardeners",
    ("News", "Growing guides", "Events", "Volunteer", "Donate"),
    "Recent posts",
    ("Seed swap this Saturday", "Building a compost bin", "Meet our new members"),
)
BAKERY_SITE = Site(
    "Crumb & Crust",
    ("Recipes", "Techniques", "Equipment", "Shop"),
    "Popular recipes",
    ("Easy focaccia", "Rye bread for beginners", "Cinnamon buns"),
    # CSS classes and a link label say "copyright" but there is no notice on this page.
    footer_note='<div class="copyright-links"><a href="/copyright-policy">Copyright policy</a> &middot; <a href="/terms">Terms</a></div>',
    footer_class="footer copyright-footer",
)
RAIL_SITE = Site(
    "Rail Watch",
    ("Analysis", "Timetables", "Stations", "Podcast"),
    "More analysis",
    ("Night trains are back", "The case for electrification", "Station accessibility audit"),
)
WORKSHOP_SITE = Site(
    "Garage Workshop",
    ("Bikes", "Tools", "Woodwork", "Forum"),
    "From the workshop",
    ("Truing a wheel at home", "Choosing chain lube", "A cheap work stand"),
)
BATS_SITE = Site(
    "River Path Nature Group",
    ("Surveys", "Walks", "Species", "Join us"),
    "Survey reports",
    ("Moth night results", "Swift box project", "Winter bird count"),
    footer_note=(
        '<p class="license">Except where otherwise noted, content on this site is licensed under a '
        '<a rel="license" href="https://creativecommons.org/licenses/by/4.0/">Creative Commons '
        "Attribution 4.0 International License</a>.</p>"
    ),
)
COAST_SITE = Site(
    "Northern Coast Guide",
    ("Beaches", "Walks", "Wildlife", "Where to stay"),
    "Explore the coast",
    ("Best sunset viewpoints", "Lighthouse history", "Seal watching etiquette"),
)
WATCH_SITE = Site(
    "Keller Horology",
    ("Services", "Notes", "Prices", "Contact"),
    "Workshop notes",
    ("Servicing a pocket watch", "Crystal replacement", "Why watches lose time"),
    footer_note="<p>&copy; 2021 Martin Keller. All rights reserved.</p>",
)
GAZETTE_SITE = Site(
    "Riverside Gazette",
    ("Local", "Politics", "Business", "Sport", "Culture"),
    "Most read",
    ("Council approves bridge repairs", "Farmers market returns", "New bus routes from July"),
)
OUTDOOR_SITE = Site(
    "Trail & Summit",
    ("Gear", "Routes", "Skills", "Reviews"),
    "Gear guides",
    ("Sleeping bag ratings explained", "Stoves compared", "Waterproof jackets"),
)
SEO_SITE = Site(
    "SuccessHub Daily",
    ("Productivity", "Finance", "Wellness", "Careers"),
    "Trending now",
    ("7 morning habits of leaders", "Passive income ideas", "Mindset hacks"),
)
ADULT_SITE = Site(
    "Members Area",
    ("Home", "Members", "Help"),
    "Information",
    ("Billing", "Account help", "Report content"),
)
TRAVEL_SITE = Site(
    "Slow Travel Notes",
    ("Europe", "Food", "Rail journeys", "About"),
    "More from France",
    ("Two days in Annecy", "Markets of Provence", "Night train to Nice"),
)
HOME_SITE = Site(
    "Fix It at Home",
    ("Plumbing", "Electrics", "Heating", "Garden"),
    "Related guides",
    ("Bleeding a radiator", "Fixing a dripping tap", "Insulating pipes"),
)
FRENCH_SITE = Site(
    "Le Journal du Canton",
    ("Actualités", "Économie", "Vie locale", "Agenda"),
    "À lire aussi",
    ("La fête du village", "Travaux sur la départementale", "Le club de foot recrute"),
    footer_links=("Mentions légales", "Contact", "Confidentialité"),
)
JAPANESE_SITE = Site(
    "お茶の里だより",
    ("ニュース", "生産者", "レシピ", "お問い合わせ"),
    "人気の記事",
    ("新茶の楽しみ方", "茶畑さんぽ", "抹茶スイーツ特集"),
    footer_links=("会社概要", "お問い合わせ", "プライバシーポリシー"),
)

ENGLISH_KEPT = {"kept": True, "language": "en"}


def _html(text: str) -> bytes:
    return text.encode("utf-8")


def _article_page(
    kind: str,
    url: str,
    site: Site,
    title: str,
    article: str,
    *,
    extra_headers: tuple[tuple[str, str], ...] = (("Server", "nginx"),),
    expect: dict,
    **render_options,
) -> Page:
    """A UTF-8 article page on `site` (render_options go to `render_page`)."""
    body = render_page(site, title, article, **render_options).encode("utf-8")
    return Page(kind, url, body, extra_headers=extra_headers, expect=expect)


def build_pages() -> list[Page]:
    """Every fetched URL of the sample, in crawl order (originals before their copies)."""
    pages = [
        _article_page(
            "article_en",
            "https://gardens.example.org/news/how-a-community-garden-changed-our-block",
            GARDEN_SITE,
            "How a community garden changed our block",
            articles.COMMUNITY_GARDENS,
            author="Delia Moreno",
            extra_headers=(("Server", "nginx"), ("Cache-Control", "max-age=600")),
            expect={
                **ENGLISH_KEPT,
                "license": None,
                "text_contains": ["twenty-four raised beds", "nine hundred pounds of vegetables"],
                "text_excludes": ["Subscribe to our newsletter", "We use cookies"],
            },
        ),
        _article_page(
            "article_en_copyright_css_trap",
            "https://www.crumb-and-crust.example.com/techniques/sourdough-starter-guide",
            BAKERY_SITE,
            "A beginner's guide to sourdough starter",
            articles.SOURDOUGH_STARTER,
            author="Priya Natarajan",
            extra_headers=(("Server", "cloudflare"), ("Vary", "Accept-Encoding")),
            expect={
                **ENGLISH_KEPT,
                "license": None,
                "copyright_holder": None,
                "all_rights_reserved": False,
                "text_contains": ["wild yeasts and lactic acid bacteria"],
            },
        ),
        _article_page(
            "article_en",
            "https://railwatch.example.net/analysis/why-regional-rail-timetables-matter",
            RAIL_SITE,
            "Why regional rail timetables matter",
            articles.REGIONAL_RAIL,
            author="Tomasz Wojcik",
            published="2024-04-21",
            extra_headers=(("Server", "Apache"),),
            expect={
                **ENGLISH_KEPT,
                "license": None,
                "text_contains": ["clock-face or regular-interval timetable"],
            },
        ),
        _article_page(
            "article_en",
            "https://workshop.example.com/bikes/restoring-an-old-steel-road-bike",
            WORKSHOP_SITE,
            "Restoring an old steel road bike",
            articles.OLD_BICYCLE,
            author="Sam Okafor",
            published="2024-02-11",
            extra_headers=(("Server", "nginx"),),
            expect={
                **ENGLISH_KEPT,
                "license": None,
                "text_contains": ["French threaded bottom bracket"],
            },
        ),
        _article_page(
            "cc_by_page",
            "https://riverpath-nature.example.org/surveys/bat-survey-field-notes-2023",
            BATS_SITE,
            "Field notes on the river path bats",
            articles.URBAN_BATS,
            author="River Path Nature Group",
            published="2023-10-30",
            head_extra='<link rel="license" href="https://creativecommons.org/licenses/by/4.0/">',
            extra_headers=(("Server", "nginx"),),
            expect={
                **ENGLISH_KEPT,
                "license": "CC-BY-4.0",
                "license_class": "permissive",
                "text_contains": ["handheld bat detector"],
            },
        ),
        _article_page(
            "image_cc_attribution_trap",
            "https://northern-coast.example.com/wildlife/tide-pools-below-the-lighthouse",
            COAST_SITE,
            "Exploring the tide pools below the lighthouse",
            articles.TIDE_POOLS,
            author="Morag Stewart",
            before_article=(
                '<figure class="wp-block-image"><img src="/media/tide-pool.jpg" '
                'alt="A rock pool with red anemones"><figcaption>Photo by Jana Novak, '
                '<a href="https://creativecommons.org/licenses/by/2.0/">CC BY 2.0</a>, '
                "via Wikimedia Commons</figcaption></figure>"
            ),
            extra_headers=(("Server", "Apache"),),
            expect={
                **ENGLISH_KEPT,
                "license": None,
                "license_class": "unknown",
                "embedded_license": "CC-BY-2.0",
                "text_contains": ["beadlet anemones"],
            },
        ),
        _article_page(
            "copyright_notice",
            "https://keller-horology.example.com/notes/common-faults-in-mechanical-watches",
            WATCH_SITE,
            "Common faults in mechanical watches",
            articles.WATCH_REPAIR,
            author="Martin Keller",
            published="2021-09-14",
            extra_headers=(("Server", "LiteSpeed"),),
            expect={
                **ENGLISH_KEPT,
                "license": None,
                "license_class": "all_rights_reserved",
                "copyright_holder": "Martin Keller",
                "copyright_years": [2021],
                "all_rights_reserved": True,
                "text_contains": ["demagnetiser"],
            },
        ),
        _article_page(
            "tdm_reservation",
            "https://www.riverside-gazette.example.com/local/2024/05/library-sunday-opening",
            GAZETTE_SITE,
            "Central library to open on Sunday afternoons",
            articles.LIBRARY_HOURS,
            author="Helen Carter",
            published="2024-05-14",
            head_extra=(
                '<meta name="tdm-reservation" content="1">\n'
                '  <meta name="tdm-policy" content="https://www.riverside-gazette.example.com/tdm-policy.json">'
            ),
            extra_headers=(("Server", "Varnish"),),
            expect={
                **ENGLISH_KEPT,
                "tdm_reservation": True,
                "tdm_policy": "https://www.riverside-gazette.example.com/tdm-policy.json",
                "noai": False,
                "text_contains": ["Sunday afternoons"],
            },
        ),
        _article_page(
            "noai_header",
            "https://trail-and-summit.example.com/gear/how-to-choose-a-backpacking-tent",
            OUTDOOR_SITE,
            "How to choose a backpacking tent",
            articles.BACKPACKING_TENT,
            author="Lena Fischer",
            published="2024-03-30",
            extra_headers=(("Server", "nginx"), ("X-Robots-Tag", "noai, noimageai")),
            expect={
                **ENGLISH_KEPT,
                "noai": True,
                "tdm_reservation": None,  # no TDMRep statement: null, not "not reserved"
                "text_contains": ["Freestanding tents"],
            },
        ),
        _article_page(
            "ai_generated",
            "https://successhub-daily.example.com/productivity/10-proven-ways-to-boost-productivity",
            SEO_SITE,
            "10 Proven Ways to Boost Your Productivity in 2024",
            articles.AI_PRODUCTIVITY,
            author="SuccessHub Team",
            published="2024-05-01",
            extra_headers=(("Server", "cloudflare"),),
            expect={
                **ENGLISH_KEPT,
                "ai_generated": True,
                "ai_markers": ["As an AI language model", "I hope this helps"],
                "text_contains": ["Eisenhower Matrix"],
            },
        ),
        Page(
            "blocklisted_url",
            "https://adult-example.xxx/members/welcome",
            _html(render_page(ADULT_SITE, "Welcome", articles.AGE_NOTICE_XXX, author="Support")),
            extra_headers=(("Server", "nginx"),),
            expect={"kept": False, "drop_reason_prefix": "url_filter:"},
        ),
        Page(
            "charset_in_meta_only",
            "https://slow-travel.example.org/france/lyon-cafe-culture",
            # The HTTP header names no charset: only <meta charset> tells the truth.
            render_page(
                TRAVEL_SITE,
                "A long weekend in Lyon’s cafés and bouchons",
                articles.LYON_CAFES,
                charset="windows-1252",
                author="Claire Dubois",
            ).encode("cp1252"),
            content_type="text/html",
            extra_headers=(("Server", "Apache"),),
            charset_detected="windows-1252",
            expect={
                **ENGLISH_KEPT,
                "charset": "windows-1252",
                "text_contains": [
                    "Côtes du Rhône",
                    "The city’s traditional restaurants",
                    "ahead — even",
                ],
            },
        ),
        _article_page(
            "gzip_content_encoding",
            "https://fixit-home.example.net/plumbing/understanding-water-pressure",
            HOME_SITE,
            "Understanding water pressure at home",
            articles.WATER_PRESSURE,
            author="Gary Mills",
            published="2023-11-08",
            # Like Common Crawl: the body is stored decoded and the header is renamed.
            extra_headers=(
                ("Server", "nginx"),
                ("Vary", "Accept-Encoding"),
                ("X-Crawler-Content-Encoding", "gzip"),
                ("X-Crawler-Transfer-Encoding", "chunked"),
            ),
            expect={**ENGLISH_KEPT, "text_contains": ["pressure-reducing valve"]},
        ),
        _article_page(
            "non_english",
            "https://journal-du-canton.example.com/vie-locale/le-marche-du-samedi",
            FRENCH_SITE,
            "Le marché du samedi, cœur battant du village",
            articles.FRENCH_MARKETS,
            lang="fr",
            author="Martine Lefèvre",
            extra_headers=(("Server", "Apache"), ("Content-Language", "fr")),
            expect={"kept": False, "drop_reason_prefix": "language:", "language": "fr"},
        ),
        _article_page(
            "non_english",
            "https://ochanosato.example.jp/news/shincha-2024",
            JAPANESE_SITE,
            "新茶の季節、静岡の茶畑を訪ねて",
            articles.JAPANESE_TEA,
            lang="ja",
            author="山田 花子",
            extra_headers=(("Server", "nginx"),),
            expect={"kept": False, "drop_reason_prefix": "language:", "language": "ja"},
        ),
        Page(
            "boilerplate_only",
            "https://northwind-outfitters.example.com/shop/all",
            _html(boilerplate_only_page()),
            extra_headers=(("Server", "nginx"), ("Set-Cookie", "session=abc123; Path=/; HttpOnly")),
            # trafilatura with favor_precision (the pipeline's setting) returns nothing; plain
            # trafilatura or resiliparse return the menu words (language score ~0.3).
            expect={
                "kept": False,
                "drop_reason_prefix": READ_AND_EXTRACT_REASONS["nothing_extracted"],
                "drop_reason_alternatives": ["language:", "gopher"],
            },
        ),
        Page(
            "low_quality",
            "https://deals-daily.example.com/today",
            _html(low_quality_page()),
            extra_headers=(("Server", "nginx"),),
            expect={"kept": False, "drop_reason_prefix": "gopher_quality:", "language": "en"},
        ),
        Page(
            "http_404",
            "https://gardens.example.org/events/summer-fair-2019",
            _html(not_found_page()),
            status=404,
            content_type="text/html; charset=iso-8859-1",
            extra_headers=(("Server", "Apache/2.4.58 (Debian)"),),
            charset_detected="ISO-8859-1",
            expect={
                "kept": False,
                "drop_reason_prefix": READ_AND_EXTRACT_REASONS["non_200_status"],
            },
        ),
        Page(
            "non_html",
            "https://gardens.example.org/media/bed-plan.png",
            tiny_png(),
            content_type="image/png",
            extra_headers=(("Server", "nginx"), ("Accept-Ranges", "bytes")),
            identified_type="image/png",
            charset_detected=None,
            expect={
                "kept": False,
                "drop_reason_prefix": READ_AND_EXTRACT_REASONS["non_html_content_type"],
            },
        ),
        Page(
            "non_html",
            "https://railwatch.example.net/files/timetable-summer-2024.pdf",
            tiny_pdf("Summer timetable 2024: trains every 30 minutes."),
            content_type="application/pdf",
            extra_headers=(("Server", "Apache"), ("Accept-Ranges", "bytes")),
            identified_type="application/pdf",
            charset_detected=None,
            expect={
                "kept": False,
                "drop_reason_prefix": READ_AND_EXTRACT_REASONS["non_html_content_type"],
            },
        ),
    ]
    rail, bike = pages[2], pages[3]
    pages += [
        # Same page template and text on a mirror host: extraction gives identical text.
        Page(
            "exact_duplicate",
            "https://mirror.railwatch.example.org/analysis/why-regional-rail-timetables-matter",
            rail.body,
            extra_headers=(("Server", "nginx"),),
            expect={
                "kept": False,
                "drop_reason_prefix": "exact_duplicate",
                "language": "en",
                "exact_duplicate_of": rail.url,
            },
        ),
        # A scraper site republishing the bike article with five words changed.
        _article_page(
            "near_duplicate",
            "https://bike-tips-daily.example.net/2024/05/restore-vintage-road-bike",
            WORKSHOP_SITE,
            "Restoring an old steel road bike",
            _near_duplicate(articles.OLD_BICYCLE),
            author="Admin",
            published="2024-05-16",
            extra_headers=(("Server", "cloudflare"),),
            expect={
                "kept": False,
                "drop_reason_prefix": "near_duplicate",
                "language": "en",
                "near_duplicate_of": bike.url,
            },
        ),
    ]
    return pages


# --------------------------------------------------------------------------- WARC writing


def _record_id(kind: str, key: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{kind}:{key}')}>"


def _warc_date(index: int) -> str:
    """Fetch times 37 s apart, in list order, so originals are always older than copies."""
    return (FIRST_FETCH + dt.timedelta(seconds=37 * index)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _http_date(warc_date: str) -> str:
    moment = dt.datetime.strptime(warc_date, "%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")


def _ip_address(host: str) -> str:
    digest = hashlib.sha1(host.encode()).digest()
    return f"{digest[0] % 200 + 20}.{digest[1]}.{digest[2]}.{digest[3] % 250 + 2}"


def _status_line(status: int) -> str:
    return {200: "200 OK", 404: "404 Not Found"}[status]


def _request_headers(url: str) -> StatusAndHeaders:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return StatusAndHeaders(
        f"GET {path} HTTP/1.1",
        [
            ("User-Agent", USER_AGENT),
            ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("Accept-Language", "en-US,en;q=0.5"),
            ("Accept-Encoding", "br,gzip"),
            ("Host", parts.netloc),
            ("Connection", "Keep-Alive"),
        ],
        is_http_request=True,
    )


def _response_headers(page: Page, warc_date: str) -> StatusAndHeaders:
    headers = [("Date", _http_date(warc_date)), ("Content-Type", page.content_type)]
    headers += list(page.extra_headers)
    headers.append(("Content-Length", str(len(page.body))))
    return StatusAndHeaders(_status_line(page.status), headers, protocol="HTTP/1.1")


def _warc_headers(record_type: str, record_id: str, warc_date: str, warcinfo_id: str, **extra):
    """WARC headers in Common Crawl's order (warcio fills in lengths and digests in place)."""
    headers = {
        "WARC-Type": record_type,
        "WARC-Date": warc_date,
        "WARC-Record-ID": record_id,
        "Content-Length": "0",
        "Content-Type": "",
        "WARC-Warcinfo-ID": warcinfo_id,
    }
    headers.update({name.replace("_", "-"): value for name, value in extra.items()})
    return headers


def _fields(pairs: list[tuple[str, str]]) -> bytes:
    return "".join(f"{name}: {value}\r\n" for name, value in pairs).encode("utf-8")


def warcinfo_record(writer, filename: str, record_id: str, warc_date: str, fields):
    """A warcinfo record (fields: (name, value) pairs) with Common Crawl's header order."""
    payload = _fields(fields)
    return writer.create_warc_record(
        "",
        "warcinfo",
        payload=io.BytesIO(payload),
        length=len(payload),
        warc_headers_dict={
            "WARC-Type": "warcinfo",
            "WARC-Date": warc_date,
            "WARC-Record-ID": record_id,
            "Content-Length": "0",
            "Content-Type": "application/warc-fields",
            "WARC-Filename": filename,
        },
    )


class _Recorder:
    """Writes records and remembers one ground-truth row per record, in file order."""

    def __init__(self, out):
        self.writer = WARCWriter(out, gzip=True, warc_version="1.0")
        self.out = out
        self.rows: list[dict] = []

    def write(self, record, row: dict) -> None:
        self.writer.write_record(record)
        row["warc_record_id"] = record.rec_headers.get_header("WARC-Record-ID")
        row["warc_type"] = record.rec_headers.get_header("WARC-Type")
        self.rows.append(row)


def _fix_content_type(record, content_type: str) -> None:
    record.rec_headers.replace_header("Content-Type", content_type)
    record.content_type = content_type


def write_sample(warc_path: Path) -> dict:
    """Write the sample WARC to `warc_path`; return the ground truth as a dict."""
    buffer = io.BytesIO()
    recorder = _Recorder(buffer)
    writer = recorder.writer

    warcinfo_id = _record_id("warcinfo", WARC_NAME)
    info = [
        ("isPartOf", CRAWL),
        ("publisher", "ccprov (built-in sample, synthetic pages written for the project)"),
        ("description", "Sample imitating a Common Crawl WARC file for May 2024"),
        ("operator", "ccprov developers"),
        ("hostname", "sample-generator"),
        ("software", "ccprov pipeline.sample.generate (warcio)"),
        (
            "robots",
            "checked via crawler-commons 1.5-SNAPSHOT (https://github.com/crawler-commons/crawler-commons)",
        ),
        ("format", "WARC File Format 1.1"),
        (
            "conformsTo",
            "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        ),
    ]
    warcinfo = warcinfo_record(writer, WARC_NAME, warcinfo_id, WARCINFO_DATE, info)
    recorder.write(
        warcinfo, {"url": None, "kind": "warcinfo", "is_html_response": False, "in_ledger": False}
    )

    pages = build_pages()
    response_ids = {}
    payload_digests = {}
    for index, page in enumerate(pages):
        warc_date = _warc_date(index)
        ip = _ip_address(urlsplit(page.url).netloc)
        request_id = _record_id("request", page.url)
        response_id = _record_id("response", page.url)
        response_ids[page.url] = response_id

        request = writer.create_warc_record(
            page.url,
            "request",
            http_headers=_request_headers(page.url),
            warc_headers_dict=_warc_headers(
                "request",
                request_id,
                warc_date,
                warcinfo_id,
                WARC_IP_Address=ip,
                WARC_Target_URI=page.url,
            ),
        )
        _fix_content_type(request, "application/http; msgtype=request")
        recorder.write(
            request,
            {"url": page.url, "kind": "request", "is_html_response": False, "in_ledger": False},
        )

        response = writer.create_warc_record(
            page.url,
            "response",
            payload=io.BytesIO(page.body),
            length=len(page.body),
            http_headers=_response_headers(page, warc_date),
            warc_headers_dict=_warc_headers(
                "response",
                response_id,
                warc_date,
                warcinfo_id,
                WARC_Concurrent_To=request_id,
                WARC_IP_Address=ip,
                WARC_Target_URI=page.url,
            ),
        )
        _fix_content_type(response, "application/http; msgtype=response")
        response.rec_headers.add_header("WARC-Identified-Payload-Type", page.identified_type)
        payload_digests[page.url] = response.rec_headers.get_header("WARC-Payload-Digest")
        is_html = page.identified_type == "text/html"
        recorder.write(
            response,
            {
                "url": page.url,
                "kind": page.kind,
                "is_html_response": is_html,
                "http_status": page.status,
                "content_type": page.content_type,
                "warc_date": warc_date,
                "in_ledger": True,
                "expect": page.expect,
            },
        )

        fetch_ms = int.from_bytes(hashlib.sha1(page.url.encode()).digest()[:2], "big") % 900 + 40
        meta_fields = [("fetchTimeMs", str(fetch_ms))]
        if page.charset_detected:
            meta_fields.append(("charset-detected", page.charset_detected))
        meta_payload = _fields(meta_fields)
        metadata = writer.create_warc_record(
            page.url,
            "metadata",
            payload=io.BytesIO(meta_payload),
            length=len(meta_payload),
            warc_headers_dict=_warc_headers(
                "metadata",
                _record_id("metadata", page.url),
                warc_date,
                warcinfo_id,
                WARC_Concurrent_To=response_id,
                WARC_Target_URI=page.url,
            ),
        )
        _fix_content_type(metadata, "application/warc-fields")
        recorder.write(
            metadata,
            {"url": page.url, "kind": "metadata", "is_html_response": False, "in_ledger": False},
        )

    # A later re-fetch of the first page with an unchanged payload: stored as a revisit.
    original = pages[0]
    revisit_date = _warc_date(len(pages) + 1)
    revisit = writer.create_revisit_record(
        original.url,
        digest=payload_digests[original.url],
        refers_to_uri=original.url,
        refers_to_date=_warc_date(0),
        http_headers=_response_headers(original, revisit_date),
        warc_headers_dict=_warc_headers(
            "revisit",
            _record_id("revisit", original.url),
            revisit_date,
            warcinfo_id,
            WARC_Refers_To=response_ids[original.url],
            WARC_IP_Address=_ip_address(urlsplit(original.url).netloc),
            WARC_Target_URI=original.url,
        ),
    )
    _fix_content_type(revisit, "application/http; msgtype=response")
    recorder.write(
        revisit,
        {"url": original.url, "kind": "revisit", "is_html_response": False, "in_ledger": False},
    )

    warc_path.write_bytes(buffer.getvalue())
    return {
        "warc": WARC_NAME,
        "crawl": CRAWL,
        "description": (
            "Expected results for pipeline/sample/sample.warc.gz with the default run options "
            "(languages=en, licence policy tag-only, AI policy tag-only, dedup minhash). One row "
            "per WARC record in file order; 'in_ledger' is true for response records (one ledger "
            "row each); 'expect' lists only the properties that apply to that page."
        ),
        "read_and_extract_reasons": READ_AND_EXTRACT_REASONS,
        "expect_keys": EXPECT_KEYS,
        "records": recorder.rows,
    }


def write_ground_truth(truth: dict, path: Path) -> None:
    path.write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def generate(out_dir: Path = PACKAGE_DIR) -> tuple[Path, Path]:
    """Regenerate the sample WARC and ground truth in `out_dir`; return both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    warc_path = out_dir / WARC_NAME
    truth_path = out_dir / GROUND_TRUTH_NAME
    write_ground_truth(write_sample(warc_path), truth_path)
    return warc_path, truth_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.sample.generate", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=PACKAGE_DIR,
        help="where to write (default: the package folder)",
    )
    args = parser.parse_args(argv)
    warc_path, truth_path = generate(args.out_dir)
    print(f"wrote {warc_path} ({warc_path.stat().st_size} bytes) and {truth_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
