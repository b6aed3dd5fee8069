"""The request-header deadline and size cap of timeouts.py, on uvicorn's httptools protocol.

h11 enforces a size cap on the request line + headers itself (h11_max_incomplete_event_size) and
shows its state (IDLE until the headers are complete); llhttp does neither, so this protocol keeps
both from the parser's own callbacks: `on_message_begin` (a request's first byte) arms the deadline
when it is not armed already, `on_headers_complete` disarms it, and the bytes fed while a request's
headers are incomplete are counted -- over `max_header_bytes` the request is refused (400) and the
connection closed, so a client that never ends a header line cannot grow the parser's buffers for as
long as the deadline allows. The count is checked after each read, so the bound is the cap plus at
most one read (uvicorn reads at most 64-256 KiB at once)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)


class HeaderTimeoutHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a request-header deadline and a cap on header bytes;
    uvicorn_config() makes a subclass with both set (uvicorn builds protocols itself)."""

    header_timeout_s: float = 10.0
    max_header_bytes: int = 16 * 1024
    _header_timer: asyncio.TimerHandle | None = None
    _awaiting_headers = True  # from the connection's start, and from each request's first byte
    _header_bytes = 0

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._header_timer = None
        self._awaiting_headers, self._header_bytes = True, 0
        self._arm()  # a connection that sends nothing at all is held to the deadline too

    def data_received(self, data: bytes) -> None:
        waiting_before = self._awaiting_headers
        if waiting_before:
            self._header_bytes += len(data)
        super().data_received(data)
        if not waiting_before and self._awaiting_headers:  # this read began the next request: it counts
            self._header_bytes += len(data)
        if self._awaiting_headers and self._header_bytes > self.max_header_bytes and not self.transport.is_closing():
            self._disarm()
            self.send_400_response("Request headers too large.")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    # --- the parser's callbacks ------------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._awaiting_headers:  # the next request on a keep-alive connection: counted from its first byte
            self._awaiting_headers, self._header_bytes = True, 0
        self._arm()  # set once per request, never pushed back by more bytes (a slowloris gets no more time)

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._disarm()
        super().on_headers_complete()

    # --- the deadline ----------------------------------------------------------------------------
    def _arm(self) -> None:
        if self._header_timer is None and not self.transport.is_closing():
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._header_timeout)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or not self._awaiting_headers:
            return
        log.debug("closing connection from %s: request headers not complete after %ss", self.client, self.header_timeout_s)
        self.transport.close()


__all__ = ["HeaderTimeoutHttpToolsProtocol", "httptools"]
