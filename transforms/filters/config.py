"""Configuration of the filter chain: defaults, loading (TOML/YAML), validation, overrides.

The defaults live in `data/defaults.toml` (FineWeb's thresholds, datatrove's argument names).
A user file is deep-merged over them (tables merge, everything else replaces). The result is
a plain JSON-serialisable dict: the pipeline stores it in the manifest and hashes it.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
import tomllib
from pathlib import Path
from typing import Any

from transforms.filters.rules import is_enabled

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULTS_PATH = DATA_DIR / "defaults.toml"
BLOCKLIST_DIR = DATA_DIR / "url_blocklist"

FILTER_NAMES = (
    "url_filter",
    "language",
    "gopher_repetition",
    "gopher_quality",
    "c4",
    "fineweb_quality",
)
ALL_LANGUAGES = "all"

# Value kinds of the config keys.
BOOL, THRESHOLD, COUNT, STRINGS, LANGUAGES, NGRAMS, STOP_WORDS, DERIVED = (
    "a boolean",
    "a number, or false to disable the rule",
    "a non-negative integer",
    "a list of strings",
    "a non-empty list of language codes, or 'all'",
    "a list of [n, threshold] pairs",
    "a table of language -> list of strings",
    "derived",
)

SCHEMA: dict[str, dict[str, str]] = {
    "url_filter": {
        "enabled": BOOL,
        "use_integrated_lists": BOOL,
        "soft_word_threshold": THRESHOLD,
        "extra_domains": STRINGS,
        "extra_urls": STRINGS,
        "banned_words": STRINGS,
        "soft_banned_words": STRINGS,
        "banned_subwords": STRINGS,
        "bundled_lists_sha256": DERIVED,
    },
    "language": {
        "enabled": BOOL,
        "languages": LANGUAGES,
        "language_threshold": THRESHOLD,
    },
    "gopher_repetition": {
        "enabled": BOOL,
        "dup_para_frac": THRESHOLD,
        "dup_para_char_frac": THRESHOLD,
        "dup_line_frac": THRESHOLD,
        "dup_line_char_frac": THRESHOLD,
        "top_n_grams": NGRAMS,
        "dup_n_grams": NGRAMS,
        "ngram_separator_length": COUNT,
    },
    "gopher_quality": {
        "enabled": BOOL,
        "min_doc_words": THRESHOLD,
        "max_doc_words": THRESHOLD,
        "min_avg_word_length": THRESHOLD,
        "max_avg_word_length": THRESHOLD,
        "max_symbol_word_ratio": THRESHOLD,
        "max_bullet_lines_ratio": THRESHOLD,
        "max_ellipsis_lines_ratio": THRESHOLD,
        "max_non_alpha_words_ratio": THRESHOLD,
        "min_stop_words": THRESHOLD,
        "stop_words": STOP_WORDS,
    },
    "c4": {
        "enabled": BOOL,
        "remove_citations": BOOL,
        "filter_no_terminal_punct": BOOL,
        "terminal_punctuation": STRINGS,
        "min_num_sentences": THRESHOLD,
        "min_words_per_line": THRESHOLD,
        "max_word_length": THRESHOLD,
        "filter_lorem_ipsum": BOOL,
        "filter_javascript": BOOL,
        "filter_curly_bracket": BOOL,
        "filter_policy": BOOL,
        "rewrite_text": BOOL,
    },
    "fineweb_quality": {
        "enabled": BOOL,
        "line_punct_thr": THRESHOLD,
        "line_punct_exclude_zero": BOOL,
        "stop_chars": STRINGS,
        "short_line_thr": THRESHOLD,
        "short_line_length": COUNT,
        "char_duplicates_ratio": THRESHOLD,
        "new_line_ratio": THRESHOLD,
    },
}

# What `per_language.<code>` may override: the text filters, and the language score threshold.
PER_LANGUAGE_SCHEMA: dict[str, dict[str, str]] = {
    "language": {"language_threshold": THRESHOLD},
    **{
        section: {key: kind for key, kind in keys.items() if kind != STOP_WORDS}
        for section, keys in SCHEMA.items()
        if section in ("gopher_repetition", "gopher_quality", "c4", "fineweb_quality")
    },
}


def _fail(message: str) -> None:
    raise ValueError(f"filter config: {message}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _check_value(name: str, kind: str, value: Any) -> None:
    if kind == BOOL:
        ok = isinstance(value, bool)
    elif kind == THRESHOLD:
        ok = value is None or value is False or _is_number(value)
    elif kind == COUNT:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    elif kind == STRINGS:
        ok = _is_strings(value)
    elif kind == LANGUAGES:
        ok = value == ALL_LANGUAGES or (
            _is_strings(value) and value and all(code.strip() for code in value)
        )
        if ok and isinstance(value, list) and ALL_LANGUAGES in value and len(value) > 1:
            _fail(f"'{name}': 'all' cannot be combined with other languages")
    elif kind == NGRAMS:
        ok = isinstance(value, list) and all(
            isinstance(pair, list | tuple)
            and len(pair) == 2
            and isinstance(pair[0], int)
            and not isinstance(pair[0], bool)
            and pair[0] >= 1
            and (pair[1] is None or pair[1] is False or _is_number(pair[1]))
            for pair in value
        )
    elif kind == STOP_WORDS:
        ok = isinstance(value, dict) and all(_is_strings(words) for words in value.values())
        if ok:
            for code in value:
                _check_code_key(name, code)
    else:  # DERIVED: recomputed on every build, any string accepted
        ok = isinstance(value, str)
    if not ok:
        _fail(f"'{name}' must be {kind}, got {value!r}")
    if kind == THRESHOLD and _is_number(value):
        _check_range(name, value, name.rsplit(".", 1)[-1] in SHARES)
    elif kind == COUNT and value > MAX_COUNT:  # YAML reads any integer; floats overflow
        _fail(f"'{name}' must be at most {MAX_COUNT:,}, got {_shown(value)}")
    elif kind == NGRAMS:
        sizes = [n for n, limit in value if is_enabled(limit)]
        if len(set(sizes)) < len(sizes):  # a later pair replaced an earlier one, silently
            _fail(f"'{name}' gives a threshold for the same n twice: {sizes}")
        if any(n > MAX_COUNT for n, _ in value):
            _fail(f"'{name}': n must be at most {MAX_COUNT:,}")
        for n, limit in value:
            if _is_number(limit):
                _check_range(f"{name} ({n}-grams)", limit, share=True)


# Thresholds on shares of a document (probabilities, fractions of characters or lines): a
# value above 1 would drop (or never drop) every document, silently.
SHARES = frozenset(
    {
        "language_threshold",
        "dup_para_frac",
        "dup_para_char_frac",
        "dup_line_frac",
        "dup_line_char_frac",
        "max_bullet_lines_ratio",
        "max_ellipsis_lines_ratio",
        "max_non_alpha_words_ratio",
        "max_symbol_word_ratio",  # '#' and ellipsis tokens over all tokens
        "line_punct_thr",
        "short_line_thr",
        "char_duplicates_ratio",
    }
)


MAX_COUNT = 10**9  # counts and n-gram sizes; far above any document's length


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}... (a huge number)"


def _check_range(name: str, value: float, share: bool) -> None:
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an integer of hundreds of digits, as YAML reads them
        finite = False
    if not finite or value < 0:
        _fail(f"'{name}' must be a finite number >= 0, got {_shown(value)}")
    if share and value > 1:
        _fail(f"'{name}' is a share of the document, between 0 and 1, got {value!r}")


def _check_section(prefix: str, schema: dict[str, str], values: Any) -> None:
    if not isinstance(values, dict):
        _fail(f"'{prefix}' must be a table, got {values!r}")
    for key, value in values.items():
        if key not in schema:
            _fail(f"unknown key '{prefix}.{key}' (known: {', '.join(schema)})")
        _check_value(f"{prefix}.{key}", schema[key], value)


def _check_code_key(table: str, code: Any) -> None:
    """Language codes as keys must be text: YAML reads `no:` (Norwegian) as false."""
    if not isinstance(code, str):
        _fail(
            f"'{table}' has the key {code!r}, not a language code: quote it in YAML "
            f'("no": for Norwegian, which YAML reads as false)'
        )


def validate_overrides(overrides: Any) -> None:
    """Raise ValueError (one line) on unknown keys or values of the wrong type."""
    if not isinstance(overrides, dict):
        _fail(f"the configuration must be a table, got {type(overrides).__name__}")
    for section, values in overrides.items():
        if section == "per_language":
            if not isinstance(values, dict):
                _fail(f"'per_language' must be a table of language codes, got {values!r}")
            for code, sections in values.items():
                _check_code_key("per_language", code)
                if not isinstance(sections, dict):
                    _fail(f"'per_language.{code}' must be a table, got {sections!r}")
                for name, keys in sections.items():
                    if name not in PER_LANGUAGE_SCHEMA:
                        _fail(
                            f"unknown key 'per_language.{code}.{name}' "
                            f"(known: {', '.join(PER_LANGUAGE_SCHEMA)})"
                        )
                    _check_section(f"per_language.{code}.{name}", PER_LANGUAGE_SCHEMA[name], keys)
        elif section in SCHEMA:
            _check_section(section, SCHEMA[section], values)
        else:
            _fail(f"unknown section '{section}' (known: {', '.join(SCHEMA)}, per_language)")


def deep_merge(base: dict, overrides: dict) -> dict:
    """A new dict: tables merge key by key, any other value replaces."""
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@functools.lru_cache(maxsize=1)
def _defaults() -> dict:
    with open(DEFAULTS_PATH, "rb") as f:
        return tomllib.load(f)


def default_filter_config() -> dict:
    return build_filter_config(None)


def bundled_lists_digest() -> str:
    """SHA-256 over the bundled URL lists, so that editing a list changes the config hash."""
    digest = hashlib.sha256()
    for path in sorted(BLOCKLIST_DIR.glob("*.txt")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _normalise(config: dict) -> dict:
    """JSON round trip: tuples become lists, so the dict equals what the manifest stores."""
    return json.loads(json.dumps(config, ensure_ascii=False))


def check_language_codes(where: str, languages: list[str] | str) -> None:
    """Every code must be one lid.176 answers: any other (`eng`, `en-US`, a typo) would
    silently drop every document as `language`."""
    from transforms.lid import known_languages

    codes = [languages] if isinstance(languages, str) else languages
    known = known_languages()
    for code in codes:
        if code != ALL_LANGUAGES and code not in known:
            examples = ", ".join(c for c in ("en", "de", "fr", "es", "zh", "ja") if c in known)
            raise ValueError(
                f"{where}: unknown language code '{code}' (fastText lid.176's codes, "
                f"e.g. {examples}; 'all' keeps every language)"
            )


def build_filter_config(overrides: dict | None, languages: list[str] | str | None = None) -> dict:
    """The effective config: defaults, deep-merged overrides, then the `languages` override."""
    config = copy.deepcopy(_defaults())
    if overrides:
        validate_overrides(overrides)
        given = overrides.get("language", {}).get("languages")
        if given is not None:
            check_language_codes("filter config: 'language.languages'", given)
        config = deep_merge(config, overrides)
    if languages is not None:
        _check_value("languages", LANGUAGES, languages)
        check_language_codes("--languages", languages)
        config["language"]["languages"] = (
            list(languages) if isinstance(languages, list) else [languages]
        )
    elif config["language"]["languages"] == ALL_LANGUAGES:
        config["language"]["languages"] = [ALL_LANGUAGES]
    config["url_filter"]["bundled_lists_sha256"] = bundled_lists_digest()
    validate_overrides(config)
    _check_rules_can_pass(config)
    for code in config.get("per_language", {}):
        # A code lid.176 never gives (`eng`, a typo) would be a table that applies to nothing.
        check_language_codes(f"filter config: 'per_language.{code}'", code)
        _check_rules_can_pass(config_for_language(config, code), f"per_language.{code}.")
    for code in config["gopher_quality"]["stop_words"]:
        check_language_codes(f"filter config: 'gopher_quality.stop_words.{code}'", code)
    return _normalise(config)


# (section, lower bound, upper bound): a document must lie between the two.
_BOUNDS = (
    ("gopher_quality", "min_doc_words", "max_doc_words"),
    ("gopher_quality", "min_avg_word_length", "max_avg_word_length"),
)


def _check_rules_can_pass(config: dict, where: str = "") -> None:
    """Settings under which no document could pass, refused rather than dropping everything."""
    threshold = config["url_filter"].get("soft_word_threshold")
    if is_enabled(threshold) and threshold < 1:
        _fail(
            f"'url_filter.soft_word_threshold' counts soft-banned words: at least 1, or false "
            f"to disable (got {threshold!r}, which drops every URL)"
        )
    for section, low, high in _BOUNDS:
        low_value, high_value = config[section].get(low), config[section].get(high)
        if is_enabled(low_value) and is_enabled(high_value) and low_value > high_value:
            _fail(
                f"'{where}{section}.{low}' ({low_value!r}) is above '{where}{section}.{high}' "
                f"({high_value!r}): every document would be dropped"
            )


def _read_config_bytes(path: str) -> bytes:
    """A local file, or an object (s3://, gs://) read through Beam's filesystems."""
    if "://" not in path:
        return Path(path).read_bytes()
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        return handle.read()


def read_config_file(path: str | Path) -> dict:
    """A TOML or YAML file as a dict; a top-level `filters` table, if any, is the filter part."""
    original, path = path, Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".yaml", ".yml"):
        _fail(f"'{original}' must end in .toml, .yaml or .yml")
    try:
        raw = _read_config_bytes(str(original))
    except OSError as exc:
        reason = exc.strerror or str(exc).splitlines()[0]
        raise ValueError(f"filter config: cannot read '{original}': {reason}") from exc
    try:
        if suffix == ".toml":
            data = tomllib.loads(raw.decode("utf-8"))
        else:
            import yaml

            data = yaml.safe_load(raw) or {}
    except Exception as exc:  # TOMLDecodeError, YAMLError, UnicodeDecodeError
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"filter config: cannot parse '{original}': {first_line}") from exc
    if isinstance(data, dict) and isinstance(data.get("filters"), dict):
        data = data["filters"]
    return data


def load_filter_config(
    path: str | Path | None = None, languages: list[str] | str | None = None
) -> dict:
    """Effective filter config from an optional TOML/YAML file; `languages` overrides the file."""
    overrides = read_config_file(path) if path else None
    return build_filter_config(overrides, languages)


def config_for_language(config: dict, language: str | None) -> dict:
    """The config with `per_language[language]` merged over the top-level sections."""
    overrides = config.get("per_language", {}).get(language or "", {})
    return deep_merge(config, overrides) if overrides else config


def section_with_only(name: str, **enabled) -> dict:
    """Default section `name` with every rule off except the thresholds given (one rule alone)."""
    section = copy.deepcopy(_defaults()[name])
    for key, kind in SCHEMA[name].items():
        if kind == THRESHOLD:
            section[key] = False
        elif kind == NGRAMS:
            section[key] = []
        elif kind == BOOL and key.startswith("filter_"):  # C4's line and document switches
            section[key] = False
    unknown = set(enabled) - set(SCHEMA[name])
    if unknown:
        _fail(f"unknown key(s) {sorted(unknown)} for section '{name}'")
    section.update(enabled)
    return _normalise(section)
