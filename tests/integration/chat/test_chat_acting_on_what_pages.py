"""A request to act on what pages, asked first in a conversation, on a blind set's world (saltmarsh, scenarios_heldout32
sm06: captain-sms's vendor answers 429 Too Many Requests, nothing in the cluster is at fault): the undo asked for is
checked against the workload's own investigation and refused with the vendor's line; a scale is pinned (a human may
know better) with that line beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import text_of

SET_DIR = Path(__file__).resolve().parents[3] / "sre_agent" / "eval" / "scenarios_heldout32"


@pytest.fixture(scope="module")
def chat(chat_on):
    return chat_on("sm06-captain-sms-throughput", scenario_dirs=[SET_DIR])


def test_a_change_of_the_paging_workload_whose_calls_fail_outside_is_said_then_pinned_with_why_when_asked_anyway(chat):
    undo = chat.ask("roll back captain-sms to 1.12.0")
    assert undo.status == "answered" and undo.headline.startswith("Not pinned"), text_of(undo)
    assert "outside the cluster" in undo.headline and "429" in text_of(undo)
    # more replicas do not change what the provider answers: said, not pinned -- and pinned, with why, once asked anyway
    scale = chat.ask("scale captain sms to 8 so it sends faster")
    assert scale.status == "answered" and scale.headline.startswith("Not pinned") and "429" in text_of(scale), text_of(scale)
    anyway = chat.ask("scale captain sms to 8 anyway")
    assert anyway.status == "approval_required", text_of(anyway)
    assert any(d.startswith("note: ") and "429" in d for d in anyway.details), anyway.details
