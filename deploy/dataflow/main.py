"""Dataflow Flex Template entry point for ccprov.

Dataflow's launcher VM runs `python main.py --runner=DataflowRunner --project=... --region=...
--template_location=... --<parameter>=<value> ...`, one `--name=value` per template parameter
(see metadata.json). This builds the ccprov graph from those flags and submits it. It never
waits for the job: under the launcher, `run()` only stages the job description, which Dataflow
then starts.
"""

from __future__ import annotations

import argparse
import logging
import sys

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import (
    PipelineOptions,
    S3Options,
)

from pipeline.assembly import build_pipeline
from pipeline.options import CcprovOptions
from pipeline.plan import RunPlan, UsageError, check_remote_run, plan_run
from transforms.writer import retire_previous_run

TRUE_WORDS = {"true", "1", "yes", "on"}
FALSE_WORDS = {"false", "0", "no", "off", ""}
# The workers run the ccprov SDK image, which already holds this exact Beam SDK: staging it
# would download it from PyPI at launch and install it again on every worker.
DEFAULT_FLAGS = {"sdk_location": "container"}


def switch_flags() -> dict[str, str]:
    """The on/off flags (argparse store_true) of ccprov and of the S3 settings the template
    declares (`s3_disable_ssl`): every spelling -> its dest."""
    parser = argparse.ArgumentParser(add_help=False)
    CcprovOptions._add_argparse_args(parser)
    S3Options._add_argparse_args(parser)
    return {
        spelling: action.dest
        for action in parser._actions
        if isinstance(action, argparse._StoreTrueAction)
        for spelling in action.option_strings
    }


def template_argv(argv: list[str]) -> list[str]:
    """Flags as argparse wants them.

    A template parameter always arrives as `--name=value`, but an on/off flag such as
    `--keep_dropped` takes no value (`--keep_dropped=true` is an argparse error): turn a true
    value into the bare flag and drop a false one. Also add DEFAULT_FLAGS not given.
    """
    switches = switch_flags()
    result = []
    for arg in argv:
        name, sep, value = arg.partition("=")
        if sep and name in switches:
            word = value.strip().lower()
            if word in TRUE_WORDS:
                result.append(name)
            elif word not in FALSE_WORDS:
                raise UsageError(f"{name} takes true or false, got {value!r}")
            continue
        result.append(arg)
    given = {arg.partition("=")[0].lstrip("-").replace("-", "_") for arg in result}
    result += [f"--{name}={value}" for name, value in DEFAULT_FLAGS.items() if name not in given]
    return result


def build(argv: list[str]) -> tuple[beam.Pipeline, RunPlan]:
    """The ccprov pipeline for these flags, built but not run."""
    options = PipelineOptions(template_argv(argv))
    FileSystems.set_options(options)
    plan = plan_run(options)
    check_remote_run(options, plan)  # the ccprov image; no path on the launcher's disk
    pipeline = beam.Pipeline(options=options)
    build_pipeline(pipeline, options, plan)
    return pipeline, plan


def launch(argv: list[str]):
    pipeline, plan = build(argv)
    retire_previous_run(plan.output)  # as `ccprov run` does
    logging.info("ccprov: %d input file(s) -> %s", len(plan.inputs), plan.output)
    return pipeline.run()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO)
    try:
        launch(list(sys.argv[1:] if argv is None else argv))
    except UsageError as exc:
        print(f"ccprov: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
