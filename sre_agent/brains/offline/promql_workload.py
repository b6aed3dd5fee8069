"""The offline Metrics agent's workload questions asked of Prometheus: the PromQL of promql_questions.yaml over
kube-state-metrics, cAdvisor and the apps' http_* metrics, judged as the CloudWatch readings are
(metric_judgement.py) -- a memory ramp towards the limit, CPU throttling, latency or 5xx off their baseline, an
error count that only grew with the traffic. Each finding quotes the PromQL it read."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from importlib import resources
from string import Template
from typing import Any

import yaml

from ...graph.state import Task
from .calls import Calls, split_target
from .metric_judgement import (
    QUIET_POINTS,
    back_at_baseline,
    error_rate_steady,
    intervals_of,
    memory_ramp,
    ongoing,
    throttled_percent,
)

HISTORY = "-3h"


@cache
def _questions() -> dict[str, Any]:
    return yaml.safe_load(resources.files(__package__).joinpath("promql_questions.yaml").read_text(encoding="utf-8"))


def promql(question: str, **names: str) -> str:
    """A question's PromQL for these names (label values escaped as PromQL strings)."""
    return Template(_questions()["questions"][question]).substitute(names)


def pods_regex(kind: str | None, name: str) -> str:
    """The workload's pod names as its controller names them (a regex for `pod=~`). A Kubernetes name is
    lowercase letters, digits, '-' and '.': only the dot is special, and "[.]" needs no escape inside a PromQL
    string (where a backslash would)."""
    pods = _questions()["pods"]
    return Template(pods.get(kind or "", pods["default"])).substitute(name=name.replace(".", "[.]"))


def _points(data: Any) -> list[tuple[str, float]]:
    series = ((data or {}).get("series") or [{}])[0]
    return list(zip(series.get("timestamps") or [], series.get("values") or [], strict=False))


async def investigate(task: Task, calls: Calls) -> bool:
    """The workload (or service) question of `task` in Prometheus; False when Prometheus could not be read."""
    namespace, kind, name = split_target(task.target)
    if not namespace or not name:
        return False
    if kind == "Service" or task.question == "service":
        return await _app(task.target, namespace, name, calls)
    pods = pods_regex(kind, name)
    read = await _memory(task.target, namespace, pods, calls)
    if read:
        await _throttling(task.target, namespace, pods, calls)
        if task.question != "container_resources":
            await _app(task.target, namespace, name, calls)
    return read


async def firing(target: str, calls: Calls) -> bool:
    """The alerts Prometheus holds firing (in `target`'s namespace, by the alert's namespace label, when scoped)."""
    namespace = None if target == "cluster" else target.split("/", 1)[0]
    data, ev = await calls("prometheus_alerts")
    if data is None:
        return False
    held = [a for a in data.get("alerts") or [] if a.get("state") == "firing"
            and (namespace is None or (a.get("labels") or {}).get("namespace") in (None, namespace))]
    for alert in held:
        labels = alert.get("labels") or {}
        where = labels.get("namespace") or target
        calls.find(where, "AlarmFiring", f"alert {alert.get('name')} is firing in Prometheus since {alert.get('active_at')}",
                   ev, alarm=alert.get("name"), labels=labels)
    if not held:
        calls.find(target, "NoAlarmsFiring", f"no Prometheus alert is firing{f' in {namespace}' if namespace else ''}", ev,
                   severity="info")
    return True


async def _memory(workload: str, namespace: str, pods: str, calls: Calls) -> bool:
    query = promql("memory_percent_of_limit", namespace=namespace, pods=pods)
    data, ev = await calls("promql_range", query=query, start=HISTORY, step=300)
    if data is None:
        return False
    ramp = memory_ramp([v for _, v in _points(data)], period_s=300)
    if ramp:
        when = f"; at this rate it reaches the limit in about {ramp.exhaustion_in_h:.1f} h" \
            if ramp.exhaustion_in_h is not None else ""
        calls.find(workload, "MemoryRamp", f"{workload} memory rose from {ramp.early:.0f}% to {ramp.late:.0f}% of its limit "
                   f"over 3 h{when} (`{query}`)", ev, early_percent=round(ramp.early, 1), late_percent=round(ramp.late, 1),
                   exhaustion_in_h=round(ramp.exhaustion_in_h, 2) if ramp.exhaustion_in_h is not None else None,
                   promql=query)
    return True


async def _throttling(workload: str, namespace: str, pods: str, calls: Calls) -> None:
    query = promql("cpu_throttled_percent", namespace=namespace, pods=pods)
    data, ev = await calls("promql_range", query=query, start="-30m", step=60)
    throttled = throttled_percent([v for _, v in _points(data)])
    if throttled is not None:
        calls.find(workload, "CpuThrottled", f"{workload} CPU throttled {throttled:.0f}% of the time in the last 10 minutes "
                   f"(`{query}`)", ev, severity="critical", throttled_percent=round(throttled, 1), promql=query)


async def _app(resource: str, namespace: str, service: str, calls: Calls) -> bool:
    """The service's latency and 5xx off their baseline, as its own http_* metrics say."""
    names = {"namespace": namespace, "service": service}
    read = False
    for question, signal in (("latency_p99_ms", "LatencyAnomaly"), ("errors_per_minute", "ErrorAnomaly")):
        query = promql(question, **names)
        report, ev = await calls("promql_anomalies", query=query, start=HISTORY, step=60)
        if report is None:
            continue
        read = True
        series = (report.get("series") or [None])[0]
        current = ongoing(intervals_of(series), datetime.now(UTC)) if series else None
        if not current:
            continue
        if current.get("end") and (current.get("points") or 0) <= QUIET_POINTS:  # a short burst: is it over?
            data, ev2 = await calls("promql_range", query=query, start=HISTORY, step=60)
            if (back := back_at_baseline(_points(data), current, (series or {}).get("baseline") or {})) is not None:
                calls.find(resource, "PastAnomaly", f"{service} {question} was anomalous {current.get('start')} .. "
                           f"{current.get('end')} and has been back inside its baseline for {back} points since (`{query}`)",
                           [ev, ev2], severity="info", start=current.get("start"), end=current.get("end"), promql=query)
                continue
        onset = str(current.get("start"))
        if question == "errors_per_minute":
            steady, evidence = await _errors_with_traffic(names, onset, calls)
            if steady:
                # More requests bring more errors at the same rate: a traffic surge, not a failing service.
                calls.find(resource, "ErrorsWithTraffic", f"{service} 5xx rose with its requests since {onset}: {steady}",
                           [ev, *evidence], severity="info", onset=onset, metric=question, promql=query)
                continue
        calls.find(resource, signal, f"{service} {question} anomalous since {onset} (`{query}`)", ev, onset=onset,
                   metric=question, promql=query)
    return read


async def _errors_with_traffic(names: dict[str, str], onset: str, calls: Calls) -> tuple[str, list[str]]:
    read, evidence = [], []
    for question in ("errors_per_minute", "requests_per_minute"):
        data, ev = await calls("promql_range", query=promql(question, **names), start=HISTORY, step=60)
        read.append(_points(data))
        evidence.append(ev)
    return error_rate_steady(read[0], read[1], onset), evidence
