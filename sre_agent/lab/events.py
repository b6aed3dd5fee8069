"""Kubernetes Events as the real components write them: one object per (object, reason, message),
its `count` and `lastTimestamp` bumped when the same thing happens again."""

from __future__ import annotations

import hashlib
from datetime import datetime

from .clock import rfc3339
from .store import ObjectStore


class EventRecorder:
    def __init__(self, store: ObjectStore) -> None:
        self._store = store
        self._names: dict[tuple[str, str, str], tuple[str, str]] = {}

    def record(
        self,
        involved: dict,
        reason: str,
        message: str,
        at: datetime,
        *,
        type_: str = "Normal",
        component: str = "kubelet",
        host: str | None = None,
        count: int = 1,
    ) -> None:
        if count <= 0:
            return
        meta = involved["metadata"]
        namespace = meta.get("namespace") or "default"
        key = (meta.get("uid", meta["name"]), reason, message)
        stamp = rfc3339(at)
        known = self._names.get(key)
        if known is not None:
            existing = self._store.try_get("Event", known[0], known[1])
            if existing is not None:
                existing["count"] = existing.get("count", 1) + count
                existing["lastTimestamp"] = stamp
                existing["metadata"].pop("resourceVersion", None)
                self._store.replace(existing)
                return
        digest = hashlib.sha1("|".join(key).encode()).hexdigest()[:12]
        name = f"{meta['name']}.{digest}"
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": {
                "apiVersion": involved.get("apiVersion", "v1"),
                "kind": involved["kind"],
                "name": meta["name"],
                "namespace": meta.get("namespace"),
                "uid": meta.get("uid"),
            },
            "reason": reason,
            "message": message,
            "type": type_,
            "count": count,
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "source": {"component": component, **({"host": host} if host else {})},
            "reportingComponent": component,
        }
        self._names[key] = (namespace, name)
        self._store.create(event)
