"""Large, realistic, deterministic synthetic WARC files for volume tests and benchmarks.

    python -m pipeline.sample.synth OUT.warc.gz --records N [--seed S] [--companions]

Pages are English articles composed from the pools in `synth_text` (many topics, boilerplate
around them from the sample's site template), non-English pages, non-HTML responses, and exact
and near duplicates of earlier English articles (always newer than their original). Each
response has a unique URL and record id; the same arguments give the same bytes.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime as dt
import io
import random
import sys
import time
import uuid
import zlib
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.sample import synth_text as pool
from pipeline.sample.generate import Site, render_page, tiny_pdf, tiny_png, warcinfo_record

ARTICLE = "article"
NEAR_DUPLICATE = "near_duplicate"
EXACT_DUPLICATE = "exact_duplicate"
NON_ENGLISH = "non_english"
NON_HTML = "non_html"
KINDS = (ARTICLE, NEAR_DUPLICATE, EXACT_DUPLICATE, NON_ENGLISH, NON_HTML)

DEFAULT_LANG_MIX = {"fr": 0.3, "de": 0.25, "es": 0.25, "ja": 0.1, "zh": 0.1}
FIRST_FETCH = dt.datetime(2024, 5, 18, 0, 0, 0)
# Duplicates copy one of the most recent originals: bounded memory at any volume.
ORIGINALS_KEPT = 2000
SITE_COUNT = 300
GZIP_LEVEL = 1  # about 5% larger than level 9, several times faster

_HOST_WORDS = (
    "maple",
    "harbour",
    "copper",
    "meadow",
    "granite",
    "willow",
    "lantern",
    "orchard",
    "summit",
    "river",
    "cedar",
    "beacon",
    "hollow",
    "prairie",
    "tide",
    "ember",
    "falcon",
    "juniper",
    "quarry",
    "thistle",
    "aurora",
    "basalt",
    "clover",
    "dune",
    "fjord",
    "glade",
    "heron",
)
_HOST_SUFFIXES = ("notes", "journal", "weekly", "guide", "post", "times", "hub", "daily", "blog")
_TLDS = ("example.com", "example.org", "example.net")


@dataclasses.dataclass
class SynthSummary:
    """What was written: one (url, kind) per response record, in file order."""

    path: str
    records: list[tuple[str, str]]
    counts: dict[str, int]
    languages: dict[str, str]  # url -> language of the page text (HTML pages only)
    duplicate_of: dict[str, str]  # url of a duplicate -> url of its original
    warc_records: int  # every record in the file (warcinfo and companions included)
    bytes_written: int


@dataclasses.dataclass
class _Original:
    url: str
    title: str
    text: str
    body: bytes


def _slug(text: str, limit: int = 60) -> str:
    words = "".join(c if c.isalnum() else " " for c in text.lower()).split()
    return "-".join(words)[:limit].strip("-") or "page"


def _make_sites(rng: random.Random) -> list[tuple[str, Site]]:
    """(host, site) pairs; the nav and sidebars differ from site to site."""
    topics = list(pool.TOPICS)
    sites = []
    for index in range(SITE_COUNT):
        first, second = rng.sample(_HOST_WORDS, 2)
        suffix = rng.choice(_HOST_SUFFIXES)
        host = f"{first}-{second}-{suffix}{index}.{rng.choice(_TLDS)}"
        nav = tuple(t.replace("_", " ").title() for t in rng.sample(topics, 4))
        sidebar = tuple(
            rng.choice(pool.TOPICS[t]["titles"])
            .format(
                thing=rng.choice(pool.TOPICS[t]["thing"]),
                activity=rng.choice(pool.TOPICS[t]["activity"]),
                subject=rng.choice(pool.TOPICS[t]["subject"]),
                place=rng.choice(pool.TOPICS[t]["place"]),
                city=rng.choice(pool.CITIES),
            )
            .capitalize()
            for t in rng.sample(topics, 3)
        )
        name = f"{first.title()} {second.title()} {suffix.title()}"
        sites.append((host, Site(name, nav, rng.choice(("Related", "Popular", "Latest")), sidebar)))
    return sites


class _Slots(dict):
    """Slot values for one sentence, drawn only when the template asks for them."""

    def __init__(self, writer: _EnglishWriter, topic: dict):
        super().__init__()
        self.writer = writer
        self.topic = topic

    def __missing__(self, key: str):
        value = self.writer.slot(self.topic, key)
        self[key] = value
        return value


class _EnglishWriter:
    """Composes English articles: headings, paragraphs, sentences from templates and parts."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.random = rng.random
        self.names: list[str] = []
        self.city = ""
        self.verbs: list[str] = []
        self.modifiers: list[str] = []
        self.composed = 0

    def pick(self, seq):
        # Much cheaper than rng.choice, and just as deterministic.
        return seq[int(self.random() * len(seq))]

    def slot(self, topic: dict, key: str):
        pick = self.pick
        if key == "name":
            return pick(self.names)
        if key == "city":
            return self.city if self.random() < 0.7 else pick(pool.CITIES)
        if key == "n":
            return 3 + int(self.random() * 93)
        if key == "year":
            return 1985 + int(self.random() * 39)
        if key == "month":
            return pick(pool.MONTHS)
        if key == "weekday":
            return pick(pool.WEEKDAYS)
        if key == "adj":
            return pick(pool.ADJECTIVES)
        return pick(topic[key])  # subject, thing, place, activity

    def _composed(self, topic: dict) -> str:
        pick = self.pick
        opener = pick(pool.OPENERS)
        if "{" in opener:
            opener = opener.format_map(_Slots(self, topic))
        subject = f"{pick(pool.QUALIFIERS)} {pick(topic['subject'])}"
        if not opener:
            subject = subject[0].upper() + subject[1:]
        # Verbs and modifiers are several words long: repeating one inside a page would make
        # duplicated 5-grams (a Gopher repetition rule), so each page cycles through a shuffle.
        verb = self.verbs[self.composed % len(self.verbs)]
        modifier = self.modifiers[self.composed % len(self.modifiers)]
        self.composed += 1
        return f"{opener}{subject} {verb} {pick(topic['thing'])} {modifier}."

    def article(self, topic_name: str) -> tuple[str, str]:
        """(title, text) with '## ' headings and blank-line paragraphs, 300-700 words."""
        rng, pick = self.rng, self.pick
        topic = pool.TOPICS[topic_name]
        self.names = [f"{pick(pool.FIRST_NAMES)} {pick(pool.LAST_NAMES)}" for _ in range(2)]
        self.verbs = rng.sample(pool.VERBS, len(pool.VERBS))
        self.modifiers = rng.sample(pool.MODIFIERS, len(pool.MODIFIERS))
        self.composed = 0
        self.city = pick(pool.CITIES)
        templates = pool.GENERIC_SENTENCES + topic["sentences"]
        template_order = rng.sample(range(len(templates)), len(templates))
        headings = rng.sample(topic["headings"], min(len(topic["headings"]), rng.randint(2, 4)))
        title = pick(topic["titles"]).format_map(_Slots(self, topic))
        title = title[0].upper() + title[1:]
        blocks, words, used = [], 0, 0
        target = rng.randint(320, 650)
        for section, heading in enumerate(headings):
            if section:
                blocks.append(f"## {heading}")
            for _ in range(1 + int(self.random() * 3)):
                sentences = []
                for _ in range(3 + int(self.random() * 4)):
                    if self.random() < 0.45 and used < len(template_order):
                        sentence = templates[template_order[used]].format_map(_Slots(self, topic))
                        used += 1
                        sentence = sentence[0].upper() + sentence[1:]
                    else:
                        sentence = self._composed(topic)
                    sentences.append(sentence)
                paragraph = " ".join(sentences)
                words += paragraph.count(" ") + 1
                blocks.append(paragraph)
            if words >= target and section >= 1:
                break
        while words < 300:  # short draws get one more paragraph
            paragraph = " ".join(self._composed(topic) for _ in range(5))
            words += paragraph.count(" ") + 1
            blocks.append(paragraph)
        return title, "\n\n".join(blocks)


