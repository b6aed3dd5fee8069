"""A real uvicorn server on 127.0.0.1 in a background thread, for tests that need real sockets in the
test's own process (the app's objects stay inspectable): started, its bound port read, stopped."""

from __future__ import annotations

import threading
import time

import uvicorn


class ThreadedUvicorn:
    def __init__(self, config: uvicorn.Config, name: str = "test-uvicorn") -> None:
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name=name)
        self.port = 0

    def start(self, timeout_s: float = 60) -> int:
        """Start and wait until it listens; returns the bound port (the config may ask for port 0)."""
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self.port

    def stop(self, timeout_s: float = 60) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=timeout_s)
