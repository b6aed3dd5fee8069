"""A slowness said with no object named: the Service whose latency is up now against its own baseline the most."""

from __future__ import annotations

import asyncio

from sre_agent.chat.answer.slow_services import slowest_service
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

REPORTS = {"web": {"baseline": {"median": 200}, "intervals": [{"ongoing": True, "direction": "up", "max_value": 900}]},
           "api": {"baseline": {"median": 100}, "intervals": [{"ongoing": True, "direction": "up", "max_value": 300}]},
           "cms": {"baseline": {"median": 100}, "intervals": [{"ongoing": False, "direction": "up", "max_value": 2000}]}}


class Metrics:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        data: dict = {}
        if tool == "list_metrics":
            data = {"metrics": [{"metric": "LatencyP99", "dimensions": {"Namespace": "front", "Service": s}} for s in REPORTS]}
        elif tool == "detect_anomalies":
            data = REPORTS[args["dimensions"]["Service"]]
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True), data=data)


def _slowest(question: str) -> str | None:
    return asyncio.run(slowest_service(Ask(question=question, recognised=recognise(question), tools=Metrics())))


def test_the_service_most_above_its_own_baseline_now():
    # web is 4.5x its baseline, api 3x; cms's spike is over
    assert _slowest("homepage slow since about 9 why") == "front/Service/web"


def test_no_slowness_said_reads_nothing():
    assert _slowest("why is the homepage broken") is None
