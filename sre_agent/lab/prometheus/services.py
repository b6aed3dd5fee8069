"""The services' own request metrics, as a Prometheus client library instruments an HTTP server:
`http_requests_total{code}` and the `http_request_duration_seconds` histogram, per namespace and service.

Both add up the feed's ServiceSample of each minute (aws/feed.py), so they count the requests the Application
namespace's RequestCount and 5xxCount publish: the growth of `http_requests_total{code=~"5.."}` from one minute
boundary to another is the Sum of 5xxCount over those minutes (what `increase()` estimates). Like those, they
count a service's requests where it is called: when no pod is ready, what its load balancer answers (503) is
counted, but nothing is timed -- the histogram observes the requests a pod answered. Each minute's requests are
spread over the buckets as a log-normal with the minute's published LatencyP50 and LatencyP99, so a
histogram_quantile() reads them back (to the buckets' resolution)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

from prometheus_client import Histogram
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.utils import floatToGoString

from ..aws.feed import ServiceSample

BUCKETS = Histogram.DEFAULT_BUCKETS[:-1]  # the client libraries' default bounds; +Inf is the count itself
SERVICE = ["namespace", "service"]
Z99 = NormalDist().inv_cdf(0.99)


@dataclass
class Counted:
    """One service's counters so far."""
    by_code: dict[str, int] = field(default_factory=dict)
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))  # observations <= each bound
    observed: int = 0
    seconds: float = 0.0


def latency_spread(p50_ms: float, p99_ms: float) -> NormalDist:
    """The log of a request's latency in seconds: normal, with the given median and 99th percentile."""
    median = max(p50_ms, 1e-3) / 1000
    return NormalDist(math.log(median), max(math.log(max(p99_ms, 1e-3) / 1000 / median) / Z99, 0.01))


class ServiceCounters:
    def __init__(self) -> None:
        self._counted: dict[tuple[str, str], Counted] = {}

    def record(self, samples: list[ServiceSample]) -> None:
        """One sampled minute of every service with traffic."""
        for sample in samples:
            counted = self._counted.setdefault((sample.namespace, sample.service), Counted())
            ok = counted.by_code.get("200", 0) + sample.requests - sample.errors
            counted.by_code["200"] = ok
            if sample.errors:
                code = str(sample.error_status)
                counted.by_code[code] = counted.by_code.get(code, 0) + sample.errors
            if sample.latency_p50_ms is None or sample.latency_p99_ms is None or not sample.requests:
                continue
            spread = latency_spread(sample.latency_p50_ms, sample.latency_p99_ms)
            for index, bound in enumerate(BUCKETS):  # rounding a non-decreasing share keeps buckets cumulative
                counted.buckets[index] += round(sample.requests * spread.cdf(math.log(bound)))
            counted.observed += sample.requests
            counted.seconds += sample.requests * math.exp(spread.mean + spread.variance / 2)  # the log-normal's mean

    def families(self) -> list[Metric]:
        requests = CounterMetricFamily("http_requests_total", "Total number of HTTP requests.",
                                       labels=[*SERVICE, "code"])
        duration = HistogramMetricFamily("http_request_duration_seconds", "HTTP request latency in seconds.",
                                         labels=SERVICE)
        for key, counted in sorted(self._counted.items()):
            for code, count in sorted(counted.by_code.items()):
                requests.add_metric([*key, code], float(count))
            if counted.observed:
                buckets = [(floatToGoString(bound), float(n)) for bound, n in zip(BUCKETS, counted.buckets)]
                duration.add_metric(list(key), [*buckets, ("+Inf", float(counted.observed))], counted.seconds)
        return [requests, duration]
