"""The console's sessions and CSRF tokens: a browser signs in once -- with the service's static token, or with the
identity provider (console/signin.py) -- and gets a session cookie; every state-changing form carries a CSRF token
bound to that session.

A cookie is `<expiry>.<nonce>.<mac>` for a static-token session and `<expiry>.<nonce>.<who>.<mac>` for a person's
(`who`: base64url JSON of their sub, email, name and roles): HMAC-SHA256 over the rest, keyed by a key derived from
service.console_session_secret, else from the service token -- so every replica sharing it accepts the cookie, and
changing it ends every session. The CSRF token is a second MAC over the nonce, so it cannot be made without the key
and is worthless with another session. Without either (OIDC alone, or --insecure-localhost) the key is random per
process: sessions end with the process. Without any auth (--insecure-localhost) every browser shares one local
session: there is nothing to log in with, but a cross-site page still cannot forge a form (it never sees the CSRF
token). A static-token session has every role and names nobody; a person's has the roles their groups map to.

The same key signs the short-lived pre-login cookie of a sign-in with the identity provider (`seal`/`unseal`).
Nothing is stored server-side; a session ends when its cookie expires (SESSION_S, or sooner for a person: their ID
token's expiry) or the browser forgets it (logout clears it)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from pydantic import BaseModel, ValidationError

from ..contracts import ROLES, Person

COOKIE = "sre_console"
SESSION_S = 12 * 3600  # one shift
CSRF_FIELD = "csrf_token"
CSRF_HEADER = b"x-csrf-token"
LOCAL_NONCE = "local"  # the one session of a service without a token


class Identity(BaseModel):
    """Who a person's session is: what their verified tokens said (service/console_signin.py)."""

    sub: str
    email: str | None = None
    name: str | None = None
    roles: frozenset[str] = frozenset()

    def label(self) -> str:
        return self.email or self.name or f"sub {self.sub}"


class ConsoleSession(BaseModel):
    nonce: str
    expires: int
    csrf: str
    identity: Identity | None = None  # None: the static token's session, or the local one -- nobody, every role

    @property
    def roles(self) -> frozenset[str]:
        return self.identity.roles if self.identity is not None else frozenset(ROLES)

    def holds(self, role: str) -> bool:
        return role in self.roles

    def person(self) -> Person | None:
        """The person approvals and questions are recorded as; None for the static token (the typed name is)."""
        return Person(sub=self.identity.sub, email=self.identity.email) if self.identity is not None else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionKeys:
    """Issues and checks session cookies and CSRF tokens for one service token (or none), and seals the pre-login
    cookie. `secret` (service.console_session_secret) keys them instead of the token when given."""

    def __init__(self, token: str | None, *, secret: str | None = None, open_without_token: bool = True) -> None:
        self.token = token.encode() if token else None
        self._open_without_token = open_without_token
        seed = secret.encode() if secret else self.token if self.token is not None else secrets.token_bytes(32)
        self._key = hmac.new(seed, b"sre-agent console session v1", hashlib.sha256).digest()

    @property
    def open(self) -> bool:
        """No token (and no other auth): every browser on loopback is in the local session, without logging in."""
        return self.token is None and self._open_without_token

    def token_matches(self, offered: str) -> bool:
        if self.token is None:
            return self.open
        return hmac.compare_digest(offered.strip().encode(), self.token)

    def _mac(self, *parts: str) -> str:
        return hmac.new(self._key, "|".join(parts).encode(), hashlib.sha256).hexdigest()

    def issue(self, now: float | None = None, *, identity: Identity | None = None,
              expires: int | None = None) -> tuple[str, ConsoleSession]:
        """A new session: (the cookie value, the session). `identity`: a person's (None: the static token's);
        `expires`: when it ends, at most SESSION_S from now (default: SESSION_S from now)."""
        longest = int((now or time.time()) + SESSION_S)
        expires = longest if expires is None else min(expires, longest)
        nonce = secrets.token_urlsafe(18)
        parts = [str(expires), nonce]
        if identity is not None:
            parts.append(_b64(identity.model_dump_json(exclude_none=True).encode()))
        cookie = ".".join([*parts, self._mac("session", *parts)])
        return cookie, ConsoleSession(nonce=nonce, expires=expires, csrf=self._mac("csrf", nonce), identity=identity)

    def local(self) -> ConsoleSession:
        return ConsoleSession(nonce=LOCAL_NONCE, expires=2**31 - 1, csrf=self._mac("csrf", LOCAL_NONCE))

    def session(self, cookie: str | None, now: float | None = None) -> ConsoleSession | None:
        """The session a cookie names, when it is genuine and unexpired (None otherwise)."""
        parts = cookie.split(".") if cookie else []
        if len(parts) in (3, 4):
            *signed, mac = parts
            expires, nonce = signed[0], signed[1]
            if (expires.isdigit() and nonce and hmac.compare_digest(mac, self._mac("session", *signed))
                    and int(expires) > (now or time.time())):
                identity = _identity(signed[2]) if len(signed) == 3 else None
                if len(signed) == 2 or identity is not None:
                    return ConsoleSession(nonce=nonce, expires=int(expires), csrf=self._mac("csrf", nonce),
                                          identity=identity)
        return self.local() if self.open else None

    @staticmethod
    def csrf_matches(session: ConsoleSession, offered: str | None) -> bool:
        return offered is not None and bool(offered) and hmac.compare_digest(offered.encode(), session.csrf.encode())

    def seal(self, purpose: str, data: dict[str, Any], expires: int) -> str:
        """`data` as a signed cookie value (readable, not secret: keep it in an HttpOnly cookie) until `expires`."""
        body = _b64(json.dumps({**data, "exp": expires}, separators=(",", ":")).encode())
        return f"{body}.{self._mac(purpose, body)}"

    def unseal(self, purpose: str, value: str | None, now: float | None = None) -> dict[str, Any]:
        """What `seal` sealed for `purpose`; ValueError saying why not (missing, forged, expired)."""
        body, _, mac = (value or "").partition(".")
        if not body:
            raise ValueError("missing")
        if not hmac.compare_digest(mac, self._mac(purpose, body)):
            raise ValueError("forged")
        try:
            data = json.loads(_unb64(body))
        except (ValueError, binascii.Error) as exc:
            raise ValueError("forged") from exc
        if not isinstance(data, dict) or not isinstance(data.get("exp"), int):
            raise ValueError("forged")
        if data["exp"] <= (now or time.time()):
            raise ValueError("expired")
        return data


def _identity(encoded: str) -> Identity | None:
    try:
        return Identity.model_validate_json(_unb64(encoded))
    except (ValueError, binascii.Error, ValidationError):
        return None


def cookie_from(header: bytes, name: str = COOKIE) -> str | None:
    """This console's cookie (or another named one) from a Cookie header (the first one of that name counts)."""
    for part in header.decode("latin-1").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None
