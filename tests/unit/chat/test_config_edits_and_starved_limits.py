"""A ConfigMap or Secret described by what it holds ("the promo banner cm") is the one whose keys carry those words; an
edit its readers never read (env read at start, every pod older than the edit) is said so; "revert the cm change" says
a ConfigMap keeps no earlier version instead of pinning an undo that cannot exist; a lower limit of what a container is
short of (memory when OOM-killed, cpu when throttled) is refused, and a purpose clause's "more" is not the request's."""

import asyncio

import pytest

from sre_agent.chat.act.config_revert import config_revert, edit_not_read
from sre_agent.chat.act.plans import resources_asked
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.chat.understand.kinds_said import config_described
from tests.unit.chat.test_objects_in_context import Cluster

WEB = {"name": "web", "resources": {"limits": {"cpu": "250m", "memory": "768Mi"}}}


@pytest.mark.parametrize(("question", "starved", "pinned"), [
    ("lower the cpu limit to 200m so more pods fit on the nodes", None, True),  # "more" is the purpose's, not the request's
    ("lower the cpu limit to 200m so more pods fit on the nodes", "cpu", False),  # throttled at 250m: less deepens it
    ("set the memory limit to 512Mi", "memory", False),  # OOM-killed at 768Mi
    ("set the memory limit to 512Mi", "cpu", True),  # short of cpu, not memory
    ("bump the cpu limit to 200m", None, False),  # "bump" to less than it has
    ("raise the cpu limit to 500m", "cpu", True),
])
def test_a_lower_limit_of_what_the_container_is_short_of_is_refused(question, starved, pinned):
    asked = resources_asked(question, WEB, starved=starved)
    assert isinstance(asked, tuple) is pinned, asked
    if starved == "cpu" and not pinned:
        assert "throttled at that limit" in str(asked)


CONFIGS = {"ConfigMap": [
    {"name": "box-office-web-config", "namespace": "storefront", "keys": ["CATALOG_URL", "PROMO_BANNER"],
     "written": "2026-01-01T10:30:00Z"},
    {"name": "checkout-config", "namespace": "storefront", "keys": ["CHECKOUT_TIMEOUT", "PAYMENT_URL"]},
    {"name": "seat-map-config", "namespace": "seating", "keys": ["PROMO_BANNER", "HOLD_SECONDS"]}]}


def _ask(question: str, tools: Cluster, focus: list[str] | None = None) -> Ask:
    return Ask(question=question, recognised=recognise(question), tools=tools, focus=focus or [])


@pytest.mark.parametrize(("question", "focus", "chosen"), [
    ("revert the promo banner cm change", ["storefront/Deployment/box-office-web"], "storefront/ConfigMap/box-office-web-config"),
    ("revert the promo banner cm change", ["seating/Deployment/seat-map"], "seating/ConfigMap/seat-map-config"),
    ("revert the promo banner cm change", [], None),  # two namespaces hold PROMO_BANNER: not picked
    ("undo the payment url change in the configmap", [], "storefront/ConfigMap/checkout-config"),
    ("revert the holiday hours cm change", ["storefront/Deployment/box-office-web"], None),  # no key says it
])
def test_a_config_object_described_by_its_keys_is_the_one_holding_them(question, focus, chosen):
    class Namespaced(Cluster):
        async def call(self, agent, server, tool, args, brain="offline"):
            outcome = await super().call(agent, server, tool, args, brain)
            items = [i for i in (outcome.data or {}).get("items") or [] if args.get("namespace") in (None, i["namespace"])]
            return outcome.model_copy(update={"data": {"items": items}})

    ask = _ask(question, Namespaced(CONFIGS), focus)
    assert asyncio.run(config_described(ask, "ConfigMap", ask.recognised.candidates)) == chosen


def _web(how: str) -> dict:
    if how == "env":
        return {"spec": {"template": {"spec": {"containers": [
            {"name": "web", "envFrom": [{"configMapRef": {"name": "box-office-web-config"}}]}]}}}}
    return {"spec": {"template": {"spec": {"containers": [{"name": "web"}],
                                           "volumes": [{"name": "c", "configMap": {"name": "box-office-web-config"}}]}}}}


def _pods(*created: str) -> list[dict]:
    return [{"name": f"box-office-web-7c9d8f6b5x-{i}", "namespace": "storefront", "owner": "ReplicaSet/box-office-web-7c9d8f6b5x",
             "created": when} for i, when in enumerate(created)]


@pytest.mark.parametrize(("how", "pods", "unread"), [
    ("env", _pods("2026-01-01T09:00:00Z", "2026-01-01T10:00:00Z"), True),  # every pod older than the edit, env at start
    ("env", _pods("2026-01-01T09:00:00Z", "2026-01-01T10:45:00Z"), False),  # a pod started after it: it runs the edit
    ("volume", _pods("2026-01-01T09:00:00Z"), False),  # mounted files are refreshed in place
])
def test_an_edit_that_no_pod_read_is_said_so(how, pods, unread):
    tools = Cluster({**CONFIGS, "Pod": pods}, {"box-office-web": _web(how)})
    note = asyncio.run(edit_not_read(_ask("revert it", tools), "storefront/ConfigMap/box-office-web-config",
                                     "storefront/Deployment/box-office-web"))
    assert (note is not None) is unread
    if note:
        assert "2026-01-01T10:30:00Z" in note and "values from before the edit" in note


