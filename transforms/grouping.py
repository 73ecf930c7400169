"""Grouping several keyed PCollections by key without gathering each group into lists."""

from __future__ import annotations

import apache_beam as beam


def _tagged(tag: str):
    return lambda key, value: (key, (tag, value))


class TaggedGroupByKey(beam.PTransform):
    """{tag: PCollection[(key, value)]} -> PCollection[(key, iterable of (tag, value))].

    CoGroupByKey without its last step. Beam's Python CoGroupByKey gathers each group's values
    into one list per tag before the next step sees them, so a large group (a writer's 2,000
    documents, a host with a million pages) is held whole in one worker. Here the group stays
    the runner's iterable (streamed from state when it is large, and re-iterable), and the
    consumer reads it as it needs: typically twice, once for the few small values and once,
    one at a time, for the many large ones.
    """

    def expand(self, pcolls: dict):
        tagged = [
            pcoll | f"Tag[{tag}]" >> beam.MapTuple(_tagged(tag)) for tag, pcoll in pcolls.items()
        ]
        return tagged | "Flatten" >> beam.Flatten() | "GroupByKey" >> beam.GroupByKey()
