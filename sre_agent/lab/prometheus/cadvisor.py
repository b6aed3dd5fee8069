"""What the kubelets serve: cAdvisor's per-container series (/metrics/cadvisor) and the volume stats
(/metrics), from the traffic model's usage samples -- the numbers metrics.k8s.io and Container Insights' pod
metrics are made of.

A container has cAdvisor series while it runs on a live node (it has a cgroup): a container in back-off, or on a
node whose kubelet is down, has none, as on a real node. Gauges are its usage at the world's clock. The counters
add one minute of the usage sampled at each of the feed's minutes: CPU seconds (cores x 60 s) and, for a
container with a CPU limit, 600 CFS periods of 100 ms of which the throttled share (telemetry.throttled_share, what
Container Insights' container_cpu_throttled_ratio says) were throttled. They are kept per container of a pod
across its restarts (cAdvisor's `id` and `name` labels, which would start a new series, are not modelled), so
they only grow, and dropped with the pod."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily
from prometheus_client.metrics_core import Metric

from ..aws.prometheus_metrics import sample_volumes
from ..kube.quantity import parse_quantity
from ..world.telemetry import PodUsage, throttled_share
from .families import from_cloudwatch, gauges

if TYPE_CHECKING:
    from ..world.world import World

SAMPLE_SECONDS = 60  # the feed samples once a simulated minute
CFS_PERIODS_PER_SAMPLE = 600  # the kernel's CFS period is 100 ms
MIB = 2**20
CONTAINER = ["namespace", "pod", "container", "image"]
VOLUME = ["namespace", "persistentvolumeclaim"]


@dataclass
class Counted:
    cpu_seconds: float = 0.0
    periods: int = 0
    throttled_periods: int = 0


class ContainerCounters:
    """cAdvisor's counters per (pod uid, container), advanced once per feed sample."""

    def __init__(self) -> None:
        self._counted: dict[tuple[str, str], Counted] = {}

    def record(self, usage: dict[str, PodUsage], live_pods: set[str]) -> None:
        """One sampled minute of every running container's usage; containers of pods gone are forgotten."""
        for uid, pod in usage.items():
            for name, cores, _ in pod.containers:
                counted = self._counted.setdefault((uid, name), Counted())
                counted.cpu_seconds += cores * SAMPLE_SECONDS
                if name in pod.cpu_limited:
                    counted.periods += CFS_PERIODS_PER_SAMPLE
                    counted.throttled_periods += round(CFS_PERIODS_PER_SAMPLE * throttled_share(pod.cpu_limited[name]))
        for key in [key for key in self._counted if key[0] not in live_pods]:
            del self._counted[key]

    def get(self, uid: str, container: str) -> Counted:
        return self._counted.get((uid, container)) or Counted()


def cadvisor_families(world: World, counters: ContainerCounters, at: datetime) -> list[Metric]:
    families = gauges([
        ("container_memory_working_set_bytes", "Current working set of the container in bytes", CONTAINER),
        ("container_spec_memory_limit_bytes", "Memory limit for the container.", CONTAINER),
    ])
    cpu = CounterMetricFamily("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.",
                              labels=CONTAINER)
    periods = CounterMetricFamily("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.",
                                  labels=CONTAINER)
    throttled = CounterMetricFamily("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.",
                                    labels=CONTAINER)
    usage = world.traffic_model.pod_usage
    for pod in world.pods_in(None):
        uid = pod["metadata"]["uid"]
        sample = usage.get(uid)
        if sample is None:
            continue
        specs = {c["name"]: c for c in pod["spec"].get("containers") or []}
        for name, _, memory_mib in sample.containers:
            spec = specs.get(name) or {}
            labels = [pod["metadata"]["namespace"], pod["metadata"]["name"], name, spec.get("image", "")]
            limit = ((spec.get("resources") or {}).get("limits") or {}).get("memory")
            families["container_memory_working_set_bytes"].add_metric(labels, memory_mib * MIB)
            families["container_spec_memory_limit_bytes"].add_metric(labels, parse_quantity(limit) if limit else 0.0)
            counted = counters.get(uid, name)
            cpu.add_metric(labels, counted.cpu_seconds)
            if name in sample.cpu_limited:  # cAdvisor has CFS series only for a container with a CPU quota
                periods.add_metric(labels, float(counted.periods))
                throttled.add_metric(labels, float(counted.throttled_periods))
    volumes = gauges([
        ("kubelet_volume_stats_used_bytes", "Number of used bytes in the volume", VOLUME),
        ("kubelet_volume_stats_capacity_bytes", "Capacity in bytes of the volume", VOLUME),
        ("kubelet_volume_stats_available_bytes", "Number of available bytes in the volume", VOLUME),
    ])
    from_cloudwatch(sample_volumes, world, volumes, VOLUME, at)  # the series CloudWatch gets, one computation
    return [*families.values(), cpu, periods, throttled, *volumes.values()]
