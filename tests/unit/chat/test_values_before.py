"""A value asked back with none said ("give lighting-scheduler its cpu back"): the one the latest rollout changed it
from, read from the revision before (chat/act/values_before.py) -- never guessed, nothing when that rollout left it."""

from __future__ import annotations

import asyncio

from sre_agent.chat.act.values_before import with_value_before
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

RID = "climate/Deployment/lighting-scheduler"


def _template(cpu_limit: str, memory_limit: str = "256Mi") -> dict:
    return {"spec": {"containers": [{"name": "lighting", "resources": {"limits": {"cpu": cpu_limit, "memory": memory_limit}}}]}}


class Revisions:
    """Two revisions: rs-1 (before) and rs-2 (current), each a ReplicaSet holding its template."""

    def __init__(self, before: dict, now: dict) -> None:
        self.templates = {"lighting-scheduler-1": before, "lighting-scheduler-2": now}

    async def call(self, agent, server, tool, args, brain="offline"):
        data: dict = {}
        if tool == "rollout_history":
            data = {"revisions": [{"revision": 1, "replicaset": "lighting-scheduler-1"},
                                  {"revision": 2, "replicaset": "lighting-scheduler-2", "current": True}]}
        elif tool == "describe" and args["kind"] == "ReplicaSet":
            data = {"object": {"spec": {"template": self.templates[args["name"]]}}}
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True), data=data)


def _asked(question: str, before: dict, now: dict) -> str | None:
    ask = Ask(question=question, recognised=recognise(question), tools=Revisions(before, now))
    return asyncio.run(with_value_before(ask, RID, {"spec": {"template": now}}, question, "lighting"))


def test_a_value_asked_back_is_the_one_the_latest_rollout_changed_it_from():
    assert _asked("ok give lighting-scheduler its cpu back", _template("1"), _template("125m")) == \
        "ok give lighting-scheduler its cpu back to 1"
    assert _asked("restore the memory limit", _template("1", "512Mi"), _template("1", "256Mi")) == \
        "restore the memory limit to 512Mi"


def test_nothing_is_said_back_when_the_rollout_left_it_or_no_back_is_asked():
    assert _asked("give it its cpu back", _template("125m"), _template("125m")) is None  # unchanged: the user says it
    assert _asked("give it more cpu", _template("1"), _template("125m")) is None  # not asked back
