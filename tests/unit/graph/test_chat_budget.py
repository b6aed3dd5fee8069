"""A chat question whose run stops early (a spent LLM budget above all) is answered, saying why --
it never pages anyone; an alarm's run in the same spot is escalated."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from sre_agent.contracts import Incident
from sre_agent.graph.report import finish
from sre_agent.graph.state import Investigation
from sre_agent.graph.supervisor import next_step

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SPENT = "token budget spent (200500 > 200000); escalating with what is known"


def spent(source: str) -> Investigation:
    incident = Incident(id="i", title="why is checkout slow?", source=source, started_at=NOW, window_start=NOW,
                        window_end=NOW, question="why is checkout slow?" if source == "chat" else None)
    return Investigation(incident=incident, escalation_reason=SPENT)


@pytest.mark.parametrize("source, step", [("chat", "finish"), ("alarm", "escalate")])
def test_a_spent_budget_escalates_an_alarm_but_only_ends_a_chat_question(source, step):
    assert next_step(spent(source)) == step


def test_the_chat_answer_says_the_budget_ran_out():
    events: list[dict] = []
    runtime = SimpleNamespace(context=SimpleNamespace(started=0.0), stream_writer=events.append)
    update = asyncio.run(finish(spent("chat"), runtime))
    assert update["answer"].startswith(f"Stopped early ({SPENT})")
    assert update["status"] != "escalated"
