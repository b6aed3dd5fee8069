"""The DaemonSet controller: one pod on every node the pod template fits (the scheduler's own
node filter decides, with the tolerations DaemonSet pods get for node-condition taints), and
template updates as the real controller makes them.

Every template is a ControllerRevision (revisions.py: `<name>-<hash>`, the DaemonSet's labels,
data = the strategic-merge patch that restores the template, as `kubectl rollout undo daemonset`
applies it); pods carry its hash in `controller-revision-hash`. RollingUpdate (the default) deletes
old pods node by node -- unavailable old pods at once, available ones only while fewer than
maxUnavailable nodes are without an available pod -- and the node gets a pod of the new
template on the next pass; a new pod that cannot start stays unavailable, so the rollout stalls
there. OnDelete replaces a pod only when someone deletes it.

Not modelled: maxSurge (treated as 0), minReadySeconds, evicting pods from nodes they no
longer fit."""

from __future__ import annotations

import math
from datetime import datetime

from ..context import ClusterContext
from ..scheduler import node_accepts
from .common import is_terminating, live_pods_of, name_suffix, new_pod, template_hash, write_status
from .revisions import REVISION_HASH, sync_revisions

COMPONENT = "daemonset-controller"


def _hash(ds: dict) -> str:
    return template_hash(ds["spec"]["template"])


def _eligible_nodes(world: ClusterContext, ds: dict) -> list[str]:
    template_spec = ds["spec"]["template"].get("spec") or {}
    return sorted(n["metadata"]["name"] for n in world.list("Node")
                  if node_accepts(n, template_spec, daemon=True) is None)


def _max_unavailable(ds: dict, desired: int) -> int:
    rolling = ((ds["spec"].get("updateStrategy") or {}).get("rollingUpdate")) or {}
    value = rolling.get("maxUnavailable", 1)
    if isinstance(value, str) and value.endswith("%"):
        value = math.ceil(desired * float(value[:-1]) / 100)  # the DaemonSet controller rounds up
    return max(1, int(value))


def reconcile_daemonset(world: ClusterContext, ds: dict, now: datetime) -> bool:
    current = _hash(ds)
    changed = sync_revisions(world, ds, current, current)
    template = ds["spec"]["template"]
    pods_by_node: dict[str, dict] = {}
    for pod in world.informer.owned_by("Pod", ds["metadata"]["uid"]):
        pods_by_node.setdefault(pod["spec"].get("nodeName"), pod)
    eligible = _eligible_nodes(world, ds)
    generation = int(ds["metadata"].get("generation", 1))
    for node_name in eligible:
        if node_name in pods_by_node:
            continue
        # Stable per node and template generation: a later template's pod never takes an old pod's name.
        seed = ds["metadata"]["uid"] + node_name + (f"/{generation}" if generation > 1 else "")
        name = f"{ds['metadata']['name']}-{name_suffix(seed)}"
        pod = new_pod(ds, template, name, {REVISION_HASH: current,
                                           "pod-template-generation": str(generation)})
        pod["spec"]["nodeName"] = node_name
        world.store.create(pod)
        world.events.record(ds, "SuccessfulCreate", f"Created pod: {name}", now, component=COMPONENT)
        changed = True
    if (ds["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate") != "RollingUpdate":
        return changed
    live = {node: pod for node, pod in pods_by_node.items() if node in eligible and not is_terminating(pod)}
    old = [pod for _, pod in sorted(live.items())
           if (pod["metadata"].get("labels") or {}).get(REVISION_HASH) != current]
    if not old:
        return changed
    unavailable = sum(1 for node in eligible if node not in live or not world.pod_ready(live[node]))
    budget = _max_unavailable(ds, len(eligible)) - unavailable
    for pod in old:
        if world.pod_ready(pod):
            if budget <= 0:
                continue
            budget -= 1
        world.delete_pod(pod)  # an unavailable old pod goes at once: it serves nothing
        world.events.record(ds, "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}", now, component=COMPONENT)
        changed = True
    return changed


def sync_daemonset_status(world: ClusterContext, ds: dict) -> None:
    eligible = set(_eligible_nodes(world, ds))
    pods = live_pods_of(world, ds)
    current = _hash(ds)
    scheduled = [p for p in pods if p["spec"].get("nodeName") in eligible]
    available = sum(1 for p in scheduled if world.pod_ready(p))
    write_status(world, ds, {
        "desiredNumberScheduled": len(eligible),
        "currentNumberScheduled": len({p["spec"].get("nodeName") for p in scheduled}),
        "numberMisscheduled": len(pods) - len(scheduled),
        "numberReady": available, "numberAvailable": available,
        "numberUnavailable": max(0, len(eligible) - available),
        "updatedNumberScheduled": sum(1 for p in scheduled
                                      if (p["metadata"].get("labels") or {}).get(REVISION_HASH) == current),
        "observedGeneration": ds["metadata"].get("generation", 1),
    })
