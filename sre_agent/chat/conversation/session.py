"""One chat session: the MCP servers (started once, up for the whole session), the checkpointer
that keeps the conversation (thread id = session id), and `ask` -- one turn. Read-only: the servers
start with writes off, and investigations run with remediation off."""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

from ...app.intake import IntakeError, alarm_payload, incident_from_alarm, incident_from_question
from ...app.options import RunOptions
from ...app.remembering import memory_store
from ...app.runs import run_investigation
from ...app.servers import stdio_servers
from ...app.toolbox import Toolbox
from ...app.wiring import open_checkpointer
from ...contracts import Incident, Person
from ...graph.ports import Tools
from ..models import Answer, Turn
from ..understand import intent_model
from ..understand.inventory import InventoryCache
from .graph import ChatContext, build_chat_graph

log = logging.getLogger(__name__)


def new_session_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"chat-{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}"


def read_only(options: RunOptions) -> RunOptions:
    """The same targeting, with every write off: chat never changes anything."""
    return options.model_copy(update={"remediation": "off", "allow_node_actions": False})


class ChatSession:
    """`async with ChatSession(options) as chat: answer = await chat.ask("what's broken?")`."""

    def __init__(self, options: RunOptions, *, session_id: str | None = None, namespace: str | None = None,
                 tools: Tools | None = None) -> None:
        self.options = read_only(options)
        self.session_id = session_id or new_session_id()
        self.namespace = namespace
        self.tools = tools
        self.graph: Any = None
        self.llm: Any = None  # LlmChat, with an LLM brain
        self._stack: AsyncExitStack | None = None
        self.inventory = InventoryCache()  # what exists, listed at most once a few seconds for the session's turns
        self.memory: Any = None  # the incident memory ("has this happened before", "remember that ...")

    async def __aenter__(self) -> ChatSession:
        self._stack = AsyncExitStack()
        try:
            if self.tools is None:
                servers = self.options.servers or stdio_servers(self.options.env, allow_writes=False, namespaces=[],
                                                                extra_args=self.options.server_args)
                # A server that does not start leaves a hole the answers name ("could not check
                # kubernetes: <its own error line>") instead of no chat at all.
                self.tools = await self._stack.enter_async_context(Toolbox(servers, reads_only=True))
            if self.options.brain != "offline":
                from ...brains.llm.factory import make_llm_brain  # provider SDKs load only when an LLM brain is asked for
                from .llm import LlmChat

                self.llm = LlmChat(make_llm_brain(self.options.brain, settings=self.options.llm), self.tools,
                                   self.options.budget)
            self.graph = build_chat_graph(await open_checkpointer(self.options, self._stack))
            self.memory = memory_store(self.options)
            if self.memory is not None:
                self._stack.callback(self.memory.close)
            # the intent classifier learns from its data (~1 s) while the first question is typed, not after it
            threading.Thread(target=intent_model.model, name="intent-model", daemon=True).start()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._stack:
            await self._stack.aclose()

    def _config(self) -> dict[str, Any]:
        return {"configurable": {"thread_id": self.session_id}}

    async def ask(self, question: str, *, asker: Person | None = None, may_pin: bool = True) -> Answer:
        """One turn: the answer, with the earlier turns of this session as its context. `asker`: who asks (a
        pinned action records them); `may_pin` False: read-only, no action is pinned (the service's viewer)."""
        assert self.tools is not None, "use ChatSession as an async context manager"
        context = ChatContext(tools=self.tools, namespace=self.namespace, investigate=self._investigate, llm=self.llm,
                              inventory=self.inventory, memory=self.memory, asker=asker, may_pin=may_pin)
        try:
            state = await asyncio.wait_for(self.graph.ainvoke({"question": question, "session_id": self.session_id},
                                                              self._config(), context=context),
                                           timeout=self.options.chat_turn_timeout_s)
        except TimeoutError:
            log.error("chat turn not answered within %.0f s: %r", self.options.chat_turn_timeout_s, question)
            return Answer(question=question, form="error", status="unknown",
                          headline=f"could not answer within {self.options.chat_turn_timeout_s:.0f} s: the turn was "
                                   "stopped and nothing was changed",
                          next_steps=["Ask again more narrowly (name the object), or run with -v and report the question; "
                                      "the session is still usable."])
        except Exception as exc:  # an answer, never a traceback: say what failed
            log.exception("chat turn failed")
            return Answer(question=question, form="error", status="unknown",
                          headline=f"could not answer: {type(exc).__name__}: {exc}",
                          next_steps=["Run with -v for details; the session is still usable."])
        return Turn.model_validate(state["turns"][-1]).answer

    async def history(self) -> list[Turn]:
        snapshot = await self.graph.aget_state(self._config())
        return [Turn.model_validate(t) for t in (snapshot.values or {}).get("turns") or []]

    async def exists(self) -> bool:
        snapshot = await self.graph.aget_state(self._config())
        return bool(snapshot.values)

    def restart(self) -> str:
        """/new: a fresh conversation (a new thread) on the same servers."""
        self.session_id = new_session_id()
        return self.session_id

    async def _alarm_incident(self, name: str) -> Incident | None:
        """An alarm asked about is investigated as its notification would be (where its dimensions point), never as a
        question about the whole cluster -- whose worst trouble may be another's. None: the alarm cannot be read or is
        OK (nothing it pages about)."""
        assert self.tools is not None
        listed = await self.tools.call("metrics", "cloudwatch", "describe_alarms", {"alarm_names": [name]})
        row = next(iter((listed.data or {}).get("alarms") or []), None) if listed.error is None else None
        if not row or row.get("state") == "OK":
            return None
        try:
            return incident_from_alarm(alarm_payload(row))
        except IntakeError:
            return None

    async def _investigate(self, question: str, resource: str) -> dict:
        """The full multi-agent investigation of `resource`, remediation off; its result as a dict."""
        incident = await self._alarm_incident(resource.removeprefix("Alarm/")) if resource.startswith("Alarm/") else None
        if incident is None:
            incident = incident_from_question(question)
            if resource:
                incident = incident.model_copy(update={"affected": [resource]})
        result, _ = await run_investigation(incident, self.options)
        return result.model_dump(mode="json")
