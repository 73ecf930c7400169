"""pipeline/local_worker.py: the worker processes of local multi-process runs, and the
memory settings it applies (docs/benchmarks.md, Memory)."""

from __future__ import annotations

import logging
import os
import sys

import pytest

from pipeline import cli, local_worker
from tests.pipeline_runs import python_output


def run_python(code: str) -> str:
    return python_output(code).strip()


def test_multi_process_runs_start_ccprov_worker_module():
    from apache_beam.transforms.environments import (
        EmbeddedPythonEnvironment,
        SubprocessSDKEnvironment,
    )

    runner = cli.local_runner_class()()
    stock = f"{sys.executable} -m apache_beam.runners.worker.sdk_worker_main"
    runner._default_environment = SubprocessSDKEnvironment.from_command_string(stock)
    assert runner._default_environment.command_string == local_worker.command_line()
    assert local_worker.command_line().endswith(" -m pipeline.local_worker")
    # The shell becomes the worker (exec), with Ctrl-C ignored from the start, and told
    # which process is its runner (it must die with it).
    runner_pid = f"CCPROV_RUNNER_PID={os.getpid()}"
    assert local_worker.command_line().startswith(f"trap '' INT; {runner_pid} exec ")
    # Other environments (in-process runs, a user's own command) are left alone.
    runner._default_environment = EmbeddedPythonEnvironment.default()
    assert isinstance(runner._default_environment, EmbeddedPythonEnvironment)
    custom = SubprocessSDKEnvironment.from_command_string("my-worker --flag")
    runner._default_environment = custom
    assert runner._default_environment is custom


def test_data_channel_queues_are_bounded():
    """Beam's default lets a worker queue up to 300 MB of a stage's data."""
    from apache_beam.runners.worker import data_plane

    out = run_python(
        "from pipeline import local_worker; local_worker.bound_data_queues(); "
        "from apache_beam.runners.worker import data_plane; "
        "ch = data_plane._GrpcDataChannel(); "
        "print(ch._to_send.max_bytes, ch._pending_send.max_bytes, ch._received['i'].max_bytes); "
        "ch.close()"
    )
    assert out.split() == [str(local_worker.DATA_QUEUE_MAX_BYTES)] * 3
    assert local_worker.DATA_QUEUE_MAX_BYTES < data_plane._DEFAULT_SEND_QUEUE_MAX_BYTES


ARROW_POOL = (
    "import pyarrow as pa; from transforms.writer import use_system_arrow_allocator as use; "
    "print(use(), pa.default_memory_pool().backend_name)"
)


def test_arrow_allocates_with_malloc_unless_the_user_chose_a_pool():
    import os

    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}

    def pool(**extra: str) -> list[str]:
        return python_output(ARROW_POOL, env=env | extra).split()

    assert pool()[1] == "system"
    assert pool(ARROW_DEFAULT_MEMORY_POOL="system") == ["False", "system"]
    # A user's choice stands; pyarrow's wheels here also ship mimalloc.
    assert pool(ARROW_DEFAULT_MEMORY_POOL="mimalloc") == ["False", "mimalloc"]


ARROW_INTERNALS = (
    "import sys, io\n"
    "if sys.argv[1] == 'ccprov': import pipeline\n"
    "import pyarrow as pa, pyarrow.parquet as pq\n"
    "pa.set_memory_pool(pa.system_memory_pool())\n"
    "table = pa.table({'n': list(range(20000)), 's': [str(n) * 9 for n in range(20000)]})\n"
    "pq.write_table(table, io.BytesIO(), compression='zstd')\n"
    "print(pa.default_memory_pool().backend_name, pa.mimalloc_memory_pool().max_memory())\n"
)


def test_arrow_internals_allocate_with_malloc_in_ccprov_processes():
    """pa.set_memory_pool covers pyarrow's own calls only: the Parquet writer's C++ buffers
    come from the pool chosen at import, which importing `pipeline` sets to malloc."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}

    def pool_and_mimalloc_bytes(mode: str, **extra: str) -> tuple[str, int]:
        name, peak = python_output(ARROW_INTERNALS, mode, env=env | extra).split()
        return name, int(peak)

    name, peak = pool_and_mimalloc_bytes("pyarrow-only")
    assert name == "system" and peak > 0  # internals still on mimalloc
    assert pool_and_mimalloc_bytes("ccprov") == ("system", 0)
    # A user's choice stands.
    name, peak = pool_and_mimalloc_bytes("ccprov", ARROW_DEFAULT_MEMORY_POOL="mimalloc")
    assert peak > 0


def test_local_workers_start_with_arrow_on_malloc():
    """A worker process (`python -m pipeline.local_worker`) imports the package first; the
    variable is not inherited here, so the test sees what the import sets."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    code = (
        "from pipeline import local_worker; local_worker.prepare_process(); "
        "import pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    )
    assert python_output(code, env=env).strip() == "system"


