"""The console signs in with OIDC, over real HTTP: `sre-agent serve`'s app behind guard(guard_settings(...)) on
uvicorn (lifespan off: no worker runs; a paused approval is made as a worker leaves it) and a real OpenID Provider on
loopback (npm's oidc-provider, tests/oidc_provider/server.mjs) with its own login and consent forms, driven as a
browser drives them (oidc_browser.py). The authorization code flow with PKCE (which the provider requires), the
state check, the ID token's person and roles in the session, approve buttons for approvers only, approvals recorded
as the person (and the two-person rule), logout ending both sessions, and the failures, each a page saying what went
wrong. The pure pieces are tests/unit/service/test_console_signin_pieces.py's."""

from __future__ import annotations

import base64
import html
import json
import os
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
from sre_agent.console.signin import code_challenge
from sre_agent.graph.state import ApprovalDecision
from sre_agent.service.api import build_app
from sre_agent.service.core import IncidentService
from sre_agent.service.guard import guard
from sre_agent.service.timeouts import uvicorn_config

from .oidc_browser import Browser, query_of, set_cookies

TOKEN = "console-oidc-static-token"
STATIC = {"Authorization": f"Bearer {TOKEN}"}
_, KEY_JWK = signing_key("console-key-1")
PUBLIC, CONFIDENTIAL = "sre-console", "sre-console-confidential"
# Loopback redirect URIs of a native client: any port matches. localhost too -- the browser test reaches the service
# by that name, so that the provider (127.0.0.1) is another site, as an identity provider is.
WEB_CLIENTS = {PUBLIC: {"redirect_uris": ["http://127.0.0.1/ui/login/callback", "http://localhost/ui/login/callback"],
                        "post_logout_redirect_uris": ["http://127.0.0.1/ui/login", "http://localhost/ui/login"]},
               CONFIDENTIAL: {"client_secret": "confidential-secret", "redirect_uris": ["http://127.0.0.1/ui/login/callback"]}}
USERS = {"vera": {"email": "vera@example.com", "name": "Vera Viewer", "groups": ["sre-viewer"]},
         "alice": {"email": "alice@example.com", "name": "Alice Approver", "groups": ["sre-approver"]},
         "pat": {"email": "pat@example.com", "groups": ["sre-responder", "sre-approver"]},
         "nobody": {"email": "nobody@example.com", "groups": ["payments-team"]}}
# pat's API client: a client_credentials token's sub is the client id, so pat asks through the API as the same sub
API_CLIENTS = {"pat": {"groups": ["sre-responder", "sre-approver"], "email": "pat@example.com"}}


PAUSED = {"action_id": "act-1", "why": "medium risk needs a human",
          "plan": {"tool": "rollout_undo", "risk": "medium", "runbook": "bad_deploy", "args": {"name": "checkout"}},
          "pinned": {"tool": "rollout_undo", "resource": "shop/Deployment/checkout", "args": {"name": "checkout"},
                     "precondition": {"expect_generation": 2}, "why": "generation 2 at planning"}}


class Served:
    """IncidentService + build_app + guard(guard_settings(...)) on uvicorn, lifespan off."""

    def __init__(self, tmp_path, **settings) -> None:
        self.settings = ServiceSettings(host="127.0.0.1", **settings)
        self.service = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False,
                                       two_person_rule=self.settings.two_person_rule)
        secret = self.settings.token.get_secret_value() if self.settings.token else None
        app = guard(build_app(self.service), guard_settings(self.settings, secret))
        self.uvicorn = ThreadedUvicorn(uvicorn_config(app, "127.0.0.1", 0, log_level="warning", lifespan="off"),
                                       name="console-oidc-uvicorn")

    def __enter__(self) -> Served:
        self.url = f"http://127.0.0.1:{self.uvicorn.start()}"
        self.api = httpx.Client(base_url=self.url, timeout=30)
        return self

    def __exit__(self, *exc) -> None:
        self.api.close()
        self.uvicorn.stop()
        self.service.chat_loop.stop()
        self.service.intake_writer.stop()

    def paused(self, headers: dict[str, str] = STATIC) -> tuple[str, str, str]:
        """A question asked through the API and its run paused on an approval: (incident_id, run_id, approval_id)."""
        opened = self.api.post("/v1/incidents", json={"question": "why is checkout slow?"}, headers=headers)
        assert opened.status_code == 202, opened.text
        incident_id = opened.json()["incident_id"]
        run = self.service.store.claim_next("test-worker", 600)
        while run is not None and run.incident_id != incident_id:  # an answered run of an earlier test, requeued
            run = self.service.store.claim_next("test-worker", 600)
        assert run is not None
        self.service.store.pause(run.run_id, "test-worker", PAUSED, time.time() + 300)
        return incident_id, run.run_id, self.service.pending_run(incident_id).approval["approval_id"]


