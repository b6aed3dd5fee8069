"""'delete the pending pods' while the conversation is on a node is a delete of pods, never of the Node: pending pods
are on no node (the cluster's are meant) and are not pinned when the scheduler cannot place them; pods stuck on the
node are deleted with force, by hand."""

import asyncio

from sre_agent.chat.act.pod_deletes import node_pods_delete
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

NODE = "ip-10-0-1-23"
PODS = [
    {"name": "api-1", "namespace": "shop", "owner": "ReplicaSet/api-7d", "node": None, "status": "Pending",
     "problems": ["Unschedulable: 0/4 nodes are available: 3 Insufficient cpu"]},
    {"name": "web-1", "namespace": "shop", "owner": "ReplicaSet/web-5c", "node": NODE, "status": "Terminating", "ready": "0/1"},
    {"name": "db-0", "namespace": "shop", "owner": "StatefulSet/db", "node": "ip-other", "status": "Running", "ready": "1/1"},
]


class Cluster:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        data = {"items": PODS} if tool == "get_resources" else {"events": []}
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True), data=data)


def answer(question):
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster(), resource=f"Node/{NODE}")
    return asyncio.run(node_pods_delete(ask, NODE))


def test_pending_pods_the_scheduler_cannot_place_are_not_pinned_and_the_node_never_is():
    said = answer("delete the pending pods so they get rescheduled")
    assert said.status == "answered" and said.headline.startswith("Not pinned: the 1 pending pod(s) (of api) cannot be placed")
    assert said.approval is None


def test_pods_stuck_on_the_node_are_deleted_with_force_by_hand():
    said = answer("delete the stuck pods")
    assert said.approval is not None and "kubectl delete pod web-1 -n shop --grace-period=0 --force" in str(said.approval)
    assert "Node" not in str(said.approval.args.get("kind"))
