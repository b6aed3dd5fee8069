"""The offline metrics specialist: when did the alarmed metric change, and what do the suspect
workload's own series say (memory climbing towards its limit, CPU throttled, latency or errors
off their baseline)?

It discovers exact dimensions with list_metrics instead of assuming a cluster name, and reads
anomalies from the server's detector rather than eyeballing thresholds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ...contracts import parse_time, resource_id
from ...graph.health import from_alertmanager
from ...graph.state import Investigation, Task
from . import prometheus_alert
from .calls import Calls, split_target

CONTAINER_INSIGHTS = "ContainerInsights"
RECENT = timedelta(minutes=20)  # an anomaly interval ending this close to now is still going on
THROTTLED_PERCENT = 25.0
MEMORY_RAMP_POINTS = 25.0  # percentage points of the limit gained over the window


def _intervals(report: dict | None) -> list[dict]:
    return (report or {}).get("intervals") or []


def _ongoing(intervals: list[dict], now: datetime) -> dict | None:
    recent = [i for i in intervals if (parse_time(i.get("end")) or now) >= now - RECENT]
    return max(recent, key=lambda i: i.get("peak_score", i.get("score", 0)), default=None)


def _signal_for(metric: str) -> str:
    lowered = metric.lower()
    if "latency" in lowered or "duration" in lowered:
        return "LatencyAnomaly"
    if "5xx" in lowered or "error" in lowered or "fault" in lowered:
        return "ErrorAnomaly"
    return "MetricAnomaly"


async def investigate(task: Task, state: Investigation, calls: Calls) -> None:
    if task.question == "alarm" and state.metrics_source != "cloudwatch" and from_alertmanager(state):
        # An Alertmanager alert has no CloudWatch alarm behind it: its rule and state are Prometheus'.
        await prometheus_alert.investigate(task, state, calls.at("prometheus"))
    elif task.question == "alarm":
        await _alarm(task, state, calls)
    elif task.question == "firing":
        await _firing(task.target, calls)
    elif task.question == "service":
        await _service(task.target, calls)
    else:  # "workload": all of it; "container_resources": its containers' memory and CPU only
        await _workload(task.target, calls, app=task.question != "container_resources")


async def _firing(target: str, calls: Calls) -> None:
    """Which alarms are in ALARM (in `target`'s namespace, by the alarm's Namespace dimension, when
    the question is scoped to one): each is a warning worth telling; none is CloudWatch's evidence."""
    namespace = None if target == "cluster" else target
    data, ev = await calls("describe_alarms", state="ALARM")
    if data is None:
        return
    firing = [a for a in data.get("alarms") or []
              if namespace is None or (a.get("dimensions") or {}).get("Namespace") in (None, namespace)]
    for alarm in firing:
        dims = alarm.get("dimensions") or {}
        where = (resource_id("Service", dims["Service"], dims["Namespace"]) if dims.get("Service") and dims.get("Namespace")
                 else dims.get("Namespace") or target)
        calls.find(where, "AlarmFiring", f"alarm {alarm.get('name')} is firing: {alarm.get('reason') or ''}".strip(), ev,
                   alarm=alarm.get("name"))
    if not firing:
        calls.find(target, "NoAlarmsFiring", f"no CloudWatch alarm is firing{f' in {namespace}' if namespace else ''}", ev,
                   severity="info")


async def _service(service: str, calls: Calls) -> None:
    """Is this (dependency) service itself failing or slow, as its own metrics say?"""
    namespace, _, name = split_target(service)
    await _app_anomalies(service, namespace, name, calls)


def _workloads_named(state: Investigation, namespace: str, name: str) -> list[str]:
    """Workloads the kubernetes agent tied to a Service of that name (same name is the convention it checks)."""
    return sorted({f.resource for f in state.findings if f.agent == "kubernetes" and f.resource.startswith(f"{namespace}/")
                   and f.resource.split("/")[-1] == name and f.resource.split("/")[1] in ("Deployment", "StatefulSet")})


