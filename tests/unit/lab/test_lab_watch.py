"""The watch hub: a watch from "now" starts with the current objects, a watch from a
resourceVersion replays exactly the changes after it (deletions carry their own version), one
older than the kept history is 410 Gone, and the stream filters by namespace and selectors."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from sre_agent.lab.kube.errors import ApiError
from sre_agent.lab.kube.resources import by_kind
from sre_agent.lab.kube.store import ObjectStore
from sre_agent.lab.kube.watch import WatchHub, stream

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def cm(name, ns="a", **labels):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns, "labels": labels}}


@pytest.fixture
def store():
    store = ObjectStore(lambda: T0, seed=1)
    for ns in ("a", "b"):
        store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    store.create(cm("before"))
    return store


def events(hub, watcher, start, **kw):
    hub.closed.set()  # drain what is queued, then stop instead of waiting
    body = b"".join(stream(hub, watcher, start, label_selector=kw.get("labels"), field_selector=kw.get("fields"),
                           timeout_s=5, sync=lambda: None, encode=lambda obj, first: obj))
    return [(e["type"], e["object"]["metadata"]["name"]) for e in map(json.loads, body.splitlines())]


def test_now_starts_with_current_objects_then_changes(store):
    hub = WatchHub(store)
    with store.lock:
        watcher, start = hub.open(by_kind("ConfigMap"), "a", None)
    store.create(cm("new"))
    store.create(cm("elsewhere", ns="b"))
    store.delete("ConfigMap", "a", "before")
    assert [(e, o["metadata"]["name"]) for e, o in start] == [("ADDED", "before")]
    assert watcher.events.qsize() == 2  # the other namespace's write is not queued
    assert events(hub, watcher, start) == [("ADDED", "before"), ("ADDED", "new"), ("DELETED", "before")]
    assert watcher not in hub._watchers


def test_resume_from_a_version_replays_what_came_after_and_too_old_is_gone(store):
    hub = WatchHub(store)
    listed = store.resource_version
    store.create(cm("x", app="web"))
    store.create(cm("y", app="db"))
    deleted = store.delete("ConfigMap", "a", "x")
    with store.lock:
        watcher, start = hub.open(by_kind("ConfigMap"), None, listed)
    assert [(e, o["metadata"]["name"]) for e, o in start] == [("ADDED", "x"), ("ADDED", "y"), ("DELETED", "x")]
    assert int(start[-1][1]["metadata"]["resourceVersion"]) > int(deleted["metadata"]["resourceVersion"])
    assert events(hub, watcher, start, labels="app=web") == [("ADDED", "x"), ("DELETED", "x")]
    with store.lock, pytest.raises(ApiError) as exc:
        hub.open(by_kind("ConfigMap"), None, "1")
    assert exc.value.code == 410 and exc.value.reason == "Expired"
    with store.lock, pytest.raises(ApiError) as exc:
        hub.open(by_kind("ConfigMap"), None, "abc")
    assert exc.value.code == 400
