"""The LLM specialist's tool loop with a scripted model and fake tools: it is bound only the tools
the toolbox offers as read-only, its calls become llm evidence exactly as phrased, a call to any
other tool is refused, and its report is grounded in what the calls returned."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import StructuredTool
from llm_fakes import ScriptedChatModel, answer, call, evidence_of, prompt_text, structured, tool_results

from sre_agent.brains.llm.factory import make_llm_brain
from sre_agent.brains.llm.settings import LlmSettings
from sre_agent.contracts import Incident, ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from sre_agent.graph.state import Investigation, Task

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
PODS = {"items": [{"name": "catalog-1", "status": "ImagePullBackOff"}]}


def lc_tool(name: str) -> StructuredTool:
    return StructuredTool.from_function(lambda **_: "", name=name, description=name,
                                        args_schema={"type": "object", "properties": {}})


class ReadOnlyTools:
    """Offers get_resources and describe as read-only; the server also has rollout_undo."""

    parameters: dict = {}

    def __init__(self) -> None:
        self.calls: list[str] = []

    def start_numbering_at(self, count: int) -> None:
        pass

    def read_only_tools(self, server: str) -> list:
        return [lc_tool("get_resources"), lc_tool("describe")] if server == "kubernetes" else []

    async def call(self, agent, server, tool, args, brain="offline") -> ToolOutcome:
        self.calls.append(tool)
        record = ToolCallRecord(id=f"ev-{len(self.calls)}", agent=agent, server=server, tool=tool, args=args,
                                brain=brain, excerpt=str(PODS))
        return ToolOutcome(record=record, data=PODS)


def sre(messages, bound):
    if bound == ["FindingsReport"]:
        pods = evidence_of(prompt_text(messages), "get_resources")
        return structured("FindingsReport", findings=[
            {"resource": "shop/Deployment/catalog", "signal": "ImagePullBackOff", "severity": "critical",
             "summary": "catalog cannot pull its image", "evidence": pods}])
    if not tool_results(messages):  # a read, and a write it was never given
        return answer(call("get_resources", kind="pods", namespace="shop"),
                      call("rollout_undo", namespace="shop", name="catalog"))
    return answer(text="catalog's pods cannot pull their image")


def test_only_read_only_tools_are_bound_and_a_write_is_refused():
    model = ScriptedChatModel(respond=sre)
    brain = make_llm_brain("bedrock", model=model, settings=LlmSettings())
    tools = ReadOnlyTools()
    state = Investigation(incident=Incident(id="i", title="t", started_at=NOW, window_start=NOW, window_end=NOW))
    task = Task(agent="kubernetes", target="shop/Service/frontend", question="why 5xx")
    result = asyncio.run(brain.investigate(task, state, tools))

    # Every turn offers the same tools (the cached prefix): the read-only ones and the report; the
    # report turn is made to call FindingsReport.
    assert {tuple(names) for names, _ in model.log} == {("get_resources", "describe", "FindingsReport"), ("FindingsReport",)}
    assert tools.calls == ["get_resources"]  # rollout_undo never reached the tools
    refused = [m for _, messages in model.log for m in tool_results(messages) if m.name == "rollout_undo"]
    assert refused and "is not a tool you have" in refused[0].text and refused[0].status == "error"
    ran = [m for _, messages in model.log for m in tool_results(messages) if m.name == "get_resources"]
    assert ran and ran[0].status == "success"
    # The report is asked in the same conversation: the model reads the tool results it was shown.
    report_request = model.log[-1][1]
    assert any(isinstance(m, ToolMessage) and "ImagePullBackOff" in m.text for m in report_request)
    assert [(r.tool, r.brain, r.args) for r in result.records] == [("get_resources", "llm",
                                                                   {"kind": "pods", "namespace": "shop"})]
    [finding] = result.findings
    assert (finding.signal, finding.evidence) == ("ImagePullBackOff", ["ev-1"])


def test_a_server_without_read_only_tools_leaves_the_question_unanswered_and_says_why():
    model = ScriptedChatModel(respond=sre)
    brain = make_llm_brain("bedrock", model=model, settings=LlmSettings())
    state = Investigation(incident=Incident(id="i", title="t", started_at=NOW, window_start=NOW, window_end=NOW))
    result = asyncio.run(brain.investigate(Task(agent="metrics", target="shop", question="q"), state, ReadOnlyTools()))
    assert not result.records and not model.log
    assert any("offers no read-only tools" in n for n in brain.take_spend().notes)


def test_a_model_that_ends_its_loop_with_the_report_saves_the_report_turn():
    def reporting_sre(messages, bound):
        if not tool_results(messages):
            return answer(call("get_resources", kind="pods", namespace="shop"))
        evidence = [m.text.split("]")[0].lstrip("[") for m in tool_results(messages)]
        return structured("FindingsReport", findings=[{"resource": "shop/Deployment/catalog", "signal": "ImagePullBackOff",
                                                       "summary": "catalog pods cannot pull", "evidence": evidence}])

    model = ScriptedChatModel(respond=reporting_sre)
    # This checkout's prompts (a shared editable install may map the package to another checkout's).
    prompts = Path(__file__).resolve().parents[4] / "prompts"
    brain = make_llm_brain("bedrock", model=model, settings=LlmSettings(prompts_dir=prompts))
    state = Investigation(incident=Incident(id="i", title="t", started_at=NOW, window_start=NOW, window_end=NOW))
    result = asyncio.run(brain.investigate(Task(agent="kubernetes", target="shop", question="q"), state, ReadOnlyTools()))
    assert len(model.log) == 2  # one tool turn, then the report in the loop: no forced report turn
    assert all(names != ["FindingsReport"] for names, _ in model.log)
    [finding] = result.findings
    assert (finding.signal, finding.evidence) == ("ImagePullBackOff", ["ev-1"])
    system = model.log[0][1][0].text
    assert "call `FindingsReport`" in system  # the findings rules travel in the cached system prompt


def test_a_malformed_call_gets_an_error_result_so_the_conversation_stays_valid():
    def garbling_sre(messages, bound):
        if bound == ["FindingsReport"]:
            return structured("FindingsReport", findings=[])
        if not tool_results(messages):  # arguments that are not JSON: LangChain files the call under invalid_tool_calls
            return AIMessage(content="", invalid_tool_calls=[{"name": "get_resources", "args": "{kind: pods",
                                                              "id": "bad-1", "error": "JSONDecodeError", "type": "invalid_tool_call"}])
        return answer(text="nothing more to check")

    model = ScriptedChatModel(respond=garbling_sre)
    brain = make_llm_brain("bedrock", model=model, settings=LlmSettings())
    state = Investigation(incident=Incident(id="i", title="t", started_at=NOW, window_start=NOW, window_end=NOW))
    asyncio.run(brain.investigate(Task(agent="kubernetes", target="shop", question="q"), state, ReadOnlyTools()))
    [reply] = [m for m in model.log[1][1] if isinstance(m, ToolMessage)]
    assert (reply.tool_call_id, reply.status) == ("bad-1", "error") and "could not be read" in reply.text