async def _alarm(task: Task, state: Investigation, calls: Calls) -> None:
    alarm_name = (state.incident.alarm or {}).get("AlarmName")
    data, ev = await calls("describe_alarms", name_prefix=alarm_name)
    alarms = [a for a in (data or {}).get("alarms") or [] if a.get("name") == alarm_name]
    if not alarms:
        return
    alarm = alarms[0]
    namespace, _, name = split_target(task.target)
    if alarm.get("state") != "ALARM":
        calls.find(task.target, "AlarmRecovered", f"alarm {alarm_name} is {alarm.get('state')} now: {alarm.get('reason', '')}",
                   ev, severity="info", state=alarm.get("state"))
    metric = alarm.get("metric") or {}
    if not metric.get("name"):
        return
    report, ev2 = await calls("detect_anomalies", namespace=metric["namespace"], metric_name=metric["name"],
                              dimensions=alarm.get("dimensions") or {}, start="-3h", statistic=metric.get("statistic") or "Average")
    # The alarmed series itself, read once: what fired is evidence an SRE looks at (the report's chart draws
    # it), and detect_anomalies returns intervals, not the series.
    await calls("get_metric_data", namespace=metric["namespace"], metric_name=metric["name"],
                dimensions=alarm.get("dimensions") or {}, start="-3h", statistics=[metric.get("statistic") or "Average"])
    now = datetime.now(UTC)
    intervals = _intervals(report)
    ongoing = _ongoing(intervals, now)
    if ongoing:
        summary = (f"{metric['name']} anomalous since {ongoing.get('start')} (baseline "
                   f"{(report or {}).get('baseline', {})})")
        for resource in dict.fromkeys([task.target, *_workloads_named(state, namespace, name)]):
            calls.find(resource, _signal_for(metric["name"]), summary, [ev, ev2], onset=ongoing.get("start"),
                       metric=metric["name"])
    elif intervals and alarm.get("state") == "ALARM":
        # The detector's interval ended (it adapts to a level it has seen for a while) but the alarm still
        # fires: a level shift that is still in place, not a recovery.
        first = intervals[0]
        summary = f"{metric['name']} shifted at {first.get('start')} and has not come back: alarm {alarm_name} is still firing"
        for resource in dict.fromkeys([task.target, *_workloads_named(state, namespace, name)]):
            calls.find(resource, _signal_for(metric["name"]), summary, [ev, ev2], onset=first.get("start"),
                       metric=metric["name"], still_shifted=True)
    elif intervals:
        last = intervals[-1]
        calls.find(task.target, "PastAnomaly", f"{metric['name']} was anomalous {last.get('start')} .. {last.get('end')} "
                   "and is back to its baseline", [ev, ev2], severity="info", start=last.get("start"), end=last.get("end"))
    if alarm.get("state") == "ALARM" and not (ongoing or intervals):
        # The alarm fires and the detector saw no change in its window (a level raised for most of it, a
        # threshold set below normal): not a verdict of health -- the alarm is a fact a human must weigh.
        calls.find(task.target, "AlarmFiring", f"alarm {alarm_name} is in ALARM ({alarm.get('reason') or 'no reason given'}) "
                   f"but the detector found no change in {metric['name']} over 3 h", [ev, ev2], alarm=alarm_name)


def still_climbing(tail: list[float], rise: float) -> bool:
    """Memory rising through `tail` in many small steps (most steps up, none more than half the climb)."""
    steps = [b - a for a, b in zip(tail, tail[1:], strict=False)]
    span = tail[-1] - tail[0] if tail else 0.0
    return bool(steps) and span >= 0.2 * rise and span > 0 and \
        sum(1 for step in steps if step > 0) >= 0.6 * len(steps) and max(steps) <= 0.5 * span


