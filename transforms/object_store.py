"""One boto3 S3 client per process and per set of S3 options, instead of one per operation.

Beam's S3 filesystem builds a new `S3IO`, and with it a new boto3 *session* and client, for
every call (`exists`, `create`, `open`, `match`, `rename`, `delete`). A session loads
botocore's service models from disk, about 100 ms of CPU each time, so a run writing to S3
spent about 0.5 CPU s per input file on it. botocore clients are thread-safe and hold no
per-request state, so one per process and per set of options serves every call. Beam's
wrapper around the client keeps its own download state and is still built per call.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_clients: dict[tuple, Any] = {}
_installed = False


def _client_settings(options: Any) -> dict[str, Any]:
    """The keyword arguments Beam's wrapper passes to boto3 for these options."""
    from apache_beam.options import pipeline_options

    if isinstance(options, pipeline_options.PipelineOptions):
        s3 = options.view_as(pipeline_options.S3Options)
        get = lambda name, default=None: getattr(s3, name, default)  # noqa: E731
    else:
        get = options.get
    return {
        "region_name": get("s3_region_name"),
        "api_version": get("s3_api_version"),
        "use_ssl": not get("s3_disable_ssl", False),
        "verify": get("s3_verify"),
        "endpoint_url": get("s3_endpoint_url"),
        "aws_access_key_id": get("s3_access_key_id"),
        "aws_secret_access_key": get("s3_secret_access_key"),
        "aws_session_token": get("s3_session_token"),
    }


def shared_boto3_client(options: Any) -> Any:
    """The process's boto3 S3 client for these options (made on first use)."""
    settings = _client_settings(options)
    key = tuple(sorted((name, repr(value)) for name, value in settings.items()))
    with _lock:
        client = _clients.get(key)
        if client is None:
            import boto3

            client = boto3.session.Session().client(service_name="s3", **settings)
            _clients[key] = client
        return client


def share_s3_clients() -> None:
    """Make Beam's S3 client wrapper reuse `shared_boto3_client` (idempotent)."""
    global _installed
    if _installed:
        return
    try:
        from apache_beam.io.aws.clients.s3 import boto3_client
    except ImportError:  # no AWS extra: nothing to share
        return
    if boto3_client.boto3 is None:
        return

    def init(self, options):
        self.client = shared_boto3_client(options)
        self._download_request = None
        self._download_stream = None
        self._download_pos = 0

    boto3_client.Client.__init__ = init
    _installed = True


def object_url_problem(url: str) -> str | None:
    """Why a folder URL given as an output would not name the prefix its user means, else None.

    Only s3:// and gs:// are outputs. Object stores take keys literally: `s3://b/x//y` and
    `s3://b/x/./y` are other prefixes than `s3://b/x/y`, and Beam's globbing of them does not
    list what was written there, so a run into such a prefix could neither find nor replace
    its previous shards.
    """
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in ("s3", "gs"):
        return "is neither a local path nor an s3:// or gs:// URL"
    bucket, _, key = rest.partition("/")
    if bucket in ("", ".", ".."):
        return "names no bucket"
    key = key.rstrip("/")
    segments = key.split("/") if key else []
    if "" in segments:
        return "has an empty path segment ('//'), which object stores take literally"
    if "." in segments or ".." in segments:
        return "has a '.' or '..' path segment, which object stores take literally"
    return None


def glob_pattern_problem(path: str) -> str | None:
    """Why `path` cannot be a run's output folder, local or remote, if it has glob characters.

    Beam's FileSystems.match reads every path as a pattern (and its local delete matches
    first), so a run into `out*` listed, and deleted as stale, the shards of `out1`."""
    if any(c in path for c in "*?["):
        return "has '*', '?' or '[', which Beam's file systems read as a glob pattern"
    return None
