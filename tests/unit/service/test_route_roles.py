"""Which role each route needs (service/roles.py), and who a bearer token is (service/identity.py) without a
provider: the table, row by row; every route of the app has a row; the static token; the challenge headers; the
OIDC settings' validation; a verifier that could not reach its issuer fails fast; and chat's read-only gate."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from pydantic import ValidationError

from sre_agent.app.options import RunOptions
from sre_agent.app.service_settings import ServiceSettings
from sre_agent.chat.conversation.graph import ChatContext, pinned_for
from sre_agent.chat.models import Answer, ApprovalRequest
from sre_agent.contracts import DEFAULT_GROUP_ROLES, Person
from sre_agent.service.api import CONSOLE_PREFIX, build_app
from sre_agent.service.core import IncidentService
from sre_agent.service.identity import STATIC, Authenticator, AuthRefusal, person_of
from sre_agent.service.oidc import DEFAULT_ROLES, OidcUnavailable, OidcVerifier
from sre_agent.service.roles import ROUTE_ROLES, forbidden_message, required_role

PUBLIC = {"/healthz", "/readyz", "/ping"}  # GuardSettings.public_paths: no token at all
SIGNED = {"/v1/alarms/sns"}  # commands/serve.py guard_settings: the handler checks the SNS signature


@pytest.mark.parametrize("method, path, role", [
    ("GET", "/v1/incidents", "viewer"),
    ("HEAD", "/v1/incidents", "viewer"),
    ("GET", "/v1/incidents/inc-20260101-000000-abcdef012345", "viewer"),
    ("GET", "/v1/incidents/inc-1/report", "viewer"),
    ("GET", "/metrics", "viewer"),
    ("GET", "/openapi.json", "viewer"),
    ("POST", "/v1/sessions", "viewer"),
    ("GET", "/v1/sessions/chat-20260101T000000Z-0123abcd", "viewer"),
    ("POST", "/v1/sessions/chat-1/messages", "viewer"),  # answered read-only for a viewer
    ("POST", "/v1/incidents", "responder"),
    ("POST", "/v1/alarms/eventbridge", "responder"),
    ("POST", "/v1/alarms/alertmanager", "responder"),
    ("POST", "/v1/incidents/inc-1/resolve", "responder"),
    ("POST", "/invocations", "responder"),
    ("POST", "/v1/incidents/inc-1/approval", "approver"),
    # not routes of the app: a read needs viewer (the app answers 404), anything else responder
    ("GET", "/v1/nothing-here", "viewer"),
    ("POST", "/v1/incidents/inc-1/approval/extra", "responder"),
    ("POST", "/v1/incidents/a/b/approval", "responder"),  # {incident_id} is one path segment, as in the app
    ("DELETE", "/v1/incidents/inc-1", "responder"),
])
def test_each_route_needs_its_role(method, path, role):
    assert required_role(method, path) == role


def test_every_route_of_the_app_has_a_row(tmp_path):
    app = build_app(IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False))
    listed = {(rule.method, rule.path) for rule in ROUTE_ROLES}
    unlisted = []
    for route in app.routes:
        path, methods = getattr(route, "path", ""), getattr(route, "methods", None) or set()
        if path in PUBLIC | SIGNED or path.startswith(CONSOLE_PREFIX):
            continue
        unlisted += [f"{m} {path}" for m in methods - {"HEAD"} if (m, path) not in listed]
    assert unlisted == [], "add these routes to service/roles.py ROUTE_ROLES"
    assert not {rule.path for rule in ROUTE_ROLES} & (PUBLIC | SIGNED)


def test_the_403_names_the_role_needed_and_the_roles_held():
    assert forbidden_message("approver", {"viewer", "responder"}) == \
        "this needs the approver role; your token carries: responder, viewer"
    assert forbidden_message("viewer", set()) == "this needs the viewer role; your token carries: no role"


def test_the_default_group_map_is_one_and_the_static_token_has_every_role_but_names_nobody():
    assert DEFAULT_ROLES == DEFAULT_GROUP_ROLES == ServiceSettings().oidc_roles
    assert STATIC.roles == {"viewer", "responder", "approver"} and STATIC.sub == "static-token"
    assert person_of(STATIC) is None and person_of(None) is None


def _authenticate(auth: Authenticator, header: bytes) -> object:
    return asyncio.run(auth.authenticate(header))


def test_the_static_token_and_the_challenge_of_each_refusal():
    auth = Authenticator("s3cret")
    assert _authenticate(auth, b"Bearer s3cret") is STATIC and _authenticate(auth, b"bEaReR  s3cret ") is STATIC
    for header, challenge in ((b"", b'Bearer realm="sre-agent"'), (b"Basic s3cret", b'Bearer realm="sre-agent"'),
                              (b"Bearer", b'Bearer realm="sre-agent"'),
                              (b"Bearer nope", b'Bearer realm="sre-agent", error="invalid_token", '
                                               b'error_description="the token is not valid here"')):
        refused = _authenticate(auth, header)
        assert isinstance(refused, AuthRefusal) and refused.status == 401 and refused.reason == "unauthorized"
        assert refused.headers == [(b"www-authenticate", challenge)] and "s3cret" not in refused.message
    assert not Authenticator(None).required and Authenticator(None, OidcVerifier("https://idp.invalid", "aud")).required


def test_a_verifier_that_could_not_reach_its_issuer_fails_fast_until_the_retry_interval(monkeypatch):
    now = [0.0]
    asked: list[str] = []

    def unreachable(url, timeout):
        asked.append(url)
        raise httpx.ConnectError("connection refused")

    monkeypatch.setattr(httpx, "get", unreachable)
    verifier = OidcVerifier("https://idp.invalid", "aud", retry_after_failure_s=5, clock=lambda: now[0])
    token = _token("https://idp.invalid")
    for _ in range(3):
        with pytest.raises(OidcUnavailable):
            verifier.verify(token)
    assert len(asked) == 1  # the same failure, at once, without asking again
    now[0] = 6.0
    with pytest.raises(OidcUnavailable):
        verifier.verify(token)
    assert len(asked) == 2


def _token(issuer: str) -> str:
    import time

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode({"iss": issuer, "sub": "a", "aud": "aud", "iat": int(time.time()), "exp": int(time.time()) + 60},
                      key, "RS256", headers={"kid": "k"})


# --- the settings --------------------------------------------------------------------------------------------


def test_oidc_settings_need_issuer_and_audience_together_an_https_issuer_and_known_roles():
    with pytest.raises(ValidationError, match="oidc_audience is not"):
        ServiceSettings(oidc_issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc")
    with pytest.raises(ValidationError, match="oidc_issuer is not"):
        ServiceSettings(oidc_audience="client-id")
    with pytest.raises(ValidationError, match="https URL"):
        ServiceSettings(oidc_issuer="http://idp.example.com", oidc_audience="client-id")
    with pytest.raises(ValidationError, match="two_person_rule needs OIDC"):
        ServiceSettings(two_person_rule=True)
    with pytest.raises(ValidationError, match="viewer"):
        ServiceSettings(oidc_roles={"ops": "admin"})
    with pytest.raises(ValidationError, match="group=role"):
        ServiceSettings(oidc_roles="ops")
    settings = ServiceSettings(oidc_issuer="http://127.0.0.1:9000", oidc_audience="a", oidc_roles="ops=approver, devs=responder")
    assert settings.oidc_roles == {"ops": "approver", "devs": "responder"}
    assert ServiceSettings(oidc_roles='{"ops": "viewer"}').oidc_roles == {"ops": "viewer"}


# --- chat: read-only for a viewer, the asker named for a responder -------------------------------------------


def test_a_pinned_action_is_dropped_for_a_reader_and_names_the_asker_otherwise():
    request = ApprovalRequest(tool="rollout_undo", resource="shop/Deployment/catalog", change="back to revision 3")
    answer = Answer(question="roll catalog back", form="write_request", status="approval_required",
                    headline="Approval needed: rollout_undo shop/Deployment/catalog", approval=request)
    alice = Person(sub="u-1", email="alice@example.com")
    read_only = pinned_for(answer, ChatContext(tools=None, asker=alice, may_pin=False))  # type: ignore[arg-type]
    assert read_only.approval is None and read_only.status == "answered"
    assert "responder role" in read_only.headline and "rollout_undo" in read_only.headline
    pinned = pinned_for(answer, ChatContext(tools=None, asker=alice))  # type: ignore[arg-type]
    assert pinned.approval is not None and pinned.approval.requested_by == alice and pinned.status == "approval_required"
    assert pinned_for(answer, ChatContext(tools=None)) is answer  # type: ignore[arg-type]  # the CLI, the static token
    assert alice.label() == "alice@example.com (sub u-1)" and Person(sub="u-2").label() == "sub u-2"
