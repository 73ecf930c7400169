"""A finished run's output folder, local or in an object store, as the audit commands see it.

Files are read, written, renamed and deleted through Beam's FileSystems (the writer's own
layer, so local paths, s3:// and gs:// behave as they did when the run wrote them). Parquet
is read with pyarrow on a pyarrow filesystem built from the same S3 settings: that keeps
column projection and row-group pruning, so a report never downloads the corpus text.
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
from dataclasses import dataclass
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.plan import UsageError
from transforms.writer import MANIFEST, SUCCESS, TEMP_DIR

INCOMPLETE_HINT = (
    "the run did not finish, or a takedown was interrupted (ccprov takedown OUTPUT --resume)"
)


@dataclass(frozen=True)
class S3Settings:
    """Beam's --s3_* options, with the usual AWS_* environment variables as fallback."""

    endpoint_url: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None
    region_name: str | None = None
    verify: str | None = None
    disable_ssl: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> S3Settings:
        env = os.environ.get
        return cls(
            endpoint_url=args.s3_endpoint_url
            or env("AWS_ENDPOINT_URL_S3")
            or env("AWS_ENDPOINT_URL"),
            access_key_id=args.s3_access_key_id or env("AWS_ACCESS_KEY_ID"),
            secret_access_key=args.s3_secret_access_key or env("AWS_SECRET_ACCESS_KEY"),
            session_token=args.s3_session_token or env("AWS_SESSION_TOKEN"),
            region_name=args.s3_region_name or env("AWS_REGION") or env("AWS_DEFAULT_REGION"),
            verify=args.s3_verify,
            disable_ssl=bool(args.s3_disable_ssl),
        )

    def beam_args(self) -> list[str]:
        flags = {
            "s3_endpoint_url": self.endpoint_url,
            "s3_access_key_id": self.access_key_id,
            "s3_secret_access_key": self.secret_access_key,
            "s3_session_token": self.session_token,
            "s3_region_name": self.region_name,
            "s3_verify": self.verify,
        }
        args = [f"--{name}={value}" for name, value in flags.items() if value]
        if self.disable_ssl:
            args.append("--s3_disable_ssl")
        return args

    def arrow_filesystem(self):
        from pyarrow import fs

        kwargs: dict = {}
        if self.endpoint_url:
            parts = urlsplit(
                self.endpoint_url if "://" in self.endpoint_url else "//" + self.endpoint_url
            )
            kwargs["endpoint_override"] = parts.netloc
            kwargs["scheme"] = parts.scheme or ("http" if self.disable_ssl else "https")
        elif self.disable_ssl:
            kwargs["scheme"] = "http"
        if self.access_key_id and self.secret_access_key:
            kwargs.update(access_key=self.access_key_id, secret_key=self.secret_access_key)
            if self.session_token:
                kwargs["session_token"] = self.session_token
        if self.region_name:
            kwargs["region"] = self.region_name
        return fs.S3FileSystem(**kwargs)


def add_storage_arguments(parser: argparse.ArgumentParser) -> None:
    """The same S3 flags `ccprov run` takes (Beam's names), for outputs and WARCs in S3."""
    group = parser.add_argument_group("object storage (Beam's S3 options)")
    for name in (
        "s3_endpoint_url",
        "s3_access_key_id",
        "s3_secret_access_key",
        "s3_session_token",
        "s3_region_name",
        "s3_verify",
    ):
        group.add_argument(f"--{name}", default=None)
    group.add_argument("--s3_disable_ssl", action="store_true", default=False)


def configure_filesystems(settings: S3Settings) -> None:
    """Point Beam's process-wide FileSystems at the S3 settings (as `ccprov run` does)."""
    from apache_beam.io.filesystems import FileSystems
    from apache_beam.options.pipeline_options import PipelineOptions

    FileSystems.set_options(PipelineOptions(settings.beam_args()))


