"""A self-hosted model's limits: every request kept within its context window (window.py), and tools
given as text to a server whose chat template drops them (text_tools.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import StructuredTool
from llm_fakes import ScriptedChatModel, answer

from sre_agent.brains.llm.factory import make_llm_brain
from sre_agent.brains.llm.providers import ModelHandle, build_model
from sre_agent.brains.llm.repair import repair_pairing
from sre_agent.brains.llm.settings import LlmSettings
from sre_agent.brains.llm.text_tools import plain_conversation, tools_section
from sre_agent.brains.llm.window import CHARS_PER_TOKEN, answer_tokens, fit, request_chars, tool_output_chars
from sre_agent.contracts import Incident, ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from sre_agent.graph.state import Investigation, Task

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def loop(turns: int, result_chars: int) -> list:
    messages = [SystemMessage("instructions " * 50), HumanMessage("why is api down?")]
    for turn in range(turns):
        messages.append(AIMessage(content="", tool_calls=[{"name": "describe", "args": {"n": turn}, "id": f"c{turn}"}]))
        messages.append(ToolMessage(content=f"result {turn} " + "x" * result_chars, tool_call_id=f"c{turn}", name="describe"))
    return messages


def size(messages) -> int:
    return sum(len(m.content if isinstance(m.content, str) else str(m.content)) + 16 for m in messages)


def test_the_window_splits_into_answer_request_and_one_result():
    assert answer_tokens(4096, None) == 4096 and answer_tokens(4096, 8192) == 2048 and answer_tokens(512, 8192) == 512
    assert tool_output_chars(8000, None) == 8000 and tool_output_chars(8000, 8192) == 8192 * CHARS_PER_TOKEN // 8
    assert request_chars(None, 4096) is None
    assert request_chars(8192, 512, [{"x": "y" * 1000}]) == (8192 - 512) * CHARS_PER_TOKEN - len('[{"x": "' + "y" * 1000 + '"}]')


def test_a_conversation_that_fits_is_sent_as_it_is():
    messages = loop(3, 100)
    assert fit(messages, None) is messages and fit(messages, 10**6) is messages


def test_older_results_are_shortened_first_and_the_newest_is_kept_whole():
    messages = loop(4, 3000)
    fitted = fit(messages, size(messages) - 5000)
    results = [m for m in fitted if isinstance(m, ToolMessage)]
    assert len(results) == 4  # no turn dropped: shortening was enough
    assert "shortened to fit" in results[0].content and results[-1].content == messages[-1].content
    assert messages[3].content.startswith("result 0") and "shortened" not in messages[3].content  # the caller's list is unchanged


def test_older_turns_go_with_their_results_and_the_question_and_the_last_turn_stay():
    messages = loop(12, 600)
    budget = 2500
    fitted = fit(messages, budget)
    assert size(fitted) <= budget
    assert fitted[0] is messages[0] and fitted[1] is messages[1]  # the instructions and the question
    assert fitted[-2] is messages[-2] and fitted[-1].tool_call_id == "c11"  # the last call and its result
    assert repair_pairing(fitted) == fitted  # every call still answered by one result, no orphans


def test_tools_go_into_the_prompt_and_the_conversation_alternates():
    definition = {"type": "function", "function": {"name": "describe", "description": "Describe one object. Long text.",
                                                   "parameters": {"properties": {"kind": {"type": "string"},
                                                                                 "name": {"type": "string"}},
                                                                  "required": ["kind"]}}}
    section = tools_section([definition])
    assert "- describe(kind: string, name?: string): Describe one object." in section and '"arguments"' in section
    plain = plain_conversation(loop(2, 10) + [HumanMessage("report now")], section, ask="answer as JSON")
    kinds = [type(m).__name__ for m in plain]
    assert kinds == ["HumanMessage", "AIMessage", "HumanMessage", "AIMessage", "HumanMessage"]  # user first, alternating
    assert plain[0].content.startswith("instructions") and plain[0].content.endswith("why is api down?")
    assert section in plain[0].content
    assert plain[1].content == '{"name": "describe", "arguments": {"n": 0}}' and not plain[1].tool_calls
    assert plain[2].content.startswith("Tool result for your call of describe:\nresult 0")
    assert plain[-1].content.endswith("report now\n\nanswer as JSON")  # the last result and the ask in one user turn


def test_the_openai_provider_is_told_to_write_tools_as_text_by_the_settings():
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:1/v1", "OPENAI_API_KEY": "x"}
    assert not build_model("openai", "m", env, LlmSettings()).text_tools
    handle = build_model("openai", "m", env, LlmSettings(openai_tool_calling="prompt", context_tokens=8192))
    assert handle.text_tools and handle.model.max_tokens == 2048


class OneTool:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def start_numbering_at(self, count: int) -> None:
        pass

    def read_only_tools(self, server: str) -> list:
        schema = {"type": "object", "properties": {"kind": {"type": "string"}, "name": {"type": "string"}},
                  "required": ["kind", "name"]}
        return [StructuredTool.from_function(lambda **_: "", name="describe", description="Describe one object.",
                                             args_schema=schema)]

    async def call(self, agent, server, tool, args, brain="offline") -> ToolOutcome:
        self.calls.append(args)
        data = {"items": ["x" * 400] * 40}  # 16k characters: more than an eighth of the window
        return ToolOutcome(record=ToolCallRecord(id=f"ev-{len(self.calls)}", agent=agent, server=server, tool=tool,
                                                 args=args, brain=brain, excerpt="x"), data=data)


def test_a_text_tools_model_is_sent_no_tools_and_reads_results_cut_to_its_window():
    def prose_model(messages, bound):
        assert bound == []  # nothing bound, the report neither: it is asked for in words, with its schema
        assert isinstance(messages[0], HumanMessage) and "# Calling tools" in messages[0].content
        assert not any(isinstance(m, (SystemMessage, ToolMessage)) for m in messages)
        if len(messages) == 1:
            return answer(text='{"name": "describe", "arguments": {"kind": "Pod", "name": "api"}}')
        assert len(messages[-1].content) < 8192 * CHARS_PER_TOKEN // 8 + 200  # the result cut to an eighth
        if "FindingsReport" in messages[-1].content:  # the report is asked for with its schema written out
            return answer(text='{"name": "FindingsReport", "arguments": {"findings": []}}')
        return answer(text="api is fine")

    model = ScriptedChatModel(respond=prose_model)
    settings = LlmSettings(openai_tool_calling="prompt", context_tokens=8192)
    brain = make_llm_brain("openai", model=ModelHandle("openai", "m", model, text_tools=True), settings=settings)
    tools = OneTool()
    state = Investigation(incident=Incident(id="i", title="t", started_at=NOW, window_start=NOW, window_end=NOW))
    result = asyncio.run(brain.investigate(Task(agent="kubernetes", target="shop/Pod/api", question="why"), state, tools))
    assert tools.calls == [{"kind": "Pod", "name": "api"}] and [r.tool for r in result.records] == ["describe"]
    assert "offline" not in " ".join(brain.take_spend().notes)
