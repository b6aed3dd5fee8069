"""Metrics: finding series, reading them, and telling when one left its baseline."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.fastmcp import FastMCP
from pydantic import Field

from ...common.registry import Row, ToolResult, tool_decorator
from .. import reads
from ..anomaly_intervals import DEFAULT_THRESHOLD
from ..anomaly_report import anomaly_report
from ..timewindow import iso
from .context import (
    CloudWatchTools,
    Dimensions,
    MetricName,
    Namespace,
    Period,
    Statistic,
    Statistics,
    TimeArg,
    check_statistics,
    metric_window,
)


class TimeSpan(Row):
    start: str
    end: str


class MetricRow(Row):
    namespace: str
    metric: str
    dimensions: dict[str, str]


class MetricList(ToolResult):
    count: int
    more: bool = Field(description="more metrics match than were returned")
    metrics: list[MetricRow]


class SeriesSummary(Row):
    min: float | None
    max: float | None
    mean: float | None
    last: float | None


class Series(Row):
    timestamps: list[str]
    values: list[float]
    summary: SeriesSummary


class MetricData(ToolResult):
    namespace: str
    metric: str
    dimensions: dict[str, str]
    period: int
    window: TimeSpan
    series: dict[str, Series] = Field(description="statistic -> datapoints, oldest first")
    note: str | None = Field(None, description="set when no datapoints came back, with what to check")


class AnomalyResult(ToolResult):
    namespace: str
    metric: str
    dimensions: dict[str, str]
    statistic: str
    period: int
    window: TimeSpan
    points: int
    method: str
    anomalous: bool
    intervals: list[dict[str, Any]] = Field(description="start, end, points, peak_score, peak_at, max_value, "
                                                        "deviation_mads, direction, ongoing")
    baseline: dict[str, Any] | None = Field(description="median, mad and the points it was computed from")
    threshold: float | None = None
    warmup_points: int | None = None
    gaps: int | None = None
    note: str | None = None


def register(mcp: FastMCP, ctx: CloudWatchTools) -> None:
    tool = tool_decorator(mcp)
    cloudwatch = ctx.cloudwatch

    @tool(title="List CloudWatch metrics", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="filter by namespace, metric_name or dimensions")
    def list_metrics(
        namespace: Annotated[str | None, Field(max_length=255, description="e.g. ContainerInsights; omit for all")] = None,
        metric_name: Annotated[str | None, Field(max_length=255)] = None,
        dimensions: Annotated[dict[str, str] | None, Field(max_length=10, description='name -> value; "*" = any value')] = None,
        max_results: Annotated[int, Field(ge=1, le=2000)] = 100,
    ) -> MetricList:
        """Metrics (namespace, name, dimensions) matching a namespace, a name and/or dimensions."""
        kwargs: dict[str, Any] = {}
        if namespace:
            kwargs["Namespace"] = namespace
        if metric_name:
            kwargs["MetricName"] = metric_name
        if dimensions:
            kwargs["Dimensions"] = reads.dimension_filters(dimensions, wildcard=True)
        metrics, more = ctx.backend(lambda: reads.list_metric_rows(cloudwatch, kwargs, max_results), f"list_metrics {kwargs}")
        return MetricList(count=len(metrics), more=more, metrics=metrics)

    @tool(title="Read a metric's datapoints", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="use a larger period or a shorter window")
    def get_metric_data(
        namespace: Namespace,
        metric_name: MetricName,
        dimensions: Dimensions | None = None,
        start: TimeArg = "-3h",
        end: TimeArg = "now",
        period: Period = 60,
        statistics: Statistics = ["Average"],  # noqa: B006 -- pydantic copies defaults
    ) -> MetricData:
        """One metric's datapoints per statistic over a window: timestamps and values, oldest first,
        with min/max/mean/last per statistic."""
        stats = check_statistics(statistics)
        span = metric_window(start, end, period)
        series = ctx.backend(lambda: reads.fetch_metric_series(cloudwatch, namespace, metric_name, dimensions or {},
                                                               span, period, stats),
                             f"get_metric_data {namespace}/{metric_name} {dimensions or {}}")
        out = {stat: {"timestamps": [iso(t) for t in stamps], "values": [round(v, 6) for v in values],
                      "summary": reads.series_summary(values)}
               for stat, (stamps, values) in series.items()}
        result = MetricData(namespace=namespace, metric=metric_name, dimensions=dimensions or {}, period=period,
                            window=span.describe(), series=out)
        if all(not stamps for stamps, _ in series.values()):
            result.note = ("no datapoints: check the dimensions with list_metrics (every dimension of the series "
                           "must be given, exactly) or widen the window")
        return result

    @tool(title="Detect metric anomalies", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="a shorter window gives fewer intervals")
    def detect_anomalies(
        namespace: Namespace,
        metric_name: MetricName,
        dimensions: Dimensions | None = None,
        start: TimeArg = "-3h",
        end: TimeArg = "now",
        period: Period = 60,
        statistic: Statistic = "Average",
        threshold: Annotated[float, Field(gt=0.5, lt=1.0, description="anomaly level an interval must reach; "
                                                                       "higher = fewer, surer intervals")] = DEFAULT_THRESHOLD,
    ) -> AnomalyResult:
        """When a metric left its normal range: anomalous intervals (start, end, peak score, direction,
        ongoing), the baseline they were judged against, and the method. Give it a few hours of history."""
        stat = check_statistics([statistic])[0]
        span = metric_window(start, end, period)
        series = ctx.backend(lambda: reads.fetch_metric_series(cloudwatch, namespace, metric_name, dimensions or {},
                                                               span, period, [stat]),
                             f"detect_anomalies {namespace}/{metric_name} {dimensions or {}}")
        stamps, values = series[stat]
        payload: dict[str, Any] = {"namespace": namespace, "metric": metric_name, "dimensions": dimensions or {},
                                   "statistic": stat, "period": period, "window": span.describe(), "points": len(values)}
        payload.update(anomaly_report(stamps, values, period, threshold))
        return AnomalyResult.model_validate(payload)
