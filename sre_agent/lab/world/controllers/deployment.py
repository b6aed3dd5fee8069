"""The control plane's controllers, as Kubernetes runs them: Deployment -> ReplicaSet -> Pod with
rolling updates and revision history, StatefulSet, DaemonSet, Job, the scheduler, the node
lifecycle controller, PVC binding, ResourceQuota admission and the Endpoints controller.

Each function takes the world's current objects, writes only through the store, and returns
whether it changed anything so the world can run passes until the cluster settles."""

from __future__ import annotations

import copy
import hashlib
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

try:  # hashing templates is on the reconcile hot path; orjson comes with langgraph
    import orjson

    def _canonical(obj: dict) -> bytes:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
except ImportError:  # pragma: no cover
    import json

    def _canonical(obj: dict) -> bytes:
        return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()

from .clock import parse_rfc3339, rfc3339
from .quantity import cpu_millicores, memory_mib, parse_quantity

if TYPE_CHECKING:
    from .world import World

REVISION = "deployment.kubernetes.io/revision"
TEMPLATE_HASH = "pod-template-hash"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
EVICTION_AFTER_S = 300  # default tolerationSeconds for not-ready/unreachable


_hashes: dict[int, tuple[dict, str]] = {}


def template_hash(template: dict) -> str:
    """The pod-template-hash of a template. Templates read through the informer are the same
    object until written again, so each is hashed once (the cache keeps the object, so its id
    cannot be reused while cached)."""
    cached = _hashes.get(id(template))
    if cached is not None and cached[0] is template:
        return cached[1]
    value = _template_hash(template)
    if len(_hashes) > 4096:
        _hashes.clear()
    _hashes[id(template)] = (template, value)
    return value


# Kubernetes' "safe" alphabet for generated names (no vowels, no look-alike characters).
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def _safe_encode(digest_hex: str, length: int) -> str:
    value = int(digest_hex, 16)
    out = ""
    for _ in range(length):
        value, rem = divmod(value, len(SAFE_ALPHABET))
        out += SAFE_ALPHABET[rem]
    return out


def _template_hash(template: dict) -> str:
    return _safe_encode(hashlib.sha256(_canonical(template)).hexdigest()[:16], 10)


def _suffix(seed: str) -> str:
    return _safe_encode(hashlib.sha256(seed.encode()).hexdigest()[:12], 5)


def owner_ref(owner: dict) -> dict:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def owned_by(obj: dict, owner: dict) -> bool:
    uid = owner["metadata"]["uid"]
    return any(ref.get("uid") == uid for ref in obj["metadata"].get("ownerReferences") or [])


def is_terminating(pod: dict) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def workload_name(pod: dict) -> str:
    """The controller's name: Deployment for ReplicaSet-owned pods, else the owner, else the pod."""
    refs = pod["metadata"].get("ownerReferences") or []
    if not refs:
        return pod["metadata"]["name"]
    owner = refs[0]
    if owner["kind"] == "ReplicaSet":
        hash_label = (pod["metadata"].get("labels") or {}).get("pod-template-hash")
        if hash_label and owner["name"].endswith(f"-{hash_label}"):
            return owner["name"][: -len(hash_label) - 1]
    return owner["name"]


def pod_requests(pod: dict) -> dict[str, float]:
    """Sums of requests and limits over the pod's containers (cpu in millicores, memory in MiB)."""
    total = {"requests.cpu": 0.0, "requests.memory": 0.0, "limits.cpu": 0.0, "limits.memory": 0.0}
    for container in pod["spec"].get("containers") or []:
        resources = container.get("resources") or {}
        requests = resources.get("requests") or {}
        limits = resources.get("limits") or {}
        # A container with limits but no requests gets requests = limits, as the API server defaults it.
        total["requests.cpu"] += cpu_millicores(requests.get("cpu", limits.get("cpu")))
        total["requests.memory"] += memory_mib(requests.get("memory", limits.get("memory")))
        total["limits.cpu"] += cpu_millicores(limits.get("cpu"))
        total["limits.memory"] += memory_mib(limits.get("memory"))
    return total