@pytest.fixture(scope="module")
def idp(tmp_path_factory) -> Iterator[OidcProvider]:
    yield from provider(tmp_path_factory.mktemp("idp"), [KEY_JWK], API_CLIENTS, USERS, WEB_CLIENTS)


@pytest.fixture(scope="module")
def served(idp, tmp_path_factory) -> Iterator[Served]:
    """OIDC (the public console client) beside the static token, the two-person rule on: one service per module."""
    with Served(tmp_path_factory.mktemp("service"), token=TOKEN, oidc_issuer=idp.issuer, oidc_audience=AUDIENCE,
                oidc_client_id=PUBLIC, two_person_rule=True) as served:
        yield served


@pytest.fixture
def browser(served, idp) -> Iterator[Browser]:
    with Browser(served.url, idp.issuer) as browser:
        yield browser


def _sealed(value: str) -> dict:
    """What the pre-login cookie holds (signed, not secret: the browser keeps it HttpOnly)."""
    body = value.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def said(response: httpx.Response) -> str:
    """The page's text as a person reads it (entities unescaped)."""
    return html.unescape(response.text)


def _approve(browser: Browser, incident_id: str, approval_id: str, decision: str = "approved") -> httpx.Response:
    return browser.post(f"/ui/incidents/{incident_id}/approval", {
        "decision": decision, "action_id": "act-1", "approval_id": approval_id, "by": "someone-else-entirely",
        "csrf_token": browser.csrf(f"/ui/incidents/{incident_id}")})


# --- the sign-in ------------------------------------------------------------------------------------------------


def test_a_person_signs_in_with_the_provider_and_the_session_carries_who_they_are(served, idp, browser):
    login = browser.get("/ui/login", params={"next": "/ui/sweeps"})
    host = idp.issuer.removeprefix("http://")
    assert login.status_code == 200 and f"Sign in with {host}" in said(login)
    assert 'name="token"' in said(login)  # the static token's form stays beside it
    start = browser.get("/ui/login/oidc", params={"next": "/ui/sweeps"})
    assert start.status_code == 303
    sent = query_of(start.headers["location"])
    assert start.headers["location"].startswith(f"{idp.issuer}/auth?")
    assert {k: sent[k] for k in ("response_type", "client_id", "redirect_uri", "scope", "code_challenge_method")} == {
        "response_type": "code", "client_id": PUBLIC, "redirect_uri": f"{served.url}/ui/login/callback",
        "scope": "openid email profile", "code_challenge_method": "S256"}
    prelogin = set_cookies(start)["sre_console_login"]
    assert "httponly" in prelogin and "samesite=lax" in prelogin and "path=/ui/login" in prelogin
    sealed = _sealed(browser.client.cookies["sre_console_login"])
    assert sent["state"] == sealed["state"] and sent["nonce"] == sealed["nonce"]
    assert sent["code_challenge"] == code_challenge(sealed["verifier"]) and sealed["verifier"] not in str(start.url)

    back = browser.follow(start, stop_at=f"{served.url}/ui/login/callback", login="alice")
    callback = browser.client.get(back.headers["location"])
    # a page that moves on by itself: a redirect from here would be cross-site still, and carry no Strict cookie
    assert callback.status_code == 200 and 'content="0;url=/ui/sweeps"' in said(callback)
    assert "Signed in as alice@example.com (approver, viewer)" in said(callback)
    cookies = set_cookies(callback)
    session = cookies["sre_console"]
    assert "httponly" in session and "samesite=strict" in session and "path=/ui" in session
    # the session ends with the ID token (an hour here), not after the 12 hours of a static-token session
    id_token = jwt.decode(browser.client.cookies["sre_console_idt"], options={"verify_signature": False})
    max_age = int(session.split("max-age=")[1].split(";")[0])
    # (against the token's own lifetime, not the wall clock: a busy machine takes seconds between issue and check)
    lifetime = id_token["exp"] - id_token["iat"]
    assert lifetime - 60 <= max_age <= lifetime and max_age < 3700
    assert "max-age=0" in cookies["sre_console_login"]  # the pre-login cookie is spent

    page = browser.follow(callback)
    assert page.url.path == "/ui/sweeps" and page.status_code == 200
    assert 'id="signed-in-as"' in said(page) and "alice@example.com" in said(page)
    assert browser.get("/v1/incidents").status_code == 401  # the console's cookie is not the API's token


