"""Running investigations: start one, resume one from its checkpoint, answer its approval
interrupts, and write its report (markdown) and result (JSON) to the state dir."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from langgraph.types import Command

from ..contracts import Incident, InvestigationResult
from ..graph.context import RunContext
from ..graph.report import render_markdown, to_result
from ..graph.state import Investigation
from ..tracing import tracer_for
from .options import RunOptions
from .wiring import make_brain, wired_run

Approver = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
ProgressCallback = Callable[[dict[str, Any]], None]


async def run_investigation(incident: Incident, options: RunOptions, *, on_progress: ProgressCallback | None = None,
                            approver: Approver | None = None,
                            tracer: Any = None) -> tuple[InvestigationResult, Investigation]:
    """Investigate `incident` from the start, to a terminal status."""
    return await _run(incident, options, on_progress, approver, tracer, resume=False)


async def resume_investigation(incident: Incident, options: RunOptions, *, on_progress: ProgressCallback | None = None,
                               approver: Approver | None = None,
                               tracer: Any = None) -> tuple[InvestigationResult, Investigation]:
    """Carry on an investigation that stopped (a crash, a restart) from its last checkpoint; an
    action already attempted is found in the ledger and not repeated."""
    return await _run(incident, options, on_progress, approver, tracer, resume=True)


async def _run(incident: Incident, options: RunOptions, on_progress: ProgressCallback | None,
               approver: Approver | None, tracer: Any, resume: bool) -> tuple[InvestigationResult, Investigation]:
    started = time.monotonic()
    brain = make_brain(options.brain, options.llm)
    tracer = tracer if tracer is not None else tracer_for(options.tracing_mode, {**os.environ, **options.env})
    # Entered first, so it closes last: the segment ends (and is sent) after the MCP sessions close.
    async with tracer.investigation(incident_id=incident.id, severity=incident.severity, brain=options.brain,
                                    source=incident.source):
        async with wired_run(options, brain, tracer) as (graph, context):
            first = None if resume else Investigation(incident=incident, brain=options.brain,
                                                      remediation_mode=options.remediation, budget=options.budget,
                                                      started_epoch=time.time())
            state = await _until_done(graph, first, incident.id, context, on_progress, approver,
                                      options.approval_timeout_s)
            tracer.annotate(status=state.status, category=state.diagnosis.category.value if state.diagnosis else None)
    result = to_result(state, duration_s=time.monotonic() - started, trace_id=tracer.trace_id if tracer else None,
                       report_path=str(_reports_dir(options) / f"{incident.id}.md"))
    write_report(state, result, options)
    return result, state


async def _until_done(graph, first: Investigation | None, thread_id: str, context: RunContext,
                      on_progress: ProgressCallback | None, approver: Approver | None,
                      approval_timeout_s: float) -> Investigation:
    """Stream the graph (progress events on the custom stream) until it ends, answering each
    approval interrupt it pauses on."""
    config = {"configurable": {"thread_id": thread_id}, "recursion_limit": 200}
    payload: Investigation | Command | None = first
    while True:
        async for event in graph.astream(payload, config, context=context, stream_mode="custom"):
            if on_progress:
                on_progress(event)
        snapshot = await graph.aget_state(config)
        interrupts = [i for task in snapshot.tasks for i in task.interrupts]
        if not interrupts:
            return Investigation.model_validate(snapshot.values)
        payload = Command(resume=await _ask(approver, interrupts[0].value, approval_timeout_s))


async def _ask(approver: Approver | None, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    if approver is None:
        return {"decision": "timeout", "note": "no approver is attached to this run"}
    try:
        return await asyncio.wait_for(approver(request), timeout=timeout_s)
    except TimeoutError:
        return {"decision": "timeout", "note": f"no answer within {timeout_s:.0f}s"}


def _reports_dir(options: RunOptions) -> Path:
    return options.state_dir / "reports"


def write_report(state: Investigation, result: InvestigationResult, options: RunOptions) -> None:
    """reports/<incident>.md for people, reports/<incident>.json (the InvestigationResult) for machines."""
    reports = _reports_dir(options)
    reports.mkdir(parents=True, exist_ok=True)
    (reports / f"{state.incident.id}.md").write_text(render_markdown(state, result))
    (reports / f"{state.incident.id}.json").write_text(result.model_dump_json(indent=2))
