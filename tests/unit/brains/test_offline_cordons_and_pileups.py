"""Fixes that fix (issue 35, class D), as the offline Kubernetes specialist reads them: pods Pending because the nodes
they may run on are cordoned -- whatever rules the other nodes out (a nodeSelector, a required node affinity pinning
a member to a host, anti-affinity with its siblings, room) and with the cordon's own taint not counted against the
pods -- and the cordoned node read whole for why it was cordoned; and the runs of a CronJob that pile up against a
namespace's quota. A cordon recorded as made on purpose becomes RecordedIntent, never a silent uncordon. Table tests
over node, Job and CronJob rows."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.brains.offline.calls import Calls
from sre_agent.brains.offline.cordons import cordoned_nodes, eligible_nodes
from sre_agent.brains.offline.cronjobs import cronjob_pileups, unfinished_runs
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

CORDONED = "node.kubernetes.io/unschedulable=:NoSchedule"


def node(name: str, pool: str = "general", *taints: str, cordoned: bool = False, annotations: dict | None = None) -> dict:
    return {"name": name, "labels": {"pool": pool}, "taints": [*taints, *([CORDONED] if cordoned else [])],
            "unschedulable": cordoned, "annotations": annotations or {}}


class Answers:
    """get_resources and describe answered from rows; every call kept."""

    def __init__(self, nodes: list[dict] | None = None, jobs: list[dict] | None = None, cronjobs: dict | None = None) -> None:
        self.nodes, self.jobs, self.cronjobs, self.calls = nodes or [], jobs or [], cronjobs or {}, []

    async def call(self, agent, server, tool, args, brain="offline") -> ToolOutcome:
        self.calls.append((tool, args.get("kind"), args.get("name")))
        data = None
        if tool == "get_resources":
            data = {"items": self.nodes if args["kind"] == "Node" else self.jobs}
        elif tool == "describe" and args["kind"] == "Node":
            row = next(n for n in self.nodes if n["name"] == args["name"])
            data = {"object": {"metadata": {"name": row["name"], "annotations": row["annotations"]}}}
        elif tool == "describe" and args["kind"] == "CronJob":
            data = self.cronjobs.get(args["name"])
        record = ToolCallRecord(id=f"ev-{len(self.calls)}", agent=agent, server=server, tool=tool, args=args)
        return ToolOutcome(record=record, data=data, error=None if data is not None else "not found")


def affinity_to(*hosts: str) -> dict:
    return {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": list(hosts)}]}]}}}}


@pytest.mark.parametrize("spec, nodes, eligible", [
    # no selector: the cordon's own taint does not make the cordoned node one the pods could never use
    ({}, [node("a", cordoned=True), node("b")], ["a", "b"]),
    ({}, [node("a", "gpu", "dedicated=gpu:NoSchedule"), node("b")], ["b"]),      # a dedicated group's taint does
    (affinity_to("c"), [node("a"), node("b"), node("c", cordoned=True)], ["c"]),  # a member pinned to its host
    ({"nodeSelector": {"pool": "db"}}, [node("a", "db"), node("b")], ["a"]),
])
def test_the_nodes_a_pod_may_use_are_judged_without_the_cordon(spec, nodes, eligible):
    assert [n["name"] for n in eligible_nodes(spec, nodes)] == eligible


@pytest.mark.parametrize("spec, nodes, message, found", [
    # a StatefulSet spread one member per node: the siblings hold the other nodes -- the cordon is the room it lacks
    ({}, [node("a"), node("b", cordoned=True), node("c")],
     "0/3 nodes are available: 2 node(s) didn't satisfy existing pods anti-affinity rules, 1 node(s) were unschedulable.",
     ["b"]),
    # pinned to the cordoned host by its required affinity
    (affinity_to("c"), [node("a"), node("b"), node("c", cordoned=True)],
     "0/3 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable.", ["c"]),
    # a volume bound to the cordoned node's zone
    ({}, [node("a"), node("b", cordoned=True)],
     "0/2 nodes are available: 1 node(s) had volume node affinity conflict, 1 node(s) were unschedulable.", ["b"]),
    # no selector: a node whose taint it does not tolerate is not one of its nodes (a taint left behind is judged on
    # its own, graph/fix_values.leftover_taint): the cordoned node is the only one it may use
    ({}, [node("a", "general", "maint=x:NoSchedule"), node("b", cordoned=True)],
     "0/2 nodes are available: 1 node(s) had untolerated taint {maint: x}, 1 node(s) were unschedulable.", ["b"]),
    # made for a pool (its selector) whose other node could take it but for its own reason (not room): not the cordon
    ({"nodeSelector": {"pool": "db"}}, [node("a", "db", "maint=x:NoSchedule"), node("b", "db", cordoned=True)],
     "0/2 nodes are available: 1 node(s) had untolerated taint {maint: x}, 1 node(s) were unschedulable.", None),
    # the other node has room: nothing is held by the cordon
    ({}, [node("a"), node("b", cordoned=True)], "0/2 nodes are available: 1 node(s) were unschedulable, 1 Too many pods.",
     None),
])
def test_a_cordon_in_the_way_is_named_whatever_rules_the_other_nodes_out(spec, nodes, message, found):
    tools = Answers(nodes)
    calls = Calls(tools, "kubernetes", "kubernetes")
    asyncio.run(cordoned_nodes(spec, "data/StatefulSet/kv", calls, message))
    cordons = [f.details["nodes"] for f in calls.findings if f.signal == "CordonedNodes"]
    assert cordons == ([found] if found else [])


def test_a_cordoned_node_is_read_for_why_it_was_cordoned():
    nodes = [node("a"), node("b", cordoned=True, annotations={"ops.example.com/maintenance": "kernel upgrade CHG-5120",
                                                              "ops.example.com/owner": "platform-oncall"})]
    calls = Calls(Answers(nodes), "kubernetes", "kubernetes")
    asyncio.run(cordoned_nodes({}, "data/StatefulSet/kv", calls,
                               "0/2 nodes are available: 1 node(s) didn't match pod anti-affinity rules, 1 node(s) were "
                               "unschedulable."))
    [intent] = [f for f in calls.findings if f.signal == "RecordedIntent"]
    assert intent.resource == "Node/b" and intent.details["intent"]["who"] == "platform-oncall"
    assert "CHG-5120" in intent.summary


def job(name: str, cronjob: str | None, condition: str | None = None, created: str = "2026-03-01T09:00:00Z") -> dict:
    return {"name": name, "created": created, "condition": condition, "active": 1, **({"cronjob": cronjob} if cronjob else {})}


def test_unfinished_runs_are_a_cronjobs_jobs_with_no_complete_or_failed_condition_oldest_first():
    runs = unfinished_runs([job("r-2", "r", created="2026-03-01T10:00:00Z"), job("r-1", "r"), job("r-0", "r", "Complete"),
                            job("s-1", "s", "Failed"), job("manual", None)])
    assert {k: [j["name"] for j in v] for k, v in runs.items()} == {"r": ["r-1", "r-2"]}


@pytest.mark.parametrize("policy, jobs, piled", [
    (None, [job("r-1", "r"), job("r-2", "r")], True),           # Allow (the default) lets runs overlap
    ("Allow", [job("r-1", "r"), job("r-2", "r")], True),
    ("Forbid", [job("r-1", "r"), job("r-2", "r")], False),       # cannot pile up
    (None, [job("r-1", "r"), job("r-0", "r", "Complete")], False),  # one run at a time
])
def test_runs_piling_up_against_a_quota_are_named_on_their_cronjob(policy, jobs, piled):
    spec = {"schedule": "*/15 * * * *", **({"concurrencyPolicy": policy} if policy else {})}
    calls = Calls(Answers(jobs=jobs, cronjobs={"r": {"object": {"spec": spec}}}), "kubernetes", "kubernetes")
    asyncio.run(cronjob_pileups("ops", ["ops/ResourceQuota/q"], calls))
    found = [f for f in calls.findings if f.signal == "CronJobPileUp"]
    assert bool(found) is piled
    if piled:
        assert found[0].resource == "ops/CronJob/r" and found[0].details["unfinished"] == ["r-1", "r-2"]
        assert found[0].details["quotas"] == ["ops/ResourceQuota/q"] and found[0].details["concurrency_policy"] == "Allow"
