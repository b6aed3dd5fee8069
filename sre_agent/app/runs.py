"""Running investigations: start one, resume one from its checkpoint, answer its approval
interrupts, and write its report (markdown) and result (JSON) to the state dir.

Every investigation is a *run* with its own id, used as its LangGraph thread and its file names;
the incident id only groups the runs of one problem (and keys the action ledger)."""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langgraph.types import Command
from pydantic import BaseModel

from ..contracts import Incident, InvestigationResult
from ..graph.builder import build_graph
from ..graph.context import RunContext
from ..graph.report import render_markdown, to_result
from ..graph.state import Investigation
from ..tracing import tracer_for
from .options import RunOptions
from .wiring import make_brain, open_checkpointer, wired_run

Approver = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
ProgressCallback = Callable[[dict[str, Any]], None]


def new_run_id(now: datetime | None = None) -> str:
    """A run's own id: the time it started (sortable) and enough randomness that two runs of the
    same alarm in the same second never share a thread."""
    now = now or datetime.now(UTC)
    return f"run-{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}"


async def run_investigation(incident: Incident, options: RunOptions, *, run_id: str | None = None,
                            on_progress: ProgressCallback | None = None, approver: Approver | None = None,
                            tracer: Any = None) -> tuple[InvestigationResult, Investigation]:
    """Investigate `incident` from the start, to a terminal status, as a new run: its own id (given,
    or made here) and its own LangGraph thread. The same alarm investigated again is another run; it
    never resumes or appends to an earlier one (the incident id only groups them)."""
    first = Investigation(incident=incident, run_id=run_id or new_run_id(), brain=options.brain,
                          remediation_mode=options.remediation, budget=options.budget, started_epoch=time.time())
    return await _run(incident, first.run_id, first, options, on_progress, approver, tracer)


async def resume_investigation(run_id: str, options: RunOptions, *, on_progress: ProgressCallback | None = None,
                               approver: Approver | None = None,
                               tracer: Any = None) -> tuple[InvestigationResult, Investigation]:
    """Carry on run `run_id` where it stopped (a crash, a restart), from its last checkpoint; an
    action already attempted is found in the ledger and not repeated."""
    stopped = await checkpointed_run(run_id, options)
    return await _run(stopped.incident, run_id, None, options, on_progress, approver, tracer)


async def checkpointed_run(run_id: str, options: RunOptions) -> Investigation:
    """The last checkpointed state of run `run_id`; LookupError when there is none."""
    async with AsyncExitStack() as stack:
        graph = build_graph(await open_checkpointer(options, stack))
        snapshot = await graph.aget_state({"configurable": {"thread_id": run_id}})
    if not snapshot.values:
        where = "the PostgreSQL checkpoints" if options.checkpoint_dsn else f"the checkpoints in {options.state_dir}"
        raise LookupError(f"no run {run_id!r} in {where}; resume takes the run id a run was started with "
                          "(run_id in its result, printed when it starts) and the same state dir or checkpoint DSN")
    return Investigation.model_validate(snapshot.values)


async def _run(incident: Incident, run_id: str, first: Investigation | None, options: RunOptions,
               on_progress: ProgressCallback | None, approver: Approver | None,
               tracer: Any) -> tuple[InvestigationResult, Investigation]:
    started = time.monotonic()
    async with _traced(incident, run_id, options, tracer) as (graph, context, tracer):
        if first is not None:  # the clock (time to diagnosis, the time budget) starts when the tools are up
            first = first.model_copy(update={"started_epoch": time.time()})
        state = await _until_done(graph, first, run_id, context, on_progress, approver, options.approval_timeout_s)
        tracer.annotate(status=state.status, category=state.diagnosis.category.value if state.diagnosis else None)
    state = state if state.run_id else state.model_copy(update={"run_id": run_id})  # checkpointed before run ids
    result, _ = _finished(state, run_id, started, tracer, options)
    return result, state


@asynccontextmanager
async def _traced(incident: Incident, run_id: str, options: RunOptions, tracer: Any) -> AsyncIterator[tuple]:
    """The run's X-Ray segment around its wired graph: (graph, context, tracer). The segment is entered
    first, so it closes last: it ends (and is sent) after the MCP sessions close."""
    brain = make_brain(options.brain, options.llm)
    tracer = tracer if tracer is not None else tracer_for(options.tracing_mode, {**os.environ, **options.env})
    async with tracer.investigation(incident_id=incident.id, severity=incident.severity, brain=options.brain,
                                    source=incident.source):
        tracer.annotate(run_id=run_id)
        async with wired_run(options, brain, tracer) as (graph, context):
            yield graph, context, tracer


