"""OIDC identity through `sre-agent serve` over real HTTP: the service app behind guard() with the rules
commands/serve.py wires (guard_settings), on uvicorn in a thread (lifespan off: no worker runs, a paused
approval is made as a worker leaves it), and a real OpenID Provider on loopback (npm's oidc-provider,
tests/oidc_process.py) minting real access tokens. Refusals (401 with WWW-Authenticate, 403 naming the role,
503 with the issuer down), attribution (an approval records the token's sub and email, never the typed
"by"), the two-person rule, and the static token beside OIDC (the API, and the console's session).
The verifier's own refusals, one by one, are tests/integration/service/test_oidc_verifier.py's."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator

import httpx
import jwt
import pytest
from oidc_process import AUDIENCE, OidcProvider, provider, signing_key
from serve_process import free_port
from uvicorn_thread import ThreadedUvicorn

import sre_agent.chat.conversation.session as chat_session
from sre_agent.app.options import RunOptions
from sre_agent.app.service_settings import ServiceSettings
from sre_agent.chat.models import Answer
from sre_agent.commands.serve import guard_settings
from sre_agent.graph.state import ApprovalDecision
from sre_agent.service.api import build_app
from sre_agent.service.core import IncidentService
from sre_agent.service.guard import guard
from sre_agent.service.timeouts import uvicorn_config

pytestmark = pytest.mark.slow

TOKEN = "oidc-service-static-token"
STATIC = {"Authorization": f"Bearer {TOKEN}"}
KEY, KEY_JWK = signing_key("service-key-1")
CLIENTS = {"viewer": {"groups": ["sre-viewer"], "email": "vera@example.com"},
           "responder": {"groups": ["sre-responder"], "email": "rita@example.com"},
           "approver": {"groups": ["sre-approver"], "email": "alice@example.com"},
           # asks and approves: the two-person rule keeps her from approving what she asked for
           "pat": {"groups": ["sre-responder", "sre-approver"], "email": "pat@example.com"},
           "nobody": {"groups": ["payments-team"]}}
REALM = 'Bearer realm="sre-agent"'


class Served:
    """IncidentService + build_app + guard(guard_settings(...)) on uvicorn, lifespan off."""

    def __init__(self, service: IncidentService, settings: ServiceSettings) -> None:
        self.service = service
        secret = settings.token.get_secret_value() if settings.token else None
        app = guard(build_app(service), guard_settings(settings, secret))
        self.uvicorn = ThreadedUvicorn(uvicorn_config(app, "127.0.0.1", 0, log_level="warning", lifespan="off"),
                                       name="oidc-uvicorn")

    def __enter__(self) -> Served:
        port = self.uvicorn.start()
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()
        self.uvicorn.stop()
        self.service.chat_loop.stop()
        self.service.intake_writer.stop()


class RecordingChat:
    """Stands in for ChatSession (the real chat needs the lab): records who asked and whether they may pin."""

    turns: list[dict] = []

    def __init__(self, options, session_id=None, namespace=None, tools=None) -> None:
        pass

    async def __aenter__(self) -> RecordingChat:
        return self

    async def __aexit__(self, *exc) -> None:
        return None

    async def ask(self, question: str, **turn) -> Answer:
        type(self).turns.append(turn)
        return Answer(question=question, form="stand-in", headline="read-only answer")


@pytest.fixture(scope="module")
def idp(tmp_path_factory) -> Iterator[OidcProvider]:
    yield from provider(tmp_path_factory.mktemp("idp"), [KEY_JWK], CLIENTS)


@pytest.fixture
def served(idp, tmp_path) -> Iterator[Served]:
    """OIDC and the static token together, the two-person rule on (one provider per module, a service per test)."""
    settings = ServiceSettings(host="127.0.0.1", token=TOKEN, oidc_issuer=idp.issuer, oidc_audience=AUDIENCE,
                               two_person_rule=True)
    service = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False,
                              two_person_rule=settings.two_person_rule)
    with Served(service, settings) as served:
        yield served


@pytest.fixture(scope="module")
def tokens(idp) -> dict[str, dict[str, str]]:
    """An Authorization header per client, minted once for the module."""
    return {client: {"Authorization": f"Bearer {idp.token(client)}"} for client in CLIENTS}


def _claims(token_header: dict[str, str]) -> dict:
    return jwt.decode(token_header["Authorization"].split()[1], options={"verify_signature": False})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _ask(served: Served, headers: dict[str, str], question: str = "why is checkout slow?") -> str:
    opened = served.client.post("/v1/incidents", json={"question": question}, headers=headers)
    assert opened.status_code == 202, opened.text
    return opened.json()["incident_id"]


def _paused(service: IncidentService, incident_id: str) -> tuple[str, str]:
    """The incident's run paused on an approval, as a worker leaves it: (run_id, approval_id)."""
    run = service.store.claim_next("test-worker", 60)
    assert run is not None and run.incident_id == incident_id
    service.store.pause(run.run_id, "test-worker", {"action_id": "act-1", "plan": {"tool": "rollout_undo"}},
                        time.time() + 300)
    return run.run_id, service.pending_run(incident_id).approval["approval_id"]