async def _workload(workload: str, calls: Calls, *, app: bool = True) -> None:
    namespace, _, name = split_target(workload)
    listed, ev = await calls("list_metrics", namespace=CONTAINER_INSIGHTS, dimensions={"Namespace": namespace, "PodName": name},
                             max_results=200)
    series = {m["metric"]: m["dimensions"] for m in (listed or {}).get("metrics") or []
              if set(m["dimensions"]) - {"ClusterName", "Namespace", "PodName"} == set()}
    if "pod_memory_utilization_over_pod_limit" in series:
        data, ev2 = await calls("get_metric_data", namespace=CONTAINER_INSIGHTS, metric_name="pod_memory_utilization_over_pod_limit",
                                dimensions=series["pod_memory_utilization_over_pod_limit"], start="-3h", period=300,
                                statistics=["Maximum"])
        values = (((data or {}).get("series") or {}).get("Maximum") or {}).get("values") or []
        if len(values) >= 6:
            third = max(1, len(values) // 3)
            early = sum(values[:third]) / third
            middle = sum(values[third:2 * third]) / third
            late = max(values[-third:])
            rise = late - early
            # A leak climbs through the whole window, or -- begun with a release inside it -- through its last
            # third; a step (a lowered limit, a new release's bigger footprint) jumps once and stays flat.
            gradual = rise > 0 and (0.2 * rise <= middle - early <= 0.8 * rise or still_climbing(values[-third:], rise))
            if rise >= MEMORY_RAMP_POINTS and gradual:
                exhaustion = hours_to_limit(values, period_s=300)
                when = f"; at this rate it reaches the limit in about {exhaustion:.1f} h" if exhaustion is not None else ""
                calls.find(workload, "MemoryRamp", f"{workload} memory rose from {early:.0f}% to {late:.0f}% of its limit "
                           f"over 3 h{when}", [ev, ev2], early_percent=round(early, 1), late_percent=round(late, 1),
                           exhaustion_in_h=round(exhaustion, 2) if exhaustion is not None else None)
    if "container_cpu_throttled_ratio" in series:
        data, ev3 = await calls("get_metric_data", namespace=CONTAINER_INSIGHTS, metric_name="container_cpu_throttled_ratio",
                                dimensions=series["container_cpu_throttled_ratio"], start="-30m", period=60,
                                statistics=["Average"])
        values = (((data or {}).get("series") or {}).get("Average") or {}).get("values") or []
        recent = values[-10:]
        if recent and sum(recent) / len(recent) >= THROTTLED_PERCENT:
            calls.find(workload, "CpuThrottled", f"{workload} CPU throttled {sum(recent) / len(recent):.0f}% of the time "
                       "in the last 10 minutes", [ev, ev3], severity="critical", throttled_percent=round(sum(recent) / len(recent), 1))
    # The workload's service, as the app reports it: latency and 5xx.
    if app:
        await _app_anomalies(workload, namespace, name, calls)


def hours_to_limit(percent_of_limit: list[float], *, period_s: int) -> float | None:
    """Time to exhaustion: the least-squares slope of the last third of the series (percent of the limit
    per datapoint), extrapolated to 100%. None when it is not climbing."""
    recent = percent_of_limit[-max(3, len(percent_of_limit) // 3):]
    n = len(recent)
    mean_x, mean_y = (n - 1) / 2, sum(recent) / n
    slope = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(recent)) / sum((i - mean_x) ** 2 for i in range(n))
    if slope <= 0:
        return None
    return max(0.0, (100.0 - recent[-1]) / slope) * period_s / 3600


async def _app_anomalies(resource: str, namespace: str, name: str, calls: Calls) -> None:
    app, ev = await calls("list_metrics", namespace="Application", dimensions={"Namespace": namespace, "Service": name})
    metrics = {m["metric"]: m["dimensions"] for m in (app or {}).get("metrics") or []}
    for metric, dimensions in metrics.items():
        if metric not in ("LatencyP99", "5xxCount"):
            continue
        statistic = "Sum" if metric == "5xxCount" else "Average"
        report, ev2 = await calls("detect_anomalies", namespace="Application", metric_name=metric,
                                  dimensions=dimensions, start="-3h", statistic=statistic)
        ongoing = _ongoing(_intervals(report), datetime.now(UTC))
        if not ongoing:
            continue
        if metric == "5xxCount" and "RequestCount" in metrics:
            steady, read = await _error_rate_steady(dimensions, metrics["RequestCount"], str(ongoing.get("start")), calls)
            if steady:
                # More requests bring more errors at the same rate: a traffic surge, not a failing service.
                calls.find(resource, "ErrorsWithTraffic", f"{name} 5xxCount rose with its requests since {ongoing.get('start')}: "
                           f"{steady}", [ev, ev2, *read], severity="info", onset=ongoing.get("start"), metric=metric)
                continue
        calls.find(resource, _signal_for(metric), f"{name} {metric} anomalous since {ongoing.get('start')}",
                   [ev, ev2], onset=ongoing.get("start"), metric=metric)


ERROR_RATE_RISE = 1.5  # the error rate must grow by half (and a percentage point) to be the service's own failure


async def _error_rate_steady(error_dims: dict, request_dims: dict, onset: str, calls: Calls) -> tuple[str, list[str]]:
    """An error-count anomaly that is the traffic's, not the service's: ("" when the error rate itself rose, else
    the rates before and since the onset). Counts rise with requests; the rate is what a failing service moves."""
    start = parse_time(onset)
    sums = []
    evidence = []
    for metric, dims in (("5xxCount", error_dims), ("RequestCount", request_dims)):
        data, ev = await calls("get_metric_data", namespace="Application", metric_name=metric, dimensions=dims,
                               start="-3h", period=300, statistics=["Sum"])
        evidence.append(ev)
        series = (((data or {}).get("series") or {}).get("Sum")) or {}
        points = list(zip(series.get("timestamps") or [], series.get("values") or [], strict=False))
        if start is None or not points:
            return "", evidence
        before = sum(v for t, v in points if (parse_time(t) or start) < start)
        since = sum(v for t, v in points if (parse_time(t) or start) >= start)
        sums.append((before, since))
    (errors_before, errors_since), (requests_before, requests_since) = sums
    if requests_before <= 0 or requests_since <= 0:
        return "", evidence
    rate_before, rate_since = errors_before / requests_before, errors_since / requests_since
    if rate_since > max(rate_before * ERROR_RATE_RISE, rate_before + 0.01):
        return "", evidence
    return (f"the error rate is {100 * rate_since:.2f}% (it was {100 * rate_before:.2f}% before): the traffic grew, "
            "not the share that fails"), evidence
