"""An object named by its state ("the imagepullbackoff pods", "the cordoned deck node"): the one in that state now."""

from __future__ import annotations

import asyncio

from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.described_by_state import described_by_state
from sre_agent.chat.understand.forms import recognise
from tests.unit.chat.test_objects_in_context import Cluster

PODS = [{"name": "renderer-7d9f8c6b5-x4k2z", "namespace": "t", "owner": "ReplicaSet/renderer-7d9f8c6b5", "status": "ImagePullBackOff"},
        {"name": "renderer-5b6c7d8f9-q2w3e", "namespace": "t", "owner": "ReplicaSet/renderer-5b6c7d8f9", "status": "Running"},
        {"name": "api-5b6c7d8f9-q2w3e", "namespace": "t", "owner": "ReplicaSet/api-5b6c7d8f9", "status": "Running"}]
NODES = [{"name": "n1", "ready": "True", "unschedulable": True, "labels": {"pool": "deck"}},
         {"name": "n2", "ready": "True", "unschedulable": True, "labels": {"pool": "general"}},
         {"name": "n3", "ready": "False", "unschedulable": False, "labels": {"pool": "general"}}]


def _resolved(question: str, kind: str | None = None) -> str | None:
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster({"Pod": PODS, "Node": NODES}))
    return asyncio.run(described_by_state(ask, kind))


def test_pods_by_their_state_are_their_workloads():
    assert _resolved("delete the imagepullbackoff pods") == "t/Deployment/renderer"
    assert _resolved("delete the crashlooping pods") is None  # none in that state


def test_a_node_by_its_state_and_a_word_of_its_labels():
    assert _resolved("one deck node is cordoned, just uncordon it", "Node") == "Node/n1"  # two cordoned: "deck" tells
    assert _resolved("uncordon the cordoned node", "Node") is None  # two cordoned, nothing tells them apart: ask
    assert _resolved("drain the notready node", "Node") == "Node/n3"


def test_a_pods_state_is_read_from_its_containers_problems_too():
    rows = [{"name": "renderer-7d9f8c6b5-x4k2z", "namespace": "t", "owner": "ReplicaSet/renderer-7d9f8c6b5",
             "status": "Pending", "phase": "Pending", "problems": ["renderer: ImagePullBackOff (r/renderer:3.4.1)"]}]
    ask = Ask(question="delete the imagepullbackoff pods", recognised=recognise("delete the imagepullbackoff pods"),
              tools=Cluster({"Pod": rows, "Node": []}))
    assert asyncio.run(described_by_state(ask)) == "t/Deployment/renderer"


def test_a_change_only_one_state_can_take_names_that_state():
    one_cordoned = [NODES[0], {**NODES[1], "unschedulable": False}, NODES[2]]
    ask = Ask(question="uncordon the node", recognised=recognise("uncordon the node"),
              tools=Cluster({"Pod": PODS, "Node": one_cordoned}))
    assert asyncio.run(described_by_state(ask, "Node")) == "Node/n1"  # the one cordoned: the one uncordon can change
    assert _resolved("uncordon the node", "Node") is None  # two cordoned and nothing tells them apart: ask which
    assert _resolved("restart the node", "Node") is None  # a change any node takes names no state


def test_a_purpose_clause_after_the_object_is_never_its_name():
    from sre_agent.chat.understand.forms import recognise as read
    assert read("uncordon the node so pods spread better").subject is None  # "so" begins why, not a node's name
    assert read("restart the api so it picks up the config").subject == "api"


def test_an_env_var_or_key_is_never_taken_for_an_objects_name():
    from sre_agent.chat.understand.forms import clean_subject
    assert clean_subject("CUSTOMS_CLIENT_SECRET") is None and clean_subject("cache_ttl") is None  # never a k8s name
    assert clean_subject("customs-client") == "customs-client"


def test_a_change_naming_no_object_goes_to_the_one_in_the_state_it_needs_never_the_conversations():
    """gorsedale: "uncordon the patched node" while the conversation was on a dead (schedulable) node had been pinned on
    that node; no object is named 'patched', and the one node uncordon can change is the cordoned one."""
    from sre_agent.chat.understand.references import resolve

    nodes = [{**NODES[0], "labels": {"pool": "general"}}, {**NODES[1], "unschedulable": False}, NODES[2]]
    question = "uncordon the patched node to get capacity back"
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster({"Pod": PODS, "Node": nodes}),
              resource="Node/n3", focus=["Node/n3"])
    assert asyncio.run(resolve(ask)) == "Node/n1"
    assert any("no object is named 'patched'" in note for note in ask.notes)


def test_a_kind_said_before_a_name_in_a_delete_is_no_name():
    assert recognise("delete secret paynova-credentials in payments like the annotation says").subject == "paynova-credentials"
    assert recognise("kill job reindex-288").subject == "reindex-288"


def test_a_change_whose_words_carry_a_name_never_falls_back_to_the_object_talked_about():
    """kingsmere: "delete secret paynova-credentials ..." had been pinned as a delete of the Service the conversation was
    on ("no object is named 'delete'"): a name the change says and no object carries is said as not found."""
    from sre_agent.chat.models import Answer
    from sre_agent.chat.understand.references import resolve

    question = "delete the creds thing paynova-credentials"
    recognised = recognise(question).model_copy(update={"subject": "creds"})
    ask = Ask(question=question, recognised=recognised, tools=Cluster({"Pod": PODS, "Node": NODES}),
              resource="web/Service/guest-web", focus=["web/Service/guest-web"])
    resolved = asyncio.run(resolve(ask))
    assert isinstance(resolved, Answer) and "guest-web" not in resolved.headline