def _approve(served: Served, headers: dict[str, str], incident_id: str, approval_id: str,
             decision: str = "approved") -> httpx.Response:
    return served.client.post(f"/v1/incidents/{incident_id}/approval", headers=headers,
                              json={"decision": decision, "action_id": "act-1", "approval_id": approval_id,
                                    "by": "someone-else-entirely"})


# --- 401 / 403 ------------------------------------------------------------------------------------------


def test_missing_forged_expired_wrong_audience_and_alg_none_tokens_are_401_with_the_challenge(served, idp, tokens):
    claims = _claims(tokens["approver"])
    forger, _ = signing_key("service-key-1")
    header = {"alg": "none", "typ": "JWT", "kid": "service-key-1"}
    refused = {
        "no token": ({}, None),
        "not a JWT": ({"Authorization": "Bearer not-the-token"}, "the token is not valid here"),
        "forged": ({"Authorization": f"Bearer {jwt.encode(claims, forger, 'RS256', headers={'kid': 'service-key-1'})}"},
                   "token signature is invalid"),
        # signed by the provider's own key, but expired ten minutes ago (past the one-minute leeway)
        "expired": ({"Authorization": "Bearer " + jwt.encode({**claims, "iat": int(time.time()) - 1200,
                                                              "exp": int(time.time()) - 600}, KEY, "RS256",
                                                             headers={"kid": "service-key-1"})}, "token has expired"),
        "wrong audience": ({"Authorization": f"Bearer {idp.token('approver', resource='https://another-service.test')}"},
                           "token audience is not this service"),
        "alg none": ({"Authorization": f"Bearer {_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."},
                     "token algorithm is not allowed"),
    }
    for what, (headers, reason) in refused.items():
        answer = served.client.get("/v1/incidents", headers=headers)
        assert answer.status_code == 401, (what, answer.text)
        challenge = answer.headers["www-authenticate"]
        assert challenge == REALM if reason is None else \
            challenge == f'{REALM}, error="invalid_token", error_description="{reason}"', (what, challenge)
        assert answer.json()["error"].startswith("unauthorized: ") and TOKEN not in answer.text
    assert served.client.get("/v1/incidents", headers=tokens["viewer"]).status_code == 200


def test_a_token_without_the_role_is_403_naming_it_and_saying_nothing_of_the_incident(served, tokens):
    incident_id = _ask(served, tokens["responder"])
    body = {"decision": "approved", "action_id": "act-1", "approval_id": "apr-x"}
    for who, held in (("viewer", "viewer"), ("responder", "responder, viewer"), ("nobody", "no role")):
        for target in (incident_id, "inc-20000101-000000-000000000000"):  # one that exists, one that does not
            answer = served.client.post(f"/v1/incidents/{target}/approval", json=body, headers=tokens[who])
            assert answer.status_code == 403, (who, answer.text)
            assert answer.json() == {"error": f"this needs the approver role; your token carries: {held}"}
            assert answer.headers["www-authenticate"] == f'{REALM}, error="insufficient_scope"'
    refused = served.client.post("/v1/incidents", json={"question": "restart it"}, headers=tokens["viewer"])
    assert refused.status_code == 403 and "responder role" in refused.json()["error"]
    assert served.client.get(f"/v1/incidents/{incident_id}", headers=tokens["approver"]).status_code == 200  # implies viewer
    assert served.client.get("/healthz").status_code == 200  # probes need no token
    metrics = served.client.get("/metrics", headers=tokens["viewer"]).text
    assert re.search(r'sre_agent_guard_refusals_total\{reason="forbidden"\} [1-9]', metrics)


# --- attribution and the two-person rule -------------------------------------------------------------------


def test_an_approval_records_the_tokens_sub_and_email_not_the_typed_name(served, tokens):
    incident_id = _ask(served, tokens["responder"])
    assert served.service.store.incident(incident_id).incident.requested_by.model_dump() == {
        "sub": "responder", "email": "rita@example.com"}
    run_id, approval_id = _paused(served.service, incident_id)
    answer = _approve(served, tokens["approver"], incident_id, approval_id)
    assert answer.status_code == 202, answer.text
    assert answer.json()["by"] == "alice@example.com (sub approver)"
    recorded = ApprovalDecision.model_validate(served.service.store.run(run_id).resume)  # what the run resumes with
    assert recorded.by == "alice@example.com (sub approver)" and "someone-else-entirely" not in str(recorded)
    assert recorded.person is not None and recorded.person.model_dump() == {"sub": "approver", "email": "alice@example.com"}


