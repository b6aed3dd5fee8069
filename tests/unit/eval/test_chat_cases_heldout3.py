"""The third blind chat case set (sre_agent/eval/chat_cases_heldout3) loads and is well formed: every file is
a WorldCases over a northwind scenario that exists, and every turn checks something. Runs no lab and no chat."""

from __future__ import annotations

from pathlib import Path

import pytest

from sre_agent.eval.chat_eval import WorldCases, load_cases

ROOT = Path(__file__).resolve().parents[3]
CASES = ROOT / "sre_agent" / "eval" / "chat_cases_heldout3"
SCENARIOS = ROOT / "sre_agent" / "eval" / "scenarios_heldout"
# The statuses a chat answer can have, as the case writers were told them (the brief, not the chat code).
STATUSES = {"answered", "problems", "healthy", "unknown", "needs_llm", "approval_required", "needs_subject"}


@pytest.fixture(scope="module")
def worlds() -> list[WorldCases]:
    return load_cases(CASES)


def test_one_file_per_existing_scenario(worlds: list[WorldCases]) -> None:
    files = sorted(p.stem for p in CASES.glob("*.yaml"))
    assert [w.scenario for w in worlds] == files
    missing = [w.scenario for w in worlds if not (SCENARIOS / f"{w.scenario}.yaml").is_file()]
    assert missing == []


def test_every_turn_checks_something_and_names_known_statuses(worlds: list[WorldCases]) -> None:
    for world in worlds:
        ids = [c.id for c in world.conversations]
        assert len(ids) == len(set(ids)), world.scenario
        for conversation in world.conversations:
            for turn in conversation.turns:
                assert turn.ask.strip(), (world.scenario, conversation.id)
                assert turn.must or turn.must_not or turn.status, (world.scenario, conversation.id, turn.ask)
                assert set(turn.status) <= STATUSES, (world.scenario, turn.ask, turn.status)
                assert not set(map(str.lower, turn.must)) & set(map(str.lower, turn.must_not)), turn.ask


def test_size_and_shape_of_the_set(worlds: list[WorldCases]) -> None:
    turns = [t for w in worlds for c in w.conversations for t in c.turns]
    assert len(worlds) >= 12
    assert len(turns) >= 60
    assert sum(len(c.turns) > 1 for w in worlds for c in w.conversations) >= len(worlds)
    statuses = {s for t in turns for s in t.status}
    assert {"approval_required", "needs_subject", "needs_llm", "healthy"} <= statuses
