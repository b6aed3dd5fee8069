"""'does anything need doing here', 'is that normal tho', 'should i kill the job': whether to act at all, from the
investigation -- nothing found wrong: leave it; a fault found: act, and its fix is the action."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer import act_or_wait
from sre_agent.chat.ask import Ask
from sre_agent.chat.models import Answer
from sre_agent.chat.understand.forms import recognise

FIX = "Fix ops/Deployment/api: raise its memory limit -- `kubectl -n ops set resources deployment/api --limits=memory=1Gi`"


@pytest.mark.parametrize("question, form", [
    ("does anything need doing here", "act_or_wait"),
    ("is that normal tho", "act_or_wait"),
    ("can we just leave it", "act_or_wait"),
    ("should i kill the bill run job", "act_or_wait"),
    ("is it ok", "status"),  # its state, not whether to act
    ("how do i fix it?", "fix_it"),
    ("is there anything to fix here", "fix_it"),
])
def test_whether_to_act_is_read_apart_from_the_fix_and_the_state(question, form):
    assert recognise(question).form == form


@pytest.mark.parametrize("question, category, starts", [
    ("does anything need doing here", "none", "No: nothing was found wrong"),
    ("does anything need doing here", "oom_killed", "Yes -- Fix ops/Deployment/api"),
    ("is that normal tho", "none", "Yes: nothing was found wrong"),
    ("is that normal tho", "oom_killed", "No: there is a fault to fix"),
])
def test_the_verdict_follows_what_the_investigation_found(question, category, starts, monkeypatch):
    async def investigated(ask: Ask, verdict) -> Answer:
        return ask.answer(verdict(category, "ops/Deployment/api", "ops/Deployment/api", "killed at 512Mi"),
                          status="answered", next_steps=[FIX] if category != "none" else [])

    async def named(ask: Ask) -> None:
        ask.resource = "ops/Deployment/api"
    monkeypatch.setattr(act_or_wait, "by_investigation", investigated)
    monkeypatch.setattr(act_or_wait, "subject_named", named)
    ask = Ask(question=question, recognised=recognise(question), tools=None, focus=["ops/Deployment/api"])
    answer = asyncio.run(act_or_wait.act_or_wait(ask))
    assert answer.headline.startswith(starts), answer.headline


@pytest.mark.parametrize("question, fine", [
    ("so nothing to do?", True), ("ok so nothing to change? confirm", True), ("no action needed?", True),
    ("is that normal", True), ("do we need to do anything about this", False), ("should i kill the stuck job", False),
])
def test_a_question_asked_as_all_is_well_swaps_the_yes_and_no(question, fine):
    from sre_agent.chat.answer.act_or_wait import FINE_ASKED
    assert bool(FINE_ASKED.search(question)) is fine
