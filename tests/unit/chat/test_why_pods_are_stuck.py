"""Pods in trouble say why in the words only events carry: the scheduler's for a Pending pod, the kubelet's for a
container it killed (a failed liveness probe exits 137 like a crash)."""

from __future__ import annotations

import asyncio

from sre_agent.chat.answer.pods import why_pending, why_restarted
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

POD = {"namespace": "pharmacy", "name": "rx-queue-abc-1"}


class Events:
    parameters: dict = {}

    def __init__(self, events: list[dict]):
        self.events = events

    async def call(self, agent, server, tool, args, brain="offline"):
        assert tool == "events" and args["name"] == POD["name"]
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                           data={"events": self.events})


def _ask(events: list[dict]) -> Ask:
    question = "rx queue pods keep restarting"
    return Ask(question=question, recognised=recognise(question), tools=Events(events), focus=[])


def test_a_container_killed_for_its_liveness_probe_says_so():
    probe = {"reason": "Unhealthy", "message": 'Liveness probe failed: Get "http://10.0.0.1:8080/healthz/deep": context '
                                               "deadline exceeded"}
    said = asyncio.run(why_restarted(_ask([{"reason": "BackOff", "message": "Back-off restarting"}, probe]), [POD]))
    assert said == [f"why {POD['name']} restarts (Unhealthy): {probe['message']}"]


def test_a_crash_of_its_own_adds_nothing_the_status_did_not_say():
    assert asyncio.run(why_restarted(_ask([{"reason": "BackOff", "message": "Back-off restarting"}]), [POD])) == []


def test_a_pending_pod_says_the_schedulers_words():
    said = asyncio.run(why_pending(_ask([{"reason": "FailedScheduling", "message": "0/6 nodes are available: 4 "
                                                                                    "Insufficient cpu"}]), [POD]))
    assert said == [f"why {POD['name']} is pending (FailedScheduling): 0/6 nodes are available: 4 Insufficient cpu"]


def test_why_pods_are_pending_with_no_object_named_reads_the_clusters_pending_pods():
    from sre_agent.chat.answer.pods import pending_said_why

    class Cluster(Events):
        async def call(self, agent, server, tool, args, brain="offline"):
            if tool == "get_resources":
                rows = [{**POD, "name": "web-1", "status": "NodeLost", "phase": "Terminating"},
                        {**POD, "status": "Unschedulable", "phase": "Pending"}]
                return ToolOutcome(record=ToolCallRecord(id="ev-2", agent=agent, server=server, tool=tool, ok=True),
                                   data={"items": rows})
            return await super().call(agent, server, tool, args, brain)

    said_no = {"reason": "FailedScheduling", "message": "0/9 nodes are available: 3 Insufficient cpu"}
    ask = Ask(question="why r pods pending", recognised=recognise("why r pods pending"), tools=Cluster([said_no]), focus=[])
    assert asyncio.run(pending_said_why(ask, None)) == [f"why {POD['name']} is pending (FailedScheduling): {said_no['message']}"]
    ask = Ask(question="why is it down", recognised=recognise("why is it down"), tools=Cluster([said_no]), focus=[])
    assert asyncio.run(pending_said_why(ask, None)) == []  # pending not asked: no listing
