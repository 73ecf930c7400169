"""An independent re-implementation of the filter chain's decisions, for end-to-end checks.

Written from the rules in docs/filters.md, apart from transforms/filters: nothing is imported
from `transforms`, text is walked character by character with plain loops (no regexes), and
ratios are computed the straightforward way. Only the data files (URL lists) are shared.

    reference_decision(text, language, language_score, url, config_dict) -> str | None

returns the drop reason ("<filter>:<rule>") of the first failing rule, or None when kept.
"""

from __future__ import annotations

import functools
import os
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

BLOCKLIST_DIR = (
    Path(__file__).resolve().parents[1] / "transforms" / "filters" / "data" / "url_blocklist"
)

# ---------------------------------------------------------------- characters and tokens

CJK_SINGLE = [
    (0x3005, 0x3005),
    (0x3007, 0x3007),
    (0x3041, 0x3096),
    (0x309D, 0x309F),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x323AF),
]
KATAKANA = [(0x30A1, 0x30FA), (0x30FC, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F)]


# Sentence ends of scripts without "." (CJK, Indic dandas, Urdu, Arabic "?", Armenian,
# Ethiopic, Myanmar, Khmer, Mongolian), per docs/filters.md.
SCRIPT_ENDS = "。！？．｡।॥۔؟։።፧፨။។៕᠃᠉"
OTHER_PUNCTUATION = "—”％〈、━【「」，】；“《„’∶´．（–？！：～«〉》）。…►»１‼⁇⁈⁉‽⸮﹒﹖﹗"


def is_punctuation(ch):
    """docs/filters.md: ASCII punctuation, datatrove's other punctuation, the script sentence
    ends, control characters."""
    code = ord(ch)
    if code < 32 and ch not in "\t\n\r":
        return True
    if 127 <= code < 160:
        return True
    return (33 <= code < 127 and not ch.isalnum()) or ch in OTHER_PUNCTUATION or ch in SCRIPT_ENDS


def in_ranges(ch, ranges):
    code = ord(ch)
    for low, high in ranges:
        if low <= code <= high:
            return True
    return False


def is_cjk(ch):
    return ch.isalnum() and in_ranges(ch, CJK_SINGLE)


def is_kana_run_char(ch):
    return ch.isalnum() and in_ranges(ch, KATAKANA)


def starts_word(ch):
    return ch.isalnum() and not in_ranges(ch, CJK_SINGLE) and not in_ranges(ch, KATAKANA)


def continues_word(ch):
    category = unicodedata.category(ch)
    return starts_word(ch) or category.startswith("M") or category == "Cf"


def is_thai_or_lao(ch):
    """docs/filters.md: Thai U+0E01-U+0E5B, Lao U+0E81-U+0EDF."""
    return 0x0E01 <= ord(ch) <= 0x0E5B or 0x0E81 <= ord(ch) <= 0x0EDF


def dictionary_words(token):
    """FineWeb-2's segmenters, called directly: LaoNLP for a token with a Lao letter, else
    PyThaiNLP's newmm-safe; pieces of only spaces or format characters are not tokens."""
    if "PYTHAINLP_READ_MODE" not in os.environ:  # its older name: PyThaiNLP refuses both
        os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")  # no ~/pythainlp-data
    if any(0x0E81 <= ord(ch) <= 0x0EDF for ch in token):
        from laonlp.tokenize import word_tokenize

        pieces = word_tokenize(token)
    else:
        from pythainlp.tokenize import word_tokenize

        pieces = word_tokenize(token, engine="newmm-safe")
    kept = []
    for piece in pieces:
        for ch in piece:
            if not ch.isspace() and unicodedata.category(ch) != "Cf":
                kept.append(piece)
                break
    return kept


def segmented(tokens):
    """Tokens holding a Thai or Lao character replaced by their dictionary words."""
    out = []
    for token in tokens:
        if any(is_thai_or_lao(ch) for ch in token):
            out.extend(dictionary_words(token))
        else:
            out.append(token)
    return out


