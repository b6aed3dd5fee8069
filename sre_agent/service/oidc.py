"""OIDC bearer tokens: a JWT is verified against its issuer's discovery document and JWKS, and becomes a Principal
whose roles come from a groups claim. Any OpenID Provider whose access tokens are JWTs will do -- Cognito user pools
(whose access tokens name the app client in `client_id`, not `aud`), Entra ID, Okta, Keycloak.

Sync on purpose: the service calls `verify` in a worker thread, and the JWKS cache is guarded by a lock for that."""

from __future__ import annotations

import base64
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import httpx
import jwt
from pydantic import BaseModel, ConfigDict

from ..contracts import DEFAULT_GROUP_ROLES, Person

DEFAULT_ROLES: Mapping[str, str] = DEFAULT_GROUP_ROLES
# Approving is not responding (an approver signs off on what a responder proposes, and need not be able to start it);
# both can see what they are asked about, so both imply viewer.
IMPLIED_ROLES: Mapping[str, frozenset[str]] = {"approver": frozenset({"viewer"}), "responder": frozenset({"viewer"})}
DEFAULT_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "PS256")
# The JWK key type each asymmetric algorithm needs: a token must not pick a key of another type for its `alg`.
_KEY_TYPE = {"RS256": "RSA", "RS384": "RSA", "RS512": "RSA", "PS256": "RSA", "PS384": "RSA", "PS512": "RSA",
             "ES256": "EC", "ES384": "EC", "ES512": "EC", "EdDSA": "OKP"}
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class TokenRejected(Exception):
    """The token is refused. `reason` is a fixed phrase of this module's, never the token's contents, so it may go
    into `WWW-Authenticate: Bearer error="invalid_token", error_description="..."` as it is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OidcUnavailable(Exception):
    """The issuer could not be asked (discovery or JWKS failed, or disagrees with the configuration): not the
    token's fault, so the caller answers 503 rather than 401."""


class _Key(NamedTuple):
    kty: str
    alg: str | None  # the JWK's own `alg`, when it names one: then a token may use no other
    key: Any  # the cryptography public key PyJWT verifies with


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    sub: str
    email: str | None = None
    name: str | None = None
    groups: tuple[str, ...] = ()
    roles: frozenset[str] = frozenset()
    issuer: str

    def person(self) -> Person:
        """Who the token names, as records keep it (sub and email)."""
        return Person(sub=self.sub, email=self.email)


def roles_for(groups: Iterable[str], role_map: Mapping[str, str]) -> frozenset[str]:
    """The roles the groups map to, with the roles each implies; a group the map does not name grants nothing."""
    direct = {role_map[group] for group in groups if group in role_map}
    return frozenset(direct.union(*(IMPLIED_ROLES.get(role, frozenset()) for role in direct)))


def groups_in(claims: Mapping[str, Any], groups_claim: str) -> tuple[str, ...]:
    """The groups claim as a tuple of strings: IdPs send a list, and some (a Keycloak or Okta mapper with one group)
    a bare string; anything else counts as no groups rather than an error, so the token still grants nothing."""
    value = claims.get(groups_claim)
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def principal_from(claims: Mapping[str, Any], groups_claim: str, role_map: Mapping[str, str]) -> Principal:
    groups = groups_in(claims, groups_claim)
    text = {key: value for key in ("email", "name") if isinstance(value := claims.get(key), str)}
    return Principal(sub=claims["sub"], groups=groups, roles=roles_for(groups, role_map), issuer=claims["iss"], **text)


def audience_matches(claims: Mapping[str, Any], audience: str) -> bool:
    """`aud` (a string or a list) names this service; a token without `aud` may name it in `client_id` instead, as a
    Cognito access token does. A token that has an `aud` is judged by it alone."""
    named = claims["aud"] if "aud" in claims else claims.get("client_id")
    return audience == named or (isinstance(named, list) and audience in named)


