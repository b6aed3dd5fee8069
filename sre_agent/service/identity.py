"""Who is asking: the bearer token of a request to `sre-agent serve` made into a Principal, for the guard
(guard.py), which puts it in the ASGI scope's state (`principal`) for the app.

    the static token (service.token)   the principal STATIC: every role, named "static-token" -- one shared secret for
                                       a single-user setup; it names nobody, so what is done with it is recorded as
                                       today (an approval's typed "by"), and the two-person rule cannot be met by it
    a JWT (with service.oidc_issuer)   verified by OidcVerifier (oidc.py) in a worker thread (it may fetch the issuer's
                                       discovery document and JWKS); its roles come from its groups claim

Refusals follow RFC 6750: 401 with `WWW-Authenticate: Bearer realm="sre-agent"` -- plus `error="invalid_token"` and
the reason when a token was sent and refused -- and 503 when the issuer cannot be reached to verify a token (never
a 401: the token may be fine; never a 200)."""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from ..contracts import ROLES, Person
from .oidc import OidcUnavailable, OidcVerifier, Principal, TokenRejected

log = logging.getLogger(__name__)

REALM = b'Bearer realm="sre-agent"'
STATIC_ISSUER = "static-token"
STATIC = Principal(sub="static-token", name="the service's static token", roles=frozenset(ROLES), issuer=STATIC_ISSUER)
# header.payload.signature, each base64url; a JWS header always starts {" -- "eyJ" in base64url.
_JWT = re.compile(rb"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
UNAVAILABLE_LOG_EVERY_S = 30.0
# Verification runs in threads of its own: a slow issuer (discovery or JWKS waiting out their timeout) must not
# take the default executor's threads, which the routes' store reads use -- static-token callers would wait too.
VERIFY_THREADS = 4


class AuthRefusal(NamedTuple):
    status: int
    reason: str  # the guard's refusal reason (guard.REFUSAL_REASONS, the /metrics label)
    message: str
    headers: list[tuple[bytes, bytes]]


def person_of(principal: Principal | None) -> Person | None:
    """The person a principal is, for the records; None for the static token and for a service without auth."""
    return None if principal is None or principal.issuer == STATIC_ISSUER else principal.person()


def challenge(error_description: str | None = None) -> list[tuple[bytes, bytes]]:
    """The WWW-Authenticate header of a 401: no error code when no token came (RFC 6750 3.1), else invalid_token."""
    if error_description is None:
        return [(b"www-authenticate", REALM)]
    # The descriptions are this module's and oidc.py's fixed phrases: no quote or backslash to escape.
    return [(b"www-authenticate", REALM + b', error="invalid_token", error_description="' + error_description.encode() + b'"')]


class Authenticator:
    """The static token and/or an OIDC verifier; neither: no auth (the caller allows that on loopback only)."""

    def __init__(self, token: str | None, verifier: OidcVerifier | None = None) -> None:
        self.token = token.encode() if token is not None else None
        self.verifier = verifier
        self._unavailable_logged_at = float("-inf")
        self._pool = ThreadPoolExecutor(VERIFY_THREADS, thread_name_prefix="oidc-verify") if verifier else None

    @property
    def required(self) -> bool:
        return self.token is not None or self.verifier is not None

    def _send(self) -> str:
        if self.verifier is None:
            return "send Authorization: Bearer <the service token>"
        return ("send Authorization: Bearer <an access token from the service's identity provider>"
                + (" (or the service token)" if self.token is not None else ""))

    async def authenticate(self, authorization: bytes) -> Principal | AuthRefusal:
        """The principal the Authorization header value names, or why not."""
        scheme, _, credentials = authorization.strip().partition(b" ")
        credentials = credentials.strip()
        if scheme.lower() != b"bearer" or not credentials:
            what = ("no bearer token was sent" if not scheme else
                    "the Authorization scheme is not Bearer" if scheme.lower() != b"bearer" else "the bearer token is empty")
            return AuthRefusal(401, "unauthorized", f"unauthorized: {what}; {self._send()}", challenge())
        if self.token is not None and hmac.compare_digest(credentials, self.token):
            return STATIC
        if self.verifier is None or not _JWT.fullmatch(credentials):
            what = "the bearer token is not this service's token" if self.verifier is None else \
                "the bearer token is neither a JWT nor the service token"
            return AuthRefusal(401, "unauthorized", f"unauthorized: {what}; {self._send()}",
                               challenge("the token is not valid here"))
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, self.verifier.verify,
                                                                    credentials.decode("ascii"))
        except TokenRejected as refused:
            return AuthRefusal(401, "unauthorized", f"unauthorized: {refused.reason}; {self._send()}",
                               challenge(refused.reason))
        except OidcUnavailable as exc:
            now = time.monotonic()
            if now - self._unavailable_logged_at >= UNAVAILABLE_LOG_EVERY_S:
                self._unavailable_logged_at = now
                log.warning("cannot verify bearer tokens: the OIDC issuer could not be asked: %s", exc)
            return AuthRefusal(503, "idp_unavailable", "the identity provider could not be reached to verify the token: "
                                                       "try again shortly (the service's log says why)",
                               [(b"retry-after", b"5")])


__all__ = ["STATIC", "AuthRefusal", "Authenticator", "challenge", "person_of"]
