"""The first fix when the diagnosed workload's template has not reached its pods (the kubernetes analyzer's UpdateHeld:
a paused rollout, an OnDelete update): whatever the fault, the change already made is not running yet -- a paused
Deployment is resumed (its pods take the template), an OnDelete StatefulSet's or DaemonSet's pods are deleted one at a
time (a `rollout restart` changes the template's annotation and replaces none of them)."""

from __future__ import annotations

import re

from ..contracts import Finding, ProposedFix
from .fix_guards import evidence_of, findings_about, resource_parts
from .kubectl_words import KUBECTL_KIND, namespace_flag

OLDER_PODS = re.compile(r"the others \(([^)]+)\) still run")


def held_update_fixes(findings: list[Finding], workload: str) -> list[ProposedFix]:
    held = findings_about(findings, workload, "UpdateHeld")
    if not held:
        return []
    namespace, kind, name = resource_parts(workload)
    ns = namespace_flag(namespace)
    if kind == "Deployment":
        return [ProposedFix(
            resource=workload, summary=f"{workload}'s rollout is paused: its template (the change already made) reaches "
            "no pod until it is resumed -- resume it, then watch the rollout",
            commands=[f"kubectl {ns}rollout resume deployment/{name}", f"kubectl {ns}rollout status deployment/{name}"],
            evidence=evidence_of(held))]
    said = OLDER_PODS.search(held[0].summary)
    pods = [p.strip() for p in said.group(1).split(",")] if said else []
    return [ProposedFix(
        resource=workload, summary=f"{workload} updates a pod only when it is deleted (updateStrategy OnDelete): delete "
        "the pods still on the older template one at a time, each Ready before the next (a rollout restart replaces none)",
        commands=[f"kubectl {ns}delete pod {pod}" for pod in pods] or [f"kubectl {ns}get pods -o wide  # then delete each "
                                                                      f"{KUBECTL_KIND.get(kind, kind.lower())} pod"],
        needs="" if pods else "which pods still run the older template", evidence=evidence_of(held))]
