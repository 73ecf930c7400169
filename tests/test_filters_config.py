"""Filter config: TOML and YAML files, deep-merge over the defaults, validation."""

import json

import pytest

from transforms.filters.config import (
    build_filter_config,
    config_for_language,
    default_filter_config,
    load_filter_config,
)


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


TOML = """
[gopher_quality]
min_doc_words = 20
max_doc_words = false

[c4]
filter_policy = false

[per_language.fr.gopher_quality]
min_avg_word_length = 2
"""

YAML = """
gopher_quality:
  min_doc_words: 20
  max_doc_words: null
c4:
  filter_policy: false
per_language:
  fr:
    gopher_quality:
      min_avg_word_length: 2
"""


@pytest.mark.parametrize("name, content", [("f.toml", TOML), ("f.yaml", YAML), ("f.yml", YAML)])
def test_toml_and_yaml_override_the_defaults(tmp_path, name, content):
    config = load_filter_config(write(tmp_path, name, content))
    quality = config["gopher_quality"]
    assert quality["min_doc_words"] == 20
    assert quality["max_doc_words"] in (False, None)  # both switch the rule off
    assert quality["max_avg_word_length"] == 10  # untouched defaults stay
    assert config["c4"]["filter_policy"] is False and config["c4"]["filter_javascript"] is True
    assert config_for_language(config, "fr")["gopher_quality"]["min_avg_word_length"] == 2
    assert config_for_language(config, "en")["gopher_quality"]["min_avg_word_length"] == 3
    # The defaults' own per-language tables are kept beside the user's.
    assert config_for_language(config, "ja")["gopher_quality"]["min_avg_word_length"] == 1


def test_toml_and_yaml_give_the_same_effective_config(tmp_path):
    toml = load_filter_config(write(tmp_path, "a.toml", TOML))
    yaml = load_filter_config(write(tmp_path, "a.yaml", YAML))
    toml["gopher_quality"]["max_doc_words"] = None  # TOML has no null; false means the same
    assert toml == yaml


def test_a_filters_table_in_a_shared_config_file(tmp_path):
    path = write(
        tmp_path, "run.toml", "[dedup]\nthreshold = 0.8\n[filters.c4]\nmin_num_sentences = 3\n"
    )
    assert load_filter_config(path)["c4"]["min_num_sentences"] == 3


def test_defaults_are_fineweb_and_json_serialisable():
    config = load_filter_config(None)
    assert json.loads(json.dumps(config)) == config
    assert config["language"] == {"enabled": True, "languages": ["en"], "language_threshold": 0.65}
    assert config == default_filter_config()
    assert len(config["url_filter"]["bundled_lists_sha256"]) == 64


def test_languages_argument_overrides_the_file(tmp_path):
    path = write(tmp_path, "l.toml", '[language]\nlanguages = ["de"]\n')
    assert load_filter_config(path)["language"]["languages"] == ["de"]
    assert load_filter_config(path, languages=["en", "fr"])["language"]["languages"] == ["en", "fr"]
    assert load_filter_config(path, languages="all")["language"]["languages"] == ["all"]
    assert load_filter_config(path, languages=["all"])["language"]["languages"] == ["all"]


