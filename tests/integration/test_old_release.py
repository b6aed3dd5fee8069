"""A release older than the incident window: its errors grew with traffic until the alarm fired an hour and a
half later. The rollout is read beyond the window, tied to the alarm by the onset of its errors (which began
with it), and rolled back only with a human's approval -- unattended undo is for rollouts inside the window.
End to end over the MCP servers in the lab, scored by the harness's world check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sre_agent.eval.harness import run_scenario
from sre_agent.lab.lab import Lab

SCENARIOS = Path(__file__).resolve().parent / "scenarios"


@pytest.mark.parametrize("approvals, status", [("all", "remediated"), ("none", "escalated")])
def test_a_release_older_than_the_window_is_found_by_its_onset_and_undone_only_when_approved(approvals, status):
    loaded = Lab(scenario_dirs=[SCENARIOS]).find_scenario("release-errors-grow-with-traffic")
    # 10x, not 120x: the release is tied to the alarm by its age against the look-back, and the world ages while the run
    # reads it -- at 120x and then at 30x a slow, busy machine aged it out of reach (failed in full runs, passing alone:
    # stop 54's full run, both cases); the verification waits the same wall time
    row = run_scenario(loaded, approvals=approvals, lab_speed=10, verify_timeout_s=120, verify_poll_s=1.0)
    assert row.error is None, row.error
    assert (row.category, row.resource) == ("bad_deploy_regression", "shop/Deployment/checkout")
    assert row.status == status and row.false_actions == 0
    if approvals == "all":
        assert row.mitigation and [a.split(" ", 1)[0] for a in row.actions] == ["rollout_undo"], row.actions
    else:  # the approval was asked for and refused: nothing written, the rollback proposed
        assert not row.actions and row.fix_proposed
        assert any("rollout undo deployment/checkout --to-revision=1" in fix for fix in row.proposed_fixes)
        # pasted into a fresh copy of the world with the real kubectl, the proposed undo clears the fault
        assert row.fix_verified is (True if shutil.which("kubectl") else None), row.fix_proof