def new_pod(owner: dict, template: dict, name: str, extra_labels: dict | None = None) -> dict:
    meta = copy.deepcopy(template.get("metadata") or {})
    meta["labels"] = {**(meta.get("labels") or {}), **(extra_labels or {})}
    meta.update({"name": name, "namespace": owner["metadata"]["namespace"], "ownerReferences": [owner_ref(owner)]})
    spec = copy.deepcopy(template.get("spec") or {})
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": {"phase": "Pending"}}


# --- admission: ResourceQuota ---------------------------------------------------------------

_QUOTA_KEYS = {"requests.cpu": "cpu", "cpu": "cpu", "limits.cpu": "cpu", "requests.memory": "mem",
               "memory": "mem", "limits.memory": "mem", "pods": "count"}


def _format_quota(key: str, value: float) -> str:
    kind = _QUOTA_KEYS.get(key)
    if kind == "cpu":
        return f"{int(value)}m" if value % 1000 else str(int(value // 1000))
    if kind == "mem":
        return f"{int(value // 1024)}Gi" if value >= 1024 and value % 1024 == 0 else f"{int(value)}Mi"
    return str(int(value))


def quota_usage(world: "World", namespace: str) -> dict[str, float]:
    used: dict[str, float] = {"pods": 0.0}
    for pod in world.pods_in(namespace):
        if pod["status"].get("phase") in ("Succeeded", "Failed"):
            continue
        used["pods"] += 1
        for key, value in pod_requests(pod).items():
            used[key] = used.get(key, 0.0) + value
    used["cpu"], used["memory"] = used.get("requests.cpu", 0.0), used.get("requests.memory", 0.0)
    return used


def quota_rejection(world: "World", namespace: str, pod: dict) -> str | None:
    """The API server's 403 message when creating `pod` would exceed a ResourceQuota, else None."""
    quotas = world.list("ResourceQuota", namespace)
    if not quotas:
        return None
    used = quota_usage(world, namespace)
    wanted = {"pods": 1.0, **pod_requests(pod)}
    wanted["cpu"], wanted["memory"] = wanted["requests.cpu"], wanted["requests.memory"]
    for quota in quotas:
        hard = (quota.get("spec") or {}).get("hard") or {}
        over = []
        for key, limit_text in hard.items():
            if key not in _QUOTA_KEYS:
                continue
            kind = _QUOTA_KEYS[key]
            limit = parse_quantity(limit_text) * (1000 if kind == "cpu" else 1) / (2**20 if kind == "mem" else 1)
            if used.get(key, 0.0) + wanted.get(key, 0.0) > limit + 1e-9:
                over.append((key, wanted.get(key, 0.0), used.get(key, 0.0), limit))
        if over:
            requested = ",".join(f"{k}={_format_quota(k, w)}" for k, w, _, _ in over)
            usedtxt = ",".join(f"{k}={_format_quota(k, u)}" for k, _, u, _ in over)
            limited = ",".join(f"{k}={_format_quota(k, lim)}" for k, _, _, lim in over)
            return (f'pods "{pod["metadata"]["name"]}" is forbidden: exceeded quota: {quota["metadata"]["name"]}, '
                    f"requested: {requested}, used: {usedtxt}, limited: {limited}")
    return None


def sync_quota_status(world: "World") -> None:
    for quota in world.list("ResourceQuota"):
        namespace = quota["metadata"]["namespace"]
        hard = (quota.get("spec") or {}).get("hard") or {}
        used = quota_usage(world, namespace)
        status = {"hard": dict(hard), "used": {k: _format_quota(k, used.get(k, 0.0)) for k in hard if k in _QUOTA_KEYS}}
        if quota.get("status") != status:
            quota["status"] = status
            world.store.update_status(quota)


# --- ReplicaSets and Deployments -----------------------------------------------------------

def live_pods_of(world: "World", owner: dict) -> list[dict]:
    return [p for p in world.informer.owned_by("Pod", owner["metadata"]["uid"]) if not is_terminating(p)]


def reconcile_replicaset(world: "World", rs: dict, now: datetime) -> bool:
    desired = int(rs["spec"].get("replicas", 1))
    pods = live_pods_of(world, rs)
    changed = False
    if len(pods) >= desired:
        # Nothing left to create (scaled back, or created since): the ReplicaFailure condition clears.
        world.replicaset_failures.pop(rs["metadata"]["uid"], None)
    if len(pods) < desired:
        for index in range(desired - len(pods)):
            name = f"{rs['metadata']['name']}-{_suffix(rs['metadata']['uid'] + str(world.next_serial()))}"
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


def sync_replicaset_status(world: "World", rs: dict) -> None:
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
    _write_status(world, rs, status)


def _write_status(world: "World", obj: dict, status: dict) -> None:
    if obj.get("status") != status:
        obj["status"] = status
        world.store.update_status(obj)


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


def reconcile_deployment(world: "World", deploy: dict, now: datetime) -> bool:
    namespace = deploy["metadata"]["namespace"]
    desired = int(deploy["spec"].get("replicas", 1))
    template = deploy["spec"]["template"]
    wanted_hash = template_hash(_strip_hash(template))
    owned = list(world.informer.owned_by("ReplicaSet", deploy["metadata"]["uid"]))
    current = next((rs for rs in owned if rs["metadata"].get("labels", {}).get(TEMPLATE_HASH) == wanted_hash), None)
    max_revision = max((int(rs["metadata"].get("annotations", {}).get(REVISION, 0)) for rs in owned), default=0)
    changed = False
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
                "annotations": {REVISION: str(max_revision + 1), "deployment.kubernetes.io/desired-replicas": str(desired)},
                "ownerReferences": [owner_ref(deploy)],
            },
            "spec": {"replicas": 0, "selector": selector, "template": rs_template},
        })
        world.deployment_progress[deploy["metadata"]["uid"]] = now
        owned.append(current)
        changed = True
    elif int(current["metadata"].get("annotations", {}).get(REVISION, 0)) < max_revision and not _is_latest(current, owned):
        # A rollback to an old template reuses its ReplicaSet and gives it the next revision.
        current["metadata"].setdefault("annotations", {})[REVISION] = str(max_revision + 1)
        current["metadata"].pop("resourceVersion", None)
        current = world.store.replace(current)
        world.deployment_progress[deploy["metadata"]["uid"]] = now
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
    surge, max_unavailable = _rolling_params(deploy, desired)
    total_spec = sum(int(rs["spec"].get("replicas", 0)) for rs in owned)
    new_replicas = int(current["spec"].get("replicas", 0))
    if new_replicas > desired:
        changed |= _scale_rs(world, current, desired, deploy, now)
    elif new_replicas < desired:
        allowed = max(0, desired + surge - total_spec)
        target = new_replicas + min(allowed, desired - new_replicas)
        if not olds:
            target = desired
        if target != new_replicas:
            changed |= _scale_rs(world, current, target, deploy, now)
    # Scale old ReplicaSets down only as far as availability allows.
    min_available = desired - max_unavailable
    all_ready = sum(sum(1 for p in live_pods_of(world, rs) if world.pod_ready(p)) for rs in owned)
    new_unavailable = int(current["spec"].get("replicas", 0)) - sum(
        1 for p in live_pods_of(world, current) if world.pod_ready(p))
    budget = all_ready - min_available - max(0, new_unavailable)
    for rs in sorted(olds, key=lambda r: int(r["metadata"].get("annotations", {}).get(REVISION, 0))):
        replicas = int(rs["spec"].get("replicas", 0))
        if replicas == 0:
            continue
        unhealthy = replicas - sum(1 for p in live_pods_of(world, rs) if world.pod_ready(p))
        # Unhealthy old replicas can always go: they serve nothing.
        drop = min(replicas, max(0, unhealthy) + max(0, budget))
        if drop > 0:
            budget -= max(0, drop - max(0, unhealthy))
            changed |= _scale_rs(world, rs, replicas - drop, deploy, now)
    return changed


