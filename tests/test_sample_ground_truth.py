"""The built-in sample through the default pipeline matches the generator's ground truth.

Each expectation is checked against the ledger/corpus column that carries it; the corpus
text is checked for the substrings the extractor must keep and the boilerplate it must drop.
"""

import pytest

from pipeline.sample import expected_by_url

EXPECTED = expected_by_url()
LEDGER_KEYS = (
    "language",
    "charset",
    "license",
    "license_class",
    "copyright_holder",
    "all_rights_reserved",
    "tdm_reservation",
    "tdm_policy",
    "noai",
)


@pytest.fixture(scope="module")
def rows(sample_run):
    ledger = {r["url"]: r for r in sample_run.ledger()}
    corpus = {r["url"]: r for r in sample_run.corpus()}
    return ledger, corpus


def test_every_response_has_a_row(rows):
    ledger, _ = rows
    assert set(ledger) == set(EXPECTED)


@pytest.mark.parametrize("url", sorted(EXPECTED))
def test_page_matches_ground_truth(rows, url):
    ledger, corpus = rows
    expect = EXPECTED[url]["expect"]
    row = ledger[url]
    if "kept" in expect:
        assert (row["decision"] == "kept") == expect["kept"], (row["decision"], row["drop_reason"])
    if "drop_reason_prefix" in expect:
        accepted = [expect["drop_reason_prefix"], *expect.get("drop_reason_alternatives", [])]
        assert row["drop_reason"] and row["drop_reason"].startswith(tuple(accepted)), row[
            "drop_reason"
        ]
    for key in LEDGER_KEYS:
        if key in expect:
            value = row.get(key)
            assert value == expect[key], (key, value)
    if "copyright_years" in expect:
        assert sorted(row["copyright_years"] or []) == expect["copyright_years"]
    if "ai_markers" in expect:
        found = {m.lower() for m in row["ai_markers"] or []}
        assert {m.lower() for m in expect["ai_markers"]} <= found
        assert row["ai_score"] >= row["ai_model_score"]  # markers only ever raise the score
    if "exact_duplicate_of" in expect or "near_duplicate_of" in expect:
        rep_url = expect.get("exact_duplicate_of") or expect.get("near_duplicate_of")
        assert row["duplicate_of"] == ledger[rep_url]["doc_id"]
        assert row["dedup_cluster"] == ledger[rep_url]["dedup_cluster"]
    if "embedded_license" in expect:
        embedded = [e["license"] for e in row["license_evidence"] if e["scope"] == "embedded"]
        assert expect["embedded_license"] in embedded
    if expect.get("kept"):
        text = corpus[url]["text"]
        for snippet in expect.get("text_contains", []):
            assert snippet in text
        for snippet in expect.get("text_excludes", []):
            assert snippet not in text
