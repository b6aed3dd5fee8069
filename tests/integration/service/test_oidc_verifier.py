"""The OIDC verifier against a real OpenID Provider on loopback (npm's oidc-provider): real discovery, JWKS and
access tokens are accepted; forged, expired, wrong-audience, wrong-issuer, unknown-key, `alg: none` and HS256 tokens
are refused, each with its reason; a key rotation is picked up with one JWKS refetch, and the JWKS is not refetched
per token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from oidc_process import AUDIENCE, OidcProvider, provider, signing_key

from sre_agent.service.oidc import OidcVerifier, TokenRejected

pytestmark = pytest.mark.slow

CLIENTS = {"responder": {"groups": ["sre-responder"]}, "approver": {"groups": ["sre-approver", "payments-team"]},
           "short-lived": {"groups": ["sre-viewer"], "ttl_s": 1}}
KEY, KEY_JWK = signing_key("key-1")


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    yield from provider(tmp_path_factory.mktemp("idp"), [KEY_JWK], CLIENTS)


@pytest.fixture(scope="module")
def other_idp(tmp_path_factory):
    """Another issuer with the very same keys: only `iss` tells its tokens apart."""
    yield from provider(tmp_path_factory.mktemp("other-idp"), [KEY_JWK], CLIENTS)


@pytest.fixture
def verifier(idp) -> OidcVerifier:
    return OidcVerifier(idp.issuer, AUDIENCE)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _refused(verifier: OidcVerifier, token: str) -> str:
    with pytest.raises(TokenRejected) as refused:
        verifier.verify(token)
    return refused.value.reason


def test_a_real_token_is_accepted_with_roles_from_its_groups(idp, verifier):
    responder = verifier.verify(idp.token("responder"))
    assert (responder.sub, responder.groups, responder.roles, responder.issuer) == (
        "responder", ("sre-responder",), {"responder", "viewer"}, idp.issuer)
    approver = verifier.verify(idp.token("approver"))
    assert approver.groups == ("sre-approver", "payments-team") and approver.roles == {"approver", "viewer"}
    for _ in range(5):
        verifier.verify(idp.token("responder"))
    assert verifier.jwks_fetches == 1  # cached: not one fetch per token


def test_a_token_signed_by_another_key_under_the_same_kid_is_refused(idp, verifier):
    forger, _ = signing_key("key-1")
    forged = jwt.encode(_claims(idp.token("approver")), forger, algorithm="RS256", headers={"kid": "key-1"})
    assert _refused(verifier, forged) == "token signature is invalid"


def test_an_expired_token_is_refused_and_the_leeway_covers_a_small_skew(idp):
    token = idp.token("short-lived")
    time.sleep(max(0.0, _claims(token)["exp"] - time.time()) + 1.1)
    assert _refused(OidcVerifier(idp.issuer, AUDIENCE, leeway_s=0), token) == "token has expired"
    assert OidcVerifier(idp.issuer, AUDIENCE, leeway_s=60).verify(token).roles == {"viewer"}


def test_a_token_for_another_audience_is_refused(idp, verifier):
    assert _refused(verifier, idp.token("responder", resource="https://another-service.test")) == "token audience is not this service"


def test_a_token_from_another_issuer_is_refused_without_fetching_keys(other_idp, verifier):
    assert _refused(verifier, other_idp.token("approver")) == "token issuer is not trusted"
    assert verifier.jwks_fetches == 0


def test_an_unknown_kid_refetches_once_then_is_refused_and_a_flood_does_not_refetch(idp, verifier):
    stranger, _ = signing_key("stranger")
    unknown = jwt.encode(_claims(idp.token("approver")), stranger, algorithm="RS256", headers={"kid": "stranger"})
    verifier.verify(idp.token("approver"))  # the cache's first fill
    assert _refused(verifier, unknown) == "token signing key is unknown"
    assert verifier.jwks_fetches == 2  # one refetch for the unknown kid (a fill just made would not be refetched)
    for _ in range(10):
        assert _refused(verifier, unknown) == "token signing key is unknown"
    assert verifier.jwks_fetches == 2  # at most one refetch per min_refresh_interval_s


def test_alg_none_is_refused(idp, verifier):
    claims = _claims(idp.token("approver"))
    unsigned = f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT', 'kid': 'key-1'}).encode())}.{_b64(json.dumps(claims).encode())}."
    assert _refused(verifier, unsigned) == "token algorithm is not allowed"


def test_hs256_signed_with_the_public_key_as_secret_is_refused(idp, verifier):
    public_pem = KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT', 'kid': 'key-1'}).encode())}." \
                    f"{_b64(json.dumps(_claims(idp.token('approver'))).encode())}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    assert _refused(verifier, f"{signing_input}.{_b64(signature)}") == "token algorithm is not allowed"


def test_an_alg_that_does_not_fit_the_key_type_is_refused(idp, verifier):
    header, payload, signature = idp.token("approver").split(".")
    swapped = _b64(json.dumps({**json.loads(base64.urlsafe_b64decode(header + "==")), "alg": "ES256"}).encode())
    assert _refused(verifier, f"{swapped}.{payload}.{signature}") == "token algorithm does not match its key"


def test_a_key_rotation_is_picked_up_with_one_refetch(tmp_path):
    _, new_jwk = signing_key("key-2")
    idp = OidcProvider(tmp_path, [KEY_JWK], CLIENTS).start()
    try:
        verifier = OidcVerifier(idp.issuer, AUDIENCE)
        before = idp.token("responder")
        assert verifier.verify(before).sub == "responder" and verifier.jwks_fetches == 1
        idp.restart([new_jwk, KEY_JWK])
        after = idp.token("responder")
        assert jwt.get_unverified_header(after)["kid"] == "key-2"
        assert verifier.verify(after).roles == {"responder", "viewer"}
        assert verifier.jwks_fetches == 2
        for token in (before, after, idp.token("approver"), idp.token("responder")):
            verifier.verify(token)  # the old key is still published, so tokens it signed still hold
        assert verifier.jwks_fetches == 2
    finally:
        idp.stop()


def test_a_cognito_id_token_is_not_taken_for_an_access_token(idp, verifier):
    # Signed by the issuer's own key and naming this audience: what only token_use tells apart (Cognito's ID tokens
    # carry the app client id as aud, which is also the audience an API configured with that client id expects).
    claims = {**_claims(idp.token("approver")), "token_use": "id"}
    id_token = jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "key-1"})
    assert _refused(verifier, id_token) == "token is an ID token, not an access token"
    access = jwt.encode({**claims, "token_use": "access"}, KEY, algorithm="RS256", headers={"kid": "key-1"})
    assert verifier.verify(access).roles == {"approver", "viewer"}
