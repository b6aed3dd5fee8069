"""A request-header read timeout for uvicorn, and the uvicorn.Config that uses it.

uvicorn closes an idle keep-alive connection after `timeout_keep_alive`, but it has no deadline for
the request headers themselves: a client that connects and sends nothing, or half a request line, or
one header byte every few seconds (slowloris), holds its connection -- a socket, a file descriptor,
a slot in `limit_concurrency` -- for as long as it likes. HeaderTimeoutH11Protocol gives every request
a deadline, counted from the connection (or, on a keep-alive connection, from the next request's
first byte), by which its headers must all have arrived; it closes the connection otherwise.

Two parsers carry the same deadline: uvicorn's httptools protocol (the C parser, llhttp -- chosen
when httptools is installed: about a quarter less CPU per request than h11, see docs/benchmarks.md's
service section) and its h11 protocol (pure Python, the fallback). Only public hooks of
asyncio.Protocol (connection_made, data_received, connection_lost), the parser's own callbacks and the
h11 connection state are used, so the subclasses do not depend on uvicorn internals that move between
versions (checked against uvicorn 0.31 .. 0.54)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

# h11's default is 16 KiB too, but uvicorn lets it be raised; a service that takes small JSON bodies
# has no reason to accept more header bytes than this (bigger -> uvicorn answers 400 and closes).
MAX_HEADER_BYTES = 16 * 1024


class HeaderTimeoutH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request-header deadline. uvicorn_config() makes a subclass with
    the deadline set: uvicorn builds protocols itself (config, server_state, app_state), so the
    class, not an instance, carries it."""

    header_timeout_s: float = 10.0
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer = None
        self._watch_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def _watch_headers(self) -> None:
        # h11 stays IDLE on the client's side until a request's headers are complete; any other state
        # (SEND_BODY, DONE, MUST_CLOSE, ERROR, a protocol switch) means there are no headers to wait for.
        # The deadline is set once per request and never pushed back by more bytes: a slowloris client
        # trickling a byte at a time gets no more time than one that sends nothing.
        waiting = self.conn.their_state is h11.IDLE and not self.transport.is_closing()
        if waiting and self._header_timer is None:
            self._header_timer = asyncio.get_running_loop().call_later(self.header_timeout_s, self._header_timeout)
        elif not waiting:
            self._stop_header_timer()

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        # Debug, not warning: a thousand half-open connections would otherwise be a thousand log lines.
        log.debug("closing connection from %s: request headers not complete after %ss", self.client, self.header_timeout_s)
        try:
            self.conn.send(h11.ConnectionClosed())
        except h11.LocalProtocolError:
            pass
        self.transport.close()


Parser = Literal["auto", "httptools", "h11"]


def httptools_available() -> bool:
    try:
        import httptools  # noqa: F401
    except ImportError:
        return False
    return True


def uvicorn_config(app: Any, host: str, port: int, *, header_timeout_s: float = 10.0, limit_concurrency: int | None = None,
                   h11_max_incomplete_event_size: int = MAX_HEADER_BYTES, parser: Parser = "auto",
                   **kw: Any) -> uvicorn.Config:
    """A uvicorn.Config serving `app` with a request-header deadline of `header_timeout_s` and at most
    `h11_max_incomplete_event_size` bytes of request line + headers (the name is uvicorn's; both
    parsers obey it). `parser`: "auto" is httptools when installed, else h11. `limit_concurrency`
    (uvicorn's: connections + tasks above it get 503) stays off by default: half-open connections
    count towards it until the header deadline reaps them. Other keywords go to uvicorn.Config as they
    are (timeout_keep_alive, log_level, ...); the event loop is uvicorn's "auto" (uvloop when installed)."""
    if header_timeout_s <= 0:
        raise ValueError(f"header_timeout_s must be > 0 seconds, not {header_timeout_s}")
    if "http" in kw:
        raise TypeError("uvicorn_config() chooses the HTTP protocol itself (a parser with a header timeout); "
                        "do not pass http= (pass parser='h11' or 'httptools')")
    if parser not in ("auto", "httptools", "h11"):
        raise ValueError(f"parser must be auto, httptools or h11, not {parser!r}")
    if parser == "httptools" or (parser == "auto" and httptools_available()):
        from .timeouts_httptools import HeaderTimeoutHttpToolsProtocol

        base: type = HeaderTimeoutHttpToolsProtocol
    else:
        base = HeaderTimeoutH11Protocol
    protocol = type(base.__name__, (base,), {"header_timeout_s": float(header_timeout_s),
                                             "max_header_bytes": int(h11_max_incomplete_event_size)})
    return uvicorn.Config(app, host=host, port=port, http=protocol, limit_concurrency=limit_concurrency,
                          h11_max_incomplete_event_size=h11_max_incomplete_event_size, **kw)
