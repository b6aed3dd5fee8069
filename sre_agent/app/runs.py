"""Running investigations: start one, resume one from its checkpoint, answer its approval
interrupts, and write its report (markdown) and result (JSON) to the state dir.

Every investigation is a *run* with its own id, used as its LangGraph thread and its file names;
the incident id only groups the runs of one problem (and keys the action ledger)."""

from __future__ import annotations

import asyncio
import json
import logging
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
from ..tracing.tracer import tracer_for, wait_span
from .options import RunOptions
from .remembering import remember_run
from .step_traces import earlier_steps, forget_steps, keep_step, trace_id_of
from .wiring import make_brain, open_checkpointer, wired_run

Approver = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
ProgressCallback = Callable[[dict[str, Any]], None]
log = logging.getLogger(__name__)


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
                          brain_reason=options.brain_reason, metrics_source=options.metrics_source,
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
        trace = trace_document(tracer)
    state = state if state.run_id else state.model_copy(update={"run_id": run_id})  # checkpointed before run ids
    result, _ = await asyncio.to_thread(_finished, state, run_id, started, tracer, options, trace)
    return result, state


@asynccontextmanager
async def _traced(incident: Incident, run_id: str, options: RunOptions, tracer: Any,
                  trace_id: str | None = None, alerts: list[Any] | None = None) -> AsyncIterator[tuple]:
    """The run's X-Ray segment around its wired graph: (graph, context, tracer). The segment is entered
    first, so it closes last: it ends (and is sent) after the MCP sessions close. `trace_id`: the
    trace an earlier step of this run opened (the segment joins it)."""
    brain = make_brain(options.brain, options.llm)
    tracer = tracer if tracer is not None else tracer_for(options.tracing_mode, {**os.environ, **options.env})
    async with tracer.investigation(incident_id=incident.id, severity=incident.severity, brain=options.brain,
                                    source=incident.source, trace_id=trace_id):
        tracer.annotate(run_id=run_id)
        async with wired_run(options, brain, tracer, alerts) as (graph, context):
            yield graph, context, tracer


def _finished(state: Investigation, run_id: str, started: float, tracer: Any, options: RunOptions,
              trace: dict[str, Any] | list[dict[str, Any]] | None = None) -> tuple[InvestigationResult, str]:
    """The result of a run that ended, its report (markdown, JSON and charts) written to the state dir.
    Called in a worker thread: drawing the charts takes a few hundred milliseconds of CPU, which the
    event loop other runs share (the service) should not wait on."""
    result = to_result(state, duration_s=time.monotonic() - started, trace_id=tracer.trace_id if tracer else None,
                       report_path=str(_reports_dir(options) / f"{run_id}.md"))
    markdown = write_report(state, result, options, trace)
    remember_run(state, result, options)  # after the report: the memory is a hint for later, the report is owed now
    return result, markdown


def trace_document(tracer: Any) -> dict[str, Any] | None:
    """The run's X-Ray segment as a document (its subsegments inline), taken before the tracer sends
    it, so the report's waterfall and action time need no call to X-Ray; None when tracing is off."""
    segment = getattr(tracer, "segment", None)
    if segment is None:
        return None
    try:
        return json.loads(segment.serialize())
    except (TypeError, ValueError) as exc:  # an unserialisable annotation: the charts do without the trace
        log.warning("the run's trace could not be read for its charts: %s", exc)
        return None


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
        with wait_span(context.tracer, "approval") as waited:  # the waterfall shows the wait for the human
            answer = await _ask(approver, request, approval_timeout_s)
            waited.close(decision=answer.get("decision"), by=answer.get("by"))
        payload = Command(resume=answer)


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
    # The run's LLM spend so far (all its steps), paused or finished: the service's spend caps count it at each step.
    llm_cost_usd: float = 0.0


