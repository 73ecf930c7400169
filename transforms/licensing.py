"""Licence, copyright and opt-out signals of one page, with the evidence behind each verdict.

Runs on the raw HTML and HTTP headers, before extraction (trafilatura drops the head and the
footer, where most of these signals live). Common Pile found that matching every Creative Commons
link over-counts badly: most such links license an image, a video or a quoted work, not the page's
text. So every signal is recorded as evidence with a *scope*: `page` (head metadata, HTTP Link
header, the JSON-LD of the page itself, a site footer statement, a statement about "this site")
or `embedded` (attribution lines next to images and figures, licences of software and quoted
works, anything we cannot tie to the page). Only page-scope evidence sets `license`; when
page-scope sources disagree the most restrictive one wins and `license_conflict` is set.

Opt-outs: TDMRep (`tdm-reservation`), `noai`/`noimageai` robots directives, the IETF AI-preferences
drafts (`Content-Usage`), and robots.txt as of the crawl for CCBot, GPTBot, Google-Extended and `*`
(see transforms/robots.py). docs/licensing.md lists every rule and its limits.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import re
import time
from typing import Any
from urllib.parse import unquote, urljoin

import apache_beam as beam
from lxml import etree

from transforms.robots import (
    AGENTS,
    RobotsIndex,
    RobotsVerdict,
    agent_column,
    combine_usage_preferences,
    parse_usage_preferences,
)

NAMESPACE = "license"  # doc.attributes[NAMESPACE]

# Evidence sources and scopes.
SOURCES = ("link_rel_license", "http_link_header", "json_ld", "meta", "anchor", "text_statement")
PAGE = "page"
EMBEDDED = "embedded"

LICENSE_CLASSES = (
    "public_domain",
    "permissive",
    "copyleft",
    "noncommercial",
    "noderivatives",
    "all_rights_reserved",
    "unknown",
)
OPEN_CLASSES = frozenset({"public_domain", "permissive", "copyleft"})
# Order used to pick "the most restrictive" licence when page-scope sources disagree. A licence
# we cannot classify counts as more restrictive than any known open or NC/ND licence.
_RESTRICTIVENESS = {
    "public_domain": 0,
    "permissive": 1,
    "copyleft": 2,
    "noncommercial": 3,
    "noderivatives": 4,
    "unknown": 5,
    "all_rights_reserved": 6,
}
# Among equally restrictive licences, the more deliberate, machine-readable source wins.
_SOURCE_STRENGTH = {s: len(SOURCES) - i for i, s in enumerate(SOURCES)}

LICENSE_POLICIES = ("tag-only", "open", "no-optout", "open-no-optout")
DEFAULT_POLICY = "tag-only"

# Opt-out signals as listed in the `opt_out_signals` column (robots ones get the agent appended).
OPT_OUT_TDM = "tdm_reservation"
OPT_OUT_NOAI = "noai"
OPT_OUT_TRAIN_AI = "train_ai_opt_out"
OPT_OUT_ROBOTS = "robots:"
_AI_AGENTS = tuple(a for a in AGENTS if a != "*")  # a `*` group alone is no AI opt-out

MAX_EVIDENCE = 32
MAX_SNIPPET = 200
_MAX_HTML_CHARS = 3_000_000  # above this keep the head and the tail (where footers are)
# Work per page is bounded, so that no page costs more than a fraction of a second (pages
# repeating "CC BY" 4,000 times, 8,000 licence links in one block or 1,000 nested blocks took
# 1-10 s, and a 1 MB one more than 10 minutes). Past a bound, the first and the last half of
# the items are examined: footers, which hold the site's own notice, come last.
_MAX_TEXT_HITS = 300  # text nodes examined per page for statements and notices
_MAX_MATCHES_PER_NODE = 16  # mentions examined per text node
_MAX_NOTICE_YEARS = 30  # years read from one notice's list
_MAX_LICENCE_LINKS = 100  # licence links examined per page
_MAX_BLOCK_ELEMENTS = 50_000  # elements walked to build block texts, per page and scan

# --------------------------------------------------------------------------------------------
# Licence identifiers: URL -> SPDX-style id, id -> class
# --------------------------------------------------------------------------------------------

_CC_CODES = {
    "by": "BY",
    "by-sa": "BY-SA",
    "by-nd": "BY-ND",
    "by-nc": "BY-NC",
    "by-nc-sa": "BY-NC-SA",
    "by-nc-nd": "BY-NC-ND",
    "by-nd-nc": "BY-NC-ND",  # the 1.0 spelling
}
_GNU_LATEST = {"fdl": "1.3", "gpl": "3.0", "lgpl": "3.0", "agpl": "3.0"}
_GNU_IDS = {"fdl": "GFDL", "gpl": "GPL", "lgpl": "LGPL", "agpl": "AGPL"}
_OSI_IDS = {
    "mit": "MIT",
    "mit-license": "MIT",
    "apache-2.0": "Apache-2.0",
    "apache2.0": "Apache-2.0",
    "bsd-2-clause": "BSD-2-Clause",
    "bsd-3-clause": "BSD-3-Clause",
    "bsd-license": "BSD-3-Clause",
    "isc": "ISC",
    "isc-license": "ISC",
    "0bsd": "0BSD",
    "mpl-2.0": "MPL-2.0",
    "gpl-2.0": "GPL-2.0",
    "gpl-3.0": "GPL-3.0",
    "lgpl-2.1": "LGPL-2.1",
    "lgpl-3.0": "LGPL-3.0",
    "agpl-3.0": "AGPL-3.0",
    "zlib": "Zlib",
    "unlicense": "Unlicense",
}
# Software licences: a link to one in the body is about software, unless it is rel=license
# or its sentence is about the page.
_SOFTWARE_IDS = (
    "GPL", "LGPL", "AGPL", "MIT", "APACHE", "BSD", "ISC", "0BSD", "MPL", "EUPL", "ZLIB",
    "UNLICENSE", "WTFPL",
)  # fmt: skip
# Hosts worth looking at in hrefs; one alternation of them (_LICENSE_HREF_RE) screens an href
# about twice as fast as a substring test per key.
_LICENSE_HREF_KEYS = (
    "creativecommons.",
    "licensebuttons.net",
    "gnu.org/",
    "opensource.org/licen",
    "apache.org/licenses",
    "unlicense.org",
    "artlibre.org",
    "open-government-licen",
    "opendatacommons.org/licen",
    "spdx.org/licenses",
    "wtfpl.net",
    "licence-ouverte",
    "dl-de",
)
_LICENSE_HREF_RE = re.compile("|".join(map(re.escape, _LICENSE_HREF_KEYS)))


def license_from_url(url: str | None) -> str | None:
    """SPDX-style id of a licence URL (deeds, legal codes, badges, translations), else None.

    CC ports keep their jurisdiction as a suffix: .../by-sa/3.0/de/ -> CC-BY-SA-3.0-DE.
    """
    if not url:
        return None
    raw = url.strip()
    text = raw.lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*:", "", text).lstrip("/")
    host, _, path = text.partition("/")
    host = host.rsplit("@", 1)[-1].split(":", 1)[0]
    if host.startswith("www."):
        host = host[4:]
    path = re.split(r"[?#]", path, maxsplit=1)[0]
    segs = [s for s in path.split("/") if s]
    if host in ("creativecommons.org", "creativecommons.net"):
        return _cc_from_segments(segs)
    if host in ("i.creativecommons.org", "licensebuttons.net") and segs[:1] in (["l"], ["p"]):
        return _cc_from_segments(["licenses" if segs[0] == "l" else "publicdomain"] + segs[1:])
    if host == "gnu.org" and segs[:1] in (["licenses"], ["copyleft"]):
        m = re.fullmatch(r"(fdl|gpl|lgpl|agpl)(?:-(\d\.\d))?(?:\.[a-z-]+)*", segs[-1])
        if m:
            return f"{_GNU_IDS[m.group(1)]}-{m.group(2) or _GNU_LATEST[m.group(1)]}"
        return None
    if host == "opensource.org" and len(segs) >= 2 and segs[0] in ("licenses", "license"):
        return _OSI_IDS.get(re.sub(r"\.(php|html?)$", "", segs[1]))
    if host == "apache.org" and segs[:1] == ["licenses"] and len(segs) >= 2:
        if re.fullmatch(r"license-2\.0(?:\.html|\.txt)?", segs[1]):
            return "Apache-2.0"
    if host == "unlicense.org":
        return "Unlicense"
    if host == "wtfpl.net":
        return "WTFPL"
    if host == "artlibre.org" and "lal" in segs:
        return "FAL-1.3"
    if host == "nationalarchives.gov.uk" and "open-government-licence" in segs:
        version = segs[-1] if segs[-1].isdigit() else "3"
        return f"OGL-UK-{version}.0"
    if host == "opendatacommons.org" and len(segs) >= 2 and segs[0] == "licenses":
        return {"odbl": "ODbL-1.0", "by": "ODC-By-1.0", "pddl": "PDDL-1.0"}.get(segs[1])
    if host == "etalab.gouv.fr" and segs and segs[0].startswith("licence-ouverte"):
        return "etalab-2.0"
    if (
        host == "github.com"
        and segs[:2] == ["etalab", "licence-ouverte"]
        and (len(segs) == 2 or segs[2] in ("blob", "raw", "tree"))
    ):
        # Where the French state's design system (DSFR) links its footer's "licence etalab-2.0".
        return "etalab-2.0"
    if host == "govdata.de" and "dl-de" in segs:
        kind = segs[-1]
        return {"by-2-0": "DL-DE-BY-2.0", "zero-2-0": "DL-DE-ZERO-2.0"}.get(kind)
    if host == "spdx.org" and len(segs) >= 2 and segs[0] == "licenses":
        # Keep SPDX's own casing, taken from the original URL.
        m = re.search(r"/licenses/([A-Za-z0-9.+-]+?)(?:\.html|\.json)?(?:[?#/]|$)", raw)
        return m.group(1) if m else None
    return None


def _cc_from_segments(segs: list[str]) -> str | None:
    if not segs:
        return None
    if segs[0] == "publicdomain":
        if segs[1:2] == ["zero"]:
            return "CC0-1.0"
        if segs[1:2] == ["mark"]:
            return "CC-PDM-1.0"
        return None  # /publicdomain/ itself is CC's page about public domain tools
    if segs[0] != "licenses" or len(segs) < 2:
        return None
    code = segs[1]
    if code == "publicdomain":
        return "CC-PDDC"
    if code == "mark":
        return "CC-PDM-1.0"
    if code not in _CC_CODES:
        return None
    version = segs[2] if len(segs) > 2 and re.fullmatch(r"\d\.\d", segs[2]) else None
    port = None
    if version and len(segs) > 3 and re.fullmatch(r"[a-z]{2,8}", segs[3]):
        if not segs[3].startswith(("deed", "legalcode", "rdf")):
            port = segs[3].upper()
    return "-".join(p for p in ("CC", _CC_CODES[code], version, port) if p)


def license_class(license_id: str | None) -> str:
    """Class of an SPDX-style id; restrictions of CC licences combine (NC-ND -> noderivatives)."""
    if not license_id:
        return "unknown"
    upper = license_id.upper()
    if upper.startswith(
        ("CC0", "CC-PDM", "CC-PDDC", "PDDL", "UNLICENSE", "LICENSEREF-PUBLIC-DOMAIN", "DL-DE-ZERO")
    ):
        return "public_domain"
    if upper.startswith("CC-BY"):
        elements = set()
        for part in upper.split("-")[1:]:
            if any(c.isdigit() for c in part):
                break  # version and port follow
            elements.add(part)
        if "ND" in elements:
            return "noderivatives"
        if "NC" in elements:
            return "noncommercial"
        if "SA" in elements:
            return "copyleft"
        return "permissive"
    if upper.startswith(("GFDL", "GPL", "LGPL", "AGPL", "FAL", "ODBL", "MPL", "EUPL")):
        return "copyleft"
    if upper.startswith(
        ("MIT", "APACHE", "BSD", "ISC", "0BSD", "OGL", "ODC-BY", "WTFPL", "ZLIB", "ETALAB")
    ) or upper.startswith("DL-DE-BY"):
        return "permissive"
    return "unknown"


def _family(license_id: str) -> str:
    """The licence without version and port: CC-BY-SA-3.0-DE -> CC-BY-SA, GFDL-1.3 -> GFDL."""
    m = re.match(r"(.+?)-\d", license_id)
    return (m.group(1) if m else license_id).upper()


def _version(license_id: str) -> str | None:
    m = re.search(r"-(\d+(?:\.\d+)?)(?:-|$)", license_id)
    return m.group(1) if m else None


def _compatible(a: str, b: str) -> bool:
    """Same licence, allowing a missing version or a port on one side."""
    if _family(a) != _family(b):
        return False
    va, vb = _version(a), _version(b)
    return va is None or vb is None or va == vb


# --------------------------------------------------------------------------------------------
# Licence mentions in text (statements, meta values, JSON-LD names)
# --------------------------------------------------------------------------------------------

_CC_NAME = re.compile(r"creative[\s\-]*commons", re.I)
# Hyphens as typed, or as WordPress and others render them ("CC BY – NC – SA").
_DASH = r"\-\u2010-\u2015\u2212\uff0d"  # with the full-width hyphen of CJK text
_CC_ABBR = re.compile(
    rf"(?<![\w/.\-])(CC)[\s{_DASH}]?(BY(?:[\s{_DASH}/+,()]*(?:NC|ND|SA)){{0,2}}|0|ZERO)"
    rf"(?![A-Za-z])(?:[\s{_DASH})]*v?(\d\.\d)\b)?(?:[\s{_DASH}]([A-Z]{{2}})\b)?",
    re.I,
)
_CC_ELEMENTS = {
    "BY": re.compile(
        r"attribution|attrib\b\.?|namensnennung|paternit[ée]|atribuci[óo]n|reconocimiento|attribuzione"
        r"|atribui[çc][ãa]o|naamsvermelding|reco[ñn]ecemento",
        re.I,
    ),
    "SA": re.compile(
        r"share[\s\-]?alike|weitergabe unter gleichen bedingungen|partage dans les m[êe]mes"
        r"|partage des conditions initiales|compartir[\s\-]?igual|condividi allo stesso modo"
        r"|compartilha[\s\-]?igual|partilha nos termos|gelijk[\s\-]?delen"
        r"|compartilhamento\s+pela\s+mesma\s+licen[çc]a|compartir\s+bajo\s+la\s+misma\s+licencia",
        re.I,
    ),
    "NC": re.compile(
        # "commerciale?": Italian's "Non commerciale" read as "Non commercial" left an "e"
        # that ended the name before its other elements.
        r"non[\s\-]?commerciale?|non[\s\-]?comm\b\.?|nicht[\s\-]?kommerziell"
        r"|keine\s+kommerzielle\s+nutzung"
        r"|pas\s?d.?\s?utilisation\s?commerciale"
        r"|no[\s\-]?comercial|non[\s\-]?comercial|non[\s\-]?commerciale|n[ãa]o[\s\-]?comercial|niet[\s\-]?commercieel",
        re.I,
    ),
    "ND": re.compile(
        r"no[\s\-]?deriv\w*|non[\s\-]?deriv\w*|keine[\s\-]?bearbeitung(?:en)?|sem[\s\-]?derivados|sin[\s\-]?derivar"
        r"|vedada\s+a\s+cria[çc][ãa]o\s+de\s+obras\s+derivadas|pas\s+d.(?:œ|oe)uvre\s+d[ée]riv[ée]e"
        r"|pas de modification|sin[\s\-]?obras?[\s\-]?derivadas?"
        r"|sin[\s\-]?derivadas|non\s?opere\s?derivate|pas\s?de\s?modification|sem[\s\-]?deriva[çc][õo]es|geen[\s\-]?afgeleide"
        r"|n[ãa]o\s+a\s+obras\s+derivadas",
        re.I,
    ),
}
_CC_ZERO = re.compile(r"zero\b|cc0\b|public\s+domain\s+dedication", re.I)
_CC_PDM = re.compile(r"public\s+domain\s+mark", re.I)
# The words a licence's name is made of besides its elements, version and port: "Creative
# Commons Attribution 4.0 International License", "Licencia Creative Commons
# Reconocimiento-NoComercial 4.0 Internacional". The name ends at the first other word, so
# "... Attribution 4.0 License and CC0 for data" or "... allowing non-commercial reuse" adds
# nothing to it.
_CC_NAME_FILLER = re.compile(
    r"(?:licen[cs]es?|lizenz(?:vertrag)?|licencia|licenza|licen[çc]a|licentie|public\s+licen[cs]e"
    r"|international|internacional|internazionale|internationaal|unported|generic|g[ée]n[ée]rique"
    r"|gen[ée]rica|universal|legal\s*code|deed|version|versi[óo]n|CC|works?|werken|conditions"
    r"|da\s+mesma\s+licen[çc]a|uso|utilisation|vom\s+typ|de\s+tipo|du\s+type|type|typ|tipo"
    r"|licen[cs]ed|lizenziert|called|named|of\s+type|that\s+is|(?-i:[Bb]y)|n[ãa]o\s+adaptada"
    r"|[àa]\s+l.identique)\b"
    r"|v(?=\d)",
    re.I,
)
_CC_NAME_CODE = re.compile(r"(BY|NC|ND|SA)\b")  # capitals only: "Creative Commons by the author"
_CC_NAME_SEPARATOR = re.compile(rf"[\s{_DASH}/:\"'“”‘’«»„‚‹›]*")
# Before the version, elements may also be listed ("Attribution, NonCommercial, ShareAlike",
# "Attribution + NonCommercial", "Attribution (Non-Commercial) 4.0", "Creative Commons
# license (Attribution-ShareAlike 3.0)"); after it, "and" or a comma ends the name ("... 4.0
# License and CC0 for data").
_CC_NAME_JOINER = re.compile(
    rf"(?:[\s{_DASH}/:\"'“”‘’«»„‚‹›,+&()\[\]]|\b(?:and|und|et|y|e)\b)*", re.I
)
_CC_VERSION = re.compile(r"(?<![\d.])([1-4]\.[05])(?!\d)")
# Jurisdiction names that follow the version of a ported licence (3.0 Germany -> -DE).
_PORT_NAMES = {
    "germany": "DE",
    "deutschland": "DE",
    "austria": "AT",
    "österreich": "AT",
    "switzerland": "CH",
    "schweiz": "CH",
    "suisse": "CH",
    "france": "FR",
    "spain": "ES",
    "españa": "ES",
    "espana": "ES",
    "italy": "IT",
    "italia": "IT",
    "netherlands": "NL",
    "nederland": "NL",
    "united states": "US",
    "england and wales": "UK",
    "england & wales": "UK",
    "uk: england and wales": "UK",
    "uk: england & wales": "UK",
    "uk: scotland": "SCOTLAND",
    "india": "IN",
    "new zealand": "NZ",
    "ireland": "IE",
    "south africa": "ZA",
    "singapore": "SG",
    "hong kong": "HK",
    "taiwan": "TW",
    "china mainland": "CN",
    "korea": "KR",
    "philippines": "PH",
    "malaysia": "MY",
    "israel": "IL",
    "greece": "GR",
    "czech republic": "CZ",
    "romania": "RO",
    "serbia": "RS",
    "croatia": "HR",
    "sweden": "SE",
    "norway": "NO",
    "finland": "FI",
    "denmark": "DK",
    "belgium": "BE",
    "luxembourg": "LU",
    "peru": "PE",
    "colombia": "CO",
    "scotland": "SCOTLAND",
    "brazil": "BR",
    "brasil": "BR",
    "japan": "JP",
    "australia": "AU",
    "canada": "CA",
    "portugal": "PT",
    "poland": "PL",
    "polska": "PL",
    "mexico": "MX",
    "méxico": "MX",
    "argentina": "AR",
    "chile": "CL",
    "igo": "IGO",
}
_PORT_AFTER_VERSION = re.compile(
    r"\s*(" + "|".join(sorted(map(re.escape, _PORT_NAMES), key=len, reverse=True)) + r")\b"
    r"(?!['’]\w)",  # "3.0 India's best blog" names no port
    re.I,
)
_GFDL = re.compile(
    r"GNU\s+Free\s+Documentation\s+Licen[cs]e|\bGFDL\b|\bGNU\s+FDL\b"
    r"|Licen[cs]e\s+de\s+documentation\s+libre\s+GNU|GNU[\s\-]Lizenz\s+f[üu]r\s+freie\s+Dokumentation"
    r"|Licencia\s+de\s+documentaci[óo]n\s+libre\s+(?:de\s+)?GNU",
    re.I,
)
_GFDL_VERSION = re.compile(r"[\s,]*(?:version|versi[óo]n|v\.?)?\s*(1\.[123])\b", re.I)
_PUBLIC_DOMAIN = re.compile(
    r"\b(?:public\s+domain|domaine\s+public|dominio\s+p[úu]blico|gemeinfrei|pubblico\s+dominio"
    r"|dom[íi]nio\s+p[úu]blico|publiek\s+domein)\b",
    re.I,
)
PUBLIC_DOMAIN_ID = "LicenseRef-Public-Domain"

# A statement has to talk about licensing, not just name a licence in passing.
_LICENSING_CONTEXT = re.compile(
    r"licen[cs]|lizen[sz]|licenza|licen[çc]a|licentie|\bunder\b|\bunter\b|\bsous\b|\bbajo\b"
    r"|\bbaixo\b|\bsotto\b|\bsob\b|\bonder\b|available|disponible|disponibile|dispon[íi]vel"
    r"|verf[üu]gbar|released|published|distributed|dedicated|mis[e]?\s+à\s+disposition"
    r"|\bCC[\s\-]?(?:BY|0)",
    re.I,
)
# Where in a text node a licence mention or a copyright notice may start.
_LICENSE_HINT = re.compile(
    r"creative[\s\-]*commons|\bCC[\s\-]?(?:BY|0\b|zero)|GNU\s+Free\s+Doc|\bGFDL\b|GNU\s+FDL"
    r"|documentation\s+libre|freie\s+Dokumentation|documentaci[óo]n\s+libre"
    r"|public\s+domain|domaine\s+public|dominio\s+p[úu]blico|gemeinfrei|pubblico\s+dominio"
    r"|dom[íi]nio\s+p[úu]blico|publiek\s+domein",
    re.I,
)
# "All rights reserved" in further languages, each written out from its first word (the
# copyright hint starts where the phrase does): Spanish's and Portuguese's "Reservados todos
# ...", Italian news sites' "Riproduzione riservata", Polish, Czech, Slovak, Russian,
# Ukrainian, Turkish, Swedish, Danish and Norwegian, Finnish, Hungarian, Romanian, Greek,
# Japanese ("無断転載禁止", "無断複製・転載を禁じます"), Korean ("모든 권리 보유", news sites'
# "무단 전재 및 재배포 금지"), Chinese ("保留所有权利"), Vietnamese ("Bản quyền thuộc về ...",
# "copyright belongs to", like 版权所有), Indonesian and Malay, Arabic and Persian (a few words
# may come between "all rights" and "reserved": "کلیه حقوق این سایت محفوظ است"), Hebrew, Thai
# ("สงวนลิขสิทธิ์", not "สงวนสิทธิ์", which reserves any right: "to change prices").
_ARR_MORE = (
    r"reservados\s+todos\s+(?:los\s+derechos|os\s+direitos)|riproduzione\s+riservata"
    r"|(?:wszelkie|wszystkie)\s+prawa\s+zastrzeżone|všechna\s+práva\s+vyhrazena"
    r"|všetky\s+práva\s+vyhradené|все\s+права\s+защищены|(?:всі|усі)\s+права\s+захищен[оі]"
    r"|(?:tüm|bütün)\s+hakları\s+saklıdır|her\s+hakkı\s+saklıdır"
    r"|alla\s+rättigheter\s+(?:förbehållna|reserverade)"
    r"|alle\s+rettighe(?:d|t)er\s+(?:forbeholdes|forbeholdt|reserver(?:et|t))"
    r"|kaikki\s+oikeudet\s+pidätetään|minden\s+jog\s+fenntartva"
    r"|toate\s+drepturile\s+(?:sunt\s+)?rezervate"
    r"|με\s+(?:την\s+)?επιφ[υύ]λαξη\s+παντ[οό]ς\s+δικαι[ωώ]ματος"
    r"|[οό]λα\s+τα\s+δικαι[ωώ]ματα\s+(?:διατηρο[υύ]νται|κατοχυρωμ[εέ]να)"
    r"|無断(?:転載|複製)[^。\n]{0,12}?禁(?:止|じます|じる|ず)?|모든\s*권리\s*보유|무단\s*전재[^.。\n]{0,30}?금지"
    r"|保留所有[权權]利|bản\s+quyền\s+thuộc(?:\s+về)?|bảo\s+lưu\s+mọi\s+quyền"
    r"|hak\s+cipta\s+(?:dilindungi|terpelihara)"
    r"|(?:جميع|كل|كافة|کلیه|كليه|تمامی|تمامي|همه)\s+(?:ال)?حقوق(?:\s+\S+){0,6}?\s+(?:محفوظ|متعلق\s+به)"
    r"|حقوق\s+(?:الطبع|النشر)(?:\s+والنشر)?\s+محفوظة|כל\s+הזכויות\s+שמורות|สงวนลิขสิทธิ์"
)
_COPYRIGHT_HINT = re.compile(
    r"[©ⓒ]|\(c\)\s*(?:(?:19|20)\d\d|25\d\d(?=\s*[\u0e01-\u0e4e])(?!\s*บาท))|\bcopyright\b|\bcopr\.|all\s+rights?\s+reserved|droits\s+r[ée]serv"
    r"|rechte\s+vorbehalten|derechos\s+reservados|diritti\s+(?:sono\s+)?riservati"
    r"|direitos\s+(?:autorais\s+|de\s+autor\s+)?reservados|derechos\s+de\s+autor\s+reservados"
    r"|dereitos\s+reservados|drets\s+reservats|rechten\s+voorbehouden|版[权權]所有(?!者(?!保留)|人\s*[：:为為是])|"
    + _ARR_MORE,
    re.I,
)
# Lowercase substrings that every match of the hint regexes above contains. Python's regex
# engine scans long alternations slowly, so the page text and then its text nodes are screened
# with these first.
_LICENSE_KEYS = (
    "commons",
    "cc by",
    "cc-by",
    "ccby",
    "cc0",
    "cc zero",
    "cc-zero",
    "cc-0",
    "gfdl",
    "gnu",
    "public domain",
    "domaine public",
    "dominio p",
    "gemeinfrei",
    "pubblico dominio",
    "domínio p",
    "publiek domein",
)
_COPYRIGHT_KEYS = (
    "©",
    "ⓒ",  # Korean sites' circled c ("ⓒ 연합뉴스"), and Ⓒ in lowercase
    "(c)",
    "copyright",
    "copr.",
    "rights reserved",
    "right reserved",
    "droits r",
    "rechte vorbehalten",
    "reservados",
    "reservats",  # Catalan "Tots els drets reservats"
    "riservat",
    "rechten voorbehouden",
    "sakl",  # "saklıdır", and "SAKLIDIR" in lowercase
    "ttighe",  # "rättigheter", "rettigheder", "rettigheter"
    "jog fenntartva",
    "toate drepturile",
    "hak cipta",
)
# Keys with a letter of a script or language that most pages do not have, each group looked
# for only on pages with that letter: a substring test over a page's text costs 5-10 µs a
# key, one letter about 1 µs, and 31 keys more for further languages cost 180 µs a page (1.5
# ms on average). Every key of a group contains its letter.
_COPYRIGHT_KEYS_AFTER_LETTER = (
    ("ä", ("oikeudet pidätetään",)),
    ("ż", ("prawa zastrzeżone",)),
    ("á", ("práva vyhra",)),
    ("ề", ("bản quyền thuộc", "bảo lưu mọi quyền")),
    ("а", ("права защищены", "права захищен")),  # Cyrillic а
    ("α", ("δικαι",)),
    ("ق", ("حقوق",)),
    ("ש", ("הזכויות שמורות",)),
    ("ส", ("สงวนลิขสิทธิ์",)),
    ("有", ("版权所有", "版權所有", "保留所有")),
    ("断", ("無断転載", "無断複製")),
    ("리", ("모든 권리", "모든권리")),
    ("단", ("무단 전재", "무단전재")),
)


def _keys_present(
    lower: str, keys: tuple[str, ...], after_letter: tuple[tuple[str, tuple[str, ...]], ...] = ()
) -> tuple[str, ...]:
    present = tuple(k for k in keys if k in lower)
    for letter, more in after_letter:
        if letter in lower:
            present += tuple(k for k in more if k in lower)
    return present


def _element_at(window: str, pos: int):
    """(match, element names) of a CC element's word or code at `pos`, else (None, ())."""
    if m := _CC_NAME_CODE.match(window, pos):
        return m, (m.group(1),)
    names = tuple(name for name, p in _CC_ELEMENTS.items() if p.match(window, pos))
    if not names:
        return None, ()
    return max((_CC_ELEMENTS[n].match(window, pos) for n in names), key=lambda m: m.end()), names


