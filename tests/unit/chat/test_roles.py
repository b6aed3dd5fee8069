"""A role word instead of a name ("db down?", "is the broker healthy", "redis ok?") is read against what runs now -- the
workloads whose image plays that role (understand/roles.yaml) -- never as the object the conversation happened to be
on: one holder is the subject (said in a note), several narrowed to the conversation's or asked about, none said."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.ask import Ask
from sre_agent.chat.models import Answer
from sre_agent.chat.understand.forms import recognise
from sre_agent.chat.understand.roles import plays, repository, role_named
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

WORKLOADS = {
    "StatefulSet": [{"name": "orders-pg", "namespace": "shop", "images": ["docker.io/bitnami/postgresql:16.4.0"]},
                    {"name": "events", "namespace": "shop", "images": ["rabbitmq:3.13-management"]}],
    "Deployment": [{"name": "pg-metrics", "namespace": "shop", "images": ["quay.io/prometheuscommunity/postgres-exporter:v0.15"]},
                   {"name": "checkout", "namespace": "shop", "images": ["reg.example/checkout:2.1"]},
                   {"name": "ledger-db", "namespace": "pay", "images": ["mysql:8.4"]},
                   {"name": "maps-edge", "namespace": "edge", "images": ["registry.vendor.io/edge/maps-edge-proxy:7.4.1"]}],
}


class Listing:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        return ToolOutcome(record=record, data={"items": WORKLOADS.get(args.get("kind"), [])})


def _named(question: str, focus: list[str] | None = None):
    ask = Ask(question=question, recognised=recognise(question), tools=Listing(), focus=focus or [])
    return asyncio.run(role_named(ask)), ask


@pytest.mark.parametrize("image, repo, db", [
    ("docker.io/bitnami/postgresql:16.4.0", "postgresql", True),
    ("postgres@sha256:abc", "postgres", True),
    ("quay.io/prometheuscommunity/postgres-exporter:v0.15", "postgres-exporter", False),  # reads the db, is not it
    ("reg.example:5000/team/checkout:2.1", "checkout", False),
])
def test_an_image_plays_a_role_by_its_repository(image, repo, db):
    assert repository(image) == repo and plays(image, ("postgres", "postgresql")) is db


@pytest.mark.parametrize("question, focus, subject", [
    ("is the broker healthy", [], "shop/StatefulSet/events"),  # its name says nothing of rabbitmq; its image does
    ("mq down?", ["shop/Deployment/checkout"], "shop/StatefulSet/events"),  # never the conversation's object instead
    ("queue backed up?", [], "shop/StatefulSet/events"),
    # two databases: the one of the conversation's namespace
    ("db down?", ["pay/Deployment/ledger-api"], "pay/Deployment/ledger-db"),
    ("is the maps vendor proxy healthy", [], "edge/Deployment/maps-edge"),  # its image's own name says proxy
])
def test_a_role_word_names_the_workload_that_runs_one(question, focus, subject):
    found, ask = _named(question, focus)
    assert found == subject
    assert any("the workload that runs one" in n for n in ask.notes) or len(focus) > 0


def test_two_that_play_the_role_and_nothing_to_choose_by_is_one_short_question():
    found, _ = _named("is the db ok")
    assert isinstance(found, Answer) and "shop/StatefulSet/orders-pg" in found.headline and "pay/Deployment/ledger-db" in found.headline


def test_a_role_nothing_plays_is_said_never_answered_about_another_object():
    found, _ = _named("redis ok?", ["shop/StatefulSet/events"])
    assert isinstance(found, Answer) and found.headline.startswith("Nothing named or running 'redis' here")


def test_a_question_without_a_role_word_is_left_to_the_rest_of_the_resolver():
    assert _named("why is checkout slow")[0] is None
    assert _named("put db host back and restart the api")[0] is None  # a setting's name (DB_HOST), not the db
    assert _named("whats the redis password")[0] is None


def test_an_image_whose_dashed_part_is_a_role_plays_it():
    from sre_agent.chat.understand.roles import plays
    assert plays("eclipse-mosquitto:2.0.18", ("mosquitto",))
    assert not plays("prometheus/redis-exporter:1.6", ("redis",))  # it reads the cache; it is not the cache


def test_a_role_word_the_conversations_workload_has_a_setting_for_is_that_setting_not_another_workload():
    import asyncio

    from sre_agent.chat.ask import Ask
    from sre_agent.chat.understand.forms import recognise
    from sre_agent.chat.understand.roles import role_named
    from tests.unit.chat.test_objects_in_context import Cluster

    analytics = {"spec": {"template": {"spec": {"containers": [{"name": "db", "envFrom": [
        {"configMapRef": {"name": "analytics-config"}}]}]}}}}
    tools = Cluster({"StatefulSet": [{"name": "scheduler-redis", "namespace": "logistics", "images": ["redis:7.2"]}]},
                    {"milk-analytics": analytics, "analytics-config": {"data": {"MARK_CACHE_SIZE_MB": "5120"}}})
    question = "how big is the uncompressed cache set to now"
    ask = Ask(question=question, recognised=recognise(question), tools=tools, focus=["analytics/StatefulSet/milk-analytics"])
    assert asyncio.run(role_named(ask)) is None  # its own cache setting: never the Redis in another namespace
    elsewhere = Ask(question=question, recognised=recognise(question), tools=tools, focus=[])
    assert asyncio.run(role_named(elsewhere)) == "logistics/StatefulSet/scheduler-redis"
