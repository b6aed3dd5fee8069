"""A DaemonSet's "6/6 ready" counts only the nodes it fits: the Ready nodes with no pod of it whose taint it does not
tolerate are said beside its status (node, node group, taint) -- never a NotReady node, a controller's own taint or a
taint it tolerates."""

from __future__ import annotations

import asyncio

from sre_agent.brains.offline.daemonsets import MISSING_SAID
from sre_agent.chat.answer.status_gaps import untolerated_nodes
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

MEDIA = "acme.io/workload=media:NoSchedule"
NODES = [{"name": "core-0", "ready": "True", "taints": []},
         {"name": "media-0", "ready": "True", "taints": [MEDIA], "labels": {"eks.amazonaws.com/nodegroup": "qm-media"}},
         {"name": "media-1", "ready": "Unknown", "taints": [MEDIA]},
         {"name": "db-0", "ready": "True", "taints": ["acme.io/dedicated=db:NoSchedule"]},
         {"name": "full-0", "ready": "True", "taints": ["node.kubernetes.io/disk-pressure:NoSchedule"]}]


class Nodes:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                           data={"items": NODES})


def test_the_nodes_a_daemonset_does_not_fit_are_said_with_their_group_and_taint():
    ask = Ask(question="is log-shipper ok", recognised=recognise("is log-shipper ok"), tools=Nodes(), focus=[])
    spec = {"tolerations": [{"key": "acme.io/dedicated", "operator": "Exists"}]}
    lines = asyncio.run(untolerated_nodes(ask, [{"node": "core-0"}], spec))
    assert lines == [f"no pod on node media-0 (node group qm-media): its taint {MEDIA} is not tolerated, so the "
                     "DaemonSet places none there"]


def test_a_question_that_says_pods_are_missing_makes_the_gap_the_trouble():
    assert MISSING_SAID.search("Why are there only 6 log-shipper pods when we have 8 nodes?")
    assert MISSING_SAID.search("which node group are the missing ones in")
    assert not MISSING_SAID.search("is log-shipper ok")
