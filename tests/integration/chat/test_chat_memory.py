"""Chat over the incident memory, in the lab: after an alarm was investigated in the same state dir, "has search
broken before", "what did we do last time search was OOMKilled", "how often has it paged this month" answer from the
memory with the incident id; "remember that ..." keeps a fact, and a preference that forbids writes as a rule."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.app.runs import run_investigation
from sre_agent.eval.harness import sandbox_options, scenario_in_lab
from sre_agent.lab.lab import Lab
from sre_agent.lab.scenarios.loader import load_scenarios
from sre_agent.lab.world.images import load_catalog
from sre_agent.memory.store import SqliteMemory

from .conftest import Chat, text_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def remembered(tmp_path_factory):
    """A lab on oom-killed whose alarm was investigated (diagnosis only) in the chat's state dir."""
    state_dir = tmp_path_factory.mktemp("memory-chat")
    lab = Lab().start()
    loaded = load_scenarios(load_catalog())["oom-killed"]
    with scenario_in_lab(loaded, 60, lab) as (lab, incident):
        result, _ = asyncio.run(run_investigation(incident, sandbox_options(lab, state_dir, remediation="off",
                                                                            tracing_mode="off")))
        chat = Chat(lab, state_dir)
        yield chat, result, state_dir
        chat.close()
    lab.stop()


def test_has_it_happened_before_answers_from_the_memory_with_the_incident_id(remembered):
    chat, result, _ = remembered
    answer = chat.ask("has search broken before?")
    assert answer.form == "past_incidents"
    assert result.incident_id in answer.headline and "oom_killed on shop/Deployment/search" in answer.headline
    last_time = chat.ask("what did we do last time search was OOMKilled?")
    assert result.incident_id in last_time.headline
    monthly = chat.ask("how often has search paged this month")
    assert monthly.headline.startswith("1 past incident of") and "1 paged by an alarm" in monthly.headline


def test_a_fault_never_remembered_is_said_with_the_memorys_horizon(remembered):
    chat, _, _ = remembered
    answer = chat.ask("what did we do last time search had a bad image?")
    assert answer.headline.startswith("No past incident of") and "bad_image" in answer.headline
    assert "holds only what this responder investigated" in answer.headline
    assert "oom_killed" in text_of(answer)  # what it does remember of search, beside


def test_remember_keeps_a_fact_and_a_rule(remembered):
    chat, _, state_dir = remembered
    fact = chat.ask("remember that search belongs to the discovery team")
    assert fact.form == "remember" and fact.headline.startswith("Remembered fact-")
    rule = chat.ask("note: never restart search during business hours")
    assert rule.form == "remember" and "a rule the remediation policy enforces" in text_of(rule)
    store = SqliteMemory(state_dir / "memory.sqlite")
    facts = {f.text: f for f in store.facts()}
    store.close()
    assert facts["search belongs to the discovery team"].forbid == []
    kept = facts["never restart search during business hours"]
    assert kept.resource == "search" and "rollout_restart" in kept.forbid and kept.window.days == [0, 1, 2, 3, 4]
