"""A node's taint that every other node of its group carries is how the group is meant to be (a dedicated pool),
not a fault the status answer should raise; a taint only this node has is (a maintenance taint left behind) --
unless the node is alone in its group and the taint's value names the pool the node is labelled as."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer.node_facts import group_taints
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

GROUP = "eks.amazonaws.com/nodegroup"
DEDICATED = "acme.io/dedicated=ingest:NoSchedule"
NODES = [{"name": "ingest-0", "labels": {GROUP: "ingest"}, "taints": [DEDICATED, "maintenance=true:NoSchedule"]},
         {"name": "ingest-1", "labels": {GROUP: "ingest"}, "taints": [DEDICATED]},
         {"name": "ingest-2", "labels": {GROUP: "ingest"}, "taints": [DEDICATED]},
         {"name": "solo-0", "labels": {GROUP: "solo"}, "taints": ["gpu=true:NoSchedule"]},
         {"name": "cache-0", "labels": {GROUP: "cache", "acme.io/pool": "cache"},
          "taints": ["acme.io/dedicated=cache:NoSchedule", "maintenance=kernel:NoSchedule"]},
         {"name": "loose", "labels": {}, "taints": [DEDICATED]}]


class Cluster:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                           data={"items": NODES})


@pytest.mark.parametrize("name, shared", [
    ("ingest-0", {DEDICATED}),  # its maintenance taint is its own: not by design
    ("ingest-1", {DEDICATED}),
    ("solo-0", set()),  # alone in its group, and the taint names nothing it is labelled as
    ("cache-0", {"acme.io/dedicated=cache:NoSchedule"}),  # alone, but the taint names the pool it is labelled as
    ("loose", set()),  # no group label
])
def test_a_taint_is_by_design_when_every_other_node_of_the_group_carries_it(name, shared):
    node = next(n for n in NODES if n["name"] == name)
    ask = Ask(question=f"is {name} ok", recognised=recognise(f"is {name} ok"), tools=Cluster())
    assert asyncio.run(group_taints(ask, node["labels"], name)) == shared
