"""What the API server reads from the world beyond the store: a container's log text (current or
previous instance, sinceSeconds, tailLines, timestamps) and the metrics.k8s.io items for pods and
nodes, built from the kubelet's runtimes and the traffic model's usage samples."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..kube.errors import ApiError
from .kubelet import PodRuntime
from .telemetry import PodUsage


def pod_log_text(pod: dict, runtime: PodRuntime | None, container: str | None, previous: bool,
                 tail_lines: int | None, since_seconds: int | None, timestamps: bool, now: datetime) -> str:
    """The log text of one container of `pod`; ApiError 400 as the kubelet answers it."""
    name = pod["metadata"]["name"]
    names = [c["name"] for c in pod["spec"].get("containers") or []]
    init_names = [c["name"] for c in pod["spec"].get("initContainers") or []]
    if container is None:
        if len(names) != 1:
            raise ApiError(400, "BadRequest", f"a container name must be specified for pod {name}, "
                                              f"choose one of: [{' '.join(names)}]")
        container = names[0]
    if container not in names and container not in init_names:
        raise ApiError(400, "BadRequest", f"container {container} is not valid for pod {name}")
    every = (*runtime.init_containers, *runtime.containers) if runtime else ()
    rt = next((c for c in every if c.name == container), None)
    if rt is None or (not rt.ever_started):
        reason = rt.reason if rt else "ContainerCreating"
        raise ApiError(400, "BadRequest", f'container "{container}" in pod "{name}" is waiting to start: {reason}')
    if previous:
        if rt.restart_count == 0 or not rt.previous_log:
            raise ApiError(400, "BadRequest", f'previous terminated container "{container}" in pod "{name}" not found')
        lines = list(rt.previous_log)
    else:
        lines = list(rt.log)
    if since_seconds is not None:
        cutoff = now - timedelta(seconds=since_seconds)
        lines = [entry for entry in lines if entry[0] >= cutoff]
    if tail_lines is not None:
        lines = lines[-tail_lines:] if tail_lines > 0 else []
    if timestamps:
        return "".join(f"{at.strftime('%Y-%m-%dT%H:%M:%S.%f')}000Z {text}\n" for at, text in lines)
    return "".join(f"{text}\n" for _, text in lines)


def pod_metrics_items(pods: list[dict], usage: dict[str, PodUsage], now: str) -> list[dict]:
    """PodMetrics for every running pod with a usage sample."""
    items = []
    for pod in pods:
        sample = usage.get(pod["metadata"]["uid"])
        if sample is None or pod["status"].get("phase") != "Running":
            continue
        items.append({
            "apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics",
            "metadata": {"name": pod["metadata"]["name"], "namespace": pod["metadata"]["namespace"],
                         "labels": pod["metadata"].get("labels", {})},
            "timestamp": now, "window": "30s",
            "containers": [{"name": name, "usage": {"cpu": f"{int(cpu * 1e9)}n", "memory": f"{int(mem * 1024)}Ki"}}
                           for name, cpu, mem in sample.containers],
        })
    return items


def node_metrics_items(nodes: list[dict], node_usage: dict[str, tuple[float, float]], node_faults: dict,
                       now: str) -> list[dict]:
    """NodeMetrics for every node whose kubelet is up."""
    items = []
    for node in nodes:
        name = node["metadata"]["name"]
        if name in node_faults:
            continue
        cpu, mem = node_usage.get(name, (0.0, 0.0))
        items.append({"apiVersion": "metrics.k8s.io/v1beta1", "kind": "NodeMetrics",
                      "metadata": {"name": name, "labels": node["metadata"].get("labels", {})},
                      "timestamp": now, "window": "30s",
                      "usage": {"cpu": f"{int(cpu * 1e9)}n", "memory": f"{int(mem * 1024)}Ki"}})
    return items

