"""A taint on one node that its group's other nodes do not carry is that node's own state (left behind after
maintenance): the root cause is the node and the fix removes the taint. A taint every node of a group carries
dedicates the group: pods kept off it are the workload's to fix. A cordon on the one node a Pending workload may use
is that node's the same way. Table tests over node rows and findings."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.brains.offline.cordons import cordoned_nodes
from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.brains.offline.pods import _odd_ones_out
from sre_agent.contracts import Finding
from sre_agent.contracts import RootCauseCategory as C

MAINT = "maint=kernel:NoSchedule"


def node(name: str, group: str, zone: str, *taints: str) -> dict:
    return {"name": name, "labels": {"eks.amazonaws.com/nodegroup": group, "topology.kubernetes.io/zone": zone},
            "taints": list(taints)}


@pytest.mark.parametrize("nodes, tainted, odd", [
    ([node("a", "highmem", "1a", MAINT), node("b", "highmem", "1b")], ["a"], ["a"]),          # peer without it
    ([node("a", "highmem", "1a", MAINT), node("b", "highmem", "1b", MAINT)], ["a", "b"], []),  # the group's taint
    ([node("a", "gpu", "1a", MAINT), node("b", "general", "1a")], ["a"], []),                 # alone in its group
])
def test_a_taint_is_a_nodes_own_only_when_its_group_peers_lack_it(nodes, tainted, odd):
    assert _odd_ones_out(nodes, "maint", tainted) == odd


def finding(signal: str, **details) -> Finding:
    return Finding(agent="kubernetes", resource="d/Deployment/api", signal=signal, summary=signal, severity="warning",
                   details=details, evidence=["ev-1"])


@pytest.mark.parametrize("odd, category, resource", [
    (["n1"], C.NODE_FAILURE, "Node/n1"),
    ([], C.UNSCHEDULABLE, "d/Deployment/api"),
    (["n1", "n2"], C.UNSCHEDULABLE, "d/Deployment/api"),  # left on several nodes: no one node to name, as with a cordon
])
def test_a_left_taint_puts_the_root_cause_on_the_node(odd, category, resource):
    chosen = best(hypotheses([finding("FailedScheduling"), finding("FailedScheduling"),
                              finding("UntoleratedTaint", taint=MAINT, nodes=["n1"], odd_nodes=odd)]))
    assert chosen is not None and (chosen.category, chosen.resource) == (category, resource)


@pytest.mark.parametrize("cordoned, full, category, resource", [
    (["n1"], [], C.NODE_FAILURE, "Node/n1"),                  # the one node the pods may use is cordoned: the node's
    (["n1", "n2"], [], C.UNSCHEDULABLE, "d/Deployment/api"),  # several: no one node to name; the workload's Pending
    (["n1"], ["n2"], C.UNSCHEDULABLE, "d/Deployment/api"),    # one of a full pool: the pool lacks room, the uncordon is the fix
])
def test_a_cordon_on_the_only_eligible_node_puts_the_root_cause_on_the_node(cordoned, full, category, resource):
    chosen = best(hypotheses([finding("FailedScheduling"), finding("FailedScheduling"),
                              finding("CordonedNodes", nodes=cordoned, full=full)]))
    assert chosen is not None and (chosen.category, chosen.resource) == (category, resource)


class NodeCalls:
    """The `calls` the pod reader gets, answering get_resources(Node) from rows and keeping the findings."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows, self.found = rows, []

    async def __call__(self, tool: str, **args):
        if tool == "describe":  # a cordoned node read whole: what it records about why it was cordoned
            row = next(r for r in self.rows if r["name"] == args["name"])
            return {"object": {"metadata": {"name": row["name"], "annotations": row.get("annotations") or {}}}}, "ev-2"
        assert (tool, args) == ("get_resources", {"kind": "Node"})
        return {"items": self.rows}, "ev-1"

    def find(self, resource, signal, summary, evidence, **details):
        self.found.append((signal, details.get("nodes"), details.get("full")) if signal == "CordonedNodes" else
                          (signal, resource, (details.get("intent") or {}).get("key")))


