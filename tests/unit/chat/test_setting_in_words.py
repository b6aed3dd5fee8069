"""A setting asked for in plain words ("whats the dedup window on the normaliser"): the words naming a workload
pick it (a name typed whole first, else by stem or typo, else the conversation's), and every other word must be a
part of one env var name it reads -- literal, a ConfigMap key, or every key of an envFrom ConfigMap. Otherwise no
answer: the question gets the usual fallback."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer.config_sources import setting_in_words
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

NORMALISER = {"spec": {"template": {"spec": {"containers": [{
    "name": "normaliser", "env": [{"name": "LOG_LEVEL", "value": "info"}],
    "envFrom": [{"configMapRef": {"name": "reading-normaliser"}}]}]}}}}
CACHE = {"spec": {"template": {"spec": {"containers": [{"name": "redis", "args": ["--maxmemory", "512mb"]}]}}}}
CONFIG = {"data": {"DEDUP_WINDOW_SECONDS": "900", "PRESSURE_CACHE_URL": "http://pressure-cache:6379"}}
OBJECTS = {("Deployment", "reading-normaliser"): NORMALISER, ("StatefulSet", "pressure-cache"): CACHE,
           ("ConfigMap", "reading-normaliser"): CONFIG}


class Cluster:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "get_resources":
            items = [{"namespace": "telemetry", "name": name} for kind, name in OBJECTS if kind == args["kind"]]
            return ToolOutcome(record=record, data={"items": items})
        return ToolOutcome(record=record, data={"object": OBJECTS.get((args["kind"], args["name"]), {})})


def ask(question: str, focus: list[str] | None = None) -> Ask:
    return Ask(question=question, recognised=recognise(question), tools=Cluster(), focus=focus or [])


@pytest.mark.parametrize("question, focus, expected", [
    ("whats the dedup window on the normaliser", None, "key DEDUP_WINDOW_SECONDS = 900"),
    # the name typed whole holds the setting, though "pressure cache" names another workload better
    ("what is the pressure cache url for reading-normaliser", None, "key PRESSURE_CACHE_URL = http://pressure-cache:6379"),
    ("and its log level?", ["telemetry/Deployment/reading-normaliser"], "LOG_LEVEL=info"),
    ("whats the dedup window", ["telemetry/Deployment/reading-normaliser"], "key DEDUP_WINDOW_SECONDS = 900"),
])
def test_the_setting_the_words_spell_is_read_from_the_workload_they_name(question, focus, expected):
    answer = asyncio.run(setting_in_words(ask(question, focus)))
    assert answer is not None and expected in answer.headline
    assert answer.resources == ["telemetry/Deployment/reading-normaliser"]


@pytest.mark.parametrize("question, focus", [
    ("what does the pressure cache do", None),  # every word names the workload: no setting asked
    ("whats the retry budget on the normaliser", None),  # no env var spelled by retry + budget
    ("whats the dedup window", None),  # no workload named, none in the conversation
])
def test_no_answer_when_the_words_spell_no_setting_of_a_workload(question, focus):
    assert asyncio.run(setting_in_words(ask(question, focus))) is None
