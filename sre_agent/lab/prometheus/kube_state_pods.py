"""kube-state-metrics' pod and container series, read from the Pod objects as kube-state-metrics reads them from
the API server: status (phase, conditions, containerStatuses: the kubelet's view, pod_status.py) and spec (the
containers' requests and limits). Every series carries namespace, pod and uid, as in kube-state-metrics v2."""

from __future__ import annotations

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from ..kube.quantity import parse_quantity
from .families import CONDITION_STATUSES, condition_status, gauges, one_hot, resource_and_unit

POD = ["namespace", "pod", "uid"]
CONTAINER = [*POD, "container"]
RESOURCE = [*CONTAINER, "node", "resource", "unit"]
PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
NONE = "<none>"  # what kube-state-metrics writes for a pod without a controller

SPECS = [
    ("kube_pod_info", "Information about pod.",
     [*POD, "host_ip", "pod_ip", "node", "created_by_kind", "created_by_name", "priority_class", "host_network"]),
    ("kube_pod_owner", "Information about the Pod's owner.", [*POD, "owner_kind", "owner_name", "owner_is_controller"]),
    ("kube_pod_status_phase", "The pods current phase.", [*POD, "phase"]),
    ("kube_pod_status_ready", "Describes whether the pod is ready to serve requests.", [*POD, "condition"]),
    ("kube_pod_status_scheduled", "Describes the status of the scheduling process for the pod.", [*POD, "condition"]),
    ("kube_pod_container_info", "Information about a container in a pod.",
     [*CONTAINER, "image_spec", "image", "image_id", "container_id"]),
    ("kube_pod_container_status_ready", "Describes whether the containers readiness check succeeded.", CONTAINER),
    ("kube_pod_container_status_running", "Describes whether the container is currently in running state.", CONTAINER),
    ("kube_pod_container_status_waiting", "Describes whether the container is currently in waiting state.", CONTAINER),
    ("kube_pod_container_status_terminated", "Describes whether the container is currently in terminated state.", CONTAINER),
    ("kube_pod_container_status_waiting_reason", "Describes the reason the container is currently in waiting state.",
     [*CONTAINER, "reason"]),
    ("kube_pod_container_status_terminated_reason",
     "Describes the reason the container is currently in terminated state.", [*CONTAINER, "reason"]),
    ("kube_pod_container_status_last_terminated_reason",
     "Describes the last reason the container was in terminated state.", [*CONTAINER, "reason"]),
    ("kube_pod_container_status_last_terminated_exitcode",
     "Describes the exit code for the last container in terminated state.", CONTAINER),
    ("kube_pod_container_resource_requests", "The number of requested request resource by a container.", RESOURCE),
    ("kube_pod_container_resource_limits", "The number of requested limit resource by a container.", RESOURCE),
]


def pod_families(pods: list[dict]) -> list[Metric]:
    families = gauges(SPECS)
    restarts = CounterMetricFamily("kube_pod_container_status_restarts_total",
                                   "The number of container restarts per container.", labels=CONTAINER)
    for pod in pods:
        meta, spec, status = pod["metadata"], pod["spec"], pod.get("status") or {}
        ids = [meta["namespace"], meta["name"], meta["uid"]]
        node = spec.get("nodeName") or ""
        owners = meta.get("ownerReferences") or []
        controller = next((ref for ref in owners if ref.get("controller")), None)
        families["kube_pod_info"].add_metric(
            [*ids, status.get("hostIP") or "", status.get("podIP") or "", node,
             controller["kind"] if controller else NONE, controller["name"] if controller else NONE,
             spec.get("priorityClassName") or "", str(bool(spec.get("hostNetwork"))).lower()], 1.0)
        for ref in owners:
            families["kube_pod_owner"].add_metric([*ids, ref["kind"], ref["name"], str(bool(ref.get("controller"))).lower()], 1.0)
        if not owners:
            families["kube_pod_owner"].add_metric([*ids, NONE, NONE, NONE], 1.0)
        if status.get("phase"):
            one_hot(families["kube_pod_status_phase"], ids, status["phase"], PHASES)
        conditions = {c["type"]: c.get("status") for c in status.get("conditions") or []}
        for family, condition in (("kube_pod_status_ready", "Ready"), ("kube_pod_status_scheduled", "PodScheduled")):
            if condition in conditions:
                one_hot(families[family], ids, condition_status(conditions[condition]), CONDITION_STATUSES)
        containers = {c["name"]: c for c in spec.get("containers") or []}
        for cs in status.get("containerStatuses") or []:
            _container_status(families, restarts, [*ids, cs["name"]], cs, containers.get(cs["name"]) or {})
        for container in containers.values():
            resources = container.get("resources") or {}
            for part in ("requests", "limits"):
                for name, quantity in (resources.get(part) or {}).items():
                    families[f"kube_pod_container_resource_{part}"].add_metric(
                        [*ids, container["name"], node, *resource_and_unit(name)], parse_quantity(quantity))
    return [*families.values(), restarts]


def _container_status(families: dict[str, GaugeMetricFamily], restarts: CounterMetricFamily, labels: list[str],
                      cs: dict, container: dict) -> None:
    """One containerStatuses entry: its state, the reason it waits or ended, its last termination, its restarts."""
    state, last = cs.get("state") or {}, (cs.get("lastState") or {}).get("terminated")
    families["kube_pod_container_info"].add_metric(
        [*labels, container.get("image") or "", cs.get("image") or "", cs.get("imageID") or "", cs.get("containerID") or ""],
        1.0)
    families["kube_pod_container_status_ready"].add_metric(labels, 1.0 if cs.get("ready") else 0.0)
    for name in ("running", "waiting", "terminated"):
        families[f"kube_pod_container_status_{name}"].add_metric(labels, 1.0 if name in state else 0.0)
    for name in ("waiting", "terminated"):  # kube-state-metrics v2 writes the current reason only
        reason = (state.get(name) or {}).get("reason")
        if reason:
            families[f"kube_pod_container_status_{name}_reason"].add_metric([*labels, reason], 1.0)
    if last:
        if last.get("reason"):
            families["kube_pod_container_status_last_terminated_reason"].add_metric([*labels, last["reason"]], 1.0)
        families["kube_pod_container_status_last_terminated_exitcode"].add_metric(labels, float(last.get("exitCode") or 0))
    restarts.add_metric(labels, float(cs.get("restartCount") or 0))
