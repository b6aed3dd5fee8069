"""Building blocks the exporters share: gauge families declared once (name, HELP, labels), one-hot state series
(a phase, a condition's status), kube-state-metrics' resource and unit labels, and the adapter that runs one of
aws/prometheus_metrics.py's samplers -- written for CloudWatch -- into Prometheus families."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily

from ..aws.prometheus_metrics import Put

if TYPE_CHECKING:
    from ..world.world import World

Spec = tuple[str, str, list[str]]  # (name, HELP, label names)


def gauges(specs: Iterable[Spec]) -> dict[str, GaugeMetricFamily]:
    """Empty families by name: a family with no series still has its HELP and TYPE, as kube-state-metrics writes them."""
    return {name: GaugeMetricFamily(name, doc, labels=labels) for name, doc, labels in specs}


def one_hot(family: GaugeMetricFamily, labels: list[str], current: str | None, choices: Iterable[str]) -> None:
    """One series per choice, 1 for the current one: how kube-state-metrics exports an enumeration."""
    for choice in choices:
        family.add_metric([*labels, choice], 1.0 if choice == current else 0.0)


def condition_status(status: str | None) -> str:
    """A condition's status as kube-state-metrics' `status`/`condition` label spells it."""
    return {"True": "true", "False": "false"}.get(status or "", "unknown")


CONDITION_STATUSES = ("true", "false", "unknown")
_NOT_A_LABEL_CHAR = re.compile(r"[^a-zA-Z0-9_]")


def resource_and_unit(resource: str) -> tuple[str, str]:
    """kube-state-metrics' (resource, unit) labels for a resource name: cpu in cores, memory and storage in bytes,
    anything else (pods, nvidia.com/gpu) a count under its name made a label value."""
    known = {"cpu": ("cpu", "core"), "memory": ("memory", "byte"), "storage": ("storage", "byte"),
             "ephemeral-storage": ("ephemeral_storage", "byte")}
    if resource in known:
        return known[resource]
    unit = "byte" if resource.startswith("hugepages-") else "integer"
    return _NOT_A_LABEL_CHAR.sub("_", resource), unit


Sampler = Callable[["World", Put, datetime], None]


def from_cloudwatch(sampler: Sampler, world: World, families: dict[str, GaugeMetricFamily],
                    labels: list[str], at: datetime) -> None:
    """Run a CloudWatch sampler of aws/prometheus_metrics.py into `families`: each datapoint it would put becomes a
    sample whose labels are its dimensions but ClusterName (the CloudWatch agent adds that one, a scrape has none).
    One computation, two outputs: the CloudWatch series and the scrape cannot drift apart."""
    def put(_namespace: str, metric: str, dims: tuple[tuple[str, str], ...], value: float, _at: datetime,
            _unit: str) -> None:
        dimensions = dict(dims)
        families[metric].add_metric([dimensions[label] for label in labels], value)

    sampler(world, put, at)
