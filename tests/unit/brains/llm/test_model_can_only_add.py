"""A model can only add: its conclusion, weighed against the offline brain's on the same evidence, gives way when it
is the weaker (no fault where the analysis found one; a root resource this run found nothing wrong with); a "done"
before the alarm's own evidence was gathered is overruled; past its deadline the offline brain answers the rest. The
report says which brain decided."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from llm_fakes import ScriptedChatModel, structured

from sre_agent.app.intake import incident_from_alarm
from sre_agent.brains.llm.arbiter import required_first, weaker
from sre_agent.brains.llm.factory import make_llm_brain
from sre_agent.brains.llm.settings import LlmSettings
from sre_agent.contracts import Diagnosis, Finding, RootCauseCategory, ToolCallRecord
from sre_agent.graph.state import Investigation, Task

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
API = "shop/Deployment/api"
ALARM = {"AlarmName": "api-5xx", "NewStateValue": "ALARM", "StateChangeTime": NOW.isoformat(),
         "Trigger": {"MetricName": "5xxCount", "Dimensions": [{"name": "Namespace", "value": "shop"},
                                                              {"name": "Service", "value": "api"}]}}
C = RootCauseCategory


def investigated() -> Investigation:
    """An alarm on shop/Service/api whose Deployment cannot pull its image: what the analysis calls bad_image."""
    state = Investigation(incident=incident_from_alarm(ALARM, NOW), started_epoch=time.time())
    record = ToolCallRecord(id="ev-1", agent="kubernetes", server="kubernetes", tool="describe", excerpt="ErrImagePull")
    finding = Finding(agent="kubernetes", resource=API, signal="ImagePullBackOff", summary="api cannot pull its image",
                      evidence=["ev-1"], details={"image": "api:9.9"})
    tasks = [Task(agent="kubernetes", target=state.incident.affected[0], question="triage", reason="r"),
             Task(agent="metrics", target=state.incident.affected[0], question="alarm", reason="r")]
    return state.model_copy(update={"findings": [finding], "tool_calls": [record], "tasks": tasks})


@pytest.mark.parametrize(("model", "offline", "weaker_because"), [
    (Diagnosis(), Diagnosis(category=C.BAD_IMAGE, resource=API), "found no fault"),
    (Diagnosis(category=C.OOM_KILLED, resource="shop/Deployment/db"), Diagnosis(category=C.BAD_IMAGE, resource=API),
     "on which this run found nothing wrong"),
    (Diagnosis(category=C.OOM_KILLED, resource=API), Diagnosis(category=C.BAD_IMAGE, resource=API), None),  # grounded
    (Diagnosis(category=C.BAD_IMAGE, resource=API), Diagnosis(), None),  # the model found what the rules did not
])
def test_weaker_reads_only_the_runs_findings(model, offline, weaker_because):
    why = weaker(model, offline, investigated())
    assert (why is None) if weaker_because is None else (weaker_because in why)


def test_a_model_that_says_healthy_against_a_found_fault_is_overruled_and_the_result_says_who_decided():
    model = ScriptedChatModel(respond=lambda m, b: structured("DiagnosisAnswer", category="none", resource="",
                                                              summary="all good", confidence=0.9, evidence=[]))
    brain = make_llm_brain("bedrock", model=model, settings=LlmSettings())
    diagnosis, hypotheses = asyncio.run(brain.diagnose(investigated()))
    assert (diagnosis.category, diagnosis.resource) == (C.BAD_IMAGE, API)
    assert diagnosis.decided_by.startswith("offline (over the model: the model found no fault")
    assert any("decided by the offline brain" in n for n in brain.take_spend().notes)


def test_a_grounded_model_conclusion_stands():
    model = ScriptedChatModel(respond=lambda m, b: structured("DiagnosisAnswer", category="bad_image", resource=API,
                                                              summary="tag 9.9 was never pushed", confidence=0.9,
                                                              evidence=["ev-1"]))
    brain = make_llm_brain("bedrock", model=model, settings=LlmSettings())
    diagnosis, _ = asyncio.run(brain.diagnose(investigated()))
    assert diagnosis.summary == "tag 9.9 was never pushed" and diagnosis.decided_by.startswith("llm (")


def test_a_done_before_the_alarms_own_evidence_is_overruled():
    model = ScriptedChatModel(respond=lambda m, b: structured("RouteDecision", done=True))
    brain = make_llm_brain("bedrock", model=model, settings=LlmSettings())
    fresh = Investigation(incident=incident_from_alarm(ALARM, NOW), started_epoch=time.time())
    assert [(t.agent, t.target) for t in required_first(fresh)] == [("kubernetes", "shop/Service/api"),
                                                                   ("metrics", "shop/Service/api")]
    first = asyncio.run(brain.next_task(fresh))
    assert (first.agent, first.target) == ("kubernetes", "shop/Service/api")
    asked = fresh.model_copy(update={"tasks": [first]})
    assert (asyncio.run(brain.next_task(asked)).agent) == "metrics"
    assert asyncio.run(brain.next_task(investigated())) is None  # with its evidence gathered, "done" stands
    assert any("concluded before kubernetes looked at shop/Service/api" in n for n in brain.take_spend().notes)


def test_past_its_deadline_the_model_is_not_asked_and_the_offline_brain_finishes():
    model = ScriptedChatModel(respond=lambda m, b: structured("RouteDecision", done=True))
    brain = make_llm_brain("bedrock", model=model, settings=LlmSettings(run_deadline_s=30))
    late = investigated().model_copy(update={"started_epoch": time.time() - 60})
    task = asyncio.run(brain.next_task(late))
    diagnosis, _ = asyncio.run(brain.diagnose(late))
    assert model.log == [] and task is not None and diagnosis.decided_by == "offline"
    assert any("deadline (30s of the run) passed" in n for n in brain.take_spend().notes)


def test_nothing_checked_is_never_every_check_came_back_healthy():
    from sre_agent.brains.offline.brain import OfflineBrain

    nothing = Investigation(incident=incident_from_alarm(ALARM, NOW))  # a model ended it before any tool was called
    diagnosis, _ = asyncio.run(OfflineBrain().diagnose(nothing))
    assert "every check came back healthy" not in diagnosis.summary and diagnosis.confidence == 0.0
    assert "could not check kubernetes: no evidence was gathered from it" in diagnosis.summary


def test_a_call_in_flight_is_cut_at_the_models_deadline_and_not_retried():
    def hang(messages, bound):
        time.sleep(3)  # a slow local model: the answer comes after the deadline, if at all
        return structured("RouteDecision", done=True)

    brain = make_llm_brain("openai", model=ScriptedChatModel(respond=hang),
                           settings=LlmSettings(run_deadline_s=1.0, call_timeout_s=120, retries=2))
    fresh = Investigation(incident=incident_from_alarm(ALARM, NOW), started_epoch=time.time() - 0.5)
    async def timed():
        started = time.monotonic()
        task = await brain.next_task(fresh)
        return task, time.monotonic() - started

    task, took = asyncio.run(timed())  # (asyncio.run then waits for the abandoned call's thread: not counted)
    assert took < 2.5  # cut at the deadline, half a second in: not 3 x 120 s
    assert task is not None and task.agent == "kubernetes"  # the offline supervisor took the step
    assert any("cut at the model's deadline" in n for n in brain.take_spend().notes)
