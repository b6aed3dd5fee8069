"""How far a quota must rise to admit the refused pods, from the API server's own refusal message."""

from __future__ import annotations

import pytest

from sre_agent.brains.offline.quota import raised_limits

REFUSAL = ('pods "frontend-2pvs-xxv8z" is forbidden: exceeded quota: shop-compute, requested: requests.cpu=500m, '
           'used: requests.cpu=2800m, limited: requests.cpu=3')


@pytest.mark.parametrize("message, missing, expected", [
    (REFUSAL, 1, ("shop-compute", {"requests.cpu": "3300m"}, {"requests.cpu": "3"})),
    (REFUSAL, 2, ("shop-compute", {"requests.cpu": "3800m"}, {"requests.cpu": "3"})),
    ('exceeded quota: q1, requested: limits.memory=512Mi,requests.cpu=250m, used: limits.memory=3Gi,requests.cpu=1, '
     'limited: limits.memory=3Gi,requests.cpu=4', 2, ("q1", {"limits.memory": "4096Mi"}, {"limits.memory": "3Gi"})),
    (REFUSAL, 0, None),                       # nothing missing: nothing to raise
    ("Back-off restarting failed container", 1, None),
])
def test_the_new_limit_is_what_is_used_plus_what_the_missing_pods_request(message, missing, expected):
    assert raised_limits(message, missing) == expected


ROLLOUT_REFUSAL = ('pods "billing-api-7c9-abcde" is forbidden: exceeded quota: billing-compute, requested: requests.memory=1Gi, '
                   'used: requests.memory=4Gi, limited: requests.memory=4864Mi')


@pytest.mark.parametrize("replacing, growth, expected", [
    # 3 replicas at 512Mi -> 1Gi: the surge pod (1Gi) and the two old pods it still replaces (+512Mi each) -- 6Gi,
    # where one pod's request alone (5120Mi) lets the rollout take one step and stop again
    (2, {"requests.memory": "536870912"}, {"requests.memory": "6144Mi"}),
    (2, {"requests.cpu": "0.1"}, {"requests.memory": "5120Mi"}),   # growth in another resource leaves this one alone
    (2, {"limits.memory": "536870912"}, {"requests.memory": "5120Mi"}),  # limits grown: a requests quota is not them
    (0, {"requests.memory": "536870912"}, {"requests.memory": "5120Mi"}),  # nothing left to replace: the pod alone
    (2, {"requests.memory": "-536870912"}, {"requests.memory": "5120Mi"}),  # smaller pods never lower the raise
])
def test_a_rollout_that_grew_its_requests_needs_room_for_every_pod_it_replaces(replacing, growth, expected):
    assert raised_limits(ROLLOUT_REFUSAL, 1, replacing, growth) == ("billing-compute", expected,
                                                                    {"requests.memory": "4864Mi"})


def test_a_rollout_that_grew_its_limits_needs_limits_room_for_every_pod_it_replaces():
    """A quota on limits.memory refusing a rollout that raised the limit 512Mi -> 1Gi: the end state, not one step."""
    refusal = ('pods "tide-api-9-abcde" is forbidden: exceeded quota: tides-quota, requested: limits.memory=1Gi, '
               'used: limits.memory=4608Mi, limited: limits.memory=5Gi')
    assert raised_limits(refusal, 1, 2, {"limits.memory": "536870912", "requests.memory": "0"}) == (
        "tides-quota", {"limits.memory": "6656Mi"}, {"limits.memory": "5Gi"})


@pytest.mark.parametrize("autoscaled, expected", [
    ({}, {"requests.cpu": "3300m"}),  # no HPA: the refused pod alone
    ({"max_replicas": 8, "hpa": "frontend"}, {"requests.cpu": "4800m"}),  # an HPA at 5 of max 8: three pods more
    ({"max_replicas": 5, "hpa": "frontend"}, {"requests.cpu": "3300m"}),  # already at its max: nothing more
])
def test_a_quota_that_refuses_an_autoscaled_workload_is_raised_to_the_autoscalers_max(autoscaled, expected):
    from datetime import UTC, datetime

    from sre_agent.brains.offline.runbooks import _quota_context
    from sre_agent.contracts import Finding, Incident
    from sre_agent.graph.state import Investigation

    workload = "shop/Deployment/frontend"
    findings = [Finding(agent="kubernetes", resource=workload, signal="WorkloadSpec", summary="spec",
                        details={"replicas": 5, "pods": 4}),
                Finding(agent="kubernetes", resource=workload, signal="FailedCreate", summary=REFUSAL, severity="critical")]
    if autoscaled:
        findings.append(Finding(agent="kubernetes", resource=workload, signal="Autoscaled", summary="hpa", details=autoscaled))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    state = Investigation(incident=Incident(id="i", title="t", started_at=now, window_start=now, window_end=now),
                          findings=findings)
    assert _quota_context(state, "shop/ResourceQuota/shop-compute", workload)["quota_hard"] == expected
