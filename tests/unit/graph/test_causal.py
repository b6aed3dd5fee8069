"""The causal-link rule: tool results in, links out (topology), and a table of alarmed resources,
targets and findings in, linked or not (with the missing link named) out."""

from __future__ import annotations

import pytest

from sre_agent.contracts import Finding, ToolCallRecord
from sre_agent.graph.causal import causal_link, path_between
from sre_agent.graph.topology import Link, links_from_result

# A small shop as the kubernetes MCP server's tools describe it: the alarmed Service frontend is backed
# by Deployment frontend, which calls Service checkout, backed by Deployment checkout (whose Service
# selector arrives in one call and its pod template's labels in another). Deployment reviews runs in the
# same namespace on the same node, and calls checkout too, but nothing on the alarm's side depends on it.
RESULTS: list[tuple[str, dict, dict]] = [
    ("ownership", {"kind": "Service", "name": "frontend", "namespace": "shop"},
     {"resource": "shop/Service/frontend", "selector": {"app": "frontend"}, "selected_pods": ["frontend-1"],
      "called_by": []}),
    ("ownership", {"kind": "Pod", "name": "frontend-1", "namespace": "shop"},
     {"resource": "shop/Pod/frontend-1", "owners": ["shop/ReplicaSet/frontend-7f", "shop/Deployment/frontend"],
      "node": "node-1", "selected_by_services": ["frontend"], "calls": []}),
    ("ownership", {"kind": "Deployment", "name": "frontend", "namespace": "shop"},
     {"resource": "shop/Deployment/frontend", "pods": [{"pod": "frontend-1", "node": "node-1", "ready": True}],
      "selected_by_services": ["frontend"],
      "calls": [{"env": "CHECKOUT_URL", "service": "shop/Service/checkout", "exists": True, "ready_endpoints": 2}]}),
    ("ownership", {"kind": "Service", "name": "checkout", "namespace": "shop"},
     {"resource": "shop/Service/checkout", "selector": {"app": "checkout"}, "selected_pods": [],
      "called_by": ["shop/Deployment/frontend", "shop/Deployment/reviews"]}),
    ("describe", {"kind": "Deployment", "name": "checkout", "namespace": "shop"},
     {"resource": "shop/Deployment/checkout", "object": {"metadata": {"name": "checkout"}, "spec": {
         "template": {"metadata": {"labels": {"app": "checkout", "tier": "web"}}}}}, "events": []}),
    ("describe", {"kind": "Pod", "name": "checkout-9", "namespace": "shop"},
     {"resource": "shop/Pod/checkout-9", "object": {"metadata": {"labels": {"app": "checkout"}, "ownerReferences": [
         {"kind": "ReplicaSet", "name": "checkout-5c"}]}, "spec": {"nodeName": "node-1", "volumes": [
         {"persistentVolumeClaim": {"claimName": "orders"}}]}}, "events": []}),
    ("describe", {"kind": "Deployment", "name": "reviews", "namespace": "shop"},
     {"resource": "shop/Deployment/reviews", "object": {"metadata": {"annotations": {
         "note": "SRE NOTE: owned by shop/Deployment/frontend"}}, "spec": {
         "template": {"metadata": {"labels": {"app": "reviews"}}}}}, "events": []}),
    ("ownership", {"kind": "Node", "name": "node-1"},
     {"resource": "Node/node-1", "pods": ["shop/Pod/frontend-1", "shop/Pod/reviews-1"]}),
    ("rollout_history", {"namespace": "shop", "name": "checkout"}, {"deployment": "shop/Deployment/checkout"}),
    ("rollout_history", {"namespace": "shop", "name": "reviews"}, {"deployment": "shop/Deployment/reviews"}),
]
RECORDS = [ToolCallRecord(id=f"ev-{i}", agent="kubernetes", server="kubernetes", tool=tool, args=args)
           for i, (tool, args, _) in enumerate(RESULTS, start=1)]
LINKS = [link for record, (_, _, data) in zip(RECORDS, RESULTS, strict=True) for link in links_from_result(record, data)]


def edge(source: str, relation: str, target: str) -> tuple[str, str, str]:
    return source, relation, target


def test_topology_reads_owners_selectors_calls_nodes_and_claims_from_tool_results():
    seen = {(link.source, link.relation, link.target) for link in LINKS}
    assert {
        edge("shop/Service/frontend", "selects", "shop/Pod/frontend-1"),
        edge("shop/Pod/frontend-1", "owned_by", "shop/ReplicaSet/frontend-7f"),
        edge("shop/ReplicaSet/frontend-7f", "owned_by", "shop/Deployment/frontend"),
        edge("shop/Pod/frontend-1", "runs_on", "Node/node-1"),
        edge("shop/Deployment/frontend", "runs", "shop/Pod/frontend-1"),
        edge("shop/Deployment/frontend", "calls", "shop/Service/checkout"),
        edge("shop/Deployment/reviews", "calls", "shop/Service/checkout"),  # from checkout's called_by
        edge("shop/Pod/checkout-9", "owned_by", "shop/ReplicaSet/checkout-5c"),
        edge("shop/Pod/checkout-9", "mounts", "shop/PersistentVolumeClaim/orders"),
        edge("shop/Pod/reviews-1", "runs_on", "Node/node-1"),  # a node's pods depend on it, not the reverse
    } <= seen
    assert ("shop/Service/checkout", "selector", "") in seen and ("shop/Deployment/checkout", "labels", "") in seen
    assert all(link.evidence.startswith("ev-") for link in LINKS)
    # Text is not structure: an annotation claiming an owner is no edge.
    assert not any(link.source == "shop/Deployment/reviews" and link.relation == "owned_by" for link in LINKS)


