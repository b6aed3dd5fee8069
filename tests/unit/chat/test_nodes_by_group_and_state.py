"""Nodes asked about by their group ("the ops nodes") or their state ("a node with SchedulingDisabled, which one"),
and a workload's tolerations as kubectl writes them. Table tests over node rows."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer.facts import toleration_text
from sre_agent.chat.answer.listings import list_kind
from sre_agent.chat.answer.nodes import group_nodes
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise

from .test_objects_in_context import Cluster

NODES = [
    {"name": "bgs-ops-0", "ready": "True", "unschedulable": False, "taints": ["dedicated=ops:NoSchedule"],
     "labels": {"eks.amazonaws.com/nodegroup": "bgs-ops", "pool": "ops", "topology.kubernetes.io/zone": "2a"}},
    {"name": "bgs-ops-1", "ready": "Unknown", "unschedulable": False, "taints": ["dedicated=ops:NoSchedule"],
     "labels": {"eks.amazonaws.com/nodegroup": "bgs-ops", "pool": "ops", "topology.kubernetes.io/zone": "2c"}},
    {"name": "bgs-general-4", "ready": "True", "unschedulable": True, "taints": [],
     "labels": {"eks.amazonaws.com/nodegroup": "bgs-general", "pool": "general"}},
]


def ask(question: str) -> Ask:
    return Ask(question=question, recognised=recognise(question), tools=Cluster({"Node": NODES}))


@pytest.mark.parametrize("question, headline, resources", [
    # the node out of service is named, and first among the resources: what "it" means next
    ("what taints should the ops nodes have", "2 ops node(s): bgs-ops-0, bgs-ops-1; 1 Ready and schedulable; "
     "bgs-ops-1 Ready=Unknown; taints dedicated=ops:NoSchedule", ["Node/bgs-ops-1", "Node/bgs-ops-0"]),
    ("are the general nodes' status ok", "1 general node(s): bgs-general-4; 0 Ready and schedulable; bgs-general-4 "
     "cordoned (SchedulingDisabled); taints none", ["Node/bgs-general-4"]),
])
def test_a_word_before_nodes_that_names_a_group_answers_for_its_nodes(question, headline, resources):
    answer = asyncio.run(group_nodes(ask(question)))
    assert answer is not None and answer.headline == headline and answer.resources == resources
    assert answer.status == "problems"  # a node of each group is not Ready or is cordoned


@pytest.mark.parametrize("question", ["why are the nodes full", "which checkout nodes"])
def test_no_group_no_answer(question):
    assert asyncio.run(group_nodes(ask(question))) is None


@pytest.mark.parametrize("question, headline", [
    ("i see a node with SchedulingDisabled, which one", "1 of 3 node(s) cordoned (SchedulingDisabled): bgs-general-4"),
    ("which nodes are not ready", "1 of 3 node(s) not Ready: bgs-ops-1"),
    ("which nodes are tainted", "2 of 3 node(s) tainted: bgs-ops-0, bgs-ops-1"),
])
def test_nodes_in_the_state_asked_about(question, headline):
    answer = asyncio.run(list_kind(ask(question)))
    assert answer.headline == headline


@pytest.mark.parametrize("toleration, text", [
    ({"key": "dedicated", "operator": "Equal", "value": "ops", "effect": "NoSchedule"}, "dedicated=ops:NoSchedule"),
    ({"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}, "nvidia.com/gpu:NoSchedule (Exists)"),
    ({"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
     "node.kubernetes.io/unreachable:NoExecute (Exists) for 300s"),
    ({"operator": "Exists"}, "(every taint) (Exists)"),
])
def test_tolerations_read_as_kubectl_writes_them(toleration, text):
    assert toleration_text(toleration) == text


def test_oom_killed_pods_are_told_apart_from_pods_in_other_trouble():
    from sre_agent.chat.answer.pod_problems import pod_problems
    pods = [{"name": "solver-1", "namespace": "net", "status": "CrashLoopBackOff", "ready": "0/1", "restarts": 5,
             "problems": ["solver: last exit OOMKilled (137)"], "owner": "ReplicaSet/solver-abc"},
            {"name": "cache-0", "namespace": "tel", "status": "Running", "ready": "0/1", "restarts": 0}]
    question = "what else is oomkilling in the cluster"
    answer = asyncio.run(pod_problems(Ask(question=question, recognised=recognise(question), tools=Cluster({"Pod": pods}))))
    assert answer.status == "problems" and "net/Pod/solver-1" in answer.details[0] and len(answer.details) >= 1
    assert not any("cache-0" in d for d in answer.details)
    calm = [pods[1]]
    quiet = asyncio.run(pod_problems(Ask(question=question, recognised=recognise(question), tools=Cluster({"Pod": calm}))))
    assert quiet.headline.startswith("No pod in any namespace was OOM-killed (1 pods looked at); 1 other pod(s)")


def test_a_cronjob_calls_out_by_what_its_environment_and_configmaps_set():
    from sre_agent.chat.answer.topology import dependencies
    container = {"name": "report", "env": [{"name": "ZONE_COUNT", "value": "38"}],
                 "envFrom": [{"configMapRef": {"name": "report-cfg"}}, {"secretRef": {"name": "report-creds"}}]}
    cronjob = {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [container]}}}}}}
    objects = {"leakage-report": cronjob, "report-cfg": {"data": {"REPORT_BUCKET": "s3://reports/leakage/"}},
               "report-creds": {"data": {"TOKEN": "never-shown"}}}
    question = "where does leakage-report write to"
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster({}, objects),
              resource="reporting/CronJob/leakage-report")
    answer = asyncio.run(dependencies(ask))
    assert "ZONE_COUNT=38 (env of container report of reporting/CronJob/leakage-report)" in answer.details
    assert "REPORT_BUCKET=s3://reports/leakage/ (ConfigMap report-cfg, envFrom, every key)" in answer.details
    assert not any("never-shown" in d for d in answer.details)


def test_a_label_said_is_kubectls_label_selector():
    from sre_agent.chat.answer.listings import LABELS_SAID
    assert LABELS_SAID.search("Which nodes carry pinecrest.io/pool=webcam right now?").group(1) == "pinecrest.io/pool=webcam"
    assert LABELS_SAID.search("pods with labels app=api,tier=web").group(1) == "app=api,tier=web"
    assert LABELS_SAID.search("set SMS_SID=abc on the worker") is None  # a value set, not a selector


def test_an_external_name_service_points_at_its_host():
    from sre_agent.chat.answer.topology import dependencies
    service = {"spec": {"type": "ExternalName", "externalName": "api.tidalhub.example"}}
    question = "what does the tidalhub-api service point to"
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster({}, {"tidalhub-api": service}),
              resource="marine/Service/tidalhub-api")
    answer = asyncio.run(dependencies(ask))
    assert answer.headline.startswith("marine/Service/tidalhub-api is an ExternalName: a DNS alias for api.tidalhub.example")


def test_a_group_of_one_size_says_how_big_its_nodes_are():
    from sre_agent.chat.answer.nodes import _sizes
    assert _sizes([{"cpu": "4", "memory": "16Gi"}, {"cpu": "4", "memory": "16Gi"}]) == "; each cpu 4, memory 16Gi allocatable"
    assert _sizes([{"cpu": "4", "memory": "16Gi"}, {"cpu": "8", "memory": "32Gi"}]) == ""  # each line says its own
