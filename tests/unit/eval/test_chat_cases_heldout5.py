"""The fifth blind chat case set loads, names real larkspur scenarios and asserts something per turn."""

from pathlib import Path

import pytest
import yaml

from sre_agent.eval.chat_eval import WorldCases

REPO = Path(__file__).resolve().parents[3]
CASES = REPO / "sre_agent" / "eval" / "chat_cases_heldout5"
SCENARIOS = REPO / "sre_agent" / "eval" / "scenarios_heldout3"
STATUSES = {"answered", "problems", "healthy", "unknown", "needs_llm", "approval_required", "needs_subject"}
CASE_FILES = sorted(CASES.glob("*.yaml"))


def _load(path: Path) -> WorldCases:
    return WorldCases.model_validate(yaml.safe_load(path.read_text()))


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_case_file_loads_and_every_turn_checks_something(path: Path) -> None:
    world = _load(path)
    assert world.scenario == path.stem
    assert (SCENARIOS / f"{world.scenario}.yaml").is_file()
    ids = [c.id for c in world.conversations]
    assert len(ids) == len(set(ids))
    for conversation in world.conversations:
        for turn in conversation.turns:
            assert turn.must or turn.must_not or turn.status, turn.ask
            assert set(turn.status) <= STATUSES, turn.status
            # a fact the answer must hold cannot also be one it must never hold
            assert not {m.lower() for m in turn.must} & {m.lower() for m in turn.must_not}, turn.ask


def test_set_has_the_size_its_readme_states() -> None:
    worlds = [_load(p) for p in CASE_FILES]
    conversations = [c for w in worlds for c in w.conversations]
    turns = sum(len(c.turns) for c in conversations)
    assert (len(worlds), len(conversations), turns) == (17, 34, 128)
