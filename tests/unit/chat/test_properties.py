"""One property of an object (chat/answer/properties.py): the fact that carries the question's own words leads, the
container meant is the one named or the one the conversation found in trouble, and a pod's facts say how each
container last ended. Tables over facts as chat writes them; no lab."""

import pytest

from sre_agent.chat.answer.facts import _pod_state
from sre_agent.chat.answer.properties import container_meant
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.chat.understand.question_words import ranked

FACTS = [
    "0/4 replicas ready; images acme/gateway:6.3.0, acme/audit-shipper:1.4.2",
    "container gateway: image acme/gateway:6.3.0; requests {'memory': '512Mi'}; limits {'memory': '768Mi'}; ports http:8080",
    "container audit-shipper: image acme/audit-shipper:1.4.2; requests {'memory': '128Mi'}; limits {'memory': '160Mi'}",
    "shop/Pod/gateway-7d9-x: OOMKilled -- Container audit-shipper: the last termination reason is OOMKilled (exit code 137)",
    "hpa gateway: min 2, max 6, current 4, desired 4, target cpu 70%",
    "StorageClass gp2: provisioner ebs.csi.aws.com, allowVolumeExpansion False (claims of this class cannot grow)",
    "update strategy RollingUpdate {'maxSurge': 0} (RollingUpdateStrategy: 0 max surge)",
]


@pytest.mark.parametrize("question, leads_with", [
    ("exit code?", "exit code 137"),
    ("whats the hpa max", "max 6"),
    ("can that sc even grow", "allowVolumeExpansion"),
    ("which port does it listen on", "ports http:8080"),
    ("max surge?", "maxSurge"),
    ("how many pods now", "0/4 replicas ready"),  # pods are counted as replicas
])
def test_the_fact_with_the_questions_words_leads(question, leads_with):
    best = ranked(question, FACTS, "gateway")[0]
    assert best[1] > 0 and leads_with in best[2], best


def test_a_question_whose_words_no_fact_carries_ranks_none_as_carrying_them():
    assert all(carried == 0 for _, carried, _ in ranked("whats the sla on it", FACTS, "gateway"))


def _ask(question, headline=""):
    return Ask(question=question, recognised=recognise(question), tools=None, last_answer={"headline": headline})  # type: ignore[arg-type]


@pytest.mark.parametrize("question, headline, expected", [
    ("limit on the audit-shipper container", "", "audit-shipper"),  # named
    ("logs of the proxy container", "", "cloud-sql-proxy"),  # a word of its name
    ("which container is failing, redis or the init one", "", "sysctl-init"),  # the one init container
    ("whats the limit on that container", "shop/Pod/gateway-7d9-x/audit-shipper was OOMKilled (exit 137)", "audit-shipper"),
    ("whats the limit on that container", "shop/Deployment/gateway: shop/Pod/gateway-7d9-x: OOMKilled -- Container "
     "audit-shipper is in CrashLoopBackOff", "audit-shipper"),  # the object's id names no container
    ("whats the limit on that container", "", None),  # nothing said yet: not guessed
    ("whats the limit", "audit-shipper was OOMKilled", None),  # no container asked about
])
def test_the_container_meant(question, headline, expected):
    init, regular = (["sysctl-init"], ["redis", "cloud-sql-proxy"]) if "init" in question or "proxy" in question \
        else ([], ["gateway", "audit-shipper"])
    assert container_meant(_ask(question, headline), init, regular) == expected


def test_a_pods_facts_say_how_each_container_last_ended_init_containers_too():
    state = {"phase": "Pending",
             "initContainerStatuses": [{"name": "sysctl-init", "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                                        "lastState": {"terminated": {"reason": "StartError", "exitCode": 128}},
                                        "restartCount": 5, "ready": False}],
             "containerStatuses": [{"name": "redis", "state": {"waiting": {"reason": "PodInitializing"}}, "ready": False}]}
    assert _pod_state(state) == [
        "phase Pending",
        "init container sysctl-init waiting (CrashLoopBackOff), ready False, 5 restarts; last terminated StartError (exit code 128)",
        "container redis waiting (PodInitializing), ready False, 0 restarts"]


def test_describe_leads_with_the_container_in_trouble_its_spec_under_its_state():
    from sre_agent.chat.answer.plain_forms import containers_first

    details = ["phase Running, node n1", "labels {'app': 'gw'}",
               "container gateway: image gw:1; requests {'memory': '512Mi'}; limits {'memory': '768Mi'}",
               "container envoy: image envoy:1; limits {'memory': '256Mi'}",
               "container gateway running, ready True, 0 restarts",
               "container envoy waiting (CrashLoopBackOff), ready False, 13 restarts; last terminated OOMKilled (exit code 137)"]
    assert containers_first(details) == [
        "phase Running, node n1",
        "container envoy waiting (CrashLoopBackOff), ready False, 13 restarts; last terminated OOMKilled (exit code 137)",
        "  container envoy: image envoy:1; limits {'memory': '256Mi'}",
        "container gateway running, ready True, 0 restarts",
        "  container gateway: image gw:1; requests {'memory': '512Mi'}; limits {'memory': '768Mi'}",
        "labels {'app': 'gw'}"]
    # a workload's pods name the container in trouble; its spec comes first
    workload = ["0/3 ready", "container app: limits {'memory': '1Gi'}", "container envoy: limits {'memory': '256Mi'}",
                "ns/Pod/gw-1: OOMKilled -- Container envoy is in CrashLoopBackOff (exit code 137)"]
    assert containers_first(workload)[1] == "container envoy: limits {'memory': '256Mi'}"


def test_what_a_service_s_app_listens_on_is_its_workload_s_container_ports_beside_what_the_service_targets():
    import asyncio

    from sre_agent.chat.answer.properties import _listening
    from tests.unit.chat.test_objects_in_context import Cluster

    deployment = {"kind": "Deployment", "spec": {"template": {"spec": {"containers": [
        {"name": "portal", "ports": [{"name": "web", "containerPort": 8080}]}]}}}}
    service = {"spec": {"ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}
    class Found(Cluster):  # find_resource's exact match of the Service's name among the workloads
        async def call(self, agent, server, tool, args, brain="offline"):
            outcome = await super().call(agent, server, tool, args, brain)
            if tool == "find_resource":
                outcome.data = {"matches": [{"resource": "portal/Deployment/farmer-portal", "exact": True}]}
            return outcome
    tools = Found({}, {"farmer-portal": deployment})
    question = "what port number does the app actually listen on"
    ask = Ask(question=question, recognised=recognise(question), tools=tools)
    answer = asyncio.run(_listening(ask, "portal/Service/farmer-portal", "Service", service))
    assert answer is not None and "portal: web 8080/TCP" in answer.headline and "targets 80 -> http" in answer.headline