class OutputStore:
    """OUTPUT of one run: its manifest, its shards, and file operations relative to it."""

    def __init__(self, root: str, s3: S3Settings | None = None):
        self.remote = "://" in root
        self.root = root.rstrip("/") if self.remote else os.path.abspath(root)
        self.s3 = s3 or S3Settings()
        self._arrow_fs = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> OutputStore:
        settings = S3Settings.from_args(args)
        configure_filesystems(settings)
        return cls(args.output, settings)

    # --- paths ---------------------------------------------------------------------------
    def path(self, *parts: str) -> str:
        if self.remote:
            return posixpath.join(self.root, *parts)
        return os.path.join(self.root, *parts)

    def arrow_path(self, *parts: str) -> str:
        """The path pyarrow's filesystem wants: "bucket/key" for S3, a local path otherwise."""
        full = self.path(*parts)
        if self.remote:
            return full.split("://", 1)[1]
        return full

    @property
    def arrow_fs(self):
        if self._arrow_fs is None:
            if not self.remote:
                from pyarrow import fs

                self._arrow_fs = fs.LocalFileSystem()
            elif self.root.startswith("s3://"):
                self._arrow_fs = self.s3.arrow_filesystem()
            else:
                # gs:// and friends: let pyarrow pick (it knows gs://) from the URI itself.
                from pyarrow import fs

                self._arrow_fs, _ = fs.FileSystem.from_uri(self.root)
        return self._arrow_fs

    # --- file operations (Beam FileSystems) ------------------------------------------------
    def exists(self, rel: str) -> bool:
        from apache_beam.io.filesystems import FileSystems

        return FileSystems.exists(self.path(rel))

    def read_bytes(self, rel: str) -> bytes:
        from apache_beam.io.filesystem import CompressionTypes
        from apache_beam.io.filesystems import FileSystems

        with FileSystems.open(
            self.path(rel), compression_type=CompressionTypes.UNCOMPRESSED
        ) as handle:
            return handle.read()

    def write_bytes(self, rel: str, data: bytes) -> None:
        from apache_beam.io.filesystem import CompressionTypes
        from apache_beam.io.filesystems import FileSystems

        path = self.path(rel)
        if not self.remote:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            handle.write(data)

    def rename(self, src_rel: str, dst_rel: str) -> None:
        from apache_beam.io.filesystems import FileSystems

        dst = self.path(dst_rel)
        if not self.remote:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
        FileSystems.rename([self.path(src_rel)], [dst])

    def delete(self, rel: str) -> None:
        from apache_beam.io.filesystems import FileSystems

        FileSystems.delete([self.path(rel)])

    def delete_tree(self, rel: str) -> None:
        """Delete everything under `rel` (a folder locally, a prefix in an object store)."""
        from apache_beam.io.filesystems import FileSystems

        for path in self.list_files(rel):
            FileSystems.delete([path])
        if not self.remote and os.path.isdir(self.path(rel)):
            import shutil

            shutil.rmtree(self.path(rel), ignore_errors=True)

    def remove_empty_folder(self, rel: str) -> None:
        """Local outputs only: object stores have no empty folders to remove."""
        if not self.remote:
            try:
                os.rmdir(self.path(rel))
            except OSError:  # not empty, or already gone
                pass

    def list_files(self, rel: str, pattern: str = "**") -> list[str]:
        """Full paths of the files under `rel` matching `pattern`; [] when there are none."""
        from apache_beam.io.filesystems import FileSystems

        try:
            result = FileSystems.match([self.path(rel, pattern)])[0]
        except Exception:  # noqa: BLE001 - no such folder or prefix
            return []
        return sorted(m.path for m in result.metadata_list if not m.path.endswith("/"))

    # --- the run's parts -------------------------------------------------------------------
    def require_finished(self) -> None:
        if not self.exists(MANIFEST):
            raise UsageError(f"{self.root} has no {MANIFEST}: not a ccprov output")
        if not self.exists(SUCCESS):
            raise UsageError(f"{self.root} has no {SUCCESS}: {INCOMPLETE_HINT}")

    def manifest(self) -> dict:
        try:
            return json.loads(self.read_bytes(MANIFEST))
        except FileNotFoundError as exc:
            raise UsageError(f"{self.root} has no {MANIFEST}: not a ccprov output") from exc

    def shard_names(self, kind: str) -> list[str]:
        """Parquet shard names in OUTPUT/<kind>/, by listing (the manifest may be older)."""
        names = [p.rsplit("/", 1)[-1] for p in self.list_files(kind, "*.parquet")]
        return sorted(n for n in names if n.endswith(".parquet"))

    def shard_arrow_paths(self, kind: str) -> list[str]:
        return [self.arrow_path(kind, name) for name in self.shard_names(kind)]

    def read_shard(self, kind: str, name: str, columns: list[str] | None = None) -> pa.Table:
        return pq.read_table(self.arrow_path(kind, name), columns=columns, filesystem=self.arrow_fs)

    def dataset(self, kind: str):
        """A pyarrow dataset over OUTPUT/<kind>/*.parquet, or None when there are no shards."""
        import pyarrow.dataset as ds

        paths = self.shard_arrow_paths(kind)
        if not paths:
            return None
        return ds.dataset(paths, format="parquet", filesystem=self.arrow_fs)

    def temp_prefix(self, name: str) -> str:
        return f"{TEMP_DIR}/{name}"
