"""NetworkPolicy analyzer, ported from k8sgpt pkg/analyzer/netpol.go: a policy with an empty pod
selector applies to every pod in its namespace; a policy whose selector matches no pod does
nothing. k8sgpt words the first as "allows traffic to all pods", which is only true of an
allow-all rule (an empty selector with no rules is a default deny), so the message here says
what the policy does. k8sgpt reads only matchLabels; matchExpressions count here too."""

from __future__ import annotations

from .base import Finding, make_finding
from .labels import describe_selector, is_empty_selector
from .view import ClusterView, KubeObject, name_of, namespace_of, spec_of


def _effect(policy: KubeObject) -> str:
    spec = spec_of(policy)
    types = spec.get("policyTypes") or (["Ingress", "Egress"] if spec.get("egress") else ["Ingress"])
    effects = []
    for direction in types:
        rules = spec.get(direction.lower())
        if not rules:
            effects.append(f"denies all {direction.lower()}")
        elif any(not rule for rule in rules):
            effects.append(f"allows all {direction.lower()}")
        else:
            effects.append(f"restricts {direction.lower()}")
    return " and ".join(effects)


class NetworkPolicyAnalyzer:
    kind = "NetworkPolicy"
    reads: frozenset[str] = frozenset({"Pod"})

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings = []
        for policy in view.of_kind("NetworkPolicy"):
            namespace, name = namespace_of(policy), name_of(policy)
            selector = spec_of(policy).get("podSelector") or {}
            if is_empty_selector(selector):
                findings.append(make_finding(
                    "NetworkPolicy", policy, "info", "SelectsAllPods",
                    f"Network policy applies to all pods in namespace {namespace} and {_effect(policy)}: {name}",
                    ["spec.podSelector={}", f"policyTypes={spec_of(policy).get('policyTypes') or ['Ingress']}"],
                ))
            elif view.has_kind("Pod") and not view.pods_matching(namespace, selector):
                findings.append(make_finding(
                    "NetworkPolicy", policy, "warning", "NoPodsSelected",
                    f"Network policy is not applied to any pods: {name}",
                    [f"spec.podSelector: {describe_selector(selector)}", f"no pod in namespace {namespace} matches"],
                ))
        return findings
