"""A DaemonSet's status counts only the nodes it fits, so a node whose taint it does not tolerate never shows as
missing. The gap is a fault when those nodes joined recently or the DaemonSet tolerates other pools of the same
taint key; a long-standing exclusion it never tolerated anywhere, or one its nodeSelector makes, is its design.
Table tests over scripted tool results; the fix is the toleration, as a JSON patch real kubectl accepts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from sre_agent.brains.offline.calls import Calls
from sre_agent.brains.offline.daemonsets import node_gaps, tolerates
from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.contracts import Incident, ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from sre_agent.graph.resource_fixes import daemonset_toleration_fix
from sre_agent.graph.state import Investigation

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
STATE = Investigation(incident=Incident(id="inc-1", title="t", started_at=NOW, window_start=NOW, window_end=NOW))
DS = "platform/DaemonSet/node-shipper"
VISION = "acme.io/dedicated=vision:NoSchedule"
NODES = [{"name": "core-0", "ready": "True", "taints": []},
         {"name": "data-0", "ready": "True", "taints": ["acme.io/dedicated=data:NoSchedule"]},
         {"name": "vision-0", "ready": "True", "taints": [VISION]},
         {"name": "gone-0", "ready": "Unknown", "taints": [VISION]}]
PODS = [{"pod": "node-shipper-a", "node": "core-0"}, {"pod": "node-shipper-b", "node": "data-0"}]
DATA_TOLERATION = [{"key": "acme.io/dedicated", "operator": "Equal", "value": "data", "effect": "NoSchedule"}]


class Scripted:
    def __init__(self, joined: str, labels: dict | None = None) -> None:
        self.joined, self.labels = joined, labels or {}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, args=args, ok=True)
        if tool == "get_resources":
            return ToolOutcome(record=record, data={"items": NODES})
        return ToolOutcome(record=record, data={"object": {"metadata": {"name": args["name"], "labels": self.labels,
                                                                        "creationTimestamp": self.joined}}})


def gaps(pod_spec: dict, joined: str, labels: dict | None = None) -> list:
    calls = Calls(Scripted(joined, labels), "kubernetes", "kubernetes")
    asyncio.run(node_gaps(DS, pod_spec, PODS, STATE, calls))
    return [f for f in calls.findings if f.signal == "DaemonSetNodeGap"]


@pytest.mark.parametrize("pod_spec, joined, labels, severity", [
    ({"tolerations": DATA_TOLERATION}, "2026-02-01T00:00:00Z", None, "critical"),  # covers another pool of the key
    ({}, "2026-03-01T11:05:00Z", None, "critical"),  # no tolerations, but the node joined 55 min ago
    ({}, "2026-02-01T00:00:00Z", None, "info"),  # never tolerated any pool, an old node: by design
    ({"tolerations": DATA_TOLERATION, "nodeSelector": {"acme.io/pool": "core"}}, "2026-03-01T11:05:00Z",
     {"acme.io/pool": "vision"}, None),  # its nodeSelector keeps it off anyway
    ({"tolerations": [{"operator": "Exists"}]}, "2026-03-01T11:05:00Z", None, None),  # tolerates every taint
])
def test_the_nodes_a_daemonset_does_not_tolerate(pod_spec, joined, labels, severity):
    found = gaps(pod_spec, joined, labels)
    assert [f.severity for f in found] == ([severity] if severity else [])
    if found:
        assert found[0].details["nodes"] == ["vision-0"] and found[0].details["taints"] == [VISION]  # not the NotReady one


def test_only_a_gap_that_is_a_fault_is_diagnosed_and_its_fix_is_the_toleration():
    fault = gaps({"tolerations": DATA_TOLERATION}, "2026-02-01T00:00:00Z")
    chosen = best(hypotheses(fault))
    assert (chosen.category.value, chosen.resource) == ("unschedulable", DS)
    assert hypotheses(gaps({}, "2026-02-01T00:00:00Z")) == []  # design: reported, never blamed
    fix = daemonset_toleration_fix(DS, fault[0])
    assert fix.commands[0] == ('kubectl -n platform patch daemonset node-shipper --type json -p \'[{"op": "add", "path": '
                               '"/spec/template/spec/tolerations/-", "value": {"key": "acme.io/dedicated", "operator": '
                               '"Equal", "value": "vision", "effect": "NoSchedule"}}]\'')


@pytest.mark.parametrize("toleration, ok", [
    ({"key": "acme.io/dedicated", "operator": "Equal", "value": "vision", "effect": "NoSchedule"}, True),
    ({"key": "acme.io/dedicated", "operator": "Exists"}, True),
    ({"key": "acme.io/dedicated", "value": "data"}, False),
    ({"key": "acme.io/dedicated", "operator": "Exists", "effect": "NoExecute"}, False),
    ({"operator": "Exists"}, True),
])
def test_tolerations_match_as_the_scheduler_matches_them(toleration, ok):
    assert tolerates([toleration], VISION) is ok


@pytest.mark.parametrize("question, severity", [
    ("why are node-shipper pods missing on some nodes?", "critical"),  # the asker counts the gap as the trouble
    ("node-shipper only 3 of 4 nodes?", "critical"),
    ("is node-shipper healthy", "info"),  # nobody said anything is missing: an old exclusion stays its design
])
def test_a_gap_the_question_says_is_missing_is_the_trouble_whatever_its_age(question, severity):
    asked = Investigation(incident=Incident(id="inc-1", title="t", started_at=NOW, window_start=NOW, window_end=NOW,
                                            question=question))
    calls = Calls(Scripted("2026-02-01T00:00:00Z"), "kubernetes", "kubernetes")
    asyncio.run(node_gaps(DS, {}, PODS, asked, calls))
    found = [f for f in calls.findings if f.signal == "DaemonSetNodeGap"]
    assert [f.severity for f in found] == [severity]
    chosen = best(hypotheses(found))  # what the asker says is missing is diagnosed; a gap nobody asked about is not
    assert (chosen.category.value if chosen else None) == ("unschedulable" if severity == "critical" else None)
