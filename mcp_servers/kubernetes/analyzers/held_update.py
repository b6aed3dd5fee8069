"""A template change its pods have not taken: a Deployment whose rollout is paused (`spec.paused`), a StatefulSet or
DaemonSet updated under `updateStrategy: OnDelete` -- the spec says one thing (a hotfix image, a fixed setting), the
running pods another, and nothing will change until someone resumes the rollout or deletes the pods. The kubelet and
the controllers report no error for it: only the counts of updated pods say so. Called by the Deployment, StatefulSet
and DaemonSet analyzers."""

from __future__ import annotations

from .base import Finding, make_finding
from .view import ClusterView, KubeObject, name_of, namespace_of, spec_of, status_of
from .workload_template import template_pod_spec


def _images(pod_spec: dict) -> list[str]:
    return [str(c.get("image") or "") for c in pod_spec.get("containers") or []]


def _older(view: ClusterView, kind: str, workload: KubeObject, template: list[str]) -> tuple[list[str], list[str]]:
    """(the images the workload's pods run that its template does not name, the pods that run them -- a StatefulSet's
    or DaemonSet's, by name: the ones to delete; a Deployment's are its older ReplicaSet's, replaced on resume)."""
    namespace, name = namespace_of(workload), name_of(workload)
    if kind == "Deployment":
        specs = [("", template_pod_spec(rs)) for rs in view.owned_by("ReplicaSet", "Deployment", name, namespace)
                 if (spec_of(rs).get("replicas") or 0) > 0]
    else:
        specs = [(name_of(pod), spec_of(pod)) for pod in view.owned_by("Pod", kind, name, namespace)]
    stale = [(pod, [i for i in _images(spec) if i not in template]) for pod, spec in specs]
    return sorted({i for _, images in stale for i in images}), sorted(pod for pod, images in stale if pod and images)


def _off_revision(view: ClusterView, sts: KubeObject) -> tuple[str, list[str]]:
    """(the revision a StatefulSet's pods should run, its pods that run another): an update of env or a Secret's key
    leaves the images as they were, only the pods' controller-revision-hash says which template they run."""
    update = str(status_of(sts).get("updateRevision") or "")
    pods = view.owned_by("Pod", "StatefulSet", name_of(sts), namespace_of(sts))
    return update, sorted(name_of(p) for p in pods
                          if update and ((p.get("metadata") or {}).get("labels") or {}).get("controller-revision-hash") != update)


def held_update_findings(view: ClusterView, kind: str, workload: KubeObject) -> list[Finding]:
    """One warning when the workload's template has not reached all its pods and nothing is moving it there."""
    spec, status = spec_of(workload), status_of(workload)
    namespace, name = namespace_of(workload), name_of(workload)
    if kind == "Deployment":
        held, how = bool(spec.get("paused")), "its rollout is paused (spec.paused: true)"
        desired = spec.get("replicas")
        desired, updated = (1 if desired is None else desired), status.get("updatedReplicas") or 0
        until = f"until the rollout is resumed (`kubectl rollout resume deployment/{name} -n {namespace}`)"
        evidence = ["spec.paused=true", f"status.updatedReplicas={updated}", f"spec.replicas={desired}"]
    elif kind in ("StatefulSet", "DaemonSet"):
        held = ((spec.get("updateStrategy") or {}).get("type") or "") == "OnDelete"
        how = "it updates pods only when they are deleted (updateStrategy: OnDelete)"
        if kind == "StatefulSet":
            desired, updated = spec.get("replicas") or 0, status.get("updatedReplicas") or 0
            stale = status.get("updateRevision") and status.get("currentRevision") != status.get("updateRevision")
            updated = min(updated, desired - 1) if stale and updated >= desired else updated
        else:
            desired, updated = status.get("desiredNumberScheduled") or 0, status.get("updatedNumberScheduled") or 0
        until = "until each is deleted (`kubectl delete pod ...`; a rollout restart does not replace them)"
        evidence = ["spec.updateStrategy.type=OnDelete", f"updated pods={updated}", f"desired pods={desired}"]
    else:
        return []
    if not held or desired <= 0 or updated >= desired:
        return []
    template = _images(template_pod_spec(workload))
    older, pods = _older(view, kind, workload, template)
    said = ", ".join(template)
    if kind == "StatefulSet" and not older:  # the same images: the revision tells the templates apart
        revision, pods = _off_revision(view, workload)
        said = f"revision {revision}" if revision else said
    others = f"the others ({', '.join(pods)})" if pods else "the others"
    runs = f"; {others} still run {', '.join(older)}" if older else f"; {others} still run the previous template"
    return [make_finding(
        kind, workload, "warning", "UpdateHeld",
        f"{kind} {namespace}/{name}: {how} -- its current template ({said}) reached {updated} of "
        f"{desired} pod(s){runs} {until}", evidence)]
