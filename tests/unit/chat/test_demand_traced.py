"""A demand alarm firing with nothing in a failing state: what it watches is investigated before "nothing is broken" is
said -- calls failing at a host outside the cluster behind a surge are the answer (a problem, its owner paged), a
surge the workloads absorb stays "nothing is broken"."""

from __future__ import annotations

import asyncio

import pytest

import sre_agent.chat.answer.alarms as alarms
from sre_agent.chat.answer.health import demand_traced
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

SURGE = {"name": "pay-request-surge", "state": "ALARM", "dimensions": {"Service": "pay-api"}, "metric": {"name": "RequestCount"}}


class Alarms:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                           data={"alarms": [SURGE]})


@pytest.mark.parametrize("status, summary, traced", [
    ("problems", "No root cause in the cluster: pay/Deployment/pay-api's calls to gw.example.com (outside the cluster) "
                 "time out or fail", True),
    ("answered", "No fault found: every check came back healthy.", False),
])
def test_a_surge_is_investigated_before_nothing_is_said_broken(monkeypatch, status, summary, traced):
    async def investigated(ask, alarm, note):
        return ask.answer(summary, status=status, diagnosis={"category": "none", "summary": summary})
    monkeypatch.setattr(alarms, "_investigated", investigated)
    ask = Ask(question="anything broken?", recognised=recognise("anything broken?"), tools=Alarms(), focus=[])
    found = asyncio.run(demand_traced(ask, "pay-request-surge"))
    assert (found is not None and found.headline.startswith("No root cause in the cluster")) is traced
    assert ask.question == "anything broken?" or traced  # nothing found: the question is left as it was asked
