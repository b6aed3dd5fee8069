"""A pod that must run beside another app's pods (a required podAffinity term) waits for them: when the scheduler says
the pod affinity is unmet, the partner pods that do not run are read for their own workloads and named
(brains/offline/pod_affinity.py)."""

import asyncio

import pytest

from sre_agent.brains.offline.calls import Calls
from sre_agent.brains.offline.pod_affinity import partners_waiting, selector_text
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

BESIDE_CACHE = {"affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    {"labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": "kubernetes.io/hostname"}]}}}
UNMET = "0/5 nodes are available: 3 node(s) didn't match pod affinity rules, 2 node(s) didn't match pod anti-affinity rules."


class Pods:
    def __init__(self, rows: list[dict]) -> None:
        self.rows, self.selectors = rows, []

    async def call(self, agent, server, tool, args, brain="offline"):
        if tool == "ownership":  # the owner chain, as the server walks it: a pod's controller up to its workload
            row = next(r for r in self.rows if r["name"] == args["name"])
            kind, _, name = row["owner"].partition("/")
            chain = [f"tickets/{kind}/{name}"] + ([f"tickets/Deployment/{name.rsplit('-', 1)[0]}"]
                                                  if kind == "ReplicaSet" else [])
            data: dict = {"owners": chain}
        else:
            self.selectors.append(args.get("label_selector"))
            data = {"items": self.rows}
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True), data=data)


@pytest.mark.parametrize("selector, said", [
    ({"matchLabels": {"app": "cache", "tier": "data"}}, "app=cache,tier=data"),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["cache", "kv"]}]}, "app in (cache,kv)"),
    ({"matchExpressions": [{"key": "canary", "operator": "DoesNotExist"}]}, "!canary"),
    ({}, None),
])
def test_a_label_selector_is_said_as_kubectl_takes_it(selector, said):
    assert selector_text(selector) == said


def _follow(rows: list[dict], message: str = UNMET, spec: dict = BESIDE_CACHE) -> tuple[Calls, list[tuple]]:
    read: list[tuple] = []

    async def read_pod(namespace, pod, workload, calls, follow_partners=True):
        read.append((namespace, pod, workload, follow_partners))
    calls = Calls(Pods(rows), "kubernetes", "kubernetes")
    asyncio.run(partners_waiting("tickets", spec, "tickets/Deployment/validator", message, calls, read_pod))
    return calls, read


def test_the_partner_pods_that_wait_are_read_for_their_own_workload_and_named():
    rows = [{"name": "cache-0", "phase": "Running", "status": "Running", "owner": "StatefulSet/cache"},
            {"name": "cache-2", "phase": "Pending", "status": "Pending", "owner": "StatefulSet/cache"}]
    calls, read = _follow(rows)
    assert read == [("tickets", "cache-2", "tickets/StatefulSet/cache", False)]  # one step: no loop of mutual affinity
    found = [f for f in calls.findings if f.signal == "AffinityPartnerWaiting"]
    assert len(found) == 1 and found[0].resource == "tickets/Deployment/validator"
    assert "cache-2 (Pending)" in found[0].summary and found[0].details["partners"] == ["tickets/StatefulSet/cache"]
    assert calls.tools.selectors == ["app=cache"]


def test_nothing_is_followed_when_the_partners_run_or_the_scheduler_names_another_reason():
    running = [{"name": "cache-0", "phase": "Running", "status": "Running", "owner": "StatefulSet/cache"}]
    assert _follow(running)[1] == [] and _follow(running)[0].findings == []
    pending = [{"name": "cache-2", "phase": "Pending", "status": "Pending", "owner": "StatefulSet/cache"}]
    assert _follow(pending, message="0/5 nodes are available: 5 Insufficient memory.")[1] == []
    assert _follow(pending, spec={})[1] == []  # no pod affinity to follow


def test_a_replicasets_pod_is_its_deployments():
    rows = [{"name": "kv-7d9f-abc", "phase": "Pending", "status": "Pending", "owner": "ReplicaSet/kv-7d9f"}]
    assert _follow(rows)[1][0][2] == "tickets/Deployment/kv"
