"""Of several objects a word fits ("pharmacy 5xx why": pharmacy-api, pharmacy-db and their Services), the one an alarm
now in ALARM is about is meant -- what pages is what the on-call asks about; with none (or several) singled out by a
firing alarm, one short question."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.ask import Ask
from sre_agent.chat.models import Answer
from sre_agent.chat.understand.context_names import several_fit
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

FITS = ["rx/Deployment/rx-api", "rx/StatefulSet/rx-db", "rx/Service/rx-api", "rx/Service/rx-db"]


class Alarms:
    parameters: dict = {}

    def __init__(self, alarms: list[dict], deployments: tuple[str, ...] = ()):
        self.alarms, self.deployments = alarms, deployments

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "get_resources":
            items = [{"name": n, "namespace": "rx"} for n in self.deployments] if args["kind"] == "Deployment" else []
            return ToolOutcome(record=record, data={"items": items})
        return ToolOutcome(record=record, data={"alarms": self.alarms} if tool == "describe_alarms" else {})


def alarm(name: str, state: str = "ALARM", **dimensions: str) -> dict:
    return {"name": name, "state": state, "dimensions": dimensions}


@pytest.mark.parametrize("alarms, meant", [
    ([alarm("rx-api-5xx", Service="rx-api")], "rx/Deployment/rx-api"),  # the workload, not its Service of that name
    ([alarm("rx-db-connections-high")], "rx/StatefulSet/rx-db"),  # no object dimension: the alarm's name says it
    ([alarm("rx-api-5xx", "OK", Service="rx-api")], None),  # an alarm at rest pages nobody
    ([alarm("rx-api-5xx", Service="rx-api"), alarm("rx-db-disk", StatefulSet="rx-db")], None),  # both page: which?
    ([], None),
])
def test_of_several_that_fit_the_one_a_firing_alarm_is_about_is_meant(alarms, meant):
    ask = Ask(question="rx 5xx why", recognised=recognise("rx 5xx why"), tools=Alarms(alarms), focus=[])
    found = asyncio.run(several_fit(ask, "rx", [{"resource": r} for r in FITS], None))
    if meant:
        assert found == meant and any("which alarm" in n for n in ask.notes)
    else:
        assert isinstance(found, Answer) and found.status == "needs_subject"


@pytest.mark.parametrize("question, deployments, meant", [
    # "rx" fits four objects; "images" names one workload alone (its singular a whole token of image-resizer)
    ("why are rx images failing to load", ("rx-api", "image-resizer"), "rx/Deployment/image-resizer"),
    ("why are rx images failing to load", ("rx-api", "image-resizer", "image-cache"), None),  # "images" fits two
    ("why is rx failing to load", ("rx-api", "image-resizer"), None),  # no other word names anything
])
def test_of_several_that_fit_another_word_naming_one_workload_is_meant(question, deployments, meant):
    ask = Ask(question=question, recognised=recognise(question), tools=Alarms([], deployments), focus=[])
    found = asyncio.run(several_fit(ask, "rx", [{"resource": r} for r in FITS], None))
    if meant:
        assert found == meant and any("another of its words" in n for n in ask.notes)
    else:
        assert isinstance(found, Answer) and found.status == "needs_subject"
