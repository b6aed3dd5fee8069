"""Data said to be stale with nothing failing: what was stopped -- workloads scaled to 0 replicas, read with the intent
they record; one stopped on purpose is what the stale data traces to, and its way back is its owner's
(brains/offline/stopped.py, the ScaledToZero rule beside StoppedWhileStale)."""

import asyncio

from sre_agent.brains.offline.calls import Calls
from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.brains.offline.stopped import stopped_workloads
from sre_agent.contracts import Finding, ToolCallRecord
from sre_agent.graph.intent import recorded_intent
from sre_agent.graph.ports import ToolOutcome
from sre_agent.metric_kinds import said_stale

RELAY = "sortation/Deployment/relay"


class Workloads:
    async def call(self, agent, server, tool, args, brain="offline"):
        rows = [{"name": "relay", "namespace": "sortation", "ready": "0/0"},
                {"name": "portal", "namespace": "baggage", "ready": "3/3"}] if args["kind"] == "Deployment" else []
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                           data={"items": rows})


def test_the_workloads_scaled_to_zero_are_read_and_marked_stopped():
    read: list[str] = []

    async def read_workload(workload: str) -> None:
        read.append(workload)
    calls = Calls(Workloads(), "kubernetes", "kubernetes")
    asyncio.run(stopped_workloads(None, calls, read_workload))
    assert read == [RELAY] and [f.resource for f in calls.findings if f.signal == "StoppedWhileStale"] == [RELAY]


def test_data_said_stale_or_not_arriving_is_read_as_such():
    assert said_stale("why does the portal show stale bag locations?") and said_stale("records are late")
    assert said_stale("isnt that the staleness?") and said_stale("locations frozen") and said_stale("bags not moving")
    assert not said_stale("checkout is down") and not said_stale("pods stuck in pending")


def _finding(signal: str, **details) -> Finding:
    return Finding(agent="kubernetes", resource=RELAY, signal=signal, summary=f"{RELAY} {signal}", evidence=["ev-1"],
                   details=details)


def test_a_producer_stopped_for_a_window_in_progress_is_what_stale_data_traces_to():
    intent = recorded_intent(RELAY, {"annotations": {"acme.io/maintenance": "CHG-61 PLC upgrade - IN PROGRESS"}})[0]
    found = [_finding("ScaledToZero"), _finding("RecordedIntent", intent=intent.model_dump())]
    assert best(hypotheses(found)) is None or best(hypotheses(found)).category == "none"  # no stale data said: no fault
    top = best(hypotheses([*found, _finding("StoppedWhileStale")]))
    assert top is not None and top.category == "dependency_failure" and top.resource == RELAY
    assert any("on purpose" in r and "CHG-61" in r for r in top.reasons)
