"""Pods no node takes: fix what rules out the most nodes -- a DaemonSet's missing toleration, a cordon left on the
nodes the pods are made for, a request no node has free, a nodeSelector no node carries, a taint left behind, a
required anti-affinity with more replicas than nodes -- else the rollout that brought the rule, else the rule to relax,
said with what the scheduler reported."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from ..contracts import Finding, ProposedFix, resource_id
from .fix_guards import evidence_of as _evidence
from .fix_guards import findings_about
from .fix_guards import resource_parts as _ref
from .fix_values import blockers, cordons_in_the_way
from .kubectl_words import KUBECTL_KIND
from .kubectl_words import namespace_flag as _ns
from .resource_fixes import daemonset_toleration_fix

INSUFFICIENT = re.compile(r"Insufficient (\S+)")


def placement_fixes(findings: list[Finding], workload: str, rollback_commands: Callable[[], list[str]]) -> list[ProposedFix]:
    """Fix what rules out the most nodes: a taint is removed only when taints are what keeps the pods off
    most nodes -- nodes tainted for a dedicated group are not the fix for pods that ask for something no
    node has (a GPU, more CPU than a node holds)."""
    failing = findings_about(findings, workload, "FailedScheduling")
    namespace, kind, name = _ref(workload)
    if gaps := findings_about(findings, workload, "DaemonSetNodeGap"):
        return [daemonset_toleration_fix(workload, gaps[0])]
    cordons = cordons_in_the_way(findings, workload)
    if cordons:  # the nodes the pods are made for are cordoned, or full but for a cordoned one: that room is what they lack
        full = ", ".join(cordons[0][1].details.get("full") or [])
        why = (f"the other nodes {workload}'s pods may run on ({full}) have no room for them" if full else
               f"so is every other node {workload}'s pods may run on")
        return [ProposedFix(resource=resource_id("Node", node), summary=f"node {node} is cordoned and {why}: uncordon "
                            "it once its maintenance is over (or add a node to that group)",
                            commands=[f"kubectl uncordon {node}"], evidence=_evidence([finding]))
                for node, finding in cordons]
    ranked = blockers(failing[0].summary) if failing else []
    top = ranked[0][1] if ranked else ""
    if (lacking := INSUFFICIENT.search(top)) is not None:
        resource, nodes = lacking.group(1), ranked[0][0]
        extended = "/" in resource  # nvidia.com/gpu and the like: offered only by nodes built for them
        return [ProposedFix(
            resource=workload,
            summary=(f"{workload}'s pods request {resource}, which {nodes} node(s) do not have free"
                     + ("; no node the pods may use offers it: drop the request (run without it) or add a node group "
                        "that provides it" if extended else "; lower the request or add capacity")),
            commands=[f"kubectl {_ns(namespace)}get {KUBECTL_KIND.get(kind, kind.lower())} {name} -o jsonpath="
                      "'{.spec.template.spec.containers[*].resources}'",
                      f"kubectl {_ns(namespace)}edit {KUBECTL_KIND.get(kind, kind.lower())} {name}  "
                      f"# remove or lower resources.limits/requests {resource}"],
            needs=f"whether the workload can run without {resource}, or a node group that offers it" if extended
            else f"how much {resource} the workload really needs", evidence=_evidence(failing))]
    fixes = []
    for details in (f.details for f in findings_about(findings, workload, "NodeSelectorUnmatched") if "selector" in top or not top):
        word, key = KUBECTL_KIND.get(kind, kind.lower()), str(details.get("key"))
        path = "/spec/template/spec/nodeSelector/" + key.replace("~", "~0").replace("/", "~1")
        fixes.append(ProposedFix(
            resource=workload, summary=f"{workload}'s nodeSelector {key}={details.get('wanted')} matches no node (the nodes "
            f"carry {key}: {', '.join(details.get('values') or []) or 'none'}): point it at a value nodes carry, or drop it",
            commands=[f"kubectl {_ns(namespace)}patch {word} {name} --type merge -p "
                      f"'{json.dumps({'spec': {'template': {'spec': {'nodeSelector': {key: '<value>'}}}}})}'",
                      f"kubectl {_ns(namespace)}patch {word} {name} --type json -p '[{{\"op\": \"remove\", \"path\": \"{path}\"}}]'"],
            needs=f"which {key} the workload should run on (or none)", evidence=_evidence(failing)))
    if fixes:
        return fixes
    # the kubelet's own pressure taint lifts when the pressure does: removing it by hand hides the condition, never a fix
    tainted = [f.details for f in findings_about(findings, workload, "UntoleratedTaint") if not f.details.get("pressure")]
    # a taint left behind on the nodes the pods are made for (not the group's own) is the one to remove, whatever
    # rules out more nodes (nodes of other groups are not where the pods belong); a dedicated group's taint is not
    leftover = [d for d in tainted if d.get("odd_nodes")]
    if leftover or not top or "taint" in top:
        for details in leftover or tainted:
            for node in details.get("odd_nodes") or details.get("nodes") or []:
                fixes.append(ProposedFix(
                    resource=resource_id("Node", node), summary=f"node {node} carries taint {details.get('taint')} that "
                    f"{workload}'s pods do not tolerate; remove it if its reason (maintenance, a drain) is over",
                    commands=[f"kubectl taint nodes {node} {str(details.get('taint')).replace('=:', ':')}-"],
                    evidence=_evidence(failing)))
    if not fixes and failing and "anti-affinity" in top and kind in ("Deployment", "StatefulSet"):
        fixes.append(_anti_affinity_fit(workload, ranked[0][0], failing))
    if not fixes and failing:
        rollback = rollback_commands()
        fixes.append(ProposedFix(resource=workload, summary=f"{workload}'s pods cannot be placed: {failing[0].summary[:200]}",
                                 commands=rollback or [f"kubectl {_ns(namespace)}edit {KUBECTL_KIND.get(kind, kind.lower())} {name}"],
                                 needs="" if rollback else f"which placement rule to relax ({top or 'see the scheduler message'})",
                                 evidence=_evidence(failing)))
    return fixes


def _anti_affinity_fit(workload: str, nodes: int, failing: list[Finding]) -> ProposedFix:
    """A required anti-affinity (one pod per node) with more replicas than nodes the pods may use: the scheduler's count
    of nodes turned down for anti-affinity is how many already hold one -- what fits. Scale to that, or give the pods
    room (nodes in their group, a preferred rule); which is the owner's call, so it is said, not guessed."""
    namespace, kind, name = _ref(workload)
    word = KUBECTL_KIND.get(kind, kind.lower())
    return ProposedFix(
        resource=workload, summary=f"{workload}'s pods may run one per node and {nodes} node(s) they may use hold one "
        f"already: {nodes} replicas fit -- scale to {nodes}, or add nodes to their group, or make the anti-affinity preferred",
        commands=[f"kubectl {_ns(namespace)}scale {word}/{name} --replicas={nodes}"],
        needs=f"whether {nodes} replicas carry the load (else nodes added to the group, or a preferred anti-affinity)",
        evidence=_evidence(failing))