def test_pkce_is_required_by_the_provider_and_the_service_redeems_with_the_verifier(served, idp, browser):
    back = browser.to_callback("alice")
    code = query_of(back.headers["location"])["code"]
    token = f"{idp.issuer}/token"
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": f"{served.url}/ui/login/callback",
            "client_id": PUBLIC}
    for verifier in ({}, {"code_verifier": "a-wrong-verifier-" + "x" * 40}):
        refused = httpx.post(token, data={**form, **verifier}, timeout=10)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant", refused.text
    signed_in = browser.follow(back)
    assert signed_in.status_code == 200 and signed_in.url.path == "/ui/incidents"
    again = httpx.post(token, data=form, timeout=10)  # and the code, once redeemed, is spent
    assert again.status_code == 400


def test_a_callback_whose_state_is_not_this_browsers_signs_nobody_in(served, browser, idp):
    back = browser.to_callback("alice")
    location = back.headers["location"]
    forged = location.replace(f"state={query_of(location)['state']}", "state=someone-elses-state")
    answer = browser.client.get(forged)
    assert answer.status_code == 400 and "not this browser's sign-in" in said(answer)
    assert "sre_console" not in set_cookies(answer) and 'id="signin-oidc"' in said(answer)  # and a way to try again
    assert "Traceback" not in said(answer)
    # the right state, after the pre-login cookie was spent on the refusal: no sign-in in progress any more
    spent = browser.client.get(location)
    assert spent.status_code == 400 and "no sign-in in progress" in said(spent)
    # a browser that never started a sign-in (a callback link sent to someone)
    with Browser(served.url, idp.issuer) as other:
        stranger = other.client.get(location)
        assert stranger.status_code == 400 and "no sign-in in progress" in said(stranger)
        assert other.get("/ui/incidents").status_code == 303


def test_the_provider_saying_no_is_explained(served, browser):
    start = browser.get("/ui/login/oidc")
    interaction = browser.client.get(start.headers["location"])
    login_form = browser.client.get(interaction.url.join(interaction.headers["location"]))
    abort = browser.client.get(login_form.url.join(login_form.url.path + "/abort"))  # the provider's [ Cancel ]
    answer = browser.follow(abort)
    assert answer.status_code == 400 and answer.url.path == "/ui/login/callback"
    assert "did not sign you in: access_denied (End-User aborted interaction)" in said(answer)


def test_a_person_whose_groups_grant_no_role_is_told_so_and_not_signed_in(browser):
    answer = browser.sign_in("nobody")
    assert answer.status_code == 403 and "nobody@example.com" in said(answer) and "grants a role" in said(answer)
    assert "sre_console" not in browser.client.cookies


# --- roles, attribution ---------------------------------------------------------------------------------------------


def test_a_viewer_sees_no_approve_button_and_is_refused_posting_one(served, browser):
    incident_id, _, approval_id = served.paused()
    browser.sign_in("vera")
    page = browser.get(f"/ui/incidents/{incident_id}")
    assert page.status_code == 200 and "Waiting for your approval" in said(page)
    assert 'class="decide"' not in said(page) and 'value="approved"' not in said(page)
    assert "needs the approver role" in said(page) and "vera@example.com" in said(page)
    refused = _approve(browser, incident_id, approval_id)
    assert refused.status_code == 403 and "needs the approver role" in said(refused) and "holds: viewer" in said(refused)
    assert served.service.pending_run(incident_id).approval["approval_id"] == approval_id  # still waiting


