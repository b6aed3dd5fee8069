"""Which cluster object a CloudWatch alarm, metric series or log group names.

CloudWatch knows nothing of Kubernetes ids; what ties a series to the cluster are its dimensions,
which follow Container Insights' conventions (Namespace + PodName -- the workload's name -- or
Service, NodeName) and the same names in application metrics. Log groups are matched by name when
they end in `<namespace>/<workload>` (one group per workload, as Fluent Bit's per-workload outputs
name them). Anything that names no object stays an alarm of its own: still a problem, never lost. An alarm on
a demand metric alone (requests arriving) says traffic is high, not that anything failed."""

from __future__ import annotations

import re
from typing import Any

from ..contracts import resource_id

NAMESPACE_KEYS = ("Namespace", "namespace", "kubernetes_namespace", "k8s.namespace.name")
SERVICE_KEYS = ("Service", "ServiceName", "service")
WORKLOAD_KEYS = ("PodName", "Deployment", "DeploymentName", "StatefulSet", "DaemonSet", "Workload", "workload")
NODE_KEYS = ("NodeName", "node", "Node")


def _first(dims: dict[str, str], keys: tuple[str, ...]) -> str | None:
    return next((dims[k] for k in keys if dims.get(k)), None)


def dimension_namespace(dims: dict[str, str]) -> str | None:
    return _first(dims, NAMESPACE_KEYS)


def resource_for_dimensions(dims: dict[str, str], workloads: dict[str, str]) -> str | None:
    """The object a series' dimensions name: a Node, a Service, a workload; None when none."""
    node = _first(dims, NODE_KEYS)
    if node:
        return resource_id("Node", node)
    namespace = dimension_namespace(dims)
    if not namespace:
        return None
    service = _first(dims, SERVICE_KEYS)
    if service:
        return resource_id("Service", service, namespace)
    workload = _first(dims, WORKLOAD_KEYS)
    if workload:
        kind = workloads.get(f"{namespace}/{workload}")
        if kind:
            return resource_id(kind, workload, namespace)
        # Container Insights' PodName is the workload's name; a bare pod keeps its own id.
        return resource_id("Pod", workload, namespace)
    return None


def resource_for_alarm(alarm: dict[str, Any], workloads: dict[str, str]) -> str:
    return resource_for_dimensions(alarm.get("dimensions") or {}, workloads) or f"Alarm/{alarm['name']}"


def workload_for_service_name(service_id: str, workloads: dict[str, str]) -> str | None:
    """A Service id whose Service does not exist may still name a workload of the same name."""
    namespace, _, name = service_id.split("/")
    kind = workloads.get(f"{namespace}/{name}")
    return resource_id(kind, name, namespace) if kind else None


def workload_for_log_group(group: str, workloads: dict[str, str]) -> str | None:
    parts = [p for p in group.split("/") if p]
    if len(parts) >= 2:
        key = f"{parts[-2]}/{parts[-1]}"
        if key in workloads:
            return resource_id(workloads[key], parts[-1], parts[-2])
    return None


def in_scope(dims: dict[str, str], namespace: str | None) -> bool:
    """A namespace sweep keeps the series of that namespace and those that name none."""
    found = dimension_namespace(dims)
    return namespace is None or found is None or found == namespace


_CONTAINER_INSIGHTS_GROUP = re.compile(r"^/aws/containerinsights/([^/]+)/")


def cluster_of_log_group(group: str) -> str | None:
    """The cluster a Container Insights log group belongs to (/aws/containerinsights/<cluster>/...), else None."""
    found = _CONTAINER_INSIGHTS_GROUP.match(group)
    return found[1] if found else None
