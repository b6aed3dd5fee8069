"""Can a rollback clear an OOM kill? Only by giving the container the kernel killed more memory: a rollback is the
fix when the revision it goes to set that container's memory limit higher (the rollout lowered it). When the
revisions it would cross left the killed container's limit as it is -- a rollout that bumped another container's
image, a load that grew -- the undo changes nothing the kill is about, and the fix is that container's limit
(graph/resource_fixes.py).

The limits per revision come from the investigation: the brain reads the killed container's limit in each revision
a rollback may go to (a `KilledLimitHistory` finding: {container, limits: {revision: limit or None}}), taking the
rollout history's `changed` facts where no revision touched resources. Unknown is never a refusal. Pure functions."""

from __future__ import annotations

from ..contracts import Finding
from ..contracts import RootCauseCategory as C
from .pins import rollback_target
from .quantities import quantity
from .state import Investigation


def killed_limits(findings: list[Finding], workload: str) -> dict[str, str]:
    """Each container the kernel killed at its memory limit -> that limit (as the pod spec set it)."""
    return {str(f.details["container"]): str(f.details["memory_limit"]) for f in findings
            if f.resource == workload and f.signal == "OOMKilled" and f.details.get("container") and f.details.get("memory_limit")}


def limits_by_revision(findings: list[Finding], workload: str) -> dict[str, dict[int, str | None]]:
    """container -> {revision: its memory limit then (None: none set)}, for the revisions the brain could read."""
    out: dict[str, dict[int, str | None]] = {}
    for finding in findings:
        if finding.resource == workload and finding.signal == "KilledLimitHistory" and finding.details.get("container"):
            limits = finding.details.get("limits") or {}
            out.setdefault(str(finding.details["container"]), {}).update(
                {int(rev): (str(v) if v else None) for rev, v in limits.items() if str(rev).lstrip("-").isdigit()})
    return out


def rollback_keeps_limits(findings: list[Finding], workload: str, to_revision: int | None) -> str | None:
    """Why a rollback of `workload` to `to_revision` cannot clear its OOM kills -- every killed container had no more
    memory there than it is killed at now -- or None (it would raise one, or it is not known)."""
    kills = killed_limits(findings, workload)
    history = limits_by_revision(findings, workload)
    if not kills or to_revision is None:
        return None
    same = []
    for container, now in sorted(kills.items()):
        then_known = to_revision in history.get(container, {})
        then = history.get(container, {}).get(to_revision)
        if not then_known or then is None:  # unknown, or no limit at all there: a rollback may help
            return None
        before, current = quantity(then), quantity(now)
        if before is None or current is None or before > current:
            return None
        same.append(f"container {container} had memory limit {then} there and is killed at {now}")
    return (f"revision {to_revision} gives the killed container{'s' if len(same) > 1 else ''} no more memory "
            f"({'; '.join(same)}): rolling back cannot clear the OOM kills -- raise that limit")


def oom_rollback_refusal(state: Investigation, resource: str, to_revision: int | None) -> str | None:
    """For an oom_killed diagnosis (a limit below the working set -- not a leak, which a rollback to the release
    before it does clear): why the rollback to `to_revision` is not the fix, or None."""
    diagnosis = state.diagnosis
    if diagnosis is None or diagnosis.category != C.OOM_KILLED:
        return None
    return rollback_keeps_limits(state.findings, diagnosis.resource or resource, to_revision)


def rollback_clears_oom(state: Investigation, workload: str) -> bool:
    """Whether the rollback the evidence points at (graph/pins.py) may clear `workload`'s OOM kills."""
    target = rollback_target(state.findings, state.incident, workload)
    return target is not None and rollback_keeps_limits(state.findings, workload, target) is None
