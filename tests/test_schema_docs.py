"""docs/schema.md documents every column of the corpus and ledger schemas."""

from pathlib import Path

import pytest

from schemas import CORPUS_SCHEMA, LEDGER_SCHEMA

DOC = (Path(__file__).resolve().parents[1] / "docs" / "schema.md").read_text()


@pytest.mark.parametrize("name", sorted(set(CORPUS_SCHEMA.names) | set(LEDGER_SCHEMA.names)))
def test_column_is_documented(name):
    assert f"| `{name}` |" in DOC, f"column {name} is missing from docs/schema.md"