def _non_english_article(rng: random.Random, language: str) -> tuple[str, str]:
    """A short news item: 6-9 sentences of the language's pool in 2-3 paragraphs."""
    lang_pool = pool.NON_ENGLISH[language]
    thing = rng.choice(lang_pool["things"])
    city = rng.choice(pool.NON_ENGLISH_CITIES[language])
    joiner = "" if language in ("ja", "zh") else " "

    def fill(template: str) -> str:
        text = template.format(
            name=rng.choice(pool.NON_ENGLISH_NAMES[language]),
            city=city,
            n=rng.randint(3, 95),
            year=rng.randint(1985, 2023),
            thing=thing if rng.random() < 0.6 else rng.choice(lang_pool["things"]),
        )
        return text[0].upper() + text[1:]

    sentences = [fill(s) for s in rng.sample(lang_pool["sentences"], rng.randint(6, 9))]
    cut = sorted(rng.sample(range(2, len(sentences) - 1), 2))
    parts = [sentences[: cut[0]], sentences[cut[0] : cut[1]], sentences[cut[1] :]]
    heading = rng.choice(lang_pool["headings"])
    blocks = [joiner.join(parts[0]), f"## {heading}", joiner.join(parts[1]), joiner.join(parts[2])]
    return fill(rng.choice(lang_pool["titles"])), "\n\n".join(blocks)


