"""The other callers of a dependency the investigation walks, and whether one of them was just scaled up -- never a
rollout's moving of replicas between its ReplicaSets (brains/offline/caller_load.py)."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.brains.offline.caller_load import callers_scaled_up


class FakeCalls:
    def __init__(self, events: list[str]) -> None:
        self.events, self.found = events, []

    async def __call__(self, tool: str, **args):
        if tool == "ownership":
            return {"called_by": ["clinical/Deployment/pharmacy-api", "clinical/Deployment/sync-worker"]}, "ev-1"
        return {"events": [{"reason": "ScalingReplicaSet", "message": m, "last": "2026-11-27T03:24:00Z"}
                           for m in self.events]}, "ev-2"

    def find(self, resource, signal, summary, evidence, **details):
        self.found.append((resource, signal, details))


@pytest.mark.parametrize(("events", "scaled"), [
    (["Scaled up replica set sync-worker-abc from 2 to 12"], True),  # a person's scale-up: five times the load
    (["Scaled up replica set sync-worker-abc from 2 to 3"], False),  # one more replica: not a load that doubles
    (["Scaled up replica set sync-worker-new from 1 to 2",  # a rollout: the new ReplicaSet up, the old one down
      "Scaled down replica set sync-worker-old from 2 to 1"], False),
    (["Scaled up replica set sync-worker-new from 0 to 1"], False),  # a rollout's first pod
])
def test_a_caller_scaled_up_is_recorded_with_the_dependency_it_loads(events, scaled):
    calls = FakeCalls(events)
    asyncio.run(callers_scaled_up("clinical/Service/pharmacy-db", "clinical/StatefulSet/pharmacy-db",
                                  {"clinical/Deployment/pharmacy-api"}, calls))  # type: ignore[arg-type]
    signals = [(r, s) for r, s, _ in calls.found]
    assert (("clinical/Deployment/sync-worker", "RecentScaleUp") in signals) is scaled
    if scaled:
        assert ("clinical/Deployment/sync-worker", "LoadsDependency") in signals
        assert next(d for r, s, d in calls.found if s == "RecentScaleUp")["previous_replicas"] == 2
    assert all(r != "clinical/Deployment/pharmacy-api" for r, _ in signals)  # the walked caller is not read again
