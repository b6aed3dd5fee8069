"""The request body and the refusal for the guard (guard.py): read whole within a limit and a deadline,
handed to the app in one message, drained when refused, and the JSON refusal itself.

A refusal whose body is still on its way (over the size limit, or refused before it was read) is
answered at once and the connection closed after -- but not at once: closing a socket with unread
bytes in it makes the kernel send a reset, and a client that writes its whole body before it reads
(Python's http.client and requests do) then fails with "connection reset" or "broken pipe" and never
sees the 413 that explains itself (about 1 request in 3 on loopback, more over a network). So the
answer goes out whole but the response is held open while the body is read and dropped -- for at most
DRAIN_S, LINGER_IDLE_S without a byte, and LINGER_MAX_BYTES -- then it ends and the connection closes
(a "lingering close", as nginx and Apache do it). Clients that read while they write (curl, httpx) see
the answer straight away either way."""

from __future__ import annotations

import asyncio
import json

from starlette.types import Message, Receive, Send

# A refused request's unread body is drained (read and dropped) for at most this long so that the
# connection can close cleanly: closing a socket with unread bytes sends a TCP reset, and the client
# may then see "connection reset" instead of the refusal that explains itself.
DRAIN_S = 2.0
LINGER_IDLE_S = 0.5  # a refused body that stops coming for this long is not waited for
LINGER_MAX_BYTES = 64 * 1024 * 1024  # a refused body declared larger is not read at all: the connection just closes


async def read_body(receive: Receive, limit: int, timeout: float) -> bytes | int | None:
    """The whole body; 413 once more than `limit` bytes came; 408 if it is not complete within
    `timeout` seconds; None if the client disconnected."""
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    return 413
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
    except TimeoutError:
        return 408


async def drain(receive: Receive, headers: dict[bytes, bytes], limit: int, timeout: float) -> bool:
    """Reads and drops a refused request's body; True when it was read to its end (the connection can
    stay open), False when the connection must close instead."""
    if not has_body(headers):
        return True
    if b"100-continue" in headers.get(b"expect", b"").lower():
        return False  # the client waits for our go-ahead; reading would send "100 Continue" for a refused request
    try:
        if int(headers.get(b"content-length", b"0")) > limit:
            return False
    except ValueError:
        return False
    return isinstance(await read_body(receive, limit, timeout), bytes)


def replay_body(body: bytes, receive: Receive) -> Receive:
    """The app's receive: the body read by the guard, in one message; then the server's receive
    (which reports the disconnect the app may wait for)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def respond(send: Send, status: int, message: str, *, close: bool, extra: list | None = None,
                  linger: Receive | None = None) -> None:
    """The JSON refusal. `close`: the connection closes after it. `linger` (with close): the request's
    receive, whose unread body is read and dropped after the answer is sent (module docstring)."""
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(extra or [])]
    if close:
        # The request's body was not (all) read: the server would otherwise go on reading it on this
        # connection, for as long as the client cares to send.
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if linger is None or not close:
        await send({"type": "http.response.body", "body": body, "more_body": False})
        return
    # The whole answer now; the response ends (and the server closes the connection) once the body is read.
    await send({"type": "http.response.body", "body": body, "more_body": True})
    await _read_and_drop(linger)
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _read_and_drop(receive: Receive) -> None:
    read = 0
    try:
        async with asyncio.timeout(DRAIN_S):
            while read <= LINGER_MAX_BYTES:
                message = await asyncio.wait_for(receive(), LINGER_IDLE_S)
                if message["type"] == "http.disconnect" or not message.get("more_body", False):
                    return
                read += len(message.get("body", b""))
    except TimeoutError:
        return


def lingers(headers: dict[bytes, bytes]) -> bool:
    """Whether a refused request's unread body is worth reading after the answer: not when the client
    waits for "100 Continue" (it has sent nothing; reading would invite the body), nor when it declared
    more than LINGER_MAX_BYTES."""
    if not has_body(headers) or b"100-continue" in headers.get(b"expect", b"").lower():
        return False
    try:
        return int(headers.get(b"content-length", b"0")) <= LINGER_MAX_BYTES
    except ValueError:
        return False


def has_body(headers: dict[bytes, bytes]) -> bool:
    return b"transfer-encoding" in headers or headers.get(b"content-length", b"0").strip() not in (b"0", b"")