def _near_duplicate_text(rng: random.Random, text: str) -> str:
    """Change a few words (about 1 in 90-160) in paragraph lines, as republishers do."""
    blocks = text.split("\n\n")
    candidates = [i for i, block in enumerate(blocks) if not block.startswith("## ")]
    n_words = sum(blocks[i].count(" ") + 1 for i in candidates)
    for _ in range(max(2, n_words // rng.randint(90, 160))):
        index = rng.choice(candidates)
        words = blocks[index].split(" ")
        position = rng.randrange(len(words))
        word = words[position]
        trailing = word[len(word.rstrip(".,;:!?")) :]
        words[position] = rng.choice(pool.ADJECTIVES) + trailing
        blocks[index] = " ".join(words)
    return "\n\n".join(blocks)


def _check_rates(rates: dict[str, float], lang_mix: dict[str, float]) -> None:
    for name, rate in rates.items():
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"{name} must be between 0 and 1, got {rate}")
    if sum(rates.values()) > 1.0:
        raise ValueError(f"the rates add up to more than 1: {sum(rates.values()):.3f}")
    unknown = sorted(set(lang_mix) - set(pool.NON_ENGLISH))
    if unknown:
        raise ValueError(f"no text pool for {unknown}; known: {sorted(pool.NON_ENGLISH)}")
    if not lang_mix or min(lang_mix.values()) < 0 or sum(lang_mix.values()) <= 0:
        raise ValueError("lang_mix needs at least one language with a positive weight")


class _SynthWriter:
    """Serialises pages as Common-Crawl-like WARC records."""

    def __init__(self, out, companions: bool):
        self.out = out
        self.buffer = io.BytesIO()
        self.writer = WARCWriter(self.buffer, gzip=False, warc_version="1.0")
        self.companions = companions
        self.records = 0
        self.warcinfo_id = ""

    def warcinfo(self, filename: str, seed: int) -> None:
        self.warcinfo_id = (
            f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'warcinfo:{filename}:{seed}')}>"
        )
        fields = [
            ("isPartOf", "CC-MAIN-2024-22"),
            ("publisher", f"ccprov synthetic generator (seed {seed})"),
            ("description", "Synthetic pages for volume tests and benchmarks"),
            ("software", "ccprov pipeline.sample.synth (warcio)"),
            ("format", "WARC File Format 1.1"),
        ]
        date = FIRST_FETCH.strftime("%Y-%m-%dT%H:%M:%SZ")
        record = warcinfo_record(self.writer, filename, self.warcinfo_id, date, fields)
        self._write(record)

    def _write(self, record) -> None:
        # One gzip member per record, as in Common Crawl files; warcio would use level 9,
        # which costs more than generating the page, so records are compressed here.
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.write_record(record)
        data = self.buffer.getvalue()
        # zlib sets up its hash tables in proportion to memLevel: small for small records.
        mem_level = 1 if len(data) < 1024 else 8
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS, mem_level)
        self.out.write(compressor.compress(data) + compressor.flush())
        self.records += 1

    def page(self, url: str, index: int, body: bytes, content_type: str, payload_type: str) -> None:
        moment = FIRST_FETCH + dt.timedelta(seconds=index)
        warc_date = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        response_id = f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'response:{url}')}>"
        common = {"WARC-Date": warc_date, "WARC-Warcinfo-ID": self.warcinfo_id}
        http_headers = StatusAndHeaders(
            "200 OK",
            [
                ("Date", moment.strftime("%a, %d %b %Y %H:%M:%S GMT")),
                ("Content-Type", content_type),
                ("Server", "nginx"),
                ("Content-Length", str(len(body))),
            ],
            protocol="HTTP/1.1",
        )
        response = self.writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http_headers,
            warc_headers_dict={
                "WARC-Type": "response",
                "WARC-Record-ID": response_id,
                **common,
                "WARC-Identified-Payload-Type": payload_type,
            },
        )
        if self.companions:
            host = url.split("/", 3)[2]
            request = self.writer.create_warc_record(
                url,
                "request",
                http_headers=StatusAndHeaders(
                    f"GET /{url.split('/', 3)[3]} HTTP/1.1",
                    [("User-Agent", "CCBot/2.0 (https://commoncrawl.org/faq/)"), ("Host", host)],
                    is_http_request=True,
                ),
                warc_headers_dict={
                    "WARC-Type": "request",
                    "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'request:{url}')}>",
                    **common,
                },
            )
            self._write(request)
        self._write(response)
        if self.companions:
            fields = f"fetchTimeMs: {100 + index % 700}\r\n".encode()
            metadata = self.writer.create_warc_record(
                url,
                "metadata",
                payload=io.BytesIO(fields),
                length=len(fields),
                warc_headers_dict={
                    "WARC-Type": "metadata",
                    "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'metadata:{url}')}>",
                    **common,
                    "WARC-Concurrent-To": response_id,
                },
            )
            self._write(metadata)


