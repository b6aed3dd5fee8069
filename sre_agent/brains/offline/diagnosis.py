"""From findings to a root cause: the rules' hypotheses (diagnosis_rules.py), then a ranking that
prefers the most specific explanation, corroborated by other agents.

Every rule reads only Finding.signal / .resource / .details, i.e. what tools returned. Nothing here
knows a scenario; a new fault that produces the same Kubernetes signals is diagnosed the same way."""

from __future__ import annotations

import re
from collections.abc import Callable

from ...contracts import OUTSIDE_THE_CLUSTER, Diagnosis, Evidence, Finding
from ...contracts import RootCauseCategory as C
from ...graph.state import Hypothesis
from ...quoting import clip
from .caller_load import explained_by_caller_change, explained_by_caller_load
from .cronjobs import room_taken_by_runs
from .dependency_blame import DOWN_DEPENDENCY_CAP, explained_by_dependency
from .diagnosis_rules import RULES
from .logs import errors_point_outside
from .outage_width import nothing_old_left

# Generic explanations lose to specific ones when both fit.
SPECIFICITY = {C.DEPENDENCY_FAILURE: 0, C.BAD_DEPLOY_REGRESSION: 1, C.CRASH_MISSING_CONFIG: 2}


# Signals that are Kubernetes' own words for a pod's or claim's state (a container's waiting or terminated
# reason, an event reason, a phase): the words an SRE recognises from `kubectl get pods` and greps for.
KUBERNETES_STATES = {"ImagePullBackOff": "ImagePullBackOff", "ErrImagePull": "ErrImagePull", "InvalidImageName": "InvalidImageName",
                     "CreateContainerConfigError": "CreateContainerConfigError", "CrashLoopBackOff": "CrashLoopBackOff",
                     "OOMKilled": "OOMKilled", "FailedMount": "FailedMount", "FailedScheduling": "Pending, FailedScheduling",
                     "PVCPending": "claim Pending", "FailedCreate": "FailedCreate", "NodeNotReady": "NotReady",
                     "JobFailed": "Failed", "LivenessProbeFailing": "liveness probe failing",
                     "ReadinessProbeFailing": "not Ready, readiness probe failing"}


def _kubernetes_states(findings: list[Finding], resource: str) -> str:
    return ", ".join(dict.fromkeys(KUBERNETES_STATES[f.signal] for f in findings
                                   if f.resource == resource and f.signal in KUBERNETES_STATES))


def hypotheses(findings: list[Finding]) -> list[Hypothesis]:
    merged: dict[tuple[C, str], Hypothesis] = {}
    for finding in findings:
        for rule in RULES:
            if rule.signal != finding.signal or not rule.applies(finding, findings):
                continue
            resource = rule.resource(finding, findings)
            if not resource:
                continue
            key = (rule.category, resource)
            current = merged.get(key)
            reason = rule.reason(finding, findings)
            if current is None:
                merged[key] = Hypothesis(category=rule.category, resource=resource, confidence=rule.confidence,
                                         reasons=[reason], evidence=list(finding.evidence))
            else:
                current.confidence = min(0.99, max(current.confidence, rule.confidence) + 0.02)
                if reason not in current.reasons:
                    current.reasons.append(reason)
                current.evidence.extend(e for e in finding.evidence if e not in current.evidence)
    # A run of a CronJob fails because of the template every run is made from: the CronJob is the root, not its Job.
    cronjob_of = {str(f.details["run"]): f.resource for f in findings if "/CronJob/" in f.resource and f.details.get("run")}
    for category, resource in list(merged):
        if resource in cronjob_of and (category, cronjob_of[resource]) in merged:
            del merged[(category, resource)]
    explained_by_dependency(merged, findings)
    room_taken_by_runs(merged, findings)
    explained_by_caller_load(merged, findings, DOWN_DEPENDENCY_CAP)
    explained_by_caller_change(merged, findings, DOWN_DEPENDENCY_CAP)
    # Other agents' findings about the same resource corroborate it.
    for hypothesis in merged.values():
        agents = {f.agent for f in findings if f.resource == hypothesis.resource}
        hypothesis.confidence = min(0.99, hypothesis.confidence + 0.03 * (len(agents) - 1))
    return sorted(merged.values(), key=lambda h: (h.confidence, SPECIFICITY.get(h.category, 5)), reverse=True)


def best(hypotheses_: list[Hypothesis]) -> Hypothesis | None:
    if not hypotheses_:
        return None
    top = max(h.confidence for h in hypotheses_)
    # Among near-equally confident explanations, the more specific one wins.
    close = [h for h in hypotheses_ if h.confidence >= top - 0.1]
    return max(close, key=lambda h: (SPECIFICITY.get(h.category, 5), h.confidence))


def _said_by(resource: str, findings: list[Finding]) -> str:
    """The line its logs fail with (the 429, the timeout), as the evidence of a call failing outside."""
    line = next((f.summary.split(": ", 1)[-1] for f in findings  # the sample line, its numbers as they were
                 if f.resource == resource and f.signal == "UpstreamErrors"), "")
    return f" (its logs: {clip(line, 180)})" if line else ""


def diagnose(findings: list[Finding], evidence_lookup: Callable[[str], Evidence | None]) -> tuple[Diagnosis, list[Hypothesis]]:
    ranked = hypotheses(findings)
    chosen = best(ranked)
    if chosen is None:
        checked = sorted({f.resource for f in findings} | set())
        outside = next(((r, host) for r in dict.fromkeys(f.resource for f in findings)
                        if (host := errors_point_outside(r, findings))), None)
        summary = "No fault found: every check came back healthy." if not findings else (
            f"{OUTSIDE_THE_CLUSTER}: {outside[0]}'s calls to {outside[1]} (outside the cluster) time out or fail "
            f"-- its owner is who can fix that; nothing here to roll back or restart{_said_by(outside[0], findings)}"
            if outside else
            "No root cause among the observations: " + "; ".join(f.summary for f in findings[:3]))
        evidence = [e for e in (evidence_lookup(i) for f in findings for i in f.evidence) if e][:5]
        return Diagnosis(category=C.NONE, resource="", summary=summary, confidence=0.8 if not checked else 0.7,
                         evidence=evidence), ranked
    evidence = []
    for evidence_id in chosen.evidence:
        item = evidence_lookup(evidence_id)
        if item is None:
            continue
        # The excerpt quotes what the tool showed that matters: the finding drawn from it.
        facts = [f.summary for f in findings if evidence_id in f.evidence and f.resource == chosen.resource]
        evidence.append(item.model_copy(update={"excerpt": ("; ".join(dict.fromkeys(facts)) or item.excerpt)[:400]}))
    # The same fact seen on several pods reads once: drop the "<pod>: " prefix before de-duplicating.
    reasons = list(dict.fromkeys(re.sub(r"^[a-z0-9-]+(/[a-z0-9-]+)?: ", "", r) for r in chosen.reasons))
    seen = _kubernetes_states(findings, chosen.resource)
    summary = f"{chosen.category.value} on {chosen.resource}" + (f" ({seen})" if seen else "") + ": " + "; ".join(reasons[:2]) \
        + nothing_old_left(chosen.resource, chosen.category, findings)
    return Diagnosis(category=chosen.category, resource=chosen.resource, summary=summary,
                     confidence=round(chosen.confidence, 2), evidence=evidence), ranked
