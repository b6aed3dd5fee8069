"""ResourceQuota analyzer (beyond k8sgpt, which has none): a quota is the root-cause resource
when it rejects pods, so the quota itself is reported -- not only the ReplicaSets and
StatefulSets that fail to create pods against it."""

from __future__ import annotations

import re

from .base import Finding, make_finding, quote
from .describe import describe_event
from .quantity import parse_quantity
from .view import ClusterView, KubeObject, event_time, name_of, namespace_of, spec_of, status_of

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


class ResourceQuotaAnalyzer:
    kind = "ResourceQuota"
    reads: frozenset[str] = frozenset({"ReplicaSet"})

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings = []
        for quota in view.of_kind("ResourceQuota"):
            namespace, name = namespace_of(quota), name_of(quota)
            rejections = [
                event
                for event in view.events_with_reason("FailedCreate", namespace)
                if quota_named_in(event.get("message")) == name
            ]
            conditions = [
                (rs, condition)
                for rs in view.of_kind("ReplicaSet", namespace)
                for condition in status_of(rs).get("conditions") or []
                if condition.get("type") == "ReplicaFailure" and quota_named_in(condition.get("message")) == name
            ]
            usage = exhausted_resources(quota)
            if rejections or conditions:
                rejected = sorted(
                    {f"{(e.get('involvedObject') or {}).get('kind')}/{(e.get('involvedObject') or {}).get('name')}" for e in rejections}
                    | {f"ReplicaSet/{name_of(rs)}" for rs, _ in conditions}
                )
                latest = max(rejections, key=event_time) if rejections else None
                detail = latest.get("message") if latest else conditions[-1][1].get("message")
                evidence = [describe_event(latest) if latest else f"ReplicaSet {name_of(conditions[-1][0])} condition "
                            f"ReplicaFailure: {conditions[-1][1].get('message')}"]
                evidence += [f"status: {line}" for line in usage]
                findings.append(make_finding(
                    "ResourceQuota", quota, "critical", "QuotaExceeded",
                    f"ResourceQuota {name} is rejecting pods of {', '.join(rejected)}: {quote(detail)}", evidence,
                ))
            elif usage:
                findings.append(make_finding(
                    "ResourceQuota", quota, "warning", "QuotaExhausted",
                    f"ResourceQuota {name} is fully used ({'; '.join(usage)}); new pods that request it will be rejected",
                    [f"status: {line}" for line in usage],
                ))
        return findings
