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
