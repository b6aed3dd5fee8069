"""ControllerRevisions, as the DaemonSet and StatefulSet controllers keep them (controller/history):
one per pod template, named `<owner>-<hash>`, labelled with the template's labels and
`controller-revision-hash: <hash>` (kubectl finds them by the owner's selector), carrying the owner's
annotations and, as `data`, the strategic-merge patch that restores the template -- what
`kubectl rollout history` lists and `kubectl rollout undo` applies. The current template's revision
holds the highest number; going back to an earlier template renumbers its revision."""

from __future__ import annotations

import copy
import hashlib
import uuid

from ..context import ClusterContext
from .common import live_pods_of, owner_ref

REVISION_HASH = "controller-revision-hash"


def sync_revisions(world: ClusterContext, owner: dict, current: str, pod_label: str) -> bool:
    """A ControllerRevision for the template hashed `current`, the newest; `pod_label` is what the
    owner's pods of that revision carry in controller-revision-hash (a DaemonSet's the hash, a
    StatefulSet's the revision's name)."""
    namespace, name = owner["metadata"]["namespace"], owner["metadata"]["name"]
    owned = list(world.informer.owned_by("ControllerRevision", owner["metadata"]["uid"]))
    highest = max((int(r.get("revision", 0)) for r in owned), default=0)
    mine = next((r for r in owned if (r["metadata"].get("labels") or {}).get(REVISION_HASH) == current), None)
    if mine is not None and int(mine.get("revision", 0)) == highest:
        return False
    orphan = world.store.try_get("ControllerRevision", namespace, f"{name}-{current}") if mine is None else None
    if orphan is not None and not any(ref.get("controller") for ref in orphan["metadata"].get("ownerReferences") or []):
        # left by an owner deleted with --cascade=orphan: the new owner of the same template adopts it, as the
        # controller's ClaimControllerRevisions does (creating it again would collide on its name for ever)
        mine = copy.deepcopy(orphan)
        mine["metadata"]["ownerReferences"] = [owner_ref(owner)]
    if mine is not None:  # back to an earlier template (an undo), or adopted: that revision becomes the newest
        mine = copy.deepcopy(mine)
        mine["revision"] = highest + 1
        mine["metadata"].pop("resourceVersion", None)
        world.store.replace(mine)
    else:
        template = copy.deepcopy(owner["spec"]["template"])
        world.store.create({
            "apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": f"{name}-{current}", "namespace": namespace,
                         "labels": {**((template.get("metadata") or {}).get("labels") or {}), REVISION_HASH: current},
                         "annotations": dict(owner["metadata"].get("annotations") or {}),
                         "ownerReferences": [owner_ref(owner)]},
            "data": {"spec": {"template": {**template, "$patch": "replace"}}},
            "revision": highest + 1,
        }, uid=str(uuid.UUID(hashlib.sha256(f"{owner['metadata']['uid']}/{current}".encode()).hexdigest()[:32])))
    _trim_revisions(world, owner, current, pod_label)
    return True


def revision_label_of(revision: dict, owner: dict) -> str:
    """What a pod of this revision carries in controller-revision-hash."""
    label = (revision["metadata"].get("labels") or {}).get(REVISION_HASH, "")
    return revision["metadata"]["name"] if owner["kind"] == "StatefulSet" else label


def _trim_revisions(world: ClusterContext, owner: dict, current: str, pod_label: str) -> None:
    """Keep revisionHistoryLimit old revisions (and any a live pod still runs)."""
    limit = int(owner["spec"].get("revisionHistoryLimit", 10))
    in_use = {(p["metadata"].get("labels") or {}).get(REVISION_HASH) for p in live_pods_of(world, owner)} | {pod_label}
    owned = sorted(world.informer.owned_by("ControllerRevision", owner["metadata"]["uid"]),
                   key=lambda r: int(r.get("revision", 0)))
    spare = [r for r in owned if revision_label_of(r, owner) not in in_use]
    for revision in spare[: max(0, len(spare) - limit)]:
        world.store.delete("ControllerRevision", revision["metadata"]["namespace"], revision["metadata"]["name"])
