"""'are the lanes still checking vehicles in', 'is the partner API still answering': whether what the conversation is about
still serves, from its ready pods by the version they run -- a stuck rollout's old pods serve, a crash loop serves nothing."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer.serving import still_serving
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

IMAGE = "ecr/lanes/gate-api"


class Cluster:
    parameters: dict = {}

    def __init__(self, replicas: int, rows: list[dict], status: dict | None = None):
        self.replicas, self.rows, self.status = replicas, rows, status or {}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "get_resources":
            return ToolOutcome(record=record, data={"items": self.rows})
        if tool == "describe_alarms":
            return ToolOutcome(record=record, data={"alarms": []})
        return ToolOutcome(record=record, data={"object": {
            "spec": {"replicas": self.replicas, "template": {"spec": {"containers": [{"image": f"{IMAGE}:7.4.0"}]}}},
            "status": self.status}})


def _rs(suffix: str, ready: str, tag: str) -> dict:
    return {"name": f"gate-api-{suffix}", "ready": ready, "images": [f"{IMAGE}:{tag}"]}


def _ask(cluster: Cluster, focus: list[str]) -> Ask:
    question = "are the lanes still checking vehicles in?"
    return Ask(question=question, recognised=recognise(question), tools=cluster, focus=focus)


@pytest.mark.parametrize("replicas, rows, starts, status", [
    (3, [_rs("old1", "3/3", "7.3.1"), _rs("new22", "0/1", "7.4.0")],
     "Yes, on the old version: 3 pod(s) of lanes/Deployment/gate-api running gate-api:7.3.1 still serve", "problems"),
    (3, [_rs("new22", "3/3", "7.4.0")], "Yes: 3/3 pods of lanes/Deployment/gate-api are ready", "answered"),
    (3, [_rs("new22", "1/3", "7.4.0")], "Partly: 1 of 3 pods", "problems"),
    (3, [_rs("new22", "0/3", "7.4.0")], "No: none of lanes/Deployment/gate-api's pods is ready", "problems"),
])
def test_the_answer_says_who_still_serves(replicas, rows, starts, status):
    answer = asyncio.run(still_serving(_ask(Cluster(replicas, rows), ["lanes/Deployment/gate-api"])))
    assert answer.headline.startswith(starts), answer.headline
    assert answer.status == status


def test_a_statefulset_is_read_from_its_ready_replicas():
    answer = asyncio.run(still_serving(_ask(Cluster(3, [], {"readyReplicas": 3}), ["lanes/StatefulSet/gate-db"])))
    assert answer.headline.startswith("Yes: 3/3 pods of lanes/StatefulSet/gate-db")


def test_nothing_to_go_on_asks_which():
    assert asyncio.run(still_serving(_ask(Cluster(3, []), []))).status == "needs_subject"


@pytest.mark.parametrize("question, form", [
    ("Are the lanes still checking vehicles in?", "still_serving"),
    ("are the cameras still being read", "still_serving"),
    ("Is the partner API still answering?", "still_serving"),
    ("can customers still book", "still_serving"),
    ("is the rollout still going", "rollout_state"),  # a state word is another form's
    ("is the alarm still firing", "alarms"),
])
def test_still_serving_is_asked_in_users_words(question, form):
    assert recognise(question).form == form