def test_the_two_person_rule_refuses_the_requesters_approval_and_the_static_tokens(served, tokens):
    incident_id = _ask(served, tokens["pat"])
    run_id, approval_id = _paused(served.service, incident_id)
    own = _approve(served, tokens["pat"], incident_id, approval_id)
    assert own.status_code == 403 and "two-person rule" in own.json()["error"] and incident_id in own.json()["error"]
    static = _approve(served, STATIC, incident_id, approval_id)
    assert static.status_code == 403 and "static token names nobody" in static.json()["error"]
    assert served.service.pending_run(incident_id).approval["approval_id"] == approval_id  # still waiting
    other = _approve(served, tokens["approver"], incident_id, approval_id)
    assert other.status_code == 202, other.text


def test_the_requester_may_still_reject(served, tokens):
    incident_id = _ask(served, tokens["pat"])
    run_id, approval_id = _paused(served.service, incident_id)
    assert _approve(served, tokens["pat"], incident_id, approval_id, "rejected").status_code == 202
    assert served.service.store.run(run_id).resume["by"] == "pat@example.com (sub pat)"


# --- chat, the static token ---------------------------------------------------------------------------------


def test_a_viewer_chats_read_only_and_a_responders_turn_names_them(served, tokens, monkeypatch):
    monkeypatch.setattr(chat_session, "ChatSession", RecordingChat)
    monkeypatch.setattr(RecordingChat, "turns", [])
    for who in ("viewer", "responder"):
        session = served.client.post("/v1/sessions", json={}, headers=tokens[who])
        assert session.status_code == 201, session.text
        said = served.client.post(f"/v1/sessions/{session.json()['session_id']}/messages", json={"text": "roll it back"},
                                  headers=tokens[who])
        assert said.status_code == 200, said.text
    viewer, responder = RecordingChat.turns
    assert viewer["may_pin"] is False and viewer["asker"].sub == "viewer"
    assert responder["may_pin"] is True and responder["asker"].email == "rita@example.com"


def test_the_static_token_still_works_beside_oidc_and_so_does_the_console(served):
    incident_id = _ask(served, STATIC)
    assert served.service.store.incident(incident_id).incident.requested_by is None  # the static token names nobody
    assert served.client.get(f"/v1/incidents/{incident_id}", headers=STATIC).status_code == 200
    served.service.two_person_rule = False  # with the rule on the static token cannot approve (the test above)
    _, approval_id = _paused(served.service, incident_id)
    nobody = served.client.post(f"/v1/incidents/{incident_id}/approval", headers=STATIC,
                                json={"decision": "approved", "action_id": "act-1", "approval_id": approval_id})
    assert nobody.status_code == 422 and nobody.json()["fields"] == [{"field": "by", "problem": "Field required"}]
    typed = _approve(served, STATIC, incident_id, approval_id)
    assert typed.status_code == 202 and typed.json()["by"] == "someone-else-entirely"  # today's behaviour
    base = str(served.client.base_url)
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as browser:
        login = browser.post("/ui/login", data={"token": TOKEN, "next": "/ui/incidents"}, headers={"Origin": base})
        assert login.status_code == 303 and "sre_console" in login.cookies
        assert browser.get("/ui/incidents").status_code == 200


# --- the issuer down ------------------------------------------------------------------------------------------


def test_an_unreachable_issuer_is_503_never_200_and_the_static_token_still_works(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings = ServiceSettings(host="127.0.0.1", token=TOKEN, oidc_issuer=dead, oidc_audience=AUDIENCE)
    token = jwt.encode({"iss": dead, "sub": "alice", "aud": AUDIENCE, "iat": int(time.time()),
                        "exp": int(time.time()) + 600}, KEY, "RS256", headers={"kid": "service-key-1"})
    with Served(IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False), settings) as down:
        answer = down.client.get("/v1/incidents", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 503, answer.text
        assert "identity provider could not be reached" in answer.json()["error"] and dead not in answer.text
        assert answer.headers["retry-after"] == "5"
        assert down.client.get("/v1/incidents", headers=STATIC).status_code == 200
        metrics = down.client.get("/metrics", headers=STATIC).text
        assert 'sre_agent_guard_refusals_total{reason="idp_unavailable"} 1.0' in metrics
