"""kube-state-metrics' cluster-scoped and storage series: Nodes (their conditions as the node lifecycle controller
writes them: Unknown while a kubelet is down), Namespaces, PersistentVolumeClaims and ResourceQuotas."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client.metrics_core import Metric

from ..kube.quantity import parse_quantity
from .families import CONDITION_STATUSES, condition_status, gauges, one_hot, resource_and_unit

if TYPE_CHECKING:
    from ..world.world import World

CLAIM = ["namespace", "persistentvolumeclaim"]
SPECS = [
    ("kube_node_info", "Information about a cluster node.",
     ["node", "kernel_version", "os_image", "container_runtime_version", "kubelet_version", "kubeproxy_version",
      "provider_id", "internal_ip", "system_uuid"]),
    ("kube_node_spec_unschedulable", "Whether a node can schedule new pods.", ["node"]),
    ("kube_node_spec_taint", "The taint of a cluster node.", ["node", "key", "value", "effect"]),
    ("kube_node_status_condition", "The condition of a cluster node.", ["node", "condition", "status"]),
    ("kube_node_status_capacity", "The capacity for different resources of a node.", ["node", "resource", "unit"]),
    ("kube_node_status_allocatable", "The allocatable for different resources of a node that are available for "
     "scheduling.", ["node", "resource", "unit"]),
    ("kube_namespace_status_phase", "kubernetes namespace status phase.", ["namespace", "phase"]),
    ("kube_persistentvolumeclaim_info", "Information about persistent volume claim.",
     [*CLAIM, "storageclass", "volumename"]),
    ("kube_persistentvolumeclaim_status_phase", "The phase the persistent volume claim is currently in.",
     [*CLAIM, "phase"]),
    ("kube_persistentvolumeclaim_resource_requests_storage_bytes", "The capacity of storage requested by the "
     "persistent volume claim.", CLAIM),
    ("kube_resourcequota", "Information about resource quota.", ["namespace", "resourcequota", "resource", "type"]),
]
CLAIM_PHASES = ("Lost", "Bound", "Pending")
NAMESPACE_PHASES = ("Active", "Terminating")


def cluster_families(world: World) -> list[Metric]:
    families = gauges(SPECS)
    for node in world.list("Node"):
        name, spec, status = node["metadata"]["name"], node.get("spec") or {}, node.get("status") or {}
        info = status.get("nodeInfo") or {}
        internal_ip = next((a["address"] for a in status.get("addresses") or [] if a.get("type") == "InternalIP"), "")
        families["kube_node_info"].add_metric(
            [name, info.get("kernelVersion", ""), info.get("osImage", ""), info.get("containerRuntimeVersion", ""),
             info.get("kubeletVersion", ""), info.get("kubeProxyVersion", ""), spec.get("providerID", ""), internal_ip,
             info.get("systemUUID", "")], 1.0)
        families["kube_node_spec_unschedulable"].add_metric([name], 1.0 if spec.get("unschedulable") else 0.0)
        for taint in spec.get("taints") or []:
            families["kube_node_spec_taint"].add_metric([name, taint["key"], taint.get("value", ""), taint["effect"]], 1.0)
        for condition in status.get("conditions") or []:
            one_hot(families["kube_node_status_condition"], [name, condition["type"]],
                    condition_status(condition.get("status")), CONDITION_STATUSES)
        for part in ("capacity", "allocatable"):
            for resource, quantity in (status.get(part) or {}).items():
                families[f"kube_node_status_{part}"].add_metric([name, *resource_and_unit(resource)], parse_quantity(quantity))
    for namespace in world.list("Namespace"):
        phase = (namespace.get("status") or {}).get("phase") or "Active"
        one_hot(families["kube_namespace_status_phase"], [namespace["metadata"]["name"]], phase, NAMESPACE_PHASES)
    for claim in world.list("PersistentVolumeClaim"):
        ids = [claim["metadata"]["namespace"], claim["metadata"]["name"]]
        spec, status = claim.get("spec") or {}, claim.get("status") or {}
        families["kube_persistentvolumeclaim_info"].add_metric(
            [*ids, spec.get("storageClassName") or "", spec.get("volumeName") or ""], 1.0)
        one_hot(families["kube_persistentvolumeclaim_status_phase"], ids, status.get("phase") or "Pending", CLAIM_PHASES)
        storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
        if storage:
            families["kube_persistentvolumeclaim_resource_requests_storage_bytes"].add_metric(ids, parse_quantity(storage))
    for quota in world.list("ResourceQuota"):
        ids = [quota["metadata"]["namespace"], quota["metadata"]["name"]]
        status = quota.get("status") or {}
        for kind in ("hard", "used"):
            for resource, quantity in (status.get(kind) or {}).items():
                families["kube_resourcequota"].add_metric([*ids, resource, kind], parse_quantity(quantity))
    return list(families.values())
