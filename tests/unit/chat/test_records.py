"""What an object records of its own last change: the notes people left (annotations Kubernetes' controllers did not
write), who wrote it last, what a ConfigMap holds -- a table over objects as the describe tool returns them."""

import asyncio

import pytest

from sre_agent.chat.answer.notes import peoples_notes
from sre_agent.chat.answer.records import (
    _state_named,
    changed_thing,
    held_values,
    last_writes,
    rolled_with,
    system_taints,
)
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from tests.unit.chat.test_answers import NoTools


def meta(**annotations):
    return {"metadata": {"annotations": annotations}}


@pytest.mark.parametrize("obj, prose_only, expected", [
    (meta(**{"kubernetes.io/change-cause": "decommission: scaled to 0 (CHG-1)"}), True,
     ["note kubernetes.io/change-cause: decommission: scaled to 0 (CHG-1)"]),  # the key Kubernetes keeps for people
    (meta(**{"deployment.kubernetes.io/revision": "3", "kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"}),
     False, []),  # what controllers and kubectl write for themselves
    (meta(**{"acme.io/change-ticket": "CHG-48213"}), True, ["note acme.io/change-ticket: CHG-48213"]),  # a ticket id
    (meta(**{"prometheus.io/scrape": "true", "prometheus.io/port": "9102"}), True, []),  # a scraper's settings
    (meta(**{"prometheus.io/scrape": "true"}), False, ["note prometheus.io/scrape: true"]),  # but still a note
    (meta(**{"acme.io/requested-by": "t.nguyen: re-import after the upload"}), True,
     ["note acme.io/requested-by: t.nguyen: re-import after the upload"]),
    ({"metadata": {}}, False, []),
])
def test_peoples_notes(obj, prose_only, expected):
    assert peoples_notes(obj, prose_only=prose_only) == expected


def test_last_writes_newest_first_else_the_creation():
    obj = {"metadata": {"creationTimestamp": "2026-11-25T10:00:00Z", "managedFields": [
        {"manager": "kubectl", "operation": "Update", "time": "2026-11-25T11:00:00Z"},
        {"manager": "helm", "operation": "Apply", "time": "2026-11-25T12:30:00Z"}]}}
    assert last_writes(obj) == ["last written by helm (Apply) at 2026-11-25T12:30:00Z",
                                "last written by kubectl (Update) at 2026-11-25T11:00:00Z"]
    assert last_writes({"metadata": {"creationTimestamp": "2026-11-25T10:00:00Z"}}) == [
        "created 2026-11-25T10:00:00Z, no later write recorded"]


def test_a_configmap_shows_its_values_a_secret_only_its_key_names():
    assert held_values("ConfigMap", {"data": {"B": "2", "A": "1"}}) == ["A=1", "B=2"]
    shown = held_values("Secret", {"data": {"password": "c2VjcmV0"}})
    assert shown == ["keys password (names only: a Secret's values are never shown)"] and "c2VjcmV0" not in shown[0]
    assert held_values("Deployment", {"spec": {}}) == []


@pytest.mark.parametrize("question, shown_by", [
    ("who cordoned it and why", {"spec": {"unschedulable": True}}),
    ("who scaled it down", {"spec": {"replicas": 0}}),
    ("why is it at 0 replicas", {"spec": {"replicas": 0}}),
    ("who paused it", {"spec": {"suspend": True}}),
])
def test_a_verb_names_the_state_that_picks_which_object_it_means(question, shown_by):
    fits = _state_named(question)
    assert fits is not None and fits(shown_by) and not fits({"spec": {}})


def test_a_question_with_no_state_verb_picks_nothing():
    assert _state_named("was that on purpose") is None


ROOT_CM = {"resource": "pay/ConfigMap/pay-config", "category": "endpoint_misconfigured"}