RSS_GROWTH_AFTER_FREEING = """
import sys
from pipeline import local_worker
if sys.argv[1:] == ["fixed"]:
    assert local_worker.fix_mmap_threshold()
def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024
base = rss_mb()
for _ in range(3):  # a large buffer allocated and freed, as a worker does all the time
    block = bytearray(24 << 20)
    del block
print(rss_mb() - base)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc behaviour")
def test_fixed_mmap_threshold_returns_freed_buffers_to_the_system():
    def growth(*args: str) -> int:
        return int(python_output(RSS_GROWTH_AFTER_FREEING, *args))

    # glibc's default: after the first free, the buffer comes from the heap and stays.
    assert growth() >= 20
    assert growth("fixed") <= 4


def test_expected_startup_warnings_are_dropped_and_others_kept():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "%s", None, None)
    for message, kept in [
        ("Discarding unparseable args: ['--input=x']", False),
        ("No semi_persistent_directory found: ...", False),
        ("apitools not found, and bigquery client libraries ...", False),
        ("Python sdk harness failed", True),
    ]:
        record.msg = message
        assert local_worker._not_expected(record) is kept


def _input_message_sizes(build) -> list[int]:
    """Run the pipeline `build(p)` makes on the FnApiRunner (in process); the sizes of the
    data messages its worker received."""
    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    from apache_beam.runners.worker import bundle_processor

    sizes: list[int] = []
    original = bundle_processor.DataInputOperation.process_encoded

    def spy(self, encoded_windowed_values):
        sizes.append(len(encoded_windowed_values))
        return original(self, encoded_windowed_values)

    bundle_processor.DataInputOperation.process_encoded = spy
    try:
        with beam.Pipeline(runner=fn_runner.FnApiRunner()) as p:
            build(p)
    finally:
        bundle_processor.DataInputOperation.process_encoded = original
    return sizes


def _largest_input_message(element_count: int, element_bytes: int) -> tuple[int, int]:
    """Flatten -> ParDo: the largest data message the worker received, and their number."""
    import apache_beam as beam

    def build(p):
        halves = [
            p
            | f"Create{i}" >> beam.Create([f"{i}{n:09d}" for n in range(element_count)])
            | f"Grow{i}" >> beam.Map(lambda s: s * (element_bytes // len(s)))
            for i in range(2)
        ]
        _ = halves | beam.Flatten() | beam.Map(len)

    sizes = _input_message_sizes(build)
    return max(sizes), len(sizes)


def test_runner_sends_stage_inputs_in_chunks(monkeypatch):
    """The FnApiRunner puts a worker's whole input in one message (it grew with the input);
    with ccprov's hook the Flatten's 24 MB arrive in ~10 MB messages (the size the stages
    before it flushed at)."""
    from apache_beam.runners.portability.fn_api_runner import fn_runner

    original = getattr(
        fn_runner.BundleManager._send_input_to_worker,
        "_ccprov_original",
        fn_runner.BundleManager._send_input_to_worker,
    )
    monkeypatch.setattr(fn_runner.BundleManager, "_send_input_to_worker", original)
    whole, _ = _largest_input_message(3000, 4000)
    assert whole >= 24_000_000

    assert cli.send_worker_inputs_in_chunks(cli.LOCAL_INPUT_MESSAGE_BYTES)
    chunked, messages = _largest_input_message(3000, 4000)
    assert chunked < 16_000_000 and messages > 2


def _grouped_input_messages(group_count: int, value_bytes: int) -> list[int]:
    """Create -> GroupByKey -> Map, with its result checked: the sizes of the data messages
    the worker received (the large ones are the groups)."""
    import apache_beam as beam
    from apache_beam.testing.util import assert_that, equal_to

    def build(p):
        sizes_per_key = (
            p
            | beam.Create(range(group_count * 2))
            | beam.Map(lambda n: (n % group_count, f"{n:09d}" * (value_bytes // 9)))
            | beam.GroupByKey()
            | "Sizes" >> beam.MapTuple(lambda key, values: (key, sum(map(len, values))))
        )
        per_key = 2 * 9 * (value_bytes // 9)
        assert_that(sizes_per_key, equal_to([(k, per_key) for k in range(group_count)]))

    return _input_message_sizes(build)


def test_runner_sends_grouped_inputs_in_pieces(monkeypatch):
    """A GroupByKey's output went to each worker as one message whatever its size (20 MB at
    40,000 records); ccprov's runner cuts it into pieces of whole groups, ~2 MB each."""
    from apache_beam.runners.portability.fn_api_runner import execution

    partition = execution.GroupingBuffer.partition
    stock = getattr(partition, "_ccprov_original", partition)
    monkeypatch.setattr(execution.GroupingBuffer, "partition", stock)
    whole = _grouped_input_messages(1500, 4000)  # 12 MB of groups
    assert max(whole) >= 12_000_000

    assert cli.send_worker_inputs_in_chunks(cli.LOCAL_INPUT_MESSAGE_BYTES)
    assert execution.GroupingBuffer.partition._ccprov_original is stock
    pieces = _grouped_input_messages(1500, 4000)
    assert max(pieces) < cli.LOCAL_INPUT_MESSAGE_BYTES + 3 * 8000
    assert len([size for size in pieces if size > 1_000_000]) >= 5