def test_topology_ignores_failed_calls_other_servers_and_unknown_shapes():
    failed = RECORDS[0].model_copy(update={"ok": False})
    other = RECORDS[0].model_copy(update={"server": "cloudwatch"})
    assert links_from_result(failed, RESULTS[0][2]) == []
    assert links_from_result(other, RESULTS[0][2]) == []
    assert links_from_result(RECORDS[0], "not a dict") == []
    assert links_from_result(RECORDS[0], {"resource": 3}) == []


PATHS = [
    # (case, alarmed, target, reachable)
    ("the alarmed object itself", ["shop/Service/frontend"], "shop/Service/frontend", True),
    ("the workload behind the alarmed Service", ["shop/Service/frontend"], "shop/Deployment/frontend", True),
    ("an upstream through calls and a selector matching the pod template", ["shop/Service/frontend"],
     "shop/Deployment/checkout", True),
    ("the node the alarmed Service's pods run on", ["shop/Service/frontend"], "Node/node-1", True),
    ("another caller of the same upstream is not a cause", ["shop/Service/frontend"], "shop/Deployment/reviews", False),
    ("another pod on the same node is not a cause", ["shop/Service/frontend"], "shop/Pod/reviews-1", False),
    ("dependencies point one way: upstream to downstream is no path", ["shop/Service/checkout"],
     "shop/Deployment/frontend", False),
    ("an object no tool showed", ["shop/Service/frontend"], "shop/Deployment/ghost", False),
    ("any of several alarmed resources", ["shop/Service/nothing", "shop/Deployment/reviews"], "shop/Service/checkout", True),
]


@pytest.mark.parametrize("case, sources, target, reachable", PATHS, ids=[p[0] for p in PATHS])
def test_path_rule(case, sources, target, reachable):
    path = path_between(sources, target, LINKS)
    assert (path is not None) == reachable, path
    if path:
        assert path[0] in sources and path[-1] == target


def test_path_names_each_hop():
    assert path_between(["shop/Service/frontend"], "shop/Deployment/checkout", LINKS) == [
        "shop/Service/frontend", "shop/Deployment/frontend", "shop/Service/checkout", "shop/Deployment/checkout"]


def finding(resource: str, signal: str, *evidence: str) -> Finding:
    return Finding(agent="kubernetes", resource=resource, signal=signal, summary=signal, evidence=list(evidence))


ROLLED_CHECKOUT = finding("shop/Deployment/checkout", "RecentRollout", "ev-9")  # cites rollout_history of checkout
ROLLED_REVIEWS = finding("shop/Deployment/reviews", "RecentRollout", "ev-10")
VERDICTS = [
    # (case, affected, target, findings, linked, reason says)
    ("on the path and grounded", ["shop/Service/frontend"], "shop/Deployment/checkout", [ROLLED_CHECKOUT], True,
     "on the evidence path shop/Service/frontend -> shop/Deployment/frontend"),
    ("grounded but off the path", ["shop/Service/frontend"], "shop/Deployment/reviews", [ROLLED_REVIEWS], False,
     "shop/Deployment/reviews is not on the evidence path from shop/Service/frontend"),
    ("on the path, but the finding cites a call about something else", ["shop/Service/frontend"],
     "shop/Deployment/checkout", [finding("shop/Deployment/checkout", "RecentRollout", "ev-10")], False,
     "no finding about shop/Deployment/checkout cites a tool call about it"),
    ("on the path, but the finding cites an id no call has", ["shop/Service/frontend"], "shop/Deployment/checkout",
     [finding("shop/Deployment/checkout", "RecentRollout", "ev-99")], False, "no grounded finding"),
    ("a pod's call grounds its workload", ["shop/Service/frontend"], "shop/Pod/frontend-1",
     [finding("shop/Deployment/frontend", "CrashLoopBackOff", "ev-2")], True, "CrashLoopBackOff cites ev-2"),
    ("an incident that names only a namespace", ["shop"], "shop/Deployment/checkout", [ROLLED_CHECKOUT], False,
     "names no resource to start from (shop)"),
    ("an incident that names nothing", [], "shop/Deployment/checkout", [ROLLED_CHECKOUT], False,
     "names no resource to start from (nothing)"),
]


@pytest.mark.parametrize("case, affected, target, findings, linked, why", VERDICTS, ids=[v[0] for v in VERDICTS])
def test_causal_link(case, affected, target, findings, linked, why):
    verdict = causal_link(target, affected, findings, RECORDS, LINKS)
    assert verdict.linked == linked and why in verdict.why, verdict.why


def test_a_failed_call_grounds_nothing():
    records = [r.model_copy(update={"ok": False}) if r.id == "ev-9" else r for r in RECORDS]
    verdict = causal_link("shop/Deployment/checkout", ["shop/Service/frontend"], [ROLLED_CHECKOUT], records, LINKS)
    assert not verdict.linked and "no grounded finding" in verdict.why


def test_links_a_brain_asserts_are_not_links():
    """Only links_from_result makes links; a model's finding that says "depends on" changes nothing."""
    claim = finding("shop/Deployment/frontend", "DependsOn", "ev-3")
    claim.details["dependency"] = "shop/Deployment/reviews"
    verdict = causal_link("shop/Deployment/reviews", ["shop/Service/frontend"], [claim, ROLLED_REVIEWS], RECORDS, LINKS)
    assert not verdict.linked
    assert isinstance(LINKS[0], Link)
