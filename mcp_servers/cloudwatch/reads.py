"""Paginated reads from CloudWatch, CloudWatch Logs and X-Ray, shaped into compact rows.

Plain functions over boto3 clients: the tools call them through call_backend (deadline, clear
errors). Paging is boto3's paginators, stopped as soon as enough rows are read (botocore also
refuses a backend that keeps returning the same token)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from ..common.aws import paginate, unsupported
from .container_logs import WorkloadSelector, keep, read_line, stream_parts
from .timewindow import Window, iso
from .traces import segment_names, services_of


def dimension_filters(dimensions: dict[str, str] | None, *, wildcard: bool) -> list[dict[str, str]]:
    """boto3's [{Name, Value}] form; with `wildcard`, a value of "*" or "" matches any value."""
    out = []
    for name, value in (dimensions or {}).items():
        out.append({"Name": name} if wildcard and value in ("*", "") else {"Name": name, "Value": value})
    return out


def dims_dict(dimensions: list[dict[str, Any]] | None) -> dict[str, str]:
    return {d["Name"]: d.get("Value", "") for d in dimensions or []}


# --- metrics ----------------------------------------------------------------------------------
def list_metric_rows(cloudwatch: Any, kwargs: dict[str, Any], max_results: int) -> tuple[list[dict[str, Any]], bool]:
    """Distinct metrics (some backends list one row per datapoint) and whether more exist."""
    seen: dict[tuple, dict[str, Any]] = {}
    stopped_early = False
    for page in cloudwatch.get_paginator("list_metrics").paginate(**kwargs):
        for metric in page.get("Metrics", []):
            dims = dims_dict(metric.get("Dimensions"))
            key = (metric["Namespace"], metric["MetricName"], tuple(sorted(dims.items())))
            seen.setdefault(key, {"namespace": key[0], "metric": key[1], "dimensions": dims})
        if len(seen) > max_results:
            stopped_early = bool(page.get("NextToken"))
            break
    rows = sorted(seen.values(), key=lambda m: (m["namespace"], m["metric"], sorted(m["dimensions"].items())))
    return rows[:max_results], stopped_early or len(rows) > max_results


STANDARD_STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")


def fetch_metric_series(cloudwatch: Any, namespace: str, metric_name: str, dimensions: dict[str, str],
                        window: Window, period: int, statistics: list[str]) -> dict[str, tuple[list[datetime], list[float]]]:
    """One metric's statistics -> {stat: (timestamps, values)}, ascending.

    GetMetricStatistics rather than GetMetricData: one metric, every statistic (percentiles as
    ExtendedStatistics) in one call, no pagination, since the caller keeps a series within its
    1,440-datapoint limit. (Emulators also answer it far faster: moto scans every stored
    datapoint once per period for GetMetricData.)"""
    standard = [s for s in statistics if s in STANDARD_STATISTICS]
    extended = [s for s in statistics if s not in STANDARD_STATISTICS]
    kwargs: dict[str, Any] = {"Namespace": namespace, "MetricName": metric_name,
                              "Dimensions": dimension_filters(dimensions, wildcard=False),
                              "StartTime": window.start, "EndTime": window.end, "Period": period}
    if standard:
        kwargs["Statistics"] = standard
    if extended:
        kwargs["ExtendedStatistics"] = extended
    datapoints = sorted(cloudwatch.get_metric_statistics(**kwargs).get("Datapoints", []), key=lambda d: d["Timestamp"])
    out: dict[str, tuple[list[datetime], list[float]]] = {}
    for stat in statistics:
        stamps: list[datetime] = []
        values: list[float] = []
        for point in datapoints:
            value = point.get(stat) if stat in STANDARD_STATISTICS else (point.get("ExtendedStatistics") or {}).get(stat)
            if value is not None:
                stamps.append(point["Timestamp"].astimezone(UTC))
                values.append(float(value))
        out[stat] = (stamps, values)
    return out


def series_summary(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"min": None, "max": None, "mean": None, "last": None}
    return {"min": round(min(values), 6), "max": round(max(values), 6),
            "mean": round(sum(values) / len(values), 6), "last": round(values[-1], 6)}


