"""Prometheus metrics the CloudWatch agent scrapes into CloudWatch (a cluster with `prometheus_metrics: true`):
kube-state-metrics' Job series and the kubelets' volume stats, in namespace ContainerInsights/Prometheus.

The agent turns a Prometheus sample into a CloudWatch datapoint whose dimensions are the sample's labels
named in its `metric_declaration` -- here ClusterName plus the metric's own labels, spelled as Prometheus
spells them: `namespace` and `job_name` (kube_job_status_active / succeeded / failed, gauges of the Job's
status counts), `namespace` and `persistentvolumeclaim` (kubelet_volume_stats_used_bytes / capacity_bytes /
available_bytes, for the claims a running pod mounts). Container Insights itself has neither."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from ..world.volumes import capacity_mib

if TYPE_CHECKING:
    from ..world.world import World

PROMETHEUS_NAMESPACE = "ContainerInsights/Prometheus"
MIB = 2**20

# put(namespace, metric, dimensions, value, at, unit); what it returns is ignored
Put = Callable[[str, str, tuple[tuple[str, str], ...], float, datetime, str], object]


def _dims(**labels: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


def sample_jobs(world: World, put: Put, at: datetime) -> None:
    """kube_job_status_{active,succeeded,failed} per Job: the pods its status counts."""
    for job in world.list("Job"):
        dims = _dims(ClusterName=world.cluster_name, namespace=job["metadata"]["namespace"],
                     job_name=job["metadata"]["name"])
        status = job.get("status") or {}
        for metric, field in (("kube_job_status_active", "active"), ("kube_job_status_succeeded", "succeeded"),
                              ("kube_job_status_failed", "failed")):
            put(PROMETHEUS_NAMESPACE, metric, dims, float(status.get(field) or 0), at, "Count")


def sample_volumes(world: World, put: Put, at: datetime) -> None:
    """kubelet_volume_stats_{used,capacity,available}_bytes for each claim a running pod mounts whose usage
    the lab knows (an application writes to it, or a scenario set it); the kubelet reports mounted volumes only."""
    mounted = {(p["metadata"]["namespace"], v["persistentVolumeClaim"]["claimName"])
               for p in world.list("Pod") if (p.get("status") or {}).get("phase") == "Running"
               for v in p["spec"].get("volumes") or [] if v.get("persistentVolumeClaim")}
    for pvc in world.list("PersistentVolumeClaim"):
        namespace, name = pvc["metadata"]["namespace"], pvc["metadata"]["name"]
        state = world.volume_usage.get(pvc["metadata"]["uid"])
        capacity = capacity_mib(pvc)
        if state is None or capacity is None or (namespace, name) not in mounted:
            continue
        dims = _dims(ClusterName=world.cluster_name, namespace=namespace, persistentvolumeclaim=name)
        used = min(state.used_mib, capacity)
        put(PROMETHEUS_NAMESPACE, "kubelet_volume_stats_used_bytes", dims, used * MIB, at, "Bytes")
        put(PROMETHEUS_NAMESPACE, "kubelet_volume_stats_capacity_bytes", dims, capacity * MIB, at, "Bytes")
        put(PROMETHEUS_NAMESPACE, "kubelet_volume_stats_available_bytes", dims, (capacity - used) * MIB, at, "Bytes")
