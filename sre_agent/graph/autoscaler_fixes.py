"""Fixes for a workload short of pods under load: its autoscaler pinned at maxReplicas (raise the cap), or no
autoscaler scaling it at all while one in its namespace aims at a workload that no longer exists -- the rename it
missed (`appointments-api` -> `appointments-api-v2`): point that one at the workload whose name grew from its target's.
A hand-set replica count or a bigger limit per pod is undone or fought by an autoscaler, so the autoscaler is the fix."""

from __future__ import annotations

import json
import re

from ..contracts import Finding, ProposedFix, parse_resource_id
from .fix_guards import evidence_of
from .fix_values import autoscaler_caps, raised_cap
from .kubectl_words import namespace_flag as _ns

MISSING_TARGET = re.compile(r"uses (?P<kind>\w+)/(?P<name>[\w.-]+) as ScaleTargetRef which does not exist")


def at_max_fixes(findings: list[Finding], workload: str) -> list[ProposedFix]:
    fixes = []
    for hpa, cap, finding in autoscaler_caps(findings, workload):
        namespace, _, name = parse_resource_id(hpa)
        raised = raised_cap(cap)
        fixes.append(ProposedFix(
            resource=hpa, summary=f"{hpa} is pinned at maxReplicas {cap} under this load: raise it to {raised} "
                                  "(quota and nodes permitting)",
            commands=[f"kubectl {_ns(namespace)}patch hpa {name} --type merge -p "
                      f"'{json.dumps({'spec': {'maxReplicas': raised}})}'"],
            evidence=evidence_of([finding])))
    return fixes


def grew_from(old: str, new: str) -> bool:
    """A renamed workload keeps its stem: `appointments-api` -> `appointments-api-v2` (or the other way round)."""
    return old != new and (new.startswith(old + "-") or old.startswith(new + "-"))


def orphan_fixes(findings: list[Finding], workload: str) -> list[ProposedFix]:
    """An autoscaler of the workload's namespace whose target does not exist, when that target's name is the
    workload's stem: point it at the workload (nothing scales the workload while it aims at nothing)."""
    namespace, kind, name = parse_resource_id(workload)
    fixes = []
    for finding in findings:
        match = MISSING_TARGET.search(finding.summary) if finding.signal == "ScaleTargetMissing" else None
        hpa_ns, _, hpa = parse_resource_id(finding.resource) if match else (None, "", "")
        if match is None or hpa_ns != namespace or match.group("kind") != kind or not grew_from(match.group("name"), name):
            continue
        patch = {"spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": name}}}
        fixes.append(ProposedFix(
            resource=finding.resource,
            summary=f"{finding.resource} aims at {kind}/{match.group('name')}, which does not exist, so nothing scales "
                    f"{workload} under this load: point it at {name}",
            commands=[f"kubectl {_ns(namespace)}patch hpa {hpa} --type merge -p '{json.dumps(patch)}'",
                      f"kubectl {_ns(namespace)}get hpa {hpa} --watch"],
            evidence=evidence_of([finding])))
    return fixes


def autoscaler_fixes(findings: list[Finding], workload: str) -> list[ProposedFix]:
    return at_max_fixes(findings, workload) or orphan_fixes(findings, workload)


SHRUNK = 2  # a cut to half the replicas or fewer: each remaining pod takes at least twice the load


def scaled_back_fixes(findings: list[Finding], workload: str) -> list[ProposedFix]:
    """A workload straining after its replicas were cut by hand (RecentScaleDown, no autoscaler's doing) is scaled back to
    the count it ran before: the same load on a fraction of the pods is what throttles them, not each pod's limit."""
    cut = [f for f in findings if f.resource == workload and f.signal == "RecentScaleDown"
           and isinstance(before := f.details.get("previous_replicas"), int) and isinstance(after := f.details.get("replicas"), int)
           and 0 < after and before >= SHRUNK * after]
    autoscaled = any(f.resource == workload and f.signal == "Autoscaled" for f in findings)
    if not cut or autoscaled:
        return []
    namespace, kind, name = parse_resource_id(workload)
    before, after = cut[0].details["previous_replicas"], cut[0].details["replicas"]
    return [ProposedFix(
        resource=workload, summary=f"{workload} was scaled from {before} to {after} replicas ({cut[0].details.get('at')}); "
        f"the load of {before} pods on {after} is what strains it: scale it back to {before} replicas",
        commands=[f"kubectl {_ns(namespace)}scale {kind.lower()}/{name} --replicas={before}"], evidence=evidence_of(cut))]
