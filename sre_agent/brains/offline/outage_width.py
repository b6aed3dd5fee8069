"""Why nothing old is left serving while a rollout's new pods fail: the workload's update strategy. Recreate stops every
old pod before a new one starts; a rolling update with no surge and room to take all its replicas down does the same.
Said beside a diagnosis of a release whose pods do not come up -- it is why the outage is whole, not partial, and what an
on-call asks next ("why didn't the old pods keep serving?")."""

from __future__ import annotations

from ...contracts import Finding
from ...contracts import RootCauseCategory as C

# the clause this module adds to a diagnosis summary: context after the cause, left out where the cause is quoted cut
NOTHING_OLD_LEFT = "; nothing old is left serving: "
# faults of a release's new pods that keep them from serving
NEW_PODS_DOWN = (C.MISSING_CONFIG_REF, C.PROBE_MISCONFIG, C.BAD_IMAGE, C.UNSCHEDULABLE, C.CRASH_MISSING_CONFIG,
                 C.BAD_DEPLOY_REGRESSION, C.OOM_KILLED)


def _count(value: object, replicas: int) -> int | None:
    """maxSurge/maxUnavailable as a number of pods (a percentage of the replicas, rounded as Kubernetes does: surge up,
    unavailable down -- both down here, the conservative reading)."""
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return replicas * int(value[:-1]) // 100
    return None


def nothing_old_left(resource: str, category: C, findings: list[Finding]) -> str:
    """'; nothing old is left serving: ...' for a Deployment whose release's pods fail and whose strategy stops the old
    pods first; '' otherwise."""
    if category not in NEW_PODS_DOWN or "/Deployment/" not in resource:
        return ""
    spec = next((f.details for f in findings if f.signal == "WorkloadSpec" and f.resource == resource), None)
    if not spec or not any(f.signal == "RecentRollout" and f.resource == resource for f in findings):
        return ""
    strategy, replicas = spec.get("strategy") or {}, int(spec.get("replicas") or 1)
    if strategy.get("type") == "Recreate":
        return f"{NOTHING_OLD_LEFT}its update strategy is Recreate (every old pod is stopped before a new one starts)"
    rolling = strategy.get("rollingUpdate") or {}
    surge, unavailable = _count(rolling.get("maxSurge", "25%"), replicas), _count(rolling.get("maxUnavailable", "25%"), replicas)
    if surge == 0 and unavailable is not None and unavailable >= replicas:
        return (f"{NOTHING_OLD_LEFT}its rolling update has maxSurge 0 and maxUnavailable {rolling.get('maxUnavailable')} "
                f"for {replicas} replica(s), so the old pods go before the new ones are ready")
    return ""