def write_synthetic_warc(
    path: str | Path,
    n_records: int,
    seed: int = 0,
    near_dup_rate: float = 0.1,
    exact_dup_rate: float = 0.05,
    non_english_rate: float = 0.1,
    non_html_rate: float = 0.03,
    lang_mix: dict[str, float] | None = None,
    companions: bool = False,
) -> SynthSummary:
    """Write `n_records` response records (plus a warcinfo record, and a request and a
    metadata record per response when `companions`) to `path`, a gzipped WARC.

    Each response is one of KINDS, drawn with the given rates (the rest are English
    articles); duplicates copy a recent English article on another URL. The same arguments
    always give the same bytes.
    """
    if n_records < 0:
        raise ValueError(f"n_records must be >= 0, got {n_records}")
    lang_mix = dict(DEFAULT_LANG_MIX if lang_mix is None else lang_mix)
    rates = {
        "near_dup_rate": near_dup_rate,
        "exact_dup_rate": exact_dup_rate,
        "non_english_rate": non_english_rate,
        "non_html_rate": non_html_rate,
    }
    _check_rates(rates, lang_mix)
    rng = random.Random(f"ccprov-synth-{seed}")
    sites = _make_sites(rng)
    english = _EnglishWriter(rng)
    topics = sorted(pool.TOPICS)
    languages_list, weights = zip(*sorted(lang_mix.items()), strict=True)
    thresholds = [non_html_rate, non_english_rate, exact_dup_rate, near_dup_rate]
    kinds_by_draw = [NON_HTML, NON_ENGLISH, EXACT_DUPLICATE, NEAR_DUPLICATE]
    originals: collections.deque[_Original] = collections.deque(maxlen=ORIGINALS_KEPT)

    records: list[tuple[str, str]] = []
    languages: dict[str, str] = {}
    duplicate_of: dict[str, str] = {}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        writer = _SynthWriter(out, companions)
        writer.warcinfo(path.name, seed)
        for index in range(n_records):
            draw, kind = rng.random(), ARTICLE
            for threshold, candidate in zip(thresholds, kinds_by_draw, strict=True):
                if draw < threshold:
                    kind = candidate
                    break
                draw -= threshold
            if kind in (EXACT_DUPLICATE, NEAR_DUPLICATE) and not originals:
                kind = ARTICLE
            host, site = rng.choice(sites)
            section = _slug(site.nav[0])
            content_type, payload_type = "text/html; charset=UTF-8", "text/html"

            if kind == NON_HTML:
                if rng.random() < 0.5:
                    body = tiny_png(rng.randint(4, 24), rng.randint(4, 24))
                    content_type = payload_type = "image/png"
                    url = f"https://{host}/media/image-{index}.png"
                else:
                    body = tiny_pdf(f"Document {index}: {rng.choice(pool.CITIES)} annual report")
                    content_type = payload_type = "application/pdf"
                    url = f"https://{host}/files/report-{index}.pdf"
            elif kind == NON_ENGLISH:
                language = rng.choices(languages_list, weights)[0]
                title, text = _non_english_article(rng, language)
                body = render_page(site, title, text, lang=language).encode("utf-8")
                url = f"https://{host}/{language}/{section}/{index}"
                languages[url] = language
            elif kind == EXACT_DUPLICATE:
                original = rng.choice(originals)
                body = original.body
                url = f"https://{host}/{section}/{_slug(original.title)}-{index}"
                duplicate_of[url] = original.url
                languages[url] = "en"
            elif kind == NEAR_DUPLICATE:
                original = rng.choice(originals)
                text = _near_duplicate_text(rng, original.text)
                body = render_page(site, original.title, text).encode("utf-8")
                url = f"https://{host}/{section}/{_slug(original.title)}-{index}"
                duplicate_of[url] = original.url
                languages[url] = "en"
            else:
                title, text = english.article(rng.choice(topics))
                body = render_page(site, title, text, author=rng.choice(pool.FIRST_NAMES)).encode()
                url = f"https://{host}/{section}/{_slug(title)}-{index}"
                originals.append(_Original(url, title, text, body))
                languages[url] = "en"

            writer.page(url, index, body, content_type, payload_type)
            records.append((url, kind))
        out.flush()
        size = out.tell()
    counts = {kind: 0 for kind in KINDS}
    for _, kind in records:
        counts[kind] += 1
    return SynthSummary(
        path=str(path),
        records=records,
        counts=counts,
        languages=languages,
        duplicate_of=duplicate_of,
        warc_records=writer.records,
        bytes_written=size,
    )


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1: {text}")
    return value


