"""The offline metrics specialist: when did the alarmed metric change, and what do the suspect
workload's own series say (memory climbing towards its limit, CPU throttled, latency or errors
off their baseline)?

It discovers exact dimensions with list_metrics instead of assuming a cluster name, and reads
anomalies from the server's detector rather than eyeballing thresholds."""

from __future__ import annotations

from datetime import UTC, datetime

from ...contracts import resource_id
from ...graph.health import from_alertmanager
from ...graph.state import Investigation, Task
from ...metric_kinds import said_symptom_metrics, symptom_rise
from . import prometheus_alert, promql_workload
from .calls import Calls, split_target
from .metric_judgement import (
    QUIET_POINTS,
    THROTTLED_PERCENT,
    back_at_baseline,
    error_rate_steady,
    intervals_of,
    memory_ramp,
    ongoing,
    points_of,
    request_drop,
    request_surge,
    signal_for,
    throttled_percent,
)

__all__ = ["CONTAINER_INSIGHTS", "THROTTLED_PERCENT", "investigate"]

CONTAINER_INSIGHTS = "ContainerInsights"
MAX_SYMPTOM_SERVICES = 40  # series read per said symptom at most: a question waits for these


async def investigate(task: Task, state: Investigation, calls: Calls) -> None:
    """Each question read where it lives: an alarm in CloudWatch, an Alertmanager alert in Prometheus; a workload's
    or a service's series in the source `metrics.source` names -- with `both`, Prometheus first and CloudWatch when
    Prometheus could not be read."""
    source = state.metrics_source
    if task.question == "alarm" and source != "cloudwatch" and from_alertmanager(state):
        # An Alertmanager alert has no CloudWatch alarm behind it: its rule and state are Prometheus'.
        await prometheus_alert.investigate(task, state, calls.at("prometheus"))
    elif task.question == "alarm":
        await _alarm(task, state, calls)
    elif task.question == "firing":
        if source != "cloudwatch":
            await promql_workload.firing(task.target, calls.at("prometheus"))
        if source != "prometheus":
            await _firing(task.target, calls)
    elif source != "cloudwatch" and await promql_workload.investigate(task, calls.at("prometheus")):
        return
    elif source == "prometheus":
        return  # Prometheus could not be read: its tool errors are the evidence; CloudWatch is not this run's source
    elif task.question == "service":
        await _service(task.target, calls)
    elif task.question == "symptoms":
        await _symptoms(task.target, state.incident.question or "", calls)
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


