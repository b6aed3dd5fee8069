"""The Deployment controller: one ReplicaSet per pod template (its hash in the name), revision
history and rollbacks, Recreate and RollingUpdate (maxSurge / maxUnavailable) rollouts, and the
status a real one writes (its conditions: deployment_status.py)."""

from __future__ import annotations

import copy
import math
from datetime import datetime

from ..context import ClusterContext
from .common import TEMPLATE_HASH, live_pods_of, owner_ref, template_hash, write_status
from .deployment_status import rollout_conditions

REVISION = "deployment.kubernetes.io/revision"
# What the real controller never copies from a Deployment to its ReplicaSets (deployment/util: annotationsToSkip);
# everything else -- kubernetes.io/change-cause above all, which `kubectl rollout history` reads from the
# ReplicaSets -- is copied to the new ReplicaSet, and again whenever the Deployment's own change.
NOT_COPIED = {"kubectl.kubernetes.io/last-applied-configuration", REVISION, "deployment.kubernetes.io/revision-history",
              "deployment.kubernetes.io/desired-replicas", "deployment.kubernetes.io/max-replicas",
              "deprecated.deployment.rollback.to"}


def _copied_annotations(deploy: dict) -> dict[str, str]:
    return {k: v for k, v in (deploy["metadata"].get("annotations") or {}).items() if k not in NOT_COPIED}


def _strip_hash(template: dict) -> dict:
    """The template without the pod-template-hash label (shallow copies: hashing only reads it)."""
    meta = template.get("metadata") or {}
    labels = meta.get("labels")
    if not labels or TEMPLATE_HASH not in labels:
        return template
    return {**template, "metadata": {**meta, "labels": {k: v for k, v in labels.items() if k != TEMPLATE_HASH}}}


def _rolling_params(deploy: dict, desired: int) -> tuple[int, int]:
    strategy = deploy["spec"].get("strategy") or {}
    rolling = strategy.get("rollingUpdate") or {}

    def resolve(value, default: str, round_up: bool) -> int:
        value = default if value is None else value
        if isinstance(value, str) and value.endswith("%"):
            raw = desired * float(value[:-1]) / 100
            return math.ceil(raw) if round_up else math.floor(raw)
        return int(value)

    surge = resolve(rolling.get("maxSurge"), "25%", True)
    unavailable = resolve(rolling.get("maxUnavailable"), "25%", False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def reconcile_deployment(world: ClusterContext, deploy: dict, now: datetime) -> bool:
    namespace = deploy["metadata"]["namespace"]
    desired = int(deploy["spec"].get("replicas", 1))
    template = deploy["spec"]["template"]
    wanted_hash = template_hash(_strip_hash(template))
    owned = list(world.informer.owned_by("ReplicaSet", deploy["metadata"]["uid"]))
    current = next((rs for rs in owned if rs["metadata"].get("labels", {}).get(TEMPLATE_HASH) == wanted_hash), None)
    max_revision = max((int(rs["metadata"].get("annotations", {}).get(REVISION, 0)) for rs in owned), default=0)
    changed = False
    if current is None and deploy["spec"].get("paused"):
        return False  # a paused Deployment makes no new ReplicaSet until it is resumed
    if current is None:
        rs_template = copy.deepcopy(template)
        rs_template.setdefault("metadata", {}).setdefault("labels", {})[TEMPLATE_HASH] = wanted_hash
        selector = copy.deepcopy(deploy["spec"]["selector"])
        selector.setdefault("matchLabels", {})[TEMPLATE_HASH] = wanted_hash
        current = world.store.create({
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{deploy['metadata']['name']}-{wanted_hash}",
                "namespace": namespace,
                "labels": {**(template.get("metadata") or {}).get("labels", {}), TEMPLATE_HASH: wanted_hash},
                "annotations": {**_copied_annotations(deploy), REVISION: str(max_revision + 1),
                                "deployment.kubernetes.io/desired-replicas": str(desired)},
                "ownerReferences": [owner_ref(deploy)],
            },
            "spec": {"replicas": 0, "selector": selector, "template": rs_template},
        })
        world.new_replicasets[deploy["metadata"]["uid"]] = current["metadata"]["name"]  # Progressing: NewReplicaSetCreated
        owned.append(current)
        changed = True
    elif int(current["metadata"].get("annotations", {}).get(REVISION, 0)) < max_revision and not _is_latest(current, owned):
        # A rollback to an old template reuses its ReplicaSet and gives it the next revision (and the Deployment's
        # annotations as they are now).
        current["metadata"].setdefault("annotations", {}).update({**_copied_annotations(deploy), REVISION: str(max_revision + 1)})
        current["metadata"].pop("resourceVersion", None)
        current = world.store.replace(current)
        changed = True
    elif not _copied_annotations(deploy).items() <= (current["metadata"].get("annotations") or {}).items():
        # the Deployment annotated after its rollout ("kubectl annotate deploy x kubernetes.io/change-cause=..."): the
        # current ReplicaSet takes the new values, as the real controller syncs them
        current["metadata"].setdefault("annotations", {}).update(_copied_annotations(deploy))
        current["metadata"].pop("resourceVersion", None)
        current = world.store.replace(current)
        changed = True
    olds = [rs for rs in owned if rs["metadata"]["uid"] != current["metadata"]["uid"]]
    if deploy["spec"].get("paused"):
        return changed
    strategy = (deploy["spec"].get("strategy") or {}).get("type", "RollingUpdate")
    if strategy == "Recreate":
        for rs in olds:
            changed |= _scale_rs(world, rs, 0, deploy, now)
        if not any(live_pods_of(world, rs) for rs in olds):
            changed |= _scale_rs(world, current, desired, deploy, now)
        return changed
    return _roll(world, deploy, current, olds, desired, now) or changed


