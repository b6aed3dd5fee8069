"""The fix for a container killed at its memory limit, as the command a human runs where no pinned write applies
(a CronJob's next runs, a Job or a bare pod, whose pod spec cannot change in place) or where the write was not
run: the container the kernel killed, its limit now, and a new one -- 1.5x the limit, the runbook's step (at most 2x),
rounded up to a whole Mi."""

from __future__ import annotations

import math
import re

from ..contracts import Finding, ProposedFix, parse_resource_id

UNITS = {"": 1 / 1048576, "k": 1000 / 1048576, "M": 1e6 / 1048576, "G": 1e9 / 1048576, "Ki": 1 / 1024, "Mi": 1.0,
         "Gi": 1024.0, "Ti": 1048576.0}
SET_RESOURCES_KINDS = {"Deployment": "deployment", "StatefulSet": "statefulset", "DaemonSet": "daemonset", "CronJob": "cronjob"}


def mebibytes(quantity: str) -> float | None:
    """A memory quantity in Mi ("192Mi" -> 192, "1Gi" -> 1024, "268435456" -> 256); None when not one."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kMGT]i?|)", str(quantity).strip())
    if not match or match.group(2) not in UNITS:
        return None
    return float(match.group(1)) * UNITS[match.group(2)]


def raised_memory(limit: str) -> str | None:
    now = mebibytes(limit)
    return f"{math.ceil(now * 1.5)}Mi" if now else None


def oom_limit_fixes(findings: list[Finding], workload: str) -> list[ProposedFix]:
    kills = [f for f in findings if f.resource == workload and f.signal == "OOMKilled" and f.details.get("memory_limit")]
    if not kills or any(f.resource == workload and f.signal == "RecentRollout" for f in findings):
        return []  # a rollout brought the kills: the rollback proposed for it comes first (fixes.py)
    container, limit = str(kills[0].details.get("container") or ""), str(kills[0].details["memory_limit"])
    raised = raised_memory(limit)
    if not container or raised is None:
        return []
    namespace, kind, name = parse_resource_id(workload)
    ns = f"-n {namespace} " if namespace else ""
    if kind in SET_RESOURCES_KINDS:
        later = " (its next runs start with it)" if kind == "CronJob" else ""
        commands = [f"kubectl {ns}set resources {SET_RESOURCES_KINDS[kind]}/{name} -c {container} --limits=memory={raised}"]
        summary = f"{workload}: container {container} is killed at its memory limit {limit}; raise it to {raised}{later}"
    else:  # a Job's or a bare pod's pod spec cannot change in place: the object is re-created with the new limit
        short = "job" if kind == "Job" else "pod"
        commands = [f"kubectl {ns}get {short} {name} -o yaml > {name}.yaml",
                    f"# in {name}.yaml set container {container}'s resources.limits.memory: {raised} (drop status, uid, "
                    "resourceVersion" + (", the generated selector and labels)" if kind == "Job" else ")"),
                    f"kubectl {ns}replace --force -f {name}.yaml"]
        summary = (f"{workload}: container {container} is killed at its memory limit {limit}; re-create it with {raised} "
                   f"(a {kind}'s pod spec cannot change in place)")
    evidence = [e for f in kills[:2] for e in f.evidence]
    return [ProposedFix(resource=workload, summary=summary, commands=commands, evidence=evidence)]
