"""The Prometheus server's tools: PromQL instant and range queries, series and label discovery, the active
alerts and the rules, and anomaly intervals -- typed and bounded like the CloudWatch tools, so the Metrics
agent reads both sources alike (a range series has the same timestamps / values / summary shape, an anomaly
report the same intervals, baseline and method)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import Field

# One anomaly method and one time syntax for both metric sources: CloudWatch's are reused as they are.
from ..cloudwatch.anomaly_intervals import DEFAULT_THRESHOLD
from ..cloudwatch.anomaly_report import anomaly_report
from ..cloudwatch.timewindow import TimeWindowError, Window, iso, parse_time, resolve_window
from ..common.errors import call_backend
from ..common.registry import Row, ToolResult, tool_decorator
from .client import PrometheusClient, PrometheusError

MAX_SPAN = timedelta(days=7)
MAX_POINTS = 1440  # per series: a day at one minute; Prometheus itself refuses 11,000
MAX_SERIES = 20  # per range query or anomaly scan: a `sum by` the caller forgot should not return thousands
MAX_LISTED = 200  # series label sets / label values listed
Query = Annotated[str, Field(min_length=1, max_length=2000, description=(
    'PromQL, e.g. sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="shop"}[5m]))'))]
TimeArg = Annotated[str, Field(max_length=40, description="ISO-8601, relative (-3h, -30m) or now")]
Step = Annotated[int, Field(ge=5, le=86400, description="seconds between points")]


class TimeSpan(Row):
    start: str
    end: str


class InstantSample(Row):
    labels: dict[str, str]
    value: float | None


class InstantResult(ToolResult):
    query: str
    at: str
    result_type: str = Field(description="vector, scalar or string")
    count: int
    more: bool = Field(description="more series matched than were returned")
    samples: list[InstantSample]


class SeriesSummary(Row):
    min: float | None
    max: float | None
    mean: float | None
    last: float | None


class RangeSeries(Row):
    labels: dict[str, str]
    timestamps: list[str]
    values: list[float]
    summary: SeriesSummary


class RangeResult(ToolResult):
    query: str
    window: TimeSpan
    step: int
    count: int
    more: bool = Field(description="more series matched than were returned")
    series: list[RangeSeries]
    note: str | None = None


class SeriesList(ToolResult):
    count: int
    more: bool
    series: list[dict[str, str]] = Field(description="label sets, __name__ included")


class LabelValues(ToolResult):
    label: str
    count: int
    more: bool
    values: list[str]


class ActiveAlert(Row):
    name: str
    state: str = Field(description="firing or pending")
    labels: dict[str, str]
    annotations: dict[str, str]
    active_at: str | None
    value: str | None


class AlertList(ToolResult):
    count: int
    alerts: list[ActiveAlert]


class Rule(Row):
    group: str
    name: str
    kind: str = Field(description="alerting or recording")
    expr: str
    for_s: float | None = None
    labels: dict[str, str]
    state: str | None = Field(None, description="alerting rules: inactive, pending or firing")
    health: str | None
    last_error: str | None = None


class RuleList(ToolResult):
    count: int
    rules: list[Rule]


class SeriesAnomalies(Row):
    labels: dict[str, str]
    points: int
    anomalous: bool
    intervals: list[dict[str, Any]]
    baseline: dict[str, Any] | None
    gaps: int | None = None
    note: str | None = None


class AnomalyScan(ToolResult):
    query: str
    window: TimeSpan
    step: int
    method: str
    series_scanned: int
    more: bool
    series: list[SeriesAnomalies] = Field(description="anomalous series first")


def _window(start: str, end: str, step: int) -> Window:
    try:
        span = resolve_window(start, end, datetime.now(UTC), max_span=MAX_SPAN)
    except TimeWindowError as exc:
        raise ToolError(str(exc)) from None
    points = math.ceil(span.seconds / step) + 1
    if points > MAX_POINTS:
        raise ToolError(f"{points} points per series is more than {MAX_POINTS}: use step >= "
                        f"{math.ceil(span.seconds / (MAX_POINTS - 1))} or a shorter window")
    return span


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _summary(values: list[float]) -> SeriesSummary:
    if not values:
        return SeriesSummary(min=None, max=None, mean=None, last=None)
    return SeriesSummary(min=min(values), max=max(values), mean=round(sum(values) / len(values), 6), last=values[-1])


def _matrix(data: Any) -> list[tuple[dict[str, str], list[datetime], list[float]]]:
    if not isinstance(data, dict) or data.get("resultType") != "matrix":
        raise ToolError("the query did not return a range of series (use promql_query for a scalar)")
    out = []
    for item in data.get("result") or []:
        pairs = [(datetime.fromtimestamp(float(t), UTC), _number(v)) for t, v in item.get("values") or []]
        kept = [(t, v) for t, v in pairs if v is not None]  # NaN / Inf: no datapoint, as CloudWatch has none
        out.append((dict(item.get("metric") or {}), [t for t, _ in kept], [v for _, v in kept]))
    return out


class PrometheusTools:
    def __init__(self, client: PrometheusClient, call_timeout: float) -> None:
        self.client = client
        self.call_timeout = call_timeout

    def get(self, path: str, params: list[tuple[str, str]], what: str) -> Any:
        def ask() -> Any:
            try:
                return self.client.get(path, params)
            except PrometheusError as exc:
                raise ToolError(f"{what}: {exc}") from None

        return call_backend(ask, what, self.call_timeout)

    def range(self, query: str, span: Window, step: int) -> Any:
        return self.get("query_range", [("query", query), ("start", iso(span.start)), ("end", iso(span.end)),
                                        ("step", str(step))], f"promql_range {query[:80]}")


def register(mcp: FastMCP, ctx: PrometheusTools) -> None:
    tool = tool_decorator(mcp)

    @tool(title="PromQL instant query", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="aggregate (sum by ...) or add label matchers")
    def promql_query(query: Query, time: TimeArg = "now") -> InstantResult:
        """A PromQL expression evaluated at one moment: each series' labels and value (at most 20 series)."""
        try:
            at = parse_time(time, datetime.now(UTC), field="time")
        except TimeWindowError as exc:
            raise ToolError(str(exc)) from None
        data = ctx.get("query", [("query", query), ("time", iso(at))], f"promql_query {query[:80]}")
        kind = data.get("resultType") if isinstance(data, dict) else "unknown"
        result = data.get("result") if isinstance(data, dict) else None
        if kind in ("scalar", "string"):
            samples = [InstantSample(labels={}, value=_number(result[1]) if isinstance(result, list) else None)]
        else:
            samples = [InstantSample(labels=dict(r.get("metric") or {}), value=_number((r.get("value") or [0, None])[1]))
                       for r in result or []]
        return InstantResult(query=query, at=iso(at), result_type=str(kind), count=len(samples),
                             more=len(samples) > MAX_SERIES, samples=samples[:MAX_SERIES])

    @tool(title="PromQL range query", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="use a larger step, a shorter window or an aggregation")
    def promql_range(query: Query, start: TimeArg = "-1h", end: TimeArg = "now", step: Step = 60) -> RangeResult:
        """A PromQL expression over a window: per series its labels, timestamps and values, oldest first, with
        min/max/mean/last (at most 20 series and 1,440 points each)."""
        span = _window(start, end, step)
        series = _matrix(ctx.range(query, span, step))
        rows = [RangeSeries(labels=labels, timestamps=[iso(t) for t in stamps], values=[round(v, 6) for v in values],
                            summary=_summary(values)) for labels, stamps, values in series[:MAX_SERIES]]
        result = RangeResult(query=query, window=TimeSpan(start=iso(span.start), end=iso(span.end)), step=step,
                             count=len(series), more=len(series) > MAX_SERIES, series=rows)
        if not series:
            result.note = "no series matched: check the metric and label names with promql_series or promql_label_values"
        return result

    @tool(title="Find Prometheus series", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="add label matchers to the selector")
    def promql_series(match: Annotated[str, Field(min_length=1, max_length=1000, description='a series selector, e.g. '
                                                 'kube_pod_container_status_restarts_total{namespace="shop"}')],
                      start: TimeArg = "-1h", end: TimeArg = "now") -> SeriesList:
        """The label sets of the series a selector matches in a window (at most 200)."""
        span = _window(start, end, 3600)
        data = ctx.get("series", [("match[]", match), ("start", iso(span.start)), ("end", iso(span.end))],
                       f"promql_series {match[:80]}")
        series = [dict(s) for s in data or []]
        return SeriesList(count=len(series), more=len(series) > MAX_LISTED, series=series[:MAX_LISTED])

    @tool(title="List a Prometheus label's values", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="give a selector to narrow it")
    def promql_label_values(label: Annotated[str, Field(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$", max_length=200,
                                                        description="e.g. __name__, namespace, pod")],
                            match: Annotated[str | None, Field(max_length=1000, description="only series this selector "
                                                                                            "matches")] = None) -> LabelValues:
        """The values a label takes (at most 200): `__name__` lists the metric names."""
        data = ctx.get(f"label/{label}/values", [("match[]", match)] if match else [], f"promql_label_values {label}")
        values = [str(v) for v in data or []]
        return LabelValues(label=label, count=len(values), more=len(values) > MAX_LISTED, values=values[:MAX_LISTED])

    @tool(title="Prometheus' active alerts", read_only=True, destructive=False, idempotent=True, open_world=True)
    def prometheus_alerts() -> AlertList:
        """The alerts Prometheus' rules hold now, firing or pending: name, labels, annotations, since when, value."""
        data = ctx.get("alerts", [], "prometheus_alerts")
        alerts = [ActiveAlert(name=str((a.get("labels") or {}).get("alertname", "")), state=str(a.get("state", "")),
                              labels=dict(a.get("labels") or {}), annotations=dict(a.get("annotations") or {}),
                              active_at=a.get("activeAt"), value=a.get("value"))
                  for a in (data or {}).get("alerts") or []]
        return AlertList(count=len(alerts), alerts=alerts)

    @tool(title="Prometheus' rules", read_only=True, destructive=False, idempotent=True, open_world=True)
    def prometheus_rules(kind: Annotated[str, Field(pattern="^(alert|record|all)$",
                                                    description="alert, record or all")] = "alert") -> RuleList:
        """The alerting (or recording) rules: each one's expression, `for`, labels, state and health -- what an
        Alertmanager alert's name means in PromQL."""
        params = [] if kind == "all" else [("type", kind)]
        data = ctx.get("rules", params, "prometheus_rules")
        rules = [Rule(group=str(group.get("name", "")), name=str(rule.get("name", "")), kind=str(rule.get("type", "")),
                      expr=str(rule.get("query", "")), for_s=_number(rule.get("duration")),
                      labels=dict(rule.get("labels") or {}), state=rule.get("state"), health=rule.get("health"),
                      last_error=rule.get("lastError") or None)
                 for group in (data or {}).get("groups") or [] for rule in group.get("rules") or []]
        return RuleList(count=len(rules), rules=rules)

    @tool(title="Detect anomalies in PromQL series", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="aggregate the query to fewer series")
    def promql_anomalies(query: Query, start: TimeArg = "-3h", end: TimeArg = "now", step: Step = 60,
                         threshold: Annotated[float, Field(gt=0.5, lt=1.0, description="anomaly level an interval must "
                                                           "reach")] = DEFAULT_THRESHOLD) -> AnomalyScan:
        """When each series of a PromQL expression left its normal range (the CloudWatch server's method):
        anomalous intervals (start, end, peak score, direction, ongoing) and the baseline, anomalous series first."""
        span = _window(start, end, step)
        series = _matrix(ctx.range(query, span, step))
        reports = []
        for labels, stamps, values in series[:MAX_SERIES]:
            report = anomaly_report(stamps, values, step, threshold)
            reports.append(SeriesAnomalies(labels=labels, points=len(values), anomalous=report["anomalous"],
                                           intervals=report["intervals"], baseline=report["baseline"],
                                           gaps=report.get("gaps"), note=report.get("note")))
        reports.sort(key=lambda r: not r.anomalous)
        method = anomaly_report([], [], step)["method"]
        return AnomalyScan(query=query, window=TimeSpan(start=iso(span.start), end=iso(span.end)), step=step,
                           method=method, series_scanned=len(reports), more=len(series) > MAX_SERIES, series=reports)
