"""Chat sessions over real HTTP (POST /v1/sessions, .../messages as JSON and as Server-Sent Events,
GET /v1/sessions/{id}, POST /invocations continuing the same sessions): the app behind guard() as
`sre-agent serve` wires it, on uvicorn in a thread, lifespan off. The chat itself is a stand-in that
keeps its conversation per session id, as the checkpoint does (the real chat over the lab, through
the same routes: tests/integration/test_service_api.py); everything else -- the store, the bounds,
the id mapping, the chat loop, the framing -- is the service's own. The PostgreSQL variant needs
SRE_AGENT_TEST_POSTGRES_DSN (a schema per test)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
from datetime import UTC, datetime

import httpx
import pytest
from uvicorn_thread import ThreadedUvicorn
from waiting import until

import sre_agent.chat.conversation.session as chat_session
import sre_agent.service.core as service_core
from sre_agent.app.options import RunOptions
from sre_agent.app.service_settings import ServiceSettings
from sre_agent.chat.models import Answer, Turn
from sre_agent.commands.serve import guard_settings
from sre_agent.service.api import build_app
from sre_agent.service.chat_sessions import ChatLimits
from sre_agent.service.core import IncidentService
from sre_agent.service.guard import guard
from sre_agent.service.store import PostgresStore
from sre_agent.service.timeouts import uvicorn_config

TOKEN = "sessions-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
RUNTIME = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"
POSTGRES_DSN = os.environ.get("SRE_AGENT_TEST_POSTGRES_DSN")


class RememberingChat:
    """Stands in for chat/conversation/session.py ChatSession: answers name the resource a question is about, and a
    follow-up without one ("its logs?") is about the previous answer's resource -- it sees the turn
    before only if the service continued the same session (thread)."""

    threads: dict[str, list[Turn]] = {}
    delay_s = 0.0

    def __init__(self, options, session_id=None, namespace=None, tools=None) -> None:
        self.session_id, self.namespace = session_id, namespace

    async def __aenter__(self) -> RememberingChat:
        return self

    async def __aexit__(self, *exc) -> None:
        return None

    async def ask(self, question: str, **turn) -> Answer:  # turn: asker, may_pin
        await asyncio.sleep(type(self).delay_s)
        turns = self.threads.setdefault(self.session_id, [])
        named = next((w.strip("?,.") for w in question.split() if w.strip("?,.") in ("catalog", "cart")), None)
        subject = f"{self.namespace}/Deployment/{named}" if named else (turns[-1].answer.resources[0] if turns else "")
        answer = Answer(question=question, form="stand-in", status="problems" if subject else "needs_subject",
                        headline=f"about {subject or 'nothing yet'}", details=[f"turn {len(turns) + 1}"],
                        resources=[subject] if subject else [])
        turns.append(Turn(question=question, answer=answer, at=datetime.now(UTC).isoformat()))
        return answer

    async def history(self) -> list[Turn]:
        return list(self.threads.get(self.session_id, []))


class Served:
    def __init__(self, service: IncidentService) -> None:
        self.service = service
        settings = ServiceSettings(host="127.0.0.1", token=TOKEN)
        app = guard(build_app(service), guard_settings(settings, TOKEN))
        self.uvicorn = ThreadedUvicorn(uvicorn_config(app, "127.0.0.1", 0, log_level="warning", lifespan="off"),
                                       name="sessions-uvicorn")

    def __enter__(self) -> Served:
        port = self.uvicorn.start()
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=AUTH, timeout=30)
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()
        self.uvicorn.stop()
        self.service.chat_loop.stop()
        self.service.intake_writer.stop()

    def new_session(self, **body) -> str:
        created = self.client.post("/v1/sessions", json=body)
        assert created.status_code == 201, created.text
        return created.json()["session_id"]

    def say(self, session_id: str, text: str, **kwargs) -> httpx.Response:
        return self.client.post(f"/v1/sessions/{session_id}/messages", json={"text": text}, **kwargs)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(
    not POSTGRES_DSN, reason="set SRE_AGENT_TEST_POSTGRES_DSN=postgresql://... to run the sessions on PostgreSQL"))])
def serve(request, tmp_path, monkeypatch):
    """serve(**limits) -> a Served service with those chat limits, on SQLite or on PostgreSQL."""
    monkeypatch.setattr(chat_session, "ChatSession", RememberingChat)
    monkeypatch.setattr(RememberingChat, "threads", {})
    if request.param == "postgres":  # a schema of its own, as the store tests do
        schema = f"t_{secrets.token_hex(6)}"
        monkeypatch.setattr(service_core, "open_store", lambda state_dir, dsn: PostgresStore(POSTGRES_DSN or "", schema))
    opened: list[Served] = []

    def make(**limits) -> Served:
        service = IncidentService(RunOptions(state_dir=tmp_path / f"s{len(opened)}"), shared_servers=False,
                                  chat_limits=ChatLimits(**limits))
        opened.append(Served(service).__enter__())
        return opened[-1]

    yield make
    for served in opened:
        served.__exit__()


def events(body: str) -> list[tuple[str, str]]:
    """An SSE body as (event, data) pairs, comments as ("comment", text) -- parsed by the spec's rules."""
    parsed = []
    for block in body.split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith(":"):
                parsed.append(("comment", line[1:].strip()))
            elif line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data:
            parsed.append((name, "\n".join(data)))
    return parsed


