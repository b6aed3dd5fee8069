"""ResourceQuota analyzer (beyond k8sgpt, which has none): a quota is the root-cause resource
when it rejects pods, so the quota itself is reported -- not only the ReplicaSets and
StatefulSets that fail to create pods against it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ..quantity import parse_quantity
from .base import Finding, make_finding, quote
from .describe import describe_condition, describe_event
from .view import ClusterView, KubeObject, event_time, name_of, namespace_of, parse_time, spec_of, status_of

_EXCEEDED_QUOTA = re.compile(r"exceeded quota: (?P<name>[a-z0-9]([-a-z0-9.]*[a-z0-9])?)")


def quota_named_in(message: str | None) -> str | None:
    """The ResourceQuota an admission rejection names: `... forbidden: exceeded quota: compute, ...`."""
    match = _EXCEEDED_QUOTA.search(message or "")
    return match["name"] if match else None


def rejection_text(message: str | None) -> str:
    """A pod-creation failure without the controller's "Error creating: " prefix, so the same
    rejection read from an event and from a condition is recognised as one."""
    text = (message or "").strip()
    return text[len("Error creating: "):] if text.startswith("Error creating: ") else text


def failed_create_message(subject: str, message: str) -> str:
    """`ReplicaSet cannot create pods (rejected by ResourceQuota compute): pods "x" is forbidden: ...`"""
    quota = quota_named_in(message)
    cause = f" (rejected by ResourceQuota {quota})" if quota else ""
    return f"{subject} cannot create pods{cause}: {quote(rejection_text(message))}"


def exhausted_resources(quota: KubeObject) -> list[str]:
    """`requests.cpu used 2 of 2` for each resource at or over its hard limit. A hard limit of 0
    is a deliberate ban (e.g. no LoadBalancer services), not an exhausted quota."""
    status = status_of(quota)
    hard = status.get("hard") or spec_of(quota).get("hard") or {}
    used = status.get("used") or {}
    lines = []
    for resource in sorted(hard):
        limit, consumed = parse_quantity(hard[resource]), parse_quantity(used.get(resource))
        if limit is not None and consumed is not None and limit > 0 and consumed >= limit:
            lines.append(f"{resource} used {used[resource]} of {hard[resource]}")
    return lines


@dataclass(frozen=True)
class Rejection:
    """One pod-creation attempt a quota turned down."""

    workload: str  # "ReplicaSet/web-7d4b9c"
    message: str
    evidence: str
    at: datetime


def rejections_by(view: ClusterView, quota: KubeObject) -> list[Rejection]:
    """FailedCreate events and ReplicaFailure conditions in the quota's namespace that name it."""
    namespace, name = namespace_of(quota), name_of(quota)
    found = []
    for event in view.events_with_reason("FailedCreate", namespace):
        if quota_named_in(event.get("message")) == name:
            involved = event.get("involvedObject") or {}
            found.append(Rejection(f"{involved.get('kind')}/{involved.get('name')}", event["message"],
                                   describe_event(event), event_time(event)))
    for rs in view.of_kind("ReplicaSet", namespace):
        for condition in status_of(rs).get("conditions") or []:
            if condition.get("type") == "ReplicaFailure" and quota_named_in(condition.get("message")) == name:
                found.append(Rejection(f"ReplicaSet/{name_of(rs)}", condition["message"],
                                       f"ReplicaSet {name_of(rs)} {describe_condition(condition)}",
                                       parse_time(condition.get("lastTransitionTime"))))
    return found


class ResourceQuotaAnalyzer:
    kind = "ResourceQuota"
    reads: frozenset[str] = frozenset({"ReplicaSet"})

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings = []
        for quota in view.of_kind("ResourceQuota"):
            name = name_of(quota)
            usage = [f"status: {line}" for line in exhausted_resources(quota)]
            rejections = rejections_by(view, quota)
            if rejections:
                latest = max(rejections, key=lambda r: r.at)
                workloads = ", ".join(sorted({r.workload for r in rejections}))
                findings.append(make_finding(
                    "ResourceQuota", quota, "critical", "QuotaExceeded",
                    f"ResourceQuota {name} is rejecting pods of {workloads}: {quote(rejection_text(latest.message))}",
                    [latest.evidence, *usage],
                ))
            elif usage:
                findings.append(make_finding(
                    "ResourceQuota", quota, "warning", "QuotaExhausted",
                    f"ResourceQuota {name} is fully used ({'; '.join(u.removeprefix('status: ') for u in usage)}); "
                    "new pods that request it will be rejected",
                    usage,
                ))
        return findings
