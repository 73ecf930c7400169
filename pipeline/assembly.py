"""The ccprov Beam graph.

  inputs -> ReadWarcFiles -> extraction -> language -> finish
         -> group by input file -> shards (corpus, provenance) -> finalize (manifest, _SUCCESS)

Every response record stays in the main PCollection until it is written to the ledger:
stages drop a document by marking it, never by filtering it out, so the ledger row count
always equals the number of response records read.
"""

from __future__ import annotations

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.options import CcprovOptions
from pipeline.plan import RunPlan, plan_run
from transforms import filters, licensing
from transforms.extraction import ExtractTextFn
from transforms.finishing import FinishDocFn
from transforms.language import IdentifyLanguageFn
from transforms.warc_reader import ReadLimits, ReadWarcFiles
from transforms.writer import FinalizeOutputFn, WriteFileShardsFn


def build_pipeline(p: beam.Pipeline, options: PipelineOptions, plan: RunPlan | None = None):
    """Add the whole ccprov graph to `p`; returns the PCollection holding the manifest."""
    opts = options.view_as(CcprovOptions)
    plan = plan or plan_run(options)
    spec = plan.spec

    files = p | "Inputs" >> beam.Create(list(enumerate(plan.inputs)))
    read = files | "ReadWarc" >> ReadWarcFiles(ReadLimits(opts.max_html_bytes), opts.dump)

    docs = (
        read.docs
        | "UrlFilter" >> beam.ParDo(filters.UrlFilterFn(plan.config["filters"]))
        # Licence signals live in the head and footer, which extraction throws away.
        | "TagLicense" >> beam.ParDo(licensing.LicenseTagFn(opts.robots))
        | "LicensePolicy" >> beam.ParDo(licensing.LicensePolicyFn(opts.license_policy))
        | "ExtractText" >> beam.ParDo(ExtractTextFn(opts.extractor, opts.extract_timeout))
        | "IdentifyLanguage" >> beam.ParDo(IdentifyLanguageFn())
        | "QualityFilters" >> beam.ParDo(filters.QualityFiltersFn(plan.config["filters"]))
        | "Finish" >> beam.ParDo(FinishDocFn(opts.keep_dropped))
    )

    stats_fns = {"filters": filters.ledger_stats, "license": licensing.ledger_stats}
    updates = p | "NoUpdates" >> beam.Create([])
    shards = (
        {
            "docs": docs | "KeyDocsByFile" >> beam.Map(lambda d: (d.file_index, d)),
            "updates": updates,
        }
        | "GroupByFile" >> beam.CoGroupByKey()
        | "WriteShards" >> beam.ParDo(WriteFileShardsFn(spec, stats_fns))
    )
    return (
        (shards, read.summary)
        | "AllShardInfo" >> beam.Flatten()
        | "CollectShardInfo" >> beam.combiners.ToList()
        | "Finalize" >> beam.ParDo(FinalizeOutputFn(spec, plan.manifest_base(), plan.started_at))
    )
