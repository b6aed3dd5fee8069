"""What the graph's nodes need besides the state, for one run: LangGraph's `context_schema`.

The application builds a RunContext per run and passes it as `graph.ainvoke(..., context=...)`;
it is never checkpointed (a resumed run gets a fresh one). Nodes take `runtime: Runtime[RunContext]`
and report progress through LangGraph's stream writer, which callers read with
`stream_mode="custom"`: the event dicts are what the CLI's progress printer shows."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from langgraph.runtime import Runtime

from .policy import RemediationPolicy
from .ports import AlertReader, Brain, Ledger, Memory, Notifier, ToolOutcome, Tools, Tracer
from .topology import Link, links_from_result


@dataclass
class RunContext:
    brain: Brain
    tools: Tools
    policy: RemediationPolicy
    tracer: Tracer | None = None
    notifier: Notifier | None = None
    ledger: Ledger | None = None
    memory: Memory | None = None  # past incidents; None: the run remembers nothing
    alerts: list[AlertReader] = field(default_factory=list)  # where an Alertmanager alert is read back (health.py)
    verify_timeout_s: float = 90.0
    verify_poll_s: float = 2.0
    world_speed: float = 1.0  # seconds of the watched world per wall-clock second (the lab's clock runs faster)
    # The configured cluster the run is in (several configured): its Kubernetes writes are pinned to it. None: one cluster.
    cluster: str | None = None
    healthy_checks_needed: int = 2
    started: float = field(default_factory=time.monotonic)  # for the events' elapsed_s


def emit(runtime: Runtime[RunContext], kind: str, **fields: Any) -> None:
    """One progress event on the custom stream (a no-op when nobody streams it)."""
    elapsed = round(time.monotonic() - runtime.context.started, 2)
    runtime.stream_writer({"kind": kind, "elapsed_s": elapsed, **fields})


class ReportedTools:
    """The run's tools with every call reported as a "tool" event, whoever made it: a brain's
    specialist, the remediation or the verification. The ownership and dependency links each result
    shows are collected here, from the structured result itself, so no brain can add or drop one."""

    def __init__(self, tools: Tools, write) -> None:
        self._tools = tools
        self._write = write
        self.links: list[Link] = []

    @property
    def parameters(self) -> Mapping[tuple[str, str], set[str]]:
        return self._tools.parameters

    def start_numbering_at(self, count: int) -> None:
        self._tools.start_numbering_at(count)

    def read_only_tools(self, server: str) -> list[Any]:
        return self._tools.read_only_tools(server)

    async def call(self, agent: str, server: str, tool: str, args: dict[str, Any], brain: str = "offline") -> ToolOutcome:
        outcome = await self._tools.call(agent, server, tool, args, brain)
        record = outcome.record
        if outcome.error is None:
            self.links.extend(links_from_result(record, outcome.data))
        self._write({"kind": "tool", "agent": agent, "server": server, "tool": tool, "ok": outcome.error is None,
                     "ms": record.duration_ms, "evidence": record.id})
        return outcome


def tools_of(runtime: Runtime[RunContext]) -> ReportedTools:
    return ReportedTools(runtime.context.tools, runtime.stream_writer)
