"""A rollout that gave up (ProgressDeadlineExceeded) with no pod-level fault said is its new template's regression (the
old pods serve, going back is the fix); a pull, a crash, a probe or no room, said of its pods, is what names it instead."""

from __future__ import annotations

import pytest

from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.contracts import Finding

WORKLOAD = "labs/Deployment/results-api"


def _found(*pod_signals: str) -> list[Finding]:
    stalled = Finding(agent="kubernetes", resource=WORKLOAD, signal="ProgressDeadlineExceeded", severity="critical",
                      summary='Deployment rollout is stuck: ReplicaSet "results-api-x" has timed out progressing.')
    pods = [Finding(agent="kubernetes", resource="labs/Pod/results-api-x-abcde", signal=signal, severity="critical",
                    summary=f"{signal} on the new pod") for signal in pod_signals]
    return [stalled, *pods]


def test_a_stalled_rollout_with_nothing_said_of_its_pods_is_the_release():
    chosen = best(hypotheses(_found()))
    assert chosen is not None and (chosen.category.value, chosen.resource) == ("bad_deploy_regression", WORKLOAD)


@pytest.mark.parametrize("signal", ["ImagePullBackOff", "CrashLoopBackOff", "FailedScheduling", "ConfigRefMissing"])
def test_a_pod_level_fault_names_the_stall_instead(signal):
    stall = [h for h in hypotheses(_found(signal)) if h.resource == WORKLOAD and h.category.value == "bad_deploy_regression"]
    assert stall == []  # the stall alone blames nothing: the pods' own fault is read by its own rule


def test_pods_pending_for_room_that_piled_up_runs_hold_root_at_the_cronjob():
    pending = Finding(agent="kubernetes", resource="portal/Deployment/customer-portal", signal="FailedScheduling",
                      severity="critical", summary="0/6 nodes are available: 4 Insufficient cpu")
    pile = Finding(agent="kubernetes", resource="metering/CronJob/meter-reconcile", signal="CronJobPileUp",
                   severity="warning", summary="50 runs that have not finished",
                   details={"quotas": ["Node/*"], "starves": "portal/Deployment/customer-portal"})
    chosen = best(hypotheses([pending, pile]))
    assert chosen is not None and (chosen.category.value, chosen.resource) == (
        "bad_deploy_regression", "metering/CronJob/meter-reconcile")
    alone = best(hypotheses([pending]))  # no pile-up: the pods' own room is the answer
    assert alone is not None and alone.category.value == "unschedulable"
