"""Charts for a run, drawn with matplotlib as SVG from what the run already holds (no backend calls):

    metric-<n>   the alarmed metric (and the root cause's metrics) over the incident window, with the
                 threshold, the detector's onset and the action's time (charts/metric.py)
    path         the dependency path from the alarmed resource to the root cause (charts/path.py)
    waterfall    agents, tool calls and LLM calls over time, from the run's trace -- every step of it,
                 with the wait for a human between them (charts/waterfall.py)

`charts_for(state, trace)` renders them; `write_charts` puts them beside the run's markdown report
(reports/<run>.<name>.svg). A chart that cannot be drawn (a bad value in the evidence) is left out
with a logged warning: a report without a picture is better than no report."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..graph.state import Investigation
from . import metric, path, waterfall
from .evidence import metric_evidence, path_evidence
from .models import Chart, MetricEvidence, PathEvidence, Waterfall

log = logging.getLogger(__name__)
ACTION_NODE = "act"


Trace = dict[str, Any]


def _steps(trace: Trace | Sequence[Trace] | None) -> list[Trace]:
    return [] if trace is None else [trace] if isinstance(trace, dict) else [t for t in trace if t]


def action_time(trace: Trace | Sequence[Trace] | None, state: Investigation | None = None) -> datetime | None:
    """When the run acted: its `act` node's last start in the trace, else (tracing off) when the
    evidence's last call of the action's tool was made."""
    starts = [float(child["start_time"]) for step in _steps(trace) for child in step.get("subsegments") or []
              if child.get("name") == ACTION_NODE and child.get("start_time") is not None]
    if starts:
        return datetime.fromtimestamp(max(starts), UTC)
    if state is None or not state.actions:
        return None
    return next((c.started_at for c in reversed(state.tool_calls) if c.tool == state.actions[0].tool and c.started_at), None)


def charts_for(state: Investigation, trace: Trace | Sequence[Trace] | None = None, *,
               now: float | None = None) -> list[Chart]:
    """Every chart this run's evidence supports. `trace` is the run's X-Ray segment document, if
    traced -- or its documents, one per step, when the service ran it in steps around an approval."""
    steps = _steps(trace)
    label = state.actions[0].tool if state.actions else ""
    drawn: list[Chart] = []
    for index, evidence in enumerate(metric_evidence(state, action_time(steps, state) if state.actions else None, label)):
        _add(drawn, f"metric-{index}", f"{evidence.metric} over the incident window", lambda e=evidence: metric.metric_svg(e),
             metric.caption(evidence))
    route = path_evidence(state)
    if route is not None:
        _add(drawn, "path", "dependency path to the root cause", lambda: path.path_svg(route), path.caption(route))
    answer = state.approval
    answered = f"{answer.decision}{f' by {answer.by}' if answer.by else ''}" if answer is not None else ""
    spans = (waterfall.from_trace(steps, now=now, approval=answered) if steps
             else waterfall.from_tool_calls(state.tool_calls))
    if spans.spans:
        _add(drawn, "waterfall", "run waterfall", lambda: waterfall.waterfall_svg(spans), waterfall.caption(spans))
    return drawn


def _add(drawn: list[Chart], name: str, title: str, draw, caption: str) -> None:
    try:
        drawn.append(Chart(name=name, title=title, svg=draw(), caption=caption))
    except (ValueError, TypeError, OverflowError) as exc:  # a value matplotlib cannot place: leave this chart out
        log.warning("chart %s not drawn: %s: %s", name, type(exc).__name__, exc)


def write_charts(directory: Path, run_id: str, charts: list[Chart]) -> list[Path]:
    """reports/<run>.<name>.svg for each chart, and <run>.charts.json (titles and captions) beside them."""
    import json

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for chart in charts:
        target = directory / f"{run_id}.{chart.name}.svg"
        target.write_text(chart.svg)
        written.append(target)
    index = [{"name": c.name, "title": c.title, "caption": c.caption, "file": f"{run_id}.{c.name}.svg"} for c in charts]
    (directory / f"{run_id}.charts.json").write_text(json.dumps(index, indent=2))
    return written


def read_charts(directory: Path, run_id: str) -> list[Chart]:
    """The charts written for `run_id` (empty when none were)."""
    import json

    try:
        index = json.loads((directory / f"{run_id}.charts.json").read_text())
    except (OSError, ValueError):
        return []
    charts = []
    for entry in index:
        try:
            charts.append(Chart(name=entry["name"], title=entry["title"], caption=entry.get("caption", ""),
                                svg=(directory / entry["file"]).read_text()))
        except (OSError, KeyError, TypeError):
            continue
    return charts


__all__ = ["Chart", "MetricEvidence", "PathEvidence", "Waterfall", "action_time", "charts_for", "read_charts", "write_charts"]
