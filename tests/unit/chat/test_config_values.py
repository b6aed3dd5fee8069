"""What one setting is set to: the key read from the question, then looked up where the conversation is, in the
ConfigMaps (their keys, then lines of the files they hold), then in templates (env, flags). A Secret's value never."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer.config_values import asked_key, config_value
from sre_agent.chat.answer.secret_values import GENERIC, _score
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.chat.understand.question_words import question_terms
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome


@pytest.mark.parametrize("question, form, key", [
    ("what is ACCOUNTS_URL set to", "config_value", "ACCOUNTS_URL"),
    ("whats the value of FARES_URL", "config_value", "FARES_URL"),
    ("what value does it have for FARES_URL?", "config_value", "FARES_URL"),
    ("whats maxmemory in the redis config", "config_value", "maxmemory"),
    ("what is it set to", "config_value", None),  # no key named: asked for
    ("whats in the journey-gateway-routes configmap", "config_keys", None),
])
def test_the_setting_asked_about(question, form, key):
    assert recognise(question).form == form
    assert asked_key(question) == key


ROUTES = {"metadata": {"namespace": "edge"}, "data": {"ACCOUNTS_URL": "http://accounts:8080"}}
REDIS = {"data": {"redis.conf": "port 6379\nmaxmemory 256mb\nmaxmemory-policy allkeys-lru\n"}}
KEYS = {"data": {"signing-key": "***"}}
ENGINE = {"spec": {"template": {"spec": {"containers": [
    {"name": "engine", "env": [{"name": "DB_URL", "value": "postgres://db:5432/x"},
                               {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "keys", "key": "signing-key"}}}],
     "args": ["--workers=4", "--cache", "512mb"]}]}}}}


class World:
    parameters: dict = {}

    def __init__(self) -> None:
        self.listed = {"ConfigMap": [{"namespace": "edge", "name": "routes", "keys": ["ACCOUNTS_URL"]},
                                     {"namespace": "edge", "name": "redis", "keys": ["redis.conf"]}],
                       "Secret": [{"namespace": "edge", "name": "keys", "keys": ["signing-key"]}],
                       "Deployment": [{"namespace": "edge", "name": "engine"}]}
        self.objects = {"routes": ROUTES, "redis": REDIS, "keys": KEYS, "engine": ENGINE}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "describe":
            return ToolOutcome(record=record, data={"object": self.objects.get(args["name"], {})})
        return ToolOutcome(record=record, data={"items": self.listed.get(args.get("kind"), [])})


def answer(question: str, focus: list[str] | None = None):
    ask = Ask(question=question, recognised=recognise(question), tools=World(), focus=focus or [], namespace="edge")
    return asyncio.run(config_value(ask))


@pytest.mark.parametrize("question, focus, headline", [
    ("what is ACCOUNTS_URL set to", None, "ACCOUNTS_URL=http://accounts:8080 (ConfigMap edge/ConfigMap/routes)"),
    ("whats maxmemory in the redis config", None, "maxmemory 256mb (in redis.conf of ConfigMap edge/ConfigMap/redis)"),
    ("what is DB_URL set to", None, "DB_URL=postgres://db:5432/x (env of container engine of edge/Deployment/engine)"),
    ("what is TOKEN set to", ["edge/Deployment/engine"],
     "TOKEN of container engine of edge/Deployment/engine comes from Secret keys, key signing-key"),
    ("whats the value of signing-key", None, "signing-key is a key of Secret edge/Secret/keys (a Secret's values are never shown)"),
    ("what is workers set to", None, "workers 4 (flag --workers of container engine of edge/Deployment/engine)"),
    ("what is cache set to", None, "cache 512mb (flag --cache of container engine of edge/Deployment/engine)"),
    ("what is NOPE set to", None, "NOPE: not found -- no ConfigMap, Secret or env of the workloads discussed sets it"),
])
def test_a_setting_is_found_where_it_is_set(question, focus, headline):
    got = answer(question, focus)
    assert got.headline == headline and got.status == "answered"
    assert "***" not in got.headline


@pytest.mark.parametrize("question, key, parts", [
    ("how does the publisher get its db url", None, [{"DB"}, {"URL"}]),
    ("which secret and key does wallet use for the db connection", None, [{"DB"}]),
    ("where does fares-api get the cache url from", None, [{"CACHE"}, {"URL"}]),
    ("where is DEPOT_GATEWAY_HOST supposed to come from", "DEPOT_GATEWAY_HOST", []),
])
def test_the_setting_a_source_question_asks_about(question, key, parts):
    from sre_agent.chat.answer.config_sources import setting_parts
    named, spellings = setting_parts(question)
    assert named == key
    assert [bool(want & got) for want, got in zip(parts, spellings, strict=True)] == [True] * len(parts)


def source(question: str, resource: str, world: World):
    from sre_agent.chat.answer.config_sources import config_source
    ask = Ask(question=question, recognised=recognise(question), tools=world, focus=[resource], namespace="edge",
              resource=resource)
    return asyncio.run(config_source(ask))


def test_where_a_workload_gets_a_setting_is_read_from_its_template_env_and_env_from():
    world = World()
    world.objects["fares"] = {"spec": {"template": {"spec": {"containers": [
        {"name": "api", "envFrom": [{"configMapRef": {"name": "routes"}}]}]}}}}
    got = source("where does fares get the accounts url from", "edge/Deployment/fares", world)
    assert got.headline == ("ACCOUNTS_URL of container api of edge/Deployment/fares comes from ConfigMap routes (envFrom, "
                            "every key), key ACCOUNTS_URL = http://accounts:8080")
    db = source("how does the engine get its db url", "edge/Deployment/engine", world)
    assert db.headline == "DB_URL=postgres://db:5432/x (env of container engine of edge/Deployment/engine)"


def test_a_setting_a_workload_lacks_is_traced_to_where_the_namespace_keeps_it():
    world = World()
    world.objects["bridge"] = {"spec": {"containers": [{"name": "bridge", "env": []}]}}
    world.listed["ConfigMap"].append({"namespace": "edge", "name": "depot-gateway", "keys": ["host"]})
    got = source("where is DEPOT_GATEWAY_HOST supposed to come from", "edge/Pod/bridge", world)
    assert got.status == "problems"
    assert got.headline == ("edge/Pod/bridge sets no DEPOT_GATEWAY_HOST in its template (env or envFrom); elsewhere in edge: "
                            "ConfigMap depot-gateway, key host: its name and key spell DEPOT_GATEWAY_HOST (no workload reads "
                            "it now)")


@pytest.mark.parametrize("question, row, matches", [
    ("whats the textwave api key", {"name": "sms-gateway", "keys": ["TEXTWAVE_API_KEY"]}, True),  # by its key's words
    ("whats the card processor key in payments-api-card", {"name": "payments-api-card", "keys": ["CARD_KEY"]}, True),
    ("whats the textwave api key", {"name": "records-db", "keys": ["POSTGRES_PASSWORD"]}, False),
    ("whats the api key", {"name": "sms-gateway", "keys": ["TEXTWAVE_API_KEY"]}, False),  # only the generic words
])
def test_a_credential_asked_for_is_found_by_its_secrets_name_or_key_words(question, row, matches):
    assert (_score(question, question_terms(question) - GENERIC, row) > 0) is matches


def test_a_key_nobody_sets_is_searched_for_in_the_namespaces_configmaps_and_secrets():
    from sre_agent.chat.answer.config_sources import config_source
    from tests.unit.chat.test_objects_in_context import Cluster

    rows = {"ConfigMap": [{"name": "comms-config", "namespace": "comms", "keys": ["BATCH_SIZE"]}],
            "Secret": [{"name": "comms-twilio", "namespace": "comms", "keys": ["SMS_SENDER_SID", "TOKEN"]}]}
    question = "is SMS_SENDER_SID set anywhere in comms"
    answer = asyncio.run(config_source(Ask(question=question, recognised=recognise(question), tools=Cluster(rows),
                                           namespace="comms")))
    assert answer.headline.startswith("No workload in comms sets SMS_SENDER_SID; elsewhere in comms: Secret comms-twilio "
                                      "holds key SMS_SENDER_SID")
    workload = {"worker": {"spec": {"template": {"spec": {"containers": [{"name": "w", "envFrom": [
        {"configMapRef": {"name": "comms-config"}}]}]}}}}}
    question = "is SMS_SENDER_ID set anywhere in comms"
    answer = asyncio.run(config_source(Ask(question=question, recognised=recognise(question), tools=Cluster(rows, workload),
                                           resource="comms/Deployment/worker")))
    assert "it reads ConfigMap comms-config, none with that key" in answer.headline