def _finished(state: Investigation, run_id: str, started: float, tracer: Any,
              options: RunOptions) -> tuple[InvestigationResult, str]:
    """The result of a run that ended, its report (markdown and JSON) written to the state dir."""
    result = to_result(state, duration_s=time.monotonic() - started, trace_id=tracer.trace_id if tracer else None,
                       report_path=str(_reports_dir(options) / f"{run_id}.md"))
    return result, write_report(state, result, options)


async def _until_done(graph, first: Investigation | None, thread_id: str, context: RunContext,
                      on_progress: ProgressCallback | None, approver: Approver | None,
                      approval_timeout_s: float) -> Investigation:
    """Stream the graph (progress events on the custom stream) until it ends, answering each
    approval interrupt it pauses on."""
    payload: Investigation | Command | None = first
    while True:
        state, request = await _advance(graph, payload, thread_id, context, on_progress)
        if request is None:
            return state
        payload = Command(resume=await _ask(approver, request, approval_timeout_s))


async def _advance(graph, payload: Investigation | Command | None, thread_id: str, context: RunContext,
                   on_progress: ProgressCallback | None) -> tuple[Investigation, dict[str, Any] | None]:
    """Run the graph until it ends or pauses: the state, and the approval request it paused on (None: it ended)."""
    config = {"configurable": {"thread_id": thread_id}, "recursion_limit": 200}
    async for event in graph.astream(payload, config, context=context, stream_mode="custom"):
        if on_progress:
            on_progress(event)
    snapshot = await graph.aget_state(config)
    interrupts = [i for task in snapshot.tasks for i in task.interrupts]
    return Investigation.model_validate(snapshot.values), (interrupts[0].value if interrupts else None)


class RunStep(BaseModel):
    """Where one step of a run stopped: paused on an approval request, or finished with a result."""

    approval_request: dict[str, Any] | None = None
    result: InvestigationResult | None = None
    report_markdown: str | None = None
    tool_calls: list[tuple[str, str, bool]] = []  # (server, tool, ok) of the calls made in this step


async def step_run(run_id: str, options: RunOptions, *, incident: Incident | None = None,
                   resume: dict[str, Any] | None = None, on_progress: ProgressCallback | None = None,
                   tracer: Any = None) -> RunStep:
    """One step of a run that may pause for a human without holding anything while it waits (the
    service's workers): start it (`incident` given), hand its paused graph an answer (`resume`), or
    carry it on from its last checkpoint after a crash (neither). Returns at the first approval
    interrupt -- the graph waits in its checkpoint -- or at the end, with the result and report written."""
    started = time.monotonic()
    if incident is None:
        incident = (await checkpointed_run(run_id, options)).incident
    payload: Investigation | Command | None = None
    async with _traced(incident, run_id, options, tracer) as (graph, context, tracer):
        checkpoint = (await graph.aget_state({"configurable": {"thread_id": run_id}})).values
        before = len(checkpoint.get("tool_calls", [])) if checkpoint else 0
        if resume is not None:
            payload = Command(resume=resume)
        elif not checkpoint:
            payload = Investigation(incident=incident, run_id=run_id, brain=options.brain,
                                    remediation_mode=options.remediation, budget=options.budget,
                                    started_epoch=time.time())
        state, request = await _advance(graph, payload, run_id, context, on_progress)
        tracer.annotate(status=state.status if request is None else "awaiting_approval")
    calls = [(c.server, c.tool, c.ok) for c in state.tool_calls[before:]]
    if request is not None:
        return RunStep(approval_request=request, tool_calls=calls)
    result, markdown = _finished(state, run_id, started, tracer, options)
    return RunStep(result=result, report_markdown=markdown, tool_calls=calls)


async def _ask(approver: Approver | None, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    if approver is None:
        return {"decision": "timeout", "note": "no approver is attached to this run"}
    try:
        return await asyncio.wait_for(approver(request), timeout=timeout_s)
    except TimeoutError:
        return {"decision": "timeout", "note": f"no answer within {timeout_s:.0f}s"}


def _reports_dir(options: RunOptions) -> Path:
    return options.state_dir / "reports"


def write_report(state: Investigation, result: InvestigationResult, options: RunOptions) -> str:
    """reports/<run>.md for people, reports/<run>.json (the InvestigationResult) for machines: one
    pair per run, so a second run of the same incident never overwrites the first's."""
    reports = _reports_dir(options)
    reports.mkdir(parents=True, exist_ok=True)
    markdown = render_markdown(state, result)
    (reports / f"{result.run_id}.md").write_text(markdown)
    (reports / f"{result.run_id}.json").write_text(result.model_dump_json(indent=2))
    return markdown