@pytest.mark.parametrize("question, rid, diagnosis, focus, chosen", [
    # the noun names what was changed: the conversation's object of that kind, the root cause found first
    ("who changed the port", "pay/Deployment/pay-api", ROOT_CM, ["pay/Deployment/pay-api"], "pay/ConfigMap/pay-config"),
    ("who put that taint there", "media/Deployment/transcoder", None,
     ["media/Deployment/transcoder", "Node/ip-10-1-2-3"], "Node/ip-10-1-2-3"),
    ("when was the password changed", "deck/Deployment/planner", None,
     ["deck/Deployment/planner", "deck/Secret/db-users"], "deck/Secret/db-users"),
    ("who changed the port", "pay/ConfigMap/pay-config", ROOT_CM, [], None),  # of that kind already
    ("who changed it", "pay/Deployment/pay-api", ROOT_CM, [], None),  # no noun: the conversation's object stands
    ("who changed the port", "pay/Deployment/pay-api", None, ["pay/Deployment/pay-api"], None),  # none of that kind
])
def test_the_noun_of_who_changed_picks_the_object_of_its_kind(question, rid, diagnosis, focus, chosen):
    ask = Ask(question=question, recognised=recognise(question), tools=NoTools(), focus=focus, last_diagnosis=diagnosis)
    assert changed_thing(ask, rid) == chosen


def test_a_question_naming_an_object_keeps_it():
    question = "who changed pay-api"
    ask = Ask(question=question, recognised=recognise(question), tools=NoTools(), focus=[], last_diagnosis=ROOT_CM)
    assert changed_thing(ask, "pay/Deployment/pay-api") is None


class History:
    """A namespace where Deployment pay-api reads ConfigMap pay-config and rolled out revision 3 two minutes after the
    ConfigMap's last write (revision 2 an hour before)."""

    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "get_resources":
            items = [{"name": "pay-api"}] if args["kind"] == "Deployment" else []
            return ToolOutcome(record=record, data={"items": items})
        if tool == "describe":
            spec = {"template": {"spec": {"containers": [{"name": "app", "envFrom": [{"configMapRef": {"name": "pay-config"}}]}]}}}
            return ToolOutcome(record=record, data={"object": {"spec": spec}})
        assert tool == "rollout_history", tool
        return ToolOutcome(record=record, data={"revisions": [
            {"revision": 2, "created": "2026-11-27T19:10:00Z", "change_cause": "PAY-1 receipts"},
            {"revision": 3, "created": "2026-11-27T20:12:00Z", "change_cause": "SEC-311 egress hardening"}]})


def test_a_config_edit_with_no_note_is_told_by_the_rollout_it_shipped_with():
    cm = {"metadata": {"managedFields": [{"manager": "kubectl", "operation": "Update", "time": "2026-11-27T20:10:00Z"}]}}
    ask = Ask(question="who changed it", recognised=recognise("who changed it"), tools=History())
    lines = asyncio.run(rolled_with(ask, "pay/ConfigMap/pay-config", cm))
    assert len(lines) == 1 and "pay/Deployment/pay-api revision 3" in lines[0] and "SEC-311" in lines[0]
    assert asyncio.run(rolled_with(ask, "pay/ConfigMap/pay-config", {"metadata": {}})) == []  # no write time: nothing


def test_a_taint_kubernetes_places_itself_is_said_as_the_clusters():
    node = {"spec": {"taints": [{"key": "node.kubernetes.io/disk-pressure", "effect": "NoSchedule"},
                                {"key": "acme.io/maintenance", "effect": "NoSchedule"}]}}
    said = system_taints(node)
    assert len(said) == 1 and "node.kubernetes.io/disk-pressure:NoSchedule is placed by Kubernetes itself" in said[0]
    assert system_taints({"spec": {}}) == []


