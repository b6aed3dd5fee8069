"""A DaemonSet short of ready pods: the status answer names the nodes it has no ready pod on, a NotReady
node first (the likelier reason), with each node's readiness and taints."""

from __future__ import annotations

import asyncio

from sre_agent.chat.answer.status_gaps import daemonset_gaps
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

NODES = [{"name": "n1", "ready": "True", "taints": []}, {"name": "n2", "ready": "True", "taints": []},
         {"name": "n3", "ready": "Unknown", "taints": ["node.kubernetes.io/unreachable=:NoExecute"]},
         {"name": "gpu", "ready": "True", "taints": ["gpu=true:NoSchedule"]}]
PODS = [{"name": f"fwd-{n}", "namespace": "platform", "node": n, "status": "Running", "ready": "1/1", "restarts": 0,
         "owner": "platform/DaemonSet/fwd"} for n in ("n1", "n2")]


class Cluster:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        return ToolOutcome(record=record, data={"items": NODES if args.get("kind") == "Node" else PODS})


def test_the_nodes_without_a_ready_pod_are_named_notready_first():
    ask = Ask(question="status of fwd", recognised=recognise("status of fwd"), tools=Cluster())
    lines, nodes = asyncio.run(daemonset_gaps(ask, PODS))
    assert lines == ["no ready pod on node n3 (node Ready=Unknown, NotReady, taints ['node.kubernetes.io/unreachable=:NoExecute'])",
                     "no ready pod on node gpu (node Ready=True, taints ['gpu=true:NoSchedule'])"]
    assert nodes == ["Node/n3", "Node/gpu"]
