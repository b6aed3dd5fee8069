"""How a service's traffic, errors and latency moved ("what happened to ingest traffic in the last hour",
"error rate of checkout", "p99 of the gateway"): the app's own metrics in CloudWatch (namespace
Application: RequestCount, 5xxCount, LatencyP99 per Namespace/Service), read over the question's window,
with the intervals the anomaly detector finds in the three hours around it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ...contracts import parse_resource_id, parse_time
from ..ask import Ask, handles
from ..models import Answer

APP_NAMESPACE = "Application"
# (metric, statistic, how a value reads)
APP_METRICS = (("RequestCount", "Sum", "requests/min"), ("5xxCount", "Sum", "5xx/min"), ("LatencyP99", "Average", "ms p99"))
DETECTOR_LOOKBACK_S = 3 * 3600  # the detector needs a baseline before the window asked about


def _minutes(seconds: int) -> str:
    return f"{seconds // 3600} h" if seconds % 3600 == 0 else f"{seconds // 60} min"


def _moved(values: list[float], unit: str) -> str:
    """first -> last, with the extremes between: how a series moved over the window."""
    if not values:
        return "no datapoints"
    low, high = min(values), max(values)
    return f"{values[0]:.0f} -> {values[-1]:.0f} {unit} (min {low:.0f}, max {high:.0f})"


def _intervals_in(report: dict, since: datetime) -> list[dict]:
    """The detector's intervals that reach into the window: ongoing, ended after `since`, or with no readable end."""
    return [interval for interval in report.get("intervals") or []
            if interval.get("ongoing") or (ended := parse_time(interval.get("end"))) is None or ended >= since]


@handles("traffic", needs=("cloudwatch",))
async def traffic(ask: Ask) -> Answer:
    namespace, kind, name = parse_resource_id(ask.resource or "")
    if not namespace:
        return ask.answer(f"{ask.resource} is a {kind}: traffic, errors and latency are a Service's", status="answered")
    window = ask.recognised.window_s
    listed = await ask.call("cloudwatch", "list_metrics", {"namespace": APP_NAMESPACE,
                                                           "dimensions": {"Namespace": namespace, "Service": name}})
    if listed.error is not None:
        return ask.answer(f"Could not read the metrics of {name}: {listed.error[:200]}", status="unknown")
    dimensions = {m["metric"]: m["dimensions"] for m in (listed.data or {}).get("metrics") or []}
    if not any(metric in dimensions for metric, _, _ in APP_METRICS):
        return ask.answer(f"No request metrics for {name} in {namespace} (CloudWatch namespace {APP_NAMESPACE}, dimensions "
                          "Namespace and Service): it serves no HTTP traffic, or its app does not publish them",
                          status="answered", next_steps=[f"Ask 'how is {name} doing?' for its pods, or for its logs."])
    since = datetime.now(UTC) - timedelta(seconds=window)
    period = 60 if window <= 3 * 3600 else 300
    lines, moved, anomalous = [], [], []
    for metric, statistic, unit in APP_METRICS:
        if metric not in dimensions:
            continue
        data = await ask.call("cloudwatch", "get_metric_data", {
            "namespace": APP_NAMESPACE, "metric_name": metric, "dimensions": dimensions[metric], "start": f"-{window}s",
            "period": period, "statistics": [statistic]})
        series = ((data.data or {}).get("series") or {}).get(statistic) or {}
        values = [float(v) for v in series.get("values") or []]
        per_minute = [v * 60 / period for v in values] if statistic == "Sum" else values
        moved.append(f"{metric} {_moved(per_minute, unit)}")
        report = await ask.call("cloudwatch", "detect_anomalies", {
            "namespace": APP_NAMESPACE, "metric_name": metric, "dimensions": dimensions[metric],
            "start": f"-{max(window, DETECTOR_LOOKBACK_S)}s", "statistic": statistic})
        for interval in _intervals_in(report.data or {}, since):
            when = "since " + str(interval.get("start")) + ", still ongoing" if interval.get("ongoing") else \
                f"{interval.get('start')} .. {interval.get('end')}, back to baseline since"
            anomalous.append((metric, bool(interval.get("ongoing"))))
            lines.append(f"{metric} {interval.get('direction', 'anomalous')} {when} (peak {interval.get('max_value')}, "
                         f"baseline median {((report.data or {}).get('baseline') or {}).get('median')})")
    ongoing_bad = [m for m, ongoing in anomalous if ongoing and m != "RequestCount"]
    verdict = ("anomalous now: " + ", ".join(dict.fromkeys(ongoing_bad))) if ongoing_bad else \
        ("anomalies in the window: " + ", ".join(dict.fromkeys(m for m, _ in anomalous))) if anomalous else "no anomaly in the window"
    headline = f"{namespace}/{name}, last {_minutes(window)}: {'; '.join(moved)} -- {verdict}"
    return ask.answer(headline, status="problems" if ongoing_bad else "answered", details=lines or moved,
                      resources=[ask.resource or ""],
                      next_steps=[f"Ask 'why is {name} failing?' for the cause" if ongoing_bad else
                                  f"Ask 'what changed in the last hour?' or 'alarms for {name}' for context."])
