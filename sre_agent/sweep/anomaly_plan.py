"""Which metric series a sweep asks anomaly detection about, in two parts.

The alarms say which metrics the operators care about. Their own series (`alarm_series`) are known
as soon as the alarms are read, so the sweep starts detecting on them while it still walks the
cluster; the same metrics for the suspects the walks find and what they call (`sibling_series`,
the alarm's dimensions with the object swapped) follow. Together, capped at MAX_ANOMALY_SERIES,
they are the sweep's anomaly round: alarmed families first, alarm series before siblings."""

from __future__ import annotations

from typing import Any

from .evidence import namespace_of
from .mapping import NAMESPACE_KEYS, SERVICE_KEYS, WORKLOAD_KEYS, in_scope

MAX_METRIC_FAMILIES = 8
MAX_ANOMALY_SERIES = 30

Family = dict[str, Any]  # statistic, period, direction ("up" | "down"), dims: the alarms' dimension sets
FamilyKey = tuple[str, str, frozenset[str]]  # metric namespace, metric name, dimension names
Series = tuple[str, str, dict[str, str], Family]  # metric namespace, metric name, dimensions, family


def metric_families(alarms: list[dict[str, Any]]) -> list[tuple[FamilyKey, Family]]:
    """The metrics the alarms watch, grouped by (namespace, name, dimension names); families with an
    alarm in ALARM first, at most MAX_METRIC_FAMILIES."""
    families: dict[FamilyKey, Family] = {}
    for alarm in sorted(alarms, key=lambda a: a.get("state") != "ALARM"):
        metric, dims = alarm.get("metric") or {}, alarm.get("dimensions") or {}
        comparison = alarm.get("comparison") or ""
        direction = "up" if "Greater" in comparison else "down" if "Less" in comparison else None
        if not metric.get("namespace") or not metric.get("name") or direction is None:
            continue
        key = (metric["namespace"], metric["name"], frozenset(dims))
        families.setdefault(key, {"statistic": metric.get("statistic") or "Average", "period": metric.get("period") or 60,
                                  "direction": direction, "dims": []})
        families[key]["dims"].append(dims)
    return list(families.items())[:MAX_METRIC_FAMILIES]


def alarm_series(chosen: list[tuple[FamilyKey, Family]], scope: str | None) -> list[Series]:
    """The alarms' own series in the sweep's scope, family by family."""
    return [(ns, name, d, family) for (ns, name, _keys), family in chosen for d in family["dims"] if in_scope(d, scope)]


def sibling_series(chosen: list[tuple[FamilyKey, Family]], scope: str | None, services: list[str],
                   workloads: list[str], planned: list[Series]) -> list[Series]:
    """The same metrics for suspect Services and workloads (resource ids), none already `planned`."""
    seen = [d for _, _, d, _ in planned]
    siblings: list[Series] = []
    for (ns, name, _keys), family in chosen:
        template = family["dims"][0]
        for object_key, candidates in ((next((k for k in SERVICE_KEYS if k in template), None), services),
                                       (next((k for k in WORKLOAD_KEYS if k in template), None), workloads)):
            namespace_key = next((k for k in NAMESPACE_KEYS if k in template), None)
            if object_key is None or namespace_key is None:
                continue
            for rid in candidates:
                dims = {**template, namespace_key: namespace_of(rid) or "", object_key: rid.rsplit("/", 1)[1]}
                if in_scope(dims, scope) and all(dims != d for d in seen):
                    siblings.append((ns, name, dims, family))
                    seen.append(dims)
    return siblings