def _cc_named(window: str) -> str | None:
    """`Creative Commons Attribution-ShareAlike 4.0 ...` (in several languages) -> SPDX id;
    `window` is the text after "Creative Commons"."""
    elements: set[str] = set()
    zero = mark = False
    version = port = None
    pos = 0
    for _ in range(24):  # a name has a handful of words
        if version is None:
            pos = _CC_NAME_JOINER.match(window, pos).end()
        else:
            # After the version only an element may follow a comma or a bracket ("4.0,
            # NonCommercial license", "3.0 License (non-commercial use only)").
            plain = _CC_NAME_SEPARATOR.match(window, pos).end()
            joined = _CC_NAME_JOINER.match(window, pos).end()
            element, names = _element_at(window, joined)
            if joined > plain and element is not None and not _CC_NAME_FILLER.match(window, plain):
                elements.update(names)
                pos = element.end()
                continue
            pos = plain
        if pos >= len(window):
            break
        if m := _CC_PDM.match(window, pos):
            mark = True
        elif m := _CC_ZERO.match(window, pos):
            zero = True
        elif m := _CC_VERSION.match(window, pos):
            if version is None:
                version = m.group(1)
                pm = _PORT_AFTER_VERSION.match(window, m.end())
                if pm and version != "4.0":
                    port = _PORT_NAMES[pm.group(1).lower()]
                if pm:
                    m = pm
        elif m := _CC_NAME_FILLER.match(window, pos):
            pass
        else:
            m, names = _element_at(window, pos)
            if m is None:
                break  # the first word that is not part of a licence's name
            elements.update(names)
        if m.end() == pos:
            break
        pos = m.end()
    if _NC_ONLY.search(window, pos) and not _COMMERCIAL_TOO.search(
        window, pos
    ):  # "... License, which means ... non-commercial purposes only"
        elements.add("NC")
    if mark:
        return "CC-PDM-1.0"
    if zero and not elements:
        return "CC0-1.0"
    if not elements:
        return None  # "a Creative Commons licence" without saying which
    return _cc_id(elements, version, port)


# NonCommercial said after the name ("Attribution License for non-commercial use", "(non-
# commercial use only)", "with the NonCommercial condition"): the restrictive reading, unless
# the sentence allows commercial use too ("allowing non-commercial and commercial reuse").
_NC_ONLY = re.compile(
    r"\b(?:for|to|only)\s+non[\s\-]?commercial\b"
    r"|non[\s\-]?commercial\s+(?:use|purposes?|reuse)\s+only\b"
    r"|\bnon[\s\-]?commercial\s+(?:condition|element|clause|term)",
    re.I,
)
_COMMERCIAL_TOO = re.compile(
    r"commercial(?:ly)?\s*(?:and/or|and|or|&|/|as\s+well\s+as)\s*non[\s\-]?commercial"
    r"|non[\s\-]?commercial(?:ly)?\s*(?:and/or|and|or|&|/|as\s+well\s+as)\s*commercial"
    r"|\bnot\s+(?:restricted|limited)\s+to\s+non|\brather\s+than\s+a\s+non",
    re.I,
)


def _cc_id(elements: set[str], version: str | None, port: str | None) -> str:
    parts = ["CC", "BY"]
    if "NC" in elements:
        parts.append("NC")
    if "ND" in elements:
        parts.append("ND")
    elif "SA" in elements:
        parts.append("SA")
    return "-".join(parts + [p for p in (version, port) if p])


def license_mentions(text: str, allow_public_domain: bool = False) -> list[tuple[int, str]]:
    """(offset, SPDX id) of every licence named in a piece of text, in order."""
    found: list[tuple[int, str]] = []
    names = list(_CC_NAME.finditer(text))
    for i, m in enumerate(names):
        end = names[i + 1].start() if i + 1 < len(names) else len(text)
        window = text[m.end() : min(end, m.end() + 160)]
        window = re.split(r"[.;|](?=\s)|\n", window, maxsplit=1)[0]
        license_id = _cc_named(window)
        if license_id:
            found.append((m.start(), license_id))
    for m in _CC_ABBR.finditer(text):
        prefix, elements, version, port = m.groups()
        if prefix != "CC" and not version and "-" not in m.group(0) and elements.upper() != "0":
            continue  # lowercase "cc by" in running text is rarely a licence
        elements = elements.upper()
        if elements in ("0", "ZERO"):
            found.append((m.start(), "CC0-1.0"))
            continue
        parts = set(re.findall(r"NC|ND|SA", elements[2:]))  # "BY-NCSA", "BYNC", "BY (NC)"
        if port and (not port.isupper() or version == "4.0"):
            port = None
        found.append((m.start(), _cc_id(parts, version, port)))
    for m in _GFDL.finditer(text):
        vm = _GFDL_VERSION.match(text, m.end())
        found.append((m.start(), "GFDL-" + vm.group(1) if vm else "GFDL"))
    if allow_public_domain:
        for m in _PUBLIC_DOMAIN.finditer(text):
            if not _CC_PDM.match(text, m.start()) and not re.match(
                r"\s*dedication", text[m.end() : m.end() + 15], re.I
            ):
                found.append((m.start(), PUBLIC_DOMAIN_ID))
    found.sort()
    return _drop_versionless_duplicates(found)


