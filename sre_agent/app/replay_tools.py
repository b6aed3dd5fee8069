"""Recorded tool results, served back: the Tools port without a cluster, a lab or an AWS account.

A *recording* is what the MCP servers served during one real run: the tool list with its schemas
and annotations, and every call's name, arguments and full structured result (after the servers'
redaction). `ReplayToolbox` implements the same port as the MCP toolbox (graph/ports.Tools) and
answers from it, so a brain -- a prompt or a model change above all -- is measured on the same
evidence a live run saw:

- an exact (server, tool, arguments) match returns the recorded result;
- a near match -- same tool, arguments equal once schema defaults and nulls are dropped, key order
  ignored and timestamps read as "some time" -- returns it too;
- anything else is an error result ("not recorded in this case"): the brain must cope, nothing is
  ever invented;
- a tool that does not declare itself read-only is never executed: it is kept in `attempted_writes`
  (for the evaluation to judge) and answered with an error.

A recording is shifted in time to the moment it is replayed (every ISO timestamp in the entry, the
arguments and the results moves by the same amount), so "is this anomaly still going on?" reads
the same as it did live. This module never sees a scenario's truth: the expected answer lives
beside the recording, read only by sre_agent/eval.

`toolbox_override` is how a caller (the recorder, the replayer) swaps the run's toolbox without
threading a parameter through every entry point: app/wiring.py opens whatever it holds."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field

from ..contracts import ToolCallRecord
from ..graph.ports import ToolOutcome
from .toolbox import EXCERPT_CHARS

NOT_RECORDED = "not recorded in this case"
NOT_EXECUTED = "not executed: writes never run in a replay (kept as an attempted write, for the evaluation to judge)"
ISO_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")

# (options, tracer) -> an async context manager giving the run's Tools; None: the live MCP toolbox.
ToolboxFactory = Callable[[Any, Any], AbstractAsyncContextManager[Any]]
toolbox_override: ContextVar[ToolboxFactory | None] = ContextVar("toolbox_override", default=None)


class RecordedTool(BaseModel):
    """One tool as its server listed it."""

    server: str
    name: str
    description: str = ""
    input_schema: dict[str, Any] = Field(default_factory=dict)
    read_only: bool = False  # readOnlyHint=True; no annotation means "may write"


class RecordedCall(BaseModel):
    """One call and its full answer: the parsed structured result, or the error the server gave."""

    server: str
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    data: Any = None
    error: str | None = None
    by: str = "run"  # run: the live investigation made it; recorder: one of the standard reads added beside it


class Recording(BaseModel):
    recorded_at: datetime
    calls: list[RecordedCall] = Field(default_factory=list)


# --- time ------------------------------------------------------------------------------------------

def _shift_text(text: str, delta: timedelta) -> str:
    def moved(match: re.Match[str]) -> str:
        raw = match.group(0)
        try:
            when = datetime.fromisoformat(raw.replace(" ", "T", 1).replace("Z", "+00:00"))
        except ValueError:
            return raw
        aware = when if when.tzinfo else when.replace(tzinfo=UTC)
        out = (aware + delta).isoformat(timespec="microseconds" if "." in raw else "seconds")
        if not when.tzinfo:
            out = out[: -len("+00:00")]
        elif raw.endswith("Z"):
            out = out.replace("+00:00", "Z")
        return out.replace("T", " ", 1) if raw[10] == " " else out

    return ISO_TIME.sub(moved, text)


def shift_times(value: Any, delta: timedelta) -> Any:
    """`value` with every ISO-8601 timestamp inside it moved by `delta` (format kept)."""
    if not delta:
        return value
    if isinstance(value, str):
        return _shift_text(value, delta)
    if isinstance(value, dict):
        return {key: shift_times(item, delta) for key, item in value.items()}
    if isinstance(value, list):
        return [shift_times(item, delta) for item in value]
    return value


# --- matching ---------------------------------------------------------------------------------------

def _without_times(value: Any) -> Any:
    if isinstance(value, str):
        return ISO_TIME.sub("<time>", value)
    if isinstance(value, dict):
        return {key: _without_times(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_times(item) for item in value]
    return value


def exact_key(server: str, tool: str, args: dict[str, Any]) -> str:
    return json.dumps([server, tool, args], sort_keys=True, default=str)


def near_key(server: str, tool: str, args: dict[str, Any], schema: dict[str, Any]) -> str:
    """The call with what does not change its answer taken out: nulls, values equal to the schema's
    default, key order, and the exact instant of a time argument."""
    properties = schema.get("properties") or {}
    kept = {name: value for name, value in args.items()
            if value is not None and not ("default" in (properties.get(name) or {})
                                          and properties[name]["default"] == value)}
    return json.dumps([server, tool, _without_times(kept)], sort_keys=True, default=str)


class ReplayToolbox:
    """The graph's Tools port, answered from one recording."""

    def __init__(self, tools: list[RecordedTool], recording: Recording, *, now: datetime | None = None) -> None:
        delta = (now or datetime.now(UTC)) - recording.recorded_at
        self.time_shift = delta
        self.tools = tools
        self.schemas = {(t.server, t.name): t.input_schema for t in tools}
        self.parameters: dict[tuple[str, str], set[str]] = {
            (t.server, t.name): set(t.input_schema.get("properties") or {}) for t in tools}
        self.read_only = {(t.server, t.name) for t in tools if t.read_only}
        self._exact: dict[str, list[RecordedCall]] = {}
        self._near: dict[str, list[RecordedCall]] = {}
        for call in recording.calls:
            moved = RecordedCall(server=call.server, tool=call.tool, args=shift_times(call.args, delta),
                                 data=shift_times(call.data, delta), error=call.error, by=call.by)
            self._exact.setdefault(exact_key(moved.server, moved.tool, moved.args), []).append(moved)
            schema = self.schemas.get((moved.server, moved.tool), {})
            self._near.setdefault(near_key(moved.server, moved.tool, moved.args, schema), []).append(moved)
        # A call the run itself made is answered with what the run got, in order; the recorder's standard
        # reads (made before the run, on a world that has moved on since) answer only calls it never made.
        for index in (self._exact, self._near):
            for key, answers in index.items():
                index[key] = [a for a in answers if a.by == "run"] or answers
        self._served: dict[str, int] = {}
        self.misses: list[ToolCallRecord] = []
        self.attempted_writes: list[ToolCallRecord] = []
        self.near_matches = 0
        self._counter = 0
        self._langchain: dict[str, list[StructuredTool]] = {}

    async def __aenter__(self) -> ReplayToolbox:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def start_numbering_at(self, count: int) -> None:
        self._counter = max(self._counter, count)

    def read_only_tools(self, server: str) -> list[StructuredTool]:
        """The server's read-only tools as a model is offered them: name, description and the JSON
        schema exactly as served (running them is `call`'s job, as with the live toolbox)."""
        if server not in self._langchain:
            self._langchain[server] = [_offered(t) for t in self.tools if t.server == server and t.read_only]
        return self._langchain[server]

    def _answer(self, server: str, tool: str, args: dict[str, Any]) -> RecordedCall | None:
        exact = self._exact.get(exact_key(server, tool, args))
        key = exact_key(server, tool, args)
        if exact is None:
            key = near_key(server, tool, args, self.schemas.get((server, tool), {}))
            exact = self._near.get(key)
            if exact is None:
                return None
            self.near_matches += 1
        # The same call made again (a verification poll) gets the next recorded answer, then the last.
        index = self._served.get(key, 0)
        self._served[key] = index + 1
        return exact[min(index, len(exact) - 1)]

    async def call(self, agent: str, server: str, tool: str, args: dict[str, Any], brain: str = "offline") -> ToolOutcome:
        self._counter += 1
        started = time.monotonic()
        data: Any = None
        if (server, tool) not in self.schemas:
            error: str | None = f"no tool {server}.{tool} in this recording's tool list"
        elif (server, tool) not in self.read_only:
            error = NOT_EXECUTED
        else:
            recorded = self._answer(server, tool, args)
            if recorded is None:
                error = f"{NOT_RECORDED}: the run this case was recorded from made no {server}.{tool} call with these arguments"
            else:
                data, error = recorded.data, recorded.error
        text = error if error is not None else json.dumps(data, default=str)
        masked = data.get("redacted") if isinstance(data, dict) else None
        record = ToolCallRecord(id=f"ev-{self._counter}", agent=agent, server=server, tool=tool, args=args,
                                ok=error is None, excerpt=text[:EXCERPT_CHARS],
                                duration_ms=round((time.monotonic() - started) * 1000, 1), brain=brain,
                                redacted=masked if isinstance(masked, int) else 0)
        if error == NOT_EXECUTED:
            self.attempted_writes.append(record)
        elif error is not None and error.startswith((NOT_RECORDED, "no tool ")):
            self.misses.append(record)
        return ToolOutcome(record=record, data=data, error=error)


