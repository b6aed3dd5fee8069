"""Signing in to the console with the identity provider: OpenID Connect's authorization code flow with PKCE
(RFC 7636, S256), for a browser. The pure pieces live here -- the PKCE pair, the pre-login cookie, what a sign-in
yields -- and the protocol of the client that talks to the provider (service/console_signin.py implements it; the
console reaches it through the request's scope state, as it reaches the session keys).

    GET /ui/login/oidc      a fresh state, nonce and code verifier, sealed into the pre-login cookie (HttpOnly,
                            SameSite=Lax -- the provider's redirect back is a cross-site navigation, which a Strict
                            cookie would miss -- Path=/ui/login, PRELOGIN_S), and a redirect to the provider's
                            authorization endpoint with the state, the nonce and the verifier's S256 challenge
    GET /ui/login/callback  the state must be the cookie's (else the callback is another browser's, or forged); the
                            code is redeemed with the verifier, the ID token checked (signature, iss, aud, nonce);
                            then the console session (session.py) for that person

The verifier never leaves the service except to the token endpoint: the browser holds it sealed in an HttpOnly
cookie only this service's /ui/login paths receive, and the provider only ever sees its hash until the code is
redeemed -- a stolen code is worth nothing without it."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Protocol

from pydantic import BaseModel

from .session import Identity, SessionKeys

PRELOGIN_COOKIE = "sre_console_login"
PRELOGIN_S = 600  # a sign-in at the provider must come back within this
ID_TOKEN_COOKIE = "sre_console_idt"  # the ID token, kept for logout's id_token_hint
MAX_ID_TOKEN_COOKIE = 3500  # a cookie over ~4 KB is dropped by browsers: a larger ID token is not kept (logout then
# names the client instead of hinting the token)
_PURPOSE = "prelogin"


class SignInFailed(Exception):
    """A sign-in that cannot go on: `message` says what went wrong, for the page (never a traceback, no secret);
    `status` is the page's HTTP status (400: the browser's request, 502/503: the provider)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class SignedIn(Identity):
    """A person the provider signed in: who (from their verified tokens), until when (the ID token's exp), and the
    ID token itself (for logout's id_token_hint)."""

    expires_at: int
    id_token: str


class IdentityProvider(Protocol):
    """The client of the service's identity provider (service/console_signin.py OidcSignIn). Its calls may block on
    the network: the routes run them in a thread."""

    issuer: str
    public_url: str | None  # the service's public base URL (service.public_url), for the redirect URIs

    @property
    def label(self) -> str: ...  # the provider's host, for "Sign in with <host>"

    def authorization_url(self, redirect_uri: str, state: str, nonce: str, code_challenge: str) -> str: ...

    def redeem(self, code: str, code_verifier: str, redirect_uri: str, nonce: str) -> SignedIn: ...

    def end_session_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str | None: ...


class PreLogin(BaseModel):
    """One sign-in in flight, sealed in the pre-login cookie."""

    state: str
    nonce: str
    verifier: str
    next: str


def code_challenge(verifier: str) -> str:
    """The S256 challenge of a PKCE code verifier: BASE64URL(SHA256(ASCII(verifier))), unpadded (RFC 7636 4.2)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def pkce_pair() -> tuple[str, str]:
    """(code verifier, its S256 challenge): 64 characters from the unreserved set (RFC 7636 4.1: 43..128)."""
    verifier = secrets.token_urlsafe(48)
    return verifier, code_challenge(verifier)


def new_prelogin(next_path: str) -> PreLogin:
    verifier, _ = pkce_pair()
    return PreLogin(state=secrets.token_urlsafe(24), nonce=secrets.token_urlsafe(24), verifier=verifier, next=next_path)


def seal_prelogin(keys: SessionKeys, prelogin: PreLogin, now: float | None = None) -> str:
    return keys.seal(_PURPOSE, prelogin.model_dump(), int((now or time.time()) + PRELOGIN_S))


def open_prelogin(keys: SessionKeys, value: str | None, now: float | None = None) -> PreLogin:
    """The sign-in the cookie holds; SignInFailed saying why not -- what the person can do about it."""
    try:
        return PreLogin.model_validate(keys.unseal(_PURPOSE, value, now))
    except ValueError as exc:
        why = str(exc) if str(exc) in ("missing", "expired") else "forged"
    if why == "missing":
        raise SignInFailed("This browser has no sign-in in progress: the sign-in cookie is missing (it was started "
                           "in another browser, or cookies are blocked for this site).")
    if why == "expired":
        raise SignInFailed(f"The sign-in took too long: it must come back from the identity provider within "
                           f"{PRELOGIN_S // 60} minutes.")
    raise SignInFailed("The sign-in cookie is not this service's (forged, or from before its key changed).")


def session_expiry(id_token_exp: int, now: float | None = None, floor_s: int = 60) -> int:
    """When a person's console session ends: at their ID token's expiry -- never later than SESSION_S from now
    (SessionKeys.issue caps it) and, so that a token at the end of its life still lets the page load, not sooner
    than `floor_s` from now."""
    return max(id_token_exp, int((now or time.time()) + floor_s))
