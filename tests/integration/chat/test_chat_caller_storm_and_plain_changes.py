"""On a blind set's world (larchfield, scenarios_heldout50): a service slow because a caller's release multiplied its
requests is answered with the caller's release, whose undo is then pinned (lf07: the notifier's retries aimed at the
portal, read before as the portal's quota); an imperative change no form's pattern reads whole is read by the change
readers and pinned (lf04: "put cpu limit back to 1 and request 250m" had been "I could not read this as a change")."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import text_of

SET_DIR = Path(__file__).resolve().parents[3] / "sre_agent" / "eval" / "scenarios_heldout50"


@pytest.fixture(scope="module")
def storm(chat_on):
    return chat_on("lf07-customer-portal-latency", scenario_dirs=[SET_DIR])


@pytest.fixture(scope="module")
def throttled(chat_on):
    return chat_on("lf04-alert-evaluation-latency", scenario_dirs=[SET_DIR])


def test_a_portal_slow_under_a_callers_retry_storm_names_the_callers_release_and_pins_its_undo(storm):
    why = storm.ask("Why is the customer portal slow?")
    assert "bad_deploy_regression" in why.headline and "alert-notifier" in why.headline, text_of(why)
    assert "its usual requests" in why.headline, text_of(why)
    undo = storm.ask("undo the notifier rollout")
    assert undo.status == "approval_required" and undo.approval is not None, text_of(undo)
    assert undo.approval.tool == "rollout_undo" and undo.approval.args["name"] == "alert-notifier"


def test_a_change_said_in_plain_words_is_read_by_the_change_readers_and_pinned(throttled):
    throttled.ask("alert eval latency alarm, rules engine slow why")
    put = throttled.ask("put cpu limit back to 1 and request 250m")
    assert put.status == "approval_required" and put.approval is not None, text_of(put)
    args = put.approval.args
    assert args["name"] == "rules-engine" and args["limits"] == {"cpu": "1"} and args["requests"] == {"cpu": "250m"}
