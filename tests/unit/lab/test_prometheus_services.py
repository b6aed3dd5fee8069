"""The services' request metrics add up the feed's minutes: http_requests_total counts the published requests by
status, and the duration histogram reads the published percentiles back (to its buckets' resolution)."""

from __future__ import annotations

import math

import pytest
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from sre_agent.lab.aws.feed import ServiceSample
from sre_agent.lab.prometheus.services import BUCKETS, ServiceCounters, latency_spread


def _samples(counters: ServiceCounters) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    class Collector:
        def collect(self):
            return counters.families()

    text = generate_latest(Collector()).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """PromQL's histogram_quantile: linear inside the bucket the rank falls in."""
    total = buckets[-1][1]
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / max(count - lower_count, 1e-9)
        lower_bound, lower_count = bound, count
    return buckets[-1][0]


@pytest.mark.parametrize(("p50", "p99"), [(40.0, 180.0), (120.0, 900.0), (8.0, 30.0)])
def test_the_latency_spread_has_the_published_median_and_99th_percentile(p50, p99):
    spread = latency_spread(p50, p99)
    assert math.exp(spread.inv_cdf(0.5)) * 1000 == pytest.approx(p50)
    assert math.exp(spread.inv_cdf(0.99)) * 1000 == pytest.approx(p99)


def test_requests_are_counted_by_status_and_timed_only_when_a_pod_answered():
    counters = ServiceCounters()
    counters.record([ServiceSample("shop", "search", 360, 12, 500, 40.0, 180.0)])
    counters.record([ServiceSample("shop", "search", 360, 360, 503, None, None)])  # no pod ready: the LB's 503s
    samples = _samples(counters)
    ids = (("namespace", "shop"), ("service", "search"))
    assert samples[("http_requests_total", (("code", "200"), *ids))] == 348
    assert samples[("http_requests_total", (("code", "500"), *ids))] == 12
    assert samples[("http_requests_total", (("code", "503"), *ids))] == 360
    assert samples[("http_request_duration_seconds_count", ids)] == 360, "the load balancer's answers are not timed"
    buckets = [(bound, samples[("http_request_duration_seconds_bucket", (("le", str(bound)), *ids))])
               for bound in BUCKETS] + [(math.inf, samples[("http_request_duration_seconds_bucket", (("le", "+Inf"), *ids))])]
    counts = [count for _, count in buckets]
    assert counts == sorted(counts) and counts[-1] == 360, "cumulative buckets, the last one every observation"
    assert all(count == int(count) for count in counts), "whole requests in every bucket"


def test_a_histogram_quantile_reads_the_published_percentiles_back():
    counters = ServiceCounters()
    for _ in range(30):
        counters.record([ServiceSample("shop", "frontend", 2400, 3, 500, 120.0, 400.0)])
    samples = _samples(counters)
    ids = (("namespace", "shop"), ("service", "frontend"))
    buckets = [(bound, samples[("http_request_duration_seconds_bucket", (("le", str(bound)), *ids))]) for bound in BUCKETS]
    buckets.append((math.inf, samples[("http_request_duration_seconds_bucket", (("le", "+Inf"), *ids))]))
    assert 0.1 <= _quantile(0.5, buckets) <= 0.25, "the median falls in the bucket holding 120 ms"
    assert 0.25 <= _quantile(0.99, buckets) <= 0.5, "the 99th percentile in the one holding 400 ms"
    mean = samples[("http_request_duration_seconds_sum", ids)] / samples[("http_request_duration_seconds_count", ids)]
    assert 0.12 < mean < 0.2, "a right-skewed latency: the mean above the median"
