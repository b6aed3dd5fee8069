"""'any pods pending?' of a workload short of pods with none in trouble: the rest were never created, and its
controller's FailedCreate says why -- never "no pod is pending" as if all were well."""

from __future__ import annotations

import asyncio

from sre_agent.chat.answer.pod_problems import pod_problems
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

PODS = [{"name": f"tracker-h56qvwlrk7-{i}", "namespace": "ops", "status": "Running", "ready": "1/1", "restarts": 0,
         "owner": "ReplicaSet/tracker-h56qvwlrk7"} for i in range(6)]


class Cluster:
    parameters: dict = {}

    def __init__(self, replicas: int):
        self.replicas = replicas

    async def call(self, agent, server, tool, args, brain="offline"):
        data: dict = {}
        if tool == "get_resources":
            data = {"items": PODS}
        elif tool == "describe":
            data = {"object": {"spec": {"replicas": self.replicas}}}
        elif tool == "events":
            data = {"events": [{"reason": "FailedCreate", "object": "ReplicaSet/tracker-h56qvwlrk7", "type": "Warning",
                                "message": 'Error creating: pods "tracker-h56qvwlrk7-x" is forbidden: exceeded quota: ops-compute'}]}
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True), data=data)


def _answer(replicas: int):
    question = "are any tracker pods pending?"
    return asyncio.run(pod_problems(Ask(question=question, recognised=recognise(question), tools=Cluster(replicas))))


def test_pods_never_created_are_said_with_the_controllers_reason():
    answer = _answer(11)
    assert answer.status == "problems"
    assert answer.headline.startswith("No pod of ops/Deployment/tracker is pending or crashing, but 11 pods are wanted and 6 "
                                      "exist: the other 5 were never created -- FailedCreate: Error creating")
    assert "exceeded quota: ops-compute" in answer.headline


def test_a_workload_with_all_its_pods_is_healthy():
    assert _answer(6).status == "healthy"
