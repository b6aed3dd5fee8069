"""ResourceQuota, as the API server's quota admission and the quota controller apply it: the 403
a pod create gets when it would exceed a quota or leaves out a compute key the quota constrains (with
Kubernetes' messages), and the quota's status (hard and used). The pod-creating controllers (ReplicaSet,
StatefulSet, Job) ask before every create."""

from __future__ import annotations

from ...kube.quantity import parse_quantity
from ..context import ClusterContext
from .common import pod_requests

_QUOTA_KEYS = {"requests.cpu": "cpu", "cpu": "cpu", "limits.cpu": "cpu", "requests.memory": "mem",
               "memory": "mem", "limits.memory": "mem", "pods": "count"}


def _format_quota(key: str, value: float) -> str:
    kind = _QUOTA_KEYS.get(key)
    if kind == "cpu":
        return f"{int(value)}m" if value % 1000 else str(int(value // 1000))
    if kind == "mem":
        return f"{int(value // 1024)}Gi" if value >= 1024 and value % 1024 == 0 else f"{int(value)}Mi"
    return str(int(value))


def quota_usage(world: ClusterContext, namespace: str) -> dict[str, float]:
    used: dict[str, float] = {"pods": 0.0}
    for pod in world.pods_in(namespace):
        # A pod written straight from a scenario's manifests (a bare pod) has no status until the kubelet runs.
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            continue
        used["pods"] += 1
        for key, value in pod_requests(pod).items():
            used[key] = used.get(key, 0.0) + value
    used["cpu"], used["memory"] = used.get("requests.cpu", 0.0), used.get("requests.memory", 0.0)
    return used


# The compute keys a quota makes every container declare (the pod evaluator's validationSet): a quota on
# limits.cpu refuses a pod with a container that sets no CPU limit, whatever the quota's headroom.
_MUST_SPECIFY = ("cpu", "limits.cpu", "limits.memory", "memory", "requests.cpu", "requests.memory")


def _declared(container: dict) -> set[str]:
    """The compute keys a container counts against (requests default to limits, as the API server does)."""
    resources = container.get("resources") or {}
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
    keys = set()
    for resource in ("cpu", "memory"):
        if resource in requests or resource in limits:
            keys |= {resource, f"requests.{resource}"}
        if resource in limits:
            keys.add(f"limits.{resource}")
    return keys


def missing_declarations(pod: dict, hard: dict) -> str | None:
    """The quota plugin's "must specify limits.cpu for: app; ..." when a container leaves out a compute key the
    quota constrains, else None."""
    required = [key for key in _MUST_SPECIFY if key in hard]
    spec = pod.get("spec") or {}
    containers = [c for field in ("containers", "initContainers") for c in spec.get(field) or []]
    missing = {key: sorted(c.get("name", "") for c in containers if key not in _declared(c)) for key in required}
    parts = [f"{key} for: {','.join(names)}" for key, names in missing.items() if names]
    return f"must specify {'; '.join(parts)}" if parts else None


def quota_rejection(world: ClusterContext, namespace: str, pod: dict) -> str | None:
    """The API server's 403 message when `pod` may not be created under a ResourceQuota (a compute key it must
    declare and does not, or usage past the quota), else None. Every controller that creates pods asks it."""
    quotas = world.list("ResourceQuota", namespace)
    if not quotas:
        return None
    used = quota_usage(world, namespace)
    wanted = {"pods": 1.0, **pod_requests(pod)}
    wanted["cpu"], wanted["memory"] = wanted["requests.cpu"], wanted["requests.memory"]
    for quota in quotas:
        hard = (quota.get("spec") or {}).get("hard") or {}
        undeclared = missing_declarations(pod, hard)
        if undeclared:
            return f'pods "{pod["metadata"]["name"]}" is forbidden: failed quota: {quota["metadata"]["name"]}: {undeclared}'
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


def sync_quota_status(world: ClusterContext) -> None:
    for quota in world.list("ResourceQuota"):
        namespace = quota["metadata"]["namespace"]
        hard = (quota.get("spec") or {}).get("hard") or {}
        used = quota_usage(world, namespace)
        status = {"hard": dict(hard), "used": {k: _format_quota(k, used.get(k, 0.0)) for k in hard if k in _QUOTA_KEYS}}
        if quota.get("status") != status:
            quota["status"] = status
            world.store.update_status(quota)