def test_reverting_a_configmap_says_it_keeps_no_earlier_version_and_gives_the_hand_edit():
    tools = Cluster({**CONFIGS, "Pod": _pods("2026-01-01T09:00:00Z"), "Deployment": [{"name": "box-office-web",
                                                                                      "namespace": "storefront"}]},
                    {"box-office-web": _web("env"), "box-office-web-config": {
                        "metadata": {"name": "box-office-web-config"}, "data": {"CATALOG_URL": "http://c", "PROMO_BANNER": "Tonight"}}})
    answer = asyncio.run(config_revert(_ask("revert the promo banner cm change", tools),
                                       "storefront/ConfigMap/box-office-web-config"))
    assert answer.status == "answered" and "keeps no earlier version" in answer.headline
    assert answer.next_steps[0].endswith("kubectl edit configmap/box-office-web-config -n storefront")
    assert any("rollout restart deployment/box-office-web -n storefront" in step for step in answer.next_steps)
    assert any("values from before the edit" in line for line in answer.details)


def test_a_statefulsets_scale_down_beside_the_cause_is_refused_and_a_deployments_scale_is_not():
    from sre_agent.chat.act.guards import not_the_cause

    quota = {"resource": "seating/ResourceQuota/seating-quota", "category": "quota_exceeded", "summary": "quota full"}
    ask = Ask(question="scale seating-db down to 1 to free some memory", recognised=recognise("scale seating-db down to 1"),
              tools=Cluster({}), last_diagnosis=quota)
    refusal = not_the_cause(ask, "scale_down", "seating/StatefulSet/seating-db", own_fault=False)
    assert refusal is not None and "highest members" in refusal.headline and "seating-quota" in refusal.headline
    assert not_the_cause(ask, "scale", "seating/Deployment/seat-map", own_fault=False) is None


def test_a_paused_deployments_restart_is_not_pinned():
    from sre_agent.chat.act.writes import write_request

    obj = {"metadata": {"name": "seat-map", "generation": 4, "annotations": {"example.io/pause-reason": "hold 3.9.0"}},
           "spec": {"paused": True, "replicas": 2, "template": {"spec": {"containers": [{"name": "app", "image": "r/seat-map:3.9.0"}]}}}}
    tools = Cluster({"ReplicaSet": [{"name": "seat-map-67lxb2z4q9", "ready": "2/2", "images": ["r/seat-map:3.8.2"]}]},
                    {"seat-map": obj})
    question = "just restart seat-map so it picks up 3.9.0"
    ask = Ask(question=question, recognised=recognise(question), tools=tools, resource="seating/Deployment/seat-map")
    answer = asyncio.run(write_request(ask))
    assert answer.status == "answered" and answer.approval is None
    assert "cannot be restarted" in answer.headline and "3.9.0 is not rolled out" in answer.headline


INGEST = {"name": "ingest", "resources": {"requests": {"cpu": "6", "memory": "12Gi"}, "limits": {"cpu": "8", "memory": "14Gi"}}}


@pytest.mark.parametrize("question, requests", [
    # an amount's unit says its resource: 500m is CPU (never half a byte of memory), 1Gi memory -- both pinned
    ("put requests back to 500m and 1Gi", {"memory": "1Gi", "cpu": "500m"}),
    ("set requests to 1Gi memory and 500m cpu", {"memory": "1Gi", "cpu": "500m"}),
    ("put the memory request back to 1Gi", {"memory": "1Gi"}),
    ("set the cpu request to 2 cores", {"cpu": "2"}),
])
def test_amounts_typed_by_their_unit_go_to_their_resource_and_none_is_dropped(question, requests):
    from sre_agent.chat.act.plans import resources_plan

    asked = resources_asked(question, INGEST)
    plan = resources_plan(question, "fleet/Deployment/ais-ingest", INGEST, asked, None, 2)
    assert plan.args["requests"] == requests and "limits" not in plan.args
    assert plan.kubectl.endswith("--requests=" + ",".join(f"{r}={q}" for r, q in requests.items()))


@pytest.mark.parametrize("question, said", [
    # a key the ConfigMap holds, named in any case or with spaces for its separators, and the value said with it
    ("set max_connections back to 300 in the configmap", ("max_connections", "300")),
    ("ok, put max_connections 300 back on harbour-pg-config", ("max_connections", "300")),
    ("set max connections to 300 in harbour-pg-config", ("max_connections", "300")),
    ("set Work_Mem=64MB", ("work_mem", "64MB")),
    ("put max_connections back", ("max_connections", None)),  # no value said: a human supplies it
    ("set the max to 300", None),  # a word of a key is not the key
    ("raise the memory limit to 2Gi", None),
])
def test_a_key_the_configmap_holds_is_read_from_the_request_whatever_its_case(question, said):
    from sre_agent.chat.act.config_key_plans import config_key_plan
    from sre_agent.chat.act.hand_edits import held_key_said

    keys = ["max_connections", "shared_buffers", "work_mem"]
    assert held_key_said(question, keys) == said
    if said and said[1]:
        plan = config_key_plan(question, "data/ConfigMap/harbour-pg-config", {"data": {k: "" for k in keys}})
        assert not isinstance(plan, str) and plan.kubectl.endswith(f"-p '{{\"data\": {{\"{said[0]}\": \"{said[1]}\"}}}}'")
