"""Columns added by the licensing stage (transforms/licensing.py; rules in docs/licensing.md).

Every ledger column is a key of `doc.attributes["license"]`; the corpus keeps the practically
useful subset. Null means "not measured" (the record never reached the stage, or no robots.txt
was given); False/empty means "measured, not found".
"""

import pyarrow as pa

EVIDENCE_TYPE = pa.struct(
    [
        # link_rel_license | http_link_header | json_ld | meta | anchor | text_statement
        pa.field("source", pa.string()),
        pa.field("license", pa.string()),  # SPDX-style id, e.g. CC-BY-SA-4.0
        pa.field("scope", pa.string()),  # page | embedded (only page scope sets `license`)
        pa.field("snippet", pa.string()),  # what was read, at most 200 characters
    ]
)

# robots.txt verdict per agent, as of the crawl: True allowed, False disallowed, null unknown.
ROBOTS_AGENT_FIELDS = [
    pa.field("robots_allows_ccbot", pa.bool_()),
    pa.field("robots_allows_gptbot", pa.bool_()),
    pa.field("robots_allows_google_extended", pa.bool_()),
    pa.field("robots_allows_star", pa.bool_()),  # the `*` group
]

_LICENSE = pa.field("license", pa.string())  # licence of the page's text, or null
# public_domain | permissive | copyleft | noncommercial | noderivatives | all_rights_reserved
# | unknown
_LICENSE_CLASS = pa.field("license_class", pa.string())
_COPYRIGHT_HOLDER = pa.field("copyright_holder", pa.string())
_TDM_RESERVATION = pa.field("tdm_reservation", pa.bool_())  # TDMRep; null: no statement
_NOAI = pa.field("noai", pa.bool_())  # robots meta / X-Robots-Tag `noai`
_TRAIN_AI_OPT_OUT = pa.field("train_ai_opt_out", pa.bool_())  # IETF aipref train-ai=n
# tdm_reservation, noai, train_ai_opt_out, robots:ccbot, robots:gptbot, robots:google-extended
_OPT_OUT_SIGNALS = pa.field("opt_out_signals", pa.list_(pa.string()))

# Columns of the corpus (kept documents only).
CORPUS_FIELDS: list[pa.Field] = [
    _LICENSE,
    _LICENSE_CLASS,
    _COPYRIGHT_HOLDER,
    _TDM_RESERVATION,
    _NOAI,
    _TRAIN_AI_OPT_OUT,
    _OPT_OUT_SIGNALS,
]

# Columns of the provenance ledger (every input record).
LEDGER_FIELDS: list[pa.Field] = [
    _LICENSE,
    _LICENSE_CLASS,
    pa.field("license_conflict", pa.bool_()),  # page-scope sources disagree
    pa.field("license_evidence", pa.list_(EVIDENCE_TYPE)),
    pa.field("copyright_notice", pa.string()),  # e.g. "© 2016 Houston Press, LP. All rights..."
    _COPYRIGHT_HOLDER,
    pa.field("copyright_years", pa.list_(pa.int32())),
    pa.field("all_rights_reserved", pa.bool_()),
    _TDM_RESERVATION,
    pa.field("tdm_policy", pa.string()),  # TDMRep policy URL
    _NOAI,
    pa.field("noimageai", pa.bool_()),
    pa.field("content_usage", pa.string()),  # raw Content-Usage header value
    pa.field(
        "robots_content_usage", pa.string()
    ),  # robots.txt Content-Usage (or Content-Signal) rule for CCBot
    # category (bots, train-ai, train-genai, ai-use, search) -> y | n after inheritance, header
    # and robots.txt combined
    pa.field("usage_preferences", pa.map_(pa.string(), pa.string())),
    _TRAIN_AI_OPT_OUT,
    # ok | unavailable | unreachable | redirect_unresolved | no_record | error; null: no --robots
    pa.field("robots_status", pa.string()),
    pa.field("robots_fetch_date", pa.string()),  # WARC-Date of the robots.txt used
    *ROBOTS_AGENT_FIELDS,
    _OPT_OUT_SIGNALS,
    pa.field("license_error", pa.string()),  # internal failure; the result is then `unknown`
]
