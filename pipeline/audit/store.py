"""A finished run's output folder, local or in an object store, as the audit commands see it.

OUTPUT is read and listed through one pyarrow filesystem (local, or S3 built from the same
--s3_* settings as `ccprov run`): Parquet reads keep column projection and row-group pruning,
so a report never downloads the corpus text. In S3, objects are written, copied and deleted
with one boto3 client, because pyarrow would leave empty "directory marker" objects behind
deletes. Beam's FileSystems, configured from the same settings, reads the inputs: the WARC
files `trace` goes back to.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import posixpath
from dataclasses import dataclass
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.plan import UsageError
from transforms.object_store import object_url_problem
from transforms.writer import MANIFEST, RUN_LOCK, SUCCESS, TEMP_DIR

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
        endpoint = args.s3_endpoint_url
        if endpoint and not endpoint.lower().startswith(("http://", "https://")):
            # botocore raises on it (a traceback); pyarrow would quietly assume https.
            raise UsageError(f"--s3_endpoint_url {endpoint}: needs http:// or https://")
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

    def boto3_client(self, **config):
        """A boto3 S3 client; `config` adds botocore Config settings (timeouts, retries)."""
        import boto3
        from botocore.config import Config

        verify = None if self.verify is None else self.verify.lower() not in ("false", "0", "no")
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            aws_session_token=self.session_token,
            region_name=self.region_name,
            use_ssl=not self.disable_ssl,
            verify=verify,
            # S3-compatible stores at a custom endpoint rarely resolve bucket subdomains.
            config=Config(
                s3={"addressing_style": "path" if self.endpoint_url else "auto"}, **config
            ),
        )


def _retried(call, rel: str):
    """A boto3 write, delete or copy, retried while the store is away (as `ccprov run`
    retries its writes); every one of them is idempotent."""
    from transforms.warc_reader import retry_transient

    return retry_transient(call, f"write {rel}")


def is_boto_error(exc: BaseException) -> bool:
    """Whether `exc` is boto3's: an answer from S3, or no answer (the network)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return isinstance(exc, (ClientError, BotoCoreError))


def s3_failure(exc: Exception, where: str, what: str) -> str | None:
    """One line for a failed boto3 call on `what` (a bucket or an object) at `where`, or None
    when the error is not S3's or the network's."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchBucket", "NoSuchKey", "NotFound"):
            return f"{what} does not exist at {where}"
        if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            return (
                f"{what} at {where} refused access (HTTP 403): "
                "check --s3_access_key_id/--s3_secret_access_key"
            )
        return f"{what} at {where} answered {code}"
    if isinstance(exc, NoCredentialsError):
        # "Unable to locate credentials": the server was never asked.
        return (
            f"no S3 credentials for {what} at {where}: give --s3_access_key_id and "
            "--s3_secret_access_key (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        )
    if isinstance(exc, BotoCoreError):
        # "Parameter validation failed:\nInvalid bucket name ...": the reason is below.
        reason = " ".join(str(exc).split())[:300]
        return f"cannot reach S3 at {where}: {reason}"
    return None


def _s3_head_problem(settings: S3Settings, what: str, bucket: str, key: str | None) -> str | None:
    """Why a HEAD of the bucket (or of its object `key`) fails, in one line naming `what`, or
    None if it succeeds. Short timeouts and three attempts: Beam's S3 layer retries an endpoint
    that does not answer, or missing credentials, for minutes, printing tracebacks."""
    client = settings.boto3_client(connect_timeout=10, read_timeout=20, retries={"max_attempts": 3})
    try:
        if key is None:
            client.head_bucket(Bucket=bucket)
        else:
            client.head_object(Bucket=bucket, Key=key)
    except Exception as exc:  # noqa: BLE001 - s3_failure says which ones are expected
        problem = s3_failure(exc, settings.endpoint_url or "AWS S3", what)
        if problem is None:
            raise
        return problem
    return None


def check_s3_bucket(settings: S3Settings, bucket: str) -> None:
    """A missing bucket, refused credentials or an endpoint that does not answer is a
    UsageError, found before any work."""
    problem = _s3_head_problem(settings, f"S3 bucket {bucket}", bucket, None)
    if problem:
        raise UsageError(problem)


def check_s3_output_writable(settings: S3Settings, url: str) -> None:
    """Write and delete one small object under OUTPUT/_temporary/: credentials that may read
    the bucket but not write to it are found before any work, not at the run's first write."""
    import uuid

    bucket, _, prefix = url[len("s3://") :].partition("/")
    key = "/".join(
        part
        for part in (prefix.strip("/"), TEMP_DIR, f".ccprov-write-check-{uuid.uuid4().hex}")
        if part
    )
    client = settings.boto3_client(connect_timeout=10, read_timeout=20, retries={"max_attempts": 3})
    try:
        client.put_object(Bucket=bucket, Key=key, Body=b"ccprov")
        client.delete_object(Bucket=bucket, Key=key)
    except Exception as exc:  # noqa: BLE001 - s3_failure says which ones are expected
        problem = s3_failure(exc, settings.endpoint_url or "AWS S3", f"--output {url}")
        if problem is None:
            raise
        raise UsageError(problem) from None


