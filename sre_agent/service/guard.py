"""The HTTP hardening of `sre-agent serve`: ASGI middleware that wraps any app.

    guard(app, GuardSettings(token=..., allowed_hosts=[...])) -> app

For every http request, in this order (lifespan and websocket scopes pass through untouched):

1. Host: the Host header must be one of `allowed_hosts` (421 otherwise). A browser tricked by DNS
   rebinding sends the attacker's host name, so this keeps web pages off a loopback service.
2. Auth: `Authorization: Bearer <token>`, the scheme in any case (RFC 9110 makes it case-insensitive),
   compared in constant time (401 otherwise) -- except GET/HEAD on `public_paths` (health probes) and
   `signature_auth_paths`, whose handler authenticates the body (SNS signatures).
3. Browsers: a state-changing request (POST/PUT/PATCH/DELETE) carrying an Origin not in
   `allowed_origins`, or marked `Sec-Fetch-Site: cross-site`, is refused (403); no Origin header means
   no browser. Its body must be declared application/json (415) -- a page can only send a JSON
   content type cross-origin after a CORS preflight this service never grants. Signature paths are
   exempt (SNS posts text/plain).
4. Body: read here, whole, before the app runs: a Content-Length over `max_body_bytes` is refused
   without reading (413); a chunked body is counted as it arrives and refused once over (413); a body
   not complete within `body_timeout_s` is refused (408). The app then gets the body in one message,
   so it never sees more than the limit and never waits on a slow client.

The web console (`console_prefix`, /ui) is the same service for a browser, with the same rules in
browser terms: the bearer token is exchanged once for a session cookie (POST /ui/login; the cookie
is HttpOnly, SameSite=Strict, signed with a key derived from the token -- console/session.py), and
a page without a session is redirected to the login form (303). A state-changing console request
must come from the service's own origin (or `allowed_origins`), never marked cross-site, as a form
or JSON, and carry the session's CSRF token (form field `csrf_token` or header X-CSRF-Token) --
checked here, after the body is read. The session and the key ride to the console in the request's
scope state (`console_session`, `console_sessions`); the console never sees the token.

Every refusal is a JSON `{"error": "..."}` that says what was wrong and what to send instead; none
echoes configuration or internals (no token, no list of allowed hosts). Each API refusal is also
reported, by reason (REFUSAL_REASONS), to `on_refusal` -- by default the wrapped app's
`guard_refused` when it has one (the service counts them in /metrics)."""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Callable
from urllib.parse import parse_qs, quote

from pydantic import BaseModel, Field, field_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..console.session import CSRF_FIELD, CSRF_HEADER, ConsoleSession, SessionKeys, cookie_from

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A refused request's unread body is drained (read and dropped) for at most this long so that the
# connection can close cleanly: closing a socket with unread bytes sends a TCP reset, and the client
# may then see "connection reset" instead of the refusal that explains itself.
DRAIN_S = 2.0
_SHOWN = 80  # at most this many characters of a client's header value are echoed back in an error
# Why the guard refused, by the status it answered (each status has one cause here): /metrics's reason label.
REFUSAL_REASONS = {400: "bad_header", 401: "unauthorized", 403: "cross_origin", 408: "body_timeout",
                   413: "body_too_large", 415: "content_type", 421: "wrong_host"}


