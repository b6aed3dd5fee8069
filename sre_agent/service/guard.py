"""The HTTP hardening of `sre-agent serve`: ASGI middleware that wraps any app.

    guard(app, GuardSettings(token=..., allowed_hosts=[...])) -> app

For every http request, in this order (lifespan and websocket scopes pass through untouched):

1. Host: the Host header must be one of `allowed_hosts` (421 otherwise). A browser tricked by DNS
   rebinding sends the attacker's host name, so this keeps web pages off a loopback service.
2. Auth: `Authorization: Bearer <token>`, the scheme in any case (RFC 9110 makes it case-insensitive):
   the static token, compared in constant time, or -- with `oidc_issuer` -- a JWT its issuer signed
   (identity.py; 401 with WWW-Authenticate otherwise, 503 when the issuer cannot be reached) -- except
   GET/HEAD on `public_paths` (health probes) and `signature_auth_paths`, whose handler authenticates
   the body (SNS signatures). Then the role the route needs (roles.py; 403 naming it), before the app
   looks anything up. The principal rides to the app in the scope's state (`principal`; None without auth).
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
browser terms: the bearer token is exchanged once for a session cookie (POST /ui/login), or -- with
OIDC -- the person signs in at the identity provider (GET /ui/login/oidc and its callback: the
authorization code flow with PKCE, console/signin.py, console_signin.py) and the session carries
their roles; the cookie is HttpOnly, SameSite=Strict, signed with a key derived from
console_session_secret or the token (console/session.py), and a page without a session is
redirected to the login page (303). A state-changing console request
must come from the service's own origin (or `allowed_origins`), never marked cross-site, as a form
or JSON, and carry the session's CSRF token (form field `csrf_token` or header X-CSRF-Token) --
checked here, after the body is read. The session, the key and the identity provider's client ride
to the console in the request's scope state (`console_session`, `console_sessions`,
`console_signin`); the console never sees the token. Which console forms a session's roles allow
(approve: approver) is the console's to say, on its pages.

Every refusal is a JSON `{"error": "..."}` that says what was wrong and what to send instead; none
echoes configuration or internals (no token, no list of allowed hosts, no issuer). Each API refusal is
also reported, by reason (REFUSAL_REASONS), to `on_refusal` -- by default the wrapped app's
`guard_refused` when it has one (the service counts them in /metrics)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from urllib.parse import parse_qs, quote

from pydantic import BaseModel, Field, field_validator, model_validator
from starlette.types import ASGIApp, Receive, Scope, Send

from ..console.session import CSRF_FIELD, CSRF_HEADER, ConsoleSession, SessionKeys, cookie_from
from ..contracts import DEFAULT_GROUP_ROLES
from .console_signin import OidcSignIn
from .guard_body import DRAIN_S, drain, has_body, lingers, read_body, replay_body, respond
from .identity import REALM, Authenticator, AuthRefusal
from .oidc import OidcVerifier, Principal
from .roles import forbidden_message, required_role

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SHOWN = 80  # at most this many characters of a client's header value are echoed back in an error
# Why the guard refused (/metrics's reason label), with the status it answers for that reason.
REFUSAL_REASONS = {"bad_header": 400, "unauthorized": 401, "forbidden": 403, "cross_origin": 403, "body_timeout": 408,
                   "body_too_large": 413, "content_type": 415, "wrong_host": 421, "idp_unavailable": 503}
_REASON_OF = {400: "bad_header", 401: "unauthorized", 403: "cross_origin", 408: "body_timeout", 413: "body_too_large",
              415: "content_type", 421: "wrong_host"}  # the reason of a status with one cause


class GuardSettings(BaseModel):
    token: str | None = Field(repr=False)  # None and no OIDC: no auth (only allowed on loopback -- the caller checks that)
    # OIDC bearer tokens (identity.py, oidc.py): both or neither; the groups claim and the group -> role map.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_groups_claim: str = "cognito:groups"
    oidc_roles: dict[str, str] = dict(DEFAULT_GROUP_ROLES)
    max_body_bytes: int = Field(1_048_576, gt=0)
    body_timeout_s: float = Field(10.0, gt=0)  # the whole body must arrive within this
    allowed_hosts: list[str] = Field(min_length=1)  # host or host:port (an entry without a port allows any); "*" any
    allowed_origins: list[str] = []  # Origin values accepted on state-changing requests
    public_paths: list[str] = ["/healthz", "/readyz", "/ping"]  # no auth, GET/HEAD only
    signature_auth_paths: list[str] = []  # authenticated by the handler: no bearer token, no JSON content-type rule
    # The web console's paths (api.py mounts it at /ui): session cookie + CSRF instead of the bearer token.
    console_prefix: str | None = "/ui"
    # The console's sign-in with the OIDC issuer (console_signin.py): its client (default: oidc_audience), the
    # client secret of a confidential client, the scopes; the service's public URL for the redirect URIs (default:
    # the request's scheme and Host); the key the console's cookies are signed with (default: from the token).
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = Field(None, repr=False)
    oidc_scopes: str = "openid email profile"
    public_url: str | None = None
    console_session_secret: str | None = Field(None, repr=False)

    @field_validator("token")
    @classmethod
    def _token_not_empty(cls, token: str | None) -> str | None:
        # An empty token would accept "Authorization: Bearer" with nothing after it.
        if token is not None and not token.strip():
            raise ValueError("the token is empty: set a token, or None for no auth (loopback only)")
        return token

    @model_validator(mode="after")
    def _oidc_both_or_neither(self) -> GuardSettings:
        if (self.oidc_issuer is None) != (self.oidc_audience is None):
            raise ValueError("oidc_issuer and oidc_audience go together: set both, or neither")
        return self

    def verifier(self) -> OidcVerifier | None:
        if self.oidc_issuer is None or self.oidc_audience is None:
            return None
        return OidcVerifier(self.oidc_issuer, self.oidc_audience, groups_claim=self.oidc_groups_claim, roles=self.oidc_roles)

    def signin(self, verifier: OidcVerifier | None) -> OidcSignIn | None:
        """The console's client of the identity provider, sharing `verifier`'s key cache; None without OIDC."""
        if verifier is None or self.console_prefix is None:
            return None
        return OidcSignIn(verifier, self.oidc_client_id or verifier.audience, client_secret=self.oidc_client_secret,
                          scopes=self.oidc_scopes, public_url=self.public_url)

    @field_validator("allowed_hosts")
    @classmethod
    def _normal_hosts(cls, hosts: list[str]) -> list[str]:
        return [_bracket_ipv6(host.strip().lower()) for host in hosts]

    @field_validator("allowed_origins")
    @classmethod
    def _normal_origins(cls, origins: list[str]) -> list[str]:
        return [origin.strip().lower().rstrip("/") for origin in origins]


def guard(app: ASGIApp, settings: GuardSettings, on_refusal: Callable[[str], None] | None = None, *,
          verifier: OidcVerifier | None = None) -> ASGIApp:
    """`app` behind the rules above (module docstring). `on_refusal(reason)` is told of every API
    refusal; default: the app's own `guard_refused`, if it has one. `verifier`: the OIDC verifier to use
    (default: one for the settings' oidc_issuer, if any)."""
    report: Callable[[str], None] | None = on_refusal or getattr(app, "guard_refused", None)

    def refused_for(status: int | str) -> None:  # a reason, or the status of a reason with one cause
        if report is not None:
            try:
                report(status if isinstance(status, str) else _REASON_OF.get(status, str(status)))
            except Exception:  # noqa: BLE001 -- counting never changes the answer
                pass
    token = settings.token.encode() if settings.token is not None else None
    verifier = verifier or settings.verifier()
    auth = Authenticator(settings.token, verifier)
    any_host = "*" in settings.allowed_hosts
    hosts = frozenset(settings.allowed_hosts)
    origins = frozenset(settings.allowed_origins)
    public = frozenset(settings.public_paths)
    signed = frozenset(settings.signature_auth_paths)
    limit, body_timeout = settings.max_body_bytes, settings.body_timeout_s

    console = settings.console_prefix.rstrip("/") if settings.console_prefix else None
    # The console signs in with the static token and/or the OIDC issuer; with auth it is never open to all.
    keys = (SessionKeys(settings.token, secret=settings.console_session_secret, open_without_token=not auth.required)
            if console else None)
    signin = settings.signin(verifier)
    console_public = (frozenset({f"{console}/login", f"{console}/login/oidc", f"{console}/login/callback"})
                      if console else frozenset())

    def host_refusal(host_values: list[bytes]) -> tuple[int, str, list] | None:
        if not any_host:
            if not host_values:
                return 400, "the request has no Host header: send one naming this service (host or host:port)", []
            for value in host_values:
                if not _host_allowed(_text(value).strip().lower(), hosts):
                    return 421, (f"host {_shown(value)!r} is not served here: to serve it under that name, add it to "
                                 "service.allowed_hosts (host or host:port); otherwise call the service by its configured name"), []
        return None

    async def identify(scope: Scope, headers: dict[bytes, bytes]) -> Principal | AuthRefusal | None:
        """Who asks (None: no auth configured, or a path that needs none), or the 401/403/503 refusing them."""
        method, path = scope["method"], scope["path"]
        if not auth.required or path in signed or (method in ("GET", "HEAD") and path in public):
            return None
        principal = await auth.authenticate(headers.get(b"authorization", b""))
        if isinstance(principal, AuthRefusal):
            return principal
        role = required_role(method, path)
        if role not in principal.roles:  # before the app: a refusal says nothing of what the path names
            return AuthRefusal(403, "forbidden", forbidden_message(role, principal.roles),
                               [(b"www-authenticate", REALM + b', error="insufficient_scope"')])
        return principal

    def refusal(scope: Scope, headers: dict[bytes, bytes]) -> tuple[int, str, list] | None:
        method, path = scope["method"], scope["path"]
        if method in STATE_CHANGING:
            origin = headers.get(b"origin")
            allowed_origin = origin is not None and _text(origin).strip().lower().rstrip("/") in origins
            if origin is not None and not allowed_origin:
                return 403, (f"cross-origin request refused: Origin {_shown(origin)!r} may not change anything here; "
                             "call the API from outside a browser, or from an origin listed in service.allowed_origins"), []
            if headers.get(b"sec-fetch-site", b"").strip().lower() == b"cross-site" and not allowed_origin:
                return 403, ("cross-origin request refused: the browser marked this request cross-site (Sec-Fetch-Site); "
                             "call the API from outside a browser, or from an origin listed in service.allowed_origins"), []
            needs_json = path not in signed and (method != "DELETE" or has_body(headers))
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
            await respond(send, 400, "the Content-Length header is not a number: send the body's length in bytes", close=True)
            return None
        if declared is not None and declared > limit:
            # Answered before a byte is read; the connection closes, after the body is read and dropped
            # (guard_body.py: closing on an unread body resets the connection under a client still sending it).
            refused_for(413)
            await respond(send, 413, _too_large(limit), close=True, linger=receive if lingers(headers) else None)
            return None
        body = await read_body(receive, limit, body_timeout)
        if isinstance(body, int):  # 413 or 408; the rest of the body is unread, so the connection closes
            too_slow = (f"the request body did not arrive within {body_timeout:g} s (service.body_timeout_s): "
                        "send the whole body at once, or check the network between you and the service")
            refused_for(body)
            over = body == 413 and lingers(headers)  # a slow body (408) is not waited for any longer
            await respond(send, body, _too_large(limit) if body == 413 else too_slow, close=True,
                          linger=receive if over else None)
            return None
        return body  # None: the client went away, nobody to answer

    async def refuse(receive: Receive, send: Send, headers: dict[bytes, bytes], status: int, message: str,
                     extra: list) -> None:
        drained = await drain(receive, headers, limit, min(body_timeout, DRAIN_S))
        # Not drained: over the limit (then read and dropped after the answer), slow, or awaiting 100 Continue.
        await respond(send, status, message, close=not drained, extra=extra,
                      linger=receive if not drained and lingers(headers) else None)

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
        refused = host_refusal(host_values)
        principal = None
        if refused is None:
            identified = await identify(scope, headers)
            if isinstance(identified, AuthRefusal):
                refused_for(identified.reason)
                await refuse(receive, send, headers, identified.status, identified.message, identified.headers)
                return
            principal, refused = identified, refusal(scope, headers)
        if refused is not None:
            status, message, extra = refused
            refused_for(status)
            await refuse(receive, send, headers, status, message, extra)
            return
        body = await whole_body(receive, send, headers)
        if body is None:
            return
        await app({**scope, "state": {**(scope.get("state") or {}), "principal": principal}}, replay_body(body, receive), send)

    def console_refusal(scope: Scope, headers: dict[bytes, bytes], host_values: list[bytes],
                        session: ConsoleSession | None) -> tuple[int, str, list] | None:
        assert console is not None
        method, path = scope["method"], scope["path"]
        wrong_host = host_refusal(host_values)
        if wrong_host is not None:
            return wrong_host
        public = path in console_public or path.startswith(f"{console}/static/")
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
            await refuse(receive, send, headers, *refused)
            return
        body = await whole_body(receive, send, headers)
        if body is None:
            return
        login = scope["path"] == f"{console}/login"
        if scope["method"] in STATE_CHANGING and session is not None and not login and not keys.csrf_matches(
                session, _offered_csrf(headers, body)):
            await respond(send, 403, "the form's CSRF token is missing or not this session's: reload the page and "
                                      "submit again", close=False)
            return
        state = {**(scope.get("state") or {}), "console_sessions": keys, "console_session": session,
                 "console_signin": signin}
        await app({**scope, "state": state}, replay_body(body, receive), send)

    return guarded


def _offered_csrf(headers: dict[bytes, bytes], body: bytes) -> str | None:
    if CSRF_HEADER in headers:
        return _text(headers[CSRF_HEADER]).strip()
    if headers.get(b"content-type", b"").partition(b";")[0].strip().lower() == b"application/x-www-form-urlencoded":
        values = parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD)
        return values[0] if values else None
    return None



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