def _is_latest(rs: dict, owned: list[dict]) -> bool:
    revision = int(rs["metadata"].get("annotations", {}).get(REVISION, 0))
    return all(int(o["metadata"].get("annotations", {}).get(REVISION, 0)) <= revision for o in owned)


def _scale_rs(world: "World", rs: dict, replicas: int, deploy: dict, now: datetime) -> bool:
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


def sync_deployment_status(world: "World", deploy: dict, now: datetime) -> None:
    desired = int(deploy["spec"].get("replicas", 1))
    owned = world.informer.owned_by("ReplicaSet", deploy["metadata"]["uid"])
    wanted_hash = template_hash(_strip_hash(deploy["spec"]["template"]))
    pods = [p for rs in owned for p in live_pods_of(world, rs)]
    ready = sum(1 for p in pods if world.pod_ready(p))
    updated = [p for p in pods if p["metadata"].get("labels", {}).get(TEMPLATE_HASH) == wanted_hash]
    updated_ready = sum(1 for p in updated if world.pod_ready(p))
    _, max_unavailable = _rolling_params(deploy, desired)
    started = world.deployment_progress.get(deploy["metadata"]["uid"]) or parse_rfc3339(
        deploy["metadata"]["creationTimestamp"])
    stamp = rfc3339(started)
    complete = updated_ready >= desired and len(pods) == desired
    deadline = int(deploy["spec"].get("progressDeadlineSeconds", 600))
    current = next((rs for rs in owned if rs["metadata"].get("labels", {}).get(TEMPLATE_HASH) == wanted_hash), None)
    rs_name = current["metadata"]["name"] if current else ""
    if complete:
        progressing = {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                       "message": f'ReplicaSet "{rs_name}" has successfully progressed.'}
    elif (now - started).total_seconds() > deadline:
        progressing = {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                       "message": f'ReplicaSet "{rs_name}" has timed out progressing.'}
    else:
        progressing = {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                       "message": f'ReplicaSet "{rs_name}" is progressing.'}
    available = ready >= desired - max_unavailable
    conditions = [
        {"type": "Available", "status": "True" if available else "False",
         "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
         "message": "Deployment has minimum availability." if available else "Deployment does not have minimum availability.",
         "lastTransitionTime": stamp, "lastUpdateTime": stamp},
        {**progressing, "lastTransitionTime": stamp, "lastUpdateTime": stamp},
    ]
    failure = next((world.replicaset_failures[rs["metadata"]["uid"]] for rs in owned
                    if rs["metadata"]["uid"] in world.replicaset_failures), None)
    if failure:
        conditions.append({"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": failure,
                           "lastTransitionTime": stamp, "lastUpdateTime": stamp})
    status = {
        "observedGeneration": deploy["metadata"].get("generation", 1),
        "replicas": len(pods),
        "updatedReplicas": len(updated),
        "readyReplicas": ready,
        "availableReplicas": ready,
        # As the deployment controller counts it: every replica the ReplicaSets want, minus the available ones.
        "unavailableReplicas": max(0, max(desired, sum(int(rs["spec"].get("replicas", 0)) for rs in owned)) - ready),
        "conditions": conditions,
    }
    if current is not None:
        revision = current["metadata"].get("annotations", {}).get(REVISION)
        if deploy["metadata"].get("annotations", {}).get(REVISION) != revision:
            deploy["metadata"].setdefault("annotations", {})[REVISION] = revision
            deploy["metadata"].pop("resourceVersion", None)
            deploy = world.store.replace(deploy)
    _write_status(world, deploy, status)


