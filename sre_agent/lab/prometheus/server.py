"""The lab's scrape target: `GET /metrics` on a loopback port, answered with a fresh exposition each time
(Content-Type text/plain; version=0.0.4). Bound at construction, so its URL is known before `start()`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

from .scrape import CONTENT_TYPE

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"


class MetricsServer:
    def __init__(self, render: Callable[[], bytes], host: str = "127.0.0.1", port: int = 0) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass  # a scraper calls every few seconds: one line each would bury the CLI's output

            def _reply(self, code: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if urlparse(self.path).path != METRICS_PATH:
                    self._reply(404, f"no such endpoint {self.path}; metrics are at {METRICS_PATH}\n".encode())
                    return
                try:
                    body = render()
                except Exception as exc:  # a world bug answers this scrape with a 500; the server keeps serving
                    log.exception("lab metrics failed to render")
                    self._reply(500, f"the lab could not render its metrics: {type(exc).__name__}: {exc}\n".encode())
                    return
                self._reply(200, body, CONTENT_TYPE)

        self._host = host
        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        daemon=True, name="lab-metrics")

    @property
    def url(self) -> str:
        """The scrape URL: http://host:port/metrics."""
        return f"http://{self._host}:{self._server.server_port}{METRICS_PATH}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
