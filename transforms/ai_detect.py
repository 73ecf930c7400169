"""How likely each document is machine-generated (issue 5).

Three signals, kept apart in the ledger and combined into `ai_score`:
  * a quantised fastText classifier shipped in transforms/models/ (`ai_model_score`),
  * assistant boilerplate phrases ("As an AI language model", "I hope this helps", ...) in
    several languages (`ai_markers`), each of which raises the score,
  * the crawl date: pages fetched before ChatGPT's release (2022-11-30) are very unlikely to be
    machine-written (`crawl_before_chatgpt`, recorded only; trainers decide how to use it).
A fourth, the mean score of the document's host within the run, is computed afterwards by
`HostAiScores` and joined back by the pipeline as `host_ai_score`. It is not folded into
`ai_score` so that a document's verdict does not depend on what else happens to be in the run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import threading
import time
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import apache_beam as beam
import pyarrow as pa
import pyarrow.compute as pc

from transforms.document import WarcDoc, crawl_epoch
from transforms.grouping import TaggedGroupByKey

NAMESPACE = "ai"
DROP_REASON = "ai_generated"
POLICIES = ("tag-only", "drop")
MODEL_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL_PATH = str(MODEL_DIR / "ai_detector-v1.ftz")
FALLBACK_THRESHOLD = 0.5
CHATGPT_RELEASE = date(2022, 11, 30)
_RELEASE_EPOCH = datetime(2022, 11, 30, tzinfo=UTC).timestamp()
AI_LABEL = "__label__ai"
HUMAN_LABEL = "__label__human"
# Only the start of a document is scored: enough for the style signal and keeps scoring fast.
MAX_SCORED_CHARS = 1200
HISTOGRAM_BINS = 10

# ---------------------------------------------------------------- text normalisation

_LIST_MARKER = re.compile(
    r"^[ \t]*(?:[-*+•·●▪►✔✓✅❌☐→]|\d{1,2}[.)]|[a-z][.)]|【[^】]*】)[ \t]+", re.M
)
_MARKUP = re.compile(r"[*_`#|>~=]+")
_CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF))


def _token_table() -> dict[int, str]:
    """One str.translate table (C speed) that pads punctuation, symbols and CJK characters with
    spaces, so each becomes a token of its own, and maps the digits 1-9 to 0."""
    table: dict[int, str] = {}
    for code in range(0x10000):
        char = chr(code)
        if not (char.isalnum() or char == "_" or char.isspace()) and not 0xD800 <= code <= 0xDFFF:
            table[code] = f" {char} "
    for lo, hi in _CJK_RANGES:
        for code in range(lo, hi + 1):
            table[code] = f" {chr(code)} "
    table.update({ord(d): "0" for d in "123456789"})
    return table


_TOKEN_TABLE = _token_table()

# Typographic quotes say who typeset a page, not who wrote it: WordPress, word processors and
# French or German locales turn ' and " into these, so text published that way must read the
# same as the plain text (the corpus's machine-written side has none of ’ ” ‘ ‚).
# Primes are in the list because the same software writes 5'10" as 5′10″. CJK brackets
# (「」『』) stay: they are the language's own punctuation, not a substitute for an ASCII quote.
_QUOTE_TABLE = str.maketrans(
    dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035\u02bc\u2039\u203a", "'")
    | dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb", '"')
)


def normalize_text(text: str, max_chars: int = MAX_SCORED_CHARS) -> str:
    """The one view of a text that the model sees, in training and in the pipeline alike.

    It removes what differs between sources for reasons unrelated to who wrote the text:
    line wrapping, list bullets and Markdown symbols, letter case, digits (prices, versions),
    typographic quotes (’ ‘ “ ” „ « » ′ ″ become ' and "), and it separates punctuation and
    CJK characters into tokens so that fastText's whitespace tokenizer sees words in every
    language.
    """
    text = text[:max_chars]
    if not text.isascii():  # NFKC leaves ASCII unchanged; skipping it is much faster
        # Lone surrogates (from a decoder's surrogateescape, or JSON's "\ud800") cannot go to
        # fastText as UTF-8: they become "?".
        text = text.encode("utf-8", "replace").decode("utf-8")
        # Before NFKC, which would turn ″ into two ′ rather than one ".
        text = unicodedata.normalize("NFKC", text.translate(_QUOTE_TABLE))
    text = _LIST_MARKER.sub(" ", text)
    text = _MARKUP.sub(" ", text.lower())
    return " ".join(text.translate(_TOKEN_TABLE).split())


# ---------------------------------------------------------------- marker phrases

# (phrase, strength): a strong marker is something only an assistant writes about itself; a
# weak one is a chat-style opener or closer that people also write, just far less often.
STRONG, WEAK = 0.8, 0.3
MARKER_PHRASES: tuple[tuple[str, float], ...] = (
    # English
    ("as an ai language model", STRONG),
    ("as an ai model", STRONG),  # this and the next four only before "I" (_SELF_AFTER)
    ("as a large language model", STRONG),
    ("as a language model", STRONG),
    ("as an ai assistant", STRONG),
    ("as an ai", STRONG),
    ("i am an ai language model", STRONG),
    ("as of my last knowledge update", STRONG),
    ("as of my knowledge cutoff", STRONG),
    ("my knowledge cutoff", STRONG),
    ("as of my last update", STRONG),
    ("i don't have real-time", STRONG),
    ("i do not have real-time", STRONG),
    ("regenerate response", STRONG),
    ("i cannot fulfill that request", STRONG),
    ("i'm sorry, but i can't assist", STRONG),
    ("certainly! here's", WEAK),
    ("certainly! here is", WEAK),
    ("sure! here's", WEAK),
    ("absolutely! here's", WEAK),
    ("i hope this helps", WEAK),
    ("hope this helps", WEAK),
    ("let me know if you have any other questions", WEAK),
    ("i apologize for the confusion", WEAK),
    ("great question!", WEAK),
    # French (the four "en tant que" phrases only before the first person: _SELF_AFTER)
    ("en tant que modèle de langage", STRONG),
    ("en tant qu'ia", STRONG),
    ("en tant qu'intelligence artificielle", STRONG),
    ("en tant qu'assistant ia", STRONG),
    ("ma dernière mise à jour", STRONG),  # only as the knowledge's date (_LEAD, _AFTER)
    ("bien sûr! voici", WEAK),
    ("certainement! voici", WEAK),
    ("j'espère que cela vous aide", WEAK),
    ("j'espère que cela t'aide", WEAK),
    ("j'espère que ces conseils vous seront utiles", WEAK),
    ("excellente question!", WEAK),
    # German (the strong phrases only before "habe ich", "reicht", ...: _SELF_AFTER)
    ("als ki-sprachmodell", STRONG),
    ("als sprachmodell", STRONG),
    ("als künstliche intelligenz", STRONG),
    ("als ki-assistent", STRONG),
    ("als ki", STRONG),
    ("mein wissensstand", STRONG),  # only with a date (_AFTER)
    ("gerne! hier ist", WEAK),
    ("natürlich! hier ist", WEAK),
    ("ich hoffe, das hilft", WEAK),
    ("ich hoffe, das hilft dir weiter", WEAK),
    ("ich hoffe, diese informationen", WEAK),
    ("gute frage!", WEAK),
    # Spanish (the four "como" phrases only before the first person: _SELF_AFTER)
    ("como modelo de lenguaje", STRONG),
    ("como inteligencia artificial", STRONG),
    ("como asistente de ia", STRONG),
    ("como ia", STRONG),
    ("mi última actualización", STRONG),  # only as the knowledge's date (_LEAD, _AFTER)
    ("¡claro! aquí tienes", WEAK),
    ("¡por supuesto! aquí tienes", WEAK),
    ("espero que esto te ayude", WEAK),
    ("espero que te sirva de ayuda", WEAK),
    ("espero que te sea útil", WEAK),
    ("¡excelente pregunta!", WEAK),
    # Italian, Portuguese
    ("come modello linguistico", STRONG),
    ("como modelo de linguagem", STRONG),
    ("spero che questo ti sia utile", WEAK),
    ("espero que isso ajude", WEAK),
    # Japanese
    ("aiアシスタントとして", STRONG),
    ("言語モデルとして", STRONG),
    ("aiとして、私は", STRONG),
    ("ご質問ありがとうございます！", WEAK),
)
_MARKER_STRENGTH = dict(MARKER_PHRASES)

# People write these phrases too, about a product or a term ("Copilot works as an AI
# assistant", "Als künstliche Intelligenz bezeichnet man ...", "lo que se conoce como
# inteligencia artificial"); an assistant writes them about itself, so they count only when
# the assistant's own first person follows: after an optional qualifier of the model ("IA",
# "de IA", "developed by OpenAI"), a comma or a dash, on the same line.
_EN_SELF = ("i", "my", "me")
_FR_SELF = ("je", "j'", "il m'est", "mon", "ma", "mes")
# Verb first, as German puts it after a fronted phrase ("Als KI kann ich"); "Als KI meine
# Texte zu schreiben begann" is "when", not an assistant.
_DE_SELF = (
    "habe ich", "kann ich", "bin ich", "verfüge ich", "muss ich", "darf ich", "ist es mir",
    "ist mir",
)  # fmt: skip
_ES_SELF = (
    "no tengo", "no puedo", "no soy", "no estoy", "tengo", "puedo", "soy", "yo", "mi", "mis",
)  # fmt: skip
# "non" and "não" alone are negations, not a person ("modello linguistico non supervisionato")
_IT_SELF = (
    "non ho", "non posso", "non sono", "non mi", "non dispongo", "non è possibile per me",
    "posso", "sono", "ho", "io", "il mio", "la mia", "mi",
)  # fmt: skip
_PT_SELF = (
    "não tenho", "não posso", "não sou", "não me", "não consigo", "não possuo", "posso", "sou",
    "tenho", "eu", "meu", "minha",
)  # fmt: skip
_SELF_AFTER: dict[str, tuple[str, ...]] = {
    "as an ai model": _EN_SELF,
    "as a large language model": _EN_SELF,
    "as a language model": _EN_SELF,
    "as an ai assistant": _EN_SELF,
    "as an ai": _EN_SELF,
    "en tant que modèle de langage": _FR_SELF,
    "en tant qu'ia": _FR_SELF,
    "en tant qu'intelligence artificielle": _FR_SELF,
    "en tant qu'assistant ia": _FR_SELF,
    "als ki-sprachmodell": _DE_SELF,
    "als sprachmodell": _DE_SELF,
    "als künstliche intelligenz": _DE_SELF,
    "als ki-assistent": _DE_SELF,
    "als ki": _DE_SELF,
    "como modelo de lenguaje": _ES_SELF,
    "como inteligencia artificial": _ES_SELF,
    "como asistente de ia": _ES_SELF,
    "como ia": _ES_SELF,
    "come modello linguistico": _IT_SELF,
    "como modelo de linguagem": _PT_SELF,
}
# Between the phrase and the first person: the model's qualifier, then a comma or a dash.
_QUALIFIER = (
    r"(?:[^\S\n]+(?:(?:de |di )?(?:ia|ai|ki)\b"
    r"|(?:(?:developed|created|trained|made|built)[^\S\n]+)?(?:by|von|de|da|por|par)[^\S\n]+[\w.-]+))?"
)
_BEFORE_SELF = _QUALIFIER + r"[^\S\n]*(?:[,—–-][^\S\n]*)?"

# An assistant dates its knowledge ("Mein Wissensstand reicht bis 2021", "Hasta mi última
# actualización en 2023"); people write these words about a blog or a plugin ("Mi última
# actualización del blog", "ma dernière mise à jour du plugin"), so they count only after the
# assistant's preposition (_LEAD) and not before another thing they belong to (_AFTER).
_KNOWLEDGE = r"(?:conocimientos?|datos|informaci[oó]n|connaissances?|données|informations?)"
_WHEN = (
    r"(?:(?:19|20)\d\d|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre"
    r"|octubre|noviembre|diciembre|janvier|février|mars|avril|mai|juin|juillet|août|septembre"
    r"|octobre|novembre|décembre)\b"
)
# "de" before another thing ("del blog", "du plugin") is that thing's update; before the
# knowledge or a date ("de conocimientos", "de septiembre de 2021", "d'octobre 2023") it is
# the assistant's.
_NOT_OF_A_THING = (
    r"(?![^\S\n]*(?:del|de|du|des|d')(?:\b|(?<='))"
    r"(?![^\S\n]*(?:(?:mis|mes|los|las|la|les|l')[^\S\n]*)?(?:" + _KNOWLEDGE + "|" + _WHEN + r")))"
)
_AFTER: dict[str, str] = {
    "mein wissensstand": (
        r"[^\S\n]+(?:reicht|endet|basiert|ist auf|ist begrenzt)\b[^\n.!?]{0,60}?\b(?:19|20)\d\d\b"
    ),
    "mi última actualización": _NOT_OF_A_THING,
    "ma dernière mise à jour": _NOT_OF_A_THING,
}
# ("Desde mi última actualización, he añadido ..." and "Depuis ma dernière mise à jour, j'ai
# ajouté ..." are a blog's.)
_LEAD: dict[str, tuple[str, ...]] = {
    "mi última actualización": ("hasta", "según", "fecha de", "momento de", "datos de"),
    "ma dernière mise à jour": ("à", "selon", "jusqu'à", "d'après", "date de"),
}
# Not "en", "desde", "lors de", "depuis", "dès": people date their own blog's updates with
# them too ("Desde mi última actualización en enero, he añadido ...").
# The phrases of _SELF_AFTER open the assistant's clause ("However, as an AI, I ..."); after
# another word they describe a product ("Our team uses Claude as an AI assistant, my ...").
# ("as well as an AI, my kids" is a comparison: "well" is not one.)
_CONNECTIVES = frozenset(
    "but and so yet however though although because since while that unfortunately sadly "
    "mais et donc cependant toutefois car or puisque que malheureusement "
    "aber und doch jedoch denn da weil dass leider "
    "pero y aunque porque lamentablemente "
    "ma e però perché che purtroppo mas porém infelizmente".split()
)
_DOUBLE_QUOTES = frozenset('"“”„‟«»「」『』')


_ASSISTANTS_PAUSE = re.compile(r",|—|–|\s-\s")  # not the hyphen of "co-op"
_CLAUSE_MARKS = frozenset(".!?:;,()[]—–-\"“”„«»‹›'‘…・。、！？：*_>•·#|")
OPENS, AFTER_CONNECTIVE = 1, 2


def _opens_clause(text: str, start: int) -> int:
    """Whether `start` is where a clause begins: OPENS at a line's start, after punctuation,
    a bullet or Markdown ("**Note** As an AI"), or with only symbols before it on its line
    (an emoji); AFTER_CONNECTIVE after one ("but as an AI, I"); else 0 ("uses ChatGPT® as
    an AI assistant")."""
    line = text[text.rfind("\n", 0, start) + 1 : start].rstrip(" \t")
    if not line or line[-1] in _CLAUSE_MARKS or not any(c.isalnum() for c in line):
        return OPENS
    words = _WORD.findall(line[-40:])
    if words and (words[-1] in _CONNECTIVES or " ".join(words[-2:]) == "sin embargo"):
        return AFTER_CONNECTIVE
    return 0


def _led_by(text: str, start: int, phrase: str) -> bool:
    """Whether a knowledge-update phrase at `start` follows the assistant's lead word."""
    before = text[max(0, start - 20) : start]
    return any(re.search(r"(?<!\w)" + re.escape(w) + r"[^\S\n]+$", before) for w in _LEAD[phrase])


_INCH_MARK = re.compile(r'(?<=\d)"')


def _quoted(text: str, start: int) -> bool:
    """Whether `start` is inside quotation marks on its line: a page quoting an assistant
    ('The bot replied: "As an AI language model, I ..."', 'the "Regenerate response" button')
    is not the assistant. A quotation opened before the phrase must close after it on the
    line ("Windows 11" ended before it). Single quotes count only right before the phrase."""
    # On its line: extracted text has a line per paragraph, and a stray quote looking
    # further would hide the rest of the page.
    line_end = text.find("\n", start)
    line = text[text.rfind("\n", 0, start) + 1 : start]
    rest = text[start : line_end if line_end >= 0 else len(text)]
    # 6'2", 12" pizzas: inch marks are not quotation marks
    before, after = _INCH_MARK.sub("", line), _INCH_MARK.sub("", rest)
    if sum(before.count(q) for q in _DOUBLE_QUOTES) % 2 and any(q in after for q in _DOUBLE_QUOTES):
        return True
    line = line.rstrip(" \t")
    return line[-1:] in ("'", "‘") and (len(line) == 1 or not line[-2].isalnum())


def _edge(text: str, at_start: bool) -> str:
    """A word boundary on the side of `text` that is a word character ("has an AI assistant"
    holds "as an ai assistant"; "it" starts with "i")."""
    char = text[0] if at_start else text[-1]
    if not (char.isalnum() or char == "_"):
        return ""
    return r"(?<!\w)" if at_start else r"(?!\w)"


def _marker_pattern(phrase: str, spaced: bool) -> re.Pattern:
    """`spaced`: a phrase of words; Japanese ones have no word breaks to respect."""
    pattern = (_edge(phrase, True) if spaced else "") + re.escape(phrase)
    after = _SELF_AFTER.get(phrase)
    if after:
        pattern += (
            _BEFORE_SELF + "(?:" + "|".join(re.escape(w) + _edge(w, False) for w in after) + ")"
        )
    elif spaced:
        pattern += _edge(phrase, False) + _AFTER.get(phrase, "")
    return re.compile(pattern)


MARKER_WINDOW = 1200  # boilerplate sits at the start or the end of a page
_WORD = re.compile(r"\w+")
# A phrase can only be present if all its words are: a set test per phrase rules out almost
# all of them before the exact (slower) substring search. CJK phrases have no word breaks.
_MARKER_WORDS = {
    phrase: frozenset(_WORD.findall(phrase))
    for phrase in _MARKER_STRENGTH
    if phrase.isascii() or " " in phrase
}
_MARKER_PATTERNS = {
    phrase: _marker_pattern(phrase, phrase in _MARKER_WORDS) for phrase in _MARKER_STRENGTH
}


# Typographic apostrophes, invisible characters and non-breaking hyphens (NFKC keeps them)
_MARKER_FOLD = str.maketrans(
    {
        "\u2019": "'",
        "\u2010": "-",
        "\u2011": "-",
        **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad"),
    }
)
_SPACES = re.compile(r"[^\S\n]+")  # runs of spaces inside a line; line breaks still part


def find_markers(text: str) -> list[str]:
    """Marker phrases in the text (their canonical lower-case form), each once, in order found.

    Typographic apostrophes, runs of spaces, invisible characters and the space French puts
    before "!" are folded first. Phrases of words match whole words only; those in _SELF_AFTER
    only where a clause opens and before the assistant's first person ("However, as an AI
    assistant, I"), as people write them about others too; dated knowledge updates only as
    _LEAD and _AFTER allow. A phrase inside quotation marks on its line is a quotation. A phrase
    found inside a longer one at the same place ("hope this helps" in "i hope this helps") is
    reported once, as the longer phrase. Pages longer than MARKER_WINDOW are searched at their
    start and end only.
    """
    if len(text) > MARKER_WINDOW:
        text = text[: MARKER_WINDOW // 2] + "\n" + text[-MARKER_WINDOW // 2 :]
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_MARKER_FOLD)
    folded = _SPACES.sub(" ", text.lower())
    if " !" in folded or " ?" in folded:
        folded = folded.replace(" !", "!").replace(" ?", "?")
    words = set(_WORD.findall(folded))
    hits = []
    for phrase in _MARKER_STRENGTH:
        needed = _MARKER_WORDS.get(phrase)
        if needed is not None and not needed <= words:
            continue
        for match in _MARKER_PATTERNS[phrase].finditer(folded):
            start = match.start()
            if _quoted(folded, start):
                continue
            if phrase in _SELF_AFTER:
                clause = _opens_clause(folded, start)
                # after a connective, only the assistant's comma or dash ("that as an AI
                # model, I"; "strange that as an AI model my dog" is not)
                if not clause or (
                    clause == AFTER_CONNECTIVE
                    and not _ASSISTANTS_PAUSE.search(match.group(0)[len(phrase) :])
                ):
                    continue
            if phrase in _LEAD and not _led_by(folded, start, phrase):
                continue
            hits.append((start, phrase))
            break
    hits.sort(key=lambda hit: (hit[0], -len(hit[1])))
    found: list[str] = []
    covered_until = -1
    for pos, phrase in hits:
        if pos + len(phrase) <= covered_until:  # inside a longer phrase already taken
            continue
        found.append(phrase)
        covered_until = max(covered_until, pos + len(phrase))
    return found


def combine_score(model_score: float, markers: Iterable[str]) -> float:
    """Each marker removes a share of the remaining doubt: 1 - (1-p) * prod(1 - strength)."""
    doubt = 1.0 - model_score
    for phrase in markers:
        doubt *= 1.0 - _MARKER_STRENGTH.get(phrase, WEAK)
    return min(1.0, max(0.0, 1.0 - doubt))


# ---------------------------------------------------------------- crawl date


def crawl_before_chatgpt(warc_date: str | None) -> bool | None:
    """True if the WARC-Date is before 2022-11-30 (UTC); None when missing or unreadable.

    A date that does not parse is read by its leading YYYY-MM[-DD]: old crawlers wrote odd
    dates (ClueWeb09 has "2008-10-294T05:21:46-0700"); a month-only date counts as that
    month's first day.
    """
    epoch = crawl_epoch(warc_date)
    if epoch is not None:  # "2022-11-29T23:00:00-0800" is 30 November in UTC
        return epoch < _RELEASE_EPOCH
    match = re.match(r"\s*(\d{4})-(\d{2})(?:-(\d{2}))?", warc_date or "")
    if not match:
        return None
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
    if not (1 <= month <= 12 and 1 <= day <= 31) or year < 1991:  # no web before 1991
        return None
    release = CHATGPT_RELEASE
    return (year, month, day) < (release.year, release.month, release.day)


# ---------------------------------------------------------------- the scorer


@dataclasses.dataclass(frozen=True)
class AiScore:
    ai_score: float
    ai_model_score: float
    ai_markers: list[str]


def model_card_path(path: str | Path) -> str:
    """Where the card of the model at `path` is, as the user wrote the path (an s3:// or
    gs:// URL keeps its '//')."""
    head, sep, name = str(path).rpartition("/")
    if name in ("", ".", ".."):  # a folder: no model there, and no card
        return f"{path}.json"
    return f"{head}{sep}{Path(name).with_suffix('.json').name}"


def local_model_path(path: str | Path) -> Path:
    """`path` itself when local; a remote model (s3://, gs://, as Dataflow's workers need)
    is fetched with its card once per process (fastText loads only local files)."""
    text = str(path)
    return Path(path) if "://" not in text else _fetch_model_once(text)


_FETCH_LOCK = threading.Lock()


def _fetch_model_once(url: str) -> Path:
    """One fetch per process, even when several harness threads set up at once."""
    with _FETCH_LOCK:
        return _fetch_model(url)


_FETCHED_FOLDERS: list[Path] = []


def fetched_model_folders() -> list[Path]:
    """The temporary folders of the models this process fetched: atexit removes them, and a
    process ending without it (the command line's hard exit) removes them itself."""
    return list(_FETCHED_FOLDERS)


@lru_cache(maxsize=8)
def _fetch_model(url: str) -> Path:
    """The model at `url` and its `.json` card copied into a new temporary folder, removed
    when the process ends. Not kept across processes: the object may change."""
    import atexit
    import shutil
    import tempfile

    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    folder = Path(tempfile.mkdtemp(prefix="ccprov-model-"))
    atexit.register(shutil.rmtree, folder, True)
    _FETCHED_FOLDERS.append(folder)
    card = model_card_path(url)
    try:
        for remote, required in ((url, True), (card, False)):
            if not required and not FileSystems.exists(remote):
                continue
            with FileSystems.open(remote, compression_type=CompressionTypes.UNCOMPRESSED) as src:
                (folder / remote.rsplit("/", 1)[-1]).write_bytes(src.read())
    except ValueError as exc:  # Beam: no file system for the scheme (gs:// without [gcp])
        raise OSError(str(exc).splitlines()[0]) from None
    return folder / url.rsplit("/", 1)[-1]


def model_version(path: str | Path) -> str:
    """`ai-detector-<stem suffix>-<first 8 hex of the file's sha256>`, e.g. ai-detector-v1-0123abcd."""
    path = local_model_path(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    stem = path.stem.removeprefix("ai_detector").strip("-_") or "custom"
    return f"ai-detector-{stem}-{digest}"


def read_model_card(path: str | Path) -> dict:
    """The JSON written next to a model by `ccprov ai train` (threshold, metrics); {} if none."""
    card = Path(model_card_path(local_model_path(path)))
    return json.loads(card.read_text("utf-8")) if card.exists() else {}


@lru_cache(maxsize=1)
def default_threshold() -> float:
    """Threshold tuned on the validation split for the shipped model (F1-optimal)."""
    return float(read_model_card(DEFAULT_MODEL_PATH).get("threshold", FALLBACK_THRESHOLD))


class AiScorer:
    """A loaded detector: `score_texts` gives the final score per text."""

    def __init__(self, model, version: str, threshold: float = FALLBACK_THRESHOLD):
        self.model = model
        self.version = version
        self.threshold = threshold

    @classmethod
    def load(cls, path: str | Path | None = None) -> AiScorer:
        """Load a model from disk (None: the shipped one). Never touches the network."""
        import fasttext

        path = local_model_path(path or DEFAULT_MODEL_PATH)
        if not path.is_file():
            raise FileNotFoundError(f"AI detector model not found: {path}")
        # fastText prints a warning for every load_model; silence it by loading directly.
        fasttext.FastText.eprint = lambda *args, **kwargs: None
        model = fasttext.load_model(str(path))
        card = read_model_card(path)
        version = model_version(path)
        threshold = card.get("threshold")  # a card may say null: it names none
        return cls(model, version, FALLBACK_THRESHOLD if threshold is None else float(threshold))

    def model_scores(self, texts: list[str]) -> list[float]:
        """Probability of the "ai" label per text, from the classifier alone."""
        normalized = [normalize_text(t or "") for t in texts]
        scores = [0.0] * len(texts)
        todo = [i for i, t in enumerate(normalized) if t]
        if not todo:
            return scores
        labels, probs = self.model.predict([normalized[i] for i in todo], k=2, threshold=0.0)
        for i, labs, ps in zip(todo, labels, probs, strict=True):
            p_ai = dict(zip(labs, ps, strict=True)).get(AI_LABEL)
            if p_ai is None:  # only the human label came back
                p_ai = 1.0 - float(dict(zip(labs, ps, strict=True)).get(HUMAN_LABEL, 1.0))
            scores[i] = min(1.0, max(0.0, float(p_ai)))
        return scores

    def score_documents(self, texts: list[str]) -> list[AiScore]:
        out = []
        for text, p in zip(texts, self.model_scores(texts), strict=True):
            markers = find_markers(text or "")
            out.append(AiScore(combine_score(p, markers), p, markers))
        return out

    def score_texts(self, texts: list[str]) -> list[float]:
        """Final `ai_score` per text: the classifier raised by any marker phrases."""
        return [s.ai_score for s in self.score_documents(texts)]

    find_markers = staticmethod(find_markers)


# ---------------------------------------------------------------- Beam steps


class AiScoreFn(beam.DoFn):
    """Scores alive documents that have text; sets doc.attributes["ai"].

    The pipeline gives it batches of documents (`process_docs`, through
    `transforms.batching.ForEachDoc`): one fastText call per batch. `process` scores one
    document, for use outside batches.
    """

    def __init__(self, model_path: str | None = None):
        self._model_path = model_path
        self._scorer: AiScorer | None = None

    def setup(self):
        self._scorer = AiScorer.load(self._model_path)

    def process(self, doc: WarcDoc):
        yield from self.process_docs([doc])

    def process_docs(self, docs: list[WarcDoc]) -> list[WarcDoc]:
        self._score([doc for doc in docs if doc.alive and doc.text])
        return docs

    def _score(self, docs: list[WarcDoc]) -> None:
        if not docs:
            return
        started = time.perf_counter()
        scores = self._scorer.score_documents([doc.text for doc in docs])
        per_doc = (time.perf_counter() - started) / len(docs)
        for doc, score in zip(docs, scores, strict=True):
            doc.attributes[NAMESPACE] = {
                "ai_score": score.ai_score,
                "ai_model_score": score.ai_model_score,
                "ai_markers": score.ai_markers,
                "ai_model_version": self._scorer.version,
                "crawl_before_chatgpt": crawl_before_chatgpt(doc.warc_date),
            }
            doc.timings[NAMESPACE] = doc.timings.get(NAMESPACE, 0.0) + per_doc


def apply_ai_policy(doc: WarcDoc, policy: str, threshold: float) -> WarcDoc:
    """Mark whether the score is above the threshold; under `drop`, drop those documents."""
    attrs = doc.attributes.get(NAMESPACE)
    if not doc.alive or not attrs or attrs.get("ai_score") is None:
        return doc
    above = attrs["ai_score"] > threshold
    attrs["ai_above_threshold"] = above
    if above and policy == "drop":
        doc.drop(DROP_REASON)
    return doc


class AiPolicyFn(beam.DoFn):
    """`tag-only` (default) records `ai_above_threshold`; `drop` also drops those documents.

    Without a threshold, the one tuned for the model (its .json card) is used: pass the same
    `model_path` as to AiScoreFn when a model other than the shipped one is used.
    """

    def __init__(
        self,
        policy: str = "tag-only",
        threshold: float | None = None,
        model_path: str | None = None,
    ):
        if policy not in POLICIES:
            raise ValueError(
                f"unknown --ai-policy {policy!r}; expected one of {', '.join(POLICIES)}"
            )
        if threshold is None:  # the tuned threshold of the model in use
            card = read_model_card(model_path) if model_path else {}
            threshold = card.get("threshold", default_threshold())
        threshold = float(threshold)
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"--ai-threshold must be within [0, 1], got {threshold}")
        self._policy = policy
        self._threshold = threshold

    def process(self, doc: WarcDoc):
        yield apply_ai_policy(doc, self._policy, self._threshold)


# ---------------------------------------------------------------- host aggregate


def make_host_extractor():
    """tldextract on its bundled public-suffix snapshot: no download, no cache directory."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def host_of(url: str | None, extractor) -> str | None:
    """Registered domain (eTLD+1, e.g. example.co.uk) of the URL; the bare hostname for IPs,
    `localhost` and other names without a public suffix; None without a hostname.

    The registered domain is used rather than the full hostname because sites that mass-produce
    text spread it over many subdomains. The public-suffix list's private part counts too:
    alice.github.io and bob.blogspot.com are two people's sites, not one host.
    """
    if not url:
        return None
    try:
        hostname = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    if not hostname:
        return None
    parts = extractor(hostname, include_psl_private_domains=True)
    if hasattr(parts, "top_domain_under_public_suffix"):  # tldextract >= 5.3
        domain = parts.top_domain_under_public_suffix
    else:
        domain = parts.registered_domain
    return (domain or hostname).lower()


@dataclasses.dataclass
class HostStats:
    doc_count: int = 0
    score_sum: float = 0.0
    score_max: float = 0.0
    above_threshold: int = 0
    with_markers: int = 0

    @property
    def mean(self) -> float:
        return self.score_sum / self.doc_count if self.doc_count else 0.0


class HostStatsFn(beam.CombineFn):
    """Per-host count, sum, max and tallies of (score, above_threshold, has_markers) tuples."""

    def create_accumulator(self):
        return HostStats()

    def add_input(self, acc: HostStats, element):
        score, above, has_markers = element
        acc.doc_count += 1
        acc.score_sum += score
        acc.score_max = max(acc.score_max, score)
        acc.above_threshold += int(bool(above))
        acc.with_markers += int(bool(has_markers))
        return acc

    def merge_accumulators(self, accumulators):
        merged = HostStats()
        for acc in accumulators:
            merged.doc_count += acc.doc_count
            merged.score_sum += acc.score_sum
            merged.score_max = max(merged.score_max, acc.score_max)
            merged.above_threshold += acc.above_threshold
            merged.with_markers += acc.with_markers
        return merged

    def extract_output(self, acc: HostStats):
        return acc


class _KeyByHostFn(beam.DoFn):
    def setup(self):
        self._extractor = make_host_extractor()

    def process(self, doc: WarcDoc):
        attrs = doc.attributes.get(NAMESPACE) or {}
        score = attrs.get("ai_score")
        host = host_of(doc.url, self._extractor)
        if score is None or host is None:
            return
        yield (
            host,
            (
                doc.write_key,
                doc.doc_id,
                score,
                bool(attrs.get("ai_above_threshold")),
                bool(attrs.get("ai_markers")),
            ),
        )


def _host_row(host: str, stats: HostStats) -> dict:
    return {
        "host": host,
        "doc_count": stats.doc_count,
        "ai_score_mean": stats.mean,
        "ai_score_max": stats.score_max,
        "docs_above_threshold": stats.above_threshold,
        "docs_with_markers": stats.with_markers,
    }


_HOST_DOC, _HOST_STATS = "docs", "stats"


def join_host_stats(element):
    """(host, [(tag, value), ...]) -> (write_key, (doc_id, host, mean, count)) per document.

    The group is read twice, as a stream both times: for its one stats value, then for its
    documents, so a host with a million pages is never held as a list.
    """
    host, tagged_values = element
    stats = next((value for tag, value in tagged_values if tag == _HOST_STATS), None)
    if stats is None:
        return
    mean, count = stats.mean, stats.doc_count
    for tag, value in tagged_values:
        if tag == _HOST_DOC:
            write_key, doc_id, *_ = value
            yield write_key, (doc_id, host, mean, count)


class HostAiScores(beam.PTransform):
    """Mean ai_score per host over the input documents, and that mean joined back per document.

    Input: PCollection[WarcDoc] (scored; usually the kept ones). Output: a pair
      host_joins: (write_key, (doc_id, host, host_ai_score, host_doc_count)) per scored doc
      host_rows:  dicts matching schemas.ai.HOSTS_SCHEMA, one per host
    The mean comes from CombinePerKey (partial sums on every worker), the join from a
    TaggedGroupByKey by host read as a stream, so no step holds a host's documents at once.
    """

    def expand(self, docs):
        keyed = docs | "AiKeyByHost" >> beam.ParDo(_KeyByHostFn())
        stats = (
            keyed
            | "AiHostScoreTuple" >> beam.MapTuple(lambda host, v: (host, (v[2], v[3], v[4])))
            | "AiHostStats" >> beam.CombinePerKey(HostStatsFn())
        )
        host_rows = stats | "AiHostRows" >> beam.MapTuple(_host_row)
        host_joins = (
            {_HOST_DOC: keyed, _HOST_STATS: stats}
            | "AiJoinByHost" >> TaggedGroupByKey()
            | "AiJoinBack" >> beam.FlatMap(join_host_stats)
        )
        return host_joins, host_rows


# ---------------------------------------------------------------- manifest


def _bin_label(i: int) -> str:
    return f"{i / HISTOGRAM_BINS:.1f}-{(i + 1) / HISTOGRAM_BINS:.1f}"


def ledger_stats(table: pa.Table) -> dict:
    """Additive counts for manifest.json from one ledger shard.

    The writer stores it under the concern's key, so the manifest reads stats.ai.<name>:
    score_histogram: 10 equal bins over [0, 1] (1.0 falls in the last one);
    counts: scored, above_threshold, dropped (reason ai_generated), with_markers,
        crawl_before_chatgpt; model_version: documents per model version.
    """
    if "ai_score" not in table.column_names:
        return {}
    scores = table.column("ai_score")
    scored = scores.length() - scores.null_count
    bins = pc.min_element_wise(
        pc.cast(pc.floor(pc.multiply(scores, float(HISTOGRAM_BINS))), pa.int64()),
        HISTOGRAM_BINS - 1,
        skip_nulls=False,  # an unscored row must stay null, not become the last bin
    )
    counts = {_bin_label(i): 0 for i in range(HISTOGRAM_BINS)}
    for entry in pc.value_counts(pc.drop_null(bins)).to_pylist():
        counts[_bin_label(int(entry["values"]))] += int(entry["counts"])

    def count_true(name: str) -> int:
        if name not in table.column_names:
            return 0
        return int(
            pc.sum(pc.cast(pc.fill_null(table.column(name), False), pa.int64())).as_py() or 0
        )

    def count_equal(name: str, value: str) -> int:
        if name not in table.column_names:
            return 0
        return int(
            pc.sum(
                pc.cast(pc.fill_null(pc.equal(table.column(name), value), False), pa.int64())
            ).as_py()
            or 0
        )

    with_markers = 0
    if "ai_markers" in table.column_names:
        lengths = pc.fill_null(pc.list_value_length(table.column("ai_markers")), 0)
        with_markers = int(pc.sum(pc.cast(pc.greater(lengths, 0), pa.int64())).as_py() or 0)
    versions: dict[str, int] = {}
    if "ai_model_version" in table.column_names:
        for entry in pc.value_counts(pc.drop_null(table.column("ai_model_version"))).to_pylist():
            versions[entry["values"]] = int(entry["counts"])
    return {
        "counts": {
            "scored": int(scored),
            "above_threshold": count_true("ai_above_threshold"),
            "dropped": count_equal("drop_reason", DROP_REASON),
            "with_markers": with_markers,
            "crawl_before_chatgpt": count_true("crawl_before_chatgpt"),
        },
        "score_histogram": counts,
        "model_version": versions,
    }
