"""The disruption controller: a PodDisruptionBudget's status as kube-controller-manager writes it -- the pods its
selector matches (expectedPods), the Ready ones (currentHealthy), how many must stay (desiredHealthy: minAvailable, or
the expected count less maxUnavailable; a percentage of the expected count, rounded up), disruptionsAllowed and the
DisruptionAllowed condition (SufficientPods / InsufficientPods). The eviction API refuses by it (kube/subresources.py),
so a drain hangs on a budget that allows nothing, as it does on a real cluster. Expected pods are counted from the
pods matched (the real controller asks their controllers' scale; the same count while nothing is mid-rollout)."""

from __future__ import annotations

import math
from datetime import datetime

from ...kube.selectors import SelectorError, label_selector_from_dict
from ..clock import rfc3339
from ..context import ClusterContext
from .common import is_terminating, write_status


def _count(value: object, expected: int) -> int:
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(expected * float(value[:-1]) / 100)
    return int(value) if value is not None else 0


def reconcile_disruption_budget(world: ClusterContext, pdb: dict, now: datetime) -> bool:
    spec, meta = pdb.get("spec") or {}, pdb["metadata"]
    selector = spec.get("selector")
    try:
        compiled = label_selector_from_dict(selector) if isinstance(selector, dict) else None
    except SelectorError:
        compiled = None
    pods = [p for p in world.pods_in(meta["namespace"]) if compiled is not None and not is_terminating(p)
            and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
            and compiled.matches(p["metadata"].get("labels") or {})]  # a null selector matches no pod
    expected, healthy = len(pods), sum(1 for p in pods if world.pod_ready(p))
    if "minAvailable" in spec:
        desired = _count(spec["minAvailable"], expected)
    elif "maxUnavailable" in spec:
        desired = max(0, expected - _count(spec["maxUnavailable"], expected))
    else:
        desired = expected
    allowed = max(0, healthy - desired) if expected else 0
    old = pdb.get("status") or {}
    state = "True" if allowed > 0 else "False"
    previous = next((c for c in old.get("conditions") or [] if c.get("type") == "DisruptionAllowed"), None)
    since = previous.get("lastTransitionTime") if previous and previous.get("status") == state else rfc3339(now)
    status = {**old, "observedGeneration": meta.get("generation", 1), "disruptionsAllowed": allowed,
              "currentHealthy": healthy, "desiredHealthy": desired, "expectedPods": expected,
              "conditions": [{"type": "DisruptionAllowed", "status": state,
                              "reason": "SufficientPods" if allowed > 0 else "InsufficientPods", "message": "",
                              "observedGeneration": meta.get("generation", 1), "lastTransitionTime": since}]}
    changed = status != old
    write_status(world, pdb, status)
    return changed


def reconcile_disruption_budgets(world: ClusterContext, now: datetime) -> None:
    for pdb in world.informer.list("PodDisruptionBudget", None):
        reconcile_disruption_budget(world, pdb, now)
