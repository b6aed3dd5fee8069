"""What one setting is set to: the key read from the question, then looked up where the conversation is, in the
ConfigMaps (their keys, then lines of the files they hold), then in templates (env, flags). A Secret's value never."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.ask import Ask
from sre_agent.chat.config_values import asked_key, config_value
from sre_agent.chat.forms import recognise
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
