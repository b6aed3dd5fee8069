"""Keys and kinds on a blind set's world (marrowby, scenarios_heldout34): a variable set on a workload whose pods read it
from a ConfigMap is that ConfigMap's edit, with the restart after it -- never an env override on another workload whose
name shares a word of the key (mb06: ENGINE_TIMEOUT_MS in journey-planner-config, beside journey-engine); a LimitRange
is an object chat lists, describes by its defaults and finds when the question says its kind (mb02)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import text_of

SET_DIR = Path(__file__).resolve().parents[3] / "sre_agent" / "eval" / "scenarios_heldout34"


@pytest.fixture(scope="module")
def chat(chat_on):
    return chat_on("mb06-journey-planner-5xx", scenario_dirs=[SET_DIR])


@pytest.fixture(scope="module")
def ranged(chat_on):
    return chat_on("mb02-disruption-push-restarts", scenario_dirs=[SET_DIR])


def test_a_variable_read_from_a_configmap_is_set_there_and_its_reader_restarted(chat):
    pinned = chat.ask("set ENGINE_TIMEOUT_MS back to 5000 and restart journey planner")
    assert pinned.status == "approval_required" and pinned.approval is not None, text_of(pinned)
    assert pinned.approval.resource == "planner/ConfigMap/journey-planner-config"
    assert "journey-engine" not in text_of(pinned)
    assert any("rollout restart deployment/journey-planner" in d for d in pinned.details), pinned.details


def test_a_limitrange_is_described_by_its_defaults_and_found_by_its_kind(ranged):
    described = ranged.ask("describe limitrange -n notify")
    assert described.resources == ["notify/LimitRange/notify-defaults"], text_of(described)
    assert any("limits[0].default.memory: 128Mi" in d for d in described.details), described.details
    asked = ranged.ask("What does the LimitRange in notify set?")
    assert asked.resources == ["notify/LimitRange/notify-defaults"], text_of(asked)


def test_a_key_reverted_with_no_object_is_its_configmaps_never_a_rollback_of_the_conversations_workload(chat):
    chat.ask("why is journey planner failing")
    said = chat.ask("revert STOP_ALIASES_VERSION")
    assert said.approval is None or said.approval.tool != "rollout_undo", text_of(said)
    assert said.resources and "/ConfigMap/" in said.resources[0], text_of(said)
