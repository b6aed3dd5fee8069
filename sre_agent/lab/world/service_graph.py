"""What the traffic model knows per Service (ServiceStats), the status its failed requests get, and where a
caller's URL points: the in-cluster Service (namespace, name, port) a value like
'http://ledger.payments.svc.cluster.local:8080/x' names, as cluster DNS resolves it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlparse


@dataclass
class ServiceStats:
    namespace: str
    name: str
    ready_pods: int = 0
    rps: float = 0.0
    error_rate: float = 0.0
    latency_p50_ms: float = 0.0
    latency_p99_ms: float = 0.0
    failing_dependencies: list[str] = field(default_factory=list)
    pod_error: float = 0.0  # the part of error_rate that depends on the pod: a refused credential, a full volume
    rejected_users: list[str] = field(default_factory=list)  # users whose credentials this server turns away


def error_status(upstream_down: bool, own_fault: bool) -> int:
    """The HTTP status an app answers a failed request with: 503 when an upstream it needs is unavailable, 500
    for its own failures (its baseline errors, a refused credential, a full volume) -- one rule for the request
    logs and the request counters, so both name the same status."""
    return 503 if upstream_down and not own_fault else 500


@lru_cache(maxsize=4096)  # the same few URLs are resolved on every sync
def parse_service_host(value: str, namespace: str) -> tuple[str, str, int | None] | None:
    """'http://ledger.payments.svc.cluster.local:8080/x' -> ('payments', 'ledger', 8080)."""
    if not value:
        return None
    url = urlparse(value if "://" in value else f"tcp://{value}")
    host = url.hostname or ""
    if not host or host[0].isdigit():
        return None
    parts = host.split(".")
    service_ns = parts[1] if len(parts) > 1 and parts[1] != "svc" else namespace
    try:
        port = url.port
    except ValueError:
        port = None
    return service_ns, parts[0], port