async def _symptoms(target: str, question: str, calls: Calls) -> None:
    """A question that says a symptom ("bookings spin and time out", "pages slow since 9") and names nothing found:
    the service whose own telemetry shows that symptom now is what it is about. Each service's app metric for the
    symptom (metric_kinds.said_symptom_metrics) is read through the detector against its own baseline; the three
    rising most (metric_kinds.symptom_rise, as chat ranks them) are judged like any degraded service (a rise that only
    followed traffic is no fault), and the one rising most of those is located -- investigated as if named. A static
    finding elsewhere (a suspended CronJob, a Pending pod in another namespace) is no answer to "why is it slow" while a
    service's own latency says where the slowness is. `target`: the namespace the question is scoped to, or "cluster"."""
    namespace = None if target == "cluster" else target
    rising: dict[str, tuple[float, str]] = {}  # namespace/Service/name -> (its ongoing rise over its baseline, evidence)
    for metric in said_symptom_metrics(question):
        listed, ev = await calls("list_metrics", namespace="Application", metric_name=metric, max_results=500)
        for series in ((listed or {}).get("metrics") or [])[:MAX_SYMPTOM_SERVICES]:
            dims = series.get("dimensions") or {}
            where, service = dims.get("Namespace"), dims.get("Service")
            if not where or not service or (namespace and where != namespace):
                continue
            report, ev2 = await calls("detect_anomalies", namespace="Application", metric_name=metric, dimensions=dims,
                                      start="-3h", statistic="Sum" if metric == "5xxCount" else "Average")
            rid = resource_id("Service", service, where)
            if (rise := symptom_rise(report)) is not None and rise > rising.get(rid, (-1.0, ""))[0]:
                rising[rid] = (rise, ev2)
    for rid in sorted(rising, key=lambda r: rising[r][0], reverse=True)[:3]:
        where, _, service = split_target(rid)
        await _app_anomalies(rid, str(where), str(service), calls)
    judged = {f.resource for f in calls.findings if f.signal in ("LatencyAnomaly", "ErrorAnomaly") and f.resource in rising}
    if judged:
        worst = max(judged, key=lambda r: rising[r][0])
        calls.find(worst, "Located", f"the question says a symptom and names nothing found: {worst}'s own "
                   f"{' and '.join(said_symptom_metrics(question))} rose and is still off its baseline", rising[worst][1],
                   severity="info", via="symptoms")


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
    # when the alarm asked about fired (its last move to ALARM): a change made after it did not bring what fired
    # (recorded on the alarm itself: a fact of the alarm, not a symptom of the object it watches)
    calls.find(f"Alarm/{alarm_name}", "AlarmFired", f"alarm {alarm_name} fired at {state.incident.started_at:%Y-%m-%dT%H:%M:%SZ}", ev,
               severity="info", fired=state.incident.started_at.isoformat(), state=alarm.get("state"))
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
    statistic = metric.get("statistic") or "Average"
    series, ev3 = await calls("get_metric_data", namespace=metric["namespace"], metric_name=metric["name"],
                              dimensions=alarm.get("dimensions") or {}, start="-3h", statistics=[statistic])
    now = datetime.now(UTC)
    intervals = intervals_of(report)
    current = ongoing(intervals, now)
    back = back_at_baseline(points_of(series, statistic), intervals[-1], (report or {}).get("baseline") or {}) if intervals else None
    if back is not None:
        # One burst that is over: the series has stayed in its baseline's band since (the alarm may still read ALARM
        # while its look-back window holds the burst). What drove it is for the other agents; it is not going on.
        last = intervals[-1]
        calls.find(task.target, "PastAnomaly", f"{metric['name']} was anomalous {last.get('start')} .. {last.get('end')} "
                   f"(peak {last.get('max_value')}) and has been back inside its baseline for {back} points since",
                   [ev, ev2, ev3], severity="info", start=last.get("start"), end=last.get("end"), recovered_points=back)
    elif current:
        summary = (f"{metric['name']} anomalous since {current.get('start')} (baseline "
                   f"{(report or {}).get('baseline', {})})")
        for resource in dict.fromkeys([task.target, *_workloads_named(state, namespace, name)]):
            calls.find(resource, signal_for(metric["name"]), summary, [ev, ev2], onset=current.get("start"),
                       metric=metric["name"], alarmed=True)
    elif intervals and alarm.get("state") == "ALARM":
        # The detector's interval ended (it adapts to a level it has seen for a while) but the alarm still
        # fires: a level shift that is still in place, not a recovery.
        first = intervals[0]
        summary = f"{metric['name']} shifted at {first.get('start')} and has not come back: alarm {alarm_name} is still firing"
        for resource in dict.fromkeys([task.target, *_workloads_named(state, namespace, name)]):
            calls.find(resource, signal_for(metric["name"]), summary, [ev, ev2], onset=first.get("start"),
                       metric=metric["name"], still_shifted=True, alarmed=True)
    elif intervals:
        last = intervals[-1]
        calls.find(task.target, "PastAnomaly", f"{metric['name']} was anomalous {last.get('start')} .. {last.get('end')} "
                   "and is back to its baseline", [ev, ev2], severity="info", start=last.get("start"), end=last.get("end"))
    if alarm.get("state") == "ALARM" and not (current or intervals):
        # The alarm fires and the detector saw no change in its window (a level raised for most of it, a
        # threshold set below normal): not a verdict of health -- the alarm is a fact a human must weigh.
        calls.find(task.target, "AlarmFiring", f"alarm {alarm_name} is in ALARM ({alarm.get('reason') or 'no reason given'}) "
                   f"but the detector found no change in {metric['name']} over 3 h", [ev, ev2], alarm=alarm_name)


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
        ramp = memory_ramp(values, period_s=300)
        if ramp:
            when = f"; at this rate it reaches the limit in about {ramp.exhaustion_in_h:.1f} h" \
                if ramp.exhaustion_in_h is not None else ""
            calls.find(workload, "MemoryRamp", f"{workload} memory rose from {ramp.early:.0f}% to {ramp.late:.0f}% of its "
                       f"limit over 3 h{when}", [ev, ev2], early_percent=round(ramp.early, 1), late_percent=round(ramp.late, 1),
                       exhaustion_in_h=round(ramp.exhaustion_in_h, 2) if ramp.exhaustion_in_h is not None else None)
    if "container_cpu_throttled_ratio" in series:
        data, ev3 = await calls("get_metric_data", namespace=CONTAINER_INSIGHTS, metric_name="container_cpu_throttled_ratio",
                                dimensions=series["container_cpu_throttled_ratio"], start="-30m", period=60,
                                statistics=["Average"])
        values = (((data or {}).get("series") or {}).get("Average") or {}).get("values") or []
        throttled = throttled_percent(values)
        if throttled is not None:
            calls.find(workload, "CpuThrottled", f"{workload} CPU throttled {throttled:.0f}% of the time "
                       "in the last 10 minutes", [ev, ev3], severity="critical", throttled_percent=round(throttled, 1))
    # The workload's service, as the app reports it: latency and 5xx.
    if app:
        await _app_anomalies(workload, namespace, name, calls)