async def step_run(run_id: str, options: RunOptions, *, incident: Incident | None = None,
                   resume: dict[str, Any] | None = None, on_progress: ProgressCallback | None = None,
                   tracer: Any = None, alerts: list[Any] | None = None) -> RunStep:
    """One step of a run that may pause for a human without holding anything while it waits (the
    service's workers): start it (`incident` given), hand its paused graph an answer (`resume`), or
    carry it on from its last checkpoint after a crash (neither). Returns at the first approval
    interrupt -- the graph waits in its checkpoint -- or at the end, with the result and report written.
    Each step is a segment of the run's one trace; the documents of the steps before the last are kept
    (app/step_traces.py) so the report's waterfall shows the whole run, the wait for the human included."""
    started = time.monotonic()
    if incident is None:
        incident = (await checkpointed_run(run_id, options)).incident
    payload: Investigation | Command | None = None
    earlier = earlier_steps(options.state_dir, run_id)
    async with _traced(incident, run_id, options, tracer, trace_id_of(earlier), alerts) as (graph, context, tracer):
        checkpoint = (await graph.aget_state({"configurable": {"thread_id": run_id}})).values
        before = len(checkpoint.get("tool_calls", [])) if checkpoint else 0
        if resume is not None:
            payload = Command(resume=resume)
        elif not checkpoint:
            payload = Investigation(incident=incident, run_id=run_id, brain=options.brain,
                                    brain_reason=options.brain_reason, metrics_source=options.metrics_source,
                                    remediation_mode=options.remediation, budget=options.budget,
                                    started_epoch=time.time())
        state, request = await _advance(graph, payload, run_id, context, on_progress)
        tracer.annotate(status=state.status if request is None else "awaiting_approval")
        trace = trace_document(tracer)
    calls = [(c.server, c.tool, c.ok) for c in state.tool_calls[before:]]
    if request is not None:
        keep_step(options.state_dir, run_id, trace)
        return RunStep(approval_request=request, tool_calls=calls, llm_cost_usd=state.usage.cost_usd)
    steps = [*earlier, trace] if trace else earlier
    result, markdown = await asyncio.to_thread(_finished, state, run_id, started, tracer, options, steps)
    forget_steps(options.state_dir, run_id)
    return RunStep(result=result, report_markdown=markdown, tool_calls=calls, llm_cost_usd=state.usage.cost_usd)


async def _ask(approver: Approver | None, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    if approver is None:
        return {"decision": "timeout", "note": "no approver is attached to this run"}
    try:
        return await asyncio.wait_for(approver(request), timeout=timeout_s)
    except TimeoutError:
        return {"decision": "timeout", "note": f"no answer within {timeout_s:.0f}s"}


def _reports_dir(options: RunOptions) -> Path:
    return options.state_dir / "reports"


def write_report(state: Investigation, result: InvestigationResult, options: RunOptions,
                 trace: dict[str, Any] | list[dict[str, Any]] | None = None) -> str:
    """reports/<run>.md for people, reports/<run>.json (the InvestigationResult) for machines, and the
    run's charts beside them (reports/<run>.<chart>.svg, linked from the markdown): one set per run,
    so a second run of the same incident never overwrites the first's."""
    reports = _reports_dir(options)
    reports.mkdir(parents=True, exist_ok=True)
    markdown = render_markdown(state, result) + _chart_section(state, result.run_id, reports, trace)
    (reports / f"{result.run_id}.md").write_text(markdown)
    (reports / f"{result.run_id}.json").write_text(result.model_dump_json(indent=2))
    return markdown


def newest_result(wanted: str, state_dir: Path) -> InvestigationResult | None:
    """The newest result of incident (or run) `wanted` that write_report left in the state dir's reports, if any."""
    found = []
    for path in sorted((state_dir / "reports").glob("run-*.json")):
        try:
            result = InvestigationResult.model_validate_json(path.read_text())
        except (OSError, ValueError):  # another kind of JSON (a charts index) or half written: not a result
            continue
        if wanted in (result.incident_id, result.run_id):
            found.append(result)
    return max(found, key=lambda r: r.run_id) if found else None  # run ids start with their start time


def keep_caches_in(state_dir: Path) -> None:
    """matplotlib keeps its font cache in ~/.cache and ~/.config unless told otherwise: the responder
    writes only under its state dir (a container's HOME may be read-only). Call before charts are imported."""
    os.environ.setdefault("MPLCONFIGDIR", str(state_dir / "cache" / "matplotlib"))


def _chart_section(state: Investigation, run_id: str, reports: Path,
                   trace: dict[str, Any] | list[dict[str, Any]] | None) -> str:
    """The charts written beside the report, as a markdown section linking them; a chart that fails is
    a warning in the log, never a lost report."""
    keep_caches_in(reports.parent)
    from ..charts import charts_for, write_charts

    try:
        charts = charts_for(state, trace, now=time.time())
        write_charts(reports, run_id, charts)
    except Exception as exc:  # noqa: BLE001 -- the report matters more than its pictures
        log.warning("the charts of run %s were not drawn: %s: %s", run_id, type(exc).__name__, exc)
        return ""
    if not charts:
        return ""
    lines = ["", "## Charts", ""]
    for chart in charts:
        lines += [f"![{chart.title}]({run_id}.{chart.name}.svg)", "", f"*{chart.caption}*", ""]
    return "\n".join(lines)