def tokenize(text, in_words=False):
    """List of (token, is_word); Thai and Lao split into words when `in_words` (documents
    identified as th or lo)."""
    tokens = []
    for token, word in tokenize_unsegmented(text, in_words):
        if in_words and any(is_thai_or_lao(ch) for ch in token):
            for piece in dictionary_words(token):
                not_word = len(piece) == 1 and is_punctuation(piece)
                tokens.append((piece, not not_word))
        else:
            tokens.append((token, word))
    return tokens


def tokenize_unsegmented(text, in_words=False):
    """List of (token, is_word), Thai and Lao not split into words; with `in_words`, a word
    ending in a Thai or Lao character keeps a dot that follows it (not an ellipsis's)."""
    tokens = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif is_cjk(ch):
            tokens.append((ch, True))
            i += 1
        elif is_kana_run_char(ch):
            j = i
            while j < n and is_kana_run_char(text[j]):
                j += 1
            tokens.append((text[i:j], True))
            i = j
        elif starts_word(ch):
            j = i + 1
            while j < n and continues_word(text[j]):
                j += 1
            while j + 1 < n and (
                (text[j] in "-'’." and starts_word(text[j + 1]))
                or (text[j] in ",:" and text[j - 1].isdecimal() and text[j + 1].isdecimal())
            ):
                j += 2
                while j < n and continues_word(text[j]):
                    j += 1
            if in_words and is_thai_or_lao(text[j - 1]) and text[j : j + 1] == ".":
                if text[j + 1 : j + 2] != ".":  # พ.ศ. and ม.ค. are words with their dot
                    j += 1
            # datatrove's punctuation holds one digit, the full-width "１": alone, not a word
            tokens.append((text[i:j], not (j == i + 1 and is_punctuation(ch))))
            i = j
        elif text[i : i + 3] == "...":
            tokens.append(("...", False))
            i += 3
        else:  # a symbol: a word unless it is punctuation
            tokens.append((ch, not is_punctuation(ch)))
            i += 1
    return tokens


def line_words_c4(line, in_words=False):
    """Whitespace-separated words, each CJK character and katakana run being its own word."""
    words = []
    current = ""
    kana = ""
    for ch in line + " ":
        if is_kana_run_char(ch):
            if current:
                words.append(current)
                current = ""
            kana += ch
            continue
        if kana:
            words.append(kana)
            kana = ""
        if ch.isspace() or is_cjk(ch):
            if current:
                words.append(current)
                current = ""
            if is_cjk(ch):
                words.append(ch)
        else:
            current += ch
    return segmented(words) if in_words else words


def sentence_count(line, in_words=False):
    pieces = []
    current = ""
    i = 0
    n = len(line)
    while i < n:
        ch = line[i]
        if ch in ".!?":
            j = i + 1
            while j < n and line[j] in "\"'”’)]":
                j += 1
            if j < n and line[j].isspace():
                while j < n and line[j].isspace():
                    j += 1
                pieces.append(current + ch)
                current = ""
                i = j
                continue
        elif ch in SCRIPT_ENDS and (i + 1 == n or line[i + 1] not in SCRIPT_ENDS):
            j = i + 1
            while j < n and line[j] in "」』”’）":
                j += 1
            pieces.append(current + ch)
            current = ""
            i = j
            continue
        elif in_words and ch.isspace() and i > 0 and is_thai_or_lao(line[i - 1]):
            j = i
            while j < n and line[j].isspace():
                j += 1
            if j < n and is_thai_or_lao(line[j]):  # Thai and Lao end sentences with a space
                pieces.append(current)
                current = ""
                i = j
                continue
        current += ch
        i += 1
    pieces.append(current)
    count = 0
    for piece in pieces:
        if piece.strip() != "":
            count += 1
    return count


def remove_citations(line):
    out = ""
    i = 0
    while i < len(line):
        if line[i] == "[":
            j = i + 1
            while j < len(line) and line[j].isdecimal():
                j += 1
            if j < len(line) and line[j] == "]":
                i = j + 1
                continue
            for marker in ("[edit]", "[citation needed]"):
                if line.startswith(marker, i):
                    i += len(marker)
                    break
            else:
                out += line[i]
                i += 1
            continue
        out += line[i]
        i += 1
    return out


