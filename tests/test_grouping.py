"""transforms/grouping.py: CoGroupByKey's grouping, left as a stream of tagged values."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from transforms.grouping import TaggedGroupByKey


def test_groups_hold_every_tagged_value_of_their_key():
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        left = pipeline | "Left" >> beam.Create([("a", 1), ("b", 2), ("a", 3)])
        right = pipeline | "Right" >> beam.Create([("a", "x"), ("c", "y")])
        grouped = (
            {"left": left, "right": right}
            | TaggedGroupByKey()
            | beam.MapTuple(lambda key, values: (key, sorted(values, key=repr)))
        )
        assert_that(
            grouped,
            equal_to(
                [
                    ("a", [("left", 1), ("left", 3), ("right", "x")]),
                    ("b", [("left", 2)]),
                    ("c", [("right", "y")]),
                ]
            ),
        )
