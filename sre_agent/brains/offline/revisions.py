"""The memory limit a killed container had in the revisions a rollback may go back to: whether undoing a rollout
can give it more memory (graph/oom_rollback.py decides; a rollout that bumped another container's image, or none
that touched resources, cannot).

Read as cheaply as the history allows: where a revision's `changed` facts say resources did not change from the
revision before it, that revision's limits are its predecessor's -- no read. Only across a change of resources is
the older revision's template read (a Deployment's ReplicaSet, a StatefulSet's or DaemonSet's ControllerRevision),
a bounded number of times; what stays unread is unknown, and unknown never refuses a rollback."""

from __future__ import annotations

from typing import Any

from .calls import Calls

MAX_TEMPLATE_READS = 3
TEMPLATE_HOLDER = {"Deployment": "ReplicaSet", "StatefulSet": "ControllerRevision", "DaemonSet": "ControllerRevision"}


def container_memory_limit(template: dict[str, Any], container: str) -> str | None:
    """The container's memory limit in a pod template (None: no limit, or no such container then)."""
    spec = template.get("spec") or {}
    for entry in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        if entry.get("name") == container:
            return ((entry.get("resources") or {}).get("limits") or {}).get("memory")
    return None


def _template_of(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    if kind == "Deployment":
        return (obj.get("spec") or {}).get("template") or {}
    return ((obj.get("data") or {}).get("spec") or {}).get("template") or {}


async def killed_limit_history(namespace: str, kind: str, workload: str, revisions: list[dict], history_ev: str,
                               calls: Calls) -> None:
    """One `KilledLimitHistory` finding per container killed at its memory limit: {revision: its limit then}."""
    kills = {str(f.details["container"]): str(f.details["memory_limit"]) for f in calls.findings
             if f.resource == workload and f.signal == "OOMKilled" and f.details.get("container") and f.details.get("memory_limit")}
    rows = sorted(revisions, key=lambda r: int(r.get("revision") or 0))
    at = next((i for i, r in enumerate(rows) if r.get("current")), None)
    if not kills or at is None or at == 0 or kind not in TEMPLATE_HOLDER:
        return
    limits: dict[str, dict[str, str | None]] = {c: {str(rows[at]["revision"]): limit} for c, limit in kills.items()}
    evidence: list[str] = [history_ev]
    reads = 0
    for i in range(at, 0, -1):
        newer, older = rows[i], rows[i - 1]
        changed = newer.get("changed")
        if changed is not None and "resources" not in changed:  # the same limits as the revision after it
            for per_revision in limits.values():
                per_revision[str(older["revision"])] = per_revision[str(newer["revision"])]
            continue
        if reads >= MAX_TEMPLATE_READS or not older.get("replicaset"):
            break
        reads += 1
        described, ev = await calls("describe", kind=TEMPLATE_HOLDER[kind], name=older["replicaset"], namespace=namespace,
                                    events_limit=0)
        evidence.append(ev)
        if described is None:
            break
        template = _template_of(kind, described.get("object") or {})
        for container, per_revision in limits.items():
            per_revision[str(older["revision"])] = container_memory_limit(template, container)
    for container, per_revision in limits.items():
        said = ", ".join(f"revision {rev}: {limit or 'no limit'}" for rev, limit in sorted(per_revision.items(), key=lambda x: -int(x[0])))
        calls.find(workload, "KilledLimitHistory", f"container {container}'s memory limit by revision: {said}",
                   evidence, severity="info",
                   container=container, limits=per_revision)


def partial_members(current: dict, revisions: list[dict]) -> str:
    """"; only db-2 runs it (db-0, db-1 on revision 1)" when an update reached some of a StatefulSet's or DaemonSet's
    pods (OnDelete, a partition, a canary member): which pods the symptom can come from."""
    others = {r["revision"]: r.get("pods") for r in revisions if r is not current and r.get("pods")}
    if not current.get("pods") or not others:
        return ""
    return (f"; only {', '.join(current['pods'])} run{'s' if len(current['pods']) == 1 else ''} it ("
            + "; ".join(f"{', '.join(pods)} on revision {rev}" for rev, pods in sorted(others.items())) + ")")