def test_a_session_is_created_answers_a_follow_up_in_context_and_shows_both_messages(serve):
    served = serve()
    created = served.client.post("/v1/sessions", json={"namespace": "shop"})
    assert created.status_code == 201, created.text
    session = created.json()
    assert session["session_id"].startswith("chat-") and datetime.fromisoformat(session["expires_at"]) > datetime.now(UTC)
    first = served.say(session["session_id"], "why is catalog failing?")
    assert first.status_code == 200, first.text
    assert first.json()["session_id"] == session["session_id"]
    assert first.json()["answer"]["resources"] == ["shop/Deployment/catalog"]
    assert "about shop/Deployment/catalog" in first.json()["text"]  # the rendered answer, as chat prints it
    follow_up = served.say(session["session_id"], "and its logs?").json()
    assert follow_up["answer"]["headline"] == "about shop/Deployment/catalog"  # "its": the first turn's subject
    shown = served.client.get(f"/v1/sessions/{session['session_id']}")
    assert shown.status_code == 200, shown.text
    view = shown.json()
    assert [m["question"] for m in view["messages"]] == ["why is catalog failing?", "and its logs?"]
    assert [m["answer"]["details"] for m in view["messages"]] == [["turn 1"], ["turn 2"]]
    assert view["created_at"] <= view["last_active_at"] < view["expires_at"] and view["message_count"] == 2
    row = served.service.store.chat_session(session["session_id"])
    assert (row.namespace, row.source, row.message_count) == ("shop", "api", 2) and row.bytes > 100


def test_server_sent_events_frame_started_keep_alives_answer_and_done(serve):
    served = serve()
    served.service.chat_sessions.keepalive_s = 0.05
    RememberingChat.delay_s = 0.4
    try:
        session_id = served.new_session(namespace="shop")
        streamed = served.say(session_id, "is cart healthy?", headers={"Accept": "text/event-stream"})
    finally:
        RememberingChat.delay_s = 0.0
    assert streamed.status_code == 200 and streamed.headers["content-type"].startswith("text/event-stream")
    frames = events(streamed.text)
    names = [name for name, _ in frames]
    assert names[0] == "started" and json.loads(frames[0][1]) == {"session_id": session_id}
    assert names[-2:] == ["answer", "done"] and "comment" in names[1:-2]  # keep-alives while it answered
    answer = json.loads(frames[-2][1])
    assert answer["session_id"] == session_id and answer["answer"]["headline"] == "about shop/Deployment/cart"
    assert answer["text"].startswith("[!] about shop/Deployment/cart")
    # The streamed turn is in the session like any other.
    assert [m["question"] for m in served.client.get(f"/v1/sessions/{session_id}").json()["messages"]] == [
        "is cart healthy?"]


def test_a_client_that_leaves_the_event_stream_does_not_cancel_the_answer(serve):
    served = serve()
    RememberingChat.delay_s = 0.5
    try:
        session_id = served.new_session(namespace="shop")
        with served.client.stream("POST", f"/v1/sessions/{session_id}/messages", json={"text": "why is catalog down?"},
                                  headers={"Accept": "text/event-stream"}) as streamed:
            assert next(streamed.iter_lines()) == "event: started"
        # The connection is closed before the answer; it still lands in the session.
        until(lambda: served.service.store.chat_session(session_id).bytes, "the answer to be recorded", 30)
    finally:
        RememberingChat.delay_s = 0.0
    messages = served.client.get(f"/v1/sessions/{session_id}").json()["messages"]
    assert [m["answer"]["headline"] for m in messages] == ["about shop/Deployment/catalog"]


def test_a_refused_message_is_a_json_error_even_when_events_were_asked_for(serve):
    served = serve(max_question_chars=50)
    refused = served.say("chat-20260101T000000Z-00000000", "why?", headers={"Accept": "text/event-stream"})
    assert refused.status_code == 404 and refused.headers["content-type"] == "application/json"
    assert "POST /v1/sessions" in refused.json()["error"]


