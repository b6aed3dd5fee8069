"""The lab's disruption controller writes a PodDisruptionBudget's status as kube-controller-manager does: how many of
its pods are healthy, how many it requires (minAvailable, or the expected count less maxUnavailable; percentages of the
expected count, rounded up), how many it allows to go, and the DisruptionAllowed condition the eviction API reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sre_agent.lab.world.controllers.disruption import reconcile_disruption_budget


class Store:
    def update_status(self, obj: dict) -> None:
        self.written = obj


class World:
    def __init__(self, pods: list[dict]):
        self.pods, self.store = pods, Store()

    def pods_in(self, namespace: str | None) -> list[dict]:
        return [p for p in self.pods if p["metadata"]["namespace"] == namespace]

    def pod_ready(self, pod: dict) -> bool:  # the world's readiness: here, the pod's Ready condition
        return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"]["conditions"])


def _pod(ready: bool, app: str = "api") -> dict:
    return {"metadata": {"namespace": "shop", "labels": {"app": app}},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


@pytest.mark.parametrize("spec, pods, allowed, desired", [
    ({"minAvailable": 3}, [_pod(True)] * 3, 0, 3),  # every pod required: a drain waits for ever
    ({"minAvailable": 2}, [_pod(True)] * 3, 1, 2),
    ({"maxUnavailable": 1}, [_pod(True)] * 3, 1, 2),
    ({"minAvailable": "50%"}, [_pod(True)] * 3, 1, 2),  # 1.5 rounded up
    ({"minAvailable": 2}, [_pod(True), _pod(True), _pod(False)], 0, 2),  # an unready pod counts as disrupted already
    ({"minAvailable": 1}, [_pod(True, app="other")], 0, 1),  # matches no pod: nothing to evict, nothing allowed
])
def test_a_budgets_status_says_how_many_may_go(spec, pods, allowed, desired):
    pdb = {"metadata": {"name": "api", "namespace": "shop", "generation": 1},
           "spec": {**spec, "selector": {"matchLabels": {"app": "api"}}}}
    reconcile_disruption_budget(World(pods), pdb, datetime(2026, 11, 27, tzinfo=UTC))
    status = pdb["status"]
    assert (status["disruptionsAllowed"], status["desiredHealthy"]) == (allowed, desired)
    condition = status["conditions"][0]
    assert (condition["type"], condition["status"], condition["reason"]) == (
        "DisruptionAllowed", "True" if allowed else "False", "SufficientPods" if allowed else "InsufficientPods")
