"""Kubernetes Events as the real components write them: one object per (object, reason, message),
its `count` and `lastTimestamp` bumped when the same thing happens again; more than ten different
messages for one (object, reason) within ten minutes are combined, as client-go's correlator does."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from ..kube.errors import ApiError
from ..kube.store import ObjectStore
from .clock import rfc3339

SIMILAR_EVENTS_BEFORE_COMBINING = 10
SIMILAR_WINDOW_S = 600
EVENT_TTL_S = 3600


class EventRecorder:
    def __init__(self, store: ObjectStore) -> None:
        self._store = store
        self._names: dict[tuple[str, str, str], tuple[str, str]] = {}
        self._similar: dict[tuple[str, str], dict[str, datetime]] = {}  # (object, reason) -> message -> last seen

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
        uid = meta.get("uid", meta["name"])
        similar = self._similar.setdefault((uid, reason), {})
        similar[message] = at
        for seen, when in list(similar.items()):
            if (at - when).total_seconds() > SIMILAR_WINDOW_S:
                del similar[seen]
        if len(similar) > SIMILAR_EVENTS_BEFORE_COMBINING:
            # client-go's EventCorrelator: the same thing happening with a different message each
            # time (a new pod name per failed create) becomes one event that keeps counting.
            key = (uid, reason, "(combined)")
            message = f"(combined from similar events): {message}"
        else:
            key = (uid, reason, message)
        stamp = rfc3339(at)
        known = self._names.get(key)
        if known is not None:
            existing = self._store.try_get("Event", known[0], known[1])
            if existing is not None:
                existing["count"] = existing.get("count", 1) + count
                existing["lastTimestamp"] = stamp
                existing["message"] = message
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

    def expire(self, events: list[dict], now: datetime) -> None:
        """The API server keeps an Event for an hour after it last happened (--event-ttl=1h)."""
        cutoff = rfc3339(now - timedelta(seconds=EVENT_TTL_S))
        for event in events:
            if (event.get("lastTimestamp") or "") < cutoff:  # RFC 3339 in UTC sorts as text
                try:
                    self._store.delete("Event", event["metadata"]["namespace"], event["metadata"]["name"])
                except ApiError:
                    pass