def _drop_versionless_duplicates(found: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """ "Creative Commons Attribution (CC BY 4.0)" names one licence, not two."""
    ids = [lid for _, lid in found]
    out, seen = [], set()
    for offset, lid in found:
        if _version(lid) is None and any(
            other != lid and _compatible(lid, other) and _version(other) for other in ids
        ):
            continue
        if lid not in seen:
            seen.add(lid)
            out.append((offset, lid))
    return out


# --------------------------------------------------------------------------------------------
# Scope: is a statement about the page or about something embedded in it?
# --------------------------------------------------------------------------------------------

_PAGE_SUBJECT = re.compile(
    r"""
    \b(?:this|our)\s+(?:web\s?site|site|blog|page|web\s?page|work|article|post|text|content
        |document|wiki|book|publication|entry|story|essay|material|newsletter)s?\b
    |\b(?:all|site|website|blog|original|written|editorial)\s+(?:the\s+)?(?:contents?|texts?
        |material|posts|articles|writing)\b
    |\bcontents?\s+(?:on|of)\s+(?:this|the)\b|\btext\s+is\s+available\b
    |\b(?:except|unless)\s+(?:where\s+)?otherwise\s+(?:noted|stated|indicated|specified)\b
    |\bce\s+(?:site|blog|texte|contenu|document|travail)\b
    |\bcet(?:te)?\s+(?:article|page|œuvre|oeuvre|publication)\b
    |\b(?:le|les)\s+(?:contenus?|textes?)\b|\bsauf\s+(?:mention|indication)\s+contraire\b
    |\bdies(?:e[rsm]?)?\s+(?:Werk|Seite|Website|Webseite|Inhalte?|Text|Artikel|Blog|Beitrag
        |Dokument)\b
    |\b(?:der|die)\s+Texte?\b|\balle\s+Inhalte\b|\b(?:sofern|soweit)\s+nicht\s+anders\b
    |\best[ae]\s+(?:sitio|web|blog|texto|trabajo|obra|p[áa]gina|art[íi]culo|contenido|documento
        |entrada|publicaci[óo]n|site|s[íi]tio|conte[úu]do)\b
    |\b(?:el|los|o|os)\s+(?:contenidos?|textos?|conte[úu]dos?)\b
    |\bsalvo\s+(?:que\s+se\s+indique|indicaci[óo]n|donde)\b|\ba\s+menos\s+que\s+se\s+indique\b
    |\bquest(?:[oa]\s+|')(?:sito|blog|testo|articolo|contenuto|documento|lavoro|opera|pagina)\b
    |\b(?:il|i)\s+(?:testi?|contenuti)\b
    """,
    re.I | re.X,
)
# An open access article's own licence sentence (PLOS, Wiley, Hindawi, OUP, Frontiers,
# Elsevier): the page's, unless in a caption, a list or an aside (a cited or related one).
_OPEN_ACCESS_ARTICLE = re.compile(
    r"\bthis\s+is\s+an?\s+open[\s-]access\s+(?:article|paper|book|chapter|publication)\b", re.I
)
# "Photo by ...", "Image: ...": an attribution line, whatever else the sentence says.
_MEDIA_CREDIT = re.compile(
    # Not "All text and photos © 2024 Jane Doe", the page's own notice.
    r"(?<!\btext\sand\s)(?<!\btext\s&\s)(?<!\bwords\sand\s)(?<!\bcontent\sand\s)"
    r"\b(?:photos?|image|picture|foto|bild|imagen|illustration|video|vid[ée]o|map|graphic"
    r"|artwork|header\s+image|cover"
    # Third parties' notices in a site's footer: "Map data © OpenStreetMap contributors",
    # "Icons © Font Awesome", "Portions © 2010 Baz Corp."
    r"|map\s+(?:data|tiles)|icons?|fonts?|portions?)"
    r"\s*(?:by\b|:|credits?\b|courtesy\b|von\b|por\b|par\b|[©ⓒ])"
    r"|\b(?:photo|image|bild|foto)\s*(?:credit|nachweis|quelle)",
    re.I,
)
_MEDIA_WORDS = re.compile(
    r"""\b(?:photos?|photograph\w*|images?|pictures?|illustrations?|drawings?|figures?|fig\.
    |videos?|footage|audio|music|songs?|sounds?|maps?|charts?|diagrams?|graphics?|icons?|logos?
    |artwork|paintings?|fonts?|typefaces?|screenshots?|thumbnails?|banners?|flickr
    |wikimedia\s+commons|unsplash|pexels|pixabay|software|source\s+code|code|programs?
    |plug-?ins?|themes?|templates?|librar(?:y|ies)|packages?|scripts?|datasets?
    |vid[ée]os?|cartes?|dessins?|logiciels?|th[èe]mes?|ic[ôo]nes?
    |fotos?|bild(?:er)?|abbildung(?:en)?|grafik(?:en)?|karten?|zeichnung(?:en)?|bildnachweis
    |titelbild|quellcode|fotograf[íi]as?|im[áa]genes|ilustraci[óo]n(?:es)?|mapas?|dibujos?
    |gr[áa]ficos?|logotipos?|iconos?|c[óo]digo|immagin[ei]|fotografi[ae])\b""",
    re.I | re.X,
)
# "Licensed under CC BY 4.0" on its own line: a statement whose subject is the page.
_STANDALONE = re.compile(
    r"^\W*(?:licen[cs]ed\s+under|licen[cs]e\s*:|lizenz\s*:|lizenziert\s+unter|licencia\s*:"
    r"|sous\s+licence|bajo\s+licencia|publicado\s+bajo|ver[öo]ffentlicht\s+unter)",
    re.I,
)
_CONTAINER_TAGS = frozenset(
    {"figure", "figcaption", "picture", "video", "audio", "blockquote", "q", "pre", "code"}
)
_MEDIA_CLASS = re.compile(r"caption|photo|image|img|gallery|thumb|figure|video|embed", re.I)
# The class word of a site footer's copyright line; beside it, a media word is the theme's
# style for the line (Shopify Dawn: "footer__copyright caption"). Not "copyright" or
# "footer" alone: credits are "caption copyright" (OpenCms) and cards' "card-footer caption".
_FOOTER_COPYRIGHT_WORD = re.compile(r"footer.*copyright|copyright.*footer", re.I)
# Readers' comments (WordPress's #comments, .comment-list, .comment-content; Blogger's
# .comment-body; .user-comment): "all my comments are licensed under CC BY" is the
# commenter's, not the page's. Only such names: a state class such as "comments-open" on
# <article> or a wrapper would take every licence of the page with it.
_COMMENT_CLASS = re.compile(
    r"(?<![\w-])(?:(?:user|reader)-)?(?:comments?|commentlist"
    r"|comments?-(?:list|area|body|content|text|section|thread|container|wrapper|item)s?)(?![\w-])",
    re.I,
)
_FOOTER_CLASS = re.compile(r"footer|copyright|licen[cs]e|legal|colophon|site-?info", re.I)
_BLOCK_TAGS = frozenset(
    "p li div td th dd dt dl footer section article aside header nav figcaption caption "
    "blockquote address h1 h2 h3 h4 h5 h6 body main table tr ul ol form center pre details "
    "summary figure".split()
)
_BREAK_TAGS = _BLOCK_TAGS | {"br", "hr"}
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "svg", "head", "title"})
_BADGE_SRC = re.compile(r"creativecommons|licensebuttons|gnu\.org|/88x31|cc-by|badge", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?;|•·])(?<!\b[A-Za-z]\.)\s|\n")


def _tag(el) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _class_id(el) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _ancestors(el):
    while el is not None:
        yield el
        el = el.getparent()


def _block_of(el):
    for anc in _ancestors(el):
        if _tag(anc) in _BLOCK_TAGS:
            return anc
    return el


def _in_container(el) -> bool:
    """Inside quoted, media or code content, or a readers' comment: not the page's own."""
    in_site_footer = False
    for anc in _ancestors(el):
        tag = _tag(anc)
        if tag in _CONTAINER_TAGS:
            return True
        if in_site_footer or tag in ("body", "html"):
            continue
        class_id = _class_id(anc)
        if _COMMENT_CLASS.search(class_id):
            return True
        # A site footer below a comment container is there by broken nesting (one missing
        # </div> in the comments puts the rest of the page inside them). It must say it is
        # the site's (role=contentinfo, id="colophon", class="site-footer"): a comment's own
        # <footer>, <footer class="meta"> or <footer class="comment-meta"> is the comment's.
        if (
            (anc.get("role") or "").lower() == "contentinfo"
            or (tag == "footer" and _FOOTER_CLASS.search(class_id))
        ) and "comment" not in class_id.lower():
            in_site_footer = True
    return False


def _in_footer(el) -> bool:
    """Inside the site footer: <footer>, role=contentinfo, or a small copyright/licence box.

    The size limits keep out layout wrappers such as <div class="sticky-footer-wrapper">
    around the whole page.
    """
    for anc in _ancestors(el):
        tag = _tag(anc)
        if tag == "footer" or (anc.get("role") or "").lower() == "contentinfo":
            return _text_shorter_than(anc, 20_000)
        if tag in ("body", "html"):
            return False
        if _FOOTER_CLASS.search(_class_id(anc)) and _text_shorter_than(anc, 5_000):
            return True
    return False


def _text_shorter_than(el, limit: int) -> bool:
    total = 0
    for piece in el.itertext():
        total += len(piece)
        if total >= limit:
            return False
    return True


def _media_class_near(el, block) -> bool:
    """Attribution blocks are usually styled as captions: look a few levels up."""
    steps = 0
    for anc in _ancestors(el):
        if _media_box(anc):
            return True
        if anc is block or steps > 6:
            break
        steps += 1
    parent = block.getparent()
    for anc in (parent, parent.getparent() if parent is not None else None):
        if anc is not None and _tag(anc) not in ("body", "html") and _media_box(anc):
            return True
    return False


def _media_box(el) -> bool:
    """Whether the element's class or id names a caption or media box, not a footer's
    copyright line that a theme also styles with a media word (Shopify Dawn's
    "footer__copyright caption")."""
    class_id = _class_id(el)
    if not _MEDIA_CLASS.search(class_id):
        return False  # most elements: one search
    return not _FOOTER_COPYRIGHT_WORD.search(class_id)


def _near_media(block) -> bool:
    """An image, video or iframe (not a licence badge) in the block or right next to it."""
    parent = block.getparent()
    scope = block if parent is None or _tag(parent) in ("body", "html") else parent
    if next(itertools.islice(scope.iterchildren(), 50, None), None) is not None:
        scope = block  # more than 50 children (len() counts them all, for every link)
    for el in scope.iter("img", "video", "iframe", "picture", "audio", "object", "embed"):
        src = el.get("src") or el.get("data-src") or ""
        if _BADGE_SRC.search(src):
            continue
        link = next((a for a in _ancestors(el) if _tag(a) == "a"), None)
        if link is not None and license_from_url(link.get("href")):
            continue
        return True
    return False


def _context_scope(el, block, sentence: str, rel_license: bool = False) -> str:
    """Page or embedded, for a licence link or statement at `el` in `sentence`."""
    if _MEDIA_CREDIT.search(sentence):
        return EMBEDDED
    if _in_container(el):
        return EMBEDDED
    if _PAGE_SUBJECT.search(sentence):
        return PAGE
    if _MEDIA_WORDS.search(sentence):
        return EMBEDDED
    if _media_class_near(el, block):
        return EMBEDDED
    if _in_footer(el) or rel_license:
        return PAGE
    if _OPEN_ACCESS_ARTICLE.search(sentence) and not any(
        _tag(anc) in ("aside", "nav", "li") for anc in _ancestors(el)
    ):
        return PAGE
    if _near_media(block):
        return EMBEDDED
    if _STANDALONE.search(sentence):
        return PAGE
    return EMBEDDED  # when we cannot tell, do not claim the licence for the page


class _BlockText:
    """The visible text of a block element with the offsets of its nodes.

    Block children and <br> become newlines (sentence boundaries); other whitespace runs become
    one space, so `© 2024 <b>Jane</b>` reads as it renders.
    """

    def __init__(self, block, max_elements: int | None = None):
        self.elements = 0  # walked, for the page's budget; past `max_elements` the text stops
        self.text_at: dict[Any, int] = {}
        self.tail_at: dict[Any, int] = {}
        self.span: dict[Any, tuple[int, int]] = {}
        parts: list[str] = []
        length = 0

        def add(piece: str | None) -> int:
            nonlocal length
            start = length
            if piece:
                piece = re.sub(r"\s+", " ", piece)
                parts.append(piece)
                length += len(piece)
            return start

        def brk() -> None:
            nonlocal length
            if parts and parts[-1] != "\n":
                parts.append("\n")
                length += 1

        walker = etree.iterwalk(block, events=("start", "end", "comment", "pi"))
        for event, el in walker:
            if event in ("comment", "pi"):
                if el is not block:
                    self.tail_at[el] = add(el.tail)
                continue
            tag = _tag(el)
            if event == "start":
                if max_elements is not None and self.elements >= max_elements:
                    break  # one huge block (50,000 spans in a <div>): its nodes beyond are left out
                self.elements += 1
                if tag in _BREAK_TAGS and el is not block:
                    brk()
                self.span[el] = (length, length)
                if tag in _SKIP_TAGS:
                    walker.skip_subtree()
                    continue
                self.text_at[el] = add(el.text)
            else:
                self.span[el] = (self.span[el][0], length)
                if el is not block:
                    if tag in _BREAK_TAGS:
                        brk()
                    self.tail_at[el] = add(el.tail)
        self.text = "".join(parts)

    def sentence(self, start: int, end: int | None = None) -> tuple[int, str]:
        """(offset, text) of the sentence around [start, end), capped at ~400 characters."""
        end = start if end is None else end
        left = 0
        for m in _SENTENCE_END.finditer(self.text, max(0, start - 300), start):
            left = m.end()
        limit = max(end, start) + 200
        m = _SENTENCE_END.search(self.text, end, limit)  # not to the block's end: per link
        right = min(m.end() if m else len(self.text), limit)
        left = max(left, start - 200)
        return left, self.text[left:right].strip()


# `display: none` itself, not `--mobile-display: none`. (Not `visibility: hidden`, which a
# descendant's `visibility: visible` undoes.)
_HIDDEN_STYLE = re.compile(r"(?<![\w-])display\s*:\s*none", re.I)


class _WorkBudgetSpent(Exception):
    """A page's block texts reached `_MAX_BLOCK_ELEMENTS`: what was found so far stands."""


class _Page:
    """One parsed page, with the block texts computed at most once."""

    def __init__(self, root):
        self.root = root
        self._blocks: dict[Any, _BlockText] = {}
        self._elements_walked = 0
        self._hidden: dict[Any, bool] = {}

    def hidden(self, el) -> bool:
        """Whether `el` is not rendered (`hidden`, `display: none` on it or an ancestor below
        <body>): an old notice left in a hidden <div> is not the page's. Asked for the capped
        hits only, each ancestor looked at once per page (2,000 nested <div>s and 100,000
        hits took 25 s when every hit walked its ancestors)."""
        path, known = [], None
        for anc in _ancestors(el):
            known = self._hidden.get(anc)
            if known is not None:
                break
            if _tag(anc) in ("body", "html"):  # a script may show a hidden body
                known = False
                break
            path.append(anc)
            style, hidden = anc.get("style"), anc.get("hidden")
            # hidden="until-found" is shown when the reader searches the page.
            if (hidden is not None and hidden.lower() != "until-found") or (
                style and _HIDDEN_STYLE.search(style)
            ):
                known = True
                break
        for anc in path:
            self._hidden[anc] = bool(known)
        return bool(known)

    def new_budget(self) -> None:
        self._elements_walked = 0

    def block_text(self, block) -> _BlockText:
        bt = self._blocks.get(block)
        if bt is None:
            # Nested blocks each walk their whole subtree: 1,000 nested <div>s, each with a
            # link, walk half a million elements.
            if self._elements_walked >= _MAX_BLOCK_ELEMENTS:
                raise _WorkBudgetSpent
            bt = self._blocks[block] = _BlockText(
                block, _MAX_BLOCK_ELEMENTS - self._elements_walked
            )
            self._elements_walked += bt.elements
        return bt


