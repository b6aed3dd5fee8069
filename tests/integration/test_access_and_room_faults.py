"""Faults of access and room (issue 35), end to end in the lab on the development scenarios that express them
(sre_agent/eval/scenarios_shapes/): each gets its own category, and either the run clears it or the fix it proposes
clears it in a fresh copy of the world (the harness pastes it with the real kubectl).

- a rollout that dropped imagePullSecrets: image_pull_auth (not bad_image -- the image exists);
- a password rotated under running pods: stale_credential on the pods' workload, cleared by a restart (not the
  database, not the Service whose endpoints went unready);
- a full database volume: volume_full on the claim, its expandable class grown -- by expand_claim once a human
  approves (the harness stands in for that human), or, declined, by the proposed patch proven in a copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sre_agent.eval.harness import run_scenario
from sre_agent.lab.lab import Lab

from ..lab_servers import LabWithServers

SHAPES = Path(__file__).resolve().parents[2] / "sre_agent" / "eval" / "scenarios_shapes"


@pytest.fixture(scope="module")
def shared():
    with LabWithServers(allow_writes=True, namespaces=["shop", "payments", "platform", "monitoring", "default"],
                        ssm_targets=["*"]) as lab:
        yield lab


@pytest.mark.parametrize("scenario_id, cleared_by_the_run", [
    ("sh01-recommendations-pull-secret-dropped", True),
    ("sh02-ledger-db-password-rotated", True),
    ("sh03-ledger-db-volume-full", True),
    pytest.param("sh03-ledger-db-volume-full", False,
                 marks=pytest.mark.skipif(shutil.which("kubectl") is None, reason="the proof pastes with kubectl")),
])
def test_each_fault_has_its_category_and_is_cleared_by_the_run_or_by_its_proposed_fix(shared, scenario_id,
                                                                                      cleared_by_the_run):
    loaded = Lab(scenario_dirs=[SHAPES]).find_scenario(scenario_id)
    row = run_scenario(loaded, lab_speed=120, verify_timeout_s=45, verify_poll_s=1.0, lab=shared.lab,
                       servers=shared.connections(), prove=not cleared_by_the_run,
                       approvals="all" if cleared_by_the_run else "none")
    assert row.error is None, row.error
    assert (row.category, row.resource) == (loaded.scenario.truth.category.value, loaded.scenario.truth.resource), row
    assert row.false_actions == 0, row.actions
    if cleared_by_the_run:
        assert row.mitigation, (row.status, row.mitigation_detail, row.actions)
        if scenario_id.startswith("sh03"):  # grown by the tool, a human approving: never unattended
            assert [a.split(" ", 1)[0] for a in row.actions] == ["expand_claim"], row.actions
    else:
        assert row.status == "escalated" and row.fix_verified, row.fix_proof
