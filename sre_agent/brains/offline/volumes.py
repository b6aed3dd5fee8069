"""A full volume (volume_full): the workload's logs say a write failed for want of space (ENOSPC, "No space
left on device", a database that "could not extend file") and the workload mounts a PersistentVolumeClaim
at or above the path. The claim is the root; whether its StorageClass allows expansion decides the fix (grow
it, or free space -- which only a human can choose what to delete)."""

from __future__ import annotations

import re

from .calls import Calls
from .log_search import pods_saying

NO_SPACE = re.compile(r"no space left on device|ENOSPC|disk (?:is )?full|could not extend file|out of disk space|"
                      r"not enough space|insufficient disk space|disk quota exceeded", re.I)
PATH = re.compile(r"(/[\w.@/-]+)")
MAX_MEMBERS = 6  # a StatefulSet's members whose lines are read: which of their claims is full


def claims_of(workload_name: str, kind: str, spec: dict) -> dict[str, tuple[str, str]]:
    """mount path -> (claim name, or the StatefulSet's claim name prefix `<template>-<statefulset>-`; the container)."""
    pod_spec = (spec.get("template") or {}).get("spec") or {}
    by_volume = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in pod_spec.get("volumes") or []
                 if (v.get("persistentVolumeClaim") or {}).get("claimName")}
    if kind == "StatefulSet":
        for template in spec.get("volumeClaimTemplates") or []:
            name = (template.get("metadata") or {}).get("name")
            if name:
                by_volume[name] = f"{name}-{workload_name}-"
    return {m["mountPath"]: (by_volume[m["name"]], c["name"]) for c in pod_spec.get("containers") or []
            for m in c.get("volumeMounts") or [] if m.get("name") in by_volume and m.get("mountPath")}


async def full_volumes(workload: str, namespace: str, kind: str, name: str, spec: dict, pods: list[str],
                       calls: Calls) -> None:
    mounts = claims_of(name, kind, spec)
    if not mounts or not pods:
        return
    container = next(iter(mounts.values()))[1]
    # a StatefulSet's members each write their own claim: every member is read, and only the claims of those that say
    # it are full (the first member's claim is not the third's)
    said = await pods_saying(namespace, pods[:MAX_MEMBERS] if kind == "StatefulSet" else pods[:2], NO_SPACE, calls,
                             container, first=kind != "StatefulSet")
    if not said:
        return
    _, line, ev_logs = said[0]
    members = {pod.rsplit("-", 1)[-1] for pod, _, _ in said if kind == "StatefulSet" and pod.startswith(f"{name}-")}
    paths = PATH.findall(line)
    # the mount the failing path lies under (the longest prefix), else the workload's only mount
    under = [mount for mount in mounts if any(p == mount or p.startswith(mount.rstrip("/") + "/") for p in paths)]
    mount = max(under, key=len) if under else (next(iter(mounts)) if len({c for c, _ in mounts.values()}) == 1 else None)
    if mount is None:
        return
    wanted = mounts[mount][0]
    listed, ev_claims = await calls("get_resources", kind="PersistentVolumeClaim", namespace=namespace)
    claims = [c for c in (listed or {}).get("items") or []
              if c["name"] == wanted or wanted.endswith("-") and c["name"].startswith(wanted)
              and (not members or c["name"].removeprefix(wanted) in members)]
    expandable: dict[str, bool | None] = {}  # per StorageClass: a StatefulSet's claims usually share one
    for claim in claims[:3]:
        storage_class = claim.get("storageClass")
        if storage_class and storage_class not in expandable:
            described, _ = await calls("describe", kind="StorageClass", name=storage_class, events_limit=0)
            expandable[storage_class] = (None if described is None
                                         else bool((described.get("object") or {}).get("allowVolumeExpansion")))
        calls.find(f"{namespace}/PersistentVolumeClaim/{claim['name']}", "VolumeFull",
                   f"{workload} cannot write under {mount} (claim {claim['name']}, {claim.get('capacity') or claim.get('request')}"
                   f" of class {claim.get('storageClass')}): {line}", [ev_logs, ev_claims], severity="critical",
                   workload=workload, mount=mount, claim=claim["name"], capacity=claim.get("capacity") or claim.get("request"),
                   storage_class=storage_class, expandable=expandable.get(storage_class or ""), log=line)
