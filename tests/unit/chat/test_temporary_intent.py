"""A note that says how its own state is undone ("scale back to 3 after the retrain") marks it temporary: the request
that follows the note is pinned (a human approves); one that goes elsewhere, or a note that says "do not", is refused."""

from __future__ import annotations

import pytest

from sre_agent.chat.act.guards import _note_asks_for

PAUSED = "INC-3317 spam wave: moderation paused while the model is retrained; scale back to 3 after the retrain (d.o)"
DECOMMISSIONED = "CHG-2291 step 3 (planned): scaled to 0 -- do not scale up; scale back to 2 only if rolled back"


@pytest.mark.parametrize("note, tool, question, follows", [
    (PAUSED, "scale", "scale it back to 3", True),
    (PAUSED, "scale", "ok scale comment-moderation to 3 replicas", True),
    (PAUSED, "scale", "scale it to 5", False),  # not what the note says
    (DECOMMISSIONED, "scale", "scale it back to 2", False),  # the note says do not
    ("paused for the migration; resume once INC-12 is closed", "resume_cronjob", "resume it", True),
    ("cordoned for CHG-4471 kernel patch; do not uncordon before the drain", "uncordon", "uncordon it", False),
])
def test_a_request_that_follows_the_note(note, tool, question, follows):
    assert _note_asks_for(note, tool, question) is follows


@pytest.mark.parametrize("question, resumes", [
    ("ok set suspend false on newsletter-sender", True), ("patch it with suspend: false", True),
    ("set suspend to false", True), ("resume it", True), ("suspend the sender", False), ("is it suspended", False),
])
def test_suspend_false_said_any_way_is_a_resume(question, resumes):
    from sre_agent.chat.act.plans import RESUMING
    assert bool(RESUMING.search(question)) is resumes


@pytest.mark.parametrize("desired, cap, refused", [(7, 10, True), (10, 10, False), (None, 10, False)])
def test_a_higher_max_for_an_autoscaler_below_its_cap_is_said_not_pinned(desired, cap, refused):
    from sre_agent.chat.act.hpa_plans import below_its_cap, hpa_change
    hpa = {"name": "cms-web", "namespace": "cms", "target": "Deployment/cms-web", "min": 2, "max": cap, "current": 5,
           "desired": desired}
    plan = hpa_change("bump the cms-web HPA max to 20", hpa)
    said = below_its_cap(plan, hpa)
    assert (said is not None) is refused
    if refused:
        assert "wants 7 replicas (runs 5) of its max 10" in said