def test_grouped_pieces_keep_every_group_and_its_worker():
    """Batches of keys go to the workers Beam's own partition would pick (key i to i % n),
    each group once, whatever the batch sizes."""

    class Buffer:  # what Beam's partition uses of a GroupingBuffer
        def __init__(self, table):
            self._table, self._grouped_output = table, None

    def encode(buffer, n):  # stands for Beam's: each key's group, in turn to worker i % n
        parts = [b"" for _ in range(n)]
        for i, (key, values) in enumerate(buffer._table.items()):
            parts[i % n] += key + b"=" + b"".join(values) + b";"
        buffer._table.clear()
        return [[part] for part in parts]

    for n, piece_bytes in [(1, 50), (2, 50), (3, 7), (2, 10_000)]:
        table = {f"k{i:03d}".encode(): [b"v" * (i % 17)] for i in range(200)}
        expected = encode(Buffer(dict(table)), n)
        pieces = cli.grouped_in_pieces(Buffer(table), n, encode, piece_bytes)
        assert not table  # handed over, not kept twice
        for worker in range(n):
            got = b"".join(pieces[worker]).split(b";")
            assert sorted(got) == sorted(expected[worker][0].split(b";"))
        if piece_bytes < 100:
            assert max(len(p) for ps in pieces for p in ps) < 4 * piece_bytes + 100


def _joined_message_sizes(message_count: int, message_bytes: int) -> list[int]:
    """The sizes of the gRPC messages a data channel sends for `message_count` queued
    data messages of `message_bytes` each (Beam joins queued messages before sending)."""
    from apache_beam.portability.api import beam_fn_api_pb2
    from apache_beam.runners.worker import data_plane

    channel = data_plane._GrpcDataChannel()
    for _ in range(message_count):
        channel._enqueue_to_send(
            beam_fn_api_pb2.Elements.Data(instruction_id="1", data=b"x" * message_bytes)
        )
    channel.close()  # queues the end of the stream
    return [message.ByteSize() for message in channel._write_outputs()]


def test_data_is_sent_in_two_megabyte_messages(monkeypatch):
    """Beam flushes a stage's output at 10 MB and joins queued messages up to 10 MB, and
    each message is copied several times on its way out; ccprov's processes do both at
    2 MB."""
    from apache_beam.runners.worker import data_plane

    stream = data_plane.SizeBasedBufferingClosableOutputStream
    stock = getattr(stream.__init__, "_ccprov_original", stream.__init__)
    monkeypatch.setattr(stream, "__init__", stock)
    monkeypatch.setattr(data_plane, "_DEFAULT_SIZE_FLUSH_THRESHOLD", 10 << 20)
    monkeypatch.setattr(data_plane, "_DEFAULT_SEND_QUEUE_MAX_BYTES", 16 << 20)

    def flushed_sizes() -> list[int]:
        sizes: list[int] = []
        out = stream(flush_callback=lambda data: sizes.append(len(data)))
        for _ in range(300):
            out.write(b"x" * 100_000)
            out.maybe_flush()
        return sizes

    assert min(flushed_sizes()) > 10 << 20
    assert max(_joined_message_sizes(6, 2 << 20)) > 10 << 20
    assert local_worker.flush_outputs_at()
    assert local_worker.flush_outputs_at()  # idempotent: wraps the stock method once
    sizes = flushed_sizes()
    assert len(sizes) >= 14 and max(sizes) <= local_worker.OUTPUT_FLUSH_BYTES + 100_000
    assert max(_joined_message_sizes(6, 2 << 20)) < (2 << 20) + 100
    explicit = stream(flush_callback=sizes.append, size_flush_threshold=5 << 20)
    assert explicit._size_flush_threshold == 5 << 20