class GuardSettings(BaseModel):
    token: str | None = Field(repr=False)  # None: no auth (only allowed on loopback -- the caller checks that)
    max_body_bytes: int = Field(1_048_576, gt=0)
    body_timeout_s: float = Field(10.0, gt=0)  # the whole body must arrive within this
    allowed_hosts: list[str] = Field(min_length=1)  # host or host:port (an entry without a port allows any); "*" any
    allowed_origins: list[str] = []  # Origin values accepted on state-changing requests
    public_paths: list[str] = ["/healthz", "/readyz", "/ping"]  # no auth, GET/HEAD only
    signature_auth_paths: list[str] = []  # authenticated by the handler: no bearer token, no JSON content-type rule
    # The web console's paths (api.py mounts it at /ui): session cookie + CSRF instead of the bearer token.
    console_prefix: str | None = "/ui"

    @field_validator("token")
    @classmethod
    def _token_not_empty(cls, token: str | None) -> str | None:
        # An empty token would accept "Authorization: Bearer" with nothing after it.
        if token is not None and not token.strip():
            raise ValueError("the token is empty: set a token, or None for no auth (loopback only)")
        return token

    @field_validator("allowed_hosts")
    @classmethod
    def _normal_hosts(cls, hosts: list[str]) -> list[str]:
        return [_bracket_ipv6(host.strip().lower()) for host in hosts]

    @field_validator("allowed_origins")
    @classmethod
    def _normal_origins(cls, origins: list[str]) -> list[str]:
        return [origin.strip().lower().rstrip("/") for origin in origins]