def _available(world: ClusterContext, rs: dict) -> int:
    return sum(1 for p in live_pods_of(world, rs) if world.pod_ready(p))


def _roll(world: ClusterContext, deploy: dict, new: dict, olds: list[dict], desired: int, now: datetime) -> bool:
    """One step of the deployment controller's rolloutRolling: scale the new ReplicaSet (up to
    maxSurge over the desired count) and, only when it did not move, the old ones down as far as
    maxUnavailable allows -- unhealthy old replicas first (cleanupUnhealthyReplicas), then available
    ones down to desired - maxUnavailable available pods (scaleDownOldReplicaSetsForRollingUpdate)."""
    surge, max_unavailable = _rolling_params(deploy, desired)
    spec = lambda rs: int(rs["spec"].get("replicas", 0))  # noqa: E731
    new_replicas = spec(new)
    all_spec = spec(new) + sum(spec(rs) for rs in olds)
    if new_replicas > desired:
        return _scale_rs(world, new, desired, deploy, now)
    if new_replicas < desired:
        # NewRSNewReplicas: fill what maxSurge leaves over the ReplicaSets' summed replicas.
        target = new_replicas + min(max(0, desired + surge - all_spec), desired - new_replicas)
        if target != new_replicas:
            return _scale_rs(world, new, target, deploy, now)
    if not any(spec(rs) for rs in olds):
        return False
    min_available = desired - min(desired, max_unavailable)
    max_scaled_down = all_spec - min_available - (new_replicas - _available(world, new))
    if max_scaled_down <= 0:
        return False
    # Oldest first, as the controller sorts them (ReplicaSetsByCreationTimestamp, then name).
    olds = sorted(olds, key=lambda rs: (rs["metadata"].get("creationTimestamp") or "", rs["metadata"]["name"]))
    changed = False
    cleaned = 0
    for rs in olds:
        unhealthy = spec(rs) - _available(world, rs)
        if spec(rs) == 0 or unhealthy <= 0 or cleaned >= max_scaled_down:
            continue
        drop = min(max_scaled_down - cleaned, unhealthy)
        cleaned += drop
        changed |= _scale_rs(world, rs, spec(rs) - drop, deploy, now)
    available = _available(world, new) + sum(_available(world, rs) for rs in olds)
    to_scale_down = available - min_available
    for rs in olds:
        if to_scale_down <= 0:
            break
        if spec(rs) == 0:
            continue
        drop = min(spec(rs), to_scale_down)
        to_scale_down -= drop
        changed |= _scale_rs(world, rs, spec(rs) - drop, deploy, now)
    return changed


