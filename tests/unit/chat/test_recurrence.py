"""'will it happen again at the evening peak', 'what happens to the other pods when their node goes away', 'once it is
resumed will the errors stop on their own': what comes next, read from the investigation's cause and fix -- a cause in
place recurs with every pod that meets it, a load-brought one with the load, an action said is checked against the fix."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer import recurrence
from sre_agent.chat.ask import Ask
from sre_agent.chat.models import Answer
from sre_agent.chat.understand.forms import recognise

FIX = ("Fix shop/Deployment/checkout: resume the paused rollout so its pods take the new template -- "
       "`kubectl -n shop rollout resume deployment/checkout`")


@pytest.mark.parametrize("question", [
    "will this happen again tomorrow morning",
    "is it going to bite us at the next cert rotation",
    "will other new deployments in that namespace hit the same thing",
    "what will happen to the remaining pods when the old nodes go away",
    "what happens if the two healthy pods get rescheduled",
    "once it's resumed will the errors stop on their own",
    "will the crashes go away by themselves",
])
def test_questions_about_what_comes_next_are_read_as_such(question):
    assert recognise(question).form == "will_recur"


@pytest.mark.parametrize("question", [
    "when will the alarm clear on its own",  # the alarm's own window: the alarms form
    "will the job run again on its own",  # the Job controller: job_retries
    "would restarting it fix it",  # a remedy asked: restart_would_help
])
def test_neighbouring_questions_keep_their_own_forms(question):
    assert recognise(question).form != "will_recur"


def _run(question: str, category: str, culprit: str = "shop/Deployment/checkout", fixes: tuple[str, ...] = (FIX,),
         monkeypatch=None, summary: str = "the pods run the old template") -> Answer:
    """The handler's reading of `question` over an investigation that found `category` on `culprit` with `fixes`."""
    async def investigated(ask: Ask, verdict) -> Answer:
        return ask.answer(verdict(category, culprit, ask.resource or culprit, summary),
                          status="answered", next_steps=list(fixes))

    async def named(ask: Ask) -> None:
        ask.resource = ask.resource or "shop/Deployment/checkout"
    monkeypatch.setattr(recurrence, "by_investigation", investigated)
    monkeypatch.setattr(recurrence, "subject_named", named)
    ask = Ask(question=question, recognised=recognise(question), tools=None, focus=["shop/Deployment/checkout"])
    return asyncio.run(recurrence.will_recur(ask))


@pytest.mark.parametrize("question, category, starts", [
    ("will this happen again at the evening peak", "bad_deploy_regression", "Yes: until the cause is fixed"),
    ("will this happen again at the evening peak", "cpu_throttling", "Yes: whenever the load comes back"),
    ("will this happen again at the evening peak", "memory_leak", "Yes: new pods start with fresh memory"),
    ("will this happen again at the evening peak", "none", "Not from anything found now"),
    ("will the errors stop on their own", "stale_credential", "No: not on its own"),
    ("will the errors stop on their own", "none", "Yes: nothing is wrong"),
    # an action said: pods made again meet the same cause, whatever is asked of them
    ("will it happen again if we just restart it", "missing_config_ref", "Yes: pods made again"),
    ("what happens to the other pods if their node is drained", "bad_deploy_regression", "Pods made again"),
    ("will the errors stop if we restart it", "missing_config_ref", "No: recreated pods"),
    # an action that is the fix found, or is not
    ("once it's resumed will the errors stop on their own", "bad_deploy_regression", "Yes: that is the fix"),
    ("will it happen again once it's resumed", "bad_deploy_regression", "No once that is done: that is the fix"),
    ("once it's rolled back will the errors stop", "bad_deploy_regression", "Not by itself: the fix the investigation"),
])
def test_the_verdict_follows_the_cause_and_the_action_said(question, category, starts, monkeypatch):
    answer = _run(question, category, monkeypatch=monkeypatch)
    assert answer.headline.startswith(starts), answer.headline
    if category != "none" and not starts.startswith(("Yes: that", "Not by", "No once")):
        assert f"{category} on shop/Deployment/checkout" in answer.headline


STALE = ("Secret payments-token changed at 2026-11-27T11:01:00Z, after 3 of 3 of shop/Deployment/checkout's pods started "
         "-- they still hold the old value -- and its logs say: 401")
ROTATED_WHERE_CHECKED = "checkout's logins are refused with the credential in Secret payments-token, which nobody changed"


@pytest.mark.parametrize("question, summary, starts", [
    ("will it happen again if we restart the pods", STALE, "No: the running pods hold the value they started with"),
    ("will this bite us at the next token rotation", STALE, "Yes: at every change of it whose readers are not restarted"),
    # rotated where it is checked: new pods present the same refused value
    ("will it happen again if we restart the pods", ROTATED_WHERE_CHECKED, "Yes: pods made again"),
])
def test_pods_holding_an_old_value_are_cleared_by_new_pods_and_nothing_else_is(question, summary, starts, monkeypatch):
    answer = _run(question, "stale_credential", monkeypatch=monkeypatch, summary=summary)
    assert answer.headline.startswith(starts), answer.headline


@pytest.mark.parametrize("question, fixes, starts", [
    # the action said is the fix found: its verb is in the fix step
    ("if we only suspend the cronjob does the portal come back",
     ("Fix ops/CronJob/reconcile: suspend it until its schedule is fixed -- `kubectl patch cronjob reconcile`",), "Yes: that is"),
    ("will removing the taint by hand fix it for good", (FIX,), "Not by itself: the fix the investigation found is another"),
])
def test_an_action_said_in_any_words_is_checked_against_the_fix(question, fixes, starts, monkeypatch):
    assert recognise(question).form == "will_recur"
    answer = _run(question, "bad_deploy_regression", fixes=fixes, monkeypatch=monkeypatch)
    assert answer.headline.startswith(starts), answer.headline
