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
