"""A workload's revisions, whatever keeps them: a Deployment's ReplicaSets (the revision annotation),
a StatefulSet's or DaemonSet's ControllerRevisions (`revision`, the template in `data`) -- the
history `kubectl rollout history` reads for each kind, and what `rollout undo` goes back to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .context import REVISION, KubeTools

TEMPLATE_HASH = "pod-template-hash"


@dataclass(frozen=True)
class TemplateRevision:
    revision: int
    name: str  # the ReplicaSet or ControllerRevision holding it
    template: dict[str, Any]
    created: str | None
    replicas: int | None  # pods of this revision
    ready: int | None
    change_cause: str | None
    pods: list[str] | None = None  # a ControllerRevision's pods by name (a StatefulSet's members, a DaemonSet's pods)


def _ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in (pod.get("status") or {}).get("conditions") or [])


def _owned(items: list[dict], uid: str) -> list[dict]:
    return [i for i in items if any(r.get("uid") == uid for r in i["metadata"].get("ownerReferences") or [])]


def revisions_of(ctx: KubeTools, kind: str, namespace: str, workload: dict) -> tuple[list[TemplateRevision], int]:
    """(revisions oldest first, the current revision number)."""
    uid = workload["metadata"]["uid"]
    if kind == "Deployment":
        rows = []
        for rs in ctx.owned_replicasets(namespace, workload):
            annotations = rs["metadata"].get("annotations") or {}
            template = rs["spec"]["template"]
            rows.append(TemplateRevision(
                revision=int(annotations.get(REVISION, 0)), name=rs["metadata"]["name"], template=template,
                created=rs["metadata"].get("creationTimestamp"), replicas=rs["spec"].get("replicas", 0),
                ready=(rs.get("status") or {}).get("readyReplicas", 0),
                change_cause=annotations.get("kubernetes.io/change-cause")))
        current = int((workload["metadata"].get("annotations") or {}).get(REVISION) or 0)
        return sorted(rows, key=lambda r: r.revision), current
    listed = ctx.k8s(lambda: ctx.kube.list("ControllerRevision", namespace), "list ControllerRevisions")
    # which pods run each revision: their controller-revision-hash label names it (an OnDelete or partitioned update
    # leaves members on the old one -- a canary's one pod on the new)
    pods = ctx.k8s(lambda: ctx.kube.list("Pod", namespace), "list Pods")
    members: dict[str, list[dict]] = {}
    for pod in _owned(pods, uid):
        members.setdefault(((pod["metadata"].get("labels") or {}).get("controller-revision-hash") or ""), []).append(pod)
    rows = [TemplateRevision(
        revision=int(cr.get("revision") or 0), name=cr["metadata"]["name"],
        template=((cr.get("data") or {}).get("spec") or {}).get("template") or {},
        created=cr["metadata"].get("creationTimestamp"), replicas=len(members.get(cr["metadata"]["name"], [])),
        ready=sum(_ready(p) for p in members.get(cr["metadata"]["name"], [])),
        change_cause=(cr["metadata"].get("annotations") or {}).get("kubernetes.io/change-cause"),
        pods=sorted(p["metadata"]["name"] for p in members.get(cr["metadata"]["name"], [])))
        for cr in _owned(listed, uid)]
    rows.sort(key=lambda r: r.revision)
    # A StatefulSet names its live revision; a DaemonSet's newest revision is the one it rolls out.
    live = (workload.get("status") or {}).get("updateRevision")
    current = next((r.revision for r in rows if r.name == live), rows[-1].revision if rows else 0)
    return rows, current


def restorable(template: dict[str, Any]) -> dict[str, Any]:
    """A revision's template as it goes back onto the workload: without the controller's hash label, nor
    the `$patch: replace` directive a ControllerRevision's data carries (a strategic-merge directive,
    no field of a pod template)."""
    template.pop("$patch", None)
    labels = (template.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(TEMPLATE_HASH, None)
        labels.pop("controller-revision-hash", None)
    return template
