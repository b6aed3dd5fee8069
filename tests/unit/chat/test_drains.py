"""'why can't the old nodes be drained', 'why is the node group upgrade stuck': what kubectl drain waits on -- the pods
left on cordoned nodes (never a DaemonSet's) and the PodDisruptionBudget that allows none of them to go, or a pod no
controller owns."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer.drains import drain_blocked
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

NODES = [{"name": "old-1", "unschedulable": True}, {"name": "new-1", "unschedulable": False}]
BUDGET = {"name": "booking-api", "namespace": "booking", "minAvailable": 3, "allowed": 0, "healthy": 3, "desired": 3,
          "selector": {"app": "booking-api"}}


def _pod(name: str, node: str, owner: str | None = "ReplicaSet/booking-api-x", app: str = "booking-api") -> dict:
    return {"name": name, "namespace": "booking", "node": node, "owner": owner, "labels": f"app={app},pod-template-hash=x",
            "phase": "Running"}


class Cluster:
    parameters: dict = {}

    def __init__(self, nodes: list[dict], pods: list[dict], budgets: list[dict]):
        self.rows = {"Node": nodes, "Pod": pods, "PodDisruptionBudget": budgets}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        return ToolOutcome(record=record, data={"items": self.rows[args["kind"]]})


def _answer(nodes: list[dict], pods: list[dict], budgets: list[dict]):
    question = "why is the node group upgrade stuck"
    return asyncio.run(drain_blocked(Ask(question=question, recognised=recognise(question), tools=Cluster(nodes, pods, budgets))))


@pytest.mark.parametrize("pods, budgets, starts", [
    ([_pod("booking-api-1", "old-1"), _pod("agent-1", "old-1", owner="DaemonSet/agent", app="agent")], [BUDGET],
     "The drain waits on PodDisruptionBudget booking/booking-api (minAvailable 3, 3 healthy of 3 required"),
    ([_pod("debug", "old-1", owner=None, app="debug")], [BUDGET], "1 pod(s) are still on the 1 cordoned node(s) and no "
     "PodDisruptionBudget holds them; 1 have no controller"),
    ([_pod("agent-1", "old-1", owner="DaemonSet/agent", app="agent")], [], "Nothing holds the drain"),
    ([_pod("booking-api-1", "old-1")], [{**BUDGET, "allowed": 1}], "1 pod(s) are still on the 1 cordoned node(s)"),
])
def test_what_the_drain_waits_on(pods, budgets, starts):
    assert _answer(NODES, pods, budgets).headline.startswith(starts)


def test_no_cordoned_node_is_no_drain():
    assert _answer([{"name": "new-1", "unschedulable": False}], [], []).headline.startswith("No node is cordoned")


@pytest.mark.parametrize("question, form", [
    ("why is the node group upgrade stuck", "drain_blocked"),
    ("Why can't the old kp-general nodes be drained?", "drain_blocked"),
    ("whats blocking the drain", "drain_blocked"),
    ("drain ip-10-1-2-3", "node_or_pod_write"),  # a request to drain stays a request
    ("why is the rollout stuck", "rollout_state"),
])
def test_a_drain_that_hangs_is_asked_in_many_words(question, form):
    assert recognise(question).form == form
