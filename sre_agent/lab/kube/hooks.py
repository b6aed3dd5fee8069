"""What the lab API server needs from outside the store: `WorldHooks`, the world model that
derives state before every request and serves logs and metrics, and `Backend`, the pair of store
and world every request handler reads and writes through. A bare store serves with `NoWorld`."""

from __future__ import annotations

from typing import Protocol

from .store import ObjectStore
from .watch import WatchHub


class WorldHooks(Protocol):
    """What the API server needs from the world model (the lab's controllers and kubelet)."""

    def sync(self) -> None:
        """Bring derived state (pod status, events, ...) up to the clock's now; runs before every request."""

    def after_write(self, obj: dict) -> None:
        """React to a successful create/replace/patch/delete made through HTTP (not dry runs)."""

    def pod_log(self, namespace: str, name: str, container: str | None, previous: bool,
                tail_lines: int | None, since_seconds: int | None, timestamps: bool) -> str:
        """The log text of one container; raise ApiError for 400/404 (e.g. no previous instance)."""

    def pod_metrics(self, namespace: str | None) -> list[dict]:
        """metrics.k8s.io/v1beta1 PodMetrics items, for one namespace or all (None)."""

    def node_metrics(self) -> list[dict]:
        """metrics.k8s.io/v1beta1 NodeMetrics items."""


class NoWorld:
    """Hooks for a server with a bare store: nothing is derived, logs and metrics are empty."""

    def sync(self) -> None:
        return None

    def after_write(self, obj: dict) -> None:
        return None

    def pod_log(self, namespace: str, name: str, container: str | None, previous: bool,
                tail_lines: int | None, since_seconds: int | None, timestamps: bool) -> str:
        return ""

    def pod_metrics(self, namespace: str | None) -> list[dict]:
        return []

    def node_metrics(self) -> list[dict]:
        return []


class Backend(Protocol):
    """What request handlers serve from (the API server itself)."""

    store: ObjectStore
    world: WorldHooks
    watches: WatchHub
