"""Fixtures that run the whole pipeline once and share the output between tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.cli import main as ccprov_main
from pipeline.sample import SAMPLE_WARC

REPO = Path(__file__).resolve().parents[1]
SHARED_WARCS = REPO.parent / "shared" / "warcs"


def python_output(
    code: str, *args: str, env: dict[str, str] | None = None, timeout: float | None = None
) -> str:
    """What `code` prints when run in a fresh interpreter at the repository root: for what
    must not leak into the test process (imports, patched modules, allocator settings)."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env=env,
        timeout=timeout,
    )
    return done.stdout


def shared_warc_files() -> list[Path]:
    if not SHARED_WARCS.is_dir():
        return []
    return sorted(SHARED_WARCS.glob("*.warc.gz"))


requires_shared_warcs = pytest.mark.skipif(
    not shared_warc_files(), reason="../shared/warcs is not present"
)


class RunOutput:
    """A finished run's output folder, with readers for its parts."""

    def __init__(self, root: Path, exit_code: int):
        self.root = root
        self.exit_code = exit_code

    @property
    def manifest(self) -> dict:
        return json.loads((self.root / "manifest.json").read_text())

    def table(self, kind: str):
        files = sorted((self.root / kind).glob("*.parquet"))
        assert files, f"no {kind} shards in {self.root}"
        return pq.ParquetDataset([str(f) for f in files]).read()

    def ledger(self) -> list[dict]:
        return self.table("provenance").to_pylist()

    def corpus(self) -> list[dict]:
        return self.table("corpus").to_pylist()


def sample_copies(folder: Path) -> tuple[list[Path], list[str]]:
    """Three copies of the sample, a/b/c.warc.gz, and the --input arguments naming them."""
    inputs = []
    for name in ("a", "b", "c"):
        inputs.append(folder / f"{name}.warc.gz")
        inputs[-1].write_bytes(Path(SAMPLE_WARC).read_bytes())
    return inputs, [arg for path in inputs for arg in ("--input", str(path))]


def run_pipeline(output: Path, *args: str) -> RunOutput:
    code = ccprov_main(["run", "--output", str(output), "--quiet", *args])
    return RunOutput(output, code)


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> RunOutput:
    """The built-in sample through the default pipeline (what `make demo` does)."""
    out = tmp_path_factory.mktemp("sample_run") / "out"
    result = run_pipeline(out)
    assert result.exit_code == 0
    return result


SHARD_ROWS = 4


@pytest.fixture(scope="session")
def sharded_run(tmp_path_factory) -> RunOutput:
    """The sample in shards of SHARD_ROWS ledger rows, dropped texts kept: several ledger,
    corpus and dropped shards, for what rewrites some shards and not others. Read only:
    tests that change it work on a copy."""
    out = tmp_path_factory.mktemp("sharded_run") / "out"
    result = run_pipeline(out, "--shard-size", str(SHARD_ROWS), "--keep-dropped")
    assert result.exit_code == 0
    assert len(result.manifest["files"]["provenance"]) > 2
    return result


@pytest.fixture(scope="session")
def shared_run(tmp_path_factory) -> RunOutput:
    """Every real WARC file in ../shared/warcs through the default pipeline."""
    files = shared_warc_files()
    if not files:
        pytest.skip("../shared/warcs is not present")
    out = tmp_path_factory.mktemp("shared_run") / "out"
    args = []
    for f in files:
        args += ["--input", str(f)]
    result = run_pipeline(out, *args, "--languages", "all")
    assert result.exit_code == 0
    return result
