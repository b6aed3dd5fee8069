"""A page with nothing broken still has a cause: what moved on the object -- its autoscaler's rescales, a rollout's
pace, its requests' rise -- each from a tool's facts, said only when it moved."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.chat.answer.benign_motion import what_moved
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome


def _at(minutes_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


class Cluster:
    parameters: dict = {}

    def __init__(self, *, kind="Deployment", spec=None, status=None, hpa=None, rescales=(), requests=()):
        self.kind, self.spec, self.status, self.hpa = kind, spec or {}, status or {}, hpa
        self.rescales, self.requests = rescales, list(requests)

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        data: dict = {}
        if tool == "get_resources":
            data = {"items": [self.hpa] if self.hpa else []}
        elif tool == "find_resource":
            data = {"matches": [{"resource": "shop/Deployment/web", "exact": True}]}
        elif tool == "events":
            data = {"events": [{"reason": "SuccessfulRescale", "message": f"New size: {n}; reason: cpu above target",
                                "last": _at(m)} for n, m in self.rescales]}
        elif tool == "describe":
            data = {"object": {"spec": self.spec, "status": self.status}}
        elif tool == "get_metric_data":
            data = {"series": {"Sum": {"values": self.requests}}}
        return ToolOutcome(record=record, data=data)


def moved(rid: str, cluster: Cluster) -> list[str]:
    question = "why did the alarm fire"
    return asyncio.run(what_moved(Ask(question=question, recognised=recognise(question), tools=cluster, focus=[]), rid))


HPA = {"name": "web", "target": "Deployment/web", "min": 4, "max": 16, "current": 5}
SETTLED = {"replicas": 5}, {"updatedReplicas": 5, "unavailableReplicas": 0}


@pytest.mark.parametrize("rid, cluster, says", [
    # the scaler's own rescales, oldest first; an hour-old rescale window keeps the sizes it said
    ("shop/Deployment/web", Cluster(spec=SETTLED[0], status=SETTLED[1], hpa=HPA, rescales=[(13, 5), (6, 12), (9, 9)]),
     ["its HorizontalPodAutoscaler web scaled it 6 -> 9 -> 13 in the last 12 min (min 4, max 16, now 5): cpu above target"]),
    # a DaemonSet rollout still replacing pods, paced by its readiness delay
    ("ops/DaemonSet/web", Cluster(kind="DaemonSet", spec={"updateStrategy": {"rollingUpdate": {"maxUnavailable": 1}},
                                                          "template": {"spec": {"containers": [
                                                              {"name": "shipper", "readinessProbe": {"initialDelaySeconds": 90}}]}}},
                                  status={"desiredNumberScheduled": 7, "updatedNumberScheduled": 5, "numberUnavailable": 1}),
     ["a rollout is replacing its pods (5 of 7 updated, 1 unavailable, maxUnavailable 1): each new pod needs 90 s to be "
      "ready (readinessProbe initialDelaySeconds of shipper), about 4 min more"]),
    # a Service: its requests' rise leads, then what its workload did
    ("shop/Service/web", Cluster(spec=SETTLED[0], status=SETTLED[1], requests=[100, 120, 800, 300]),
     ["its requests rose 100 -> 800/min and are 300/min now (last 3 h)"]),
    # nothing moved: nothing said (no scaler, a settled rollout, flat requests)
    ("shop/Service/web", Cluster(spec=SETTLED[0], status=SETTLED[1], requests=[100, 110, 120]), []),
])
def test_what_moved(rid: str, cluster: Cluster, says: list[str]) -> None:
    assert moved(rid, cluster) == says
