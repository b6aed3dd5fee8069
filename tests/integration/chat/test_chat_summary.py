"""A summary for the incident channel is of what pages, not of the last object asked about: in the catalog's
upstream-dependency-down (ledger scaled to 0, checkout's 5xx alarm firing), a conversation that asked about catalog
(healthy, innocent) and then asks for a summary gets the alarm's root cause, what it takes down, and the alarm."""

from __future__ import annotations

import pytest

from .conftest import text_of


@pytest.fixture(scope="module")
def chat(chat_on):
    return chat_on("upstream-dependency-down")


def test_a_summary_after_asking_about_an_innocent_object_is_the_pages_root_cause_its_reach_and_the_alarm(chat):
    chat.ask("is catalog ok")
    summary = chat.ask("summarize for the incident channel")
    assert summary.form == "compose" and summary.status == "problems", text_of(summary)
    assert "payments/Deployment/ledger" in summary.headline and "dependency_failure" in summary.headline
    reach = next(d for d in summary.details if d.startswith("reach: "))
    assert "checkout" in reach and "catalog" not in reach
    assert any("shop-checkout-5xx in ALARM" in d for d in summary.details), text_of(summary)
