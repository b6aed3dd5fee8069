"""A workload's headroom: its autoscaler's room (replicas now against max, asked as "room" or as "maxed out") and the
nodes' room for more of its pods (allocatable minus what the running pods request, in units of one of its pods)."""

import asyncio

import pytest

from sre_agent.chat.answer.headroom import headroom
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome


def pod(name, node, cpu="500m", memory="1Gi", owner="ReplicaSet/api-7d", namespace="shop", status="Running"):
    return {"name": name, "namespace": namespace, "owner": owner, "node": node, "status": status,
            "requests": {"cpu": cpu, "memory": memory}}


NODES = [
    {"name": "n1", "ready": "True", "cpu": "4", "memory": "16Gi", "labels": {"pool": "general"}},
    {"name": "n2", "ready": "True", "cpu": "4", "memory": "16Gi", "labels": {"pool": "general"}},
    {"name": "gpu", "ready": "True", "cpu": "8", "memory": "64Gi", "labels": {"pool": "gpu"}, "taints": ["gpu=x:NoSchedule"]},
    {"name": "n3", "ready": "True", "unschedulable": True, "cpu": "4", "memory": "16Gi", "labels": {"pool": "general"}},
]
PODS = [pod("api-7d-a", "n1"), pod("api-7d-b", "n2"), pod("other", "n1", cpu="3", owner="ReplicaSet/other-1"),
        pod("done", "n2", cpu="3", owner="Job/x", status="Completed")]


def hpa(current, high, now="cpu 71%"):
    return {"name": "api", "namespace": "shop", "target": "Deployment/api", "min": 2, "max": high, "current": current,
            "desired": current, "metrics": ["cpu 70%"], "metrics_now": [now]}


class World:
    parameters: dict = {}

    def __init__(self, autoscalers: list[dict]) -> None:
        self.items = {"Pod": PODS, "Node": NODES, "HorizontalPodAutoscaler": autoscalers}

    async def call(self, agent, server, tool, args, brain="offline"):
        items = self.items[args["kind"]]
        if args.get("namespace"):
            items = [i for i in items if i.get("namespace", args["namespace"]) == args["namespace"]]
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True), data={"items": items})


# n1 holds 3.5 cores of 4 (room for 1 more 500m pod), n2 0.5 of 4 (the finished run holds nothing: 7 more); n3 is
# cordoned and the gpu node is another pool: 8 more in all
@pytest.mark.parametrize("question, autoscalers, headline", [
    ("do we have headroom on api", [hpa(2, 10)],
     "Yes: api runs 2 of max 10 replicas (autoscaler api, now cpu 71%, target cpu 70%): room for 8 more; "
     "the nodes it runs on fit 8 more of its pods (each requests cpu 500m, memory 1024Mi)"),
    ("is the hpa maxed out", [hpa(2, 10)],
     "No: api runs 2 of max 10 replicas (autoscaler api, now cpu 71%, target cpu 70%): room for 8 more; "
     "the nodes it runs on fit 8 more of its pods (each requests cpu 500m, memory 1024Mi)"),
    ("is the hpa maxed out", [hpa(4, 4, now="cpu 140%")],
     "Yes: api is at its autoscaler's max, 4 of 4 replicas (cpu 140% against target cpu 70%): it cannot add pods for more load"),
    ("do we have headroom on api", [hpa(2, 20)],
     "Yes: api runs 2 of max 20 replicas (autoscaler api, now cpu 71%, target cpu 70%): room for 18 more, "
     "but the nodes it runs on fit 8 more of its pods (each requests cpu 500m, memory 1024Mi)"),
    ("can we scale api to 12", [],
     "No: api at 12 needs 10 more pod(s); the nodes it runs on fit 8 more of its pods (each requests cpu 500m, memory 1024Mi)"),
    ("is there room for 3 more api pods", [],
     "Yes: api at 5 needs 3 more pod(s); the nodes it runs on fit 8 more of its pods (each requests cpu 500m, memory 1024Mi)"),
    ("any headroom on api", [],
     "api runs a fixed 2 replica(s), no autoscaler scales it; the nodes it runs on fit 8 more of its pods "
     "(each requests cpu 500m, memory 1024Mi)"),
])
def test_headroom_is_the_autoscalers_room_and_the_nodes_room(question, autoscalers, headline):
    ask = Ask(question=question, recognised=recognise(question), tools=World(autoscalers), resource="shop/Deployment/api")
    assert asyncio.run(headroom(ask)).headline == headline


def test_a_service_or_its_autoscaler_means_the_workload_behind_it():
    ask = Ask(question="is the hpa maxed out", recognised=recognise("is the hpa maxed out"), tools=World([hpa(4, 4)]),
              resource="shop/HorizontalPodAutoscaler/api")
    answer = asyncio.run(headroom(ask))
    assert answer.resources[0] == "shop/Deployment/api" and answer.headline.startswith("Yes: api is at its autoscaler's max")


@pytest.mark.parametrize("question", ["is the hpa maxed out", "is the autoscaler at its max", "any headroom on ingest-api"])
def test_headroom_questions_are_read_as_headroom(question):
    assert recognise(question).form == "headroom"


BUDGET = {"name": "api", "namespace": "shop", "selector": {"app": "api"}, "minAvailable": 2}


@pytest.mark.parametrize("question, headline", [
    ("can we scale api down to 2 for the weekend",
     "No: api at 2 (from 3): shop/PodDisruptionBudget/api requires at least 2 available; at that floor every drain of "
     "their nodes is refused"),
    ("could we run api on 1 replica", "No: api at 1 (from 3): shop/PodDisruptionBudget/api requires at least 2 available; "
     "at that floor every drain of their nodes is refused"),
])
def test_a_scale_down_asked_is_read_against_the_owners_budget(question, headline):
    world = World([])
    world.items["Pod"] = [{**pod(f"api-7d-{i}", "n1", cpu="100m"), "labels": "app=api"} for i in "abc"]
    world.items["PodDisruptionBudget"] = [BUDGET]
    ask = Ask(question=question, recognised=recognise(question), tools=world, resource="shop/Deployment/api")
    assert asyncio.run(headroom(ask)).headline == headline


@pytest.mark.parametrize("question, refused", [
    ("just scale api to 2, I'll take the blame", True),  # at the budget's floor: no disruption left
    ("scale api to 1", True),  # under it
    ("scale api to 2 anyway", False),  # said so: pinned as usual
])
def test_a_scale_to_the_budgets_floor_is_not_pinned_on_a_passing_request(question, refused):
    from sre_agent.chat.act.guards import below_budget
    world = World([])
    world.items["Pod"] = [{**pod(f"api-7d-{i}", "n1", cpu="100m"), "labels": "app=api"} for i in "abc"]
    world.items["PodDisruptionBudget"] = [BUDGET]
    ask = Ask(question=question, recognised=recognise(question), tools=world, resource="shop/Deployment/api")
    replicas = int(next(w.strip(",") for w in question.split() if w.strip(",").isdigit()))
    said = asyncio.run(below_budget(ask, "scale", {"replicas": replicas, "expect_replicas": 3}, "shop/Deployment/api"))
    assert (said is not None and said.headline.startswith("Not pinned: shop/PodDisruptionBudget/api")) is refused
