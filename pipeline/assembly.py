"""The ccprov Beam graph.

  inputs -> ReadWarcFiles -> licence -> extraction -> language -> filters -> AI -> finish
         -> dedup and per-host AI updates
         -> group by (input file, record group) -> shards (corpus, provenance)
         -> finalize (manifest, _SUCCESS)

Every response record stays in the main PCollection until it is written to the ledger:
stages drop a document by marking it, never by filtering it out, so the ledger row count
always equals the number of response records read.
"""

from __future__ import annotations

import zlib

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.options import CcprovOptions
from pipeline.plan import RunPlan, plan_run
from schemas.ai import HOSTS_SCHEMA
from transforms import ai_detect, dedup, filters, licensing
from transforms.batching import UnbatchDocs, batch_docs, for_each_doc
from transforms.document import WarcDoc, crawl_epoch, record_tie_key
from transforms.extraction import ExtractTextFn
from transforms.finishing import FinishDocFn
from transforms.lang_precheck import PrecheckSpec
from transforms.language import IdentifyLanguageFn
from transforms.progress import ProgressFn
from transforms.warc_reader import ReadLimits, ReadWarcFiles
from transforms.writer import (
    HOSTS_DIR,
    AttributeUpdate,
    FinalizeOutputFn,
    WriteRecordGroups,
    WriteTableShardsFn,
)


def ledger_stats_fns() -> dict:
    """Per-concern manifest statistics, computed on each ledger shard and summed."""
    return {
        "filters": filters.ledger_stats,
        "license": licensing.ledger_stats,
        "dedup": dedup.ledger_stats,
        "ai": ai_detect.ledger_stats,
    }


def build_pipeline(p: beam.Pipeline, options: PipelineOptions, plan: RunPlan | None = None):
    """Add the whole ccprov graph to `p`; returns the PCollection holding the manifest."""
    opts = options.view_as(CcprovOptions)
    plan = plan or plan_run(options)
    spec = plan.spec
    extraction = plan.config["extraction"]

    files = p | "Inputs" >> beam.Create(list(enumerate(plan.inputs, plan.first_file_index)))
    read = files | "ReadWarc" >> ReadWarcFiles(
        ReadLimits(opts.max_html_bytes, io_retry_seconds=opts.io_retry_seconds), opts.dump
    )

    # Every stage from the URL filter to Finish runs over batches of documents, one stage
    # over the whole batch at a time (transforms/batching.py: the CPU caches).
    docs = (
        read.docs
        | "BatchDocs" >> batch_docs()
        | "UrlFilter" >> for_each_doc(filters.UrlFilterFn(plan.config["filters"]))
        # Licence signals live in the head and footer, which extraction throws away.
        | "TagLicense" >> for_each_doc(licensing.LicenseTagFn(opts.robots))
        | "LicensePolicy" >> for_each_doc(licensing.LicensePolicyFn(opts.license_policy))
        | "ExtractText"
        >> for_each_doc(
            ExtractTextFn(
                opts.extractor,
                opts.extract_timeout,
                memory_mb=opts.extract_memory_mb,
                precheck=PrecheckSpec.from_config(extraction["language_precheck"]),
            )
        )
        | "IdentifyLanguage" >> for_each_doc(IdentifyLanguageFn())
        | "QualityFilters" >> for_each_doc(filters.QualityFiltersFn(plan.config["filters"]))
        | "ScoreAiText" >> for_each_doc(ai_detect.AiScoreFn(opts.ai_model))
        # The threshold the run's config records (the model card's when none is given).
        | "AiPolicy"
        >> for_each_doc(
            ai_detect.AiPolicyFn(opts.ai_policy, plan.config["ai"]["threshold"], opts.ai_model)
        )
        | "Finish" >> for_each_doc(FinishDocFn(opts.keep_dropped))
        | "UnbatchDocs" >> UnbatchDocs()
    )

    if not opts.quiet:
        docs = docs | "Progress" >> beam.ParDo(ProgressFn())
    kept = docs | "KeptDocs" >> beam.Filter(lambda d: d.alive)
    # Host aggregates are over the documents that passed every filter and policy (before
    # dedup, so a host's duplicates count towards its mean).
    host_joins, host_rows = kept | "HostAiScores" >> ai_detect.HostAiScores()
    update_sources = [host_joins | "HostUpdates" >> beam.MapTuple(host_update)]
    host_buckets = max(1, min(64, len(plan.inputs) // 16))
    host_shards = (
        host_rows
        | "KeyHostsByBucket" >> beam.Map(lambda row: (host_bucket(row["host"], host_buckets), row))
        | "GroupHosts" >> beam.GroupByKey()
        | "WriteHosts" >> beam.ParDo(WriteTableShardsFn(spec, HOSTS_DIR, HOSTS_SCHEMA, "host"))
    )
    if opts.dedup != "off":
        update_sources.append(
            kept
            | "DedupCandidates" >> beam.Map(dedup_candidate)
            | "Deduplicate" >> dedup.Deduplicate(**plan.config["dedup"])
            | "DedupUpdates" >> beam.Map(dedup_update)
        )
    updates = update_sources | "AllUpdates" >> beam.Flatten()
    shards = (docs, updates) | "WriteRecordGroups" >> WriteRecordGroups(spec, ledger_stats_fns())
    return (
        (shards, host_shards, read.summary)
        | "AllShardInfo" >> beam.Flatten()
        | "CollectShardInfo" >> beam.combiners.ToList()
        | "Finalize" >> beam.ParDo(FinalizeOutputFn(spec, plan.manifest_base(), plan.started_at))
    )


def dedup_candidate(doc: WarcDoc) -> dedup.DedupCandidate:
    """Representative preference: no opt-out signal, then an open licence, then earliest
    crawl, then `record_tie_key`. An open page without opt-out wins; a cluster without one
    still keeps a copy without opt-out when it has one (the opt-out had counted only with an
    open licence, so unlicensed clusters kept an earliest copy marked `noai` over a clean
    later one, and a `no-optout` selection then lost the text)."""
    attributes = doc.attributes.get("license") or {}
    opted_out = bool(attributes.get("opt_out_signals"))
    open_class = attributes.get("license_class") in licensing.OPEN_CLASSES
    # In time, not as text: "…T05:00:00-0700" is after "…T10:00:00Z". No date sorts last.
    priority = (
        1 if opted_out else 0,
        0 if open_class else 1,
        crawl_epoch(doc.warc_date),
        record_tie_key(doc),
    )
    return dedup.DedupCandidate(doc.doc_id, doc.write_key, doc.text, priority)


def dedup_update(decision: dedup.DedupDecision):
    update = AttributeUpdate(
        decision.doc_id, "dedup", decision.to_attributes(), decision.drop_reason
    )
    return decision.write_key, update


def host_update(write_key: tuple[int, int], joined: tuple):
    doc_id, host, host_ai_score, host_doc_count = joined
    values = {"ai_host": host, "host_ai_score": host_ai_score, "host_doc_count": host_doc_count}
    return write_key, AttributeUpdate(doc_id, "ai", values)


def host_bucket(host: str, buckets: int) -> int:
    # crc32, not hash(): the bucket (and so the shard name) must not depend on the process.
    return zlib.crc32(host.encode("utf-8")) % buckets