# --- StatefulSets, DaemonSets, Jobs ----------------------------------------------------------

def reconcile_statefulset(world: "World", sts: dict, now: datetime) -> bool:
    namespace, name = sts["metadata"]["namespace"], sts["metadata"]["name"]
    desired = int(sts["spec"].get("replicas", 1))
    revision = template_hash(sts["spec"]["template"])
    pods = {p["metadata"]["name"]: p for p in world.informer.owned_by("Pod", sts["metadata"]["uid"])}
    changed = False
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
            pod = new_pod(sts, template, pod_name, {"controller-revision-hash": f"{name}-{revision}",
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
    # Rolling update: replace the highest ordinal running an old revision, one at a time.
    stale = [p for p in pods.values() if p["metadata"].get("labels", {}).get("controller-revision-hash") != f"{name}-{revision}"
             and not is_terminating(p)]
    if stale and not changed:
        victim = max(stale, key=lambda p: p["metadata"]["name"])
        world.delete_pod(victim)
        changed = True
    return changed


def sync_statefulset_status(world: "World", sts: dict) -> None:
    pods = live_pods_of(world, sts)
    ready = sum(1 for p in pods if world.pod_ready(p))
    _write_status(world, sts, {"observedGeneration": sts["metadata"].get("generation", 1), "replicas": len(pods),
                               "readyReplicas": ready, "availableReplicas": ready, "currentReplicas": len(pods),
                               "updatedReplicas": len(pods)})


def reconcile_daemonset(world: "World", ds: dict, now: datetime) -> bool:
    template = ds["spec"]["template"]
    pods_by_node = {p["spec"].get("nodeName"): p for p in world.informer.owned_by("Pod", ds["metadata"]["uid"])}
    changed = False
    for node in world.list("Node"):
        node_name = node["metadata"]["name"]
        fits = world.scheduler.node_accepts(node, template.get("spec") or {}, daemon=True) is None
        pod = pods_by_node.get(node_name)
        if fits and pod is None:
            name = f"{ds['metadata']['name']}-{_suffix(ds['metadata']['uid'] + node_name)}"
            pod = new_pod(ds, template, name)
            pod["spec"]["nodeName"] = node_name
            world.store.create(pod)
            world.events.record(ds, "SuccessfulCreate", f"Created pod: {name}", now, component="daemonset-controller")
            changed = True
    return changed


def sync_daemonset_status(world: "World", ds: dict) -> None:
    pods = live_pods_of(world, ds)
    ready = sum(1 for p in pods if world.pod_ready(p))
    _write_status(world, ds, {"desiredNumberScheduled": len(pods), "currentNumberScheduled": len(pods),
                              "numberReady": ready, "numberAvailable": ready, "numberUnavailable": len(pods) - ready,
                              "numberMisscheduled": 0, "updatedNumberScheduled": len(pods),
                              "observedGeneration": ds["metadata"].get("generation", 1)})


def reconcile_job(world: "World", job: dict, now: datetime) -> bool:
    completions = int(job["spec"].get("completions", 1))
    parallelism = int(job["spec"].get("parallelism", 1))
    backoff_limit = int(job["spec"].get("backoffLimit", 6))
    pods = list(world.informer.owned_by("Pod", job["metadata"]["uid"]))
    succeeded = sum(1 for p in pods if p["status"].get("phase") == "Succeeded")
    failed = sum(world.pod_restarts(p) for p in pods) + sum(1 for p in pods if p["status"].get("phase") == "Failed")
    active = [p for p in pods if p["status"].get("phase") not in ("Succeeded", "Failed")]
    if succeeded >= completions or failed > backoff_limit:
        return False
    changed = False
    while len(active) < min(parallelism, completions - succeeded):
        name = f"{job['metadata']['name']}-{_suffix(job['metadata']['uid'] + str(world.next_serial()))}"
        template = copy.deepcopy(job["spec"]["template"])
        template.setdefault("metadata", {}).setdefault("labels", {})["job-name"] = job["metadata"]["name"]
        pod = new_pod(job, template, name)
        world.store.create(pod)
        world.events.record(job, "SuccessfulCreate", f"Created pod: {name}", now, component="job-controller")
        active.append(pod)
        changed = True
    return changed


def sync_job_status(world: "World", job: dict, now: datetime) -> None:
    pods = list(world.informer.owned_by("Pod", job["metadata"]["uid"]))
    succeeded = sum(1 for p in pods if p["status"].get("phase") == "Succeeded")
    failed_restarts = sum(world.pod_restarts(p) for p in pods)
    active = sum(1 for p in pods if p["status"].get("phase") not in ("Succeeded", "Failed"))
    status: dict = {"active": active, "succeeded": succeeded, "failed": failed_restarts,
                    "startTime": job["metadata"]["creationTimestamp"]}
    if succeeded >= int(job["spec"].get("completions", 1)):
        status["conditions"] = [{"type": "Complete", "status": "True"}]
        status["completionTime"] = (job.get("status") or {}).get("completionTime") or rfc3339(now)
    elif failed_restarts > int(job["spec"].get("backoffLimit", 6)):
        status["conditions"] = [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                                 "message": "Job has reached the specified backoff limit"}]
    _write_status(world, job, status)


# --- PVCs ------------------------------------------------------------------------------------

def reconcile_pvcs(world: "World", now: datetime) -> None:
    classes = {sc["metadata"]["name"]: sc for sc in world.list("StorageClass")}
    default = next((n for n, sc in classes.items()
                    if (sc["metadata"].get("annotations") or {}).get("storageclass.kubernetes.io/is-default-class") == "true"), None)
    for pvc in world.list("PersistentVolumeClaim"):
        if (pvc.get("status") or {}).get("phase") == "Bound":
            continue
        class_name = pvc["spec"].get("storageClassName") or default
        if class_name and class_name in classes:
            pvc["spec"].setdefault("volumeName", f"pvc-{pvc['metadata']['uid']}")
            pvc["metadata"].pop("resourceVersion", None)
            pvc = world.store.replace(pvc)
            size = ((pvc["spec"].get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
            _write_status(world, pvc, {"phase": "Bound", "accessModes": pvc["spec"].get("accessModes", ["ReadWriteOnce"]),
                                       "capacity": {"storage": size}})
            world.events.record(pvc, "ProvisioningSucceeded",
                                f"Successfully provisioned volume pvc-{pvc['metadata']['uid']}", now,
                                component="persistentvolume-controller")
            continue
        _write_status(world, pvc, {"phase": "Pending"})
        if class_name:
            message = f'storageclass.storage.k8s.io "{class_name}" not found'
            reason = "ProvisioningFailed"
        else:
            message = "no persistent volumes available for this claim and no storage class is set"
            reason = "FailedBinding"
        world.events.record(pvc, reason, message, now, type_="Warning", component="persistentvolume-controller",
                            count=1 if world.minute_tick else 0)


# --- nodes -------------------------------------------------------------------------------------

def reconcile_nodes(world: "World", now: datetime) -> None:
    for node in world.list("Node"):
        name = node["metadata"]["name"]
        fault = world.node_faults.get(name)
        taints = [t for t in node["spec"].get("taints") or [] if t.get("key") != UNREACHABLE_TAINT]
        if fault is not None:
            taints += [{"key": UNREACHABLE_TAINT, "effect": "NoSchedule", "timeAdded": rfc3339(fault)},
                       {"key": UNREACHABLE_TAINT, "effect": "NoExecute", "timeAdded": rfc3339(fault)}]
        if taints != (node["spec"].get("taints") or []):
            node["spec"]["taints"] = taints
            node["metadata"].pop("resourceVersion", None)
            node = world.store.replace(node)
            if fault is not None:
                world.events.record(node, "NodeNotReady", f"Node {name} status is now: NodeNotReady", fault,
                                    component="node-controller")
            else:
                world.events.record(node, "NodeReady", f"Node {name} status is now: NodeReady", now,
                                    component="kubelet", host=name)
        status = dict(node.get("status") or {})
        conditions = []
        # With node leases a kubelet re-posts an unchanged status every 5 minutes (nodeStatusReportFrequency).
        heartbeat = rfc3339(fault if fault else now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0))
        for ctype in ("MemoryPressure", "DiskPressure", "PIDPressure"):
            conditions.append({"type": ctype, "status": "Unknown" if fault else "False",
                               "reason": "NodeStatusUnknown" if fault else f"KubeletHas{'No' if ctype != 'PIDPressure' else 'Sufficient'}{ctype.replace('Pressure', '') if ctype != 'PIDPressure' else 'PID'}",
                               "message": "Kubelet stopped posting node status." if fault else f"kubelet has no {ctype.lower()}",
                               "lastHeartbeatTime": heartbeat})
        conditions.append({"type": "Ready", "status": "Unknown" if fault else "True",
                           "reason": "NodeStatusUnknown" if fault else "KubeletReady",
                           "message": "Kubelet stopped posting node status." if fault else "kubelet is posting ready status",
                           "lastHeartbeatTime": heartbeat,
                           "lastTransitionTime": rfc3339(fault) if fault else node["metadata"]["creationTimestamp"]})
        status["conditions"] = conditions
        _write_status(world, node, status)


def evict_from_unreachable_nodes(world: "World", now: datetime) -> bool:
    """The node lifecycle controller: pods on a node gone for > tolerationSeconds are marked for deletion."""
    changed = False
    for pod in world.list("Pod"):
        node = pod["spec"].get("nodeName")
        fault = world.node_faults.get(node) if node else None
        if fault is None:
            if node and is_terminating(pod) and pod["metadata"].get("annotations", {}).get("sre-lab/evicted-from") == node:
                world.delete_pod(pod)  # the kubelet is back and finishes the deletion
                changed = True
            continue
        if is_terminating(pod) or (now - fault).total_seconds() < EVICTION_AFTER_S:
            continue
        if _owner_kind(pod) == "DaemonSet":
            continue  # DaemonSet pods tolerate unreachable nodes
        pod["metadata"]["deletionTimestamp"] = rfc3339(fault + timedelta(seconds=EVICTION_AFTER_S))
        pod["metadata"]["deletionGracePeriodSeconds"] = 30
        pod["metadata"].setdefault("annotations", {})["sre-lab/evicted-from"] = node
        pod["metadata"].pop("resourceVersion", None)
        world.store.replace(pod)
        world.events.record(pod, "TaintManagerEviction", f"Marking for deletion Pod {pod['metadata']['namespace']}/{pod['metadata']['name']}",
                            fault + timedelta(seconds=EVICTION_AFTER_S), component="taint-eviction-controller")
        changed = True
    return changed


def _owner_kind(obj: dict) -> str | None:
    refs = obj["metadata"].get("ownerReferences") or []
    return refs[0]["kind"] if refs else None


# --- Endpoints ---------------------------------------------------------------------------------

def reconcile_endpoints(world: "World") -> bool:
    """Endpoints follow Service selectors and pod readiness; True when any Endpoints changed."""
    changed = False
    for service in world.list("Service"):
        selector = service["spec"].get("selector")
        if not selector:
            continue
        namespace, name = service["metadata"]["namespace"], service["metadata"]["name"]
        ready, not_ready = [], []
        for pod in world.pods_in(namespace):
            if is_terminating(pod) or not pod["status"].get("podIP"):
                continue
            if any((pod["metadata"].get("labels") or {}).get(k) != v for k, v in selector.items()):
                continue
            address = {"ip": pod["status"]["podIP"], "nodeName": pod["spec"].get("nodeName"),
                       "targetRef": {"kind": "Pod", "name": pod["metadata"]["name"], "namespace": namespace,
                                     "uid": pod["metadata"]["uid"]}}
            (ready if world.pod_ready(pod) else not_ready).append(address)
        ports = []
        for port in service["spec"].get("ports") or []:
            target = port.get("targetPort", port.get("port"))
            ports.append({"name": port.get("name"), "port": target if isinstance(target, int) else port.get("port"),
                          "protocol": port.get("protocol", "TCP")})
        subsets = []
        if ready or not_ready:
            subset: dict = {"ports": ports}
            if ready:
                subset["addresses"] = sorted(ready, key=lambda a: a["ip"])
            if not_ready:
                subset["notReadyAddresses"] = sorted(not_ready, key=lambda a: a["ip"])
            subsets.append(subset)
        existing = world.informer.get("Endpoints", namespace, name)
        body = {"apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": name, "namespace": namespace, "labels": dict(service["metadata"].get("labels") or {})},
                "subsets": subsets}
        if existing is None:
            world.store.create(body)
            changed = True
        elif existing.get("subsets") != subsets:
            existing["subsets"] = subsets
            existing["metadata"].pop("resourceVersion", None)
            world.store.replace(existing)
            changed = True
    return changed
