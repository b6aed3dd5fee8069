"""After a template write to a StatefulSet, the members it cannot reach are deleted (graph/stuck_rollout.py): those
not Ready on an old revision -- and, under an OnDelete strategy (the controller replaces no member), every member on
another revision, Ready or not (a canary left on a bad release). Members on the new revision are never touched."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from sre_agent.contracts import Incident, ToolCallRecord
from sre_agent.graph.context import RunContext
from sre_agent.graph.policy import RemediationPolicy
from sre_agent.graph.ports import ToolOutcome
from sre_agent.graph.state import Investigation, RemediationPlan
from sre_agent.graph.stuck_rollout import finish

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
MEMBERS = {"manifest-0": ("rev-1", True), "manifest-1": ("rev-1", True), "manifest-2": ("rev-2", True),
           "manifest-3": ("rev-2", False)}


class Cluster:
    def __init__(self, strategy: str) -> None:
        self.strategy, self.deleted = strategy, []

    async def call(self, agent, server, tool, args, brain="offline") -> ToolOutcome:
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, args=args)
        if tool == "describe" and args["kind"] == "StatefulSet":
            data = {"object": {"metadata": {"generation": 3}, "spec": {"updateStrategy": {"type": self.strategy}},
                               "status": {"observedGeneration": 3, "updateRevision": "rev-1"}}}
        elif tool == "describe":
            revision, _ = MEMBERS[args["name"]]
            data = {"object": {"metadata": {"uid": f"uid-{args['name']}", "labels": {"controller-revision-hash": revision}}}}
        elif tool == "ownership":
            data = {"pods": [{"pod": name, "ready": ready} for name, (_, ready) in MEMBERS.items()]}
        else:
            self.deleted.append(args["name"])
            data = {"result": "deleted"}
        return ToolOutcome(record=record, data=data)


@pytest.mark.parametrize(("strategy", "deleted"), [
    ("RollingUpdate", ["manifest-3"]),  # the controller replaces Ready members itself; a stuck one is freed
    ("OnDelete", ["manifest-2", "manifest-3"]),  # it replaces none: every member off the new revision goes
])
def test_the_members_a_statefulset_write_cannot_reach_are_deleted(strategy, deleted):
    cluster = Cluster(strategy)
    incident = Incident(id="inc-1", title="manifest 5xx", started_at=NOW, window_start=NOW, window_end=NOW, affected=[])
    state = Investigation(incident=incident, started_epoch=0.0)
    context = RunContext(brain=None, tools=cluster, policy=RemediationPolicy(mode="auto", namespaces=["booking"]))  # type: ignore[arg-type]
    plan = RemediationPlan(server="kubernetes", tool="rollout_undo", risk="low",
                           args={"namespace": "booking", "name": "manifest", "kind": "StatefulSet", "to_revision": 1})
    actions, _, notes = asyncio.run(finish(plan, state, context, cluster, wait_s=1, poll_s=0))
    assert cluster.deleted == deleted and [a.args["name"] for a in actions] == deleted and not notes
