"""'scale the analytics nodegroup back to 2': a node group's size, pinned as the cloud's command -- never a workload's
replicas; the group found among the node-group labels the cluster shows (nodes', and its workloads' selectors)."""

from __future__ import annotations

import asyncio

from sre_agent.chat.act.node_group_scale import node_group_scale
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome


class Cluster:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        data: dict = {}
        if tool == "get_resources":
            data = {"items": [{"name": f"n{i}", "labels": {"eks.amazonaws.com/nodegroup": "general"}} for i in range(3)]}
        elif tool == "describe":
            data = {"object": {"spec": {"template": {"spec": {"nodeSelector": {"acme.io/pool": "analytics"}}}}}}
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True), data=data)


def _answer(question: str):
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster(), focus=["an/Deployment/leak-detector"])
    return asyncio.run(node_group_scale(ask))


def test_a_group_scaled_to_zero_is_found_by_its_workloads_selector_and_pinned_as_the_clouds_command():
    answer = _answer("ok scale the analytics nodegroup back to 2")
    assert answer.status == "approval_required"
    assert answer.approval.change.startswith("node group analytics: desired size 0 -> 2")
    assert answer.approval.how_to_approve[0].startswith("aws eks update-nodegroup-config --cluster-name <cluster> "
                                                       "--nodegroup-name analytics --scaling-config desiredSize=2")


def test_a_group_not_named_is_asked_back_with_the_groups_there_are():
    answer = _answer("scale the node group up to 4")
    assert answer.status == "answered" and "general (3 nodes)" in answer.headline and "analytics (0 nodes)" in answer.headline


def test_no_node_group_said_is_not_this_request():
    assert _answer("scale leak-detector to 2") is None
