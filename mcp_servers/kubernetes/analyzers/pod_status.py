"""Reading a pod's status: readiness, terminal phases, container states, probe events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .view import KubeObject, status_of


def pod_is_terminal(pod: KubeObject) -> bool:
    """Succeeded and Failed pods never run again and never become endpoints."""
    return status_of(pod).get("phase") in ("Succeeded", "Failed")


def pod_is_ready(pod: KubeObject) -> bool:
    """The Ready condition when the kubelet wrote one, else every container ready."""
    status = status_of(pod)
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    statuses = status.get("containerStatuses") or []
    return bool(statuses) and all(cs.get("ready") for cs in statuses)


def container_statuses(pod: KubeObject) -> Iterator[tuple[str, dict[str, Any]]]:
    """(field, status) for init containers then containers."""
    status = status_of(pod)
    for field in ("initContainerStatuses", "containerStatuses"):
        for container_status in status.get(field) or []:
            yield field, container_status


def pod_state_summary(pod: KubeObject) -> str:
    """kubectl's STATUS column, roughly: the first waiting/terminated reason, else the phase."""
    for _, cs in container_statuses(pod):
        state = cs.get("state") or {}
        for key in ("waiting", "terminated"):
            reason = (state.get(key) or {}).get("reason")
            if reason and reason != "Completed":
                return reason
    phase = status_of(pod).get("phase") or "Unknown"
    return phase if pod_is_ready(pod) or phase != "Running" else "Running, not ready"


def event_container(event: KubeObject) -> str | None:
    """The container an event is about, from involvedObject.fieldPath "spec.containers{api}"."""
    field_path = (event.get("involvedObject") or {}).get("fieldPath") or ""
    if "{" in field_path and field_path.endswith("}"):
        return field_path[field_path.index("{") + 1 : -1]
    return None


def describe_event(event: KubeObject) -> str:
    """`event Warning/Unhealthy x12 (last 2024-05-01T10:00:00Z): Readiness probe failed: ...`"""
    count = event.get("count")
    when = event.get("lastTimestamp") or event.get("eventTime") or ""
    parts = [f"event {event.get('type') or 'Normal'}/{event.get('reason') or '?'}"]
    if count and count > 1:
        parts.append(f"x{count}")
    if when:
        parts.append(f"(last {when})")
    return " ".join(parts) + f": {event.get('message') or ''}"


def describe_probe(kind: str, probe: dict[str, Any] | None) -> str | None:
    """`readinessProbe httpGet /healthz port 8080` -- what the kubelet is checking."""
    if not probe:
        return None
    if probe.get("httpGet"):
        check = probe["httpGet"]
        target = f"httpGet {check.get('path', '/')} port {check.get('port')}"
    elif probe.get("tcpSocket"):
        target = f"tcpSocket port {probe['tcpSocket'].get('port')}"
    elif probe.get("exec"):
        target = "exec " + " ".join(str(a) for a in probe["exec"].get("command") or [])
    elif probe.get("grpc"):
        target = f"grpc port {probe['grpc'].get('port')}"
    else:
        target = "(no handler)"
    timing = ", ".join(
        f"{field}={probe[field]}"
        for field in ("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold")
        if field in probe
    )
    return f"{kind} {target}" + (f" ({timing})" if timing else "")