class OidcVerifier:
    def __init__(self, issuer: str, audience: str, *, groups_claim: str = "cognito:groups", roles: Mapping[str, str] | None = None,
                 leeway_s: float = 60, algorithms: Iterable[str] = DEFAULT_ALGORITHMS, http_timeout_s: float = 5,
                 min_refresh_interval_s: float = 30, jwks_max_age_s: float = 3600, retry_after_failure_s: float = 5,
                 clock: Callable[[], float] = time.monotonic) -> None:
        # Only asymmetric algorithms: with HS256 an attacker could sign with the public key as the HMAC secret, and
        # `none` is no signature at all. A configuration that asks for either fails here, not at the first token.
        unusable = [alg for alg in algorithms if alg not in _KEY_TYPE]
        if unusable:
            raise ValueError(f"not an asymmetric JWS algorithm: {', '.join(unusable)}")
        # Keys over plain http could be swapped in transit; loopback stays allowed for a provider in a test.
        if urlsplit(issuer).scheme != "https" and urlsplit(issuer).hostname not in _LOOPBACK:
            raise ValueError(f"the issuer must be an https URL: {issuer}")
        self.issuer = issuer
        self.audience = audience
        self.groups_claim = groups_claim
        self.role_map = dict(DEFAULT_ROLES if roles is None else roles)
        self.leeway_s = leeway_s
        self.algorithms = tuple(algorithms)
        self.http_timeout_s = http_timeout_s
        self.min_refresh_interval_s = min_refresh_interval_s
        self.jwks_max_age_s = jwks_max_age_s
        self.retry_after_failure_s = retry_after_failure_s
        self._clock = clock
        self._failed: tuple[float, str] | None = None  # when the issuer last could not be asked, and why
        self._lock = threading.Lock()
        self._jwks_uri: str | None = None
        self._metadata: dict[str, Any] | None = None  # the discovery document, once fetched
        self._keys: dict[str, _Key] = {}
        self._fetched_at: float | None = None
        self._refreshed_at: float | None = None
        self.jwks_fetches = 0  # how often the JWKS was asked for: the tests and a metric read it

    def verify(self, token: str) -> Principal:
        """The token's Principal, or TokenRejected with the reason; OidcUnavailable when the issuer cannot be asked."""
        claims = self._signed_claims(token)
        if not audience_matches(claims, self.audience):
            raise TokenRejected("token audience is not this service")
        if claims.get("token_use") == "id":  # Cognito says which its tokens are: an ID token is a sign-in's, not a grant
            raise TokenRejected("token is an ID token, not an access token")
        return principal_from(claims, self.groups_claim, self.role_map)

    def id_token_claims(self, token: str, client_id: str, nonce: str) -> dict[str, Any]:
        """An ID token's claims, checked as OIDC Core 3.1.3.7 asks of a client: signed by the issuer's key (the
        same key cache as the access tokens), `iss`, `aud` naming `client_id` (and `azp`, when it names several
        audiences), `exp` and `iat`, and the `nonce` the client sent -- so a token minted for another login, or
        another client, is refused. TokenRejected with the reason; OidcUnavailable when the issuer cannot be asked."""
        claims = self._signed_claims(token)
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != client_id):
            raise TokenRejected("ID token audience is not this client")
        if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
            raise TokenRejected("ID token nonce is not this sign-in's")
        return claims

    def metadata(self) -> dict[str, Any]:
        """The issuer's discovery document (its endpoints), fetched once and kept; OidcUnavailable when it cannot be
        had -- asked again at the next call, not before retry_after_failure_s after a failure."""
        with self._lock:
            if self._metadata is None:
                self._load_unless_down(self._clock(), discovery_only=True)
            assert self._metadata is not None
            return self._metadata

    def _signed_claims(self, token: str) -> dict[str, Any]:
        """The token's claims once its algorithm, issuer, signature, exp/iat and sub are checked (not its audience)."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = _unverified_payload(token)
        except (jwt.InvalidTokenError, ValueError) as exc:
            raise TokenRejected("token is malformed") from exc
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self.algorithms:
            raise TokenRejected("token algorithm is not allowed")
        # Checked again after the signature; checked first so a foreign issuer's token never makes us refetch keys.
        if unverified.get("iss") != self.issuer:
            raise TokenRejected("token issuer is not trusted")
        if not isinstance(kid, str):
            raise TokenRejected("token names no signing key")
        key = self._key(kid)
        if key.kty != _KEY_TYPE[alg] or key.alg not in (alg, None):
            raise TokenRejected("token algorithm does not match its key")
        try:
            return jwt.decode(token, key.key, algorithms=[alg], issuer=self.issuer, leeway=self.leeway_s,
                              options={"verify_aud": False, "require": ["exp", "iat", "iss", "sub"]})
        except jwt.InvalidTokenError as exc:
            raise TokenRejected(_reason(exc)) from exc

    def _key(self, kid: str) -> _Key:
        """The signing key for `kid`. The JWKS is cached; an unknown kid refetches it (a key rotation), but at most once
        per min_refresh_interval_s so a flood of made-up kids cannot hammer the IdP. The cache also expires, so a key
        the IdP withdrew stops being trusted. The lock is held across the fetch: concurrent misses wait for one fetch.
        An issuer that could not be asked is not asked again for retry_after_failure_s: the tokens that need it fail
        at once meanwhile, rather than each waiting out the HTTP timeout in turn behind the lock."""
        with self._lock:
            now = self._clock()
            if self._fetched_at is None or now - self._fetched_at > self.jwks_max_age_s:
                self._load_unless_down(now)
            elif kid not in self._keys and (self._refreshed_at is None or now - self._refreshed_at >= self.min_refresh_interval_s):
                self._refreshed_at = now
                self._load_unless_down(now)
            if kid not in self._keys:
                raise TokenRejected("token signing key is unknown")
            return self._keys[kid]

    def _load_unless_down(self, now: float, *, discovery_only: bool = False) -> None:
        if self._failed is not None and now - self._failed[0] < self.retry_after_failure_s:
            raise OidcUnavailable(f"{self._failed[1]} (not asked again for {self.retry_after_failure_s:g} s)")
        try:
            if discovery_only:
                self._jwks_uri = self._discover()
            else:
                self._load(now)
        except OidcUnavailable as exc:
            self._failed = (now, str(exc))
            raise
        self._failed = None

    def _load(self, now: float) -> None:
        if self._jwks_uri is None:
            self._jwks_uri = self._discover()
        self.jwks_fetches += 1
        document = self._get_json(self._jwks_uri)
        self._keys = _signing_keys(document.get("keys"))
        self._fetched_at = now

    def _discover(self) -> str:
        document = self._get_json(f"{self.issuer.rstrip('/')}/.well-known/openid-configuration")
        # OIDC Discovery 4.3: the document must name the issuer it was asked for, else an IdP could speak for another.
        if document.get("issuer") != self.issuer:
            raise OidcUnavailable(f"the discovery document names issuer {document.get('issuer')!r}, not {self.issuer!r}")
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise OidcUnavailable("the discovery document has no jwks_uri")
        self._metadata = document
        return jwks_uri

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = httpx.get(url, timeout=self.http_timeout_s)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcUnavailable(f"{url}: {exc}") from exc
        if not isinstance(document, dict):
            raise OidcUnavailable(f"{url}: not a JSON object")
        return document


def _unverified_payload(token: str) -> dict[str, Any]:
    """The payload of a compact JWS, read without any check (only its issuer is looked at before the signature):
    PyJWT's unverified decode validates claims too, and was a third of a verification's time."""
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=" * (-len(token.split(".")[1]) % 4)))
    if not isinstance(payload, dict):
        raise ValueError("the token's payload is not a JSON object")
    return payload


def _signing_keys(keys: object) -> dict[str, _Key]:
    """The JWKS's signing keys by kid. Encryption keys (`use: enc`, as Keycloak publishes) and keys PyJWT cannot read
    are left out rather than failing the whole set: one odd key must not lock everyone out."""
    found: dict[str, _Key] = {}
    for jwk in keys if isinstance(keys, list) else []:
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str) or jwk.get("use", "sig") != "sig":
            continue
        try:
            found[jwk["kid"]] = _Key(jwk.get("kty", ""), jwk.get("alg"), jwt.PyJWK(jwk).key)
        except (jwt.PyJWKError, jwt.InvalidKeyError):
            continue
    return found


def _reason(exc: jwt.InvalidTokenError) -> str:
    """A short reason for the header: PyJWT's own messages can quote claim values, so they are not passed on."""
    if isinstance(exc, jwt.ExpiredSignatureError):
        return "token has expired"
    if isinstance(exc, jwt.ImmatureSignatureError):
        return "token is not yet valid"
    if isinstance(exc, jwt.InvalidIssuerError):
        return "token issuer is not trusted"
    if isinstance(exc, jwt.InvalidSignatureError):
        return "token signature is invalid"
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"token lacks the {exc.claim} claim"
    return "token is invalid"
