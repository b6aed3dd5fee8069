"""ReplicaSet analyzer, ported from k8sgpt pkg/analyzer/rs.go: a ReplicaSet with no replicas and
a ReplicaFailure/FailedCreate condition. Also reported: a ReplicaSet short of its desired count
whose latest Warning FailedCreate event says why (a quota admitting some pods but not all)."""

from __future__ import annotations

from .base import Finding, make_finding
from .describe import describe_event
from .resourcequota import failed_create_message, rejection_text
from .view import ClusterView, name_of, namespace_of, spec_of, status_of


class ReplicaSetAnalyzer:
    kind = "ReplicaSet"
    reads: frozenset[str] = frozenset({"Deployment"})  # to name the owning Deployment

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings = []
        for rs in view.of_kind("ReplicaSet"):
            namespace, name = namespace_of(rs), name_of(rs)
            status = status_of(rs)
            current = status.get("replicas") or 0
            desired = spec_of(rs).get("replicas")
            desired = 1 if desired is None else desired
            owner = view.controller_of(rs)
            reported: set[str] = set()
            if current == 0:
                for condition in status.get("conditions") or []:
                    if condition.get("type") == "ReplicaFailure" and condition.get("reason") == "FailedCreate":
                        message = condition.get("message") or ""
                        reported.add(rejection_text(message))
                        findings.append(make_finding(
                            "ReplicaSet", rs, "critical", "FailedCreate", failed_create_message("ReplicaSet", message),
                            [f"status.replicas=0, status.conditions[ReplicaFailure]: reason=FailedCreate message={message}"],
                            owner,
                        ))
            if desired > current:
                event = view.latest_event("ReplicaSet", name, namespace, reasons=("FailedCreate",), warning_only=True)
                if event is not None and event.get("message") and rejection_text(event["message"]) not in reported:
                    findings.append(make_finding(
                        "ReplicaSet", rs, "critical" if current == 0 else "warning", "FailedCreate",
                        failed_create_message("ReplicaSet", event["message"]),
                        [f"spec.replicas={desired} status.replicas={current}", describe_event(event)], owner,
                    ))
        return findings
