"""A step the model cannot answer within the contracts is answered by the offline brain's procedure."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from langchain_core.tools import StructuredTool
from llm_fakes import ScriptedChatModel, always_failing, structured

from sre_agent.brains.llm.factory import make_llm_brain
from sre_agent.brains.llm.settings import LlmSettings
from sre_agent.contracts import Incident, ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from sre_agent.graph.state import Investigation, Task

THROTTLED = RuntimeError("ThrottlingException: Rate exceeded")


def _state(window_start: datetime) -> Investigation:
    now = window_start + timedelta(hours=1)
    return Investigation(incident=Incident(id="i", title="t", started_at=now, window_start=window_start, window_end=now))


def test_supervisor_answer_outside_the_contract_hands_the_step_to_the_offline_supervisor():
    state = _state(datetime(2026, 1, 1, 12, tzinfo=UTC))
    state.incident.affected = ["ns/Service/web"]
    model = ScriptedChatModel(respond=lambda m, b: structured("RouteDecision", done=False, agent="database", target="db"))
    brain = make_llm_brain("bedrock", model=model, settings=LlmSettings())
    task = asyncio.run(brain.next_task(state))
    assert (task.agent, task.target) == ("kubernetes", "ns/Service/web")
    spend = brain.take_spend()
    assert any("routed to 'database'" in n and "offline supervisor asked kubernetes" in n for n in spend.notes)
    assert spend.input_tokens == 1000  # the answer was paid for even though it was not used


class RecordingToolbox:
    """Stands in for the MCP toolbox where only the calls matter: every call fails, and is kept."""

    def __init__(self, server: str, tool_names: list[str]) -> None:
        self.langchain_tools = {server: [StructuredTool.from_function(lambda **_: "", name=name, description=name,
                                                                      args_schema={"type": "object", "properties": {}})
                                         for name in tool_names]}
        self.calls: list[tuple[str, dict]] = []

    def read_only_tools(self, server: str) -> list:
        return self.langchain_tools.get(server, [])

    async def call(self, agent, server, tool, args, brain="offline") -> ToolOutcome:
        self.calls.append((tool, args))
        record = ToolCallRecord(id=f"ev-{len(self.calls)}", agent=agent, server=server, tool=tool, args=args, ok=False,
                                brain=brain)
        return ToolOutcome(record=record, error="unavailable in this test")


def test_a_runbooks_step_handed_to_the_offline_specialist_gets_the_category_the_question_names():
    toolbox = RecordingToolbox("ssm", ["search_runbooks", "get_runbook", "send_command"])
    brain = make_llm_brain("bedrock", model=ScriptedChatModel(respond=always_failing(THROTTLED)),
                           settings=LlmSettings(retries=0))
    task = Task(agent="runbooks", target="ns/Deployment/api", question="Which runbook fixes the bad_image fault on api?")
    result = asyncio.run(brain.investigate(task, _state(datetime(2026, 1, 1, 12, tzinfo=UTC)), toolbox))
    assert [(tool, args.get("category")) for tool, args in toolbox.calls] == [("search_runbooks", "bad_image")]
    assert [r.brain for r in result.records] == ["offline"]
    assert any("the offline runbooks specialist answered" in n for n in brain.take_spend().notes)