def _data_outputs_after_run(element_count: int, element_bytes: int) -> list:
    """Run Create -> Map -> GroupByKey on the FnApiRunner (in process); the worker's data
    output operations as they are once the run is over, and check the grouped result."""
    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    from apache_beam.runners.worker import bundle_processor
    from apache_beam.testing.util import assert_that, equal_to

    operations: list = []
    original = bundle_processor.DataOutputOperation.set_output_stream

    def spy(self, output_stream):
        operations.append(self)
        return original(self, output_stream)

    bundle_processor.DataOutputOperation.set_output_stream = spy
    try:
        with beam.Pipeline(runner=fn_runner.FnApiRunner()) as p:
            sizes = (
                p
                | beam.Create(range(element_count))
                | beam.Map(lambda n: (n % 3, "x" * element_bytes))
                | beam.GroupByKey()
                | beam.MapTuple(lambda key, values: (key, sum(len(v) for v in values)))
            )
            per_key = element_bytes * (element_count // 3)
            assert_that(sizes, equal_to([(k, per_key) for k in range(3)]))
    finally:
        bundle_processor.DataOutputOperation.set_output_stream = original
    return operations


def test_output_buffers_are_released_when_a_bundle_ends(monkeypatch):
    """Beam keeps each stage's output stream, whose buffer only grows, after the stage has
    run; ccprov's workers drop it once it is flushed and closed."""
    from apache_beam.runners.worker import bundle_processor

    operation = bundle_processor.DataOutputOperation
    stock = getattr(operation.finish, "_ccprov_original", operation.finish)
    monkeypatch.setattr(operation, "finish", stock)
    kept = _data_outputs_after_run(3000, 4000)  # 12 MB through the GroupByKey
    assert kept and any(op.output_stream is not None for op in kept)

    assert local_worker.release_output_buffers()
    assert local_worker.release_output_buffers()  # idempotent: wraps the stock method once
    assert operation.finish._ccprov_original is stock
    released = _data_outputs_after_run(3000, 4000)
    assert released and all(op.output_stream is None for op in released)


def _state_reads(value_count: int, value_bytes: int) -> tuple[list[int], list]:
    """One large group read through the state API, as local runs read the writer's groups,
    with its result checked: the sizes of the runner's state responses, and its state
    servicers."""
    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import fn_runner, worker_handlers
    from apache_beam.testing.util import assert_that, equal_to

    sizes: list[int] = []
    servicers: list = []
    current = worker_handlers.StateServicer.get_raw

    def spy(self, state_key, continuation_token=None):
        data, token = current(self, state_key, continuation_token)
        sizes.append(len(data))
        servicers.append(self)
        return data, token

    worker_handlers.StateServicer.get_raw = spy
    try:
        with beam.Pipeline(runner=fn_runner.FnApiRunner(use_state_iterables=True)) as p:
            totals = (
                p
                | beam.Create(range(value_count))
                | beam.Map(lambda n: ("group", f"{n:09d}" * (value_bytes // 9)))
                | beam.GroupByKey()
                | beam.MapTuple(lambda key, values: (key, len(set(values)), sum(map(len, values))))
            )
            total_bytes = value_count * 9 * (value_bytes // 9)
            assert_that(totals, equal_to([("group", value_count, total_bytes)]))
    finally:
        worker_handlers.StateServicer.get_raw = current
    return sizes, servicers


def test_large_groups_are_read_in_pieces(monkeypatch):
    """Beam's runner answers the read of a streamed group with all of it (a writer group is
    10-20 MB); ccprov's stores it in ~2 MB pieces and answers with one piece at a time,
    then lets go of the pieces."""
    from apache_beam.runners.portability.fn_api_runner import execution, worker_handlers

    context, servicer = execution.FnApiRunnerExecutionContext, worker_handlers.StateServicer
    stock_write = getattr(
        context._iterable_state_write, "_ccprov_original", context._iterable_state_write
    )
    stock_get = getattr(servicer.get_raw, "_ccprov_original", servicer.get_raw)
    monkeypatch.setattr(context, "_iterable_state_write", stock_write)
    monkeypatch.setattr(servicer, "get_raw", stock_get)
    whole, _ = _state_reads(3000, 4000)  # one 12 MB group (its first MiB inline after
    assert max(whole) >= 10_000_000  # stream_large_groups, which other tests apply)

    assert cli.read_large_groups_in_pieces(2 << 20)
    assert cli.read_large_groups_in_pieces(2 << 20)  # idempotent: wraps Beam's methods once
    assert servicer.get_raw._ccprov_original is stock_get
    assert context._iterable_state_write._ccprov_original is stock_write
    sizes, servicers = _state_reads(3000, 4000)
    assert max(sizes) < (2 << 20) + 4100
    assert len([size for size in sizes if size > 1_000_000]) >= 5
    assert all(not pieces for s in servicers for pieces in s._continuations.values())
