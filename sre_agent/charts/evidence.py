"""The charts' inputs, read from what a run already holds: the incident (its alarm), the findings
(onset, metric names), the tool-call evidence (excerpts of describe_alarms, detect_anomalies and
get_metric_data) and the links (ownership and dependency edges). No backend is called.

A metric tool's series is kept typed in its record (ToolCallRecord.series, bounded by
app/evidence_series.py), so a chart draws the datapoints the run read however long the result was.
Everything else comes from excerpts -- the first characters of a tool's result (app/toolbox.py cuts
them): a complete excerpt is parsed as JSON, a cut one is read field by field. A chart draws only
what was read -- the series when the run fetched it, and the detector's baseline and anomalous
intervals and the datapoints the alarm quoted -- and says which in its caption.

Which metrics: the alarmed one; then the root cause's -- series the run fetched for the root-cause
resource (its dimensions name it: same namespace and name) that a finding about it cites, metrics
findings about it name, the other series fetched for it in the order they were fetched -- at most
MAX_METRIC_CHARTS in all."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

from ..contracts import MetricSeries, ToolCallRecord, parse_resource_id, parse_time
from ..graph.causal import path_between
from ..graph.state import Investigation
from .models import AnomalyInterval, MetricEvidence, MetricPoint, PathEvidence, PathNode

_NUMBER = r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
_THRESHOLD_IN_REASON = re.compile(r"threshold \(" + _NUMBER + r"\)")
_QUOTED_POINTS = re.compile(r"datapoints? \[([^\]]*)\]")
_INTERVAL = re.compile(r'\{"start":"([^"]+)","end":"([^"]+)"[^{}]*?"max_value":' + _NUMBER)
_BASELINE = re.compile(r'"baseline":\{"median":' + _NUMBER + r',"mad":' + _NUMBER)
_WINDOW = re.compile(r'"window":\{"start":"([^"]+)","end":"([^"]+)"')
MAX_METRIC_CHARTS = 3


def _parsed(record: ToolCallRecord) -> dict[str, Any] | None:
    try:
        data = json.loads(record.excerpt)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _field(pattern: str, text: str) -> str | None:
    found = re.search(pattern, text)
    return found.group(1) if found else None


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _calls(state: Investigation, tool: str, metric: str) -> list[ToolCallRecord]:
    return [c for c in state.tool_calls if c.ok and c.tool == tool and c.args.get("metric_name") == metric]


def alarmed_metric(state: Investigation) -> str | None:
    trigger = (state.incident.alarm or {}).get("Trigger") or {}
    return trigger.get("MetricName") or next((f.details["metric"] for f in state.findings
                                              if f.details.get("metric") and f.resource in state.incident.affected), None)


def _alarm_facts(state: Investigation, evidence: MetricEvidence) -> None:
    """Threshold, comparison and the quoted datapoints: from describe_alarms, else the notification."""
    alarm = state.incident.alarm or {}
    reason = str(alarm.get("NewStateReason") or "")
    for call in (c for c in state.tool_calls if c.ok and c.tool == "describe_alarms"):
        if alarm.get("AlarmName") and f'"name":"{alarm["AlarmName"]}"' not in call.excerpt:
            continue
        evidence.threshold = _float(_field(r'"threshold":' + _NUMBER, call.excerpt))
        evidence.comparison = _field(r'"comparison":"(\w+)"', call.excerpt)
        reason = _field(r'"reason":"((?:[^"\\]|\\.)*)"', call.excerpt) or reason
        updated = parse_time(_field(r'"updated":"([^"]+)"', call.excerpt))
        period = _float(_field(r'"period":' + _NUMBER, call.excerpt)) or 60.0
        evidence.evidence.append(call.id)
        break
    else:
        updated, period = parse_time(alarm.get("StateChangeTime")) or state.incident.started_at, 60.0
    if evidence.threshold is None:
        evidence.threshold = _float(_field(_THRESHOLD_IN_REASON.pattern, reason)) or _float(alarm.get("Trigger", {}).get("Threshold"))
    quoted = _QUOTED_POINTS.search(reason)
    if quoted and updated is not None:
        values = [v for v in (_float(x) for x in quoted.group(1).split(",")) if v is not None]
        # The alarm quotes its last datapoints, oldest first, one per period, ending when it changed state.
        evidence.alarm_points = [MetricPoint(at=updated - timedelta(seconds=period * (len(values) - 1 - i)), value=v)
                                 for i, v in enumerate(values)]


def _detector_facts(state: Investigation, evidence: MetricEvidence) -> None:
    for call in _calls(state, "detect_anomalies", evidence.metric)[:1]:
        data = _parsed(call)
        text = call.excerpt
        if data is not None:
            intervals = [(i.get("start"), i.get("end"), i.get("max_value")) for i in data.get("intervals") or []]
            baseline = data.get("baseline") or {}
            median, mad = baseline.get("median"), baseline.get("mad")
            window = data.get("window") or {}
            start, end = window.get("start"), window.get("end")
        else:
            intervals = _INTERVAL.findall(text)
            found = _BASELINE.search(text)
            median, mad = found.groups() if found else (None, None)
            window_found = _WINDOW.search(text)
            start, end = window_found.groups() if window_found else (None, None)
        evidence.intervals = [AnomalyInterval(start=s, end=e, max_value=_float(v)) for s, e, v in intervals
                              if parse_time(s) and parse_time(e)]
        evidence.baseline_median, evidence.baseline_mad = _float(median), _float(mad)
        evidence.window_start = parse_time(start) or evidence.window_start
        evidence.window_end = parse_time(end) or evidence.window_end
        evidence.evidence.append(call.id)


def _names_resource(series: MetricSeries, resource: str) -> bool:
    """The series' dimensions point at `resource`: its namespace, and its name as another dimension's
    value (PodName, Service, ... -- CloudWatch names the same workload under several dimensions)."""
    try:
        namespace, _, name = parse_resource_id(resource)
    except ValueError:  # no resource (a question without one)
        return False
    if namespace is None:  # a cluster-scoped resource (a Node): its series carry no Namespace
        return name in series.dimensions.values()
    others = {v for k, v in series.dimensions.items() if k != "Namespace"}
    return series.dimensions.get("Namespace") == namespace and name in others


def fetched_series(state: Investigation, resource: str) -> list[str]:
    """The metrics whose series the run fetched for `resource`, in the order it fetched them."""
    return list(dict.fromkeys(s.metric for c in state.tool_calls if c.ok for s in c.series if _names_resource(s, resource)))


def _alarm_dimensions(state: Investigation) -> dict[str, str]:
    """The alarm's dimensions: a dict, or CloudWatch's notification list of {name, value}."""
    dimensions = ((state.incident.alarm or {}).get("Trigger") or {}).get("Dimensions") or {}
    if isinstance(dimensions, list):
        dimensions = {d.get("name") or d.get("Name"): d.get("value") or d.get("Value") for d in dimensions if isinstance(d, dict)}
    return {str(k): str(v) for k, v in dimensions.items() if k and v is not None} if isinstance(dimensions, dict) else {}


def _series_records(state: Investigation, evidence: MetricEvidence) -> list[tuple[ToolCallRecord, MetricSeries]]:
    """The kept series of this metric about the chart's resource -- its dimensions name the resource,
    or (the alarmed metric) include the alarm's own -- the latest fetch first: a series of another
    service's same metric is never drawn as this one's."""
    alarm = _alarm_dimensions(state) if evidence.role == "alarmed" else {}
    found = [(c, s) for c in state.tool_calls if c.ok for s in c.series if s.metric == evidence.metric and (
        _names_resource(s, evidence.resource) or (alarm and alarm.items() <= s.dimensions.items()))]
    return found[::-1]


def _series(state: Investigation, evidence: MetricEvidence) -> None:
    """The series itself: from a record's kept series, else (a checkpoint older than them) from an
    excerpt that holds it whole."""
    for call, series in _series_records(state, evidence)[:1]:
        evidence.points = [MetricPoint(at=at, value=v) for at, v in zip(series.timestamps, series.values)]
        evidence.statistic, evidence.points_fetched = series.statistic, series.points
        evidence.evidence.append(call.id)
        return
    for call in _calls(state, "get_metric_data", evidence.metric):
        data = _parsed(call)
        if data is None:
            continue
        for statistic, series in (data.get("series") or {}).items():
            stamps, values = series.get("timestamps") or [], series.get("values") or []
            points = [MetricPoint(at=t, value=v) for t, v in zip(stamps, values) if parse_time(t) and _float(v) is not None]
            if points:
                evidence.points, evidence.statistic, evidence.points_fetched = points, statistic, len(points)
                evidence.evidence.append(call.id)
                return


def metric_evidence(state: Investigation, action_at: datetime | None = None, action_label: str = "") -> list[MetricEvidence]:
    """The alarmed metric, then the other metrics findings name on the root-cause resource (at most
    MAX_METRIC_CHARTS), each with what the evidence says about it."""
    root = state.diagnosis.resource if state.diagnosis else ""
    wanted: list[tuple[str, str, str]] = []
    alarmed = alarmed_metric(state)
    if alarmed:
        wanted.append((alarmed, "alarmed", (state.incident.affected or [""])[0]))
    on_root = [f for f in state.findings if root and f.resource == root]
    cited = {e for f in on_root if f.severity != "info" for e in f.evidence}
    fetched = fetched_series(state, root) if root else []
    # The root cause's key metrics: series a finding about it cites (CpuThrottled cites the throttling
    # series it read), metrics findings name, then the other series the run fetched for it.
    key = [s.metric for c in state.tool_calls if c.id in cited for s in c.series if s.metric in fetched]
    for metric in [*key, *(f.details.get("metric") for f in on_root), *fetched]:
        if metric and metric not in [w[0] for w in wanted]:
            wanted.append((metric, "root_cause", root))
    charts: list[MetricEvidence] = []
    for metric, role, resource in wanted[:MAX_METRIC_CHARTS]:
        evidence = MetricEvidence(metric=metric, role=role, resource=resource, window_start=state.incident.window_start,
                                  window_end=state.incident.window_end, action_at=action_at, action_label=action_label)
        if role == "alarmed":
            _alarm_facts(state, evidence)
        _detector_facts(state, evidence)
        _series(state, evidence)
        onsets = [parse_time(f.details.get("onset")) for f in state.findings if f.details.get("metric") == metric]
        evidence.onset = next((o for o in onsets if o is not None), None) or (
            evidence.intervals[-1].start if evidence.intervals else None)
        if evidence.onset is None and charts and charts[0].role == "alarmed" and charts[0].onset is not None:
            # A root-cause metric with no onset of its own: mark when the alarmed metric went wrong.
            evidence.onset, evidence.onset_of = charts[0].onset, charts[0].metric
        charts.append(evidence)
    return charts


def path_evidence(state: Investigation) -> PathEvidence | None:
    """The alarmed resource(s) to the diagnosed root cause over the links tools returned; None without a
    diagnosis naming a resource."""
    diagnosis = state.diagnosis
    if diagnosis is None or not diagnosis.resource:
        return None
    affected = [a for a in state.incident.affected if "/" in a] or [diagnosis.resource]
    path = path_between(affected, diagnosis.resource, state.links)
    found = path is not None
    path = path or list(dict.fromkeys([affected[0], diagnosis.resource]))
    relations = []
    for source, target in zip(path, path[1:]):
        link = next((link for link in state.links if link.source == source and link.target == target), None)
        back = next((link for link in state.links if link.source == target and link.target == source), None)
        relations.append(link.relation if link else f"{back.relation} (reverse)" if back else "selector matches")
    nodes = []
    for index, resource in enumerate(path):
        signals = sorted({f.signal for f in state.findings if f.resource == resource and f.severity != "info"})
        role = "root_cause" if resource == diagnosis.resource else "alarmed" if index == 0 else "hop"
        nodes.append(PathNode(resource=resource, role=role, failing=bool(signals) or role == "root_cause", signals=signals))
    cited = sorted({link.evidence for link in state.links if link.source in path and link.target in path and link.evidence},
                   key=lambda ev: int(ev.rpartition("-")[2]) if ev.rpartition("-")[2].isdigit() else 0)
    return PathEvidence(nodes=nodes, relations=relations, found=found, evidence=cited)
