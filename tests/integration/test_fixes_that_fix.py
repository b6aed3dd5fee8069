"""Fixes that fix (issue 35), end to end in the lab: the offline brain, the graph and the MCP servers on scenarios
written for each class (tests/scenarios/), scored by the evaluation harness against the world -- with the on-call
stand-in approving every proposal, so what is not written was not offered.

A. a state recorded as wanted (a decommission note on a workload scaled to zero) is not reversed: the run stops,
   naming it, with the reversal proposed; a release recorded with a change ticket is rolled back only when a human
   approves (never unattended);
B. a sidecar killed at its memory limit after a release that only bumped the app's image gets its own limit raised,
   never the rollback (which could not give it more memory);
C. a one-off Job on an image tag that does not exist gets the exact re-create command, its container named;
D. a quota held by a CronJob's piled-up runs stops the pile-up (a human approving), never a raise alone; a StatefulSet
   member Pending on a cordoned node names the node and its uncordon -- held, the cordon being recorded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sre_agent.eval.harness import run_scenario
from sre_agent.lab.lab import Lab

from ..lab_servers import LabWithServers

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
KUBECTL = shutil.which("kubectl") is not None


@pytest.fixture(scope="module")
def shared():
    with LabWithServers(allow_writes=True, namespaces=["shop", "payments", "platform", "monitoring", "default"],
                        ssm_targets=["*"]) as lab:
        yield lab


def run(shared: LabWithServers, scenario_id: str, *, prove: bool = False, approvals: str = "all"):
    loaded = Lab(scenario_dirs=[SCENARIOS]).find_scenario(scenario_id)
    # verification ends as soon as the fix holds; the longer window matters only when the lab's alarm feed lags the clock
    # (45 s failed once in a clean-clone `make test`)
    row = run_scenario(loaded, lab_speed=120, verify_timeout_s=150, verify_poll_s=1.0, lab=shared.lab,
                       servers=shared.connections(), prove=prove, approvals=approvals)
    assert row.error is None, row.error
    assert (row.category, row.resource) == (loaded.scenario.truth.category.value, loaded.scenario.truth.resource), row
    assert row.false_actions == 0, row.actions
    return row


def test_a_dependency_scaled_to_zero_on_purpose_is_not_scaled_back_the_run_asks(shared):
    row = run(shared, "dependency-scaled-down-on-purpose")
    assert row.status == "escalated" and not row.actions, row.actions
    # the caller's stale reference first (what replaced ledger is the note's to say), the decommission undone second
    assert row.proposed_fixes[0].startswith("payments/Deployment/payments: kubectl -n payments set env deployment/payments")
    assert row.fix_proposed and any("scale deployment/ledger --replicas=2" in fix for fix in row.proposed_fixes)


def test_a_release_under_a_change_ticket_is_rolled_back_only_when_a_human_approves(shared):
    # in `auto` mode a rollback of a release made in the window runs unattended; the ticket makes it ask
    row = run(shared, "release-with-change-ticket-regressed", approvals="none")
    assert row.status == "escalated" and not row.actions, row.actions
    assert any("rollout undo deployment/checkout --to-revision=1" in fix for fix in row.proposed_fixes)
    approved = run(shared, "release-with-change-ticket-regressed")
    assert approved.status == "remediated" and [a.split(" ", 1)[0] for a in approved.actions] == ["rollout_undo"]


def test_a_sidecar_killed_after_an_image_only_release_gets_its_limit_not_a_rollback(shared):
    row = run(shared, "sidecar-oom-after-app-release")
    assert row.status == "remediated" and row.mitigation, row.mitigation_detail
    assert [a.split(" ", 1)[0] for a in row.actions] == ["set_resources"] and "'container': 'proxy'" in row.actions[0]


def test_a_job_on_a_missing_image_tag_gets_the_re_create_command_with_its_container(shared):
    row = run(shared, "job-image-tag-missing", prove=KUBECTL)
    assert row.fix_proposed and not row.actions
    [fix] = row.proposed_fixes  # (the row keeps the first characters of each fix)
    assert fix.startswith("shop/Job/sales-report-month-end: kubectl -n shop get job sales-report-month-end -o json | "
                          "kubectl patch --local -f - -p")
    # pasted into a copy of the world with the real kubectl (the tag a human supplies filled in), the Job completes --
    # which it does only when the patch names the container the evidence showed (a made-up name adds a container)
    assert row.fix_verified is (True if KUBECTL else None), row.fix_proof


def test_a_quota_held_by_piled_up_cronjob_runs_names_the_cronjob_and_stops_the_pile_up(shared):
    row = run(shared, "quota-held-by-cronjob-pileup", prove=KUBECTL, approvals="none")
    assert row.status == "escalated" and not row.actions, row.actions  # deleting runs in progress: a human approves
    assert any(fix.startswith("platform/CronJob/search-reindex: kubectl -n platform patch cronjob search-reindex --type "
                              "merge -p '{\"spec\": {\"concurrencyPolicy\": \"Forbid\"}}'") and "delete job search-reindex-" in fix
               for fix in row.proposed_fixes), row.proposed_fixes
    assert not any("patch resourcequota" in fix for fix in row.proposed_fixes[:1])  # more quota would feed the pile-up
    assert row.fix_verified is (True if KUBECTL else None), row.fix_proof
    approved = run(shared, "quota-held-by-cronjob-pileup")
    assert approved.status == "remediated" and [a.split(" ", 1)[0] for a in approved.actions] == ["stop_cronjob_pileup"]


def test_a_statefulset_member_pending_on_a_cordoned_node_names_the_node_and_its_uncordon(shared):
    row = run(shared, "statefulset-member-on-cordoned-node", prove=KUBECTL)
    assert row.proposed_fixes == ["Node/ip-10-0-2-34.ec2.internal: kubectl uncordon ip-10-0-2-34.ec2.internal"]
    assert row.fix_verified is (True if KUBECTL else None), row.fix_proof
