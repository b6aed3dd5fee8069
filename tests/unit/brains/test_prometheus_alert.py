"""The quantity an alerting rule compares: what the offline metrics specialist reads over time."""

from __future__ import annotations

import pytest

from sre_agent.brains.offline.prometheus_alert import compared_quantity


@pytest.mark.parametrize(("expr", "quantity"), [
    ('sum(rate(http_requests_total{code=~"5.."}[5m])) > 0.05', 'sum(rate(http_requests_total{code=~"5.."}[5m]))'),
    ("max by (namespace) (kube_pod_container_status_last_terminated_reason{reason=\"OOMKilled\"}) == 1",
     "max by (namespace) (kube_pod_container_status_last_terminated_reason{reason=\"OOMKilled\"})"),
    ("up == bool 0", "up"),
    ("rate(x[5m]) >= 1e-3", "rate(x[5m])"),
    ("absent(up{job=\"api\"})", "absent(up{job=\"api\"})"),  # no comparison: the expression itself
    ("a > b", "a > b"),  # compared with another series, not a number: kept whole
])
def test_the_compared_quantity(expr, quantity):
    assert compared_quantity(expr) == quantity
