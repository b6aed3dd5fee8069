"""The second blind held-out scenario set (sre_agent/eval/scenarios_heldout2) stays loadable and its
per-scenario image blocks stay copies of images.yml (a world file cannot carry images, so every
scenario repeats them; sre_agent/eval/scenario_images.py writes them)."""

from __future__ import annotations

import shutil
from pathlib import Path

from sre_agent.contracts import RootCauseCategory
from sre_agent.eval import scenario_images
from sre_agent.lab.scenarios.loader import load_scenarios
from sre_agent.lab.world.images import load_catalog

SET_DIR = Path(__file__).resolve().parents[3] / "sre_agent" / "eval" / "scenarios_heldout2"



def test_every_scenario_loads_with_its_references_checked():
    loaded = load_scenarios(load_catalog(), [SET_DIR])
    assert len(loaded) == 18
    assert all(item.scenario.cluster.world == "tidewater" for item in loaded.values())
    no_fault = sorted(sid for sid, item in loaded.items() if item.scenario.truth.category == RootCauseCategory.NONE)
    assert no_fault == ["tw17-ingest-surge-passed", "tw18-booking-after-scale-down"]
    questions = sorted(sid for sid, item in loaded.items() if item.scenario.alarm is None)
    assert questions == ["tw07-broker-fourth-replica-missing", "tw16-invoice-export-manual-run",
                         "tw18-booking-after-scale-down"]


def test_image_blocks_match_images_yml(tmp_path):
    copy = tmp_path / "set"
    shutil.copytree(SET_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert scenario_images.sync(copy) == [], "after editing images.yml: python -m sre_agent.eval.scenario_images <set dir>"