def s3_object_problem(settings: S3Settings, url: str) -> str | None:
    """Why the s3:// object `url` cannot be read, or None if it can."""
    bucket, _, key = url[len("s3://") :].partition("/")
    return _s3_head_problem(settings, url, bucket, key)


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


@contextlib.contextmanager
def naming_the_shard(kind: str, name: str):
    """pyarrow's errors about a damaged file do not say which file: add it."""
    try:
        yield
    except pa.ArrowException as exc:
        raise pa.ArrowInvalid(f"{kind}/{name}: {str(exc).splitlines()[0][:200]}") from exc


GCS_RETRY_SECONDS = 20


class OutputStore:
    """OUTPUT of one run: its manifest, its shards, and file operations relative to it."""

    def __init__(self, root: str, s3: S3Settings | None = None):
        self.remote = "://" in root
        problem = object_url_problem(root) if self.remote else None
        if problem:
            raise UsageError(f"{root} {problem}")
        self.root = root.rstrip("/") if self.remote else os.path.abspath(root)
        self.s3 = s3 or S3Settings()
        self._arrow_fs = None
        self._s3_client = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> OutputStore:
        settings = S3Settings.from_args(args)
        configure_filesystems(settings)
        return cls(args.output, settings)

    # --- paths ---------------------------------------------------------------------------
    @staticmethod
    def _local_target(target: str) -> str | None:
        """A local path for `target` (DuckDB and Beam also take file:/path and file:///path),
        or None for another scheme."""
        if target.lower().startswith("file:"):
            rest = target[len("file:") :]
            if rest.lower().startswith("//localhost/"):  # DuckDB: file://localhost/path
                rest = rest[len("//localhost") :]
            return "/" + rest.lstrip("/") if rest.startswith("//") else rest
        return None if "://" in target else target

    def contains(self, target: str, or_above: bool = False) -> bool:
        """Whether writing `target` would write inside this output (its shards, manifest...):
        the audit commands' own files (exports, reports, payloads) go elsewhere. With
        `or_above`, also a folder that holds the output (a COPY with OVERWRITE empties it)."""
        if self.remote:
            target = target.rstrip("/")
            inside = target == self.root or target.startswith(self.root + "/")
            return inside or (or_above and self.root.startswith(target + "/"))
        local = self._local_target(target)
        if local is None:
            return False
        path = os.path.realpath(os.path.expanduser(local))
        root = os.path.realpath(self.root)
        inside = path == root or path.startswith(root + os.sep)
        return inside or (or_above and root.startswith(path.rstrip(os.sep) + os.sep))

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
            elif self.root.startswith("gs://"):
                import datetime

                from pyarrow import fs

                # pyarrow retries a GCS request for 15 minutes by default: a bucket out of
                # reach (no credentials, no network) looked like a hang.
                self._arrow_fs = fs.GcsFileSystem(
                    retry_time_limit=datetime.timedelta(seconds=GCS_RETRY_SECONDS)
                )
            else:
                from pyarrow import fs

                self._arrow_fs, _ = fs.FileSystem.from_uri(self.root)
        return self._arrow_fs

    # --- file operations (pyarrow filesystem), paths relative to OUTPUT ---------------------
    def exists(self, rel: str) -> bool:
        from pyarrow import fs

        return self.arrow_fs.get_file_info(self.arrow_path(rel)).type != fs.FileType.NotFound

    def read_bytes(self, rel: str) -> bytes:
        try:
            with self.arrow_fs.open_input_stream(self.arrow_path(rel)) as handle:
                return handle.read()
        except FileNotFoundError:
            raise
        except OSError as exc:  # pyarrow's S3 "not found" is an OSError with a path
            if not self.exists(rel):
                raise FileNotFoundError(self.path(rel)) from exc
            raise

    def _parent(self, rel: str) -> None:
        if not self.remote:
            os.makedirs(os.path.dirname(self.path(rel)), exist_ok=True)

    def _s3(self):
        """(boto3 client, bucket, key of OUTPUT/rel) for s3:// outputs, else None."""
        if not self.root.startswith("s3://"):
            return None
        if self._s3_client is None:
            self._s3_client = self.s3.boto3_client()
        return self._s3_client

    def check_bucket(self) -> None:
        """For s3:// outputs: the bucket exists and takes these credentials, checked before
        any work (a write would otherwise find out, after the reading)."""
        if self.root.startswith("s3://"):
            check_s3_bucket(self.s3, self.root[len("s3://") :].split("/", 1)[0])

    def _bucket_key(self, rel: str) -> tuple[str, str]:
        bucket, _, key = self.arrow_path(rel).partition("/")
        return bucket, key

    def write_bytes(self, rel: str, data: bytes) -> None:
        client = self._s3()
        if client is not None:
            bucket, key = self._bucket_key(rel)
            _retried(lambda: client.put_object(Bucket=bucket, Key=key, Body=data), rel)
            return
        self._parent(rel)
        with self.arrow_fs.open_output_stream(self.arrow_path(rel)) as handle:
            handle.write(data)

    def open_output(self, rel: str):
        """A writable stream to OUTPUT/rel, for files too large to build in memory first (in
        an object store, a multipart upload)."""
        self._parent(rel)
        return self.arrow_fs.open_output_stream(self.arrow_path(rel))

    def rename(self, src_rel: str, dst_rel: str) -> None:
        """Local: an atomic rename. Object stores: copy, then delete."""
        client = self._s3()
        if client is not None:
            src_bucket, src_key = self._bucket_key(src_rel)
            dst_bucket, dst_key = self._bucket_key(dst_rel)
            source = {"Bucket": src_bucket, "Key": src_key}
            _retried(lambda: client.copy(source, dst_bucket, dst_key), dst_rel)
            _retried(lambda: client.delete_object(Bucket=src_bucket, Key=src_key), src_rel)
            return
        self._parent(dst_rel)
        self.arrow_fs.move(self.arrow_path(src_rel), self.arrow_path(dst_rel))

    def delete(self, rel: str) -> None:
        client = self._s3()
        if client is not None:
            bucket, key = self._bucket_key(rel)
            _retried(lambda: client.delete_object(Bucket=bucket, Key=key), rel)
            return
        self.arrow_fs.delete_file(self.arrow_path(rel))

    def delete_tree(self, rel: str) -> None:
        """Delete everything under `rel` (a folder locally, a prefix in an object store)."""
        for path in self.list_files(rel):
            self.delete(path)
        if not self.remote:
            import shutil

            shutil.rmtree(self.path(rel), ignore_errors=True)

    def remove_empty_folder(self, rel: str) -> None:
        """Local outputs only: object stores have no empty folders to remove."""
        if not self.remote:
            try:
                os.rmdir(self.path(rel))
            except OSError:  # not empty, or already gone
                pass

    def list_files(self, rel: str, pattern: str = "*") -> list[str]:
        """Files under `rel` (recursively) whose path below `rel` matches the glob `pattern`
        (`*` also matches `/`); paths relative to OUTPUT, sorted."""
        import fnmatch

        from pyarrow import fs

        base = self.arrow_path(rel)
        selector = fs.FileSelector(base, recursive=True, allow_not_found=True)
        try:
            infos = self.arrow_fs.get_file_info(selector)
        except (FileNotFoundError, NotADirectoryError):
            return []
        found = []
        for info in infos:
            if info.type != fs.FileType.File:
                continue
            below = info.path[len(base) :].lstrip("/")
            if fnmatch.fnmatchcase(below, pattern):
                found.append(f"{rel}/{below}")
        return sorted(found)

    # --- the run's parts -------------------------------------------------------------------
    def require_finished(self) -> None:
        """A finished output whose manifest reads and whose listed shards are all there:
        otherwise a report would count what is left, and a trace say "no such row"."""
        if not (self.exists(MANIFEST) and self.exists(SUCCESS)):
            writer = self.run_writing()
            if writer:
                raise UsageError(
                    f"a ccprov run (pid {writer}) is writing {self.root}: wait for it to finish"
                )
        if not self.exists(MANIFEST):
            raise UsageError(f"{self.root} has no {MANIFEST}: not a ccprov output")
        if not self.exists(SUCCESS):
            raise UsageError(f"{self.root} has no {SUCCESS}: {INCOMPLETE_HINT}")
        missing = []
        for kind, entries in self.manifest()["files"].items():
            present = set(self.shard_names(kind))
            missing += [e["path"] for e in entries if e["path"].rsplit("/", 1)[-1] not in present]
        if missing:
            raise UsageError(
                f"{self.root} is damaged: {len(missing)} file(s) its {MANIFEST} lists are "
                f"missing ({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''})"
            )

    def run_writing(self) -> str | None:
        """The pid of a local `ccprov run` writing this output now (it holds RUN_LOCK), else
        None. During a run the previous manifest is gone: "not a ccprov output" misled."""
        if self.remote:
            return None
        try:
            import fcntl

            handle = open(self.path(RUN_LOCK))  # noqa: SIM115 - closed below
        except (ImportError, OSError):
            return None
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return handle.read().strip() or "unknown"
            except OSError:
                return None
            return None

    def manifest(self) -> dict:
        try:
            manifest = json.loads(self.read_bytes(MANIFEST))
        except FileNotFoundError as exc:
            raise UsageError(f"{self.root} has no {MANIFEST}: not a ccprov output") from exc
        except ValueError as exc:  # JSONDecodeError, or bytes that are not UTF-8
            raise UsageError(f"{self.root}/{MANIFEST} is damaged: {exc}") from exc
        if not (
            isinstance(manifest, dict)
            and isinstance(manifest.get("files"), dict)
            and isinstance(manifest.get("counts"), dict)
            and all(isinstance(v, list) for v in manifest["files"].values())
        ):
            raise UsageError(f"{self.root}/{MANIFEST} is not a ccprov manifest")
        return manifest

    def shard_names(self, kind: str) -> list[str]:
        """Parquet shard names in OUTPUT/<kind>/, by listing (the manifest may be older)."""
        return sorted(p.rsplit("/", 1)[-1] for p in self.list_files(kind, "*.parquet"))

    def shard_arrow_paths(self, kind: str) -> list[str]:
        return [self.arrow_path(kind, name) for name in self.shard_names(kind)]

    def read_shard(self, kind: str, name: str, columns: list[str] | None = None) -> pa.Table:
        with naming_the_shard(kind, name):
            return pq.read_table(
                self.arrow_path(kind, name), columns=columns, filesystem=self.arrow_fs
            )

    def open_shard(self, kind: str, name: str) -> pq.ParquetFile:
        """One shard, to be read a row group at a time."""
        with naming_the_shard(kind, name):
            return pq.ParquetFile(self.arrow_path(kind, name), filesystem=self.arrow_fs)

    def dataset(self, kind: str):
        """A pyarrow dataset over OUTPUT/<kind>/*.parquet, or None when there are no shards."""
        import pyarrow.dataset as ds

        paths = self.shard_arrow_paths(kind)
        if not paths:
            return None
        return ds.dataset(paths, format="parquet", filesystem=self.arrow_fs)

    def temp_prefix(self, name: str) -> str:
        return f"{TEMP_DIR}/{name}"
