"""A pod whose required node affinity no node its nodeSelector picks satisfies: each such node with the expression it
fails and its own value -- the zone its volume pins it to, once the only node of that zone is gone."""

import asyncio

import pytest

from sre_agent.brains.offline.calls import Calls
from sre_agent.brains.offline.pods import _unmatched_affinity
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

NODES = [{"name": "data-1a", "labels": {"pool": "data", "topology.kubernetes.io/zone": "us-east-1a"}},
         {"name": "gen-1c", "labels": {"pool": "general", "topology.kubernetes.io/zone": "us-east-1c"}}]
ZONE_1C = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
    {"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["us-east-1c"]}]}]}}}


class Nodes:
    async def call(self, agent, server, tool, args, brain="offline"):
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                           data={"items": NODES})


@pytest.mark.parametrize("spec, said", [
    ({"nodeSelector": {"pool": "data"}, "affinity": ZONE_1C},
     "required node affinity topology.kubernetes.io/zone In ['us-east-1c'] is satisfied by none of the nodes its "
     "nodeSelector picks (1): data-1a has topology.kubernetes.io/zone=us-east-1a"),
    ({"affinity": ZONE_1C}, None),  # gen-1c satisfies it: the affinity is not what keeps the pod out
    ({"nodeSelector": {"pool": "data"}}, None),  # no affinity to judge
])
def test_a_required_affinity_no_selected_node_satisfies_is_named_node_by_node(spec, said):
    calls = Calls(Nodes(), "kubernetes", "kubernetes")
    asyncio.run(_unmatched_affinity(spec, "l/StatefulSet/redis", calls))
    found = [f.summary for f in calls.findings if f.signal == "NodeAffinityUnmatched"]
    assert found == ([said] if said else [])