def _ends(items: list, limit: int) -> list:
    """`items`, or its first and last `limit // 2` when it has more than `limit`."""
    if len(items) <= limit:
        return items
    return items[: limit // 2] + items[len(items) - limit // 2 :]


# --------------------------------------------------------------------------------------------
# Copyright notices
# --------------------------------------------------------------------------------------------

_NOTICE_PREFIX = re.compile(r"(?:(?:copyright|[©ⓒ]|\(c\)|copr\.)[\s:]*)+", re.I)
# Between the years of a list: "2019, 2021", "2019, 2020 and 2024", "2019 & 2024".
_YEAR_LIST_SEPARATOR = r"\s*(?:,\s*(?:and\s+|&\s*)?|\s+and\s+|\s*&\s*)"
# What ends a span of years that runs to now: "2015-present", "2010 - aujourd'hui".
_SPAN_TO_NOW = r"present|today|now|heute|aujourd.hui|hoy|hoje"
_YEARS = re.compile(
    r"((?:19|20)\d\d)(?:(?:\s*[-–—/]\s*|\s+(?:to|bis|until|hasta|au)\s+)"
    # A four-digit end may touch the holder ("2019 – 2024Jane Doe", elements without spaces);
    # "2019-20th Century" is no span.
    rf"((?:19|20)\d\d(?!\d)|\d\d\b|{_SPAN_TO_NOW}))?"
    # Another year follows.
    rf"(?P<more>{_YEAR_LIST_SEPARATOR}(?=(?:19|20)\d\d))?",
    re.I,
)
# "Derechos Reservados" (Mexico's D.R.) and "Direitos Reservados" without "todos": a notice's
# reservation right after its holder ("© 2024 Grupo S.A. de C.V. Derechos Reservados"), where
# they also end the holder, or right before the sign ("Derechos Reservados © 2024 UNAM"). Not
# the page's reservation on their own: in headings and prose they are as often about rights
# ("Música Libre de Derechos Reservados", "los pueblos mantienen derechos reservados"). Nor
# after Creative Commons' "Algunos" ("some rights reserved") or a negation.
_NOT_BEFORE_BARE_RESERVATION = (
    "algunos", "algunas", "ciertos", "otros", "pocos", "sin", "hay", "tiene", "ningunos", "de",
    "con", "los", "alguns", "certos", "outros", "sem", "há", "tem", "nenhuns", "os", "com",
)  # fmt: skip
# Spliced into the reservation, holder-stop and after-notice patterns. The look-behinds see
# one space back, as the texts they read have single spaces; "(?=d)" first, so that other
# positions fail before 21 look-behinds are tried.
_BARE_RESERVATION = (
    "(?=[dD])"
    + "".join(rf"(?<!\b{w}\s)" for w in _NOT_BEFORE_BARE_RESERVATION)
    + r"(?:derechos(?:\s+de\s+autor)?|direitos(?:\s+autorais|\s+de\s+autor)?)\s+reservados"
)
_ARR = re.compile(
    r"all\s+rights?\s+reserved|tous\s+droits\s+r[ée]serv[ée]s|alle\s+rechte\s+vorbehalten"
    r"|todos\s+(?:los\s+)?derechos\s+(?:de\s+autor\s+)?reservados"
    r"|tutti\s+i\s+diritti\s+(?:sono\s+)?riservati"
    # Brazil's "Todos direitos reservados" has no article (nor, at times, Spanish); Galician's
    # "dereitos".
    r"|todos\s+(?:os\s+)?direitos\s+(?:autorais\s+|de\s+autor\s+)?reservados"
    r"|todos\s+os\s+dereitos\s+reservados"
    r"|tots\s+els\s+drets\s+reservats"
    r"|alle\s+rechten\s+voorbehouden|版[权權]所有(?!者(?!保留)|人\s*[：:为為是])|"
    + _BARE_RESERVATION
    + r"(?=\s*(?:©|\(c\)|copyright\b))|"
    + _ARR_MORE,
    re.I,
)
# Thai negates "สงวนลิขสิทธิ์" attached to it ("ไม่สงวนลิขสิทธิ์"); a space ends a Thai clause.
_THAI_NEGATION = r"ไม่(?:ได้|มีการ)?(?:ขอ)?"
_HOLDER_STOP = re.compile(
    # " - WordPress Theme by Kadence WP" (Kadence's, OceanWP's and Blocksy's default footers)
    r"\||•|·|[©ⓒ]|;|\n|\s[-–—]\s(?=(?:all|tous|alle|todos|privacy|terms|impressum|\w+\s+theme)\b|(?:derechos|direitos)\s+reservados)|"
    + _THAI_NEGATION
    + r"สงวนลิขสิทธิ์|"  # "© 2567 ร้าน ไม่สงวนลิขสิทธิ์": not the holder's
    + _ARR.pattern
    + "|"
    + _BARE_RESERVATION
    + r"|\b(?:some\s+rights|algun[oa]s\s+derechos|alguns\s+direitos|powered\s+by|built\s+with|made\s+with|designed\s+by|hosted\s+(?:by|on)"
    r"|theme\b|(?:(?:is|are)\s+)?(?:licen[cs]ed|marked\s+with|dedicated\s+to)\b|privacy|terms\s+of|impressum|disclaimer|last\s+(?:updated|modified)"
    r"|site\s+by|website\s+by|proudly|company\s+(?:no|number|reg)|registered\s+(?:in|office"
    r"|number|no)|vat\s+(?:no|number|reg)"
    # Registration and tax numbers that sites must print next to their name: Italy's P.IVA,
    # France's SIRET, Spain's CIF/NIF, Australia's ABN/ACN (with their digits: "ABN AMRO" is a
    # name), China's ICP licence ("京ICP备12345678号").
    r"|p\.\s?iva\b|partita\s+iva\b|(?:siret|siren|cif|nif|abn|acn)\s*:?\s*[a-z]?\d[\d\s.-]{6,}"
    r"|[\u4e00-\u9fff]{0,2}icp[备證证])"
    # Inline elements without a space between them run together in the text ("Foo Media" and
    # a "Privacy Policy" link: "Foo MediaPrivacy Policy"). A link's two words glued to a
    # lowercase letter still stop; one word does not, as brands end in them ("ProPrivacy",
    # "easyDatenschutz GmbH").
    r"|(?-i:(?<=[a-z])(?=(?:Privacy\s+Policy|Powered\s+by|Terms\s+of\s+(?:Use|Service)"
    r"|Cookie\s+Policy|Designed\s+by|Theme\s+by)(?![a-z])))",
    re.I,
)
_COMPANY_SUFFIX = re.compile(
    r"(?:inc|llc|l\.l\.c|lp|llp|ltd|limited|gmbh|ag|s\.a|s\.l|sas|sarl|bv|b\.v|nv|n\.v|pty|plc"
    r"|co|corp|e\.v)\b\.?",
    re.I,
)
# A sentence after a legal form's dot: a capitalised word, then a lowercase one ("Ltd.
# Content licensed", "Ltd. Registered in"), not "Co. KG", "Co. Solicitors" or "Inc. DBA Acme".
_SENTENCE_AFTER = re.compile(r"\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\s+[a-z]")
# A company's name ending in its legal form, as "Foo Ltd" before "Ltd.".
_COMPANY_END = re.compile(r"\s(?:" + _COMPANY_SUFFIX.pattern + r")$", re.I)
# 2024, 2019-2024, 2019-24, 2015-present
_YEAR_SPAN = rf"(?:19|20)\d\d(?:\s*[-–—]\s*(?:(?:19|20)?\d\d\b|{_SPAN_TO_NOW}))?"
_YEAR_LIST = rf"{_YEAR_SPAN}(?:{_YEAR_LIST_SEPARATOR}{_YEAR_SPAN})*"  # 2019, 2021-2024 and 2025
# One year after a space, or a list after a comma (the leftmost: "Jane Doe, 2019, 2021").
_TRAILING_YEARS = re.compile(
    rf"(?:\s+{_YEAR_SPAN}|\s*,\s*{_YEAR_LIST}|\s+\(\s*{_YEAR_SPAN}\s*\))\s*$", re.I
)
_TRAILING_YEAR_LIST_AFTER_SPACE = re.compile(rf"\s+{_YEAR_LIST}\s*$", re.I)


def _trailing_years(segment: str, symbol: bool) -> re.Match | None:
    """The years that end a holder's segment ("© The Guardian 2024", "© Jane Doe, 2019, 2021").
    After a space, a list only where it cannot be a name ending in a number: three or more
    ascending years, or two joined by "and" / "&" ("© Foo 2019, 2021, 2024", "© Foo 2019 and
    2024"); "© Vision 2030, 2024" and "© Tokyo 2020, 2021" keep the first year in the name.
    With the symbol the segment may end in the sentence's full stop ("© The Guardian 2024."
    at a block's end) or in the opening of what follows ("© Foo 2024 (All rights
    reserved)", "© Foo 2024 / Derechos Reservados"), which stay after the years; without it
    that is prose ("He registered the copyright in 2024."). Years in brackets: "© Foo Bar
    (2024)"."""
    if symbol:
        segment = re.sub(r"(?:\s*[(/]|\.)\s*$", "", segment)
    listed = _TRAILING_YEAR_LIST_AFTER_SPACE.search(segment)
    if listed:
        years = [int(y) for y in re.findall(r"(?:19|20)\d\d", listed.group())]
        ascending = all(a < b for a, b in zip(years, years[1:], strict=False))
        if ascending and (len(years) >= 3 or re.search(r"\sand\s|&", listed.group(), re.I)):
            return listed
    return _TRAILING_YEARS.search(segment)


# ", 2024" right after a holder's name, ending the notice's sentence ("Copyright Jane Doe,
# 2024."); with the symbol also before another clause ("© Éditions Gallimard, 1942, pour le
# texte"), which without it is as often a citation ("Copyright Clearance Center, 2019, Annual
# Report").
# The list is read whole ("(?!, 2025)"), then what may follow it.
_YEARS_AFTER_COMMA_PREFIX = rf",\s*{_YEAR_LIST}(?!\s*,\s*(?:19|20)\d\d)"
_YEARS_AFTER_COMMA = re.compile(
    _YEARS_AFTER_COMMA_PREFIX + r"(?=\s*(?:[.;|·•]|$|,?\s*all\s+rights\b))", re.I
)
_YEARS_AFTER_COMMA_WITH_SYMBOL = re.compile(
    _YEARS_AFTER_COMMA_PREFIX + r"(?=\s*(?:[.,;|·•]|$|all\s+rights\b))", re.I
)
# Without the symbol, "Copyright Jane Doe, 2024." is a notice when the word opens its sentence
# and names no copyright noun ("the Indian Copyright Act, 1957", "Copyright Notice, 2024").
_COPYRIGHT_NOUN = re.compile(
    r"[\s:]*(?:act|acts|law|laws|notice|notices|policy|statement|information|info|office|agent"
    r"|infringement|protection|claims?|complaints?|terms|disclaimer|page)\b",
    re.I,
)
_ABBREV_BEFORE_DOT = re.compile(
    r"(?:\b[A-Z]|\b(?:Inc|Ltd|Co|Corp|LP|LLP|LLC|Pty|Jr|Sr|St|Dr|Mr|Mrs|Ms|Prof|S\.A|e\.V|Bros))$"
)
# A legal form whose dot is the name's last character and ends it: dotted ("Rossi S.r.l.",
# "Örnek A.Ş.", "GEDI S.p.A.", "Foo d.o.o.") or in capitals ("FOOBAR CO., LTD."). The name
# stops there: what follows is a reservation, an address or a registration number.
_LEGAL_FORM_WITH_DOT = r"\b[^\W\d_]\.[^\W\d_]{1,2}(?:\.[^\W\d_])?|(?<=[\s,])(?:INC|LTD|CO|CORP)"
_LEGAL_FORM_BEFORE_DOT = re.compile(f"(?:{_LEGAL_FORM_WITH_DOT})$")


@dataclasses.dataclass
class _Notice:
    text: str
    holder: str | None
    years: list[int]
    all_rights_reserved: bool
    scope: str
    in_footer: bool


def _opens_sentence(text: str, start: int) -> bool:
    """Whether `start` begins a sentence: the text's start, or after a sentence end, `|`, `•`,
    `·`, `;` or a line break (blanks between)."""
    before = text[max(0, start - 500) : start].rstrip(" \t\r\f\v\xa0")
    return not before or before[-1] in ".!?|•·;\n"


def _parse_notice(text: str, start: int) -> tuple[str, str | None, list[int], bool, int] | None:
    """Parse `© 2016 Houston Press, LP. All rights reserved.` starting at `start`.

    Returns (notice, holder, years, all_rights_reserved, end) or None when the word copyright
    is just a word (no ©, no year): "copyright law", a nav link "Copyright".
    """
    m = _NOTICE_PREFIX.match(text, start)
    if not m:
        return None
    prefix = m.group()
    pos = m.end()
    # Korean sites' ⓒ, but alone (not after "Copyright") also a list's third item ("ⓐ 서울 ⓑ
    # 부산 ⓒ 대구", "Ⓒ Replace the battery", "보기: ⓒ 2019년 개정된 법률"): a notice only with
    # a year or a reservation after its holder (below), and never next to other items.
    lower_prefix = prefix.lower()
    signs = {sign for sign in ("copyright", "©", "(c)", "ⓒ") if sign in lower_prefix}
    circled = "ⓒ" in signs
    circled_only = signs == {"ⓒ"}
    if circled and (
        _OTHER_CIRCLED_LETTER.search(text, max(0, start - 80), m.end() + 80)
        or _KOREAN_YEAR.match(text, m.end())
    ):
        return None
    if signs == {"(c)"} and _quiz_answer(text, start, m.end()):
        return None
    has_symbol = bool(signs - {"copyright"})
    years: list[int] = []
    holder_before = ""
    by = re.match(r"\s*(?:by|von|par|por)\s+", text[pos:], re.I)
    if by:
        pos += by.end()
    ym = _YEARS.match(text, pos)
    thai_years = None if ym else _thai_years_at(text, pos)
    if thai_years:
        years, pos = thai_years
    elif ym:
        for _ in range(_MAX_NOTICE_YEARS):  # "© 2019, 2021, 2024 Foo Press": _YEARS takes a
            years += _years_of(ym.group())  # separator only before a year
            pos = ym.end()
            ym = _YEARS.match(text, pos) if ym.group("more") else None
            if ym is None:
                break
        years = list(dict.fromkeys(years))
        if (beside := _BE_BESIDE.match(text, pos)) and _THAI_LETTER.search(
            text, max(0, start - 60), beside.end() + 60
        ):
            pos = beside.end()
    else:
        # "© The Guardian 2024": the holder may come first, also before a comma ("© Jane Doe
        # and Example Blog, 2024. Unauthorized use ...", WordPress's usual notice) when the
        # notice has its symbol or opens its sentence with the bare word: elsewhere that is
        # prose ("the Indian Copyright Act, 1957").
        segment_end = _holder_end(text, pos)
        if has_symbol:
            after = _YEARS_AFTER_COMMA_WITH_SYMBOL.match(text, segment_end)
        elif _opens_sentence(text, start) and not _COPYRIGHT_NOUN.match(text, pos):
            after = _YEARS_AFTER_COMMA.match(text, segment_end)
        else:
            after = None
        segment = text[pos : after.end() if after else segment_end]
        trailing = _trailing_years(segment, has_symbol)
        if not trailing and (dash := _DASH_AFTER_YEAR.search(segment)):
            # "© Le Monde 2024 - Reproduction interdite": the holder's years end at the dash.
            segment = segment[: dash.start()]
            trailing = _trailing_years(segment, has_symbol)
        if trailing:
            holder_before = segment[: trailing.start()]
            years = _years_of(trailing.group())
            pos += trailing.end()
    if not has_symbol and not years:
        return None
    if holder_before:
        holder = _clean_holder(holder_before)
        end = pos
    else:
        stop = _holder_end(text, pos)
        if _PROSE_AFTER_NOTICE.match(text, pos, stop):
            return None  # "sites print © 2024 followed by their name": the symbol talked about
        holder = _clean_holder(text[pos:stop])
        end = stop
    if holder is None and not years:
        return None
    arr = _ARR_AFTER_NOTICE.match(text, end)
    if arr and _reservation_negated(text, arr):
        arr = None  # "© 2024 山田商店 無断転載を禁止していません"
    if circled_only and not (years or arr):
        return None
    if arr:
        end = arr.end()
        if text[end : end + 1] == ".":
            end += 1
    notice = re.sub(r"\s+", " ", text[start:end]).strip(" ,;|-–—").rstrip(" (")
    return notice, holder, years, bool(arr), end


# Circled letters that mark list items (not ⓘ, an info icon, Ⓟ, the phonogram sign of "Ⓟ&ⓒ
# 2024 HYBE", nor Ⓡ, a registered mark).
_OTHER_CIRCLED_LETTER = re.compile(r"[ⓐⓑⓓ-ⓗⓙ-ⓞⓠⓢ-ⓩⒶⒷⒹ-ⒽⒿ-ⓄⓆⓈ-Ⓩ]")


# A quiz's answers around a bare "(c)", each a word of its own (not "section 19(a)"), in the
# same clause: nothing that ends a sentence, a line or a footer item between them.
_ANSWER_B_BEFORE = re.compile(r"(?<![\w)\]])\(b\)[^.;!?|•·\n]{0,40}$", re.I)
_ANSWER_D_AFTER = re.compile(r"[^.;!?|•·\n]{0,40}?(?<![\w)\]])\(d\)", re.I)


def _quiz_answer(text: str, start: int, end: int) -> bool:
    """Whether the bare "(c)" at `start` is a quiz's third answer, "(a) 2000 (b) 2005 (c) 2010
    (d) 2015": "(b)" right before it and "(d)" right after it, in the same clause. Legal text,
    footnotes and lettered links cite letters too ("see (a) and (b) above. (c) 2024 Acme
    Inc.", "(a) Privacy<br>(b) Terms<br>(c) 2024 Acme"), but not on both sides of a "(c)"."""
    return bool(
        _ANSWER_B_BEFORE.search(text, max(0, start - 45), start)
        and _ANSWER_D_AFTER.match(text, end, end + 45)
    )


_KOREAN_YEAR = re.compile(r"\d{4}\s*년")  # "2019년": a date in a sentence, not a notice's year
# The Buddhist Era year beside a Gregorian one: "© 2024 (พ.ศ. 2567) ..."
_BE_BESIDE = re.compile(r"\s*\(\s*(?:พ\.\s?ศ\.\s*)?25\d\d\s*\)")
# The reservation that ends a notice; the bare Spanish and Portuguese one also after a dash
# or another separator ("© 2024 Foo - Derechos Reservados", "© Foo 2024 / Derechos ...").
_ARR_AFTER_NOTICE = re.compile(
    r"[\s.,]*(?:" + _ARR.pattern + r"|(?:[-–—|•·/]\s*)?" + _BARE_RESERVATION + ")", re.I
)
# A dash right after a year, before what is not another year ("2024 - Reproduction
# interdite", not "2019 - 2024").
_DASH_AFTER_YEAR = re.compile(
    rf"(?<=(?:19|20)\d\d)\s+[-–—]\s+(?!(?:19|20)?\d\d\b|{_SPAN_TO_NOW})",
    re.I,
)
# Running text after a notice's years, where a holder's name would be.
_PROSE_AFTER_NOTICE = re.compile(
    r"[\s,]*(?-i:followed\s+by|means\s+(?:that|the)|indicates\s+(?:that|the)"
    r"|(?:symbols?|signs?)\s+(?:is|are|means|and|followed))\b"
)


def _holder_end(text: str, pos: int) -> int:
    """Where the holder's name ends: a separator, a stop phrase, or a sentence end."""
    limit = min(len(text), pos + 120)
    stop = _HOLDER_STOP.search(text, pos, limit)
    end = stop.start() if stop else limit
    for m in re.finditer(r"\.(?=\s)|,(?=\s)", text[pos:end]):
        cut = pos + m.start()
        before = text[pos:cut]
        if m.group() == "," and not before.strip():
            continue  # "Copyright 2024, Foo Bar": the comma after the year
        if m.group() == ".":
            if _COMPANY_END.search(before) and _SENTENCE_AFTER.match(text, cut + 1):
                return cut + 1  # "Real Site Ltd. Content licensed ...", not "Co. KG"
            if _ABBREV_BEFORE_DOT.search(before):
                continue  # "Amy X. Zhang", "Press, LP. All rights..."
            if _LEGAL_FORM_BEFORE_DOT.search(before):
                return cut + 1
            return cut
        after = text[cut + 1 : cut + 12].strip()
        if _COMPANY_SUFFIX.match(after):
            continue  # "Houston Press, LP"
        return cut
    return end


def _clean_holder(raw: str) -> str | None:
    holder = re.sub(r"\s+", " ", raw).strip(" \t,;:-–—|")
    holder = re.sub(r"^(?:by|von|par|por)\s+", "", holder, flags=re.I)
    holder = _NOTICE_PREFIX.sub("", holder, count=1) if _NOTICE_PREFIX.match(holder) else holder
    # "© 2024 Foo / Derechos Reservados", "© 2024 Foo (All rights reserved)": the separator
    # before the phrase is not the holder's.
    holder = re.sub(r"[\s,;:\-–—/(]+$", "", holder.strip(" ,;:-–—"))
    if holder.endswith(".") and not _DOTTED_ENDING.search(holder):
        holder = holder.rstrip(". ")  # a sentence end, not "Inc." or "S.L."
    if not holder or not re.search(r"[^\W\d_]", holder) or len(holder) > 100:
        return None
    if _ARR.fullmatch(holder) or holder.lower() in ("all rights", "copyright", "the"):
        return None
    return holder


_DOTTED_ENDING = re.compile(rf"(?:\b(?:Inc|Ltd|Co|Corp|Bros|Jr|Sr)|{_LEGAL_FORM_WITH_DOT})\.$")


# Thai notices may give Buddhist Era years ("© 2567", "© พ.ศ. 2560-2567"): CE + 543. Read as
# such only in notices with Thai letters, and only 2535-2580 (1992-2037): other numbers of
# four digits there are prices, phone numbers and street numbers ("© 2500 บาท", "ซอย 2539").
_BE_YEAR = r"25(?:3[5-9]|[4-7]\d|80)"
_BE_SPAN = (
    rf"(?:พ\.\s?ศ\.\s*)?({_BE_YEAR})(?:\s*[-–—]\s*(?:({_BE_YEAR}|\d\d)\b|ปัจจุบัน))?(?!\d)"
    r"(?!\s*บาท)"  # a price: "(c) 2550 บาท"
)
_BE_YEARS = re.compile(_BE_SPAN)
# The same year in the Gregorian calendar beside it: "© 2567 (2024)", "2567-2024", "2567 / 2024"
_CE_BESIDE = re.compile(r"\s*(?:[-–—/,]\s*|\(\s*)((?:19|20)\d\d)\b\s*\)?")
_BE_LIST_SEPARATOR = re.compile(r"\s*(?:,|&|และ|and)\s*(?=(?:พ\.\s?ศ\.\s*)?25\d\d)")
_THAI_LETTER = re.compile(r"[\u0e01-\u0e4e]")
_BUDDHIST_ERA_OFFSET = 543


def _be_years(m: re.Match) -> list[int]:
    first = int(m.group(1))
    years = [first]
    if m.group(2):
        second = int(m.group(2)) if len(m.group(2)) == 4 else first // 100 * 100 + int(m.group(2))
        if first < second <= first + 200:
            years.append(second)
    return [year - _BUDDHIST_ERA_OFFSET for year in years]


def _thai_years_at(text: str, pos: int) -> tuple[list[int], int] | None:
    """(Gregorian years, end) of Buddhist Era years at `pos` in a Thai notice, else None: a
    span, a list ("2565, 2566, 2567") and a Gregorian year given beside them."""
    m = _BE_YEARS.match(text, pos)
    if m is None or not _THAI_LETTER.search(text, max(0, pos - 60), m.end() + 60):
        return None
    years = _be_years(m)
    end = m.end()
    for _ in range(_MAX_NOTICE_YEARS):
        separator = _BE_LIST_SEPARATOR.match(text, end)
        following = _BE_YEARS.match(text, separator.end()) if separator else None
        if following is None:
            break
        years += _be_years(following)
        end = following.end()
    if beside := _CE_BESIDE.match(text, end):
        years.append(int(beside.group(1)))
        end = beside.end()
    return sorted(set(years)), end


def _years_of(text: str) -> list[int]:
    years: set[int] = set()
    for m in _YEARS.finditer(text):
        first = int(m.group(1))
        years.add(first)
        second = m.group(2)
        if second and second.isdigit():
            value = int(second) if len(second) == 4 else (first // 100) * 100 + int(second)
            if first <= value <= first + 200:
                years.add(value)
    return sorted(years)


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Evidence:
    source: str
    license: str
    scope: str
    snippet: str

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class LicenseSignals:
    """Everything the licensing stage measured on one page; `to_attributes` gives the columns."""

    license: str | None = None
    license_class: str = "unknown"
    license_conflict: bool = False
    license_evidence: list[Evidence] = dataclasses.field(default_factory=list)
    copyright_notice: str | None = None
    copyright_holder: str | None = None
    copyright_years: list[int] = dataclasses.field(default_factory=list)
    all_rights_reserved: bool = False
    tdm_reservation: bool | None = None  # None: no TDMRep statement
    tdm_policy: str | None = None
    noai: bool = False
    noimageai: bool = False
    content_usage: str | None = None  # raw Content-Usage header (or http-equiv meta) value
    page_usage_preferences: dict[str, str] = dataclasses.field(default_factory=dict)
    robots: RobotsVerdict | None = None
    license_error: str | None = None

    def set_robots(self, verdict: RobotsVerdict | None) -> LicenseSignals:
        self.robots = verdict
        return self

    @property
    def usage_preferences(self) -> dict[str, str]:
        """Header/meta and robots.txt preferences combined, most restrictive per category."""
        robots_prefs = self.robots.usage_preferences if self.robots else {}
        return combine_usage_preferences(self.page_usage_preferences, robots_prefs)

    @property
    def train_ai_opt_out(self) -> bool | None:
        prefs = self.usage_preferences
        if "n" in (prefs.get("train-ai"), prefs.get("train-genai")):
            return True
        if prefs.get("train-ai") == "y":
            return False
        return None

    def opt_out_signals(self) -> list[str]:
        signals = []
        if self.tdm_reservation:
            signals.append(OPT_OUT_TDM)
        if self.noai:
            signals.append(OPT_OUT_NOAI)
        if self.train_ai_opt_out:
            signals.append(OPT_OUT_TRAIN_AI)
        if self.robots is not None:
            disallowed = self.robots.disallowed_agents()
            signals += [OPT_OUT_ROBOTS + a.lower() for a in _AI_AGENTS if a in disallowed]
        return signals

    def to_attributes(self) -> dict[str, Any]:
        """Keyed by exactly the ledger column names of schemas/licensing.py."""
        robots = self.robots
        attrs: dict[str, Any] = {
            "license": self.license,
            "license_class": self.license_class,
            "license_conflict": self.license_conflict,
            "license_evidence": [e.to_dict() for e in self.license_evidence],
            "copyright_notice": self.copyright_notice,
            "copyright_holder": self.copyright_holder,
            "copyright_years": list(self.copyright_years),
            "all_rights_reserved": self.all_rights_reserved,
            "tdm_reservation": self.tdm_reservation,
            "tdm_policy": self.tdm_policy,
            "noai": self.noai,
            "noimageai": self.noimageai,
            "content_usage": self.content_usage,
            "robots_content_usage": robots.content_usage if robots else None,
            "usage_preferences": self.usage_preferences or None,
            "train_ai_opt_out": self.train_ai_opt_out,
            "robots_status": robots.status if robots else None,
            "robots_fetch_date": robots.fetch_date if robots else None,
        }
        for agent in AGENTS:
            attrs[agent_column(agent)] = robots.allowed.get(agent) if robots else None
        attrs["opt_out_signals"] = self.opt_out_signals()
        attrs["license_error"] = self.license_error
        return attrs


# --------------------------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------------------------


def detect_license_signals(
    html: str | None,
    headers: list[tuple[str, str]] | None,
    url: str | None = None,
    tree=None,
) -> LicenseSignals:
    """Licence, copyright and opt-out signals of one page. Never raises.

    `tree`: an lxml tree of the same HTML (e.g. trafilatura's `load_html`) to avoid a second
    parse; it is only read. `url` resolves relative `rel=license` links. On an internal failure
    the result is `unknown` with the error in `license_error`.
    """
    try:
        return _detect(_as_text(html), _header_pairs(headers), url, tree)
    except Exception as exc:  # noqa: BLE001 - a bad page must not stop the pipeline
        return LicenseSignals(license_error=f"{type(exc).__name__}: {exc}"[:300])


def _as_text(html) -> str:
    if isinstance(html, (bytes, bytearray)):
        return bytes(html).decode("utf-8", "replace")
    return html or ""


def _header_pairs(headers) -> list[tuple[str, str]]:
    """(name, value) pairs from a list of pairs or a mapping; anything else is skipped, so
    one malformed header does not cost the page's other signals."""
    items = headers.items() if isinstance(headers, dict) else (headers or [])
    return [
        (str(item[0]), str(item[1]))
        for item in items
        if isinstance(item, (tuple, list)) and len(item) == 2
    ]


class _Collector:
    def __init__(self) -> None:
        self.evidence: list[Evidence] = []
        self._seen: set[tuple[str, str, str, str]] = set()

    def add(self, source: str, license_id: str | None, scope: str, snippet: str) -> None:
        if not license_id or len(self.evidence) >= MAX_EVIDENCE:
            return
        snippet = re.sub(r"\s+", " ", snippet or "").strip()[:MAX_SNIPPET]
        key = (source, license_id, scope, snippet)
        if key not in self._seen:
            self._seen.add(key)
            self.evidence.append(Evidence(source, license_id, scope, snippet))


def _detect(html: str, headers: list[tuple[str, str]], url: str | None, tree) -> LicenseSignals:
    sig = LicenseSignals()
    found = _Collector()
    meta_copyright: list[str] = []
    jsonld_copyright: dict[str, Any] = {}
    tdm_values: list[str] = []
    tdm_policies: list[str] = []
    usage_values: list[str] = []

    # --- HTTP headers ---
    for name, value in headers:
        lname = (name or "").strip().lower()
        value = (value or "").strip()
        if lname == "link":
            for href, rels, anchor in _link_header_entries(value):
                if "license" in rels:
                    # RFC 8288 3.2: `anchor` names another subject than the page ("the
                    # licence of /photo.jpg").
                    about_page = not anchor or _same_resource(_absolute(url, anchor), url)
                    found.add(
                        "http_link_header",
                        license_from_url(href),
                        PAGE if about_page else EMBEDDED,
                        f"Link: <{href}>" + ("" if about_page else f'; anchor="{anchor}"'),
                    )
        elif lname == "x-robots-tag":
            _apply_robots_directives(sig, value)
        elif lname == "tdm-reservation":
            tdm_values.append(value)
        elif lname == "tdm-policy":
            tdm_policies.append(value)
        elif lname == "content-usage":
            usage_values.append(value)

    # --- HTML ---
    root = _root_of(tree) if tree is not None else _parse(html)
    if root is not None:
        page = _Page(root)
        _scan_head_and_meta(
            root, url, sig, found, meta_copyright, tdm_values, tdm_policies, usage_values
        )
        _scan_json_ld(root, found, jsonld_copyright)
        try:
            _scan_anchors(root, url, page, found)
        except _WorkBudgetSpent:
            pass  # the links found so far stand
        page.new_budget()  # the text scan has its own
        notices: list[_Notice] = []
        arr_page = _scan_text(page, found, notices)
        sig.all_rights_reserved = arr_page or any(
            n.all_rights_reserved for n in notices if n.scope == PAGE
        )
        _choose_copyright(sig, notices, meta_copyright, jsonld_copyright)

    # --- opt-outs ---
    reservations = [v for v in (t.strip() for t in tdm_values) if v in ("0", "1")]
    if reservations:
        # TDMRep has several channels; when they disagree we keep the reservation.
        sig.tdm_reservation = "1" in reservations
    sig.tdm_policy = next((p for p in tdm_policies if p), None)
    if usage_values:
        sig.content_usage = ", ".join(usage_values)[:500]
        sig.page_usage_preferences = combine_usage_preferences(
            *(parse_usage_preferences(v) for v in usage_values)
        )

    sig.license_evidence = found.evidence
    _decide_license(sig)
    return sig


def _root_of(tree):
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    return root


def _parse(html: str):
    if not html or not html.strip():
        return None
    if len(html) > _MAX_HTML_CHARS:
        html = html[: _MAX_HTML_CHARS * 2 // 3] + html[-_MAX_HTML_CHARS // 3 :]
    data = html.replace("\x00", "").encode("utf-8", "replace")
    # libxml2's HTML parser as lxml.html uses it, but with plain etree elements: lxml.html's
    # per-element Python class lookup was about a tenth of the tagging time, and nothing
    # here needs HtmlElement's methods. Nor is an id table needed (no XPath id()).
    parser = etree.HTMLParser(
        encoding="utf-8", remove_comments=False, huge_tree=True, collect_ids=False
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    return root  # None for a page of only whitespace or comments


def _absolute(url: str | None, href: str | None) -> str | None:
    """Resolve a relative licence link (rel=license, few per page) against the page URL."""
    if href and url and not re.match(r"^[a-z][a-z0-9+.-]*:|^//", href.strip(), re.I):
        try:
            return urljoin(url, href.strip())
        except ValueError:
            return href
    return href


def _same_resource(a: str | None, b: str | None) -> bool:
    """Whether two URLs name one page: the query, an empty fragment and a final slash aside
    (`#fig1` is a part of the page)."""

    def bare(u: str | None, with_query: bool) -> tuple[str, str, str]:
        u, _, fragment = (u or "").partition("#")
        path, _, query = u.partition("?")
        # http and https, the host's case, "www." and a default port name the same page
        path = re.sub(
            r"^https?://(?:www\.)?([^/:]*)(?::(?:80|443))?(?=/|$)",
            lambda m: "//" + m.group(1).lower(),
            path,
            flags=re.I,
        )
        path = unquote(path)
        return path.rstrip("/"), query if with_query else "", fragment

    # An anchor with a query names that resource (/?attachment_id=123); without one, the
    # page's own query (utm tags) does not make it another page. Likewise its fragment.
    with_query = "?" in (a or "").partition("#")[0]
    mine, page = bare(a, with_query), bare(b, with_query)
    return mine[:2] == page[:2] and (not mine[2] or mine[2] == page[2])


def _link_header_entries(value: str):
    for m in re.finditer(r"<([^>]*)>((?:\s*;\s*[^;,<]+(?:=\"[^\"]*\")?)*)", value):
        rel = re.search(r"\brel\s*=\s*\"?([^\";,]+)\"?", m.group(2), re.I)
        rels = rel.group(1).lower().split() if rel else []
        anchor = re.search(r"\banchor\s*=\s*(?:\"([^\"]*)\"|([^\s\";,]*))", m.group(2), re.I)
        yield (
            m.group(1).strip(),
            rels,
            (anchor.group(1) or anchor.group(2) or "") if anchor else None,
        )


def _apply_robots_directives(sig: LicenseSignals, value: str) -> None:
    for token in re.split(r"[,;\s]+", value.lower()):  # "noai;noimageai" too
        token = token.rsplit(":", 1)[-1]  # "otherbot: noai"
        if token == "noai":
            sig.noai = True
        elif token == "noimageai":
            sig.noimageai = True


_META_LICENSE_NAMES = frozenset(
    {
        "license",
        "licence",
        "dc.rights",
        "dc.license",
        "dcterms.license",
        "dcterms.rights",
        "dc:rights",
        "dc:license",
        "dcterms:license",
        "dcterms:rights",
        "cc:license",
        "rights",
        "copyright",
        "og:license",
    }
)
_META_COPYRIGHT_NAMES = frozenset(
    {"copyright", "dc.rights", "dcterms.rights", "dc:rights", "rights"}
)
# Meta tags a site addresses to one crawler (Google and Bing document theirs): "noai" there is
# the site's word as much as in X-Robots-Tag's "googlebot: noai", which counts for any agent.
_NAMED_CRAWLER_METAS = (
    "googlebot", "googlebot-news", "googlebot-image", "bingbot", "msnbot", "slurp", "yandex",
    "baiduspider", "duckduckbot", "applebot", "applebot-extended", "facebot", "ia_archiver",
    "chatgpt-user", "oai-searchbot", "claudebot", "anthropic-ai", "perplexitybot",
    "bytespider", "amazonbot", "cohere-ai", "meta-externalagent", "omgilibot",
)  # fmt: skip
_ROBOTS_META_NAMES = frozenset(
    {"robots", *_NAMED_CRAWLER_METAS} | {a.lower() for a in AGENTS if a != "*"}
)
_MEDIA_ITEMTYPES = re.compile(r"ImageObject|VideoObject|AudioObject|MediaObject|Photograph", re.I)


def _scan_head_and_meta(
    root, url, sig, found, meta_copyright, tdm_values, tdm_policies, usage_values
):
    for el in root.iter("link"):
        rels = (el.get("rel") or "").lower().split()
        href = _absolute(url, el.get("href"))
        if "license" in rels:
            found.add(
                "link_rel_license",
                license_from_url(href),
                PAGE,
                f'<link rel="license" href="{href}">',
            )
        elif (el.get("itemprop") or "").lower() == "license":
            found.add(
                "meta", license_from_url(href), _itemscope_scope(el), f"itemprop=license {href}"
            )
    for el in root.iter("meta"):
        name = (el.get("name") or el.get("property") or "").strip().lower()
        equiv = (el.get("http-equiv") or "").strip().lower()
        content = (el.get("content") or "").strip()
        if not content:
            continue
        if name in _ROBOTS_META_NAMES or equiv == "x-robots-tag":
            _apply_robots_directives(sig, content)
        elif name == "tdm-reservation":
            tdm_values.append(content)
        elif name == "tdm-policy":
            tdm_policies.append(content)
        elif name == "content-usage" or equiv == "content-usage":
            usage_values.append(content)
        itemprop = (el.get("itemprop") or "").strip().lower()
        if name in _META_LICENSE_NAMES or itemprop == "license":
            scope = _itemscope_scope(el) if itemprop == "license" else PAGE
            ids = _license_ids_of_value(content)
            for license_id in ids:
                found.add("meta", license_id, scope, f"{name or 'itemprop=license'}: {content}")
            if not ids and name in _META_COPYRIGHT_NAMES:
                meta_copyright.append(content)


def _itemscope_scope(el) -> str:
    for anc in _ancestors(el):
        if anc.get("itemscope") is not None:
            return EMBEDDED if _MEDIA_ITEMTYPES.search(anc.get("itemtype") or "") else PAGE
    return PAGE


def _license_ids_of_value(value: str) -> list[str]:
    """A meta or JSON-LD value: a licence URL, or a licence name."""
    # A URL, also without its scheme ("creativecommons.org/licenses/by/4.0/").
    if re.match(r"^(?:https?:)?//|^www\.|^[a-z0-9.-]+\.[a-z]{2,}/\S*$", value.strip(), re.I):
        license_id = license_from_url(value)
        return [license_id] if license_id else []
    # A licence's name is short; 20,000 names in one meta value took 8 s. Its ends are read:
    # terms first, the licence last, is how long rights statements are written.
    if len(value) > _MAX_VALUE_CHARS:
        half = _MAX_VALUE_CHARS // 2
        value = value[:half] + " … " + value[-half:]
    return [lid for _, lid in license_mentions(value, allow_public_domain=True)]


_MAX_VALUE_CHARS = 1_000

# --- JSON-LD ---

_PAGE_TYPES = frozenset(
    t.lower()
    for t in (
        "CreativeWork Article NewsArticle BlogPosting Blog WebPage WebSite ScholarlyArticle "
        "TechArticle Report AnalysisNewsArticle OpinionNewsArticle ReportageNewsArticle "
        "ReviewNewsArticle BackgroundNewsArticle LiveBlogPosting SocialMediaPosting "
        "DiscussionForumPosting QAPage FAQPage AboutPage ProfilePage CollectionPage ItemPage "
        "MedicalWebPage ContactPage SearchResultsPage Book Chapter Thesis Course LearningResource "
        "HowTo Recipe Guide Legislation Question Answer"
    ).split()
)
_MEDIA_TYPES = frozenset(
    t.lower()
    for t in (
        "ImageObject VideoObject AudioObject MediaObject Photograph MusicRecording 3DModel "
        "ImageGallery VideoGallery Dataset SoftwareApplication SoftwareSourceCode"
    ).split()
)
_MEDIA_KEYS = frozenset(
    {"image", "video", "audio", "thumbnail", "logo", "associatedmedia", "primaryimageofpage"}
)
_PAGE_KEYS = frozenset({None, "@graph", "mainentity", "mainentityofpage", "ispartof"})


def _scan_json_ld(root, found: _Collector, copyright_info: dict[str, Any]) -> None:
    for script in root.iter("script"):
        kind = (script.get("type") or "").split(";")[0].strip().lower()
        if kind != "application/ld+json":  # "application/ld+json; charset=utf-8" too
            continue
        text = (script.text or "").strip()
        text = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|\]\]>\s*$|^<!--|-->$", "", text).strip()
        if not text:
            continue
        try:
            data = json.loads(text, strict=False)
        except (ValueError, RecursionError):
            continue
        _walk_json_ld(data, None, False, found, copyright_info, 0)


def _types_of(node: dict) -> set[str]:
    types = node.get("@type") or []
    if isinstance(types, str):
        types = [types]
    return {str(t).rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() for t in types}


def _walk_json_ld(node, key, inside_media, found, copyright_info, depth) -> None:
    if depth > 12:
        return
    if isinstance(node, list):
        for item in node[:200]:
            _walk_json_ld(item, key, inside_media, found, copyright_info, depth + 1)
        return
    if not isinstance(node, dict):
        return
    types = _types_of(node)
    media = inside_media or bool(types & _MEDIA_TYPES) or key in _MEDIA_KEYS
    is_page = not media and bool(types & _PAGE_TYPES) and key in _PAGE_KEYS
    scope = PAGE if is_page else EMBEDDED
    licence = node.get("license") or node.get("schema:license")
    for value in licence if isinstance(licence, list) else [licence]:
        if isinstance(value, dict):
            value = value.get("url") or value.get("@id") or value.get("name")
        if isinstance(value, str) and value.strip():
            for license_id in _license_ids_of_value(value):
                type_name = next(iter(sorted(types)), "thing")
                found.add("json_ld", license_id, scope, f"{type_name}.license: {value}")
    if is_page:
        holder = node.get("copyrightHolder")
        if isinstance(holder, list) and holder:
            holder = holder[0]
        if isinstance(holder, dict):
            holder = holder.get("name")
        if isinstance(holder, str) and holder.strip():
            copyright_info.setdefault("holder", holder.strip()[:100])
        year = node.get("copyrightYear")
        if isinstance(year, (int, str)) and re.fullmatch(r"\s*(?:19|20)\d\d\s*", str(year)):
            copyright_info.setdefault("years", [int(year)])
        notice = node.get("copyrightNotice")
        if isinstance(notice, str) and notice.strip():
            copyright_info.setdefault("notice", notice.strip()[:300])
    for child_key, child in node.items():
        if isinstance(child, (dict, list)):
            ck = child_key.lower() if child_key != "@graph" else "@graph"
            _walk_json_ld(child, ck, media, found, copyright_info, depth + 1)


# --- anchors and text ---


def _scan_anchors(root, url: str | None, page: _Page, found: _Collector) -> None:
    links = []
    for a in root.iter("a"):
        href = a.get("href")
        rel_license = "license" in (a.get("rel") or "").lower().split()
        if rel_license:
            href = _absolute(url, href)
        if not href or not _LICENSE_HREF_RE.search(href.lower()):
            continue
        license_id = license_from_url(href)
        if not license_id and rel_license and _CC_PUBLIC_DOMAIN_PAGE.search(href):
            # rel="license" to CC's page about public domain tools: a public-domain
            # statement without saying which tool
            license_id = PUBLIC_DOMAIN_ID
        if license_id:
            links.append((a, href, rel_license, license_id))
    for a, href, rel_license, license_id in _ends(links, _MAX_LICENCE_LINKS):
        if len(found.evidence) >= MAX_EVIDENCE:
            return  # nothing more can be recorded, nor change the decision
        if any(_tag(anc) == "template" for anc in _ancestors(a)):
            continue  # inert markup, never shown as it is
        block = _block_of(a)
        bt = page.block_text(block)
        start, end = bt.span.get(a, (0, 0))
        left, sentence = bt.sentence(start, end)
        scope = _context_scope(a, block, sentence, rel_license)
        if scope == PAGE:
            # The sentence rules for parts apply to a linked name as to a written one, and
            # to rel="license" (CC's chooser adds it to text that sites then edit):
            # "Everything on this site except the text is licensed under <a>CC BY</a>".
            at = _offset_in_sentence(bt.text, start, sentence)
            if start == end and at <= 0:
                # A badge without text opening its sentence: the first clause says what it
                # is (CC's chooser: badge, then "This work is licensed under ...").
                first = _FIRST_CLAUSE_END.search(sentence)
                at = first.start() if first else len(sentence)
            if at > 0 and _part_only(sentence, at, 0):
                # In the CC chooser's markup "is marked with" is the work's own; any other
                # part wording there (an edited "Except for the text, ...") still names a part.
                if not (
                    _cc_chooser_mark(a, block)
                    and not _part_only(
                        _chooser_filled_in(sentence, bt.text.find(sentence, left), block, bt),
                        at,
                        0,
                    )
                ):
                    scope = EMBEDDED
        if scope == PAGE and not rel_license and _software_licence_of_code(license_id, sentence):
            scope = EMBEDDED
        found.add("anchor", license_id, scope, f"{sentence} <{href}>" if sentence else href)


_CC_PUBLIC_DOMAIN_PAGE = re.compile(r"creativecommons\.org/publicdomain/?(?:[?#]|$)", re.I)


_FIRST_CLAUSE_END = re.compile(r"[,;]|\s[—–]\s|\bbut\b", re.I)


# A sentence that names code: a software licence in it is the code's ("The content of this
# site is licensed under CC BY 4.0 and the source code under the GPLv3").
_CODE_WORDS = re.compile(r"\b(?:source\s+code|code|software|programs?|scripts?)\b", re.I)


def _software_licence_of_code(license_id: str, sentence: str) -> bool:
    """Whether a software licence (GPL, MIT, ...) in `sentence` is the software's, not the
    page's: "Powered by WordPress (GPLv2)", a download page's "License: MIT", unless the
    sentence says it is the page's; and in a sentence that names code and gives the content
    another licence ("... CC BY 4.0 and the source code under the GPLv3"). "All content and
    code on this site is licensed under the MIT License" is the page's."""
    if not license_id.upper().startswith(_SOFTWARE_IDS):
        return False
    if not _PAGE_SUBJECT.search(sentence):
        return True
    return bool(_CODE_WORDS.search(sentence)) and any(
        not other.upper().startswith(_SOFTWARE_IDS) for _, other in license_mentions(sentence)
    )


def _offset_in_sentence(text: str, start: int, sentence: str) -> int:
    """Where the element starting at `start` of a block's `text` falls in `sentence` (the
    stripped slice of `text` that `_BlockText.sentence` returned), by position: a link whose
    text is empty (a badge) or occurs earlier ("here" in "Where") is still placed."""
    key = sentence[:20]
    # The sentence's start is at or before the element: a key that runs past `start` (a link
    # within the first 20 characters, "Posts marked with <a>CC BY</a>") must still be found.
    left = text.rfind(key, max(0, start - 400), start + len(key)) if sentence else -1
    if left < 0:
        return -1
    return start - left


def _candidate_text_nodes(body, keys: tuple[str, ...]):
    """(element holding the text, text, is_tail) for visible body text containing a key.

    One `iter()` over the nodes in document order, each element's text and then its tail, as
    `etree.iterwalk` gives them, but a quarter faster than that walk on pages with a key
    (docs/benchmarks.md). A skipped element's subtree (script, svg, ...) is passed over up to
    its last node in document order, known by identity: lxml returns the same proxy for a
    node while one is held.
    """
    has_key = _any_of(keys).search  # one regex call per text node instead of one per key
    skip_until = None
    for el in body.iter():
        if skip_until is not None:
            if el is skip_until:
                skip_until = None
            continue
        tag = el.tag
        if isinstance(tag, str):
            if tag.lower() in _SKIP_TAGS:
                last = el
                while len(last):
                    last = last[-1]
                if last is not el:
                    skip_until = last  # its own tail still counts
            elif (text := el.text) and has_key(text.lower()):
                yield el, text, False
        elif tag is etree.Entity and (text := el.text) and has_key(text.lower()):
            yield el, text, False  # the walk gave an entity as an element ("&copy;")
        if el is not body and (tail := el.tail) and has_key(tail.lower()):
            yield el, tail, True


@functools.lru_cache(maxsize=64)
def _any_of(keys: tuple[str, ...]) -> re.Pattern:
    """A pattern matching wherever one of `keys` occurs (plain substrings)."""
    return re.compile("|".join(map(re.escape, keys)))


def _scan_text(page: _Page, found: _Collector, notices: list[_Notice]) -> bool:
    """Text statements and copyright notices; returns True if the page says all rights reserved."""
    body = page.root.find("body")
    if body is None:
        body = page.root
    # Screen the page's text (not its markup: class="copyright" must not count) in one C call.
    lower = etree.tostring(body, method="text", encoding=str).lower()
    # ⓐ ⓑ ⓒ as list items, one per <li>: no ⓒ in a list item is a notice on such a page.
    circled_items = "ⓒ" in lower and bool(_OTHER_CIRCLED_LETTER.search(lower))
    license_keys = _keys_present(lower, _LICENSE_KEYS)
    copyright_keys = _keys_present(lower, _COPYRIGHT_KEYS, _COPYRIGHT_KEYS_AFTER_LETTER)
    if not (license_keys or copyright_keys):
        return False
    hits = []
    for el, text, is_tail in _candidate_text_nodes(body, license_keys + copyright_keys):
        lower = text.lower()
        lic_hit = any(k in lower for k in license_keys) and _LICENSE_HINT.search(text)
        cr_hit = any(k in lower for k in copyright_keys) and _COPYRIGHT_HINT.search(text)
        if lic_hit or cr_hit:
            hits.append((el, text, is_tail, bool(lic_hit), bool(cr_hit)))
    seen_sentences: set[tuple[Any, int]] = set()
    notice_ends: dict[Any, int] = {}
    arr_page = False
    try:
        for el, text, is_tail, lic_hit, cr_hit in _ends(hits, _MAX_TEXT_HITS):
            holder_el = el.getparent() if is_tail and el.getparent() is not None else el
            # A hidden notice is not the page's (an old owner's left in a hidden <div>); a
            # hidden licence statement still counts, as hidden licence links do (footers in
            # collapsed accordions, or revealed by a script).
            cr_hit = cr_hit and not page.hidden(holder_el)
            if not (lic_hit or cr_hit):
                continue
            block = _block_of(holder_el)
            bt = page.block_text(block)
            base = (bt.tail_at if is_tail else bt.text_at).get(el)
            if base is None:
                continue
            # Offsets in bt.text are after whitespace normalization: re-find the hit there.
            node_text = re.sub(r"\s+", " ", text)
            if lic_hit:
                for m in _ends(list(_LICENSE_HINT.finditer(node_text)), _MAX_MATCHES_PER_NODE):
                    offset, sentence = bt.sentence(base + m.start(), base + m.end())
                    if (block, offset) in seen_sentences:
                        continue
                    seen_sentences.add((block, offset))
                    _statements_in(sentence, holder_el, block, found)
            if cr_hit:
                for m in _ends(list(_COPYRIGHT_HINT.finditer(node_text)), _MAX_MATCHES_PER_NODE):
                    at = base + m.start()
                    if at < notice_ends.get(block, -1):
                        continue  # inside a notice already parsed ("Copyright © 2017")
                    _, sentence = bt.sentence(at, base + m.end())
                    scope = _notice_scope(holder_el, block, sentence)
                    reservation = _reservation_around(bt.text, at)
                    parsed = _parse_notice(bt.text, at) if not reservation else None
                    if parsed and circled_items and _circled_item(bt.text, at, holder_el):
                        parsed = None
                    if parsed:
                        notice, holder, years, arr, end = parsed
                        notice_ends[block] = end
                        notices.append(
                            _Notice(notice, holder, years, arr, scope, _in_footer(holder_el))
                        )
                    elif reservation and scope == PAGE:
                        arr_page = True
    except _WorkBudgetSpent:
        pass  # what was found so far stands
    return arr_page


def _circled_item(text: str, at: int, el) -> bool:
    """Whether the notice at `at` starts with ⓒ in a list item or table cell."""
    return text[at : at + 1].lower() == "ⓒ" and any(
        _tag(a) in ("li", "dd", "dt", "td", "th") for a in _ancestors(el)
    )


def _reservation_around(text: str, at: int) -> bool:
    """Whether the copyright hint at `at` is part of an "all rights reserved" phrase: the hint
    starts at its noun in most languages ("Tous droits réservés", "Alle Rechte vorbehalten")."""
    for m in _ARR.finditer(text, max(0, at - 12), at + 60):
        if m.start() <= at < m.end():
            # Quoted or named, the phrase is talked about ("Der Hinweis „Alle Rechte
            # vorbehalten“ ...", "The phrase All rights reserved originated ..."), not said
            # of the page.
            begin = max(0, m.start() - 40)
            before = text[begin : m.start()].rstrip()
            return (
                before[-1:] not in _OPENING_QUOTES
                and not _NAMES_A_PHRASE.search(before)
                and not _NAMES_A_PHRASE_RU.search(text, begin, begin + len(before))
                and not (
                    _NAMES_A_PHRASE_RU_START.search(text, begin, begin + len(before))
                    and _SENTENCE_GOES_ON_RU.match(text, m.end())
                )
                and not _reservation_negated(text, m)
            )
    return False


def _reservation_negated(text: str, m: re.Match) -> bool:
    """Whether the reservation phrase `m` is said not to hold: Thai "ไม่สงวนลิขสิทธิ์" ("not
    copyright reserved"), Japanese "無断転載を禁止していません" and Korean "무단 전재를 금지하지
    않습니다" ("reposting is not prohibited"). Those languages put the negation right before
    (Thai) or right after (Japanese, Korean) the phrase."""
    return bool(
        _NEGATION_BEFORE_RESERVATION.search(text, max(0, m.start() - 12), m.start())
        or _NEGATION_AFTER_RESERVATION.match(text, m.end())
    )


_NEGATION_BEFORE_RESERVATION = re.compile(_THAI_NEGATION + "$")
_NEGATION_AFTER_RESERVATION = re.compile(
    # Japanese: the verb's own hiragana up to its negation, 禁止していません, 禁止しておりません,
    # 禁止されていない, 禁止ではありません, 禁じません, 禁止するつもりはございません (not a
    # "no" of the next clause: 無断転載禁止（許可のない転載…）, 禁止ですので使わないで).
    # Not past a conjunction to the next clause (禁止なので…しないでね, 禁止ですので…; not
    # ものでは), nor a request ないで.
    r"(?:(?!ので(?!は)|から|けど|けれど|のに|ため)[ぁ-ゖ]){0,12}?(?:ません|ない(?!で))"
    # Korean: 금지하지 않습니다, 금지되지 않음, 금지하진 않는다, 금지하지는 않지만, 금지하고 있지
    # 않습니다, 금지하지 아니합니다, 금지가 아닙니다, 금지는 아닙니다, 금지 대상이/사항이 아니
    r"|\s*(?:(?:하|되)(?:지|진)(?:는|도)?\s*(?:않|아니)|하고\s*있지\s*않"
    r"|(?:대상|사항)이\s*아(?:닙|님|닌|니(?![면라])))"
    # A particle attaches to 금지 (not "금지 아니면 법적 조치", "if not, legal action", nor
    # names after a space: "금지 아니타 뉴스", "금지 도아니 기자").
    r"|(?:이|가|는|도)\s*아(?:닙|님|닌|니(?![면라]))"
)


_NAMES_A_PHRASE = re.compile(
    r"\b(?:the|la|le|der|den|die|das|el|il)\s+(?:phrase|words|wording|expression|term|formula"
    r"|notice|mention|Hinweis|Vermerk|Formulierung|formule|expresi[óo]n|f[óo]rmula|frase"
    r"|dicitura)\s*[\"'“„«‹‚‘]?$",
    re.I,
)
# Russian and Ukrainian name the phrase without an article ("Надпись Все права защищены ничего
# не значит", "с надписью ..."): the noun in lowercase, or capitalised where a sentence starts
# (a brand, "Агентство Фраза Все права защищены", is not a name of the phrase).
_RU_PHRASE_NOUN = (
    r"(?:фраз(?:а|ы|у|е|ой|ою|і)|надпис(?:ь|и|ью)|напис(?:ом|у|и)?|формулировк(?:а|и|у|е|ой)"
    r"|формулюванн(?:я|ям)|пометк(?:а|и|у|ой)|словосочетани(?:е|я|ю|ем)|выражени(?:е|я|ю|ем)"
    r"|вираз(?:ом|у)?)"
)
_NAMES_A_PHRASE_RU = re.compile(r"(?<!\S)" + _RU_PHRASE_NOUN + r"\s*[\"'“„«‹‚‘]?$")
# Capitalised at a sentence start it names the phrase only in a sentence about it, which goes
# on in lowercase ("Надпись Все права защищены ничего не значит"); a brand does not ("Фраза Все
# права защищены © 2024").
_NAMES_A_PHRASE_RU_START = re.compile(
    r"(?:^|(?<=[.!?;\n]))\s*(?i:" + _RU_PHRASE_NOUN + r")\s*[\"'“„«‹‚‘]?$"
)
_SENTENCE_GOES_ON_RU = re.compile(r"[\s\"'”»“]*[а-яёіїєґ]")
_OPENING_QUOTES = frozenset("\"'“„«‹‚‘「『")


# "This work is in the public domain" states a licence without any licensing word; the page
# must be its subject ("In this article we list films that are in the public domain" is not).
_PD_SUBJECT = (
    r"\b(?:this|our)\s+(?:web\s?site|site|blog|page|work|article|post|text|content|document"
    r"|book|photo|image|material)s?\s+"
)
_IN_PUBLIC_DOMAIN = re.compile(
    _PD_SUBJECT + r"(?:(?:is|are|has\s+been|have\s+been)\s+(?:placed\s+|released\s+|dedicated\s+)?"
    r"|(?:was|were)\s+(?:placed|released|dedicated|put)\s+)(?:in|into|to)\s+the\s+public\s+domain\b"
    # "This site is a work of the U.S. federal government and is in the public domain."
    r"|"
    + _PD_SUBJECT
    + r"(?:is|are)\b(?:[^.;]|\.(?!\s+(?-i:[A-Z]))){0,80}?\band\s+(?:is|are)\s+in\s+the\s+public\s+domain\b",
    re.I,
)
# "This article is not licensed under CC BY-SA": a denial governs the licence named right
# after it, in the same clause ("licensed under CC BY-NC 4.0 and may not be distributed
# commercially" denies nothing). In the four languages whose statements are read.
_DENIAL = re.compile(
    r"(?:\bnot|\bnever|\bno\s+longer|\bisn.t|\bwasn.t|\baren.t|\bweren.t|\bcannot|\bcan.t)\s+"
    r"(?:be\s+|been\s+)?"
    r"(?:licen[cs]ed|released|available|published|distributed)\s+(?:under|as|with|in)\b"
    r"|\bnot\s+under\b"  # "available under CC BY 4.0, not under CC BY-SA 4.0"
    # "You may not republish this article under CC BY-SA"
    r"|(?:\bnot|n[’']t|\bnever|\bcannot)\s+(?:be\s+)?(?:free\s+to\s+)?(?:re)?(?:publish|distribut"
    r"|use|shar|post|cop[yi]"
    r"|reproduc|licen[cs]|releas)\w*\s+(?:\w+\s+){0,5}?under\b"
    # "None of our content is released under CC BY-SA", "No content on this site is ..."
    r"|(?:\bnone\s+of|\bnothing\s+(?:on|in|of|here)|\bno\s+(?:part|content|text|material"
    r"|article|post|page|photo)s?)\b(?:(?!\bbut\b)[^.;:()—–]){0,60}?"
    r"\b(?:licen[cs]ed|released|available|published|distributed|offered)\s+(?:under|as|with|in)\b"
    # A licence of the past: "previously licensed under CC BY-SA 3.0" (not "this blog
    # (formerly Foo Notes) is licensed", "this previously unpublished essay is published")
    r"|\b(?:previously|formerly)\s+(?:been\s+)?(?:licen[cs]ed|released|available|published"
    r"|distributed|offered)\s+(?:under|as|with|in)\b"
    r"|\bused\s+to\s+be\s+(?:licen[cs]ed|released|available|published|distributed)\s+"
    r"(?:under|as|with|in)\b"
    r"|\brather\s+than\s+(?:licen[cs]ed|released|published|available)\s+under\b"
    r"|\b(?:excluded|exempt(?:ed)?)\s+from\b|\bnot\s+covered\s+by\b"
    # Italian, Portuguese, Dutch: "non è distribuito sotto", "não está disponível sob"
    r"|\bnon\s+(?:\w+\s+){0,2}sotto\b|\bn[ãa]o\s+(?:\w+\s+){0,2}sob\b"
    r"|\bniet\s+(?:\w+\s+){0,2}onder\b"
    r"|\b(?:früher|ehemals)\s+(?:\w+\s+){0,2}?unter\b|\b(?:anciennement|autrefois)\s+"
    r"(?:\w+\s+){0,2}?sous\b|\banteriormente\s+(?:\w+\s+){0,2}?bajo\b"
    r"|\bnicht\s+(?:mehr\s+)?unter\b|\bunter\s+keiner\b"  # "steht nicht unter", "unter keiner"
    r"|\bpas\s+(?:\w+\s+)?sous\b"  # "n'est pas (publié) sous licence"
    r"|\bno\s+(?:\w+\s+){1,2}bajo\b",  # "no está bajo", "no se publica bajo"
    re.I,
)
_DENIAL_REACH = 60  # characters from the denial to the licence it denies
# What ends the denial's reach before the licence: the end of its clause, or a second
# licensing phrase ("not under any obligation to ask: this work is licensed under CC BY").
_DENIAL_STOP = re.compile(
    r"[;,:]|\b(?:but|and|und|aber|sondern|et|mais|y|pero|sino)\b|\b(?:under|unter|sous|bajo)\b",
    re.I,
)
# Words that make it a limit, not a denial: "other than CC BY-SA 4.0", "not under a different
# licence", "pas seulement sous", "no solo bajo".
_DENIAL_LIMIT = re.compile(
    r"\b(?:other|another|different|except|anderen?|andere[rs]?|außer|autres?|sauf|tierce?s?"
    r"|otr[ao]s?|distint[ao]s?|diferentes?|salvo|excepto"
    r"|only|solely|exclusively|nur|ausschließlich|seulement|uniquement|exclusivement"
    r"|solo|sólo|solamente|únicamente|exclusivamente)\b",
    re.I,
)


# A negation right before the licence's name: "is not CC BY-SA licensed", "does not use a
# Creative Commons licence", "isn't under a CC licence".
_NEGATED_NAME = re.compile(
    r"(?:\bnot|n[’']t|\bnever|\bnor|\bno\s+longer|(?:^|\b(?:is|are|has|have|with|offers?)\s+|\bthere[’']s\s+)no|\bn(?:o|ão|ao)\s+(?:utiliza|usa|tiene|aplica|emplea|tem)|\bnicht|\bkeine?[nr]?|\bpas|\baucune?"
    r"|\bningun[oa]?|\bno\s+(?:es|est[áa]))\s+"
    r"(?:(?:use[sd]?|using|apply|applies|adopt(?:s|ed)?|offer(?:s|ed)?|carr(?:y|ies)|have|has"
    r"|covered|by|grant(?:s|ed)?|be|been|under|an?|the|any|licen[cs]ed|released|published"
    r"|available|de|la|le|licen[cs]e|lizenz|licencia|utiliza|usa|con)\s+){0,3}$",
    re.I,
)
# A licence said to be over: "expired", "was withdrawn", "we withdrew" (not "has not
# expired", "cannot be revoked", "has not been withdrawn").
_PAST_LICENCE = re.compile(
    r"(?<!not\s)(?<!never\s)\bexpired\b|\b(?:was|were|has\s+been|have\s+been)\s+"
    r"(?:withdrawn|revoked)\b|\b(?:withdrew|(?:have|has)\s+(?:withdrawn|revoked)|revoked)\s+"
    r"(?:the|our|this|that|its|their|a|an|all)\b",
    re.I,
)
# "Prior to 2021, content ... was released under", "Until 2020 this blog was licensed under"
# (not "content published before 2020 is licensed under": a date of the content); up to a
# "now" ("..., now it is licensed under CC BY 4.0").
_PAST_START = re.compile(r"\W*(?:prior\s+to|before|until)\s+(?:\w+\s+)?(?:19|20)\d\d\b", re.I)
_NOW = re.compile(
    r"\b(?:now|currently|today|nowadays|since\s+(?:\w+\s+)?(?:19|20)\d\d|since\s+(?:then|the)"
    r"|from\s+(?:19|20)\d\d)\b",
    re.I,
)
# "... under CC BY 4.0 until March 2022" (not "(embargoed until 2025)", nor "archive covers
# 1990 until 2020" after a comma).
_UNTIL_AFTER = re.compile(
    r"(?:(?!\band\b)[^.;,()]|\.(?=\d)){0,120}?\buntil\s+(?:\w+\s+)?(?:19|20)\d\d\b", re.I
)
# What ends a denial's own words before its "under": "does not use cookies and is licensed
# under", "don't share your data and publish under".
_DENIAL_BREAK = re.compile(r"[;:—–]|\b(?:and|but|und|aber|et|mais|y|pero)\b", re.I)


_CLAUSE_AFTER_VERB = re.compile(r"\b(?:is|are|was|were)\b[^.;]*?\b(?:and|or)\b", re.I)
_NEGATION_FIRST = re.compile(r"(?:not|n[’']t|never|cannot)\b", re.I)
# "may not copy and redistribute this article under": two verbs of one denial, not a break
_VERBS_JOINED = re.compile(
    r"(?:not|n[’']t|never|cannot)\s+(?:be\s+)?(?:free\s+to\s+)?\w+\s+(?:and|or)\s+\w+", re.I
)
# After the licence: "... does not apply to this article"
_DENIED_AFTER = re.compile(
    r"(?:[^.;,()]|\.(?=\d)){0,80}?(?<!that\s)(?<!which\s)\b(?:does\s+not|doesn[’']t|do\s+not"
    r"|no\s+longer)\s+"
    r"(?:apply|applies|cover)\b",
    re.I,
)


def _denied(sentence: str, offset: int) -> bool:
    """Whether the licence mentioned at `offset` is the object of a denial."""
    if _NEGATED_NAME.search(sentence, max(0, offset - 60), offset):
        return True
    if (
        _PAST_LICENCE.search(sentence)
        or _UNTIL_AFTER.match(sentence, offset)
        or _DENIED_AFTER.match(sentence, offset)
    ):
        return True
    if _PAST_START.match(sentence) and not _NOW.search(sentence, 0, offset):
        return True
    for m in _DENIAL.finditer(sentence, 0, offset):
        between = sentence[m.end() : offset]
        if len(between) > _DENIAL_REACH or _DENIAL_STOP.search(between):
            continue
        if (
            _NEGATION_FIRST.match(m.group())
            and _DENIAL_BREAK.search(m.group())
            and not _VERBS_JOINED.match(m.group())
        ):
            continue  # "does not use cookies and is licensed under": its own clause ended
        if not _NEGATION_FIRST.match(m.group()) and _CLAUSE_AFTER_VERB.search(m.group()):
            continue  # "No content is behind a paywall and everything is published under"
        if _DENIAL_LIMIT.search(sentence, m.start(), offset):
            continue
        return True
    return False


def _statements_in(sentence: str, el, block, found: _Collector) -> None:
    if not (_LICENSING_CONTEXT.search(sentence) or _IN_PUBLIC_DOMAIN.search(sentence)):
        return
    page_subject = _PAGE_SUBJECT.search(sentence) is not None
    mentions = license_mentions(sentence, allow_public_domain=page_subject)
    # We would rather miss a licence than claim a denied one.
    mentions = [(at, license_id) for at, license_id in mentions if not _denied(sentence, at)]
    if not mentions:
        return
    scope = _context_scope(el, block, sentence)
    previous_end = 0
    for at, license_id in mentions:
        part = scope == PAGE and _part_only(sentence, at, previous_end)
        found.add("text_statement", license_id, EMBEDDED if part else scope, sentence)
        previous_end = at + 1


# Scope within a page-scope sentence: before a licence's name, words that give it to a part
# of the page ("except the logo, which is CC BY"; "only the quotations on this site are
# available under"; "the icons on this site are licensed under") or make the sentence about
# licensing ("this article explains how to publish under"). A carve-out or a how-to is
# overruled by the page's own grant after it: "Except for the logos, this work is licensed
# under", "This blog, except for images, is licensed under", "This blog about how to bake
# bread is licensed under" (the Australian Government's standard wording is the first).
_CARVE_OUT = re.compile(
    r"\b(?:except|excluding|apart\s+from|with\s+the\s+exception\s+of|save\s+(?:for|the)"
    r"|other\s+than|au[ßs]er|excepto|sauf|salvo)\b"
    r"(?!\s+(?:where|as|when|if|otherwise|unless|for\s+the\s+purposes?|mention|indication"
    r"|que|indicaci[óo]n|donde|anders|under|in\s+accordance|as\s+permitted)\b)",
    re.I,
)
_ONLY_PART = re.compile(
    r"\bonly\s+(?:the|our|its|some|certain|a\s+few)\s+(?!(?:site|website|web\s+site|content"
    r"|contents|text|texts|material|work|articles?|posts?|own)\b)\w+"
    r"|\bsome\s+of\b|\bselected\s+(?:articles|posts|pages|content|texts)\b"
    # "Some articles on this site", "Portions of this website", "Guest posts on this blog"
    r"|(?<!like\s)\b(?:some|certain|many|most|several)\s+(?:of\s+)?(?:the\s+|our\s+)?"
    r"(?:articles|posts|content|pages|texts|material|photos|images|entries)\b"
    r"|\b(?:portions?|parts)\s+of\s+(?:this|our|the)\s+(?:web\s?site|site|blog|content)\b"
    r"|\ba\s+few\s+of\b|\bguest\s+posts?\b"
    r"|\bnot\s+all\s+(?:of\s+)?(?:the\s+|our\s+)?(?:content|material|articles|posts|texts?)\b|(?<!except\s)(?<!unless\s)\bwhere\s+indicated\b"
    r"|(?<!unless\s)\bmarked\s+(?:as|with)\b"
    r"|\bseule?s?\s+les\b|\bnur\s+die\b|\bs[óo]lo\s+(?:las|los)\b|\beinige\s+(?!rechte)"
    r"|\bcertaine?s\s+(?!droits)|\balgun(?:os|as)\s+(?!derechos)",
    re.I,
)
_TALKS_ABOUT = re.compile(
    r"\bhow\s+to\b|\b(?:explains?|describes?|discuss(?:es)?|compares?|recommends?|explique"
    r"|comment\s+publier)\b",
    re.I,
)
# The sentence's own grant after a carve-out: "is licensed", "are available", "is CC BY",
# "falls under", "est sous licence", "steht unter" (not "which is licensed").
_MAIN_GRANT = re.compile(
    r"(?<!which\s)(?<!that\s)(?<!who\s)\b(?:is|are)\s+(?:\w+\s+)?(?:licen[cs]ed|released"
    r"|published|available|distributed|provided|offered)\b"
    r"|(?<!which\s)(?<!that\s)\b(?:is|are)\s+(?:now\s+)?(?:CC\b|under\b)|\bfalls?\s+under\b"
    r"|\buses?\s+(?:the|a)\b|\bappl(?:y|ies)\s+to\b"
    r"|\b(?:est|sont)\s+(?:sous|publi[ée]e?s?|disponibles?|distribu[ée]e?s?)\b"
    r"|\b(?:est[áa]n?|se\s+publican?|se\s+distribuyen?)\s+(?:bajo|publicad[oa]s?|disponibles?)?"
    r"|\b(?:steht|stehen|ist|sind)\s+(?:\w+\s+)?unter\b|\b(?:è|sono)\s+(?:distribuit|pubblicat)"
    r"|\best[áa]\s+licenciad",
    re.I,
)
# A carve-out of the text itself: the licence is for everything else.
_TEXT_CARVED = re.compile(
    r"\s+(?:for\s+)?(?:the\s+|our\s+|its\s+|all\s+)?(?:written\s+content|text|texts|articles"
    r"|posts|writing|words)\b",
    re.I,
)
# "The icons on this site are licensed", "..., but our logo is available under": a media
# subject at the start of a clause.
_MEDIA_SUBJECT_START = re.compile(
    r"(?:^|[,;]\s*|\bbut\s+|\bwhile\s+|\bwhereas\s+)"
    r"(?:(?:the|our|its|all|my|his|her|their)\s+)?",
    re.I,
)
_MEDIA_SUBJECT_VERB = re.compile(
    r"(?:\s+(?:on|of|in|from|used\s+on)\s+(?:this|our)\s+(?:web\s?site|site|blog|page|post"
    r"|article))?"
    r"\s+(?:is|are)\b",
    re.I,
)
_CLAUSE_BREAK = re.compile(r"[,;]|\s[—–]\s")


_MARKED_WITH = re.compile(r"\bmarked\s+(?:as|with)\b", re.I)


def _blank(match: re.Match) -> str:
    return " " * len(match.group(0))


def _chooser_filled_in(sentence: str, sentence_at: int, block, bt) -> str:
    """`sentence` (at `sentence_at` of the block's text) with what the CC chooser writes or
    fills in blanked: "marked with" / "marked as", and the work's title and creator (its
    `dct:title`, `cc:attributionName` and `cc:attributionURL` elements), which name the work,
    not a part of it: "Guest Posts by Jane is marked with CC0 1.0" is the work's own."""
    chars = list(_MARKED_WITH.sub(_blank, sentence))
    for el in block.iter():
        if not isinstance(el.tag, str):
            continue
        prop = (el.get("property") or "").lower().split()
        rel = (el.get("rel") or "").lower().split()
        if "dct:title" in prop or "cc:attributionname" in prop or "cc:attributionurl" in rel:
            el_start, el_end = bt.span.get(el, (0, 0))
            for i in range(max(el_start - sentence_at, 0), min(el_end - sentence_at, len(chars))):
                chars[i] = " "
    return "".join(chars)


def _cc_chooser_mark(a, block) -> bool:
    """A rel="license" link in the CC chooser's markup: inside an element declaring
    `xmlns:cc` (the chooser's `<p xmlns:cc=...>`; with no title or creator it declares no
    `xmlns:dct`: "This work is marked with CC0 1.0") up to the link's block, or in a block
    with the work's title or creator as a `cc:attributionURL` link. There, "My Blog by Jane is
    marked with CC0 1.0", the chooser's wording for CC0 and the Public Domain Mark, is the
    work's own, although "posts marked with CC BY" names a part. Namespaces on a wrapper,
    `<body>` or `<html>` are not the chooser's."""
    if "license" not in (a.get("rel") or "").lower().split():
        return False
    for el in _ancestors(a):
        if el.get("xmlns:cc"):
            return True
        if el is block:
            break
    return any("cc:attributionurl" in (link.get("rel") or "").lower() for link in block.iter("a"))


def _part_only(sentence: str, at: int, previous_end: int) -> bool:
    """Whether the licence at `at`, in a sentence about the page, is a part's licence."""
    carves = list(_CARVE_OUT.finditer(sentence, 0, at))
    # "All posts, except guest posts, are CC BY-SA": the part named inside the carve-out is
    # what is left out, not what is licensed.
    outside = sentence[:at]
    for carve in [*carves, *_INCLUDING.finditer(sentence, 0, at)]:
        comma = sentence.find(",", carve.end(), at)
        end = comma if comma >= 0 else at
        outside = outside[: carve.start()] + " " * (end - carve.start()) + outside[end:]
    part = _ONLY_PART.search(outside)
    # "As with most posts on this blog, this post is licensed under": the page's own grant
    # after an opening comparison (not "Where indicated, our content is ...").
    if part and not (_AS_WITH.match(sentence) and _THIS_IS.search(sentence, part.end(), at)):
        return True
    talks = list(_TALKS_ABOUT.finditer(sentence, 0, at))
    for pattern, found in ((_CARVE_OUT, carves), (_TALKS_ABOUT, talks)):
        if not found:
            continue
        last = found[-1]
        between = sentence[last.end() : at]
        if not between.strip():
            continue  # "any licence other than CC BY-SA 4.0": it names the licence itself
        relative = _RELATIVE_IN.search(between)
        # Is the licence inside that relative clause, or after it has closed ("Except for
        # images, which are © their owners, all content on this site is licensed under")?
        closed = relative is not None and "," in between[relative.end() :]
        in_relative = relative is not None and not closed
        if pattern is _CARVE_OUT and _TEXT_CARVED.match(sentence, last.end()):
            # "everything except the text is licensed under": the licence is the rest's;
            # "..., except the articles, which are CC BY-NC-ND": it is the text's.
            return not in_relative
        if pattern is _CARVE_OUT and in_relative:
            return True  # "Except for the logo, which is licensed under CC BY 4.0, ..."
        after = last.end()
        if closed:
            after = last.end() + relative.end() + between[relative.end() :].index(",")
        granted = (
            _MAIN_GRANT.search(sentence, after, at + 3)
            or _PAGE_SUBJECT.search(sentence, after, at)
            or (pattern is _CARVE_OUT and _grant_after(sentence, at))
            or (pattern is _CARVE_OUT and _parenthetical(sentence, last, at))
        )
        if not granted:
            return True
    # A media subject in the licence's own clause ("The source code of this site is on
    # GitHub, and all content is licensed under" is the page's).
    clause_start = _clause_start(sentence, at)
    if clause_start and _PARTICIPLE.match(sentence, clause_start + 1):
        # "The icons on this site are from Font Awesome, licensed under CC BY 4.0": the
        # participle's subject is the clause before.
        clause_start = _clause_start(sentence, clause_start)
    for start in _MEDIA_SUBJECT_START.finditer(sentence, clause_start, at):
        media = _MEDIA_WORDS.match(sentence, start.end())
        if media and _MEDIA_SUBJECT_VERB.match(sentence, media.end()):
            return True
    if _ONLY_AFTER.match(sentence, at):
        return True  # "CC BY 4.0 applies only to the photos on this site"
    return _media_clause(sentence, at, previous_end)


def _clause_start(sentence: str, end: int) -> int:
    """Where the clause ending at `end` starts: its comma or semicolon, else 0."""
    return max(sentence.rfind(",", 0, end), sentence.rfind(";", 0, end), 0)


_PARTICIPLE = re.compile(
    r"\s*(?:and\s+)?(?:licen[cs]ed|released|available|published|distributed|offered)\b", re.I
)
_ONLY_AFTER = re.compile(
    r"(?:[^.;]|\.(?=\d)){0,60}?\b(?:appl(?:y|ies)|covers?)\s+only\s+(?!(?:to\s+)?(?:the\s+)?"
    r"(?:written\s+|original\s+)?(?:text|texts|words|writing|articles|content)\b)",
    re.I,
)


_INCLUDING = re.compile(
    r"\b(?:including|incl\.|y\s+compris|einschlie(?:ß|ss)lich|incluidos?)\b", re.I
)
_AS_WITH = re.compile(r"\W*(?:as\s+with|as\s+for|like|unlike)\b", re.I)
_THIS_IS = re.compile(
    r"(?<!on\s)(?<!of\s)(?<!in\s)(?<!from\s)\b(?:this|our)\s+(?:post|article|page|blog|work"
    r"|site|website|content|essay|story)\s+is\b",
    re.I,
)


# A relative clause or a bracket between a carve-out and the licence: the licence is the
# carved part's ("except the logo, which is CC BY", "apart from our logo (CC BY 4.0)").
_RELATIVE_WORDS = (
    r"(?:which|that|who|das|die|der|welche[rs]?|qui|que|lequel|laquelle|il\s+quale|la\s+quale"
    r"|el\s+cual|la\s+cual|o\s+qual|a\s+qual)\b"
)
_RELATIVE_IN = re.compile(r",\s*" + _RELATIVE_WORDS + r"|\($", re.I)
# "Except for logos, CC BY 4.0 applies to all content on this site": the grant follows the
# licence, in the same clause.
_GRANT_AFTER = re.compile(r"[^,;()]{0,30}?\bappl(?:y|ies)\s+to\b", re.I)


def _grant_after(sentence: str, at: int) -> bool:
    grant = _GRANT_AFTER.match(sentence, at)
    return grant is not None and bool(_PAGE_SUBJECT.search(sentence, grant.end()))


_RELATIVE = re.compile(r"\s*" + _RELATIVE_WORDS, re.I)


def _parenthetical(sentence: str, carve, at: int) -> bool:
    """ "Dieser Blog steht, außer den Fotos, unter der Lizenz ...": a carve-out between commas
    in a sentence about the page, not followed by a relative clause ("..., excluding the
    logo, which is CC BY 4.0" gives the licence to the logo)."""
    if not sentence[: carve.start()].rstrip().endswith(","):
        return False
    comma = sentence.find(",", carve.end(), at)
    if comma < 0:
        return False
    return not _RELATIVE.match(sentence, comma + 1) and bool(
        _PAGE_SUBJECT.search(sentence, 0, carve.start())
    )


def _media_clause(sentence: str, at: int, previous_end: int) -> bool:
    """The licence at `at` ends a later clause about media: "Text is available under CC BY
    4.0, photos under CC0" (after another licence), "Text on this site is © Foo — photos are
    CC0" (after the page's subject and a semicolon or a dash). Not "Unless otherwise noted,
    text, images and videos are available under CC BY-SA 4.0": a list, the page's."""
    breaks = list(_CLAUSE_BREAK.finditer(sentence, 0, at))
    if not breaks:
        return False
    last = breaks[-1]
    clause = sentence[last.end() : at]
    if not _MEDIA_WORDS.search(clause) or _PAGE_SUBJECT.search(clause):
        return False
    if previous_end > 0 and last.start() >= previous_end:
        return True
    return last.group() != "," and bool(_PAGE_SUBJECT.search(sentence, 0, last.start()))


def _notice_scope(el, block, sentence: str) -> str:
    if _MEDIA_CREDIT.search(sentence) or _in_container(el) or _media_class_near(el, block):
        return EMBEDDED
    return PAGE


def _choose_copyright(sig, notices, meta_copyright, jsonld_copyright) -> None:
    page_notices = [n for n in notices if n.scope == PAGE]
    footer = [n for n in page_notices if n.in_footer]
    chosen = (footer or page_notices or [None])[-1]
    if chosen is None:
        for value in meta_copyright:
            # One space between words, as in the body's text (the phrase rules look one
            # space back: "Algunos derechos reservados"); a line break still ends a holder.
            value = re.sub(r"[^\S\n]+", " ", value).strip()
            parsed = None
            for m in _NOTICE_PREFIX.finditer(value):
                parsed = _parse_notice(value, m.start())
                if parsed:
                    break
            if parsed:
                notice, holder, years, arr, _ = parsed
                chosen = _Notice(notice, holder, years, arr, PAGE, False)
            elif len(value) <= 100 and re.search(r"[^\W\d_]", value):
                arr = bool(_ARR.search(value))
                chosen = _Notice(value, _clean_holder(value), _years_of(value), arr, PAGE, False)
            if chosen:
                break
    if chosen is not None:
        sig.copyright_notice = chosen.text[:300]
        sig.copyright_holder = chosen.holder
        sig.copyright_years = chosen.years
        sig.all_rights_reserved = sig.all_rights_reserved or chosen.all_rights_reserved
    if not sig.copyright_holder and jsonld_copyright.get("holder"):
        sig.copyright_holder = jsonld_copyright["holder"]
    if not sig.copyright_years and jsonld_copyright.get("years"):
        sig.copyright_years = jsonld_copyright["years"]
    if not sig.copyright_notice and jsonld_copyright.get("notice"):
        sig.copyright_notice = jsonld_copyright["notice"]


def _agree(a: str, b: str) -> bool:
    """Two page licences that do not conflict: the same licence, or two ways of saying public
    domain ("dedicated to the public domain under CC0")."""
    if _compatible(a, b):
        return True
    return license_class(a) == license_class(b) == "public_domain"


def _decide_license(sig: LicenseSignals) -> None:
    """Only page-scope evidence counts; disagreement -> most restrictive + license_conflict."""
    page = [e for e in sig.license_evidence if e.scope == PAGE]
    if page:
        sig.license_conflict = any(
            not _agree(a.license, b.license) for i, a in enumerate(page) for b in page[i + 1 :]
        )

        def rank(e: Evidence):
            return (
                _RESTRICTIVENESS[license_class(e.license)],
                _SOURCE_STRENGTH[e.source],
                _version(e.license) is not None,
            )

        best = max(page, key=rank)
        license_id = best.license
        if _version(license_id) is None:
            # "Creative Commons Attribution-ShareAlike" in the footer, the version in <head>.
            versioned = [
                e for e in page if _compatible(e.license, license_id) and _version(e.license)
            ]
            if versioned:
                license_id = max(versioned, key=rank).license
        sig.license = license_id
        sig.license_class = license_class(license_id)
        if sig.all_rights_reserved:
            # "All rights reserved" next to an open licence: keep the restrictive reading.
            sig.license_conflict = True
            sig.license_class = "all_rights_reserved"
    elif sig.all_rights_reserved or sig.copyright_notice:
        # A notice without a licence: copyright law's default, all rights reserved.
        sig.license_class = "all_rights_reserved"
    else:
        sig.license_class = "unknown"


# --------------------------------------------------------------------------------------------
# Policy, dedup preference, manifest stats
# --------------------------------------------------------------------------------------------


def is_open_and_not_opted_out(attributes: dict | None) -> bool:
    """Open licence (public domain, permissive, copyleft) and no opt-out signal at all."""
    if not attributes:
        return False
    return attributes.get("license_class") in OPEN_CLASSES and not attributes.get("opt_out_signals")


def policy_drop_reason(policy: str, attributes: dict | None) -> str | None:
    """The drop reason for a document under a licence policy, or None to keep it."""
    if policy not in LICENSE_POLICIES:
        raise ValueError(f"unknown licence policy {policy!r}; choose from {LICENSE_POLICIES}")
    attributes = attributes or {}
    if policy in ("open", "open-no-optout"):
        if attributes.get("license_class") not in OPEN_CLASSES:
            return "license_policy:not_open"
    if policy in ("no-optout", "open-no-optout"):
        signals = attributes.get("opt_out_signals") or []
        if OPT_OUT_TDM in signals:
            return "license_policy:tdm_reservation"
        if OPT_OUT_NOAI in signals:
            return "license_policy:noai"
        if OPT_OUT_TRAIN_AI in signals:
            return "license_policy:usage_preference"
        if any(s.startswith(OPT_OUT_ROBOTS) for s in signals):
            return "license_policy:robots_disallow"
    return None


def ledger_stats(table) -> dict:
    """Additive counts for manifest.json from one ledger shard (a pyarrow.Table)."""
    names = set(table.column_names)
    stats: dict[str, dict[str, int]] = {}

    def count_values(column: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for value in table.column(column).to_pylist():
            if value is not None:
                counts[str(value)] = counts.get(str(value), 0) + 1
        return counts

    for column in ("license_class", "license", "robots_status"):
        if column in names:
            stats[column] = count_values(column)
    if "opt_out_signals" in names:
        opt_out: dict[str, int] = {}
        for signals in table.column("opt_out_signals").to_pylist():
            for signal in signals or []:
                opt_out[signal] = opt_out.get(signal, 0) + 1
            if signals:
                opt_out["any"] = opt_out.get("any", 0) + 1
        stats["opt_out"] = opt_out
    flags: dict[str, int] = {}
    for column in (
        "license_conflict",
        "all_rights_reserved",
        "noimageai",
        "tdm_reservation",
        "noai",
    ):
        if column in names:
            flags[column] = sum(1 for v in table.column(column).to_pylist() if v)
    for column in ("copyright_notice", "tdm_policy", "content_usage", "license_error"):
        if column in names:
            flags[column] = sum(1 for v in table.column(column).to_pylist() if v is not None)
    if flags:
        stats["license_flags"] = flags
    return stats


# --------------------------------------------------------------------------------------------
# Beam
# --------------------------------------------------------------------------------------------


class LicenseTagFn(beam.DoFn):
    """Tags alive documents with licence, copyright and opt-out signals; drops nothing.

    `robots_paths`: WARC files of robots.txt responses (`--robots`), loaded once per worker.
    """

    def __init__(self, robots_paths: list[str] | None = None):
        self._robots_paths = list(robots_paths or [])
        self._robots: RobotsIndex | None = None

    def setup(self):
        if self._robots_paths:
            self._robots = RobotsIndex.from_warc_paths(self._robots_paths)

    def process(self, doc):
        if doc.alive:
            start = time.perf_counter()
            sig = detect_license_signals(doc.html or "", doc.http_headers, doc.url)
            if self._robots is not None:
                try:
                    sig.set_robots(self._robots.evaluate(doc.url, doc.warc_date))
                except Exception as exc:  # noqa: BLE001
                    sig.set_robots(RobotsVerdict("error"))
                    sig.license_error = sig.license_error or f"robots: {exc}"[:300]
            doc.attributes[NAMESPACE] = sig.to_attributes()
            doc.timings["license"] = doc.timings.get("license", 0.0) + time.perf_counter() - start
        yield doc


class LicensePolicyFn(beam.DoFn):
    """Drops alive documents per licence policy: tag-only, open, no-optout, open-no-optout."""

    def __init__(self, policy: str = DEFAULT_POLICY):
        if policy not in LICENSE_POLICIES:
            raise ValueError(f"unknown licence policy {policy!r}; choose from {LICENSE_POLICIES}")
        self._policy = policy

    def process(self, doc):
        if doc.alive and self._policy != "tag-only":
            reason = policy_drop_reason(self._policy, doc.attributes.get(NAMESPACE))
            if reason:
                doc.drop(reason)
        yield doc