def test_invocations_continue_a_v1_session_and_v1_continues_an_invocations_session(serve):
    served = serve()
    session_id = served.new_session(namespace="shop")
    served.say(session_id, "why is catalog failing?")
    invoked = served.client.post("/invocations", json={"prompt": "and its logs?"}, headers={RUNTIME: session_id})
    assert invoked.status_code == 200, invoked.text
    assert invoked.json()["session_id"] == session_id and invoked.json()["headline"] == "about shop/Deployment/catalog"
    assert len(served.client.get(f"/v1/sessions/{session_id}").json()["messages"]) == 2

    runtime = "0d6a5c1e-runtime-session-0123456789abcdef"  # AgentCore mints these: the first prompt starts it
    started = served.client.post("/invocations", json={"prompt": "why is cart failing?", "namespace": "shop"},
                                 headers={RUNTIME: runtime})
    assert started.status_code == 200 and started.json()["session_id"] == f"agentcore-{runtime}"
    continued = served.say(f"agentcore-{runtime}", "what about its events?")
    assert continued.status_code == 200 and continued.json()["answer"]["headline"] == "about shop/Deployment/cart"
    again = served.client.post("/invocations", json={"prompt": "and its logs?"}, headers={RUNTIME: f"agentcore-{runtime}"})
    assert again.json()["session_id"] == f"agentcore-{runtime}"  # either header form names the one session
    assert served.service.store.chat_session(f"agentcore-{runtime}").message_count == 3

    unknown = served.client.post("/invocations", json={"prompt": "why?"}, headers={RUNTIME: "chat-20260101T000000Z-0a0b0c0d"})
    assert unknown.status_code == 404 and "POST /v1/sessions" in unknown.json()["error"]
    no_header = served.client.post("/invocations", json={"prompt": "why is catalog failing?", "namespace": "shop"})
    assert no_header.status_code == 200 and no_header.json()["session_id"].startswith("chat-")


def test_an_idle_session_expires_with_a_404_that_says_so(serve):
    served = serve(ttl_s=1.0)  # long enough for a question on a busy machine, short enough to wait out
    session_id = served.new_session()
    assert served.say(session_id, "why is catalog failing?").status_code == 200
    deadline = datetime.fromisoformat(served.client.get(f"/v1/sessions/{session_id}").json()["expires_at"])
    while datetime.now(UTC) <= deadline:
        time.sleep(0.05)
    for expired in (served.say(session_id, "and its logs?"), served.client.get(f"/v1/sessions/{session_id}")):
        assert expired.status_code == 404, expired.text
        assert "expired" in expired.json()["error"] and "POST /v1/sessions" in expired.json()["error"]


def test_too_long_a_question_and_too_many_messages_are_refused_saying_what_to_do(serve):
    served = serve(max_question_chars=40, max_messages=2)
    session_id = served.new_session()
    too_long = served.say(session_id, "x" * 41)
    assert too_long.status_code == 413 and "41 characters; the limit is 40" in too_long.json()["error"]
    too_long_prompt = served.client.post("/invocations", json={"prompt": "y" * 41}, headers={RUNTIME: session_id})
    assert too_long_prompt.status_code == 413
    assert served.say(session_id, "   ").status_code == 422
    assert served.client.post(f"/v1/sessions/{session_id}/messages", json={"question": "why?"}).json()["fields"]
    assert [served.say(session_id, "why is catalog failing?").status_code for _ in range(2)] == [200, 200]
    full = served.say(session_id, "and its logs?")
    assert full.status_code == 409 and "chat_max_messages=2" in full.json()["error"]
    assert "POST /v1/sessions" in full.json()["error"]
    assert len(served.client.get(f"/v1/sessions/{session_id}").json()["messages"]) == 2  # still readable


def test_past_the_session_limit_the_one_idle_longest_is_closed(serve):
    served = serve(max_sessions=2)
    first, second = served.new_session(), served.new_session()
    assert served.say(first, "why is catalog failing?").status_code == 200  # first is active: second is idle longest
    third = served.new_session()
    evicted = served.say(second, "why is cart failing?")
    assert evicted.status_code == 404 and "to make room" in evicted.json()["error"]
    assert "chat_max_sessions" in evicted.json()["error"]
    assert [served.say(s, "and its logs?").status_code for s in (first, third)] == [200, 200]
    assert served.service.store.live_chat_sessions(served.service.chat_sessions.limits.ttl_s) == 2


def test_unknown_and_malformed_ids_and_bodies_are_refused_with_a_reason(serve):
    served = serve()
    for path in ("/v1/sessions/chat-20260101T000000Z-00000000", "/v1/sessions/not%20an%20id"):
        unknown = served.client.get(path)
        assert unknown.status_code == 404 and "POST /v1/sessions" in unknown.json()["error"], unknown.text
    assert "no chat session" in served.say("nope", "why?").json()["error"]
    bad_namespace = served.client.post("/v1/sessions", json={"namespace": "Shop!"})
    assert bad_namespace.status_code == 422 and bad_namespace.json()["fields"][0]["field"] == "namespace"
    not_json = served.client.post("/v1/sessions", content=b"{nope", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 422 and "not JSON" in not_json.json()["error"]
    empty = served.client.post("/v1/sessions", content=b"", headers={"Content-Type": "application/json"})
    assert empty.status_code == 201  # no body: a session with no namespace


def test_the_session_routes_need_the_token(serve):
    served = serve()
    session_id = served.new_session()
    with httpx.Client(base_url=served.client.base_url, timeout=30) as anonymous:
        assert anonymous.post("/v1/sessions", json={}).status_code == 401
        assert anonymous.post(f"/v1/sessions/{session_id}/messages", json={"text": "why?"}).status_code == 401
        assert anonymous.get(f"/v1/sessions/{session_id}").status_code == 401
    assert served.service.store.chat_session(session_id).message_count == 0