def test_lists_replace_and_tables_merge():
    config = build_filter_config(
        {
            "gopher_repetition": {"top_n_grams": [[2, 0.5]]},
            "gopher_quality": {"stop_words": {"it": ["di"]}},
        }
    )
    assert config["gopher_repetition"]["top_n_grams"] == [[2, 0.5]]
    assert set(config["gopher_quality"]["stop_words"]) >= {"en", "zh", "ja", "it"}


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"gopher_quality": {"min_words": 5}}, "unknown key 'gopher_quality.min_words'"),
        ({"gopher": {}}, "unknown section 'gopher'"),
        ({"c4": {"min_num_sentences": "5"}}, "'c4.min_num_sentences' must be a number"),
        ({"c4": {"min_num_sentences": True}}, "'c4.min_num_sentences' must be a number"),
        ({"c4": {"filter_policy": 1}}, "'c4.filter_policy' must be a boolean"),
        ({"url_filter": {"extra_domains": "a.com"}}, "'url_filter.extra_domains' must be a list"),
        ({"language": {"languages": []}}, "'language.languages' must be a non-empty list"),
        ({"language": {"languages": ["all", "en"]}}, "'all' cannot be combined"),
        ({"gopher_repetition": {"top_n_grams": [[2]]}}, "must be a list of [n, threshold] pairs"),
        ({"fineweb_quality": {"short_line_length": -1}}, "must be a non-negative integer"),
        ({"per_language": {"fr": {"url_filter": {}}}}, "unknown key 'per_language.fr.url_filter'"),
        ({"per_language": {"fr": {"c4": {"nope": 1}}}}, "unknown key 'per_language.fr.c4.nope'"),
        ({"per_language": {"fr": {"gopher_quality": {"stop_words": {}}}}}, "stop_words"),
        ({"c4": "strict"}, "'c4' must be a table"),
        # Values that would drop every document, or silently none.
        ({"language": {"language_threshold": 5}}, "is a share of the document, between 0 and 1"),
        ({"gopher_quality": {"min_doc_words": -5}}, "must be a finite number >= 0, got -5"),
        ({"c4": {"min_num_sentences": float("inf")}}, "must be a finite number >= 0, got inf"),
        ({"fineweb_quality": {"line_punct_thr": float("nan")}}, "must be a finite number >= 0"),
        ({"gopher_repetition": {"top_n_grams": [[2, 1.5]]}}, "(2-grams)' is a share"),
        ({"gopher_quality": {"max_symbol_word_ratio": 1.5}}, "is a share of the document"),
        ({"url_filter": {"soft_word_threshold": 0}}, "at least 1, or false to disable"),
        ({"url_filter": {"soft_word_threshold": 0.5}}, "drops every URL"),
        (
            {"gopher_quality": {"min_doc_words": 500, "max_doc_words": 100}},
            "'gopher_quality.min_doc_words' (500) is above 'gopher_quality.max_doc_words' (100)",
        ),
        (
            {"per_language": {"de": {"gopher_quality": {"max_avg_word_length": 2}}}},
            "'per_language.de.gopher_quality.min_avg_word_length' (3) is above",
        ),
        # YAML reads any integer: math.isfinite raised OverflowError (a traceback)
        ({"gopher_quality": {"max_doc_words": 10**400}}, "got 10000000000000000000... (a huge"),
        # the second pair silently replaced the first
        ({"gopher_repetition": {"top_n_grams": [[2, 0.1], [2, 0.9]]}}, "same n twice: [2, 2]"),
        # tables for a code lid.176 never gives applied to nothing, silently
        (
            {"per_language": {"eng": {"gopher_quality": {"min_doc_words": 5}}}},
            "'per_language.eng': unknown language code 'eng'",
        ),
        ({"gopher_quality": {"stop_words": {"english": ["the"]}}}, "unknown language code"),
        # YAML reads `no:` (Norwegian) as false: a TypeError traceback
        ({"per_language": {False: {"c4": {}}}}, "has the key False, not a language code"),
        ({"gopher_quality": {"stop_words": {False: ["og"]}}}, "quote it in YAML"),
        ({"gopher_repetition": {"ngram_separator_length": 10**400}}, "must be at most"),
        ({"gopher_repetition": {"top_n_grams": [[10**400, 0.1]]}}, "n must be at most"),
    ],
)
def test_invalid_config_raises_one_line_value_error(overrides, message):
    with pytest.raises(ValueError) as error:
        build_filter_config(overrides)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_a_disabled_pair_may_repeat_an_n():
    config = build_filter_config({"gopher_repetition": {"top_n_grams": [[2, False], [2, 0.1]]}})
    assert config["gopher_repetition"]["top_n_grams"] == [[2, False], [2, 0.1]]


def test_bounds_that_leave_room_are_accepted():
    config = build_filter_config(
        {
            "url_filter": {"soft_word_threshold": 1},
            "gopher_quality": {"min_doc_words": 100, "max_doc_words": 100},
            "per_language": {"de": {"gopher_quality": {"min_doc_words": False}}},
        }
    )
    assert config["gopher_quality"]["max_doc_words"] == 100


def test_invalid_files_raise_value_error(tmp_path):
    for name, content in [("bad.toml", "[c4\n"), ("bad.yaml", "c4: [1,\n"), ("x.json", "{}")]:
        with pytest.raises(ValueError) as error:
            load_filter_config(write(tmp_path, name, content))
        assert "\n" not in str(error.value)
    with pytest.raises(ValueError, match="cannot read"):
        load_filter_config(tmp_path / "missing.toml")
    with pytest.raises(ValueError, match="unknown key 'c4.typo'"):
        load_filter_config(write(tmp_path, "typo.yaml", "c4:\n  typo: 1\n"))


def test_editing_a_bundled_list_changes_the_config(monkeypatch, tmp_path):
    from transforms.filters import config as config_module

    before = default_filter_config()["url_filter"]["bundled_lists_sha256"]
    for source in config_module.BLOCKLIST_DIR.glob("*.txt"):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    (tmp_path / "domains.txt").write_text("example.net\n")
    monkeypatch.setattr(config_module, "BLOCKLIST_DIR", tmp_path)
    assert default_filter_config()["url_filter"]["bundled_lists_sha256"] != before


def test_every_default_stop_character_list_holds_the_script_sentence_ends():
    # count_sentences uses SCRIPT_SENTENCE_END; the rules use these lists, written out per
    # section in defaults.toml: the copies must not drift apart.
    from transforms.filters.text_units import SCRIPT_SENTENCE_END

    config = default_filter_config()
    sections = [config, *config["per_language"].values()]
    lists = [
        section[name][key]
        for section in sections
        for name, key in (("fineweb_quality", "stop_chars"), ("c4", "terminal_punctuation"))
        if key in section.get(name, {})
    ]
    assert len(lists) == 6
    for chars in lists:
        assert set(SCRIPT_SENTENCE_END) <= set(chars)