def _is_latest(rs: dict, owned: list[dict]) -> bool:
    revision = int(rs["metadata"].get("annotations", {}).get(REVISION, 0))
    return all(int(o["metadata"].get("annotations", {}).get(REVISION, 0)) <= revision for o in owned)


def _scale_rs(world: ClusterContext, rs: dict, replicas: int, deploy: dict, now: datetime) -> bool:
    if int(rs["spec"].get("replicas", 0)) == replicas:
        return False
    old = int(rs["spec"].get("replicas", 0))
    rs["spec"]["replicas"] = replicas
    rs["metadata"].pop("resourceVersion", None)
    world.store.replace(rs)
    verb = "up" if replicas > old else "down"
    world.events.record(deploy, "ScalingReplicaSet",
                        f"Scaled {verb} replica set {rs['metadata']['name']} from {old} to {replicas}", now,
                        component="deployment-controller")
    return True


def sync_deployment_status(world: ClusterContext, deploy: dict, now: datetime) -> None:
    desired = int(deploy["spec"].get("replicas", 1))
    owned = world.informer.owned_by("ReplicaSet", deploy["metadata"]["uid"])
    wanted_hash = template_hash(_strip_hash(deploy["spec"]["template"]))
    pods = [p for rs in owned for p in live_pods_of(world, rs)]
    ready = sum(1 for p in pods if world.pod_ready(p))
    updated = [p for p in pods if p["metadata"].get("labels", {}).get(TEMPLATE_HASH) == wanted_hash]
    current = next((rs for rs in owned if rs["metadata"].get("labels", {}).get(TEMPLATE_HASH) == wanted_hash), None)
    rs_name = current["metadata"]["name"] if current else ""
    status = {
        "observedGeneration": deploy["metadata"].get("generation", 1),
        "replicas": len(pods),
        "updatedReplicas": len(updated),
        "readyReplicas": ready,
        "availableReplicas": ready,
        # As the deployment controller counts it: every replica the ReplicaSets want, minus the available ones.
        "unavailableReplicas": max(0, max(desired, sum(int(rs["spec"].get("replicas", 0)) for rs in owned)) - ready),
    }
    failure = next((world.replicaset_failures[rs["metadata"]["uid"]] for rs in owned
                    if rs["metadata"]["uid"] in world.replicaset_failures), None)
    created_rs = world.new_replicasets.pop(deploy["metadata"]["uid"], None) is not None
    status["conditions"] = rollout_conditions(deploy, status, rs_name, created_rs, desired - _max_unavailable(deploy, desired),
                                              failure, now)
    if current is not None:
        revision = current["metadata"].get("annotations", {}).get(REVISION)
        if deploy["metadata"].get("annotations", {}).get(REVISION) != revision:
            deploy["metadata"].setdefault("annotations", {})[REVISION] = revision
            deploy["metadata"].pop("resourceVersion", None)
            deploy = world.store.replace(deploy)
    write_status(world, deploy, status)


def _max_unavailable(deploy: dict, desired: int) -> int:
    """deployment/util.MaxUnavailable: none for Recreate (or zero replicas), never more than the replicas."""
    if (deploy["spec"].get("strategy") or {}).get("type", "RollingUpdate") != "RollingUpdate" or desired == 0:
        return 0
    return min(desired, _rolling_params(deploy, desired)[1])