# --- alarms -----------------------------------------------------------------------------------
def describe_alarm_rows(cloudwatch: Any, kwargs: dict[str, Any], max_results: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    config = {} if "AlarmNames" in kwargs else {"PageSize": 100}
    for page in cloudwatch.get_paginator("describe_alarms").paginate(**kwargs, PaginationConfig=config):
        rows += [metric_alarm_row(a) for a in page.get("MetricAlarms", [])]
        rows += [composite_alarm_row(a) for a in page.get("CompositeAlarms", [])]
        if len(rows) >= max_results:
            break
    if kwargs.get("StateValue"):  # applied again here: not every endpoint combines it with a name prefix (moto)
        rows = [r for r in rows if r["state"] == kwargs["StateValue"]]
    order = {"ALARM": 0, "INSUFFICIENT_DATA": 1, "OK": 2}
    rows.sort(key=lambda a: a.get("updated") or "", reverse=True)
    rows.sort(key=lambda a: order.get(a["state"], 3))  # stable: ALARM first, newest change first within a state
    return rows[:max_results]


def metric_alarm_row(alarm: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": alarm["AlarmName"],
        "state": alarm.get("StateValue"),
        "reason": alarm.get("StateReason"),
        "updated": iso(alarm["StateUpdatedTimestamp"]) if alarm.get("StateUpdatedTimestamp") else None,
        "description": alarm.get("AlarmDescription"),
        "threshold": alarm.get("Threshold"),
        "comparison": alarm.get("ComparisonOperator"),
        "evaluation_periods": alarm.get("EvaluationPeriods"),
        "datapoints_to_alarm": alarm.get("DatapointsToAlarm"),
    }
    if alarm.get("MetricName"):
        row["metric"] = {"namespace": alarm.get("Namespace"), "name": alarm["MetricName"],
                         "statistic": alarm.get("Statistic") or alarm.get("ExtendedStatistic"), "period": alarm.get("Period")}
        row["dimensions"] = dims_dict(alarm.get("Dimensions"))
    elif alarm.get("Metrics"):  # a metric math alarm: list the metrics it reads
        row["metrics"] = [{"id": m.get("Id"), "expression": m.get("Expression"),
                           **({"namespace": m["MetricStat"]["Metric"].get("Namespace"),
                               "name": m["MetricStat"]["Metric"].get("MetricName"),
                               "dimensions": dims_dict(m["MetricStat"]["Metric"].get("Dimensions"))}
                              if m.get("MetricStat") else {})} for m in alarm["Metrics"]]
    if alarm.get("ThresholdMetricId"):
        row["threshold_metric"] = alarm["ThresholdMetricId"]
    return {k: v for k, v in row.items() if v is not None}


def composite_alarm_row(alarm: dict[str, Any]) -> dict[str, Any]:
    row = {"name": alarm["AlarmName"], "type": "composite", "state": alarm.get("StateValue"),
           "reason": alarm.get("StateReason"), "rule": alarm.get("AlarmRule"),
           "updated": iso(alarm["StateUpdatedTimestamp"]) if alarm.get("StateUpdatedTimestamp") else None,
           "description": alarm.get("AlarmDescription")}
    return {k: v for k, v in row.items() if v is not None}


def alarm_history_items(cloudwatch: Any, name: str, window: Window, history_type: str,
                        max_results: int) -> list[dict[str, Any]] | None:
    """History rows newest first; None when the endpoint does not implement DescribeAlarmHistory."""
    kwargs: dict[str, Any] = {"AlarmName": name, "StartDate": window.start, "EndDate": window.end,
                              "ScanBy": "TimestampDescending"}
    if history_type != "all":
        kwargs["HistoryItemType"] = history_type
    try:
        items, _ = paginate(cloudwatch, "describe_alarm_history", max_results, "AlarmHistoryItems", **kwargs)
    except ClientError as exc:
        if unsupported(exc):
            return None
        raise
    return [history_row(item) for item in items[:max_results]]


def history_row(item: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"timestamp": iso(item["Timestamp"]), "type": item.get("HistoryItemType"),
                           "summary": item.get("HistorySummary")}
    try:
        data = json.loads(item.get("HistoryData") or "{}")
    except ValueError:
        data = {}
    if isinstance(data, dict):
        old, new = data.get("oldState") or {}, data.get("newState") or {}
        if old.get("stateValue"):
            row["old_state"] = old["stateValue"]
        if new.get("stateValue"):
            row["new_state"] = new["stateValue"]
            row["reason"] = new.get("stateReason")
    return row


# --- logs -------------------------------------------------------------------------------------
def list_log_groups(logs: Any, prefix: str | None, max_results: int) -> tuple[list[dict[str, Any]], bool]:
    kwargs: dict[str, Any] = {"logGroupNamePrefix": prefix} if prefix else {}
    return paginate(logs, "describe_log_groups", max_results, "logGroups", **kwargs)


MAX_STREAMS_LISTED = 2000  # streams of a shared group looked at for a workload's, most recently written first
STREAMS_PER_FILTER = 100  # FilterLogEvents takes at most 100 stream names


def workload_streams(logs: Any, group: str, selector: WorkloadSelector) -> list[str] | None:
    """The streams of `group` named after the selected workload's container log files; None when
    no stream of the group is named after a container file (then every stream is read and the
    records' own metadata decide)."""
    streams, _ = paginate(logs, "describe_log_streams", MAX_STREAMS_LISTED, "logStreams", logGroupName=group,
                          orderBy="LastEventTime", descending=True)
    parsed = [(s["logStreamName"], stream_parts(s["logStreamName"])) for s in streams]
    if not any(parts for _, parts in parsed):
        return None
    return [name for name, parts in parsed if parts and selector.matches(*parts)]


def fetch_log_events(logs: Any, group: str, window: Window, pattern: str | None, limit: int,
                     stream_prefix: str | None = None,
                     selector: WorkloadSelector = WorkloadSelector()) -> tuple[list[dict[str, Any]], bool]:
    """FilterLogEvents pages until `limit` events; returns (events oldest first, more_available).
    A page may be empty while CloudWatch scans; the paginator follows the token on. With a
    selector only the workload's streams are read and only its records kept; each event's
    `message` is then the line itself, with the record's pod, namespace and container beside it."""
    kwargs: dict[str, Any] = {"logGroupName": group, "startTime": window.start_ms, "endTime": window.end_ms}
    if pattern:
        kwargs["filterPattern"] = pattern
    if stream_prefix:
        kwargs["logStreamNamePrefix"] = stream_prefix
    streams = workload_streams(logs, group, selector) if selector and not stream_prefix else None
    if streams is not None and not streams:
        return [], False
    batches = [streams[i:i + STREAMS_PER_FILTER] for i in range(0, len(streams), STREAMS_PER_FILTER)] if streams else [None]
    events: list[dict[str, Any]] = []
    more = False
    for batch in batches:
        found, _ = paginate(logs, "filter_log_events", limit + 1, "events",  # one extra says whether more exist
                            **kwargs, **({"logStreamNames": batch} if batch else {}))
        for event in found:
            line = read_line(event.get("message", ""))
            if keep(line, selector):
                events.append({**event, "message": line.text, "pod": line.pod, "namespace": line.namespace,
                               "container": line.container})
        more = more or len(found) > limit
    if len(batches) > 1:
        events.sort(key=lambda e: e["timestamp"])
    return events[:limit], more or len(events) > limit


def read_log_window(logs: Any, groups: list[str], window: Window, pattern: str | None, max_events: int,
                    selector: WorkloadSelector = WorkloadSelector()) -> tuple[list[tuple[int, str]], int, bool]:
    """(timestamp_ms, line) of every group in a window, at most `max_events` in all (the `log`
    of a shipper's JSON record, not the envelope).

    Events come oldest first, so a capped read covers the window only up to the last event read:
    the second value is that covered end, so rates are computed over what was actually read."""
    events: list[tuple[int, str]] = []
    covered_end = window.end_ms
    capped = False
    budget = max_events
    for group in groups:
        found, more = fetch_log_events(logs, group, window, pattern, budget, selector=selector)
        events += [(e["timestamp"], e.get("message", "")) for e in found]
        budget -= len(found)
        if more or budget <= 0:
            capped = True
            covered_end = min(covered_end, found[-1]["timestamp"] if found else window.start_ms)
            if budget <= 0:
                break
    return events, covered_end, capped


# --- traces -----------------------------------------------------------------------------------
def fetch_trace_summaries(xray: Any, window: Window, expression: str | None,
                          max_traces: int) -> tuple[list[dict[str, Any]], bool] | None:
    """Trace summaries and whether more exist; None when the endpoint cannot filter by `expression`."""
    kwargs: dict[str, Any] = {"StartTime": window.start, "EndTime": window.end, "Sampling": False}
    if expression:
        kwargs["FilterExpression"] = expression
    try:
        return paginate(xray, "get_trace_summaries", max_traces, "TraceSummaries", **kwargs)
    except ClientError as exc:
        if expression and unsupported(exc):
            return None
        raise


def traces_of_service(xray: Any, summaries: list[dict[str, Any]], service: str) -> list[dict[str, Any]]:
    """The summaries whose trace touches `service`: from ServiceIds where the backend fills them,
    else from the segment documents (BatchGetTraces takes 5 ids per call)."""
    matched = {s["Id"] for s in summaries if service in services_of(s)}
    unknown = [s["Id"] for s in summaries if not services_of(s)]
    for i in range(0, len(unknown), 5):
        response = xray.batch_get_traces(TraceIds=unknown[i:i + 5])
        for trace in response.get("Traces", []):
            if service in segment_names(trace):
                matched.add(trace["Id"])
    return [s for s in summaries if s["Id"] in matched]
