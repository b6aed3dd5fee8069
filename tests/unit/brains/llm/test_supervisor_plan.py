"""The supervisor's plan: questions the model planned ahead are asked without a model call each,
until a finding names a resource no question targets; then the model is asked again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from llm_fakes import ScriptedChatModel, structured

from sre_agent.brains.llm.factory import make_llm_brain
from sre_agent.brains.llm.settings import LlmSettings
from sre_agent.contracts import Finding, Incident
from sre_agent.graph.state import Investigation, Task

TARGET = "shop/Deployment/api"


def _state() -> Investigation:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    return Investigation(incident=Incident(id="i", title="t", started_at=now, window_start=now - timedelta(hours=1), window_end=now))


def _question(agent: str, target: str = TARGET) -> dict:
    return {"agent": agent, "target": target, "question": f"what does {agent} show", "reason": "planned"}


def _plan(*then: dict, conclude_after: bool = False) -> ScriptedChatModel:
    first = _question("kubernetes")
    return ScriptedChatModel(
        respond=lambda m, b: structured("RouteDecision", done=False, **first, then=list(then), conclude_after=conclude_after)
    )


def _answered(state: Investigation, task: Task, *findings: Finding) -> Investigation:
    """The graph's part: the specialist answered the task with these findings."""
    return state.model_copy(update={"tasks": [*state.tasks, task], "findings": [*state.findings, *findings]})


def _finding(resource: str, severity: str = "critical") -> Finding:
    return Finding(agent="kubernetes", resource=resource, signal="ImagePullBackOff", summary="s", severity=severity)


def test_planned_questions_are_asked_in_turn_and_the_run_concludes_without_another_model_call():
    model = _plan(_question("metrics"), _question("runbooks"), conclude_after=True)
    brain = make_llm_brain("bedrock", model=model, settings=LlmSettings())
    state = _state()
    asked = []
    while (task := asyncio.run(brain.next_task(state))) is not None:
        asked.append(task.agent)
        state = _answered(state, task, _finding(TARGET))  # findings on a targeted resource change nothing
    assert asked == ["kubernetes", "metrics", "runbooks"]
    assert len(model.log) == 1
    assert any("planned to conclude" in note for note in brain.take_spend().notes)


def test_a_finding_on_a_resource_no_question_targets_sends_the_question_back_to_the_model():
    model = _plan(_question("metrics"), _question("logs"))
    brain = make_llm_brain("bedrock", model=model, settings=LlmSettings())
    state = _state()
    first = asyncio.run(brain.next_task(state))
    state = _answered(state, first, _finding("shop/Deployment/db", severity="info"))  # context is no lead
    second = asyncio.run(brain.next_task(state))
    assert second.agent == "metrics" and len(model.log) == 1
    state = _answered(state, second, _finding("shop/Service/db"))
    asyncio.run(brain.next_task(state))
    assert len(model.log) == 2  # the lead on shop/Service/db was not in the plan: the model is asked again
    assert any("a finding on shop/Service/db" in note for note in brain.take_spend().notes)


def test_a_plan_without_conclude_after_asks_the_model_once_its_questions_are_answered():
    model = _plan(_question("metrics"))
    brain = make_llm_brain("bedrock", model=model, settings=LlmSettings())
    state = _state()
    for _ in range(2):
        state = _answered(state, asyncio.run(brain.next_task(state)))
    assert [t.agent for t in state.tasks] == ["kubernetes", "metrics"] and len(model.log) == 1
    asyncio.run(brain.next_task(state))
    assert len(model.log) == 2


def test_an_invalid_planned_question_drops_the_rest_of_the_plan_but_not_the_first_question():
    model = _plan(_question("metrics"), _question("database"), _question("logs"), conclude_after=True)
    brain = make_llm_brain("bedrock", model=model, settings=LlmSettings())
    state = _state()
    first = asyncio.run(brain.next_task(state))
    assert first.agent == "kubernetes"
    assert any("dropped the rest" in note and "'database'" in note for note in brain.take_spend().notes)
    state = _answered(state, first)
    second = asyncio.run(brain.next_task(state))
    assert second.agent == "metrics"
    state = _answered(state, second)
    asyncio.run(brain.next_task(state))
    assert len(model.log) == 2  # no conclude_after from a broken plan: the model decides what follows