async def _app_anomalies(resource: str, namespace: str, name: str, calls: Calls) -> None:
    app, ev = await calls("list_metrics", namespace="Application", dimensions={"Namespace": namespace, "Service": name})
    metrics = {m["metric"]: m["dimensions"] for m in (app or {}).get("metrics") or []}
    if "RequestCount" in metrics:
        await _request_surge(resource, resource_id("Service", name, namespace), metrics["RequestCount"], calls)
    for metric, dimensions in metrics.items():
        if metric not in ("LatencyP99", "5xxCount"):
            continue
        statistic = "Sum" if metric == "5xxCount" else "Average"
        report, ev2 = await calls("detect_anomalies", namespace="Application", metric_name=metric,
                                  dimensions=dimensions, start="-3h", statistic=statistic)
        current = ongoing(intervals_of(report), datetime.now(UTC))
        if not current:
            continue
        if current.get("end") and (current.get("points") or 0) <= QUIET_POINTS:  # a short burst: is it over?
            series, ev3 = await calls("get_metric_data", namespace="Application", metric_name=metric, dimensions=dimensions,
                                      start="-3h", statistics=[statistic])
            if (back := back_at_baseline(points_of(series, statistic), current, (report or {}).get("baseline") or {})) is not None:
                calls.find(resource, "PastAnomaly", f"{name} {metric} was anomalous {current.get('start')} .. "
                           f"{current.get('end')} and has been back inside its baseline for {back} points since",
                           [ev, ev2, ev3], severity="info", start=current.get("start"), end=current.get("end"))
                continue
        if metric == "5xxCount" and "RequestCount" in metrics:
            steady, read = await _error_rate_steady(dimensions, metrics["RequestCount"], str(current.get("start")), calls)
            if steady:
                # More requests bring more errors at the same rate: a traffic surge, not a failing service.
                calls.find(resource, "ErrorsWithTraffic", f"{name} 5xxCount rose with its requests since {current.get('start')}: "
                           f"{steady}", [ev, ev2, *read], severity="info", onset=current.get("start"), metric=metric)
                continue
        calls.find(resource, signal_for(metric), f"{name} {metric} anomalous since {current.get('start')}",
                   [ev, ev2], onset=current.get("start"), metric=metric)


async def _error_rate_steady(error_dims: dict, request_dims: dict, onset: str, calls: Calls) -> tuple[str, list[str]]:
    """The Sums of 5xxCount and RequestCount over 3 h, judged by metric_judgement.error_rate_steady."""
    read: list[list[tuple[str, float]]] = []
    evidence = []
    for metric, dims in (("5xxCount", error_dims), ("RequestCount", request_dims)):
        data, ev = await calls("get_metric_data", namespace="Application", metric_name=metric, dimensions=dims,
                               start="-3h", period=300, statistics=["Sum"])
        evidence.append(ev)
        read.append(points_of(data, "Sum"))
    return error_rate_steady(read[0], read[1], onset), evidence


async def _request_surge(resource: str, service: str, dimensions: dict, calls: Calls) -> None:
    """RequestSurge: the requests a service is sent multiplied and have not come back -- read before its CPU or latency
    is blamed on it (caller_load.py asks which caller changed just before); RequestDrop: they fell to a fraction --
    the callers are triaged (one that cannot start sends nothing). `service`: the Service the app's series are named
    for, whose callers are walked."""
    name = split_target(service)[2]
    report, ev = await calls("detect_anomalies", namespace="Application", metric_name="RequestCount", dimensions=dimensions,
                             start="-3h", statistic="Sum")
    if (surge := request_surge(report, datetime.now(UTC))) is not None:
        current, factor = surge
        calls.find(resource, "RequestSurge", f"{name} is sent {factor}x its usual requests since {current.get('start')} "
                   f"(baseline {((report or {}).get('baseline') or {}).get('median')}/min, peak {current.get('max_value')})",
                   ev, severity="info", onset=current.get("start"), factor=factor, service=service)
    elif (drop := request_drop(report, datetime.now(UTC))) is not None:  # asked less: its callers are walked
        current, share = drop
        calls.find(resource, "RequestDrop", f"{name} is sent {share:.0%} of its usual requests since {current.get('start')} "
                   f"(baseline {((report or {}).get('baseline') or {}).get('median')}/min, low {current.get('max_value')})",
                   ev, severity="info", onset=current.get("start"), share=share, service=service)
