"""Fixes to a pod template written as the command a human runs. A container killed at its memory limit where no
pinned write applies (a CronJob's next runs, a Job or a bare pod, whose pod spec cannot change in place) or where the
write was not run: the container the kernel killed, its limit now, and a new one -- 1.5x the limit, the runbook's
step (at most 2x), rounded up to a whole Mi. A DaemonSet missing from nodes whose taint it does not tolerate: the
toleration to add (no tool edits tolerations: a human decides the pods belong there)."""

from __future__ import annotations

import json
from decimal import Decimal

from ..contracts import Finding, ProposedFix, parse_resource_id
from .fix_values import parse_taint
from .kubectl_words import namespace_flag
from .quantities import format_quantity, quantity
from .recreate import container_change, recreate_command

SET_RESOURCES_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob")  # what `kubectl set resources` changes in place


def raised_memory(limit: str) -> str | None:
    now = quantity(limit)
    return format_quantity("memory", now * Decimal("1.5")) if now else None


def oom_limit_fixes(findings: list[Finding], workload: str, rollback_clears: bool | None = None) -> list[ProposedFix]:
    """The killed container's raised limit -- unless a rollback clears the kills (`rollback_clears`: the revision it
    goes to gave that container more memory, graph/oom_rollback.py; None: whenever a rollout was seen), when the
    rollback proposed for the rollout comes first (fixes.py)."""
    kills = [f for f in findings if f.resource == workload and f.signal == "OOMKilled" and f.details.get("memory_limit")]
    rolled = any(f.resource == workload and f.signal == "RecentRollout" for f in findings)
    if not kills or (rolled if rollback_clears is None else rollback_clears):
        return []
    container, limit = str(kills[0].details.get("container") or ""), str(kills[0].details["memory_limit"])
    raised = raised_memory(limit)
    if not container or raised is None:
        return []
    namespace, kind, name = parse_resource_id(workload)
    ns = namespace_flag(namespace)
    if kind in SET_RESOURCES_KINDS:
        later = " (its next runs start with it)" if kind == "CronJob" else ""
        commands = [f"kubectl {ns}set resources {kind.lower()}/{name} -c {container} --limits=memory={raised}"]
        summary = f"{workload}: container {container} is killed at its memory limit {limit}; raise it to {raised}{later}"
    else:  # a Job's or a bare pod's pod spec cannot change in place: the object is re-created with the new limit
        change = container_change(kind, container, {"resources": {"limits": {"memory": raised}}})
        commands = [recreate_command(kind, "job" if kind == "Job" else "pod", namespace or "", name, change)]
        summary = (f"{workload}: container {container} is killed at its memory limit {limit}; re-create it with {raised} "
                   f"(a {kind}'s pod spec cannot change in place)")
    evidence = [e for f in kills[:2] for e in f.evidence]
    return [ProposedFix(resource=workload, summary=summary, commands=commands, evidence=evidence)]


def daemonset_toleration_fix(workload: str, gap: Finding) -> ProposedFix:
    namespace, _, name = parse_resource_id(workload)
    ns = namespace_flag(namespace)
    taints = [str(t) for t in gap.details.get("taints") or []]
    tolerations = []
    for taint in taints:
        key, value, effect = parse_taint(taint)
        tolerations.append({"key": key, "operator": "Equal", "value": value, "effect": effect} if value else
                           {"key": key, "operator": "Exists", "effect": effect})
    path = "/spec/template/spec/tolerations"
    ops = ([{"op": "add", "path": f"{path}/-", "value": t} for t in tolerations] if gap.details.get("has_tolerations")
           else [{"op": "add", "path": path, "value": tolerations}])
    nodes = ", ".join(str(n) for n in gap.details.get("nodes") or [])
    return ProposedFix(resource=workload,
                       summary=f"{workload} places no pod on {nodes}: add a toleration for {', '.join(taints)} to its pod "
                               "template so it runs there too (its pods then roll out to those nodes)",
                       commands=[f"kubectl {ns}patch daemonset {name} --type json -p '{json.dumps(ops)}'",
                                 f"kubectl {ns}rollout status daemonset/{name}"],
                       needs="confirm the DaemonSet belongs on those nodes (a dedicated pool may be kept apart on purpose)",
                       evidence=list(gap.evidence))
