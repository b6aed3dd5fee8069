"""A throttled workload's diagnosis says the CPU limit it is held to (brains/offline/rule_conditions.py cpu_limit_said): the
number the fix changes, from its last rollout's record -- with what it was before -- else from its spec."""

from __future__ import annotations

import pytest

from sre_agent.brains.offline.rule_conditions import cpu_limit_said
from sre_agent.contracts import Finding

W = "imaging/Deployment/viewer"


def finding(signal: str, **details) -> Finding:
    return Finding(agent="kubernetes", resource=W, signal=signal, summary=signal, evidence=["ev-1"], details=details)


@pytest.mark.parametrize("findings, said", [
    ([finding("RecentRollout", revision=2, limits={"cpu": "200m"}, previous_limits={"cpu": "2"})],
     "; its pods' CPU limit is 200m (2 before revision 2)"),
    ([finding("RecentRollout", revision=2, limits={"cpu": "200m"}, previous_limits={"cpu": "200m"})],
     "; its pods' CPU limit is 200m"),
    ([finding("WorkloadSpec", cpu_limit="500m")], "; its pods' CPU limit is 500m"),
    ([finding("WorkloadSpec", cpu_limit=None)], ""),  # no limit known: nothing said
])
def test_the_limit_a_throttled_workload_is_held_to_is_said(findings, said):
    assert cpu_limit_said(W, findings) == said


@pytest.mark.parametrize("previous, now, dropped", [
    ({"cpu": "300m", "memory": "384Mi"}, {"memory": "384Mi"}, True),  # the rollout took the CPU requests away
    ({"memory": "384Mi"}, {"memory": "384Mi"}, False),  # never had one: not this rollout's doing
    ({"cpu": "300m"}, {"cpu": "300m"}, False),
])
def test_an_autoscaler_that_cannot_compute_is_the_rollout_that_dropped_the_requests(previous, now, dropped):
    from sre_agent.brains.offline.rule_conditions import requests_dropped
    rollout = finding("RecentRollout", revision=2, requests=now, previous_requests=previous)
    assert requests_dropped(W, [rollout]) is dropped
