"""Reading a pod's status: readiness, terminal phases, container states, which container an event is about."""

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
