"""An alert that came from Alertmanager is read back from its own readers, in order, and never looked up as a
CloudWatch alarm of the same name; when none can tell, the reading says which were asked and why."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sre_agent.contracts import Incident
from sre_agent.graph.health import AlarmReading, alarm_reading
from sre_agent.graph.state import Investigation

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class NoTools:
    def __init__(self) -> None:
        self.calls: list[str] = []

    async def call(self, agent, server, tool, args, brain="offline"):
        self.calls.append(tool)
        raise AssertionError("an Alertmanager alert must not be looked up in CloudWatch")


class Reader:
    def __init__(self, name: str, reading: AlarmReading) -> None:
        self.name, self.reading, self.asked = name, reading, 0

    async def read(self, incident: Incident) -> AlarmReading:
        self.asked += 1
        return self.reading


def state(source: str = "alertmanager") -> Investigation:
    return Investigation(incident=Incident(id="i", title="t", started_at=NOW, window_start=NOW, window_end=NOW,
                                           alarm={"AlarmName": "KubeContainerOOMKilled", "Source": source}))


def test_the_first_reader_that_can_tell_answers():
    cannot = Reader("the store", AlarmReading(ok=False, state=None, detail="no `resolved` notification for it yet"))
    firing = Reader("Alertmanager", AlarmReading(ok=False, state="ALARM", detail="still firing", clear_window_s=120))
    tools = NoTools()
    reading = asyncio.run(alarm_reading(tools, state(), [cannot, firing]))
    assert (reading.state, reading.clear_window_s) == ("ALARM", 120) and cannot.asked == firing.asked == 1
    assert tools.calls == []


def test_with_no_reader_that_can_tell_the_reading_says_what_was_asked():
    cannot = Reader("the store", AlarmReading(ok=False, state=None, detail="no `resolved` notification for it yet"))
    reading = asyncio.run(alarm_reading(NoTools(), state(), [cannot]))
    assert not reading.ok and reading.state is None
    assert reading.detail == ("alert KubeContainerOOMKilled (from Alertmanager) could not be read: "
                              "no `resolved` notification for it yet")
    nothing = asyncio.run(alarm_reading(NoTools(), state(), []))
    assert "set alertmanager.url" in nothing.detail
