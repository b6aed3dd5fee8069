"""Whether a node can be drained: what a drain of it evicts (DaemonSet pods stay), what refuses it (a budget that allows
no disruption, a pod no controller owns) and what it takes down (the only running replica of a workload)."""

import asyncio

import pytest

from sre_agent.chat.answer.drains import drain_safe
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

NODE = "ip-10-0-3-88"


class Pods:
    parameters: dict = {}

    def __init__(self, pods: list[dict], budgets: list[dict]) -> None:
        self.items = {"Pod": pods, "PodDisruptionBudget": budgets}

    async def call(self, agent, server, tool, args, brain="offline"):
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                           data={"items": self.items[args["kind"]]})


def pod(name, owner, node=NODE, labels="", namespace="l"):
    return {"name": name, "namespace": namespace, "owner": owner, "node": node, "phase": "Running", "labels": labels}


REDIS_BUDGET = {"name": "redis", "namespace": "l", "selector": {"app": "redis"}, "minAvailable": 1, "healthy": 1,
                "desired": 1, "allowed": 0}


@pytest.mark.parametrize("pods, budgets, headline", [
    ([pod("redis-0", "StatefulSet/redis", labels="app=redis"), pod("fluent-x", "DaemonSet/fluent")], [REDIS_BUDGET],
     f"No: draining {NODE} would block on l/redis-0 (1 refused, 0 single replica(s))"),
    ([pod("api-1", "ReplicaSet/api-7d"), pod("api-2", "ReplicaSet/api-7d", node="ip-other")], [],
     f"Yes: every pod on {NODE} has another replica and no budget refuses its eviction"),
    ([pod("report-1", "ReplicaSet/report-5c")], [], f"No: draining {NODE} takes down l/report-1 (0 refused, 1 single replica(s))"),
    ([pod("debug", "")], [], f"No: draining {NODE} would block on l/debug (1 refused, 0 single replica(s))"),  # a bare pod
    ([pod("fluent-x", "DaemonSet/fluent")], [], f"Yes: nothing but DaemonSet pods runs on {NODE}; a drain evicts nothing"),
])
def test_a_drain_is_safe_when_nothing_it_evicts_is_refused_or_alone(pods, budgets, headline):
    question = f"is it safe to drain {NODE}"
    ask = Ask(question=question, recognised=recognise(question), tools=Pods(pods, budgets), resource=f"Node/{NODE}")
    assert asyncio.run(drain_safe(ask)).headline == headline
