"""What every controller shares: pod-template hashes and generated name suffixes (Kubernetes'
"safe" alphabet), owner references, the pods a controller owns, a pod built from a template,
a pod's summed requests and limits, and writing a status only when it changed."""

from __future__ import annotations

import copy
import hashlib

from ...kube.quantity import cpu_millicores, memory_mib
from ..context import ClusterContext

try:  # hashing templates is on the reconcile hot path; orjson comes with langgraph
    import orjson

    def _canonical(obj: dict) -> bytes:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
except ImportError:  # pragma: no cover
    import json

    def _canonical(obj: dict) -> bytes:
        return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


TEMPLATE_HASH = "pod-template-hash"

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


def name_suffix(seed: str) -> str:
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


def live_pods_of(world: ClusterContext, owner: dict) -> list[dict]:
    return [p for p in world.informer.owned_by("Pod", owner["metadata"]["uid"]) if not is_terminating(p)]


def write_status(world: ClusterContext, obj: dict, status: dict) -> None:
    if obj.get("status") != status:
        obj["status"] = status
        world.store.update_status(obj)


def owner_kind(obj: dict) -> str | None:
    refs = obj["metadata"].get("ownerReferences") or []
    return refs[0]["kind"] if refs else None