def _lang_mix(text: str) -> dict[str, float]:
    """'fr=0.5,de=0.5' -> {'fr': 0.5, 'de': 0.5}."""
    try:
        pairs = [item.split("=", 1) for item in text.split(",") if item]
        return {lang.strip(): float(weight) for lang, weight in pairs}
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected LANG=WEIGHT,...: {text}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.sample.synth", description="Write a synthetic WARC file."
    )
    parser.add_argument("out", type=Path, help="output path, e.g. /tmp/synth.warc.gz")
    parser.add_argument("--records", type=int, required=True, help="number of response records")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--near-dup-rate", type=_rate, default=0.1)
    parser.add_argument("--exact-dup-rate", type=_rate, default=0.05)
    parser.add_argument("--non-english-rate", type=_rate, default=0.1)
    parser.add_argument("--non-html-rate", type=_rate, default=0.03)
    parser.add_argument("--lang-mix", type=_lang_mix, default=None, help="e.g. fr=0.5,de=0.5")
    parser.add_argument(
        "--companions", action="store_true", help="add a request and a metadata record per page"
    )
    args = parser.parse_args(argv)
    if args.records < 0:
        parser.error("--records must be >= 0")
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        summary = write_synthetic_warc(
            args.out,
            args.records,
            seed=args.seed,
            near_dup_rate=args.near_dup_rate,
            exact_dup_rate=args.exact_dup_rate,
            non_english_rate=args.non_english_rate,
            non_html_rate=args.non_html_rate,
            lang_mix=args.lang_mix,
            companions=args.companions,
        )
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    print(
        f"wrote {summary.path}: {args.records} responses ({summary.warc_records} WARC records), "
        f"{summary.bytes_written / 1e6:.1f} MB in {seconds:.2f} s "
        f"({args.records / max(seconds, 1e-9):,.0f} responses/s, "
        f"{args.records / max(cpu_seconds, 1e-9):,.0f} per CPU second); kinds {summary.counts}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
