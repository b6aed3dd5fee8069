"""The console behind the service's guard, over ASGI with a stand-in incident service: the token is
exchanged for a session cookie, pages without one redirect to the login, and a state-changing form
needs the session's CSRF token and the service's own origin -- a forged cookie, a foreign Origin, a
cross-site fetch or a missing token change nothing. The API beside it still wants its bearer token."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from sre_agent.console.events import incident_events
from sre_agent.console.session import COOKIE, SessionKeys

from .standin import BASE, PENDING, TOKEN


def _login(client: httpx.Client) -> str:
    response = client.post("/ui/login", data={"token": TOKEN, "next": "/ui/incidents/inc-1"}, headers={"Origin": BASE})
    assert response.status_code == 303 and response.headers["location"] == "/ui/incidents/inc-1"
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower() and "path=/ui" in cookie.lower()
    page = client.get("/ui/incidents/inc-1")
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _approve(client: httpx.Client, csrf: str | None, **headers: str) -> httpx.Response:
    form = {"decision": "approved", "action_id": PENDING["action_id"], "approval_id": PENDING["approval_id"], "by": "sam"}
    if csrf is not None:
        form["csrf_token"] = csrf
    return client.post("/ui/incidents/inc-1/approval", data=form, headers={"Origin": BASE, **headers})


def test_pages_without_a_session_redirect_to_the_login_and_a_wrong_token_is_refused(client):
    page = client.get("/ui/incidents")
    assert page.status_code == 303 and page.headers["location"] == "/ui/login?next=/ui/incidents"
    assert client.get("/ui/login").status_code == 200
    wrong = client.post("/ui/login", data={"token": "guess"}, headers={"Origin": BASE})
    assert wrong.status_code == 401 and "That is not this service" in wrong.text and "set-cookie" not in wrong.headers
    # A login never sends the browser off the console, whatever `next` says.
    away = client.post("/ui/login", data={"token": TOKEN, "next": "//evil.example/"}, headers={"Origin": BASE})
    assert away.headers["location"] == "/ui/incidents"


def test_the_session_shows_the_pinned_action_escaped_and_the_api_still_wants_its_token(client):
    _login(client)
    listing = client.get("/ui/incidents")
    assert listing.status_code == 200 and "inc-1" in listing.text
    assert "<b>bold</b>" not in listing.text and "&lt;b&gt;bold&lt;/b&gt;" in listing.text
    assert listing.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in listing.headers["content-security-policy"]
    page = client.get("/ui/incidents/inc-1")
    assert PENDING["action_id"] in page.text and "shop/Deployment/catalog" in page.text and "expect_generation" in page.text
    assert client.get("/v1/incidents").status_code == 401  # the cookie is the console's, not the API's


def test_an_approval_with_the_session_csrf_token_from_the_own_origin_is_handed_to_the_run(client, service):
    csrf = _login(client)
    response = _approve(client, csrf)
    assert response.status_code == 303 and response.headers["location"] == "/ui/incidents/inc-1?answered=approved"
    assert service.answers == [("inc-1", {"decision": "approved", "action_id": PENDING["action_id"],
                                          "approval_id": PENDING["approval_id"], "by": "sam", "note": ""})]


@pytest.mark.parametrize("case", ["no csrf token", "another session's token", "foreign origin", "cross-site fetch",
                                  "forged cookie", "not a form"])
def test_a_state_changing_request_without_every_proof_changes_nothing(client, service, case):
    csrf = _login(client)
    if case == "no csrf token":
        response = _approve(client, None)
    elif case == "another session's token":
        _, other = SessionKeys(TOKEN).issue()
        response = _approve(client, other.csrf)
    elif case == "foreign origin":
        response = _approve(client, csrf, Origin="http://evil.example")
    elif case == "cross-site fetch":
        response = _approve(client, csrf, **{"Sec-Fetch-Site": "cross-site"})
    elif case == "forged cookie":
        client.cookies.set(COOKIE, "9999999999.nonce.0000", path="/ui")
        response = _approve(client, csrf)
    else:
        response = client.post("/ui/incidents/inc-1/approval", content=b"decision=approved", headers={
            "Origin": BASE, "Content-Type": "text/plain", "X-CSRF-Token": csrf})
    assert response.status_code in (401, 403, 415), (case, response.status_code, response.text)
    assert response.json()["error"]
    assert service.answers == []


def test_an_incomplete_or_stale_form_is_explained_on_the_page(client, service):
    csrf = _login(client)
    incomplete = client.post("/ui/incidents/inc-1/approval", data={"decision": "approved", "csrf_token": csrf},
                             headers={"Origin": BASE})
    assert incomplete.status_code == 422 and "The form is incomplete" in incomplete.text
    stale = client.post("/ui/incidents/inc-1/approval", data={
        "decision": "approved", "action_id": "act-other", "approval_id": "apr-xyz", "by": "sam", "csrf_token": csrf},
        headers={"Origin": BASE})
    assert stale.status_code == 409 and "names another action" in stale.text
    assert service.answers == []


def test_the_event_stream_reports_a_status_change(service):
    class Connected:
        async def is_disconnected(self) -> bool:
            return False

    async def collect() -> list[str]:
        seen = []
        async for chunk in incident_events(service, Connected(), poll_s=0.01, stream_s=5):
            seen.append(chunk)
            if chunk.startswith("event: incident"):
                service.status = "remediated"
            if '"remediated"' in chunk:
                break
        return seen

    chunks = asyncio.run(collect())
    events = [c for c in chunks if c.startswith("event: incident")]
    assert '"awaiting_approval"' in events[0] and '"remediated"' in events[-1]


def test_a_console_body_over_the_limit_is_refused_before_it_is_read(client):
    csrf = _login(client)
    response = client.post("/ui/incidents/inc-1/approval", content=b"x" * 1_100_000, headers={
        "Origin": BASE, "Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": csrf})
    assert response.status_code == 413


def test_without_a_token_every_local_browser_shares_one_session_and_forms_still_need_its_csrf_token(service):
    from fastapi import FastAPI
    from starlette.testclient import TestClient

    from sre_agent.console import mount_console
    from sre_agent.service.guard import GuardSettings, guard

    api = FastAPI()
    mount_console(api, service)
    app = guard(api, GuardSettings(token=None, allowed_hosts=["127.0.0.1"]))
    with TestClient(app, base_url=BASE, follow_redirects=False) as client:
        assert client.get("/ui/login").status_code == 303  # nothing to log in with
        page = client.get("/ui/incidents/inc-1")
        assert page.status_code == 200 and "Log out" not in page.text
        assert _approve(client, None).status_code == 403 and service.answers == []
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        assert _approve(client, csrf).status_code == 303 and len(service.answers) == 1
