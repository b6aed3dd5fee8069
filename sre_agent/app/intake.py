"""Turning what arrives -- a CloudWatch alarm (raw, via SNS or EventBridge), an Alertmanager
webhook, a chat question, a sweep -- into an Incident. The alarm's own dimensions say where to
look first; nothing else about the alarm is trusted to steer the investigation."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from ..contracts import Incident, parse_time, resource_id

LOOKBACK = timedelta(hours=1)
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


class IntakeError(ValueError):
    pass


class AlarmResolved(IntakeError):
    """The notification says an alarm returned to OK: it resolves or annotates an incident and never
    starts a run. Callers that can say so nicely (the service, the CLI) catch it; any other caller
    is refused rather than investigating a resolution."""

    def __init__(self, alarm_name: str, reason: str | None, changed_at: str | None,
                 correlation_key: str | None = None) -> None:
        self.alarm_name, self.reason, self.changed_at = alarm_name, reason, changed_at
        self.correlation_key = correlation_key or alarm_correlation_key(alarm_name, {})
        super().__init__(f"alarm {alarm_name} is back to OK{f' ({reason})' if reason else ''}: "
                         "a resolution, not a new problem -- resolved/annotated, no investigation started")


def _unwrap(payload: dict[str, Any]) -> dict[str, Any]:
    """SNS envelope -> alarm; EventBridge 'CloudWatch Alarm State Change' -> alarm-like dict."""
    if "Records" in payload and payload["Records"]:
        payload = payload["Records"][0].get("Sns", payload["Records"][0])
    if "Message" in payload and isinstance(payload["Message"], str):
        try:
            payload = json.loads(payload["Message"])
        except ValueError:
            raise IntakeError("SNS message body is not JSON; expected a CloudWatch alarm notification") from None
    if payload.get("detail-type") == "CloudWatch Alarm State Change":
        detail = payload.get("detail", {})
        metric_stat = ((detail.get("configuration") or {}).get("metrics") or [{}])[0].get("metricStat", {})
        metric = metric_stat.get("metric", {})
        payload = {"AlarmName": detail.get("alarmName"), "NewStateValue": (detail.get("state") or {}).get("value"),
                   "AWSAccountId": payload.get("account"), "AlarmArn": (payload.get("resources") or [None])[0],
                   "RegionCode": payload.get("region"),
                   "NewStateReason": (detail.get("state") or {}).get("reason"),
                   "StateChangeTime": payload.get("time"),
                   "Trigger": {"MetricName": metric.get("name"), "Namespace": metric.get("namespace"),
                               "Period": metric_stat.get("period"),
                               "Dimensions": [{"name": k, "value": v} for k, v in (metric.get("dimensions") or {}).items()]}}
    return payload


def alarm_origin(alarm: dict[str, Any]) -> dict[str, str]:
    """The account and region an alarm lives in, as its notification says them: EventBridge's `account` and
    `region`, an SNS notification's `AWSAccountId` and its `AlarmArn` (arn:aws:cloudwatch:<region>:<account>:alarm:..)
    -- what ties an alarm to a cluster that has an account of its own (app/cluster_routing.py)."""
    arn = str(alarm.get("AlarmArn") or "").split(":")
    account = alarm.get("AWSAccountId") or (arn[4] if len(arn) > 5 else None)
    region = alarm.get("RegionCode") or (arn[3] if len(arn) > 5 else None)
    return {k: str(v) for k, v in (("AWSAccountId", account), ("Region", region)) if v}


def alarm_correlation_key(alarm_name: str, dimensions: dict[str, str]) -> str:
    """One CloudWatch alarm on one set of dimensions is one problem: its notifications (ALARM again,
    OK) belong to the same open incident."""
    dims = ",".join(f"{k}={v}" for k, v in sorted(dimensions.items()) if k)
    return f"cloudwatch:{alarm_name}|{dims}"


def _dimensions(trigger: dict[str, Any]) -> dict[str, str]:
    return {d.get("name") or d.get("Name"): d.get("value") or d.get("Value") for d in trigger.get("Dimensions") or []
            if isinstance(d, dict)}


# The dimensions that name where to look, first match wins: Container Insights' names, then the label names
# kube-state-metrics and the kubelet give their series, which the CloudWatch agent's Prometheus scrape keeps as
# dimension names (`namespace`, `job_name`, `persistentvolumeclaim`, ...).
NAMESPACE_DIMENSIONS = ("Namespace", "namespace")
OBJECT_DIMENSIONS = (("Service", "Service"), ("PodName", "Deployment"), ("deployment", "Deployment"),
                     ("statefulset", "StatefulSet"), ("daemonset", "DaemonSet"), ("job_name", "Job"),
                     ("cronjob", "CronJob"), ("persistentvolumeclaim", "PersistentVolumeClaim"),
                     ("horizontalpodautoscaler", "HorizontalPodAutoscaler"), ("pod", "Pod"))
NODE_DIMENSIONS = ("NodeName", "node")


def affected_from_dimensions(dimensions: dict[str, str]) -> list[str]:
    namespace = next((dimensions[k] for k in NAMESPACE_DIMENSIONS if dimensions.get(k)), None)
    if namespace:
        for key, kind in OBJECT_DIMENSIONS:
            if dimensions.get(key):
                return [resource_id(kind, dimensions[key], namespace)]
    node = next((dimensions[k] for k in NODE_DIMENSIONS if dimensions.get(k)), None)
    if node:
        return [resource_id("Node", node)]
    if namespace:
        return [namespace]
    return []


def incident_from_alarm(payload: dict[str, Any], now: datetime | None = None) -> Incident:
    """The incident an alarm notification opens; AlarmResolved when its new state is OK."""
    alarm = _unwrap(payload)
    name = alarm.get("AlarmName")
    if not name:
        raise IntakeError("not a CloudWatch alarm: no AlarmName (expected raw alarm JSON, an SNS notification, "
                          "or an EventBridge 'CloudWatch Alarm State Change' event)")
    trigger = alarm.get("Trigger") or {}
    dims = _dimensions(trigger)
    if alarm.get("NewStateValue") == "OK":
        raise AlarmResolved(name, alarm.get("NewStateReason"), alarm.get("StateChangeTime"),
                            correlation_key=alarm_correlation_key(name, dims))
    now = now or datetime.now(UTC)
    changed = alarm.get("StateChangeTime")
    started = parse_time(changed) or now  # no zone: UTC, as CloudWatch means it
    digest = hashlib.sha1(f"{name}|{started.isoformat()}".encode()).hexdigest()[:8]
    return Incident(
        id=f"inc-{started.strftime('%Y%m%d-%H%M')}-{digest}", source="alarm",
        title=f"{name}: {alarm.get('AlarmDescription') or trigger.get('MetricName', '')}".strip(": "),
        severity=alarm.get("Severity", "high") if alarm.get("Severity") in ("critical", "high", "medium", "low") else "high",
        started_at=started, window_start=started - LOOKBACK, window_end=now, affected=affected_from_dimensions(dims),
        correlation_key=alarm_correlation_key(name, dims),
        alarm={"AlarmName": name, "NewStateValue": alarm.get("NewStateValue"), "NewStateReason": alarm.get("NewStateReason"),
               **alarm_origin(alarm),
               # Period and evaluation periods: how long the alarm needs to see a fix (verification waits that long).
               "Trigger": {"MetricName": trigger.get("MetricName"), "Namespace": trigger.get("Namespace"), "Dimensions": dims,
                           "Period": trigger.get("Period"), "EvaluationPeriods": trigger.get("EvaluationPeriods"),
                           "ComparisonOperator": trigger.get("ComparisonOperator")}})


def alarm_payload(row: dict[str, Any]) -> dict[str, Any]:
    """An alarm as the cloudwatch server's describe_alarms lists it, as the notification CloudWatch would send for it:
    what incident_from_alarm reads (its dimensions name where to look)."""
    metric = row.get("metric") or {}
    return {"AlarmName": row.get("name"), "AlarmDescription": row.get("description"),
            "NewStateValue": row.get("state"), "NewStateReason": row.get("reason"), "StateChangeTime": row.get("updated"),
            "Trigger": {"MetricName": metric.get("name"), "Namespace": metric.get("namespace"),
                        "Dimensions": [{"name": k, "value": v} for k, v in (row.get("dimensions") or {}).items()],
                        "Period": metric.get("period"), "EvaluationPeriods": row.get("evaluation_periods"),
                        "ComparisonOperator": row.get("comparison")}}


def incident_from_question(question: str, now: datetime | None = None, namespace: str | None = None) -> Incident:
    """A question as an incident; `namespace` scopes it (kubectl's -n), None asks about every namespace."""
    question = question.strip()
    if not question:
        raise IntakeError("the question is empty")
    if namespace is not None and not _DNS_LABEL.fullmatch(namespace):
        raise IntakeError(f"namespace {namespace!r} is not a Kubernetes namespace name (lowercase letters, digits and "
                          "'-', at most 63 characters)")
    now = now or datetime.now(UTC)
    digest = hashlib.sha1(f"{question}|{now.isoformat()}".encode()).hexdigest()[:8]
    return Incident(id=f"chat-{now.strftime('%Y%m%d-%H%M%S')}-{digest}", source="chat", title=question[:120],
                    severity="low", started_at=now, window_start=now - LOOKBACK, window_end=now, question=question,
                    namespace=namespace)


def incident_for_sweep(now: datetime | None = None) -> Incident:
    now = now or datetime.now(UTC)
    return Incident(id=f"sweep-{now.strftime('%Y%m%d-%H%M%S')}", source="sweep", title="scheduled cluster health sweep",
                    severity="low", started_at=now, window_start=now - LOOKBACK, window_end=now)


def incident_for_trigger(alarm: dict[str, Any] | None, question: str | None) -> Incident:
    """The Incident a lab scenario opens (sre_agent.lab.trigger.ScenarioTrigger): its alarm, else its question."""
    if alarm is not None:
        return incident_from_alarm(alarm)
    if question is None:
        raise IntakeError("a scenario trigger carries neither an alarm nor a question")
    return incident_from_question(question)
