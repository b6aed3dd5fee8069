"""Deployment analyzer, ported from k8sgpt pkg/analyzer/deployment.go (spec.replicas against
status.readyReplicas, with its two messages), plus what explains a short Deployment: a stuck
rollout (ProgressDeadlineExceeded), a ReplicaSet that cannot create pods (FailedCreate, usually
a ResourceQuota), and pod-template references to ConfigMaps/Secrets that do not exist."""

from __future__ import annotations

from .base import Finding, make_finding, quote
from .describe import describe_condition, describe_event
from .held_update import held_update_findings
from .resourcequota import failed_create_message, rejection_text
from .view import ClusterView, KubeObject, name_of, namespace_of, spec_of, status_of
from .workload_template import TEMPLATE_READS, pod_template_findings, template_pod_spec


def replica_failure_messages(rs: KubeObject, view: ClusterView) -> list[tuple[str, str]]:
    """(message, evidence) for a ReplicaSet's FailedCreate condition and its latest FailedCreate event."""
    found = [
        (c.get("message") or "", f"ReplicaSet {name_of(rs)} status.conditions[ReplicaFailure]: reason=FailedCreate")
        for c in status_of(rs).get("conditions") or []
        if c.get("type") == "ReplicaFailure" and c.get("reason") == "FailedCreate" and c.get("message")
    ]
    event = view.latest_event("ReplicaSet", name_of(rs), namespace_of(rs), reasons=("FailedCreate",), warning_only=True)
    if event is not None and event.get("message"):
        found.append((event["message"], f"ReplicaSet {name_of(rs)} {describe_event(event, with_message=False)}"))
    return found


class DeploymentAnalyzer:
    kind = "Deployment"
    reads: frozenset[str] = frozenset({"ReplicaSet"}) | TEMPLATE_READS

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings: list[Finding] = []
        for deployment in view.of_kind("Deployment"):
            findings += self.replicas(deployment)
            findings += self.conditions(deployment)
            findings += self.failed_creates(view, deployment)
            findings += held_update_findings(view, "Deployment", deployment)
            findings += pod_template_findings(view, "Deployment", deployment, template_pod_spec(deployment))
        return findings

    @staticmethod
    def replicas(deployment: KubeObject) -> list[Finding]:
        namespace, name = namespace_of(deployment), name_of(deployment)
        status = status_of(deployment)
        desired = spec_of(deployment).get("replicas")
        desired = 1 if desired is None else desired  # the API server's default
        ready = status.get("readyReplicas") or 0
        current = status.get("replicas") or 0
        if desired == ready:
            return []
        if current > desired:
            message = (f"Deployment {namespace}/{name} has {desired} replicas in spec but {current} replicas in status "
                       f"because status field is not updated yet after scaling and {ready} replicas are available "
                       "with status running")
        else:
            message = f"Deployment {namespace}/{name} has {desired} replicas but {ready} are available with status running"
        evidence = [f"spec.replicas={desired}"] + [
            f"status.{field}={status.get(field) or 0}"
            for field in ("replicas", "readyReplicas", "availableReplicas", "updatedReplicas", "unavailableReplicas")
        ]
        severity = "critical" if desired > 0 and ready == 0 else "warning"
        return [make_finding("Deployment", deployment, severity, "ReplicasMismatch", message, evidence)]

    @staticmethod
    def conditions(deployment: KubeObject) -> list[Finding]:
        findings = []
        for condition in status_of(deployment).get("conditions") or []:
            if (condition.get("type") == "Progressing" and condition.get("status") == "False"
                    and condition.get("reason") == "ProgressDeadlineExceeded"):
                findings.append(make_finding(
                    "Deployment", deployment, "critical", "ProgressDeadlineExceeded",
                    f"Deployment rollout is stuck: {condition.get('message') or 'progress deadline exceeded'}",
                    [describe_condition(condition)],
                ))
        return findings

    @staticmethod
    def failed_creates(view: ClusterView, deployment: KubeObject) -> list[Finding]:
        """Pod creation failures, from the Deployment's ReplicaFailure condition and from its
        current ReplicaSets' conditions and events -- the same rejection told once."""
        sources: list[tuple[str, str]] = [
            (c.get("message") or c.get("reason") or "", f"status.conditions[ReplicaFailure]: reason={c.get('reason') or ''}")
            for c in status_of(deployment).get("conditions") or []
            if c.get("type") == "ReplicaFailure" and c.get("status") == "True"
        ]
        for rs in view.owned_by("ReplicaSet", "Deployment", name_of(deployment), namespace_of(deployment)):
            if spec_of(rs).get("replicas"):  # an old ReplicaSet scaled to zero: its failures are history
                sources += replica_failure_messages(rs, view)
        by_rejection: dict[str, list[str]] = {}
        for message, evidence in sources:
            by_rejection.setdefault(rejection_text(message), []).append(f"{evidence}: {quote(rejection_text(message))}")
        return [
            make_finding("Deployment", deployment, "critical", "FailedCreate",
                         failed_create_message("Deployment", rejection), evidence)
            for rejection, evidence in by_rejection.items()
        ]
