"""The ReplicaSet controller: create pods up to the desired count (refused creates become a
ReplicaFailure condition), delete the least useful ones when scaled down, and report status."""

from __future__ import annotations

from datetime import datetime

from ..clock import rfc3339
from ..context import ClusterContext
from .common import TEMPLATE_HASH, live_pods_of, name_suffix, new_pod, write_status
from .quota import quota_rejection


def reconcile_replicaset(world: ClusterContext, rs: dict, now: datetime) -> bool:
    desired = int(rs["spec"].get("replicas", 1))
    pods = live_pods_of(world, rs)
    changed = False
    if len(pods) >= desired:
        # Nothing left to create (scaled back, or created since): the ReplicaFailure condition clears.
        world.replicaset_failures.pop(rs["metadata"]["uid"], None)
    if len(pods) < desired:
        for _ in range(desired - len(pods)):
            name = f"{rs['metadata']['name']}-{name_suffix(rs['metadata']['uid'] + str(world.next_serial()))}"
            hash_label = {TEMPLATE_HASH: rs["metadata"].get("labels", {}).get(TEMPLATE_HASH, "")}
            pod = new_pod(rs, rs["spec"]["template"], name, hash_label)
            rejection = quota_rejection(world, rs["metadata"]["namespace"], pod)
            if rejection:
                world.events.record(rs, "FailedCreate", f"Error creating: {rejection}", now, type_="Warning",
                                    component="replicaset-controller")
                world.replicaset_failures[rs["metadata"]["uid"]] = rejection
                break
            world.replicaset_failures.pop(rs["metadata"]["uid"], None)
            world.store.create(pod)
            world.events.record(rs, "SuccessfulCreate", f"Created pod: {name}", now, component="replicaset-controller")
            changed = True
    elif len(pods) > desired:
        # Scale down not-ready pods first, then the youngest: what the ReplicaSet controller prefers.
        ranked = sorted(pods, key=lambda p: (world.pod_ready(p), p["metadata"]["creationTimestamp"]), reverse=False)
        ranked = sorted(ranked, key=lambda p: world.pod_ready(p))
        for pod in ranked[: len(pods) - desired]:
            world.delete_pod(pod)
            world.events.record(rs, "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}", now,
                                component="replicaset-controller")
            changed = True
    return changed


def sync_replicaset_status(world: ClusterContext, rs: dict) -> None:
    pods = live_pods_of(world, rs)
    ready = sum(1 for p in pods if world.pod_ready(p))
    status = {
        "replicas": len(pods),
        "fullyLabeledReplicas": len(pods),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "observedGeneration": rs["metadata"].get("generation", 1),
    }
    failure = world.replicaset_failures.get(rs["metadata"]["uid"])
    if failure:
        status["conditions"] = [{"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
                                 "message": failure, "lastTransitionTime": rfc3339(world.clock.now())}]
    write_status(world, rs, status)
