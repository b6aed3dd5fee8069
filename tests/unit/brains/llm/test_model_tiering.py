"""Model tiering: a small model routes (llm.triage_model), a strong one investigates and concludes
(llm.diagnosis_model); which model answered which step is in the spend, the notes and the result."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from llm_fakes import ScriptedChatModel, always_failing, answer, call, structured

from sre_agent.brains.llm.factory import make_llm_brain
from sre_agent.brains.llm.providers import ProviderConfigError
from sre_agent.brains.llm.settings import LlmSettings
from sre_agent.contracts import Incident, ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from sre_agent.graph.state import Investigation

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
ENV = {"OPENAI_BASE_URL": "http://127.0.0.1:1/v1", "OPENAI_API_KEY": "x"}


def state() -> Investigation:
    return Investigation(incident=Incident(id="i", title="api 5xx", started_at=NOW, window_start=NOW, window_end=NOW,
                                           affected=["shop/Deployment/api"]))


def router(messages, bound):
    return structured("RouteDecision", agent="kubernetes", target="shop/Deployment/api", question="why 5xx",
                      reason="the alarm's workload", done=False)


def investigator(messages, bound):
    if bound == ["FindingsReport"]:
        return structured("FindingsReport", findings=[])
    return answer(call("describe", kind="Deployment", name="api", namespace="shop")) if len(messages) < 3 else \
        answer(text="nothing wrong")


class Tools:
    def start_numbering_at(self, count: int) -> None:
        pass

    def read_only_tools(self, server: str) -> list:
        from langchain_core.tools import StructuredTool

        return [StructuredTool.from_function(lambda **_: "", name="describe", description="describe",
                                             args_schema={"type": "object", "properties": {}})]

    async def call(self, agent, server, tool, args, brain="offline") -> ToolOutcome:
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, args=args,
                                                 brain=brain, excerpt="{}"), data={})


def test_the_small_model_routes_and_the_strong_one_investigates():
    small = ScriptedChatModel(respond=router, model_id="small")
    strong = ScriptedChatModel(respond=investigator, model_id="strong")
    brain = make_llm_brain("openai", model=strong, triage=small, settings=LlmSettings())
    run = state()

    async def go():
        task = await brain.next_task(run)
        return task, await brain.investigate(task, run, Tools())

    task, result = asyncio.run(go())
    assert (task.agent, task.target) == ("kubernetes", "shop/Deployment/api")
    assert len(small.log) == 1 and strong.log and result.records
    spend = brain.take_spend()
    by_model = {m.model: m for m in spend.by_model}
    assert by_model["openai:small"].steps == ["supervisor"] and by_model["openai:small"].calls == 1
    assert by_model["openai:strong"].steps == ["kubernetes"] and by_model["openai:strong"].calls == len(strong.log)
    assert sum(m.input_tokens for m in spend.by_model) == spend.input_tokens


def test_a_routing_model_that_is_down_gives_way_to_the_diagnosis_model():
    small = ScriptedChatModel(respond=always_failing(RuntimeError("503 Service Unavailable")), model_id="small")
    strong = ScriptedChatModel(respond=router, model_id="strong")
    brain = make_llm_brain("openai", model=strong, triage=small, settings=LlmSettings(retries=0, backoff_s=0))
    task = asyncio.run(brain.next_task(state()))
    assert task is not None and task.agent == "kubernetes" and len(strong.log) == 1
    assert any("using openai:strong for the rest of the run" in n for n in brain.take_spend().notes)


def test_the_tiers_come_from_the_settings_as_provider_and_model():
    settings = LlmSettings(openai_model="big", triage_model="openai:tiny", diagnosis_model="huge")
    brain = make_llm_brain("openai", settings=settings, env=ENV)
    assert [m.label for m in brain.triage_chain.models] == ["openai:tiny", "openai:huge"]
    assert [m.label for m in brain.chain.models] == ["openai:huge"]  # llm.diagnosis_model over llm.openai_model
    one = make_llm_brain("openai", settings=LlmSettings(openai_model="big", triage_model="big"), env=ENV)
    assert one.triage_chain is one.chain  # the same model twice is one model


def test_a_tier_that_cannot_be_built_says_which_setting():
    with pytest.raises(ProviderConfigError, match=r"llm\.triage_model='anthropic:claude-haiku-4-5'.*ANTHROPIC_API_KEY"):
        make_llm_brain("openai", settings=LlmSettings(openai_model="big", triage_model="anthropic:claude-haiku-4-5"),
                       env=ENV)
