"""Running one investigation end to end: MCP sessions, checkpointer, the graph, approvals, report."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

from langgraph.types import Command
from pydantic import BaseModel, Field

from ..contracts import InvestigationResult
from ..service.notifications import Notifier
from ..tracing import tracer_from_env
from .builder import build_graph
from .ledger import ActionLedger, PostgresActionLedger
from .policy import RemediationPolicy
from .report import render_markdown, to_result
from .runtime import Runtime
from .state import Budget, Incident, Investigation
from .toolbox import ServerConnection, Toolbox, stdio_servers

Approver = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class RunSettings(BaseModel):
    brain: Literal["offline", "bedrock", "anthropic", "openai"] = "offline"
    remediation: Literal["auto", "approve", "off"] = "approve"
    namespaces: list[str] = Field(default_factory=list)
    allow_node_actions: bool = False
    ssm_targets: list[str] = Field(default_factory=list, description="instance ids SSM writes may target ('*' = any)")
    state_dir: Path = Path(".sre-agent")
    checkpoint_dsn: str | None = None  # postgresql://... ; default SQLite in state_dir
    servers: dict[str, ServerConnection] | None = None  # default: the three servers over stdio
    env: dict[str, str] = Field(default_factory=dict)  # KUBECONFIG / AWS_* for stdio servers
    budget: Budget = Field(default_factory=Budget)
    verify_timeout_s: float = 90.0
    verify_poll_s: float = 2.0
    approval_timeout_s: float = 300.0
    escalation_sns_topic_arn: str | None = None
    escalation_webhook_url: str | None = None


def _serde():
    """Checkpoints hold our own pydantic state types; say so, rather than rely on unchecked deserialisation."""
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    from .. import contracts
    from . import state

    allowed = [(module.__name__, name) for module in (state, contracts) for name, value in vars(module).items()
               if isinstance(value, type) and getattr(value, "__module__", None) == module.__name__]
    return JsonPlusSerializer(allowed_msgpack_modules=allowed)


async def _checkpointer(settings: RunSettings, stack):
    if settings.checkpoint_dsn:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        saver = await stack.enter_async_context(AsyncPostgresSaver.from_conn_string(settings.checkpoint_dsn, serde=_serde()))
        await saver.setup()
        return saver
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    settings.state_dir.mkdir(parents=True, exist_ok=True)
    conn = await stack.enter_async_context(aiosqlite.connect(str(settings.state_dir / "checkpoints.sqlite")))
    return AsyncSqliteSaver(conn, serde=_serde())


def make_brain(name: str):
    if name == "offline":
        from ..brains.offline.brain import OfflineBrain

        return OfflineBrain()
    from ..brains.llm import make_llm_brain

    return make_llm_brain(name)


async def run_investigation(incident: Incident, settings: RunSettings, *,
                            on_progress: Callable[[dict[str, Any]], None] | None = None,
                            approver: Approver | None = None, tracer: Any = None,
                            resume: bool = False) -> tuple[InvestigationResult, Investigation]:
    from contextlib import AsyncExitStack

    started = time.monotonic()
    brain = make_brain(settings.brain)  # a provider missing its settings fails here, before servers start
    policy = RemediationPolicy(mode=settings.remediation, namespaces=settings.namespaces,
                               allow_node_actions=settings.allow_node_actions,
                               approval_timeout_s=settings.approval_timeout_s)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    servers = settings.servers or stdio_servers(
        settings.env, allow_writes=settings.remediation != "off", namespaces=settings.namespaces,
        ssm_targets=settings.ssm_targets if settings.allow_node_actions else [],
        audit_log=str(settings.state_dir / "audit.jsonl"))
    tracer = tracer if tracer is not None else tracer_from_env({**os.environ, **settings.env})
    async with AsyncExitStack() as stack:
        # Entered first, so it closes last: the segment ends (and is sent) after the MCP sessions close.
        await stack.enter_async_context(tracer.investigation(incident_id=incident.id, severity=incident.severity,
                                                             brain=settings.brain, source=incident.source))
        with tracer.node_span("connect"):  # starting the MCP servers is often most of a short run
            toolbox = await stack.enter_async_context(Toolbox(servers, on_progress=on_progress, tracer=tracer))
        checkpointer = await _checkpointer(settings, stack)
        graph = build_graph(checkpointer)
        runtime = Runtime(brain=brain, toolbox=toolbox, policy=policy,
                          progress=on_progress or (lambda event: None), tracer=tracer,
                          notifier=Notifier(settings.escalation_sns_topic_arn, settings.escalation_webhook_url),
                          verify_timeout_s=settings.verify_timeout_s, verify_poll_s=settings.verify_poll_s,
                          ledger=PostgresActionLedger(settings.checkpoint_dsn) if settings.checkpoint_dsn
                          else ActionLedger(settings.state_dir / "actions.sqlite"))
        config = {"configurable": {"thread_id": incident.id, "runtime": runtime}, "recursion_limit": 200}
        if resume:
            values = await graph.ainvoke(None, config)
        else:
            initial = Investigation(incident=incident, brain=settings.brain, remediation_mode=settings.remediation,
                                    budget=settings.budget, started_epoch=time.time())
            values = await graph.ainvoke(initial, config)
        while True:
            snapshot = await graph.aget_state(config)
            interrupts = [i for task in snapshot.tasks for i in task.interrupts]
            if not interrupts:
                break
            decision = await _ask(approver, interrupts[0].value, settings.approval_timeout_s)
            values = await graph.ainvoke(Command(resume=decision), config)
        state = Investigation.model_validate(snapshot.values if snapshot.values else values)
        tracer.annotate(status=state.status, category=state.diagnosis.category.value if state.diagnosis else None)
    reports = settings.state_dir / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    report_path = reports / f"{incident.id}.md"
    result = to_result(state, duration_s=time.monotonic() - started,
                       trace_id=tracer.trace_id if tracer else None, report_path=str(report_path))
    report_path.write_text(render_markdown(state, result))
    (reports / f"{incident.id}.json").write_text(result.model_dump_json(indent=2))
    return result, state


async def _ask(approver: Approver | None, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    if approver is None:
        return {"decision": "timeout", "note": "no approver is attached to this run"}
    try:
        return await asyncio.wait_for(approver(request), timeout=timeout_s)
    except asyncio.TimeoutError:
        return {"decision": "timeout", "note": f"no answer within {timeout_s:.0f}s"}


def load_alarm_file(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise ValueError(f"cannot read alarm file {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ValueError(f"alarm file {path} is not JSON: {exc}") from None
