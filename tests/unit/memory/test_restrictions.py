"""A team's preference read as a rule (which writes, when, on what), and the rule applied to a moment and an object."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sre_agent.contracts import ActionWindow, TeamFact
from sre_agent.memory.restrictions import read_restriction

RESTART = ["rollout_restart", "delete_pod"]


@pytest.mark.parametrize(("text", "forbid", "window", "target", "namespace"), [
    ("never restart ledger-db 09:00-18:00", RESTART, ("09:00", "18:00", 7, "UTC"), "ledger-db", None),
    ("Never restart the ledger-db pods during business hours", RESTART, ("09:00", "18:00", 5, "UTC"), "ledger-db", None),
    ("no rollbacks of payments in business hours (Europe/Berlin)", ["rollout_undo"],
     ("09:00", "18:00", 5, "Europe/Berlin"), "payments", None),
    ("no restarts of ledger-db between 9 and 6pm", RESTART, ("09:00", "18:00", 7, "UTC"), "ledger-db", None),
    ("don't scale anything on weekends", ["scale"], ("00:00", "24:00", 2, "UTC"), None, None),
    ("do not touch the billing namespace 10pm to 6am", ["*"], ("22:00", "06:00", 7, "UTC"), None, "billing"),
    ("never roll back search", ["rollout_undo"], None, "search", None),
])
def test_a_negative_preference_is_a_rule(text, forbid, window, target, namespace):
    rule = read_restriction(text)
    assert rule is not None and rule.forbid == forbid and rule.target == target and rule.namespace == namespace
    if window is None:
        assert rule.window is None
    else:
        assert (rule.window.start, rule.window.end, len(rule.window.days), rule.window.tz) == window


@pytest.mark.parametrize("text", ["payments belongs to the ledger team", "restart ledger-db only after 18:00 is fine",
                                  "no idea who owns checkout", "ledger-db is the primary; page #db-oncall"])
def test_a_fact_or_a_positive_sentence_forbids_nothing(text):
    assert read_restriction(text) is None


MON_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
MON_20 = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
SAT_10 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
TUE_03 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(("window", "moment", "covered"), [
    (ActionWindow(start="09:00", end="18:00", days=[0, 1, 2, 3, 4]), MON_10, True),
    (ActionWindow(start="09:00", end="18:00", days=[0, 1, 2, 3, 4]), MON_20, False),
    (ActionWindow(start="09:00", end="18:00", days=[0, 1, 2, 3, 4]), SAT_10, False),
    (ActionWindow(start="22:00", end="06:00", days=[0]), TUE_03, True),  # Monday night, past midnight
    (ActionWindow(start="22:00", end="06:00", days=[1]), TUE_03, False),
    (ActionWindow(start="09:00", end="18:00", tz="Asia/Tokyo"), MON_10, False),  # 19:00 in Tokyo
])
def test_a_window_covers_its_hours_on_its_days_in_its_zone(window, moment, covered):
    assert window.covers(moment) is covered


def test_a_rule_forbids_its_tools_on_its_scope_in_its_window():
    fact = TeamFact(id="fact-1", text="t", resource="ledger-db", created_at=MON_10, forbid=RESTART,
                    window=ActionWindow(start="09:00", end="18:00"))
    assert fact.forbids("rollout_restart", "payments/StatefulSet/ledger-db", MON_10)
    assert not fact.forbids("rollout_restart", "payments/StatefulSet/ledger-db", MON_20)  # outside its hours
    assert not fact.forbids("rollout_undo", "payments/StatefulSet/ledger-db", MON_10)  # another write
    assert not fact.forbids("rollout_restart", "payments/Deployment/ledger-api", MON_10)  # another object
    everything = TeamFact(id="fact-2", text="t", namespace="billing", created_at=MON_10, forbid=["*"])
    assert everything.forbids("scale", "billing/Deployment/x", SAT_10)
    assert not everything.forbids("scale", "shop/Deployment/x", SAT_10)
    assert not TeamFact(id="fact-3", text="plain fact", created_at=MON_10).forbids("scale", "a/Deployment/b", MON_10)
