"""'how often does it get killed', 'when will the next kill be': read from each restarted container's last run (how long
it lasted, how it ended) and how long it has run since -- the next restart due when it has run as long again; a
container dying seconds after it starts is paced by the kubelet's back-off, said so; no restarts, said so."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.chat.answer.cadence import restart_cadence
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome


def pod(name: str, ran_min: float, since_min: float, restarts: int = 3, reason: str = "OOMKilled",
        now: datetime | None = None) -> dict:
    """A pod whose container last ran `ran_min` minutes and has run again for `since_min`, said from `now` (default:
    when the case is made -- the table's cases check nothing that moves with the clock)."""
    now = now or datetime.now(UTC)

    def at(minutes_ago: float) -> str:
        return (now - timedelta(minutes=minutes_ago)).isoformat()
    status = {"name": "api", "restartCount": restarts, "state": {"running": {"startedAt": at(since_min)}},
              "lastState": {"terminated": {"reason": reason, "exitCode": 137, "startedAt": at(since_min + ran_min),
                                           "finishedAt": at(since_min)}}}
    return {"status": {"containerStatuses": [status]}}


class Pods:
    parameters: dict = {}

    def __init__(self, pods: dict[str, dict]):
        self.pods = pods

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "get_resources":
            rows = [{"name": n, "namespace": "shop", "owner": "ReplicaSet/api-7d9f", "restarts":
                     p["status"]["containerStatuses"][0]["restartCount"]} for n, p in self.pods.items()]
            return ToolOutcome(record=record, data={"items": rows})
        return ToolOutcome(record=record, data={"object": self.pods[args["name"]]})


def answer(pods: dict[str, dict]):
    question = "how often does it get killed"
    ask = Ask(question=question, recognised=recognise(question), tools=Pods(pods), resource="shop/Deployment/api")
    return asyncio.run(restart_cadence(ask))


@pytest.mark.parametrize(("pods", "starts", "said"), [
    # a leak that kills at the same point: every 40 min, the next due when the one running longest reaches it
    ({"api-7d9f-a": pod("api-7d9f-a", 40, 12), "api-7d9f-b": pod("api-7d9f-b", 40, 30)}, "About every 40m per pod",
     "the next is due about"),
    # a crash at start: the back-off paces it
    ({"api-7d9f-a": pod("api-7d9f-a", 0.1, 1, reason="Error")}, "shop/Deployment/api's containers die 6s after", "back-off"),
    # none restarted
    ({"api-7d9f-a": pod("api-7d9f-a", 40, 12, restarts=0)}, "No restarts", ""),
])
def test_how_often_a_workloads_containers_restart(pods, starts, said):
    got = answer(pods)
    assert got.headline.startswith(starts), got.headline
    assert said in got.headline


def test_the_next_restart_is_the_pod_closest_to_its_runs_length():
    now = datetime.now(UTC)  # the pods said from this moment, not from when the module was collected
    got = answer({"api-7d9f-a": pod("api-7d9f-a", 40, 12, now=now), "api-7d9f-b": pod("api-7d9f-b", 40, 30, now=now)})
    # b has run 30 of its 40 minutes: due in about 10 (a slow machine takes a minute or two between)
    due = {(now + timedelta(minutes=m)).strftime("%H:%M") for m in range(8, 13)}
    assert "(api-7d9f-b)" in got.headline and any(d in got.headline for d in due), got.headline
