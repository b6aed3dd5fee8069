"""The fourth blind chat case set loads, names real tidewater scenarios and asserts something per turn."""

from pathlib import Path

import pytest
import yaml

from sre_agent.eval.chat_eval import WorldCases

REPO = Path(__file__).resolve().parents[3]
CASES = REPO / "sre_agent" / "eval" / "chat_cases_heldout4"
SCENARIOS = REPO / "sre_agent" / "eval" / "scenarios_heldout2"
STATUSES = {"answered", "problems", "healthy", "unknown", "needs_llm", "approval_required", "needs_subject"}
CASE_FILES = sorted(CASES.glob("*.yaml"))


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_case_file_loads_and_every_turn_checks_something(path: Path) -> None:
    world = WorldCases.model_validate(yaml.safe_load(path.read_text()))
    assert world.scenario == path.stem
    assert (SCENARIOS / f"{world.scenario}.yaml").is_file()
    ids = [c.id for c in world.conversations]
    assert len(ids) == len(set(ids))
    for conversation in world.conversations:
        for turn in conversation.turns:
            assert turn.must or turn.must_not or turn.status, turn.ask
            assert set(turn.status) <= STATUSES, turn.status


def test_set_is_big_enough() -> None:
    worlds = [WorldCases.model_validate(yaml.safe_load(p.read_text())) for p in CASE_FILES]
    turns = sum(len(c.turns) for w in worlds for c in w.conversations)
    assert len(worlds) >= 12
    assert turns >= 60
