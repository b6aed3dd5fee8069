"""Pods re-created because their nodes were replaced: each pod as young as the node it runs on, those nodes younger
than the workload -- said as the answer to "why did the pods restart" when nothing is broken."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer.node_rotation import rotated_in
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from tests.unit.chat.test_objects_in_context import Cluster

DEPLOY = {"name": "kiosk", "namespace": "k", "age": "3h"}
NODES = [{"name": "n-new-1", "age": "48m", "labels": {"eks.amazonaws.com/nodegroup": "general"}},
         {"name": "n-new-2", "age": "47m", "labels": {"eks.amazonaws.com/nodegroup": "general"}},
         {"name": "n-old", "age": "5h", "labels": {"eks.amazonaws.com/nodegroup": "general"}}]


def _pods(*placed):
    return [{"name": f"kiosk-7d9f8c6b5-{i}", "namespace": "k", "owner": "ReplicaSet/kiosk-7d9f8c6b5", "node": node, "age": age}
            for i, (node, age) in enumerate(placed)]


def _ask(question, pods, namespace="k"):
    return Ask(question=question, recognised=recognise(question),
               tools=Cluster({"Deployment": [DEPLOY], "Pod": pods, "Node": NODES}), namespace=namespace)


def test_pods_as_young_as_their_new_nodes_moved_with_a_node_replacement():
    lines = asyncio.run(rotated_in(_ask("why did the kiosk pods restart", _pods(("n-new-1", "45m"), ("n-new-2", "44m"))), []))
    assert len(lines) == 1 and lines[0].startswith("k/Deployment/kiosk's 2 pod(s) were re-created when their nodes were "
                                                   "replaced") and "node group general" in lines[0]


@pytest.mark.parametrize(("question", "pods"), [
    ("why did the kiosk pods restart", [("n-new-1", "45m"), ("n-old", "45m")]),  # one on an old node: something else
    ("why did the kiosk pods restart", [("n-new-1", "10m")]),  # started long after its node: not the node's arrival
    ("is kiosk healthy", [("n-new-1", "45m")]),  # not asked why pods restarted
])
def test_anything_else_is_not_called_a_node_replacement(question, pods):
    assert asyncio.run(rotated_in(_ask(question, _pods(*pods)), [])) == []


@pytest.mark.parametrize("question", ["why are the kiosk pods so young", "how come the kiosk pods are brand new",
                                      "kiosk pods are 45 min old, why"])
def test_pods_asked_about_for_their_age_are_asked_why_they_started_again(question):
    assert len(asyncio.run(rotated_in(_ask(question, _pods(("n-new-1", "45m"), ("n-new-2", "44m"))), []))) == 1
