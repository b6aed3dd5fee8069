"""The OIDC verifier's claims handling, without a provider: groups -> roles, the groups claim's shapes, the audience
(`aud` or Cognito's `client_id`), which JWKS entries count as signing keys, and what is refused before any key is
fetched (the issuer here is never contacted)."""

from __future__ import annotations

import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import ValidationError

from sre_agent.service.oidc import (
    DEFAULT_ROLES,
    OidcVerifier,
    TokenRejected,
    _reason,
    _signing_keys,
    audience_matches,
    groups_in,
    principal_from,
    roles_for,
)

ISSUER = "https://idp.invalid/pool"


def test_each_default_group_maps_to_its_role_and_approver_and_responder_imply_viewer_only():
    assert roles_for(["sre-viewer"], DEFAULT_ROLES) == {"viewer"}
    assert roles_for(["sre-responder"], DEFAULT_ROLES) == {"responder", "viewer"}
    assert roles_for(["sre-approver"], DEFAULT_ROLES) == {"approver", "viewer"}  # approving is not responding
    assert roles_for(["sre-approver", "sre-responder"], DEFAULT_ROLES) == {"approver", "responder", "viewer"}


def test_groups_the_map_does_not_name_grant_nothing_and_a_custom_map_replaces_the_default():
    assert roles_for(["payments-team", "SRE-VIEWER"], DEFAULT_ROLES) == frozenset()
    assert roles_for(["oncall"], {"oncall": "responder"}) == {"responder", "viewer"}
    assert roles_for(["sre-viewer"], {"oncall": "responder"}) == frozenset()


def test_the_groups_claim_may_be_a_list_or_one_string_and_anything_else_is_no_groups():
    assert groups_in({"cognito:groups": ["a", 3, "b"]}, "cognito:groups") == ("a", "b")
    assert groups_in({"groups": "sre-viewer"}, "groups") == ("sre-viewer",)
    assert groups_in({"groups": {"sre-viewer": True}}, "groups") == ()
    assert groups_in({}, "cognito:groups") == ()


def test_a_principal_takes_sub_issuer_email_name_and_the_configured_groups_claim():
    claims = {"sub": "u-1", "iss": ISSUER, "email": "a@example.test", "name": 7, "groups": ["sre-responder"],
              "cognito:groups": ["sre-approver"]}
    principal = principal_from(claims, "groups", DEFAULT_ROLES)
    assert (principal.sub, principal.issuer, principal.email, principal.name) == ("u-1", ISSUER, "a@example.test", None)
    assert principal.groups == ("sre-responder",) and principal.roles == {"responder", "viewer"}
    with pytest.raises(ValidationError):
        principal.sub = "someone-else"  # type: ignore[misc]


@pytest.mark.parametrize(("claims", "matches"), [
    ({"aud": "api"}, True),
    ({"aud": ["other", "api"]}, True),
    ({"aud": "other"}, False),
    ({"client_id": "api", "token_use": "access"}, True),  # a Cognito access token has no aud
    ({"aud": "other", "client_id": "api"}, False),  # an aud that is present is what counts
    ({}, False),
])
def test_the_audience_is_aud_or_else_cognitos_client_id(claims, matches):
    assert audience_matches(claims, "api") is matches


def test_only_signing_keys_that_pyjwt_can_read_are_cached():
    rsa_jwk = {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa.generate_private_key(65537, 2048).public_key())), "kid": "r"}
    ec_jwk = {**json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())), "kid": "e",
              "alg": "ES256"}
    keys = _signing_keys([rsa_jwk, ec_jwk, {**rsa_jwk, "kid": "enc", "use": "enc"}, {"kty": "RSA", "kid": "junk"},
                          {**rsa_jwk, "kid": None}, "not-a-key"])
    assert sorted(keys) == ["e", "r"]
    assert (keys["r"].kty, keys["r"].alg, keys["e"].kty, keys["e"].alg) == ("RSA", None, "EC", "ES256")
    assert _signing_keys(None) == {}


@pytest.mark.parametrize("algorithms", [("RS256", "none"), ("HS256",), ("RS256", "HS512")])
def test_none_and_hmac_algorithms_cannot_be_configured(algorithms):
    with pytest.raises(ValueError, match="not an asymmetric JWS algorithm"):
        OidcVerifier(ISSUER, "api", algorithms=algorithms)


def test_a_plain_http_issuer_is_allowed_on_loopback_only():
    OidcVerifier("http://127.0.0.1:8080", "api")
    with pytest.raises(ValueError, match="https"):
        OidcVerifier("http://idp.example.test", "api")


def _refused_offline(token: str) -> str:
    verifier = OidcVerifier(ISSUER, "api")
    with pytest.raises(TokenRejected) as refused:
        verifier.verify(token)
    assert verifier.jwks_fetches == 0
    return refused.value.reason


def test_what_is_refused_before_any_key_is_fetched():
    key = rsa.generate_private_key(65537, 2048)
    claims = {"sub": "u", "iss": ISSUER, "aud": "api", "exp": 4102444800, "iat": 1700000000}
    assert _refused_offline("not.a-jwt") == "token is malformed"
    header = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k"}).split(".")[0]
    assert _refused_offline(f"{header}.bm90LWpzb24.c2ln") == "token is malformed"  # the payload is "not-json"
    assert _refused_offline(jwt.encode(claims, None, algorithm="none")) == "token algorithm is not allowed"
    assert _refused_offline(jwt.encode(claims, "s" * 32, algorithm="HS256", headers={"kid": "k"})) == "token algorithm is not allowed"
    assert _refused_offline(jwt.encode({**claims, "iss": "https://evil.test"}, key, algorithm="RS256", headers={"kid": "k"})) \
        == "token issuer is not trusted"
    assert _refused_offline(jwt.encode(claims, key, algorithm="RS256")) == "token names no signing key"


def test_reasons_are_fixed_phrases_that_never_quote_the_token():
    assert _reason(jwt.ExpiredSignatureError("Signature has expired")) == "token has expired"
    assert _reason(jwt.MissingRequiredClaimError("exp")) == "token lacks the exp claim"
    assert _reason(jwt.InvalidAudienceError("Audience doesn't match: <script>")) == "token is invalid"
