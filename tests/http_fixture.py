"""A local HTTP server for tests that read over http(s): `http_server(directory)` serves the
folder's files and returns the base URL, honouring single `Range: bytes=a-b` requests."""

from __future__ import annotations

import http.server
import re
import threading
from pathlib import Path

import pytest


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves files from `directory`, honouring single `Range: bytes=a-b` requests."""

    directory: Path = Path(".")
    honour_ranges = True

    def do_GET(self):  # noqa: N802 - http.server's naming
        path = self.directory / self.path.lstrip("/")
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if match and self.honour_ranges:
            start = int(match.group(1))
            end = int(match.group(2)) if match.group(2) else len(data) - 1
            part = data[start : end + 1]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{start + len(part) - 1}/{len(data)}")
        else:
            part = data
            self.send_response(200)
        self.send_header("Content-Length", str(len(part)))
        self.end_headers()
        self.wfile.write(part)

    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture
def http_server(tmp_path):
    servers = []

    def start(directory: Path, honour_ranges: bool = True) -> str:
        handler = type(
            "Handler", (RangeHandler,), {"directory": directory, "honour_ranges": honour_ranges}
        )
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
