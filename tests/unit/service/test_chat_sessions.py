"""The service's chat sessions (service/chat_sessions.py) without HTTP: the AgentCore header mapping,
the console's turns, a chat that cannot start. The chat is a stand-in; the store is SQLite."""

from __future__ import annotations

import asyncio

import pytest

import sre_agent.chat.conversation.session as chat_session
from sre_agent.app.options import RunOptions
from sre_agent.chat.models import Answer
from sre_agent.service.chat_sessions import ChatLimits, ChatSessionError, ChatSessions, runtime_session_id
from sre_agent.service.step_loop import StepLoop
from sre_agent.service.store import SqliteStore


class _Chat:
    asked: list[tuple[str, str]] = []
    broken = False

    def __init__(self, options, session_id=None, namespace=None, tools=None) -> None:
        self.session_id = session_id

    async def __aenter__(self) -> _Chat:
        if type(self).broken:
            raise ConnectionError("the checkpointer's database is down")
        return self

    async def __aexit__(self, *exc) -> None:
        return None

    async def ask(self, question: str, **turn) -> Answer:  # turn: asker, may_pin
        type(self).asked.append((self.session_id, question))
        return Answer(question=question, form="stand-in", headline="fine")


@pytest.fixture
def sessions(tmp_path, monkeypatch):
    monkeypatch.setattr(chat_session, "ChatSession", _Chat)
    monkeypatch.setattr(_Chat, "asked", [])
    loop = StepLoop("test-chat")
    yield lambda **limits: ChatSessions(SqliteStore(tmp_path / "s.sqlite"), RunOptions(state_dir=tmp_path), loop,
                                        limits=ChatLimits(**limits))
    loop.stop()


@pytest.mark.parametrize("header, session_id", [
    ("chat-20260301T120000Z-0a1b2c3d", "chat-20260301T120000Z-0a1b2c3d"),  # minted by POST /v1/sessions: as it is
    ("agentcore-abc", "agentcore-abc"),  # as /invocations answered it: as it is
    ("0d6a5c1e-1234-4f00-9abc-def012345678", "agentcore-0d6a5c1e-1234-4f00-9abc-def012345678"),
    (" a b/c:d ", "agentcore-a-b-c-d"),
    ("x" * 150, "agentcore-" + "x" * 100),
])
def test_a_runtime_session_header_names_one_session_id(header, session_id):
    assert runtime_session_id(header) == session_id
    assert runtime_session_id(runtime_session_id(header)) == session_id  # the answer's id, sent back, is the same


def test_the_console_goes_on_in_its_session_and_in_a_new_one_once_that_is_over(sessions):
    chats = sessions(max_messages=2)

    async def main() -> list[str]:
        first = await chats.console_turn(None, "what is broken?", "shop")
        same = await chats.console_turn(first, "and its logs?", None)
        full = await chats.console_turn(first, "and its events?", None)  # the session had its 2 messages
        old = await chats.console_turn("chat-20250101T000000Z-0a0b0c0d", "why?", None)  # from before rows were kept
        return [first, same, full, old]

    first, same, full, old = asyncio.run(main())
    assert same == first and full != first and old == "chat-20250101T000000Z-0a0b0c0d"
    assert [s for s, _ in _Chat.asked] == [first, first, full, old]
    row = chats.store.chat_session(first)
    assert (row.source, row.namespace, row.message_count) == ("console", "shop", 2)
    assert chats.store.chat_session(old).source == "console"


def test_a_chat_that_cannot_start_is_a_503_and_gives_its_message_back(sessions, monkeypatch):
    chats = sessions()
    monkeypatch.setattr(_Chat, "broken", True)

    async def main() -> ChatSessionError:
        record = await chats.create()
        with pytest.raises(ChatSessionError) as refused:
            await chats.ask(record.session_id, "what is broken?")
        return refused.value

    refused = asyncio.run(main())
    assert refused.status == 503 and "ConnectionError" in str(refused) and "try again" in str(refused)
    assert [r.message_count for r in [chats.store.chat_session(s) for s in _sessions(chats)]] == [0]


def _sessions(chats: ChatSessions) -> list[str]:
    with chats.store._lock:
        return [r[0] for r in chats.store._sql("SELECT session_id FROM sre_chat_sessions").fetchall()]
