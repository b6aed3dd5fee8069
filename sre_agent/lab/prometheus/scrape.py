"""One scrape of the lab: every exporter's families, rendered in the Prometheus text format (0.0.4) by
prometheus_client's own writer, so escaping, HELP/TYPE lines and the counter and histogram sample names are
what a scraper expects."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.metrics_core import Metric

from .cadvisor import ContainerCounters, cadvisor_families
from .kube_state_cluster import cluster_families
from .kube_state_pods import pod_families
from .kube_state_workloads import workload_families
from .services import ServiceCounters

if TYPE_CHECKING:
    from ..aws.feed import AwsFeed
    from ..world.world import World

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


class LabMetrics:
    """The world's metrics as a cluster's Prometheus scrapes them. Made with the lab's feed, whose minutes
    advance the counters (a prometheus_client Collector: `collect()` yields the families)."""

    def __init__(self, world: World, feed: AwsFeed) -> None:
        self.world, self.feed = world, feed
        self.containers = ContainerCounters()
        self.services = ServiceCounters()
        # The counters move on the clock's thread and are read on the server's. Taken before the store's lock,
        # in that order on both sides (reading the world may take the store's lock).
        self._lock = threading.Lock()
        # A scraper stamps what it reads with its own clock, and marks a vanished series stale: right for a
        # Prometheus whose rules must follow the world as it is now. A lab whose clock runs faster than the wall
        # clock is squeezed together that way (every rate() multiplied by the speed), which misleads a reader of
        # its history -- an investigation. With `world_time` (and a clock faster than real time) each sample is
        # stamped with the world's time instead: Prometheus holds the world's minutes on the world's clock, as
        # CloudWatch does, and what lies ahead of the wall clock shows once it gets there.
        self.world_time = False
        feed.on_sample.append(self._record)

    def _record(self) -> None:
        with self._lock:
            live = {p["metadata"]["uid"] for p in self.world.pods_in(None)}
            self.containers.record(self.world.traffic_model.pod_usage, live)
            self.services.record(self.feed.service_samples)

    def _read(self) -> list[Metric]:
        self.world.sync()  # a read sees the world at its clock, as the API server's reads do
        with self._lock, self.world.store.lock:
            now = self.world.clock.now()
            return [*pod_families(self.world.pods_in(None)), *workload_families(self.world, now),
                    *cluster_families(self.world), *cadvisor_families(self.world, self.containers, now),
                    *self.services.families()]

    def collect(self) -> Iterator[Metric]:
        families = self._read()
        if self.world_time and self.world.clock.speed > 1.0:
            stamp = self.world.clock.now().timestamp()
            for family in families:
                family.samples = [sample._replace(timestamp=stamp) for sample in family.samples]
        yield from families

    def render(self) -> bytes:
        """The exposition, served as CONTENT_TYPE."""
        return generate_latest(self)

    def samples_at(self, stamp: float) -> Iterator[str]:
        """This moment's samples as OpenMetrics lines stamped `stamp` (seconds): what a backfill of the world's
        history reads (history.py). No HELP or TYPE: a backfill stores samples, not metadata."""
        suffix = f" {stamp:.3f}"
        for line in generate_latest(_Families(self._read())).decode().splitlines():
            if line and not line.startswith("#"):
                yield line + suffix


class _Families:
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families
