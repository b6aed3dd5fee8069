"""What is on the persistent volumes: the usage of each claim an application writes to.

An image that declares `data_path` writes there; the PVC mounted at that path (or the nearest mount above it)
holds `data_initial_mib` when the world first sees it and grows by `data_write_mib_per_min` for every running
container writing to it. Usage lives with the claim, not the pod (a restarted pod finds its data), and stops at
the claim's capacity (`status.capacity.storage`): a full volume fails the writer's writes (ENOSPC) until the
claim is expanded (controllers/pvc.py grows the capacity) or data is deleted (a scenario's `volume_usage`
step). The kubelet's volume stats (aws/prometheus_metrics.py) read these numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..kube.quantity import memory_mib
from .kubelet import PodRuntime


@dataclass
class VolumeUsage:
    used_mib: float
    at: datetime  # when used_mib was last brought forward
    full: bool = False  # as of the last pass (a change is what the world reacts to)


class VolumeContext(Protocol):
    runtimes: dict[str, PodRuntime]
    volume_usage: dict[str, VolumeUsage]  # PVC uid -> what is on it

    def list(self, kind: str, namespace: str | None = None) -> list[dict]: ...


def capacity_mib(pvc: dict) -> float | None:
    """What the bound volume holds at most, as its claim's status reports it (None while unbound)."""
    size = ((pvc.get("status") or {}).get("capacity") or {}).get("storage")
    return memory_mib(size) if size else None


def claim_at(pod: dict, container: dict, path: str) -> str | None:
    """The claim name mounted at `path` in this container (the longest mount path holding it), or None."""
    claims = {v.get("name"): (v.get("persistentVolumeClaim") or {}).get("claimName")
              for v in pod["spec"].get("volumes") or []}
    best: tuple[int, str | None] = (-1, None)
    for mount in container.get("volumeMounts") or []:
        where = (mount.get("mountPath") or "").rstrip("/") or "/"
        if (path == where or path.startswith(where.rstrip("/") + "/")) and len(where) > best[0]:
            best = (len(where), claims.get(mount.get("name")))
    return best[1]


def writers(world: VolumeContext) -> dict[str, list[tuple[dict, str, float, float]]]:
    """PVC uid -> (pod, data path, MiB per minute, initial MiB) of every running container writing to it."""
    pvcs = {(c["metadata"]["namespace"], c["metadata"]["name"]): c for c in world.list("PersistentVolumeClaim")}
    found: dict[str, list[tuple[dict, str, float, float]]] = {}
    for pod in world.list("Pod"):
        runtime = world.runtimes.get(pod["metadata"]["uid"])
        if runtime is None:
            continue
        specs = {c["name"]: c for c in pod["spec"].get("containers") or []}
        for rt in runtime.containers:
            image = rt.plan.image if rt.plan else None
            if rt.state != "running" or image is None or not image.data_path or rt.name not in specs:
                continue
            claim = claim_at(pod, specs[rt.name], image.data_path)
            pvc = pvcs.get((pod["metadata"]["namespace"], claim)) if claim else None
            if pvc is not None:
                found.setdefault(pvc["metadata"]["uid"], []).append(
                    (pod, image.data_path, image.data_write_mib_per_min, image.data_initial_mib))
    return found


def grow_volumes(world: VolumeContext, now: datetime) -> bool:
    """Bring every written volume's usage forward to `now`; True when one filled up or stopped being full
    (what the writers' errors depend on)."""
    capacities = {c["metadata"]["uid"]: capacity_mib(c) for c in world.list("PersistentVolumeClaim")}
    for uid, writing in writers(world).items():
        capacity = capacities.get(uid)
        state = world.volume_usage.get(uid)
        if state is None:
            state = world.volume_usage[uid] = VolumeUsage(max(w[3] for w in writing), now)
        minutes = max(0.0, (now - state.at).total_seconds() / 60)
        state.used_mib += sum(w[2] for w in writing) * minutes
        if capacity is not None:
            state.used_mib = min(state.used_mib, capacity)
        state.at = now
    flipped = False
    for uid, state in world.volume_usage.items():  # written to, expanded or cleaned up: the line may move
        capacity = capacities.get(uid)
        full = capacity is not None and state.used_mib >= capacity
        flipped |= full != state.full
        state.full = full
    return flipped


def full_path(world: VolumeContext, pod: dict, container: dict, data_path: str | None) -> str | None:
    """The data path whose volume is full for this container, or None."""
    if not data_path:
        return None
    claim = claim_at(pod, container, data_path)
    if claim is None:
        return None
    for pvc in world.list("PersistentVolumeClaim", pod["metadata"]["namespace"]):
        if pvc["metadata"]["name"] == claim:
            state = world.volume_usage.get(pvc["metadata"]["uid"])
            capacity = capacity_mib(pvc)
            return data_path if state and capacity is not None and state.used_mib >= capacity else None
    return None
