"""Each scenario of the second blind held-out set, loaded in a real lab, shows its alarm in the
state its author intended: ALARM for the alarmed faults, OK for the burst that was served fine --
so a lab change cannot silently turn the set into scenarios without a symptom."""

from __future__ import annotations

from pathlib import Path

import pytest

from sre_agent.lab.lab import Lab
from sre_agent.lab.scenarios.loader import load_scenarios
from sre_agent.lab.world.images import load_catalog

SET_DIR = Path(__file__).resolve().parents[3] / "sre_agent" / "eval" / "scenarios_heldout2"
ALARMED = sorted(sid for sid, item in load_scenarios(load_catalog(), [SET_DIR]).items() if item.scenario.alarm)


@pytest.fixture(scope="module")
def lab():
    with Lab(scenario_dirs=[SET_DIR]) as shared:  # reset per scenario: one lab start for the set
        yield shared


@pytest.mark.slow
@pytest.mark.parametrize("scenario_id", ALARMED)
def test_alarm_state_at_load(lab, scenario_id):
    if lab.scenario is not None:
        lab.reset()
    loaded = lab.load(scenario_id)
    expected = "OK" if loaded.scenario.truth.category == "none" else "ALARM"
    assert lab.alarm_state(loaded.scenario.alarm.name) == expected
