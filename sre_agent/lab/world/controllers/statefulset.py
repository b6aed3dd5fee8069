"""The StatefulSet controller: ordinal pods created one at a time (OrderedReady), a claim per
volumeClaimTemplate, scale-down from the highest ordinal, and rolling updates that replace the
highest stale ordinal first -- only while every member is Ready, so a member that is not (a bad
image, a crash) holds the update, even an undo, until someone deletes it; OnDelete replaces a pod
only when someone deletes it. Every template is a ControllerRevision (revisions.py); pods carry
the revision's name in `controller-revision-hash`, and the status names `currentRevision` (what
the pods ran before the update) and `updateRevision` -- what `kubectl rollout history/undo
statefulset` read."""

from __future__ import annotations

import copy
from datetime import datetime

from ..context import ClusterContext
from .common import is_terminating, live_pods_of, new_pod, owner_ref, template_hash, write_status
from .quota import quota_rejection
from .revisions import REVISION_HASH, sync_revisions


def _adopt_orphans(world: ClusterContext, sts: dict, desired: int, pods: dict[str, dict]) -> bool:
    """Member pods left by a StatefulSet deleted with --cascade=orphan (no controller owner, the selector's labels, a
    member's name) are adopted by the StatefulSet applied again, as the controller's ClaimPods does: creating them
    again would collide on their names."""
    namespace, name = sts["metadata"]["namespace"], sts["metadata"]["name"]
    wanted = (sts["spec"].get("selector") or {}).get("matchLabels") or {}
    adopted = False
    for ordinal in range(desired):
        pod_name = f"{name}-{ordinal}"
        orphan = world.store.try_get("Pod", namespace, pod_name) if pod_name not in pods else None
        if orphan is None or any(ref.get("controller") for ref in orphan["metadata"].get("ownerReferences") or []) or \
                any((orphan["metadata"].get("labels") or {}).get(k) != v for k, v in wanted.items()):
            continue
        orphan = copy.deepcopy(orphan)
        orphan["metadata"]["ownerReferences"] = [owner_ref(sts)]
        orphan["metadata"].pop("resourceVersion", None)
        world.store.replace(orphan)
        pods[pod_name] = orphan
        adopted = True
    return adopted


def reconcile_statefulset(world: ClusterContext, sts: dict, now: datetime) -> bool:
    namespace, name = sts["metadata"]["namespace"], sts["metadata"]["name"]
    desired = int(sts["spec"].get("replicas", 1))
    revision = template_hash(sts["spec"]["template"])
    update_revision = f"{name}-{revision}"
    pods = {p["metadata"]["name"]: p for p in world.informer.owned_by("Pod", sts["metadata"]["uid"])}
    changed = sync_revisions(world, sts, revision, update_revision) | _adopt_orphans(world, sts, desired, pods)
    for ordinal in range(desired):
        pod_name = f"{name}-{ordinal}"
        pod = pods.get(pod_name)
        if pod is None:
            for claim in sts["spec"].get("volumeClaimTemplates") or []:
                claim_name = f"{claim['metadata']['name']}-{pod_name}"
                if world.informer.get("PersistentVolumeClaim", namespace, claim_name) is None:
                    world.store.create({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                        "metadata": {"name": claim_name, "namespace": namespace,
                                                     "labels": dict(sts["spec"]["selector"].get("matchLabels") or {})},
                                        "spec": copy.deepcopy(claim.get("spec") or {})})
            template = copy.deepcopy(sts["spec"]["template"])
            for volume_claim in sts["spec"].get("volumeClaimTemplates") or []:
                template.setdefault("spec", {}).setdefault("volumes", []).append(
                    {"name": volume_claim["metadata"]["name"],
                     "persistentVolumeClaim": {"claimName": f"{volume_claim['metadata']['name']}-{pod_name}"}})
            pod = new_pod(sts, template, pod_name, {REVISION_HASH: update_revision,
                                                     "statefulset.kubernetes.io/pod-name": pod_name})
            pod["spec"]["hostname"] = pod_name
            rejection = quota_rejection(world, namespace, pod)
            if rejection:
                world.events.record(sts, "FailedCreate", f"create Pod {pod_name} in StatefulSet {name} failed error: {rejection}",
                                    now, type_="Warning", component="statefulset-controller")
                return changed
            world.store.create(pod)
            world.events.record(sts, "SuccessfulCreate", f"create Pod {pod_name} in StatefulSet {name} successful", now,
                                component="statefulset-controller")
            return True  # OrderedReady: one at a time
        if is_terminating(pod):
            return changed  # a stuck pod blocks its ordinal until it is really gone
        if not world.pod_ready(pod):
            return changed
    for pod_name, pod in pods.items():
        ordinal = int(pod_name.rsplit("-", 1)[-1]) if pod_name.rsplit("-", 1)[-1].isdigit() else -1
        if ordinal >= desired:
            world.delete_pod(pod)
            changed = True
    if (sts["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate") != "RollingUpdate":
        return changed  # OnDelete: a pod takes the new template only when someone deletes it
    # Rolling update: replace the highest ordinal running an old revision, one at a time.
    stale = [p for p in pods.values() if p["metadata"].get("labels", {}).get(REVISION_HASH) != update_revision
             and not is_terminating(p)]
    if stale and not changed:
        victim = max(stale, key=lambda p: p["metadata"]["name"])
        world.delete_pod(victim)
        changed = True
    return changed


def sync_statefulset_status(world: ClusterContext, sts: dict) -> None:
    pods = live_pods_of(world, sts)
    ready = sum(1 for p in pods if world.pod_ready(p))
    update_revision = f"{sts['metadata']['name']}-{template_hash(sts['spec']['template'])}"
    # currentRevision sticks to what the pods ran until every pod is updated and Ready.
    current_revision = (sts.get("status") or {}).get("currentRevision")
    if world.informer.get("ControllerRevision", sts["metadata"]["namespace"], current_revision or "") is None:
        current_revision = update_revision
    revisions = [(p["metadata"].get("labels") or {}).get(REVISION_HASH) for p in pods]
    updated = revisions.count(update_revision)
    if updated == len(pods) == ready:
        current_revision = update_revision
    write_status(world, sts, {"observedGeneration": sts["metadata"].get("generation", 1), "replicas": len(pods),
                               "readyReplicas": ready, "availableReplicas": ready,
                               "currentReplicas": revisions.count(current_revision), "updatedReplicas": updated,
                               "currentRevision": current_revision, "updateRevision": update_revision,
                               "collisionCount": 0})
