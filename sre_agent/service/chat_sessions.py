"""Chat sessions over HTTP: one session model for POST /v1/sessions, POST /invocations (AgentCore)
and the console's chat. A session is a chat checkpoint thread (chat/conversation/session.py ChatSession, thread
id = session id) plus a row in the store (chat_store.py) that bounds it: an idle TTL, a maximum of
live sessions (past it the one idle longest is closed: someone asking now outranks an idle
conversation), a maximum question size and a maximum of messages per session. Every turn runs on
the service's chat loop (IncidentService.chat_loop), never on the loop that acknowledges alarms.

Session ids (one namespace for every entry point):

    chat-<UTC time>-<8 hex>   minted by POST /v1/sessions (and the console, and /invocations
                              without a session header)
    agentcore-<runtime id>    an AgentCore runtime session: the header value, characters outside
                              [A-Za-z0-9_.-] replaced by '-', at most 100 of them

runtime_session_id() maps an X-Amzn-Bedrock-AgentCore-Runtime-Session-Id header to a session id:
a value that is already a session id (either form) is used as it is, any other value gets the
`agentcore-` prefix. So a session created with POST /v1/sessions is continued by /invocations with
its id in the header, and a session /invocations started (its answer names `session_id`) is
continued by POST /v1/sessions/{session_id}/messages -- or by /invocations with either header form.
An unknown agentcore- id starts that session (the runtime mints its ids); an unknown chat- id is a
404 (those are minted here only)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from ..app.options import RunOptions
from ..chat.models import Answer, Turn
from ..contracts import Person
from .chat_store import ChatSessionRecord, ChatSource
from .step_loop import StepLoop

log = logging.getLogger(__name__)
SESSION_ID = re.compile(r"(chat|agentcore)-[A-Za-z0-9_.-]{1,100}")
_NOT_ID_CHARS = re.compile(r"[^A-Za-z0-9_.-]")
EVERY_CLUSTER = "*"  # a session over every configured cluster (chat/conversation/fleet.py)
START = "start a new one with POST /v1/sessions (or a prompt to POST /invocations)"


class ChatLimits(BaseModel):
    """The bounds of chat sessions (ServiceSettings.chat_*)."""

    ttl_s: float = Field(default=86400.0, gt=0, description="idle time after which a session expires")
    max_sessions: int = Field(default=500, ge=1, description="live sessions; a new one past it closes the one idle longest")
    max_question_chars: int = Field(default=2000, ge=1, description="characters in one question")
    max_messages: int = Field(default=100, ge=1, description="questions answered in one session")


class SessionInfo(BaseModel):
    """A session as POST /v1/sessions answers it (times in ISO 8601, UTC)."""

    session_id: str
    namespace: str | None = None
    cluster: str | None = None  # the configured cluster it asks about (several configured)
    created_at: str
    last_active_at: str
    expires_at: str  # when it expires unless asked something before (last_active_at + service.chat_session_ttl_s)
    message_count: int
    max_messages: int


class SessionView(SessionInfo):
    """GET /v1/sessions/{id}: the session and its messages, from the chat checkpoint."""

    messages: list[Turn]


class ChatSessionError(Exception):
    """A request the sessions refuse: its HTTP status and a message saying what to do."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


def runtime_session_id(header: str) -> str:
    """The session id an AgentCore runtime session header names (module docstring)."""
    header = header.strip()
    return header if SESSION_ID.fullmatch(header) else f"agentcore-{_NOT_ID_CHARS.sub('-', header)[:100]}"


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


