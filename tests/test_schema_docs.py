"""docs/schema.md documents every column of the corpus and ledger schemas."""

from pathlib import Path

import pytest

from schemas import CORPUS_SCHEMA, DROPPED_SCHEMA, HOSTS_SCHEMA, LEDGER_SCHEMA

DOC = (Path(__file__).resolve().parents[1] / "docs" / "schema.md").read_text()


@pytest.mark.parametrize("name", sorted(set(CORPUS_SCHEMA.names) | set(LEDGER_SCHEMA.names)))
def test_column_is_documented(name):
    assert f"| `{name}` |" in DOC, f"column {name} is missing from docs/schema.md"


@pytest.mark.parametrize(
    "heading, schema",
    [
        ("## Dropped texts: `OUTPUT/dropped/", DROPPED_SCHEMA),
        ("## Host aggregates: ", HOSTS_SCHEMA),
    ],
)
def test_the_other_tables_are_documented_in_their_own_section(heading, schema):
    """README says every column is described in docs/schema.md; the hosts/ table's were not."""
    section = DOC.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = {line.split("`")[1] for line in section.splitlines() if line.startswith("| `")}
    assert rows == set(schema.names)


@pytest.mark.parametrize(
    "heading, schema",
    [
        ("## Corpus: ", CORPUS_SCHEMA),
        ("## Provenance ledger", LEDGER_SCHEMA),
        ("## Dropped texts: `OUTPUT/dropped/", DROPPED_SCHEMA),
        ("## Host aggregates: ", HOSTS_SCHEMA),
    ],
)
def test_columns_never_null_are_marked_so(heading, schema):
    """The page marked "not null" for two tables only; readers check nullability when they
    combine shards (pyarrow's concat_tables)."""
    section = DOC.split(heading, 1)[1].split("\n## ", 1)[0]
    marked = {
        line.split("`")[1]
        for line in section.splitlines()
        if line.startswith("| `") and "not null" in line.split("|")[2]
    }
    assert marked == {f.name for f in schema if not f.nullable}
