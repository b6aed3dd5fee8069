"""Node analyzer, ported from k8sgpt pkg/analyzer/node.go: Ready other than True, and any other
condition other than False (pressure, network, or a cloud provider's own condition -- assumed
bad, as k8sgpt does, at the risk of a false positive). Beyond k8sgpt: a cordoned node
(spec.unschedulable), and conditions folded into one finding per kind of problem."""

from __future__ import annotations

from .base import Finding, make_finding, reason_code
from .describe import describe_condition
from .view import ClusterView, name_of, spec_of, status_of

PRESSURE_CONDITIONS = frozenset({"MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"})
# Conditions some distributions add whose *True* is the healthy state (k3s marks etcd voters).
HEALTHY_WHEN_TRUE = frozenset({"EtcdIsVoter"})


class NodeAnalyzer:
    kind = "Node"
    reads: frozenset[str] = frozenset()

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings = []
        for node in view.of_kind("Node"):
            name = name_of(node)
            for condition in status_of(node).get("conditions") or []:
                kind, status = condition.get("type") or "", condition.get("status") or ""
                text = f"{name} has condition of type {kind}, status {status}"
                text += f", reason {condition['reason']}" if condition.get("reason") else ""
                text += f": {condition['message']}" if condition.get("message") else ""
                evidence = [describe_condition(condition) + (
                    f" lastHeartbeatTime={condition['lastHeartbeatTime']}" if condition.get("lastHeartbeatTime") else "")]
                if kind == "Ready":
                    if status != "True":
                        if status == "Unknown":
                            text += " (the kubelet stopped posting node status)"
                        findings.append(make_finding("Node", node, "critical", "NodeNotReady", text, evidence))
                elif kind not in HEALTHY_WHEN_TRUE and status != "False":
                    reason = kind if kind in PRESSURE_CONDITIONS else "NodeConditionAbnormal"
                    findings.append(make_finding("Node", node, "warning", reason_code(reason), text, evidence))
            if spec_of(node).get("unschedulable"):
                taints = [f"taint {t.get('key')}:{t.get('effect')}" for t in spec_of(node).get("taints") or []]
                findings.append(make_finding(
                    "Node", node, "warning", "NodeCordoned",
                    f"Node {name} is cordoned (spec.unschedulable=true): no new pods are scheduled on it",
                    ["spec.unschedulable=true", *taints],
                ))
        return findings
