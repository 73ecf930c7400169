"""FineWeb's quality filter chain with a reason for every drop.

    cfg = load_filter_config(path_or_None, languages=["en"])
    chain = FilterChain(cfg)
    reason, scores = chain.check_url(url)
    reason, scores = chain.check_text(text, language, language_score)
    UrlFilterFn(cfg), QualityFiltersFn(cfg)   # Beam DoFns on WarcDoc

See docs/filters.md for the rules, their defaults and sources.
"""

from transforms.filters.chain import FilterChain, TextVerdict
from transforms.filters.config import (
    FILTER_NAMES,
    build_filter_config,
    config_for_language,
    default_filter_config,
    load_filter_config,
)
from transforms.filters.stats import ledger_stats

__all__ = [
    "FILTER_NAMES",
    "FilterChain",
    "QualityFiltersFn",
    "TextVerdict",
    "UrlFilterFn",
    "build_filter_config",
    "config_for_language",
    "default_filter_config",
    "ledger_stats",
    "load_filter_config",
]


def __getattr__(name: str):
    # The Beam wrappers import apache_beam (slow); load them only when asked for.
    if name in ("UrlFilterFn", "QualityFiltersFn"):
        from transforms.filters import beam_fns

        return getattr(beam_fns, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