def guard(app: ASGIApp, settings: GuardSettings, on_refusal: Callable[[str], None] | None = None) -> ASGIApp:
    """`app` behind the rules above (module docstring). `on_refusal(reason)` is told of every API
    refusal; default: the app's own `guard_refused`, if it has one."""
    report: Callable[[str], None] | None = on_refusal or getattr(app, "guard_refused", None)

    def refused_for(status: int) -> None:
        if report is not None:
            try:
                report(REFUSAL_REASONS.get(status, str(status)))
            except Exception:  # noqa: BLE001 -- counting never changes the answer
                pass
    token = settings.token.encode() if settings.token is not None else None
    any_host = "*" in settings.allowed_hosts
    hosts = frozenset(settings.allowed_hosts)
    origins = frozenset(settings.allowed_origins)
    public = frozenset(settings.public_paths)
    signed = frozenset(settings.signature_auth_paths)
    limit, body_timeout = settings.max_body_bytes, settings.body_timeout_s

    console = settings.console_prefix.rstrip("/") if settings.console_prefix else None
    keys = SessionKeys(settings.token) if console else None

    def host_refusal(host_values: list[bytes]) -> tuple[int, str, list] | None:
        if not any_host:
            if not host_values:
                return 400, "the request has no Host header: send one naming this service (host or host:port)", []
            for value in host_values:
                if not _host_allowed(_text(value).strip().lower(), hosts):
                    return 421, (f"host {_shown(value)!r} is not served here: to serve it under that name, add it to "
                                 "service.allowed_hosts (host or host:port); otherwise call the service by its configured name"), []
        return None

    def refusal(scope: Scope, headers: dict[bytes, bytes], host_values: list[bytes]) -> tuple[int, str, list] | None:
        method, path = scope["method"], scope["path"]
        wrong_host = host_refusal(host_values)
        if wrong_host is not None:
            return wrong_host
        if token is not None and path not in signed and not (method in ("GET", "HEAD") and path in public):
            scheme, _, credentials = headers.get(b"authorization", b"").strip().partition(b" ")
            if scheme.lower() != b"bearer" or not hmac.compare_digest(credentials.strip(), token):
                what = ("no bearer token was sent" if not scheme else
                        "the Authorization scheme is not Bearer" if scheme.lower() != b"bearer" else
                        "the bearer token is not this service's token")
                return 401, f"unauthorized: {what}; send Authorization: Bearer <the service token>", [(b"www-authenticate", b"Bearer")]
        if method in STATE_CHANGING:
            origin = headers.get(b"origin")
            allowed_origin = origin is not None and _text(origin).strip().lower().rstrip("/") in origins
            if origin is not None and not allowed_origin:
                return 403, (f"cross-origin request refused: Origin {_shown(origin)!r} may not change anything here; "
                             "call the API from outside a browser, or from an origin listed in service.allowed_origins"), []
            if headers.get(b"sec-fetch-site", b"").strip().lower() == b"cross-site" and not allowed_origin:
                return 403, ("cross-origin request refused: the browser marked this request cross-site (Sec-Fetch-Site); "
                             "call the API from outside a browser, or from an origin listed in service.allowed_origins"), []
            needs_json = path not in signed and (method != "DELETE" or _has_body(headers))
            content_type = headers.get(b"content-type", b"")
            if needs_json and content_type.partition(b";")[0].strip().lower() != b"application/json":
                got = f"Content-Type {_shown(content_type)!r}" if content_type else "no Content-Type"
                return 415, f"send the body as JSON with Content-Type: application/json (this request had {got})", []
        return None

    async def whole_body(receive: Receive, send: Send, headers: dict[bytes, bytes]) -> bytes | None:
        """The request's body, or None when it was refused here (413, 408, 400: answered) or the client left."""
        try:
            declared = int(headers[b"content-length"]) if b"content-length" in headers else None
        except ValueError:  # uvicorn's parsers refuse these first; another server might not
            refused_for(400)
            await _respond(send, 400, "the Content-Length header is not a number: send the body's length in bytes", close=True)
            return None
        if declared is not None and declared > limit:
            # Refused before a byte is read; the connection closes so the body is never read at all.
            refused_for(413)
            await _respond(send, 413, _too_large(limit), close=True)
            return None
        body = await _read_body(receive, limit, body_timeout)
        if isinstance(body, int):  # 413 or 408; the rest of the body is unread, so the connection closes
            too_slow = (f"the request body did not arrive within {body_timeout:g} s (service.body_timeout_s): "
                        "send the whole body at once, or check the network between you and the service")
            refused_for(body)
            await _respond(send, body, _too_large(limit) if body == 413 else too_slow, close=True)
            return None
        return body  # None: the client went away, nobody to answer

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = {}
        host_values: list[bytes] = []
        for name, value in scope.get("headers") or []:
            headers.setdefault(name, value)  # a repeated header: the first counts (Host: all of them, below)
            if name == b"host":
                host_values.append(value)
        path = scope["path"]
        if console and keys and (path == console or path.startswith(console + "/")):
            await _console_request(scope, receive, send, headers, host_values)
            return
        refused = refusal(scope, headers, host_values)
        if refused is not None:
            status, message, extra = refused
            refused_for(status)
            drained = await _drain(receive, headers, limit, min(body_timeout, DRAIN_S))
            await _respond(send, status, message, close=not drained, extra=extra)
            return
        body = await whole_body(receive, send, headers)
        if body is None:
            return
        await app(scope, _replay(body, receive), send)

    def console_refusal(scope: Scope, headers: dict[bytes, bytes], host_values: list[bytes],
                        session: ConsoleSession | None) -> tuple[int, str, list] | None:
        assert console is not None
        method, path = scope["method"], scope["path"]
        wrong_host = host_refusal(host_values)
        if wrong_host is not None:
            return wrong_host
        public = path == f"{console}/login" or path.startswith(f"{console}/static/")
        if session is None and not public and not _bearer_ok(headers):
            if method in ("GET", "HEAD"):
                return 303, "log in first", [(b"location", f"{console}/login?next={quote(path)}".encode())]
            return 401, f"unauthorized: no console session; log in at {console}/login (or send Authorization: Bearer)", []
        if method in STATE_CHANGING:
            origin = headers.get(b"origin")
            own = f"{scope.get('scheme', 'http')}://{_text(host_values[0]).strip().lower()}" if host_values else ""
            seen = _text(origin).strip().lower().rstrip("/") if origin is not None else None
            if seen is not None and seen != own and seen not in origins:
                return 403, (f"cross-origin request refused: Origin {_shown(origin or b'')!r} may not change anything here; "
                             "use the console from the service's own address"), []
            if headers.get(b"sec-fetch-site", b"").strip().lower() == b"cross-site":
                return 403, "cross-site request refused: the browser marked this request cross-site (Sec-Fetch-Site)", []
            kind = headers.get(b"content-type", b"").partition(b";")[0].strip().lower()
            if kind not in (b"application/x-www-form-urlencoded", b"application/json"):
                return 415, "send the console's forms as application/x-www-form-urlencoded (or JSON)", []
        return None

    def _bearer_ok(headers: dict[bytes, bytes]) -> bool:
        scheme, _, credentials = headers.get(b"authorization", b"").strip().partition(b" ")
        return token is not None and scheme.lower() == b"bearer" and hmac.compare_digest(credentials.strip(), token)

    async def _console_request(scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes],
                               host_values: list[bytes]) -> None:
        assert keys is not None and console is not None
        session = keys.session(cookie_from(headers.get(b"cookie", b"")))
        refused = console_refusal(scope, headers, host_values, session)
        if refused is not None:
            status, message, extra = refused
            drained = await _drain(receive, headers, limit, min(body_timeout, DRAIN_S))
            await _respond(send, status, message, close=not drained, extra=extra)
            return
        body = await whole_body(receive, send, headers)
        if body is None:
            return
        login = scope["path"] == f"{console}/login"
        if scope["method"] in STATE_CHANGING and session is not None and not login and not keys.csrf_matches(
                session, _offered_csrf(headers, body)):
            await _respond(send, 403, "the form's CSRF token is missing or not this session's: reload the page and "
                                      "submit again", close=False)
            return
        state = {**(scope.get("state") or {}), "console_sessions": keys, "console_session": session}
        await app({**scope, "state": state}, _replay(body, receive), send)

    return guarded