def _offered(tool: RecordedTool) -> StructuredTool:
    async def never_run(**_: Any) -> str:
        raise RuntimeError("replayed tools are answered by ReplayToolbox.call, not run")

    return StructuredTool(name=tool.name, description=tool.description, args_schema=tool.input_schema,
                          coroutine=never_run, metadata={"server": tool.server, "readOnlyHint": tool.read_only})


class RecordingToolbox:
    """The live toolbox with every call kept as a RecordedCall (what the servers answered, redacted
    as they redact it). Also exposes the served tool list."""

    def __init__(self, live: Any) -> None:
        self.live = live
        self.calls: list[RecordedCall] = []
        self.tools: list[RecordedTool] = []

    async def __aenter__(self) -> RecordingToolbox:
        await self.live.__aenter__()
        for server, session in self.live.sessions.items():
            for listed in (await session.list_tools()).tools:
                read_only = listed.annotations is not None and listed.annotations.readOnlyHint is True
                self.tools.append(RecordedTool(server=server, name=listed.name, description=listed.description or "",
                                               input_schema=listed.inputSchema or {}, read_only=read_only))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.live.__aexit__(*exc)

    @property
    def parameters(self) -> dict[tuple[str, str], set[str]]:
        return self.live.parameters

    def read_only_tools(self, server: str) -> list[Any]:
        return self.live.read_only_tools(server)

    def start_numbering_at(self, count: int) -> None:
        self.live.start_numbering_at(count)

    async def call(self, agent: str, server: str, tool: str, args: dict[str, Any], brain: str = "offline",
                   *, by: str = "run") -> ToolOutcome:
        outcome = await self.live.call(agent, server, tool, args, brain)
        if (server, tool) not in self.live.read_only:  # a replay never serves a write (not even a dry run)
            return outcome
        self.calls.append(RecordedCall(server=server, tool=tool, args=dict(args), data=outcome.data,
                                       error=outcome.error, by=by))
        return outcome