def split_on_newline_runs(text, minimum):
    """Split at runs of at least `minimum` newlines."""
    parts = []
    current = ""
    i = 0
    while i < len(text):
        if text[i] == "\n":
            j = i
            while j < len(text) and text[j] == "\n":
                j += 1
            if j - i >= minimum:
                parts.append(current)
                current = ""
            else:
                current += text[i:j]
            i = j
        else:
            current += text[i]
            i += 1
    parts.append(current)
    return parts


def ratio(a, b):
    if b == 0:
        return a / 1
    return a / b


def on(threshold):
    return threshold is not None and threshold is not False


def repeated(items):
    seen = set()
    count = 0
    chars = 0
    for item in items:
        if item in seen:
            count += 1
            chars += len(item)
        else:
            seen.add(item)
    return count, chars


# ---------------------------------------------------------------- config


def merged(base, extra):
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------- filters


@functools.cache
def read_entries(name):
    entries = []
    with open(BLOCKLIST_DIR / name, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                entries.append(line)
    return tuple(entries)


def ascii_alnum(ch):
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ("0" <= ch <= "9")


@functools.lru_cache(maxsize=1)
def domain_splitter():
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # offline snapshot


def url_reason(url, section):
    lists = {}
    for name, extra in (
        ("domains.txt", "extra_domains"),
        ("urls.txt", "extra_urls"),
        ("banned_words.txt", "banned_words"),
        ("soft_banned_words.txt", "soft_banned_words"),
        ("banned_subwords.txt", "banned_subwords"),
    ):
        entries = list(read_entries(name)) if section["use_integrated_lists"] else []
        lists[name] = entries + list(section[extra])
    squeeze = lambda s: "".join(ch for ch in s if ascii_alnum(ch)).lower()  # noqa: E731

    try:
        host = urlsplit(url).hostname or ""
        for dot in ("\u3002", "\uff0e", "\uff61"):
            host = host.replace(dot, ".")
        host = host.strip().rstrip(".").lower()
    except ValueError:
        host = ""
    domains = [d.lower().rstrip(".") for d in lists["domains.txt"]]
    registered = ""
    if host:
        parts = domain_splitter()(host)
        if hasattr(parts, "top_domain_under_public_suffix"):
            registered = parts.top_domain_under_public_suffix
        else:
            registered = parts.registered_domain
    if registered and registered in domains:
        return "url_filter:domain"
    labels = host.split(".") if host else []
    names = [".".join(labels[i:]) for i in range(len(labels))]
    below = names[: names.index(registered)] if registered in names else names[:1]
    for name in below:
        if name in domains:
            return "url_filter:subdomain"
    without_scheme = url
    if "://" in url:
        scheme = url.split("://", 1)[0]
        if (
            scheme
            and scheme[0].isascii()
            and scheme[0].isalpha()
            and all(ch.isascii() and (ch.isalnum() or ch in "+.-") for ch in scheme)
        ):
            without_scheme = url.split("://", 1)[1]
    if url in lists["urls.txt"] or without_scheme in lists["urls.txt"]:
        return "url_filter:url"
    words = set()
    current = ""
    for ch in url + " ":
        if ascii_alnum(ch):
            current += ch
        else:
            if current:
                words.add(current.lower())
            current = ""
    if any(squeeze(w) in words for w in lists["banned_words.txt"]):
        return "url_filter:banned_words"
    soft = {squeeze(w) for w in lists["soft_banned_words.txt"]}
    if on(section["soft_word_threshold"]) and len(soft & words) >= section["soft_word_threshold"]:
        return "url_filter:soft_banned_words"
    squeezed_url = squeeze(url)
    for sub in lists["banned_subwords.txt"]:
        if squeeze(sub) and squeeze(sub) in squeezed_url:
            return "url_filter:banned_subwords"
    return None


def language_reason(language, score, section):
    score = score or 0.0
    if not language:
        return "language:unidentified"
    if section["languages"] != ["all"] and language not in section["languages"]:
        return "language:not_in_languages"
    if on(section["language_threshold"]) and not score > section["language_threshold"]:
        return "language:low_score"
    return None


def repetition_reason(text, tokens, s):
    paragraphs = split_on_newline_runs(text.strip(), 2)
    count, chars = repeated(paragraphs)
    if on(s["dup_para_frac"]) and ratio(count, len(paragraphs)) > s["dup_para_frac"]:
        return "gopher_repetition:dup_para_frac"
    if on(s["dup_para_char_frac"]) and ratio(chars, len(text)) > s["dup_para_char_frac"]:
        return "gopher_repetition:dup_para_char_frac"
    lines = split_on_newline_runs(text, 1)
    count, chars = repeated(lines)
    if on(s["dup_line_frac"]) and ratio(count, len(lines)) > s["dup_line_frac"]:
        return "gopher_repetition:dup_line_frac"
    if on(s["dup_line_char_frac"]) and ratio(chars, len(text)) > s["dup_line_char_frac"]:
        return "gopher_repetition:dup_line_char_frac"
    for n, limit in s["top_n_grams"]:
        if not on(limit) or len(tokens) < n:
            continue
        counts = {}
        for i in range(len(tokens) - n + 1):
            gram = tuple(tokens[i : i + n])
            counts[gram] = counts.get(gram, 0) + 1
        best, best_count = None, 0
        for gram, c in counts.items():  # first seen wins a tie
            if c > best_count:
                best, best_count = gram, c
        length = sum(len(t) for t in best) + s["ngram_separator_length"] * (n - 1)
        if ratio(length * best_count, len(text)) > limit:
            return f"gopher_repetition:top_{n}_gram_char_frac"
    for n, limit in s["dup_n_grams"]:
        if not on(limit):
            continue
        seen = set()
        chars = 0
        i = 0
        while i <= len(tokens) - n:
            gram = tuple(tokens[i : i + n])
            if gram in seen:
                chars += sum(len(t) for t in gram)
                i += n
            else:
                seen.add(gram)
                i += 1
        if ratio(chars, len(text)) > limit:
            return f"gopher_repetition:dup_{n}_gram_char_frac"
    return None


def quality_reason(text, tokens, language, s):
    all_tokens = [t for t, _ in tokens]
    words = [t for t, is_word in tokens if is_word]
    lines = text.splitlines()
    if (on(s["min_doc_words"]) and len(words) < s["min_doc_words"]) or (
        on(s["max_doc_words"]) and len(words) > s["max_doc_words"]
    ):
        return "gopher_quality:word_count"
    mean = ratio(sum(len(w) for w in words), len(words))
    if (on(s["min_avg_word_length"]) and mean < s["min_avg_word_length"]) or (
        on(s["max_avg_word_length"]) and mean > s["max_avg_word_length"]
    ):
        return "gopher_quality:avg_word_length"
    if on(s["max_symbol_word_ratio"]):
        if ratio(text.count("#"), len(all_tokens)) > s["max_symbol_word_ratio"]:
            return "gopher_quality:hash_ratio"
        ellipses = text.count("...") + text.count("…")
        if ratio(ellipses, len(all_tokens)) > s["max_symbol_word_ratio"]:
            return "gopher_quality:ellipsis_ratio"
    bullets = 0
    trailing = 0
    for line in lines:
        head = line.lstrip()
        if head.startswith("•") or head.startswith("-"):
            bullets += 1
        tail = line.rstrip()
        if tail.endswith("...") or tail.endswith("…"):
            trailing += 1
    if on(s["max_bullet_lines_ratio"]) and ratio(bullets, len(lines)) > s["max_bullet_lines_ratio"]:
        return "gopher_quality:bullet_lines_ratio"
    if (
        on(s["max_ellipsis_lines_ratio"])
        and ratio(trailing, len(lines)) > s["max_ellipsis_lines_ratio"]
    ):
        return "gopher_quality:ellipsis_lines_ratio"
    lettered = 0
    for token in all_tokens:
        for ch in token:
            if ch.isalpha():
                lettered += 1
                break
    if (
        on(s["max_non_alpha_words_ratio"])
        and ratio(lettered, len(all_tokens)) < s["max_non_alpha_words_ratio"]
    ):
        return "gopher_quality:alpha_ratio"
    stop_words = s["stop_words"].get(language or "")
    if stop_words and on(s["min_stop_words"]):
        present = {t for t in all_tokens if t in stop_words}
        if len(present) < s["min_stop_words"]:
            return "gopher_quality:stop_words"
    return None


def c4_reason_and_text(text, s, in_words=False):
    kept = []
    sentences = 0
    for line in text.splitlines():
        line = line.strip()
        words = line_words_c4(line, in_words)
        if on(s["max_word_length"]) and any(len(w) > s["max_word_length"] for w in words):
            continue
        if s["remove_citations"]:
            line = remove_citations(line)
        if s["filter_no_terminal_punct"]:
            if not any(line.endswith(p) for p in s["terminal_punctuation"]) or line.endswith("..."):
                continue
        if on(s["min_words_per_line"]) and len(words) < s["min_words_per_line"]:
            continue
        if s["filter_lorem_ipsum"] and "lorem ipsum" in line.lower():
            return "c4:lorem_ipsum", text
        if s["filter_javascript"] and "javascript" in line.lower():
            continue
        if s["filter_curly_bracket"] and "{" in line:
            return "c4:curly_bracket", text
        if s["filter_policy"]:
            lower = line.lower()
            phrases = (
                "terms of use",
                "privacy policy",
                "cookie policy",
                "uses cookies",
                "use of cookies",
                "use cookies",
            )
            if any(p in lower for p in phrases):
                continue
        sentences += sentence_count(line, in_words)
        kept.append(line)
    if on(s["min_num_sentences"]) and sentences < s["min_num_sentences"]:
        return "c4:sentences", text
    if s["rewrite_text"]:
        return None, "\n".join(kept).strip()
    return None, text


def fineweb_reason(text, s, in_words=False):
    lines = text.split("\n")
    if on(s["line_punct_thr"]):
        ending = 0
        for line in lines:
            if any(line.endswith(c) for c in s["stop_chars"]):
                ending += 1
        value = ratio(ending, len(lines))
        if value <= s["line_punct_thr"] and not (value == 0 and s["line_punct_exclude_zero"]):
            return "fineweb_quality:line_punct_ratio"
    if on(s["short_line_thr"]):
        short = 0
        for line in lines:
            if len(line) <= s["short_line_length"]:
                short += 1
        if ratio(short, len(lines)) >= s["short_line_thr"]:
            return "fineweb_quality:short_line_ratio"
    if on(s["char_duplicates_ratio"]):
        _, chars = repeated([line for line in lines if line.strip() != ""])
        if ratio(chars, len(text.replace("\n", ""))) >= s["char_duplicates_ratio"]:
            return "fineweb_quality:char_dup_ratio"
    if on(s["new_line_ratio"]):
        if ratio(text.count("\n"), len(tokenize(text, in_words))) > s["new_line_ratio"]:
            return "fineweb_quality:list_ratio"
    return None


def reference_decision(text, language, language_score, url, config_dict):
    """The drop reason of the first failing rule, or None when the record is kept."""
    if config_dict["url_filter"]["enabled"] and url:
        reason = url_reason(url, config_dict["url_filter"])
        if reason:
            return reason
    config = merged(config_dict, config_dict.get("per_language", {}).get(language or "", {}))
    text = text or ""
    if config["language"]["enabled"]:
        reason = language_reason(language, language_score, config["language"])
        if reason:
            return reason
    in_words = language in ("th", "lo")  # docs/filters.md: segmented by document language
    tokens = tokenize(text, in_words)
    if config["gopher_repetition"]["enabled"]:
        reason = repetition_reason(text, [t for t, _ in tokens], config["gopher_repetition"])
        if reason:
            return reason
    if config["gopher_quality"]["enabled"]:
        reason = quality_reason(text, tokens, language, config["gopher_quality"])
        if reason:
            return reason
    if config["c4"]["enabled"]:
        reason, text = c4_reason_and_text(text, config["c4"], in_words)
        if reason:
            return reason
    if config["fineweb_quality"]["enabled"]:
        return fineweb_reason(text, config["fineweb_quality"], in_words)
    return None
