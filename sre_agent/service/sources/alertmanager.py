"""Prometheus Alertmanager webhooks (version "4") as incidents and resolutions. As with CloudWatch
alarms (app/intake.py), only an alert's labels say where to look, read with the kube-state-metrics
conventions; annotations are prose for humans and end up only in a title or a reason."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...app.intake import LOOKBACK, IntakeError
from ...contracts import Incident, resource_id

Severity = Literal["critical", "high", "medium", "low"]
SEVERITIES: dict[str, Severity] = {"critical": "critical", "high": "high", "medium": "medium", "low": "low",
                                   "page": "critical", "warning": "medium", "info": "low"}
# Kubernetes names: a namespace is a DNS label, other objects DNS subdomains. A label value that is
# not one is not a resource to point at (and could not be written as namespace/Kind/name).
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_DNS_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")
# A Deployment's pod: <deployment>-<pod-template-hash>-<suffix>. Both random parts use Kubernetes'
# safe alphabet (no vowels, no 0/1/3), so "api-canary-x2x4z" is not mistaken for a Deployment "api".
_SAFE = "[bcdfghjklmnpqrstvwxz2456789]"
_DEPLOYMENT_POD = re.compile(rf"(?P<name>[a-z0-9][-a-z0-9.]*?)-{_SAFE}{{5,10}}-{_SAFE}{{5}}")
_FINGERPRINT = re.compile(r"[0-9a-f]{1,64}")
_WORKLOADS = (("deployment", "Deployment"), ("statefulset", "StatefulSet"), ("daemonset", "DaemonSet"),
              ("service", "Service"))


class AlertmanagerPayloadError(IntakeError):
    """A webhook body that is not an Alertmanager version 4 payload; says which field and why."""


class AlertmanagerAlert(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime
    endsAt: datetime | None = None  # "0001-01-01T00:00:00Z" while firing
    generatorURL: str = ""
    fingerprint: str | None = None


class AlertmanagerPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: Literal["4"]
    groupKey: str = ""
    truncatedAlerts: int = 0
    status: Literal["firing", "resolved"]
    receiver: str = ""
    groupLabels: dict[str, str] = Field(default_factory=dict)
    commonLabels: dict[str, str] = Field(default_factory=dict)
    commonAnnotations: dict[str, str] = Field(default_factory=dict)
    externalURL: str = ""
    alerts: list[AlertmanagerAlert]


class Resolution(BaseModel):
    """An alert that stopped firing: it closes or annotates the incident with its correlation key."""

    correlation_key: str
    alert_name: str
    reason: str
    resolved_at: datetime


class AlertBatch(BaseModel):
    firing: list[Incident] = Field(default_factory=list)
    resolved: list[Resolution] = Field(default_factory=list)


def parse_payload(payload: Any) -> AlertmanagerPayload:
    if not isinstance(payload, dict):
        raise AlertmanagerPayloadError(f"an Alertmanager webhook body is a JSON object, not a {type(payload).__name__}")
    if payload.get("version") != "4":
        raise AlertmanagerPayloadError(f"Alertmanager webhook version {payload.get('version')!r} is not supported; sre-agent "
                                       "reads version \"4\" (every Alertmanager since 0.6)")
    try:
        return AlertmanagerPayload.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise AlertmanagerPayloadError(f"not an Alertmanager webhook payload -- {problems}") from None


def affected_from_labels(labels: dict[str, str]) -> list[str]:
    """Where the alert points, by kube-state-metrics / kube-prometheus label names."""
    namespace = labels.get("namespace", "")
    namespace = namespace if _DNS_LABEL.fullmatch(namespace) else ""
    if namespace:
        for label, kind in _WORKLOADS:
            if _DNS_NAME.fullmatch(labels.get(label, "")):
                return [resource_id(kind, labels[label], namespace)]
        pod = labels.get("pod", "")
        if _DNS_NAME.fullmatch(pod):
            owner = _DEPLOYMENT_POD.fullmatch(pod)
            return [resource_id("Deployment", owner["name"], namespace) if owner else resource_id("Pod", pod, namespace)]
    node = labels.get("node", "")
    if not node and "namespace" not in labels:
        # `instance` is a scrape target ("node-3:9100"); only on an alert about no namespace is it the node.
        node = re.sub(r":\d+$", "", labels.get("instance", ""))
    if _DNS_NAME.fullmatch(node):
        return [resource_id("Node", node)]
    return [namespace] if namespace else []


def correlation_key(alert: AlertmanagerAlert) -> str:
    """Alertmanager's fingerprint identifies one alert (one label set) across notifications; without
    one, the same hash of the sorted labels (16 hex, the fingerprint's length)."""
    fingerprint = alert.fingerprint if alert.fingerprint and _FINGERPRINT.fullmatch(alert.fingerprint) else None
    if fingerprint is None:
        fingerprint = hashlib.sha1(json.dumps(sorted(alert.labels.items())).encode()).hexdigest()[:16]
    return f"alertmanager:{fingerprint}"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _reason(alert: AlertmanagerAlert) -> str | None:
    return alert.annotations.get("summary") or alert.annotations.get("description") or None


def _incident(alert: AlertmanagerAlert, now: datetime) -> Incident:
    name = alert.labels.get("alertname") or "unnamed alert"
    started = _utc(alert.startsAt)  # one spelling of the time, so the id does not depend on the sender's offset
    key = correlation_key(alert)
    digest = hashlib.sha1(f"{key}|{started.isoformat()}".encode()).hexdigest()[:8]
    reason = _reason(alert)
    return Incident(
        id=f"inc-{started.strftime('%Y%m%d-%H%M')}-{digest}", source="alarm",
        title=f"{name}: {reason}" if reason else name,
        severity=SEVERITIES.get(alert.labels.get("severity", "").lower(), "high"),
        started_at=started, window_start=started - LOOKBACK, window_end=now, affected=affected_from_labels(alert.labels),
        correlation_key=key,
        # The shape of a CloudWatch alarm, so the graph and reports read both alike; no metric behind it.
        alarm={"AlarmName": name, "NewStateValue": "ALARM", "NewStateReason": reason, "Source": "alertmanager",
               "Labels": dict(alert.labels),
               "Trigger": {"MetricName": None, "Namespace": None, "Dimensions": {}, "Period": None, "EvaluationPeriods": None}})


def _resolution(alert: AlertmanagerAlert, now: datetime) -> Resolution:
    ended = alert.endsAt if alert.endsAt and alert.endsAt.year > 1 else now
    return Resolution(correlation_key=correlation_key(alert), alert_name=alert.labels.get("alertname") or "unnamed alert",
                      reason=_reason(alert) or "resolved in Alertmanager",
                      resolved_at=_utc(ended))


def alertmanager_batch(payload: dict[str, Any], now: datetime | None = None) -> AlertBatch:
    """The incidents a webhook's firing alerts open and the resolutions its resolved alerts bring. Each
    alert's own status counts, not the group's: a "firing" group can carry resolved alerts."""
    parsed = parse_payload(payload)
    now = now or datetime.now(UTC)
    batch = AlertBatch()
    for alert in parsed.alerts:
        if alert.status == "firing":
            batch.firing.append(_incident(alert, now))
        else:
            batch.resolved.append(_resolution(alert, now))
    return batch
