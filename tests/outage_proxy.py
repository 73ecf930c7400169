"""A TCP pass-through in front of the test S3 server that takes the server away at a chosen
request, so an outage test hits the outage every time instead of racing it.

Watching the bucket for the first temporary object and then killing the server loses the race
when the run writes its few small shards faster than the watcher polls (it did on a loaded CI
machine). The proxy sees every request line as it is sent: at the first one that matches
`trigger`, it kills the real server (`server.stop()`), drops that connection without
forwarding it, and starts the server again `outage_seconds` later. While the server is gone
every connection through the proxy is closed at once, as a dead endpoint would be.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time


class OutageProxy:
    def __init__(self, server, trigger: re.Pattern[bytes], outage_seconds: float) -> None:
        self.server = server
        self.trigger = trigger
        self.outage_seconds = outage_seconds
        self.outage: dict[str, float] = {}  # stopped_at, restarted_at (monotonic)
        self.triggered_by: bytes = b""
        self._fired = threading.Event()
        self._back = threading.Event()
        self._closing = False
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._accepting = threading.Thread(target=self._accept_loop, daemon=True)
        self._accepting.start()

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._closing = True
        with contextlib.suppress(OSError):
            self._listener.close()
        if self._fired.is_set():
            self._back.wait(timeout=120)

    # --- plumbing -------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.server.ports["s3"]), timeout=5)
        except OSError:  # the server is away: the client sees its connection dropped
            client.close()
            return
        upstream.settimeout(None)
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream, watch=True)

    def _pump(self, source: socket.socket, sink: socket.socket, watch: bool = False) -> None:
        try:
            while True:
                chunk = source.recv(65536)
                if not chunk:
                    break
                # botocore sends a request's line and headers in one write, so one recv holds
                # the whole request line.
                if watch and not self._fired.is_set() and self.trigger.search(chunk):
                    self._fired.set()
                    self.triggered_by = chunk.split(b"\r\n", 1)[0]
                    self._take_server_away()
                    break
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()

    def _take_server_away(self) -> None:
        self.server.stop()
        self.outage["stopped_at"] = time.monotonic()

        def come_back() -> None:
            try:
                time.sleep(self.outage_seconds)
                # When it begins to start: the run's retries can reach it, and the run end,
                # before start() has seen it ready (CI saw the run end 0.18 s before that).
                self.outage["restarted_at"] = time.monotonic()
                self.server.start()
            finally:
                self._back.set()

        threading.Thread(target=come_back, daemon=True).start()
