"""An autoscaler's bounds are a scale: weighed against the fault found as one -- a higher minimum for a workload whose
new pods a readiness probe fails (or whose memory leaks) is said with the change that acts, not pinned; for a workload
held at its CPU limit, where more replicas act, it is pinned."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.act.hpa_plans import hpa_request
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

RID = "lockers/Deployment/locker-api"


class Cluster:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "get_resources" and args.get("kind") == "HorizontalPodAutoscaler":
            return ToolOutcome(record=record, data={"items": [
                {"name": "locker-api", "namespace": "lockers", "target": "Deployment/locker-api", "min": 4, "max": 10,
                 "current": 4, "desired": 4}]})
        return ToolOutcome(record=record, data={"items": [], "object": {}})


@pytest.mark.parametrize(("category", "pinned"), [("probe_misconfig", False), ("memory_leak", False),
                                                   ("cpu_throttling", True)])
def test_an_hpa_minimum_is_weighed_against_the_fault_found(category, pinned):
    question = "bump the hpa minReplicas to 8 so we get more pods"

    async def investigate(q, rid):
        return {"diagnosis": {"category": category, "resource": RID}, "proposed_fixes": []}
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster(), investigate=investigate,
              last_diagnosis={"category": category, "resource": RID, "summary": f"{category} on {RID}: x"})
    answer = asyncio.run(hpa_request(ask, RID))
    assert (answer.status == "approval_required") is pinned
    if not pinned:
        assert answer.headline.startswith("Not pinned:") and "an hpa change" in answer.headline
