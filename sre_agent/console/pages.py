"""The console's pages as typed models, built from the service's incident views (the same dicts GET
/v1/incidents returns) and, for one run, its checkpointed state (the evidence, findings and plan so
far) and its charts -- the files written beside its report, or drawn now from the checkpoint while
the run is still going or paused on an approval."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from ..app.options import RunOptions
from ..app.step_traces import earlier_steps
from ..charts import Chart, charts_for, read_charts
from ..contracts import Finding, ToolCallRecord
from ..graph.state import Investigation

# How often the same paused or running run's charts are redrawn at most: drawing costs ~0.3 s of CPU.
CHART_CACHE_S = 5.0
CHART_CACHE_RUNS = 32
_chart_cache: dict[str, tuple[float, int, list[Chart]]] = {}


class IncidentRow(BaseModel):
    incident_id: str
    title: str
    status: str
    severity: str
    source: str
    received_at: str
    age: str
    state: str
    notifications: int = 0
    cluster: str | None = None  # the configured cluster it is investigated in (several configured)


class EvidenceItem(BaseModel):
    finding: Finding
    calls: list[ToolCallRecord] = Field(default_factory=list)


class IncidentPage(BaseModel):
    view: dict[str, Any]
    row: IncidentRow
    run_id: str | None = None
    state: Investigation | None = None  # the run's checkpoint (None: no run, or the checkpoint is gone)
    charts: list[Chart] = Field(default_factory=list)
    evidence: list[EvidenceItem] = Field(default_factory=list)
    unreferenced_calls: list[ToolCallRecord] = Field(default_factory=list)
    pending: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    report_markdown: str | None = None
    diagnosis: dict[str, Any] | None = None  # the result's, or (still running) the checkpoint's
    actions: list[dict[str, Any]] = Field(default_factory=list)


def age(iso: str | None, now: datetime | None = None) -> str:
    """'4m', '2h 5m', '3d': how long ago an ISO timestamp was."""
    if not iso:
        return "-"
    seconds = int(((now or datetime.now(UTC)) - datetime.fromisoformat(iso)).total_seconds())
    if seconds < 60:
        return f"{max(seconds, 0)}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60}m"
    return f"{seconds // 86400}d"


def row_of(view: dict[str, Any]) -> IncidentRow:
    return IncidentRow(incident_id=view["incident_id"], title=view.get("title") or "", status=view.get("status") or "-",
                       severity=view.get("severity") or "-", source=view.get("source") or "-",
                       received_at=view.get("received_at") or "", age=age(view.get("received_at")),
                       state=view.get("state") or "-", notifications=view.get("notifications") or 0,
                       cluster=view.get("cluster"))


def evidence_of(state: Investigation) -> tuple[list[EvidenceItem], list[ToolCallRecord]]:
    """Each finding with the tool calls behind it; the calls no finding cites, apart."""
    by_id = {c.id: c for c in state.tool_calls}
    items, cited = [], set()
    for finding in state.findings:
        calls = [by_id[e] for e in finding.evidence if e in by_id]
        cited.update(c.id for c in calls)
        items.append(EvidenceItem(finding=finding, calls=calls))
    return items, [c for c in state.tool_calls if c.id not in cited]


async def checkpoint_of(run_id: str, options: RunOptions) -> Investigation | None:
    from ..app.runs import checkpointed_run

    try:
        return await checkpointed_run(run_id, options)
    except LookupError:
        return None


async def charts_of(run_id: str, state: Investigation | None, options: RunOptions, finished: bool) -> list[Chart]:
    """The charts written beside the run's report; before it ends (or on a replica without that file),
    drawn from its checkpoint and the traces of its steps so far (a run paused for approval: the
    investigation up to the pause); with no step traced yet, the waterfall is its tool calls so far."""
    written = await asyncio.to_thread(read_charts, options.state_dir / "reports", run_id)
    if written or state is None:
        return written
    cached = _chart_cache.get(run_id)
    if cached and cached[1] == len(state.tool_calls) and (finished or time.monotonic() - cached[0] < CHART_CACHE_S):
        return cached[2]
    steps = await asyncio.to_thread(earlier_steps, options.state_dir, run_id)
    drawn = await asyncio.to_thread(charts_for, state, steps, now=time.time())
    _chart_cache[run_id] = (time.monotonic(), len(state.tool_calls), drawn)
    while len(_chart_cache) > CHART_CACHE_RUNS:  # the oldest entry first (dicts keep insertion order)
        _chart_cache.pop(next(iter(_chart_cache)))
    return drawn


async def incident_page(view: dict[str, Any], options: RunOptions, report: str | None) -> IncidentPage:
    run_id = view.get("run_id")
    state = await checkpoint_of(run_id, options) if run_id else None
    finished = view.get("result") is not None
    charts = await charts_of(run_id, state, options, finished) if run_id else []
    evidence, rest = evidence_of(state) if state else ([], [])
    result = view.get("result")
    diagnosis = (result or {}).get("diagnosis") or (state.diagnosis.model_dump(mode="json") if state and state.diagnosis else None)
    actions = (result or {}).get("actions") or ([a.model_dump(mode="json") for a in state.actions] if state else [])
    return IncidentPage(view=view, row=row_of(view), run_id=run_id, state=state, charts=charts, evidence=evidence,
                        unreferenced_calls=rest, pending=view.get("pending_approval"), result=result,
                        report_markdown=report, diagnosis=diagnosis, actions=actions)
