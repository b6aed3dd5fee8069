"""A symptom said with no object named: the Service whose series for it (latency for slowness, 5xx for failures) is up
now against its own baseline the most."""

from __future__ import annotations

import asyncio

from sre_agent.chat.answer.slow_services import symptom_service
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

ERRORS = {"web": {"baseline": {"median": 0}, "intervals": []},
          "api": {"baseline": {"median": 0}, "intervals": [{"ongoing": True, "direction": "up", "max_value": 40}]},
          "cms": {"baseline": {"median": 0}, "intervals": []}}
REPORTS = {"web": {"baseline": {"median": 200}, "intervals": [{"ongoing": True, "direction": "up", "max_value": 900}]},
           "api": {"baseline": {"median": 100}, "intervals": [{"ongoing": True, "direction": "up", "max_value": 300}]},
           "cms": {"baseline": {"median": 100}, "intervals": [{"ongoing": False, "direction": "up", "max_value": 2000}]}}


class Metrics:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        data: dict = {}
        self.read = [*getattr(self, "read", []), args.get("metric_name")]
        if tool == "list_metrics":
            data = {"metrics": [{"metric": args["metric_name"], "dimensions": {"Namespace": "front", "Service": s}}
                                for s in REPORTS]}
        elif tool == "detect_anomalies":
            data = (ERRORS if args["metric_name"] == "5xxCount" else REPORTS)[args["dimensions"]["Service"]]
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True), data=data)


def _slowest(question: str, tools: Metrics | None = None) -> str | None:
    return asyncio.run(symptom_service(Ask(question=question, recognised=recognise(question), tools=tools or Metrics())))


def test_the_service_most_above_its_own_baseline_now():
    # web is 4.5x its baseline, api 3x; cms's spike is over
    assert _slowest("homepage slow since about 9 why") == "front/Service/web"


def test_failures_said_read_the_5xx_count():
    # api's 5xx rose; web's latency is no answer to "erroring"
    assert _slowest("checkout erroring for customers, whats going on") == "front/Service/api"


def test_a_timeout_is_slowness_first():
    assert _slowest("bookings keep timing out") == "front/Service/web"


def test_no_symptom_said_reads_nothing():
    tools = Metrics()
    assert _slowest("what does the homepage call", tools) is None
    assert getattr(tools, "read", []) == []


def test_with_nothing_said_what_users_feel_is_read_when_asked():
    assert _slowest("did the vacuum lock the table") is None
    tools = Metrics()
    assert asyncio.run(symptom_service(Ask(question="did the vacuum lock the table", recognised=recognise("x"),
                                           tools=tools), unsaid=True)) == "front/Service/web"
