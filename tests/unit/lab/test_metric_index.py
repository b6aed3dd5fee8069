"""The lab's metric index hands moto only the series a GetMetricStatistics can match: the answers
must be exactly what moto gives for the same datapoints written with PutMetricData."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.lab.aws.moto_backend import MetricIndex, claim_account, release_account

pytest.importorskip("moto")

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
SERIES = [
    (("Application", "5xxCount", (("ClusterName", "c"), ("Namespace", "team-a"), ("Service", "cart"))), 1.0),
    (("Application", "5xxCount", (("ClusterName", "c"), ("Namespace", "team-a"), ("Service", "pay"))), 5.0),
    (("Application", "5xxCount", (("ClusterName", "c"), ("Namespace", "team-b"), ("Service", "cart"))), 9.0),
    (("Application", "5xxCount", (("Namespace", "team-a"),)), 20.0),
    (("Other", "5xxCount", (("Namespace", "team-a"), ("Service", "cart"))), 50.0),
    (("Application", "Latency", (("Namespace", "team-a"), ("Service", "cart"))), 70.0),
]
QUERIES = [
    [{"Name": "ClusterName", "Value": "c"}, {"Name": "Namespace", "Value": "team-a"}, {"Name": "Service", "Value": "cart"}],
    [{"Name": "Namespace", "Value": "team-a"}, {"Name": "Service", "Value": "cart"}],  # a subset of the series' own
    [{"Name": "Namespace", "Value": "team-a"}],
    [{"Name": "Service", "Value": None}],  # a dimension named without a value matches any value
    [{"Name": "Service", "Value": "nowhere"}],
    [],
]


@pytest.fixture
def backends():
    from moto.cloudwatch.models import cloudwatch_backends

    indexed, plain = claim_account(), claim_account()
    try:
        yield cloudwatch_backends[indexed.account_id]["us-east-1"], cloudwatch_backends[plain.account_id]["us-east-1"]
    finally:
        release_account(indexed)
        release_account(plain)


def _answer(backend, namespace: str, metric: str, dimensions: list[dict]) -> list[tuple]:
    naive = NOW.replace(tzinfo=None)  # moto compares naive UTC, as its HTTP layer passes them
    stats = backend.get_metric_statistics(namespace, metric, naive - timedelta(hours=1), naive, 60, ["Sum", "SampleCount"],
                                          unit=None, dimensions=dimensions)
    return [(s.timestamp, s.sum, s.sample_count) for s in stats]


@pytest.mark.parametrize("dimensions", QUERIES, ids=lambda q: ",".join(f"{d['Name']}={d['Value']}" for d in q) or "none")
@pytest.mark.parametrize("namespace,metric", [("Application", "5xxCount"), ("Other", "5xxCount"), ("Application", "Latency")])
def test_indexed_statistics_equal_moto_own(backends, namespace, metric, dimensions):
    indexed, plain = backends
    index = MetricIndex(indexed)
    points = [(key, NOW - timedelta(minutes=m), base + m % 4, "None") for key, base in SERIES for m in range(30, 0, -1)]
    index.add(points)
    for (ns, name, dims), at, value, unit in points:
        plain.put_metric_data(ns, [{"MetricName": name, "Value": value, "Unit": unit, "Timestamp": at.replace(tzinfo=None),
                                    "Dimensions": [{"Name": k, "Value": v} for k, v in dims]}])
    expected = _answer(plain, namespace, metric, dimensions)
    assert _answer(indexed, namespace, metric, dimensions) == expected
    if dimensions and dimensions[0]["Value"] == "cart":
        assert expected, "the query names a series that exists: the comparison must not be of two empty answers"