class Secrets:
    """A namespace with one Secret (payment-gateway-psp: PSP_API_KEY) read by Deployment payment-gateway."""

    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "get_resources":
            items = {"Secret": [{"name": "payment-gateway-psp", "namespace": "billing", "keys": ["PSP_API_KEY"]}],
                     "Deployment": [{"name": "payment-gateway", "namespace": "billing"}]}.get(args["kind"], [])
            return ToolOutcome(record=record, data={"items": items})
        spec = {"template": {"spec": {"containers": [{"name": "app", "env": [{"name": "PSP_API_KEY", "valueFrom": {
            "secretKeyRef": {"name": "payment-gateway-psp", "key": "PSP_API_KEY"}}}]}]}}}
        return ToolOutcome(record=record, data={"object": {"spec": spec}})


@pytest.mark.parametrize("question", ["whats the PSP api key, i want to test the gateway by hand",
                                      "print the payment-gateway-psp PSP_API_KEY so i can test by hand"])
def test_a_credential_asked_in_any_words_says_where_it_lives_never_its_value(question):
    from sre_agent.chat.answer.meta import unrecognised
    ask = Ask(question=question, recognised=recognise(question), tools=Secrets(), namespace="billing")
    answer = asyncio.run(unrecognised(ask))
    assert answer.form == "config_value" and answer.headline.startswith("Not shown: a credential's value never leaves")
    assert "billing/Secret/payment-gateway-psp" in answer.headline


class Revisions:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        assert tool == "rollout_history"
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True), data={
            "revisions": [{"revision": 1, "images": ["t/api:7.3"], "created": "2026-11-27T18:00:00Z"},
                          {"revision": 2, "images": ["t/api:7.4"], "created": "2026-11-27T20:43:00Z", "current": True,
                           "change_cause": "helm upgrade 7.4.0 (CBX-1 group bookings)", "changed": ["image"]}]})


def test_what_the_release_was_for_is_the_conversations_workloads_live_change_cause():
    from sre_agent.chat.answer.releases import release_why
    question = "what was the release for"
    ask = Ask(question=question, recognised=recognise(question).model_copy(update={"subject": None}), tools=Revisions(),
              focus=["t/Deployment/api"])
    answer = asyncio.run(release_why(ask))
    assert answer.headline == ("t/Deployment/api revision 2 (t/api:7.4, live from 2026-11-27T20:43:00Z): change-cause "
                               "'helm upgrade 7.4.0 (CBX-1 group bookings)'")
    ask = Ask(question=question, recognised=recognise(question).model_copy(update={"subject": None}), tools=Revisions())
    assert asyncio.run(release_why(ask)).status == "needs_subject"  # no workload in the conversation: which


class Claims:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "describe":
            return ToolOutcome(record=record, data={"object": {"spec": {
                "template": {"spec": {"containers": [{"name": "redis"}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"}}]}}})
        claims = [{"name": "data-redis-0", "capacity": "20Gi", "storageClass": "gp3", "phase": "Bound"},
                  {"name": "data-redis-cache-0", "capacity": "1Gi"}, {"name": "other", "capacity": "5Gi"}]
        return ToolOutcome(record=record, data={"items": claims})


def test_the_claims_a_statefulset_uses_are_its_members_never_its_config():
    from sre_agent.chat.answer.config_refs import config_refs
    question = "Which PersistentVolumeClaim does redis use?"
    ask = Ask(question=question, recognised=recognise(question), tools=Claims(), resource="l/StatefulSet/redis")
    assert asyncio.run(config_refs(ask)).headline == "l/StatefulSet/redis uses data-redis-0 (20Gi, gp3, Bound)"


def test_who_shipped_a_version_is_read_as_that_release():
    from sre_agent.chat.understand.forms import recognise as read
    for question in ("who shipped 2.7.0", "which ticket brought 5.2.0 in", "who deployed v3.1.4"):
        assert read(question).form == "release_why", question


def test_a_rotation_is_a_secrets_change():
    from sre_agent.chat.answer.records import CHANGED_THINGS
    assert next(kind for pattern, kind in CHANGED_THINGS if pattern.search("who rotated it")) == "Secret"