def test_an_approvers_approval_is_recorded_as_them(served, browser):
    incident_id, run_id, approval_id = served.paused()
    browser.sign_in("alice")
    page = browser.get(f"/ui/incidents/{incident_id}")
    assert 'class="decide"' in said(page) and "You answer as <strong>alice@example.com</strong>" in said(page)
    assert 'name="by"' not in said(page)  # nobody types a name: the session says who
    answered = _approve(browser, incident_id, approval_id)
    assert answered.status_code == 303 and answered.headers["location"].endswith("?answered=approved")
    recorded = ApprovalDecision.model_validate(served.service.store.run(run_id).resume)
    assert recorded.by == "alice@example.com (sub alice)" and "someone-else-entirely" not in str(recorded)
    assert recorded.person.model_dump() == {"sub": "alice", "email": "alice@example.com"}


def test_the_two_person_rule_holds_in_the_console_too(served, idp, browser):
    pats_token = {"Authorization": f"Bearer {idp.token('pat')}"}
    incident_id, run_id, approval_id = served.paused(pats_token)  # pat asked, through the API
    browser.sign_in("pat")
    own = _approve(browser, incident_id, approval_id)
    assert own.status_code == 403 and "two-person rule" in said(own)
    assert served.service.pending_run(incident_id) is not None
    with Browser(served.url, idp.issuer) as alices:
        alices.sign_in("alice")
        assert _approve(alices, incident_id, approval_id).status_code == 303
    assert served.service.store.run(run_id).resume["by"] == "alice@example.com (sub alice)"


def test_a_static_token_session_keeps_every_role_and_the_typed_name(served, browser):
    served.service.two_person_rule = False  # under the rule the static token, naming nobody, cannot approve
    try:
        incident_id, run_id, approval_id = served.paused()
        login = browser.post("/ui/login", {"token": TOKEN, "next": f"/ui/incidents/{incident_id}"})
        assert login.status_code == 303
        page = browser.get(f"/ui/incidents/{incident_id}")
        assert 'class="decide"' in said(page) and 'name="by"' in said(page)
        assert _approve(browser, incident_id, approval_id).status_code == 303
        assert served.service.store.run(run_id).resume["by"] == "someone-else-entirely"
    finally:
        served.service.two_person_rule = True


def test_a_viewers_chat_question_is_answered_read_only_and_names_them(served, browser, monkeypatch):
    turns: list[dict] = []

    class RecordingChat:  # the real chat needs the lab
        def __init__(self, *args, **kwargs) -> None:
            pass

        async def __aenter__(self):
            return self

        async def __aexit__(self, *exc) -> None:
            return None

        async def ask(self, question: str, **turn) -> Answer:
            turns.append(turn)
            return Answer(question=question, form="stand-in", headline="read-only answer")

    monkeypatch.setattr(chat_session, "ChatSession", RecordingChat)
    browser.sign_in("vera")
    asked = browser.post("/ui/chat", {"question": "roll checkout back", "csrf_token": browser.csrf("/ui/chat")})
    assert asked.status_code == 303, asked.text
    assert turns[-1]["may_pin"] is False and turns[-1]["asker"].email == "vera@example.com"


# --- logout ---------------------------------------------------------------------------------------------------------


def test_logout_ends_the_console_session_and_the_providers(served, idp, browser):
    browser.sign_in("alice")
    id_token = browser.client.cookies["sre_console_idt"]
    out = browser.post("/ui/logout", {"csrf_token": browser.csrf()})
    assert out.status_code == 200 and "signed out of the console" in said(out)
    cookies = set_cookies(out)
    assert 'sre_console=""' in cookies["sre_console"] and "max-age=0" in cookies["sre_console"]
    assert "max-age=0" in cookies["sre_console_idt"]
    assert browser.get("/ui/incidents").status_code == 303  # no session any more
    target = html.unescape(re.search(r'content="0;url=([^"]+)"', out.text).group(1))
    assert target.startswith(f"{idp.issuer}/session/end?") and query_of(target) == {
        "id_token_hint": id_token, "client_id": PUBLIC, "post_logout_redirect_uri": f"{served.url}/ui/login"}
    ended = browser.follow(out)  # on to the provider's end_session_endpoint, its confirmation, and back
    assert ended.url == httpx.URL(f"{served.url}/ui/login") and ended.status_code == 200
    # the provider's session is over too: a new sign-in asks who you are again
    start = browser.get("/ui/login/oidc")
    at_provider = browser.client.get(start.headers["location"])
    interaction = browser.client.get(at_provider.url.join(at_provider.headers["location"]))
    assert 'name="prompt" value="login"' in said(interaction)


