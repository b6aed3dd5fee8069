"""Chat in the console: a conversation (a chat session: one LangGraph thread, chat/conversation/session.py) kept
across page loads by its id in the URL. Each question is one turn over the service's shared MCP
servers, read-only (the chat toolbox refuses every write, whatever the servers allow); the answers
are the chat's own models, rendered by the template."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from ..chat.conversation.session import ChatSession, new_session_id
from ..chat.models import Turn
from ..contracts import Person
from .ports import ConsoleBackend

SESSION_ID = re.compile(r"chat-\d{8}T\d{6}Z-[0-9a-f]{8}")
MAX_QUESTION = 500


class _NoTools:
    """Reading a conversation's history needs its checkpoint, not the MCP servers: a ChatSession given
    this opens none, and a tool call through it (none is made) would say why."""

    async def call(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("this chat session only reads its history")


def valid_session(session_id: str | None) -> str | None:
    return session_id if session_id and SESSION_ID.fullmatch(session_id) else None


async def history(service: ConsoleBackend, session_id: str) -> list[Turn]:
    async with ChatSession(service.options, session_id=session_id, tools=_NoTools()) as chat:  # type: ignore[arg-type]
        return await chat.history()


class Refused(Exception):
    """The question was refused before it was answered (e.g. several clusters and none chosen): status and why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def cluster_of(service: ConsoleBackend, session_id: str) -> str | None:
    """The configured cluster a conversation asks about (the service's chat sessions record it), or None."""
    store = getattr(service.store, "chat_session", None)
    record = await asyncio.to_thread(store, session_id) if store else None
    return getattr(record, "cluster", None)


async def ask(service: ConsoleBackend, session_id: str | None, question: str, namespace: str | None, *,
              asker: Person | None = None, may_pin: bool = True, cluster: str | None = None) -> str:
    """One turn of `session_id` (a new conversation when None); returns the session id. `asker`: the signed-in
    person (a pinned action records them); `may_pin` False: read-only (a viewer's session); `cluster`: a new
    conversation's configured cluster (several configured). Refused when the service refuses it."""
    sessions = getattr(service, "chat_sessions", None)
    if sessions is not None:  # the service's chat sessions: recorded, bounded, on its chat loop (one session model)
        try:
            return await sessions.console_turn(session_id, question[:MAX_QUESTION], namespace, asker=asker,
                                               may_pin=may_pin, cluster=cluster)
        except Exception as exc:  # the service's ChatSessionError (its `status`): a 4xx is a refusal to show
            status = getattr(exc, "status", None)
            if isinstance(status, int) and 400 <= status < 500:
                raise Refused(status, str(exc)) from exc
            raise
    options = service.options
    if getattr(service, "servers", None) is not None:  # the service's shared servers, as its runs use them
        options = options.model_copy(update={"servers": await service.servers.connections()})
    async with ChatSession(options, session_id=session_id or new_session_id(), namespace=namespace) as chat:
        await chat.ask(question[:MAX_QUESTION], asker=asker, may_pin=may_pin)
        return chat.session_id
