"""Watch (`?watch=true`) for the lab API server: what `kubectl get -w`, `kubectl rollout status`
and client-go informers need -- a stream of {"type", "object"} lines, resumable from a
resourceVersion, objects as Tables when the client asked for Tables.

`WatchHub` subscribes to the store for the server's lifetime and keeps the last few thousand
changes, so a watch started from the resourceVersion of a list sees exactly what happened after
that list (a version older than the window is 410 Gone: the client relists, as against a real
server). Each watch registers a queue under the store lock -- the same lock writes notify under --
so nothing falls between its snapshot and its stream.

The world only moves when something asks it to (`world.sync()` runs per request), so a watch calls
`sync` itself while it waits; otherwise `rollout status` would wait on a world nobody advances."""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .codec import dumps
from .errors import ApiError
from .resources import ResourceType
from .selectors import SelectorError, parse_field_selector, to_label_selector
from .store import ObjectStore

HISTORY = 4096  # changes kept for resuming; kube-apiserver's watch cache keeps a few minutes' worth
POLL_S = 0.25  # how often a waiting watch brings the world up to date and checks for shutdown
DEFAULT_TIMEOUT_S = 1800


@dataclass
class _Watcher:
    kind: str
    namespace: str | None
    events: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)


class WatchHub:
    def __init__(self, store: ObjectStore) -> None:
        self._store = store
        self._history: deque[tuple[int, str, dict]] = deque(maxlen=HISTORY)
        self._oldest = int(store.resource_version)  # resuming from here or later is exact
        self._watchers: list[_Watcher] = []
        self._guard = threading.Lock()  # the watcher list; changes arrive under the store lock
        self.closed = threading.Event()
        store.subscribe(self._on_change)

    def close(self) -> None:
        """End every open watch (within a poll interval); safe to call more than once."""
        if not self.closed.is_set():
            self.closed.set()
            self._store.unsubscribe(self._on_change)

    def _on_change(self, event: str, obj: dict) -> None:
        rv = int(self._store.resource_version)
        if event == "DELETED":  # a deletion is a change of its own, as kube-apiserver reports it
            obj["metadata"]["resourceVersion"] = str(rv)
        if len(self._history) == self._history.maxlen:
            self._oldest = self._history[0][0]
        self._history.append((rv, event, obj))
        with self._guard:
            watchers = list(self._watchers)
        for w in watchers:
            if w.kind == obj.get("kind") and (w.namespace is None or
                                              (obj.get("metadata") or {}).get("namespace") == w.namespace):
                w.events.put((event, obj))

    def open(self, rtype: ResourceType, namespace: str | None, resource_version: str | None) -> tuple[_Watcher, list]:
        """Register a watcher and return the events it starts with. Call with the store lock held."""
        watcher = _Watcher(rtype.kind, namespace if rtype.namespaced else None)
        if resource_version in (None, "", "0"):  # "now": the current objects as ADDED, then changes
            start = [("ADDED", obj) for obj in self._store.list(rtype.kind, watcher.namespace)]
        else:
            try:
                since = int(resource_version)
            except ValueError:
                raise ApiError.bad_request(f"resourceVersion {resource_version!r} is not one this server "
                                           "issued") from None
            if since < self._oldest:
                raise ApiError(410, "Expired", f"too old resource version: {since} ({self._oldest})")
            start = [(event, obj) for rv, event, obj in self._history
                     if rv > since and obj.get("kind") == rtype.kind and
                     (watcher.namespace is None or obj["metadata"].get("namespace") == watcher.namespace)]
        with self._guard:
            self._watchers.append(watcher)
        return watcher, start

    def release(self, watcher: _Watcher) -> None:
        with self._guard:
            if watcher in self._watchers:
                self._watchers.remove(watcher)


def stream(hub: WatchHub, watcher: _Watcher, start: list, *, label_selector: str | None,
           field_selector: str | None, timeout_s: float, sync: Callable[[], None],
           encode: Callable[[dict, bool], dict]) -> Iterator[bytes]:
    """The response body: one JSON event per line until the timeout, the server's shutdown or the
    client's hang-up (the transport closes the generator, which unregisters the watcher)."""
    try:
        labels, fields = to_label_selector(label_selector), parse_field_selector(field_selector)
    except SelectorError as exc:
        hub.release(watcher)
        raise ApiError.bad_request(str(exc)) from None

    def selected(obj: dict) -> bool:
        return labels.matches((obj.get("metadata") or {}).get("labels")) and fields.matches(obj)

    def drain() -> list:
        drained = []
        while True:
            try:
                drained.append(watcher.events.get_nowait())
            except queue.Empty:
                return drained

    def run() -> Iterator[bytes]:
        first = True
        deadline = time.monotonic() + timeout_s
        pending = list(start)
        try:
            while True:
                for event, obj in pending:
                    if selected(obj):
                        yield dumps({"type": event, "object": encode(obj, first)}) + b"\n"
                        first = False
                remaining = deadline - time.monotonic()
                if hub.closed.is_set() or remaining <= 0:
                    for event, obj in drain():  # what was already committed still goes out
                        if selected(obj):
                            yield dumps({"type": event, "object": encode(obj, first)}) + b"\n"
                            first = False
                    return
                try:
                    pending = [watcher.events.get(timeout=min(POLL_S, remaining))]
                except queue.Empty:
                    pending = []
                    try:
                        sync()  # let simulated time act; its writes arrive on the queue
                    except Exception:  # a world failure ends this watch, never the server
                        return
                pending.extend(drain())
        finally:
            hub.release(watcher)

    return run()
