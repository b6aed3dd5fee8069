"""The console's client of the identity provider (console/signin.py's IdentityProvider): the endpoints from the
issuer's discovery document, the code redeemed at its token endpoint with the PKCE verifier (and the client secret,
for a confidential client such as a Cognito app client with a secret), the ID token verified with the same key cache
the API's bearer tokens use (oidc.py), and the person it names.

Who the person is, and their roles: when the access token that came with the ID token is one the API itself would
take (a JWT from this issuer for service.oidc_audience -- Cognito's access tokens for the app client are; Entra's for
scope openid are Microsoft Graph's, not ours), the console session is that token's principal, exactly as the API
would see the person (the same `sub`, so the two-person rule compares like with like, and the same roles), with the
email and name from the ID token when it lacks them. Otherwise the ID token's own claims (its groups claim) say.

Sync: the routes call it in a thread; OidcVerifier is thread-safe."""

from __future__ import annotations

import base64
import logging
import re
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from ..console.signin import SignedIn, SignInFailed
from .oidc import OidcUnavailable, OidcVerifier, Principal, TokenRejected, principal_from

log = logging.getLogger(__name__)

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# An access token refused for these reasons is for another resource (not ours to judge): roles then come from the
# ID token. Any other refusal of a token of ours fails the sign-in.
_NOT_OURS = {"token issuer is not trusted", "token audience is not this service"}
_SHOWN = 200  # at most this much of the provider's error_description goes on the page


class OidcSignIn:
    def __init__(self, verifier: OidcVerifier, client_id: str, *, client_secret: str | None = None,
                 scopes: str = "openid email profile", public_url: str | None = None, http_timeout_s: float = 10) -> None:
        self.verifier = verifier
        self.issuer = verifier.issuer
        self.client_id = client_id
        self._client_secret = client_secret
        self.scopes = scopes
        self.public_url = public_url.rstrip("/") if public_url else None
        self.http_timeout_s = http_timeout_s

    def __repr__(self) -> str:  # never the secret
        return f"OidcSignIn(issuer={self.issuer!r}, client_id={self.client_id!r})"

    @property
    def label(self) -> str:
        return urlsplit(self.issuer).netloc or self.issuer

    def _metadata(self) -> dict[str, Any]:
        try:
            return self.verifier.metadata()
        except OidcUnavailable as exc:
            log.warning("console sign-in: the OIDC issuer could not be asked: %s", exc)
            raise SignInFailed(f"The identity provider ({self.label}) could not be reached: try again shortly (the "
                               "service's log says why).", 503) from exc

    def _endpoint(self, name: str) -> str:
        endpoint = self._metadata().get(name)
        if not isinstance(endpoint, str) or not endpoint:
            raise SignInFailed(f"The identity provider ({self.label}) names no {name} in its discovery document: it "
                               "cannot sign people in to the console.", 502)
        return endpoint

    def authorization_url(self, redirect_uri: str, state: str, nonce: str, code_challenge: str) -> str:
        endpoint = self._endpoint("authorization_endpoint")
        query = urlencode({"response_type": "code", "client_id": self.client_id, "redirect_uri": redirect_uri,
                           "scope": self.scopes, "state": state, "nonce": nonce, "code_challenge": code_challenge,
                           "code_challenge_method": "S256"})
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    def redeem(self, code: str, code_verifier: str, redirect_uri: str, nonce: str) -> SignedIn:
        """The person the code signs in; SignInFailed saying what went wrong."""
        tokens = self._exchange(code, code_verifier, redirect_uri)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise SignInFailed(f"The identity provider ({self.label}) answered without an ID token: is `openid` in "
                               "service.oidc_scopes?", 502)
        try:
            claims = self.verifier.id_token_claims(id_token, self.client_id, nonce)
            principal = self._access_principal(tokens.get("access_token"))
        except TokenRejected as exc:
            raise SignInFailed(f"The identity provider's token was refused: {exc.reason}.", 502) from exc
        except OidcUnavailable as exc:
            log.warning("console sign-in: the OIDC issuer's keys could not be had: %s", exc)
            raise SignInFailed(f"The identity provider ({self.label}) could not be reached to check the sign-in: try "
                               "again shortly.", 503) from exc
        if principal is None:
            principal = principal_from(claims, self.verifier.groups_claim, self.verifier.role_map)
        return SignedIn(sub=principal.sub, email=principal.email or _text(claims, "email"),
                        name=principal.name or _text(claims, "name"), roles=principal.roles,
                        expires_at=int(claims["exp"]), id_token=id_token)

    def _access_principal(self, access_token: Any) -> Principal | None:
        """The access token's principal when it is a token the API takes (module docstring); None when it is not
        a JWT or is another resource's."""
        if not isinstance(access_token, str) or not _JWT.fullmatch(access_token):
            return None
        try:
            return self.verifier.verify(access_token)
        except TokenRejected as exc:
            if exc.reason in _NOT_OURS:
                return None
            raise

    def _exchange(self, code: str, code_verifier: str, redirect_uri: str) -> dict[str, Any]:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "code_verifier": code_verifier, "client_id": self.client_id}
        headers = {"accept": "application/json"}
        if self._client_secret is not None:
            methods = self._metadata().get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
            if "client_secret_basic" in methods or "client_secret_post" not in methods:
                # RFC 6749 2.3.1: each part form-encoded before the Basic encoding
                pair = f"{quote(self.client_id, safe='')}:{quote(self._client_secret, safe='')}"
                headers["authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
            else:
                form["client_secret"] = self._client_secret
        endpoint = self._endpoint("token_endpoint")
        try:
            response = httpx.post(endpoint, data=form, headers=headers, timeout=self.http_timeout_s)
        except httpx.HTTPError as exc:
            log.warning("console sign-in: the token endpoint %s could not be reached: %s", endpoint, exc)
            raise SignInFailed(f"The identity provider ({self.label}) could not be reached to redeem the sign-in: "
                               "try again shortly.", 503) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            description = body.get("error_description") if isinstance(body, dict) else None
            log.warning("console sign-in: the token endpoint answered %s: %s %s", response.status_code, error, description)
            said = f"{error}" + (f" ({str(description)[:_SHOWN]})" if description else "") if error else \
                f"HTTP {response.status_code}"
            raise SignInFailed(f"The identity provider ({self.label}) refused to redeem the sign-in: {said}. Try "
                               "again; if it keeps failing, check the console's client (service.oidc_client_id, "
                               "service.oidc_client_secret) and its registered redirect URI.", 502)
        return body

    def end_session_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
        """Where to send the browser to end the provider's session too (RP-initiated logout), or None when the
        provider advertises no end_session_endpoint (Cognito) or cannot be reached."""
        try:
            endpoint = self.verifier.metadata().get("end_session_endpoint")
        except OidcUnavailable:
            return None
        if not isinstance(endpoint, str) or not endpoint:
            return None
        query = urlencode({**({"id_token_hint": id_token} if id_token else {}), "client_id": self.client_id,
                           "post_logout_redirect_uri": post_logout_redirect_uri})
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def _text(claims: dict[str, Any], name: str) -> str | None:
    value = claims.get(name)
    return value if isinstance(value, str) else None


__all__ = ["OidcSignIn"]