RT = "dedicated=realtime:NoSchedule"
REALTIME_POD = {"nodeSelector": {"pool": "realtime"},
                "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "realtime", "effect": "NoSchedule"}]}


def pool_node(name: str, pool: str, *taints: str, cordoned: bool = False) -> dict:
    return {"name": name, "labels": {"pool": pool}, "taints": list(taints), "unschedulable": cordoned}


@pytest.mark.parametrize("rows, message, found", [
    # one of the pool's two nodes cordoned, the other full: the cordon is the room the pods lack
    ([pool_node("r0", "realtime", RT), pool_node("r1", "realtime", RT, cordoned=True), pool_node("g0", "general")],
     "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, "
     "1 node(s) were unschedulable.", [("CordonedNodes", ["r1"], ["r0"])]),
    # the other node has room (its own reason is not capacity): the cordon is not what keeps them Pending
    ([pool_node("r0", "realtime", RT, "maint=x:NoSchedule"), pool_node("r1", "realtime", RT, cordoned=True)],
     "0/2 nodes are available: 1 node(s) had untolerated taint {maint: x}, 1 node(s) were unschedulable.", []),
    # every node of the pool cordoned; a cordoned node of another group is not one the pods may use
    ([pool_node("r0", "realtime", RT, cordoned=True), pool_node("g0", "general", cordoned=True)],
     "0/2 nodes are available: 2 node(s) were unschedulable.", [("CordonedNodes", ["r0"], [])]),
])
def test_a_cordon_counts_when_the_pods_other_nodes_are_full(rows, message, found):
    calls = NodeCalls(rows)
    asyncio.run(cordoned_nodes(REALTIME_POD, "d/Deployment/api", calls, message))
    assert calls.found == found



MEDIA = node("m1", "media", "1a", "maint=true:NoSchedule", "dedicated=media:NoSchedule")
MEDIA["labels"]["pool"] = "media"


def pending_pod(selector: dict, tolerations: list[dict]) -> dict:
    return {"metadata": {"ownerReferences": [{"kind": "ReplicaSet", "name": "rec-1", "controller": True}]},
            "spec": {"nodeSelector": selector, "tolerations": tolerations}}


MADE_FOR_MEDIA = [{"key": "dedicated", "operator": "Equal", "value": "media", "effect": "NoSchedule"}]


@pytest.mark.parametrize("pod, running, odd", [
    # made for the group (its selector, its dedication taint tolerated): the extra taint is not the group's
    (pending_pod({"pool": "media"}, MADE_FOR_MEDIA), [], ["m1"]),
    # tolerating nothing there: it may be the workload that lacks the group's toleration -- no verdict from design
    (pending_pod({"pool": "media"}, []), [], []),
    # no selector: not made for those nodes; but its own template running there untolerating it: the taint came later
    (pending_pod({}, []), [{"name": "rec-1-a", "node": "m1", "owner": "ReplicaSet/rec-1", "status": "Running"}], ["m1"]),
    (pending_pod({}, []), [{"name": "rec-0-a", "node": "m1", "owner": "ReplicaSet/rec-0", "status": "Running"}], []),
    (pending_pod({}, []), [{"name": "rec-1-a", "node": "m1", "owner": "ReplicaSet/rec-1", "status": "Pending"}], []),
])
def test_a_taint_on_every_node_of_a_group_is_the_nodes_own_when_the_pods_are_made_for_them(pod, running, odd):
    import asyncio

    from sre_agent.brains.offline.calls import Calls
    from sre_agent.brains.offline.pods import _tainted_nodes
    from tests.unit.brains.test_offline_kubernetes_targets import Scripted

    tools = Scripted({("get_resources", "Node"): {"items": [MEDIA, node("g1", "general", "1a")]},
                      ("get_resources", "Pod"): {"items": running}})
    calls = Calls(tools, "kubernetes", "offline")
    asyncio.run(_tainted_nodes([("maint", "true")], "v/Deployment/rec", calls, "v", pod))
    [found] = [f for f in calls.findings if f.signal == "UntoleratedTaint"]
    assert found.details["odd_nodes"] == odd


def consumer(node_name: str, measure: str = "memory") -> Finding:
    return Finding(agent="kubernetes", resource="img/Deployment/viewer", signal="NodeTopConsumer",
                   summary="viewer-1 uses the most memory", severity="warning", details={"node": node_name, "measure": measure},
                   evidence=["ev-2"])


@pytest.mark.parametrize("pressure, consumer_on, category, resource", [
    ("memory", "n1", C.MEMORY_LEAK, "img/Deployment/viewer"),  # the kubelet's memory taint: what fills the node is the cause
    ("memory", "n9", C.UNSCHEDULABLE, "d/Deployment/api"),     # the biggest user of another node: no part in it
    (None, "n1", C.UNSCHEDULABLE, "d/Deployment/api"),         # a taint a person put there: the consumer is no cause
])
def test_a_kubelet_pressure_taint_puts_the_root_cause_on_what_fills_the_node(pressure, consumer_on, category, resource):
    taint = finding("UntoleratedTaint", taint="node.kubernetes.io/memory-pressure:NoSchedule", nodes=["n1"], odd_nodes=[],
                    **({"pressure": pressure} if pressure else {}))
    chosen = best(hypotheses([finding("FailedScheduling"), finding("FailedScheduling"), taint, consumer(consumer_on)]))
    assert chosen is not None and (chosen.category, chosen.resource) == (category, resource)


@pytest.mark.parametrize("changed, category, resource", [
    (["env"], C.BAD_DEPLOY_REGRESSION, "logging/DaemonSet/logship"),  # its rollout changed how it writes: the cause
    (None, C.UNSCHEDULABLE, "d/Deployment/api"),  # a writer with no rollout: nothing says it is the one filling it
])
def test_a_disk_pressure_taint_puts_the_root_cause_on_the_writer_whose_rollout_changed(changed, category, resource):
    taint = finding("UntoleratedTaint", taint="node.kubernetes.io/disk-pressure:NoSchedule", nodes=["n1"], odd_nodes=[],
                    pressure="disk")
    writer = Finding(agent="kubernetes", resource="logging/DaemonSet/logship", signal="NodeDiskWriter", summary="writes",
                     severity="warning", details={"node": "n1", "measure": "disk", "paths": ["/var/buffer"]}, evidence=["ev-2"])
    rollout = [Finding(agent="kubernetes", resource="logging/DaemonSet/logship", signal="RecentRollout", summary="rolled",
                       severity="info", details={"changed": changed, "revision": 2}, evidence=["ev-3"])] if changed else []
    chosen = best(hypotheses([finding("FailedScheduling"), finding("FailedScheduling"), taint, writer, *rollout]))
    assert chosen is not None and (chosen.category, chosen.resource) == (category, resource)


def test_a_taint_on_a_node_the_pods_selector_never_picks_is_not_why_they_wait():
    import asyncio

    from sre_agent.brains.offline.calls import Calls
    from sre_agent.brains.offline.pods import _tainted_nodes
    from tests.unit.brains.test_offline_kubernetes_targets import Scripted

    general = node("g1", "general", "1a", "maint=true:NoSchedule")  # one general node under maintenance
    tools = Scripted({("get_resources", "Node"): {"items": [MEDIA, general, node("g2", "general", "1a")]},
                      ("get_resources", "Pod"): {"items": []}})
    calls = Calls(tools, "kubernetes", "offline")
    asyncio.run(_tainted_nodes([("maint", "true")], "v/Deployment/rec", calls, "v", pending_pod({"pool": "media"}, MADE_FOR_MEDIA)))
    assert [f.details["nodes"] for f in calls.findings if f.signal == "UntoleratedTaint"] == [["m1"]]  # never g1
