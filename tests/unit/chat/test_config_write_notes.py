"""A ConfigMap or Secret written in the window is a change said with the ticket people noted on it: a rollout says its
change-cause, a config edit says it in an annotation ("acme.org/change: CHG-41 raise the pool")."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sre_agent.chat.answer.config_changes import config_writes
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


class Cluster:
    parameters: dict = {}

    def __init__(self) -> None:
        written = (NOW - timedelta(minutes=26)).isoformat()
        self.items = {"ConfigMap": [{"namespace": "db", "name": "pool-config", "keys": ["POOL"], "written": written}],
                      "Secret": [{"namespace": "db", "name": "app-roles", "keys": ["PASSWORD"], "written": written},
                                 {"namespace": "db", "name": "old", "keys": ["X"],
                                  "written": (NOW - timedelta(hours=5)).isoformat()}],
                      # a Service edited in the window (after it was made) is a change; one made in it is no edit
                      "Service": [{"namespace": "db", "name": "pool-api", "ports": ["80->8000"], "selector": {"app": "pool"},
                                   "written": written, "created": (NOW - timedelta(days=3)).isoformat()},
                                  {"namespace": "db", "name": "fresh", "ports": ["80->80"], "written": written,
                                   "created": written}]}
        self.notes = {"pool-config": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "tuned": "true"},
                      "app-roles": {"acme.org/last-rotation": "DBA-2291 quarterly rotation of application roles"},
                      "pool-api": {"acme.org/change": "OCC-240 chart 2.0.0 moved the port"}}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "get_resources":
            return ToolOutcome(record=record, data={"items": self.items[args["kind"]]})
        return ToolOutcome(record=record, data={"object": {"metadata": {"annotations": self.notes[args["name"]]}}})


def test_a_config_write_in_the_window_carries_the_note_people_left_on_it():
    question = "what changed on the database side today"
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster(), focus=[])
    lines, resources = asyncio.run(config_writes(ask, {}, NOW - timedelta(hours=1), NOW))
    # the 5-hour-old write is out of the window
    assert resources == ["db/ConfigMap/pool-config", "db/Secret/app-roles", "db/Service/pool-api"]
    assert lines[0].endswith("(keys POOL)")  # no note a person wrote: a tool's setting ("true") is not one
    assert lines[1].endswith("(keys PASSWORD); acme.org/last-rotation: DBA-2291 quarterly rotation of application roles")
    assert lines[2].startswith("edit: db/Service/pool-api written") and "ports 80->8000" in lines[2] and "OCC-240" in lines[2]