def test_logout_without_a_csrf_token_changes_nothing(browser):
    browser.sign_in("alice")
    refused = browser.post("/ui/logout", {"csrf_token": "not-this-sessions"})
    assert refused.status_code == 403
    assert browser.get("/ui/incidents").status_code == 200


# --- other configurations -------------------------------------------------------------------------------------------


def test_a_confidential_client_sends_its_secret_and_a_wrong_secret_is_explained(idp, tmp_path):
    common = {"oidc_issuer": idp.issuer, "oidc_audience": AUDIENCE, "oidc_client_id": CONFIDENTIAL}
    with Served(tmp_path / "right", oidc_client_secret="confidential-secret", **common) as served, \
            Browser(served.url, idp.issuer) as browser:
        login = browser.get("/ui/login")
        assert 'name="token"' not in said(login) and 'id="signin-oidc"' in said(login)  # OIDC alone: no token form
        assert browser.post("/ui/login", {"token": "guess"}).status_code == 401
        assert browser.sign_in("vera").url.path == "/ui/incidents"
    with Served(tmp_path / "wrong", oidc_client_secret="not-the-secret", **common) as served, \
            Browser(served.url, idp.issuer) as browser:
        answer = browser.sign_in("vera")
        assert answer.status_code == 502 and "refused to redeem the sign-in: invalid_client" in said(answer)
        assert "not-the-secret" not in said(answer) and "Traceback" not in said(answer)


def test_an_unreachable_issuer_is_a_page_saying_so(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    with Served(tmp_path, oidc_issuer=dead, oidc_audience=AUDIENCE) as served, \
            Browser(served.url, dead) as browser:
        answer = browser.get("/ui/login/oidc")
        assert answer.status_code == 503 and "could not be reached: try again shortly" in said(answer)
        assert f"The identity provider ({dead.removeprefix('http://')})" in said(answer)  # as its sign-in button names it
        assert "Traceback" not in said(answer) and "sre_console_login" not in browser.client.cookies


# --- a real browser -------------------------------------------------------------------------------------------------


def test_in_a_real_browser_the_sign_in_the_approval_and_the_logout_work(served):
    """Headless Debian chromium (Playwright, as test_console_browser.py): what httpx cannot show -- the SameSite=Strict
    session cookie after the provider's cross-site redirect back (the service is reached as localhost, the provider
    at 127.0.0.1: another site), and the logout form's CSP (form-action 'self') with the provider's logout after it."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
    chromium = os.environ.get("SRE_AGENT_TEST_CHROMIUM", "/usr/bin/chromium")
    if not os.access(chromium, os.X_OK):
        pytest.skip(f"no chromium at {chromium}: apt-get install -y chromium (or set SRE_AGENT_TEST_CHROMIUM)")
    incident_id, run_id, _ = served.paused()
    base = served.url.replace("127.0.0.1", "localhost")
    with sync_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"] if os.geteuid() == 0 else [])
        try:
            page = launched.new_page()
            page.goto(f"{base}/ui/incidents/{incident_id}", wait_until="commit")
            page.click("#signin-oidc", no_wait_after=True)
            page.fill('input[name="login"]', "alice")
            page.fill('input[name="password"]', "any")
            page.click('button[type="submit"]', no_wait_after=True)
            page.click('button[type="submit"]:has-text("Continue")', no_wait_after=True)  # the consent
            page.wait_for_selector("#signed-in-as")  # the session cookie came along: the incident page, signed in
            assert page.url == f"{base}/ui/incidents/{incident_id}" and page.inner_text("#signed-in-as") == "alice@example.com"
            page.click("button.approve")
            page.wait_for_url("**answered=approved")
            assert served.service.store.run(run_id).resume["by"] == "alice@example.com (sub alice)"
            page.click("header form.logout button")
            page.click('button[name="logout"]')  # the provider's "Yes, sign me out"
            page.wait_for_url(f"{base}/ui/login")
            page.goto(f"{base}/ui/incidents", wait_until="commit")
            page.wait_for_selector("#signin-oidc")  # signed out: the login page again
        finally:
            launched.close()
