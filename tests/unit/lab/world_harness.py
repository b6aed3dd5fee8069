"""A world in memory for the lab's table tests: the store, the clock and the controllers, no HTTP
server and no AWS -- what a controller does to the objects is all these tests read.

`TinyWorld` builds nodes the way a scenario does, applies manifests through the store (so the
API server's defaulting and validation run, as for any client write) and moves the clock with
`World.run_until`, stopping wherever the world changes on its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sre_agent.lab.kube.store import ObjectStore
from sre_agent.lab.scenarios.loader import node_manifest
from sre_agent.lab.scenarios.schema import NodeSpec
from sre_agent.lab.world.clock import SimClock
from sre_agent.lab.world.images import ImageBehaviour, load_catalog
from sre_agent.lab.world.world import World

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, on the hour: cron schedules read plainly


class TinyWorld:
    def __init__(self, nodes: int = 2, images: list[dict] | None = None, start: datetime = START) -> None:
        self.clock = SimClock(start=start, speed=0.0)
        self.store = ObjectStore(self.clock.now)
        catalog = load_catalog().merged([ImageBehaviour.model_validate(i) for i in images or []])
        self.world = World(self.store, self.clock, catalog)
        with self.store.lock:
            for index in range(nodes):
                self.store.create(node_manifest(NodeSpec(name=f"node-{index}"), index))
            for namespace in ("default", "lab"):
                self.store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        self.world.sync()

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def apply(self, manifest: dict) -> dict:
        with self.store.lock:
            created = self.store.create(manifest)
        self.world.sync()
        return created

    def run(self, seconds: float) -> None:
        self.world.run_until(self.clock.now() + timedelta(seconds=seconds))

    def get(self, kind: str, name: str, namespace: str = "lab") -> dict:
        return self.store.get(kind, namespace, name)

    def list(self, kind: str, namespace: str = "lab") -> list[dict]:
        return self.store.list(kind, namespace)

    def owned(self, kind: str, owner: dict) -> list[dict]:
        uid = owner["metadata"]["uid"]
        return [o for o in self.list(kind, owner["metadata"]["namespace"])
                if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or [])]

    def events(self, reason: str | None = None) -> list[dict]:
        return [e for e in self.store.list("Event", None) if reason is None or e.get("reason") == reason]

    def patch_spec(self, kind: str, name: str, mutate, namespace: str = "lab") -> dict:
        with self.store.lock:
            obj = self.store.get(kind, namespace, name)
            mutate(obj)
            obj["metadata"].pop("resourceVersion", None)
            written = self.store.replace(obj)
        self.world.sync()
        return written
