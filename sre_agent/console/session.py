"""The console's sessions and CSRF tokens: a browser exchanges the service's bearer token for a
session cookie once, and every state-changing form carries a CSRF token bound to that session.

A cookie is `<expiry>.<nonce>.<mac>`: HMAC-SHA256 over expiry and nonce, keyed by a key derived from
the service token -- so every replica sharing the token accepts it, and changing the token ends every
session. The CSRF token is a second MAC over the nonce, so it cannot be made without the key and is
worthless with another session. Without a token (--insecure-localhost) the key is random per process
and every browser shares one local session: there is nothing to log in with, but a cross-site page
still cannot forge a form (it never sees the CSRF token). A service that authenticates by OIDC tokens
alone has no static token either, but its console is closed, not open: no login succeeds (signing in
to the console with the identity provider is not built yet; the API takes the OIDC tokens).

Nothing is stored server-side; a session ends when its cookie expires (SESSION_S) or the browser
forgets it (logout clears it)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from pydantic import BaseModel

COOKIE = "sre_console"
SESSION_S = 12 * 3600  # one shift
CSRF_FIELD = "csrf_token"
CSRF_HEADER = b"x-csrf-token"
LOCAL_NONCE = "local"  # the one session of a service without a token


class ConsoleSession(BaseModel):
    nonce: str
    expires: int
    csrf: str


class SessionKeys:
    """Issues and checks session cookies and CSRF tokens for one service token (or none)."""

    def __init__(self, token: str | None, *, open_without_token: bool = True) -> None:
        self.token = token.encode() if token else None
        self._open_without_token = open_without_token
        seed = self.token if self.token is not None else secrets.token_bytes(32)
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

    def issue(self, now: float | None = None) -> tuple[str, ConsoleSession]:
        """A new session: (the cookie value, the session)."""
        expires = int((now or time.time()) + SESSION_S)
        nonce = secrets.token_urlsafe(18)
        cookie = f"{expires}.{nonce}.{self._mac('session', str(expires), nonce)}"
        return cookie, ConsoleSession(nonce=nonce, expires=expires, csrf=self._mac("csrf", nonce))

    def local(self) -> ConsoleSession:
        return ConsoleSession(nonce=LOCAL_NONCE, expires=2**31 - 1, csrf=self._mac("csrf", LOCAL_NONCE))

    def session(self, cookie: str | None, now: float | None = None) -> ConsoleSession | None:
        """The session a cookie names, when it is genuine and unexpired (None otherwise)."""
        if cookie:
            expires, _, rest = cookie.partition(".")
            nonce, _, mac = rest.partition(".")
            if (expires.isdigit() and nonce and hmac.compare_digest(mac, self._mac("session", expires, nonce))
                    and int(expires) > (now or time.time())):
                return ConsoleSession(nonce=nonce, expires=int(expires), csrf=self._mac("csrf", nonce))
        return self.local() if self.open else None

    @staticmethod
    def csrf_matches(session: ConsoleSession, offered: str | None) -> bool:
        return bool(offered) and hmac.compare_digest(offered.encode(), session.csrf.encode())


def cookie_from(header: bytes) -> str | None:
    """This console's cookie from a Cookie header (the first one of that name counts)."""
    for part in header.decode("latin-1").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            return value
    return None
