"""DaemonSet analyzer, ported from k8sgpt pkg/analyzer/daemonset.go: fewer ready pods than
scheduled, and image pull secrets that do not exist; plus the pod-template config references
every workload analyzer checks, and the Ready nodes it runs no pod on because it does not tolerate
their taint (its status never counts those; daemonset_coverage says when that looks like a fault)."""

from __future__ import annotations

from .base import Finding, make_finding
from .daemonset_coverage import coverage_gap
from .held_update import held_update_findings
from .view import ClusterView, name_of, namespace_of, status_of
from .workload_template import TEMPLATE_READS, pod_template_findings, template_pod_spec


class DaemonSetAnalyzer:
    kind = "DaemonSet"
    reads: frozenset[str] = frozenset({"Node", "Pod"}) | TEMPLATE_READS

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
            findings += held_update_findings(view, "DaemonSet", ds)
            pod_spec = template_pod_spec(ds)
            gap = coverage_gap(view, ds, pod_spec)
            if gap is not None:
                why = ("; " + ", ".join(gap.nodes) + " joined after every node it runs on") if gap.joined_after_covered else ""
                why += f"; it tolerates other {', '.join(gap.same_key_tolerated)} pools" if gap.same_key_tolerated else ""
                findings.append(make_finding(
                    "DaemonSet", ds, "warning" if gap.looks_like_a_fault else "info", "NodesNotCovered",
                    f"DaemonSet {namespace}/{name} runs no pod on {len(gap.nodes)} Ready node(s) "
                    f"({', '.join(gap.nodes)}): it does not tolerate their taint(s) {', '.join(gap.taints)}, and its "
                    f"status counts only the nodes it fits{why}",
                    [f"nodes without a pod: {', '.join(gap.nodes)}", f"untolerated taints: {', '.join(gap.taints)}",
                     f"spec.template.spec.tolerations={pod_spec.get('tolerations') or []}"],
                ))
            findings += pod_template_findings(view, "DaemonSet", ds, pod_spec)
        return findings