def _offered_csrf(headers: dict[bytes, bytes], body: bytes) -> str | None:
    if CSRF_HEADER in headers:
        return _text(headers[CSRF_HEADER]).strip()
    if headers.get(b"content-type", b"").partition(b";")[0].strip().lower() == b"application/x-www-form-urlencoded":
        values = parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD)
        return values[0] if values else None
    return None


async def _read_body(receive: Receive, limit: int, timeout: float) -> bytes | int | None:
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


async def _drain(receive: Receive, headers: dict[bytes, bytes], limit: int, timeout: float) -> bool:
    """Reads and drops a refused request's body; True when it was read to its end (the connection can
    stay open), False when the connection must close instead."""
    if not _has_body(headers):
        return True
    if b"100-continue" in headers.get(b"expect", b"").lower():
        return False  # the client waits for our go-ahead; reading would send "100 Continue" for a refused request
    try:
        if int(headers.get(b"content-length", b"0")) > limit:
            return False
    except ValueError:
        return False
    return isinstance(await _read_body(receive, limit, timeout), bytes)


def _replay(body: bytes, receive: Receive) -> Receive:
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


async def _respond(send: Send, status: int, message: str, *, close: bool, extra: list | None = None) -> None:
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(extra or [])]
    if close:
        # The request's body was not (all) read: the server would otherwise go on reading it on this
        # connection, for as long as the client cares to send.
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _has_body(headers: dict[bytes, bytes]) -> bool:
    return b"transfer-encoding" in headers or headers.get(b"content-length", b"0").strip() not in (b"0", b"")


def _host_allowed(value: str, hosts: frozenset[str]) -> bool:
    if value in hosts:
        return True
    # An entry without a port allows that host on any port ("localhost" allows "localhost:8080", "[::1]" "[::1]:8080").
    name, _, port = value.rpartition(":")
    return port.isdigit() and name in hosts


def _bracket_ipv6(host: str) -> str:
    return f"[{host}]" if host.count(":") > 1 and not host.startswith("[") else host


def _too_large(limit: int) -> str:
    return (f"the request body is over the {limit} byte limit (service.max_body_bytes): send a smaller body "
            "(an alarm notification or a question is a few kilobytes)")


def _text(value: bytes) -> str:
    return value.decode("latin-1")


def _shown(value: bytes) -> str:
    text = _text(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


__all__ = ["GuardSettings", "guard"]
