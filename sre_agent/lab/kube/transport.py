"""The lab API server's HTTP/1.1 transport: a threading server that tracks its open keep-alive
connections (so `stop()` can close them), and a request handler that reads bodies (with a size cap
and chunked encoding) and writes whatever `Response` the API answers. It knows nothing about
Kubernetes beyond the Status objects it sends for transport-level errors."""

from __future__ import annotations

import logging
import socket
import ssl
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from .errors import ApiError
from .messages import Response, error_response, method_not_allowed

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 32 * 1024 * 1024  # larger than any object kube-apiserver accepts (3 MiB in etcd)


class RequestHandler(Protocol):
    """What the transport hands each request to (the API server)."""

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Serve one request; never raises."""


class HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type, api: RequestHandler,
                 tls: ssl.SSLContext | None = None) -> None:
        self.api = api
        self.tls = tls  # HTTPS: each connection's handshake runs on its own thread (finish_request)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(30)  # a client that never finishes its handshake does not hold the thread for ever
        try:
            conn = self.tls.wrap_socket(request, server_side=True)  # takes the socket over
        except (ssl.SSLError, OSError) as exc:
            log.debug("lab API server: TLS handshake with %s failed: %r", client_address, exc)
            return
        with self._open_lock:
            self._open.discard(request)
            self._open.add(conn)
        try:
            super().finish_request(conn, client_address)
        finally:
            with self._open_lock:
                self._open.discard(conn)
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):  # a client hung up or idled out: routine
            log.debug("lab API server: connection from %s closed: %r", client_address, exc)
        else:
            log.exception("lab API server: connection from %s failed", client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the client's connection pool reuses sockets
    server_version = "sre-lab-apiserver/1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    timeout = 120  # idle keep-alive connections are closed after this many seconds
    server: HTTPServer

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_OPTIONS(self) -> None:
        self._serve("OPTIONS")

    def _serve(self, method: str) -> None:
        try:
            body = self._read_body()
        except ApiError as exc:
            self.close_connection = True  # the rest of the body is still on the wire
            response = error_response(exc)
        else:
            if method in ("HEAD", "OPTIONS"):
                response = error_response(method_not_allowed(method, self.path))
            else:
                response = self.server.api.handle(method, self.path, self.headers, body)
        if response.stream is not None:
            self._send_stream(response)
            return
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("Cache-Control", "no-cache, private")
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _send_stream(self, response: Response) -> None:
        """A watch: chunked, each event flushed as it comes; the connection closes at the end."""
        assert response.stream is not None
        self.close_connection = True
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-cache, private")
            self.end_headers()
            self.wfile.flush()
            for chunk in response.stream:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            pass  # the client went away
        finally:
            close = getattr(response.stream, "close", None)
            if close is not None:
                close()  # unregisters the watcher

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length_header = self.headers.get("Content-Length")
        if not length_header:
            return b""
        try:
            length = int(length_header)
        except ValueError:
            raise ApiError.bad_request(f"Content-Length {length_header!r} is not a number") from None
        if length > MAX_BODY_BYTES:
            raise ApiError(413, "RequestEntityTooLarge", f"the request body ({length} bytes) is larger than the "
                           f"lab API server accepts ({MAX_BODY_BYTES} bytes)")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ApiError.bad_request("malformed chunked request body") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise ApiError(413, "RequestEntityTooLarge", "the chunked request body is too large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)  # the CRLF after each chunk

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("%s - %s", self.address_string(), format % args)
