"""How evidence lines are worded: one short line per event, condition or probe, quoting the
fields that matter and leaving out the empty ones."""

from __future__ import annotations

from typing import Any

from .view import KubeObject


def describe_fields(**values: Any) -> str:
    """`status=False reason=NodeStatusUnknown`, skipping empty values."""
    return " ".join(f"{key}={value}" for key, value in values.items() if value not in (None, ""))


def describe_condition(condition: dict[str, Any], field: str = "status.conditions") -> str:
    """`status.conditions[Ready]: status=Unknown reason=NodeStatusUnknown message=...`"""
    details = describe_fields(status=condition.get("status"), reason=condition.get("reason"),
                              message=condition.get("message"))
    return f"{field}[{condition.get('type')}]: {details}"


def describe_event(event: KubeObject, *, with_message: bool = True) -> str:
    """`event Warning/Unhealthy x12 (last 2024-05-01T10:00:00Z): Readiness probe failed: ...`"""
    count = event.get("count")
    when = event.get("lastTimestamp") or event.get("eventTime") or ""
    parts = [f"event {event.get('type') or 'Normal'}/{event.get('reason') or '?'}"]
    if count and count > 1:
        parts.append(f"x{count}")
    if when:
        parts.append(f"(last {when})")
    line = " ".join(parts)
    return f"{line}: {event.get('message') or ''}" if with_message else line


def describe_probe(kind: str, probe: dict[str, Any] | None) -> str | None:
    """`readinessProbe httpGet /healthz port 8080 (periodSeconds=5)` -- what the kubelet checks."""
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
