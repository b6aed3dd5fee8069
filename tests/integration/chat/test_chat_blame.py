"""Blame questions about an object that turns out fine, on a blind set's world (lakeshore, scenarios_heldout5 lh24:
terminology's CPU limit slows records-api; an unrelated pod elsewhere fails with CreateContainerConfigError). With
nothing diagnosed yet, "is ehr-db to blame for the slowness?" investigates ehr-db, finds it fine, and then the
conversation's object -- not the worst problem in the cluster, which is the distractor."""

from __future__ import annotations

from pathlib import Path

import pytest

from sre_agent.lab.lab import Lab
from sre_agent.lab.scenarios.loader import load_scenarios
from sre_agent.lab.world.images import load_catalog

from .conftest import Chat, text_of

SET_DIR = Path(__file__).resolve().parents[3] / "sre_agent" / "eval" / "scenarios_heldout5"


@pytest.fixture(scope="module")
def chat(tmp_path_factory):
    lab = Lab(history_minutes=60).start()  # an hour of history holds the CPU limit change (the lab's 3 h is only slower)
    lab.load(load_scenarios(load_catalog(), [SET_DIR])["lh24-why-records-api-slow"])
    session = Chat(lab, tmp_path_factory.mktemp("lh24"))
    yield session
    session.close()
    lab.stop()


def test_a_fine_blamed_object_hands_over_to_the_conversations_object_not_the_worst_problem(chat):
    chat.ask("what depends on terminology")
    verdict = chat.ask("is ehr-db to blame for the slowness?")
    assert verdict.headline.startswith("No") and "terminology" in text_of(verdict)
    assert "CreateContainerConfigError" not in text_of(verdict)