class _HistoryOnly:
    """Reading a conversation needs its checkpoint, not the MCP servers: a ChatSession given this
    opens none (and no tool is called through it)."""

    async def call(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("this chat session only reads its history")


class ChatSessions:
    """The sessions of one service: `create`, `ask`, `view` (and the AgentCore and console entries)."""

    keepalive_s = 10.0  # SSE: a comment this often while an answer is being worked out (proxies drop idle streams)

    def __init__(self, store: Any, options: RunOptions, loop: StepLoop, servers: Any = None,
                 limits: ChatLimits | None = None, *, placement: Any = None) -> None:
        """`placement` (cluster_servers.Placement): each session's turns run in its cluster, over servers bound to
        it; default: `servers` (SharedServers, or None: the options' own), one cluster."""
        from .cluster_servers import Placement

        self.store, self.options, self.loop, self.servers = store, options, loop, servers
        self.placement: Placement = placement or Placement([], servers)
        self.limits = limits or ChatLimits()
        self._locks: dict[str, asyncio.Lock] = {}
        self._holders: dict[str, int] = {}

    # --- sessions --------------------------------------------------------------------------------
    async def create(self, namespace: str | None = None, source: ChatSource = "api",
                     session_id: str | None = None, cluster: str | None = None) -> ChatSessionRecord:
        """A new session (`session_id` default: a fresh chat- id); an existing id is returned as it is. `cluster`:
        the configured cluster it asks about (cluster_for)."""
        from ..chat.conversation.session import new_session_id

        cluster = self.cluster_for(cluster)
        session_id = session_id or new_session_id()
        _, evicted = await asyncio.to_thread(
            self.store.create_chat_session, session_id, namespace, source, max_live=self.limits.max_sessions,
            ttl_s=self.limits.ttl_s, cluster=cluster)
        if evicted:
            log.warning("closed %d idle chat session(s) to make room (service.chat_max_sessions=%d): %s", len(evicted),
                        self.limits.max_sessions, ", ".join(evicted))
        record = await asyncio.to_thread(self.store.chat_session, session_id)
        assert record is not None, "a session just created is in the store"
        return record

    async def live(self, session_id: str) -> ChatSessionRecord:
        """The session if it is live; ChatSessionError 404 saying why not otherwise."""
        record = await asyncio.to_thread(self.store.chat_session, session_id) if SESSION_ID.fullmatch(session_id) else None
        self._check_live(session_id, record)
        assert record is not None
        return record

    def _check_live(self, session_id: str, record: ChatSessionRecord | None) -> None:
        if record is None:
            raise ChatSessionError(404, f"no chat session {session_id[:120]!r}: {START}, and use the session_id it answers")
        state = record.state(self.limits.ttl_s)
        if state == "expired":
            raise ChatSessionError(404, f"chat session {session_id} expired: it was idle for more than "
                                        f"{duration(self.limits.ttl_s)} (service.chat_session_ttl_s) after "
                                        f"{iso(record.last_active_at)}; {START}")
        if state == "evicted":
            raise ChatSessionError(404, f"chat session {session_id} was closed at {iso(record.closed_at or 0)} to make "
                                        f"room: the service keeps at most {self.limits.max_sessions} live sessions "
                                        f"(service.chat_max_sessions) and this one had been idle longest; {START}")

    def cluster_for(self, asked: str | None) -> str | None:
        """The cluster a new session asks about: the one named, the only one configured, or -- several configured and
        none named, or `*` -- every one (EVERY_CLUSTER: each question goes to the cluster it names, else to the one the
        conversation is on, else to all of them, answered per cluster; chat/conversation/fleet.py). A name that is not
        configured is a 422 listing the ones that are."""
        names = self.placement.names
        if not names:
            if asked:
                raise ChatSessionError(422, f"cluster {asked!r} was named, but this service has no clusters configured "
                                            "(`clusters:` in its config file): leave it out")
            return None
        if asked is None or asked == EVERY_CLUSTER:
            return names[0] if len(names) == 1 else EVERY_CLUSTER
        if asked not in names:
            raise ChatSessionError(422, f"several clusters are configured ({', '.join(names)}): cluster {asked!r} is not "
                                        f'one of them; name one, e.g. {{"cluster": "{names[0]}"}}, or "{EVERY_CLUSTER}" '
                                        "for every one")
        return asked

    def describe(self, record: ChatSessionRecord) -> SessionInfo:
        return SessionInfo(session_id=record.session_id, namespace=record.namespace, cluster=record.cluster,
                           created_at=iso(record.created_at),
                           last_active_at=iso(record.last_active_at),
                           expires_at=iso(record.expires_at(self.limits.ttl_s)), message_count=record.message_count,
                           max_messages=self.limits.max_messages)

    async def view(self, session_id: str) -> SessionView:
        """The session and its messages, read from the chat checkpoint."""
        from ..chat.conversation import session as chat_session

        record = await self.live(session_id)

        async def read() -> list[Turn]:
            if record.cluster == EVERY_CLUSTER:  # each cluster's part of the conversation, in time order
                from ..chat.conversation.fleet import FleetChat, thread_of

                sessions = {name: chat_session.ChatSession(self.options, session_id=thread_of(session_id, name),
                                                           tools=_HistoryOnly())  # type: ignore[arg-type]
                            for name in self.placement.names}
                async with FleetChat.over(sessions, session_id, self.options) as fleet:
                    return await fleet.history()
            async with chat_session.ChatSession(self.options, session_id=session_id,
                                                tools=_HistoryOnly()) as chat:  # type: ignore[arg-type]
                return await chat.history()

        turns = await self.loop.run(read())
        return SessionView(**self.describe(record).model_dump(), messages=turns)

    # --- turns -----------------------------------------------------------------------------------
    def check_question(self, text: str) -> str:
        text = text.strip()
        if not text:
            raise ChatSessionError(422, 'the question is empty: send {"text": "what is broken in shop?"}')
        if len(text) > self.limits.max_question_chars:
            raise ChatSessionError(413, f"the question is {len(text)} characters; the limit is "
                                        f"{self.limits.max_question_chars} (service.chat_max_question_chars): ask a "
                                        "shorter question, or split it over two messages")
        return text

    async def reserve(self, session_id: str, text: str) -> tuple[ChatSessionRecord, str]:
        """Check the question and take the session's next message slot (before any answering starts,
        so a refusal is a plain JSON error, never a broken event stream)."""
        text = self.check_question(text)
        record = await asyncio.to_thread(self.store.begin_chat_turn, session_id, max_messages=self.limits.max_messages,
                                         ttl_s=self.limits.ttl_s)
        if record is None:
            current = await self.live(session_id)  # raises 404 when it is not live: then it is full
            raise ChatSessionError(409, f"chat session {session_id} has answered its {current.message_count} messages "
                                        f"(service.chat_max_messages={self.limits.max_messages}): {START}; GET "
                                        f"/v1/sessions/{session_id} still shows this one until it expires")
        return record, text

    async def answer(self, record: ChatSessionRecord, text: str, namespace: str | None = None, *,
                     asker: Person | None = None, may_pin: bool = True) -> Answer:
        """Answer a reserved message (reserve()) in its session: one turn at a time per session, so a
        follow-up always sees the turn before it. `asker`: the person asking (a pinned action records
        them); `may_pin` False: read-only, the answer pins no action (the viewer role)."""
        session_id = record.session_id
        try:
            async with self._one_at_a_time(session_id):
                answer = await self._turn(session_id, text, namespace or record.namespace, asker, may_pin,
                                          record.cluster)
        except Exception as exc:  # the chat could not start (servers, checkpointer): the slot is free again
            await asyncio.to_thread(self.store.cancel_chat_turn, session_id)
            log.exception("chat session %s could not answer", session_id)
            raise ChatSessionError(503, f"could not answer in chat session {session_id}: {type(exc).__name__}: {exc}; "
                                        "the session is still usable: try again (GET /readyz shows what is down)") from None
        except BaseException:  # cancelled (shutdown): not answered
            await asyncio.shield(asyncio.to_thread(self.store.cancel_chat_turn, session_id))
            raise
        size = len(text.encode()) + len(json.dumps(answer.model_dump(mode="json"), default=str).encode())
        await asyncio.to_thread(self.store.end_chat_turn, session_id, size)
        return answer

    async def ask(self, session_id: str, text: str, namespace: str | None = None, *, asker: Person | None = None,
                  may_pin: bool = True) -> Answer:
        record, text = await self.reserve(session_id, text)
        return await self.answer(record, text, namespace, asker=asker, may_pin=may_pin)

    async def _turn(self, session_id: str, text: str, namespace: str | None, asker: Person | None = None,
                    may_pin: bool = True, cluster: str | None = None) -> Answer:
        from ..chat.conversation import session as chat_session

        if cluster == EVERY_CLUSTER:  # a conversation over every cluster: each cluster's part on its own thread
            from ..chat.conversation.fleet import FleetChat, thread_of

            sessions = {name: chat_session.ChatSession(await self.placement.options_for(self.options, name),
                                                       session_id=thread_of(session_id, name), namespace=namespace)
                        for name in self.placement.names}

            async def ask_every() -> Answer:
                async with FleetChat.over(sessions, session_id, self.options) as fleet:
                    return await fleet.ask(text, asker=asker, may_pin=may_pin)

            return await self.loop.run(ask_every())
        # The session's cluster (several configured) and the service's MCP servers for it, as its runs use them.
        options = await self.placement.options_for(self.options, cluster)

        async def ask() -> Answer:
            async with chat_session.ChatSession(options, session_id=session_id, namespace=namespace) as chat:
                return await chat.ask(text, asker=asker, may_pin=may_pin)

        # On the chat's own loop: a chat's synchronous stretches never stall the acknowledgements or /ping,
        # and it takes no investigation worker.
        return await self.loop.run(ask())

    @asynccontextmanager
    async def _one_at_a_time(self, session_id: str) -> AsyncIterator[None]:
        # Per process: two replicas answering one session at once (PostgreSQL) are not serialised.
        lock = self._locks.setdefault(session_id, asyncio.Lock())
        self._holders[session_id] = self._holders.get(session_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._holders[session_id] -= 1
            if not self._holders[session_id]:
                del self._holders[session_id], self._locks[session_id]

    # --- the other entries -----------------------------------------------------------------------
    async def invocation(self, header: str | None, prompt: str, namespace: str | None,
                         asker: Person | None = None, cluster: str | None = None) -> tuple[Answer, str]:
        """AgentCore's POST /invocations prompt: (answer, session id), in the session the runtime
        header names (module docstring), started when the runtime names a new one (in `cluster`)."""
        self.check_question(prompt)
        if not header or not header.strip():
            session_id = (await self.create(namespace, "agentcore", cluster=cluster)).session_id
        else:
            session_id = runtime_session_id(header)
            if session_id.startswith("agentcore-") and await asyncio.to_thread(self.store.chat_session, session_id) is None:
                await self.create(namespace, "agentcore", session_id, cluster)
        return await self.ask(session_id, prompt, namespace, asker=asker), session_id

    async def console_turn(self, session_id: str | None, question: str, namespace: str | None, *,
                           asker: Person | None = None, may_pin: bool = True, cluster: str | None = None) -> str:
        """One console question; the session id it was answered in. A console conversation the service
        closed (expired, evicted, full) goes on in a new session: the page the console redirects to
        shows which. One from before sessions were recorded is recorded now and goes on. `asker` and
        `may_pin`: the signed-in person, and whether their roles let an answer pin an action (responder);
        `cluster`: a new conversation's (an ongoing one keeps its own)."""
        question = question.strip()[: self.limits.max_question_chars]
        record = None
        if session_id:
            known = await asyncio.to_thread(self.store.chat_session, session_id)
            if known is None:
                await self.create(namespace, "console", session_id, cluster)
            else:
                cluster = known.cluster or cluster
            try:
                record, question = await self.reserve(session_id, question)
            except ChatSessionError as exc:
                if exc.status not in (404, 409):
                    raise
        if record is None:
            fresh = await self.create(namespace, "console", cluster=cluster)
            record, question = await self.reserve(fresh.session_id, question)
        await self.answer(record, question, namespace, asker=asker, may_pin=may_pin)
        return record.session_id
