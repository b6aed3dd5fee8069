"""The LLM metrics specialist reads the metrics sources the run has (metrics.source): Prometheus' tools beside
CloudWatch's, each call sent to the server that offers the tool."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from langchain_core.tools import StructuredTool
from llm_fakes import ScriptedChatModel, answer, call, structured, tool_results

from sre_agent.brains.llm.factory import make_llm_brain
from sre_agent.brains.llm.settings import LlmSettings
from sre_agent.contracts import Incident, ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from sre_agent.graph.state import Investigation, Task, servers_of

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
SERVERS = {"cloudwatch": ["get_metric_data", "detect_anomalies"], "prometheus": ["promql_range", "prometheus_rules"]}


class TwoSources:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def start_numbering_at(self, count: int) -> None:
        pass

    def read_only_tools(self, server: str) -> list:
        return [StructuredTool.from_function(lambda **_: "", name=name, description=name,
                                             args_schema={"type": "object", "properties": {"query": {"type": "string"}}})
                for name in SERVERS.get(server, [])]

    async def call(self, agent, server, tool, args, brain="offline") -> ToolOutcome:
        self.calls.append((server, tool))
        return ToolOutcome(record=ToolCallRecord(id=f"ev-{len(self.calls)}", agent=agent, server=server, tool=tool,
                                                 args=args, brain=brain, excerpt="{}"), data={})


def reads_promql(messages, bound):
    if bound == ["FindingsReport"]:
        return structured("FindingsReport", findings=[])
    if not tool_results(messages):
        return answer(call("promql_range", query="sum(rate(http_requests_total[5m]))"))
    return answer(text="no anomaly")


@pytest.mark.parametrize(("source", "offered", "server"), [
    ("cloudwatch", {"get_metric_data", "detect_anomalies"}, None),
    ("both", {"get_metric_data", "detect_anomalies", "promql_range", "prometheus_rules"}, "prometheus"),
    ("prometheus", {"promql_range", "prometheus_rules"}, "prometheus"),
])
def test_the_metrics_specialist_is_offered_its_sources_and_each_call_goes_to_its_server(source, offered, server):
    model = ScriptedChatModel(respond=reads_promql)
    brain = make_llm_brain("openai", model=model, settings=LlmSettings())
    tools = TwoSources()
    state = Investigation(incident=Incident(id="i", title="t", started_at=NOW, window_start=NOW, window_end=NOW),
                          metrics_source=source)
    asyncio.run(brain.investigate(Task(agent="metrics", target="shop/Service/api", question="errors?"), state, tools))
    first_turn = model.log[0][0]
    assert set(first_turn) - {"FindingsReport"} == offered
    assert tools.calls == ([(server, "promql_range")] if server else [])


def test_a_cloudwatch_alarm_is_read_in_cloudwatch_whatever_the_source():
    assert servers_of("metrics", "prometheus", alarm_in_cloudwatch=True) == ["prometheus", "cloudwatch"]
    assert servers_of("metrics", "prometheus") == ["prometheus"]


def test_other_agents_keep_their_one_server():
    assert servers_of("logs", "both") == ["cloudwatch"] and servers_of("kubernetes", "prometheus") == ["kubernetes"]
