"""The DaemonSet controller: one pod on every node the pod template fits (the scheduler's own
node filter decides, with the tolerations DaemonSet pods get for node-condition taints)."""

from __future__ import annotations

from datetime import datetime

from ..context import ClusterContext
from ..scheduler import node_accepts
from .common import live_pods_of, name_suffix, new_pod, write_status


def reconcile_daemonset(world: ClusterContext, ds: dict, now: datetime) -> bool:
    template = ds["spec"]["template"]
    pods_by_node = {p["spec"].get("nodeName"): p for p in world.informer.owned_by("Pod", ds["metadata"]["uid"])}
    changed = False
    for node in world.list("Node"):
        node_name = node["metadata"]["name"]
        fits = node_accepts(node, template.get("spec") or {}, daemon=True) is None
        pod = pods_by_node.get(node_name)
        if fits and pod is None:
            name = f"{ds['metadata']['name']}-{name_suffix(ds['metadata']['uid'] + node_name)}"
            pod = new_pod(ds, template, name)
            pod["spec"]["nodeName"] = node_name
            world.store.create(pod)
            world.events.record(ds, "SuccessfulCreate", f"Created pod: {name}", now, component="daemonset-controller")
            changed = True
    return changed


def sync_daemonset_status(world: ClusterContext, ds: dict) -> None:
    pods = live_pods_of(world, ds)
    ready = sum(1 for p in pods if world.pod_ready(p))
    write_status(world, ds, {"desiredNumberScheduled": len(pods), "currentNumberScheduled": len(pods),
                              "numberReady": ready, "numberAvailable": ready, "numberUnavailable": len(pods) - ready,
                              "numberMisscheduled": 0, "updatedNumberScheduled": len(pods),
                              "observedGeneration": ds["metadata"].get("generation", 1)})
