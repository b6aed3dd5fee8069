"""'then why are the old pods fine', 'it used to roll out fine tho': the pods that work run the template from before the
latest rollout, the ones in trouble run what it changed -- that change is the answer."""

from __future__ import annotations

import pytest

from sre_agent.chat.understand.forms import recognise


@pytest.mark.parametrize("question", [
    "then why are the old pods fine",
    "why are the old ones fine",
    "why are only the new pods failing",
    "it used to roll out fine tho",
    "why do the other replicas still work",
])
def test_what_tells_working_pods_from_broken_ones_is_asked(question):
    assert recognise(question).form == "old_and_new"


@pytest.mark.parametrize("question, form", [
    ("why are the pods pending", "why_failing"),
    ("are the other apps that use the cache broken too", "impact"),
])
def test_neighbours_keep_their_forms(question, form):
    assert recognise(question).form == form


def test_the_update_strategy_says_why_some_or_all_pods_went_down():
    from sre_agent.chat.answer.old_and_new import update_strategy
    assert update_strategy({"strategy": {"type": "Recreate"}}).startswith("strategy Recreate: every old pod is stopped")
    assert update_strategy({"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}}).startswith(
        "strategy RollingUpdate (maxUnavailable 1, maxSurge 25%): the old pods keep serving")
    assert update_strategy({}) == ""


def test_why_not_all_or_why_all_is_read_as_old_and_new():
    from sre_agent.chat.understand.forms import recognise
    for question in ("why didnt the whole gate api go down then", "why didnt both pods go down",
                     "why are all 3 down at once and not just the first new one"):
        assert recognise(question).form == "old_and_new", question
