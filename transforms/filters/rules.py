"""What every filter shares: threshold tests and how a verdict is spelled.

A filter measures each of its enabled rules, returns every measurement as
`{"<filter>:<rule>": value}` and names the first failing rule as `"<filter>:<rule>"`
(None when the document passes).
"""

from __future__ import annotations

from typing import Any

Scores = dict[str, float]
Verdict = tuple[str | None, Scores]


def is_enabled(threshold: Any) -> bool:
    """A threshold of false (TOML) or None (YAML null) switches its rule off."""
    return threshold is not None and threshold is not False


def verdict(filter_name: str, values: dict[str, float], failed: list[str]) -> Verdict:
    """The first failed rule (in the filter's order) and all measurements, both prefixed."""
    reason = f"{filter_name}:{failed[0]}" if failed else None
    return reason, {f"{filter_name}:{rule}": float(value) for rule, value in values.items()}
