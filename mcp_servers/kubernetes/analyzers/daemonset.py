"""DaemonSet analyzer, ported from k8sgpt pkg/analyzer/daemonset.go: fewer ready pods than
scheduled, and image pull secrets that do not exist; plus the pod-template config references
every workload analyzer checks."""

from __future__ import annotations

from .base import Finding, make_finding
from .view import ClusterView, name_of, namespace_of, status_of
from .workload_template import TEMPLATE_READS, pod_template_findings, template_pod_spec


class DaemonSetAnalyzer:
    kind = "DaemonSet"
    reads: frozenset[str] = TEMPLATE_READS

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings: list[Finding] = []
        for ds in view.of_kind("DaemonSet"):
            namespace, name = namespace_of(ds), name_of(ds)
            status = status_of(ds)
            ready = status.get("numberReady") or 0
            desired = status.get("desiredNumberScheduled") or 0
            if ready < desired:
                findings.append(make_finding(
                    "DaemonSet", ds, "critical" if ready == 0 else "warning", "ReplicasMismatch",
                    f"DaemonSet {namespace}/{name} has {ready} ready replicas out of {desired} scheduled",
                    [f"status.desiredNumberScheduled={desired}", f"status.numberReady={ready}",
                     f"status.numberUnavailable={status.get('numberUnavailable') or 0}"],
                ))
            findings += pod_template_findings(view, "DaemonSet", ds, template_pod_spec(ds))
        return findings
