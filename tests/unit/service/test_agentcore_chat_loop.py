"""AgentCore's chat prompts (POST /invocations) run on a loop of their own: a chat blocked in a
synchronous stretch neither stalls /ping nor the alarm intake, and holds no investigation worker."""

from __future__ import annotations

import asyncio
import threading

import httpx

import sre_agent.chat.conversation.session as chat_session
from sre_agent.app.options import RunOptions
from sre_agent.service.api import build_app
from sre_agent.service.core import IncidentService

ALARM = {"AlarmName": "frontend-5xx", "NewStateValue": "ALARM", "StateChangeTime": "2026-03-01T12:00:00Z",
         "Trigger": {"MetricName": "5xx", "Dimensions": [{"name": "Namespace", "value": "shop"}]}}


class _Answer:
    def model_dump(self, mode: str = "json") -> dict:
        return {"status": "healthy", "answer": "fine"}


class _BlockingChat:
    """Blocks its loop's thread (synchronously) until released: what a chat's sync stretch does."""

    entered = threading.Event()
    release = threading.Event()
    threads: list[int] = []
    timed_out = False

    def __init__(self, options, session_id=None, namespace=None) -> None:
        self.session_id = session_id or "agentcore-test"

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc) -> None:
        return None

    async def ask(self, question: str, **turn):  # turn: asker, may_pin
        type(self).threads.append(threading.get_ident())
        type(self).entered.set()
        type(self).timed_out = not type(self).release.wait(60)
        return _Answer()


def test_a_blocked_chat_stalls_neither_ping_nor_the_intake(tmp_path, monkeypatch):
    monkeypatch.setattr(chat_session, "ChatSession", _BlockingChat)
    service = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False)

    async def main():
        transport = httpx.ASGITransport(app=build_app(service))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=120) as client:
            chat = asyncio.ensure_future(client.post("/invocations", json={"prompt": "what is broken?"}))
            while not _BlockingChat.entered.is_set():
                await asyncio.sleep(0.01)
            ping = await client.get("/ping")  # served while the chat's thread is blocked
            alarm = await client.post("/v1/incidents", json=ALARM)
            _BlockingChat.release.set()
            return ping, alarm, await chat, threading.get_ident()

    ping, alarm, chat, loop_thread = asyncio.run(main())
    service.chat_loop.stop()
    assert not _BlockingChat.timed_out, "the chat blocked the loop that serves /ping"
    assert ping.status_code == 200 and ping.json()["status"] == "Healthy"
    assert alarm.status_code == 202 and alarm.json()["disposition"] == "opened"
    assert chat.status_code == 200 and chat.json()["status"] == "healthy"
    assert _BlockingChat.threads and _BlockingChat.threads[0] != loop_thread
