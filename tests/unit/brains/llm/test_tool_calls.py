"""What real models emit instead of a clean native tool call, read against the offered schemas:
calls written as text in the formats local models use, near-miss tool and argument names, values
written as text -- repaired only into a tool that was offered and only when one candidate fits;
what cannot be repaired is answered with the tool's signature."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from langchain_core.messages import AIMessage
from langchain_core.tools import StructuredTool
from llm_fakes import ScriptedChatModel, answer, structured, tool_results

from sre_agent.brains.llm.factory import make_llm_brain
from sre_agent.brains.llm.schemas import FindingsReport
from sre_agent.brains.llm.settings import LlmSettings
from sre_agent.brains.llm.tool_binding import compact_model
from sre_agent.brains.llm.tool_calls import CallRepair
from sre_agent.contracts import Incident, ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from sre_agent.graph.state import Investigation, Task


def function(tool: str, required: list[str], /, **properties: str) -> dict:
    return {"type": "function", "function": {"name": tool, "description": tool, "parameters": {
        "type": "object", "properties": {key: {"type": kind} for key, kind in properties.items()}, "required": required}}}


TOOLS = [function("describe", ["kind", "name"], kind="string", name="string", namespace="string"),
         function("describe_alarms", [], alarm_names="array"),
         function("get_metric_data", ["metric_name"], metric_name="string", period="integer", dimensions="object",
                  warnings_only="boolean"),
         function("get_resources", ["kind"], kind="string", namespace="string"),
         compact_model(FindingsReport)]
REPAIR = CallRepair(TOOLS, answers=("FindingsReport",))


@pytest.mark.parametrize(("text", "name", "args"), [
    # native formats written as text
    ('{"name": "describe", "arguments": {"kind": "Pod", "name": "api"}}', "describe", {"kind": "Pod", "name": "api"}),
    ('```json\n{"tool": "describe", "args": {"kind": "Pod", "name": "api"}}\n```', "describe", {"kind": "Pod", "name": "api"}),
    ('<tool_call>\n{"name": "get_resources", "arguments": {"kind": "pods"}}\n</tool_call>', "get_resources", {"kind": "pods"}),
    ('[TOOL_CALLS] [{"name": "get_resources", "arguments": {"kind": "pods"}}]', "get_resources", {"kind": "pods"}),
    ('{"function": {"name": "describe", "arguments": "{\\"kind\\": \\"Pod\\", \\"name\\": \\"api\\"}"}}', "describe",
     {"kind": "Pod", "name": "api"}),
    ('```tool_code\ndescribe(kind="Pod", name="api")\n```', "describe", {"kind": "Pod", "name": "api"}),
    ("Let me look.\n{'name': 'get_resources', 'parameters': {'kind': 'pods'}}\nthen decide", "get_resources", {"kind": "pods"}),
    # near-miss tool names
    ('{"name": "functions.describe", "arguments": {"kind": "Pod", "name": "a"}}', "describe", {"kind": "Pod", "name": "a"}),
    ('{"name": "getMetricData", "arguments": {"metric_name": "CPU"}}', "get_metric_data", {"metric_name": "CPU"}),
    ('{"name": "get_metric_datas", "arguments": {"metric_name": "CPU"}}', "get_metric_data", {"metric_name": "CPU"}),
    ('{"name": "mcp__kubernetes__get_resources", "arguments": {"kind": "pods"}}', "get_resources", {"kind": "pods"}),
    # near-miss argument names, and values written as text
    ('{"name": "describe", "arguments": {"kind": "Pod", "pod_name": "api", "ns": "shop"}}', "describe",
     {"kind": "Pod", "name": "api", "namespace": "shop"}),
    ('{"name": "get_metric_data", "arguments": {"metricName": "CPU", "period": "60", "warnings_only": "true"}}',
     "get_metric_data", {"metric_name": "CPU", "period": 60, "warnings_only": True}),
    ('{"name": "get_metric_data", "arguments": {"metric_name": "CPU", "dimensions": "{\\"Pod\\": \\"a\\"}"}}',
     "get_metric_data", {"metric_name": "CPU", "dimensions": {"Pod": "a"}}),
    ('{"name": "describe_alarms", "arguments": {"alarm_names": "HighCPU"}}', "describe_alarms", {"alarm_names": ["HighCPU"]}),
    # a structured answer written out whole: its own keys name it
    ('{"findings": []}', "FindingsReport", {"findings": []}),
])
def test_a_call_written_as_text_is_read_against_the_schemas(text, name, args):
    repaired, notes = REPAIR.recover(AIMessage(content=text))
    assert [(c["name"], c["args"]) for c in repaired.tool_calls] == [(name, args)]
    assert notes and repaired.tool_calls[0]["id"]


@pytest.mark.parametrize("text", [
    "The pods look fine to me.",
    '{"name": "api", "namespace": "shop"}',  # an object in prose, not a call: no arguments key
    '{"name": "rollout_undo", "arguments": {"name": "api"}}',  # a tool that was not offered stays unread
    '{"name": "delete", "arguments": {"kind": "Pod", "name": "api"}}',
    '{"name": "describe_pod_logs_and_events_please", "arguments": {}}',
])
def test_text_that_is_not_an_offered_call_stays_text(text):
    repaired, notes = REPAIR.recover(AIMessage(content=text))
    assert repaired.tool_calls == [] and notes == []


def test_an_ambiguous_name_is_not_guessed():
    # `describe_x` is a near miss of both `describe` (whole words) and nothing else; `describe_alarm` is
    # close to `describe_alarms` only -- but `desc` fits neither unambiguously.
    assert REPAIR.resolve("describe_alarm") == "describe_alarms"
    assert REPAIR.resolve("desc") is None
    assert CallRepair([function("get_pods", []), function("get_nodes", [])]).resolve("get_podes") == "get_pods"
    assert CallRepair([function("list_a", []), function("list_b", [])]).resolve("list_c") is None


def test_native_calls_are_repaired_and_unreadable_arguments_read_when_they_can_be():
    native = AIMessage(content="", tool_calls=[{"name": "describe", "args": {"resource_name": "api", "kind": "Pod"}, "id": "1"}],
                       invalid_tool_calls=[{"name": "get_resources", "args": "{'kind': 'pods'}", "id": "2", "error": "bad json"},
                                           {"name": "describe", "args": "kind=Pod", "id": "3", "error": "bad json"}])
    repaired, notes = REPAIR.recover(native)
    assert [(c["name"], c["args"]) for c in repaired.tool_calls] == [
        ("describe", {"name": "api", "kind": "Pod"}), ("get_resources", {"kind": "pods"})]
    assert [c["id"] for c in repaired.invalid_tool_calls] == ["3"]  # still answered with an error by the loop
    assert any("resource_name" in n for n in notes)


def test_what_cannot_be_repaired_is_answered_with_the_signature():
    error = REPAIR.schema_error("describe", {"pod": "api"})
    assert error is not None
    assert "unknown argument(s) pod" in error and "missing required kind, name" in error
    assert "describe(kind: string, name: string, namespace?: string)" in error
    assert REPAIR.schema_error("describe", {"kind": "Pod", "name": "api"}) is None


# --- the specialist's loop with a model that writes its calls as text -----------------------------------

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


class Tools:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def start_numbering_at(self, count: int) -> None:
        pass

    def read_only_tools(self, server: str) -> list:
        schema = {"type": "object", "properties": {"kind": {"type": "string"}, "name": {"type": "string"},
                                                   "namespace": {"type": "string"}}, "required": ["kind", "name"]}
        return [StructuredTool.from_function(lambda **_: "", name="describe", description="describe", args_schema=schema)]

    async def call(self, agent, server, tool, args, brain="offline") -> ToolOutcome:
        self.calls.append((tool, args))
        data = {"name": args["name"], "state": "CrashLoopBackOff"}
        return ToolOutcome(record=ToolCallRecord(id=f"ev-{len(self.calls)}", agent=agent, server=server, tool=tool,
                                                 args=args, brain=brain, excerpt=str(data)), data=data)


def small_model(messages, bound):
    results = tool_results(messages)
    if bound == ["FindingsReport"]:
        return structured("FindingsReport", findings=[])
    if not results:  # a wrong argument name it cannot be forgiven: no candidate fits `thing`
        return answer(text='```json\n{"name": "describe_pod", "arguments": {"thing": "api"}}\n```')
    if len(results) == 1:  # it read the signature in the error, and retries with near misses
        return answer(text='<tool_call>{"name": "describe_pod", "arguments": {"kind": "Pod", "pod_name": "api", '
                           '"ns": "shop"}}</tool_call>')
    return answer(text="api is crash looping")


def test_a_small_models_text_calls_run_as_the_tools_it_was_offered():
    model = ScriptedChatModel(respond=small_model)
    brain = make_llm_brain("openai", model=model, settings=LlmSettings())
    tools = Tools()
    state = Investigation(incident=Incident(id="i", title="t", started_at=NOW, window_start=NOW, window_end=NOW))
    result = asyncio.run(brain.investigate(Task(agent="kubernetes", target="shop/Pod/api", question="why down"), state, tools))

    assert tools.calls == [("describe", {"kind": "Pod", "name": "api", "namespace": "shop"})]
    assert [r.tool for r in result.records] == ["describe"]
    first_error = next(m for _, messages in model.log for m in tool_results(messages))
    assert first_error.status == "error" and "describe(kind: string, name: string, namespace?: string)" in first_error.text
    notes = " ".join(brain.take_spend().notes)
    assert "'describe_pod' read as 'describe'" in notes and "'pod_name' read as 'name'" in notes


def test_a_structured_answer_written_as_text_is_accepted():
    def writes_json(messages, bound):
        return answer(text='Here is my report:\n```json\n{"findings": []}\n```')

    model = ScriptedChatModel(respond=writes_json)
    brain = make_llm_brain("openai", model=model, settings=LlmSettings())
    state = Investigation(incident=Incident(id="i", title="t", started_at=NOW, window_start=NOW, window_end=NOW))
    result = asyncio.run(brain.investigate(Task(agent="kubernetes", target="shop/Pod/api", question="why"), state, Tools()))
    assert result.findings == [] and len(model.log) == 1  # the text was the answer: no retry, no offline fallback
    assert "offline" not in " ".join(brain.take_spend().notes)
