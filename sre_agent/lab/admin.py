"""A tiny control endpoint for a running `sre-agent lab up`: `lab status` and `lab inject` talk to it.

It is the lab's own back door (the world's operator), not part of the Kubernetes or AWS APIs, so
the responder never sees it: its URL is only in the env file `lab up` writes for humans."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

if TYPE_CHECKING:
    from .lab import Lab


class LabAdminServer:
    def __init__(self, lab: Lab, host: str = "127.0.0.1", port: int = 0) -> None:
        lab_ref = lab

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if urlparse(self.path).path == "/status":
                    self._reply(200, lab_ref.status())
                else:
                    self._reply(404, {"error": f"no such endpoint {self.path}; try /status or POST /inject?scenario=ID"})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                if url.path != "/inject":
                    self._reply(404, {"error": f"no such endpoint {url.path}"})
                    return
                scenario = (parse_qs(url.query).get("scenario") or [""])[0]
                try:
                    lab_ref.inject(scenario)
                except Exception as exc:  # reported to the caller, the lab keeps running
                    self._reply(400, {"error": str(exc)})
                    return
                self._reply(200, {"injected": scenario})

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="lab-admin")

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
