"""The fourth blind held-out scenario set (sre_agent/eval/scenarios_heldout4, the meridian world)
stays loadable with every reference checked, keeps its mix of entries, and its per-scenario image
blocks stay copies of images.yml (a world file cannot carry images, so every scenario repeats them;
sre_agent/eval/scenario_images.py writes them)."""

from __future__ import annotations

import shutil
from pathlib import Path

from sre_agent.contracts import RootCauseCategory
from sre_agent.eval import scenario_images
from sre_agent.lab.scenarios.loader import load_scenarios
from sre_agent.lab.world.images import load_catalog

SET_DIR = Path(__file__).resolve().parents[3] / "sre_agent" / "eval" / "scenarios_heldout4"


def test_every_scenario_loads_with_its_references_checked():
    loaded = load_scenarios(load_catalog(), [SET_DIR])
    assert len(loaded) == 24
    assert all(item.scenario.cluster.world == "meridian" for item in loaded.values())
    assert sorted(sid[:4] for sid in loaded) == [f"md{n:02d}" for n in range(1, 25)]
    no_fault = sorted(sid for sid, item in loaded.items() if item.scenario.truth.category == RootCauseCategory.NONE)
    assert no_fault == ["md12-checkin-rebooking-wave", "md21-legality-cpu-spike-passed", "md22-passenger-namespace-healthy"]
    questions = sorted(sid for sid, item in loaded.items() if item.scenario.alarm is None)
    assert questions == [
        "md02-notam-sync-runs-failing",
        "md09-route-optimizer-scaled-pending",
        "md19-position-store-member-claim-pending",
        "md22-passenger-namespace-healthy",
        "md23-why-boarding-pass-slow",
        "md24-pnr-migration-job-backoff",
    ]


def test_fault_scenarios_carry_the_fix_that_clears_them_and_no_fault_ones_none():
    for sid, item in load_scenarios(load_catalog(), [SET_DIR]).items():
        truth = item.scenario.truth
        if truth.category == RootCauseCategory.NONE:
            assert truth.resource == "" and not truth.remediations, sid
        else:
            assert truth.remediations, f"{sid}: a fault scenario needs the remediation that clears it"


def test_image_blocks_match_images_yml(tmp_path):
    copy = tmp_path / "set"
    shutil.copytree(SET_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert scenario_images.sync(copy) == [], "after editing images.yml: python -m sre_agent.eval.scenario_images <set dir>"
