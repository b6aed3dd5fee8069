"""ClusterView: one snapshot of a cluster, as plain API-shaped dicts grouped by kind, with the
indexes every analyzer needs built once (events by involved object, objects by name, pods by
label, objects by owner) so that no analyzer scans the whole cluster per object.

Objects are exactly what the API returns (camelCase JSON, or
`ApiClient().sanitize_for_serialization(...)` of the typed models): `metadata`, `spec`, `status`.
List items from the official client carry no `kind`, which is why the view is keyed by kind
rather than reading `kind` from each object.

A kind that is present in the view (even as an empty list) was fetched: an object missing from
it does not exist. A kind that is absent was not fetched, and checks that need it are skipped
rather than guessed (a server without RBAC to list Secrets must not report every Secret missing).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import reduce
from typing import Any

from ..ids import CLUSTER_SCOPED_KINDS, resource_id
from .labels import selector_matches

KubeObject = dict[str, Any]

_NO_TIME = datetime.min.replace(tzinfo=UTC)


def metadata_of(obj: KubeObject) -> dict[str, Any]:
    return obj.get("metadata") or {}


def name_of(obj: KubeObject) -> str:
    return metadata_of(obj).get("name") or ""


def namespace_of(obj: KubeObject) -> str:
    return metadata_of(obj).get("namespace") or ""


def labels_of(obj: KubeObject) -> dict[str, str]:
    return metadata_of(obj).get("labels") or {}


def annotations_of(obj: KubeObject) -> dict[str, str]:
    return metadata_of(obj).get("annotations") or {}


def spec_of(obj: KubeObject) -> dict[str, Any]:
    return obj.get("spec") or {}


def status_of(obj: KubeObject) -> dict[str, Any]:
    return obj.get("status") or {}


def resource_id_of(kind: str, obj: KubeObject) -> str:
    return resource_id(kind, name_of(obj), namespace_of(obj))


def parse_time(value: Any) -> datetime:
    """API timestamps arrive as RFC 3339 strings ("...Z" from raw JSON, "+00:00" from the
    client's serializer) or, in tests, as datetimes; anything unparseable sorts first."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not value or not isinstance(value, str):
        return _NO_TIME
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return _NO_TIME
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def event_time(event: KubeObject) -> datetime:
    """When an event last happened: lastTimestamp, else the events.k8s.io eventTime, else when
    it was first seen or created (k8sgpt's FetchLatestEvent orders by lastTimestamp too)."""
    for value in (
        event.get("lastTimestamp"),
        (event.get("series") or {}).get("lastObservedTime"),
        event.get("eventTime"),
        event.get("firstTimestamp"),
        metadata_of(event).get("creationTimestamp"),
    ):
        parsed = parse_time(value)
        if parsed is not _NO_TIME:
            return parsed
    return _NO_TIME


def _event_key(kind: str, name: str, namespace: str) -> tuple[str, str, str]:
    # Events about cluster-scoped objects live in some namespace ("default") but describe an
    # object that has none; key them without one so Node lookups find them.
    return (kind, "" if kind in CLUSTER_SCOPED_KINDS else namespace, name)


class _PodLabelIndex:
    """Pods of one namespace indexed by (label key, value): a Service or policy selector is
    answered by intersecting a few small sets instead of scanning every pod."""

    def __init__(self, pods: list[KubeObject]) -> None:
        self.pods = pods
        self.by_pair: dict[tuple[str, str], set[int]] = defaultdict(set)
        self.values_by_key: dict[str, set[str]] = defaultdict(set)
        for index, pod in enumerate(pods):
            for key, value in labels_of(pod).items():
                self.by_pair[(key, value)].add(index)
                self.values_by_key[key].add(value)

    def matching(self, selector: Mapping[str, Any]) -> list[KubeObject]:
        match_labels = selector.get("matchLabels") or {}
        expressions = selector.get("matchExpressions") or []
        if match_labels:
            sets = sorted((self.by_pair.get(pair, set()) for pair in match_labels.items()), key=len)
            indexes = sorted(reduce(set.intersection, sets[1:], set(sets[0])))
            candidates = [self.pods[i] for i in indexes]
        else:
            candidates = self.pods
        if expressions:
            only_expressions = {"matchExpressions": expressions}
            candidates = [pod for pod in candidates if selector_matches(only_expressions, labels_of(pod))]
        return candidates


class ClusterView:
    """Kubernetes objects grouped by kind, with lazily built indexes. Treat it as read-only."""

    def __init__(self, objects_by_kind: Mapping[str, Iterable[KubeObject]]) -> None:
        self._objects: dict[str, list[KubeObject]] = {kind: list(objs) for kind, objs in objects_by_kind.items()}
        self._by_name: dict[str, dict[tuple[str, str], KubeObject]] = {}
        self._by_namespace: dict[str, dict[str, list[KubeObject]]] = {}
        self._events: dict[tuple[str, str, str], list[KubeObject]] | None = None
        self._events_by_reason: dict[tuple[str, str], list[KubeObject]] | None = None
        self._pod_labels: dict[str, _PodLabelIndex] = {}
        self._owned: dict[tuple[str, str, str, str], list[KubeObject]] | None = None

    @classmethod
    def from_objects(cls, objects: Iterable[KubeObject], *, fetched_kinds: Iterable[str] = ()) -> ClusterView:
        """Group objects that carry their own `kind` (manifests, test cases, `kubectl get -o
        json` items). `fetched_kinds` are marked as fetched even when none of their objects is
        present, so "no StorageClass named x" is a fact rather than a gap in the snapshot."""
        grouped: dict[str, list[KubeObject]] = {kind: [] for kind in fetched_kinds}
        for obj in objects:
            kind = obj.get("kind")
            if not kind:
                raise ValueError(
                    f"object {metadata_of(obj).get('namespace', '')}/{name_of(obj) or '?'} has no 'kind'; "
                    "objects from a typed list call carry none -- build ClusterView({kind: items}) instead"
                )
            grouped.setdefault(kind, []).append(obj)
        return cls(grouped)

    # --- objects ---------------------------------------------------------------------------

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._objects)

    def has_kind(self, kind: str) -> bool:
        """True when this kind was fetched, so a missing object really is missing."""
        return kind in self._objects

    def of_kind(self, kind: str, namespace: str | None = None) -> list[KubeObject]:
        """Every object of a kind, or only those in one namespace."""
        if namespace is None:
            return self._objects.get(kind, [])
        index = self._by_namespace.get(kind)
        if index is None:
            index = defaultdict(list)
            for obj in self._objects.get(kind, []):
                index[namespace_of(obj)].append(obj)
            self._by_namespace[kind] = index
        return index.get(namespace, [])

    def get(self, kind: str, name: str, namespace: str = "") -> KubeObject | None:
        """One object by name; namespace is ignored for cluster-scoped kinds."""
        cluster_scoped = kind in CLUSTER_SCOPED_KINDS
        index = self._by_name.get(kind)
        if index is None:
            # A cluster-scoped object's metadata.namespace, if any, means nothing (fakes set it).
            index = {("" if cluster_scoped else namespace_of(obj), name_of(obj)): obj for obj in self._objects.get(kind, [])}
            self._by_name[kind] = index
        return index.get(("" if cluster_scoped else namespace, name))

    def in_namespace(self, namespace: str) -> ClusterView:
        """The same snapshot limited to one namespace. Cluster-scoped objects stay (a namespace's
        pods still run on those Nodes), and so do the events about them."""
        filtered: dict[str, list[KubeObject]] = {}
        for kind, objs in self._objects.items():
            if kind in CLUSTER_SCOPED_KINDS:
                filtered[kind] = objs
            elif kind == "Event":
                filtered[kind] = [e for e in objs if self._event_in_namespace(e, namespace)]
            else:
                filtered[kind] = [o for o in objs if namespace_of(o) == namespace]
        return ClusterView(filtered)

    @staticmethod
    def _event_in_namespace(event: KubeObject, namespace: str) -> bool:
        involved = event.get("involvedObject") or {}
        if involved.get("kind") in CLUSTER_SCOPED_KINDS:
            return True
        return (involved.get("namespace") or namespace_of(event)) == namespace

    # --- events ----------------------------------------------------------------------------

    def _event_index(self) -> dict[tuple[str, str, str], list[KubeObject]]:
        if self._events is None:
            index: dict[tuple[str, str, str], list[KubeObject]] = defaultdict(list)
            for event in self._objects.get("Event", []):
                involved = event.get("involvedObject") or {}
                key = _event_key(
                    involved.get("kind") or "",
                    involved.get("name") or "",
                    involved.get("namespace") or namespace_of(event),
                )
                index[key].append(event)
            for events in index.values():
                events.sort(key=event_time)  # stable: untimed events keep their order
            self._events = index
        return self._events

    def events_for(self, kind: str, name: str, namespace: str = "") -> list[KubeObject]:
        """Events whose involvedObject is this object, oldest first."""
        return self._event_index().get(_event_key(kind, name, namespace), [])

    def latest_event(
        self,
        kind: str,
        name: str,
        namespace: str = "",
        *,
        reasons: Iterable[str] | None = None,
        warning_only: bool = False,
    ) -> KubeObject | None:
        """The most recent event about an object, optionally only of some reasons / Warnings."""
        wanted = None if reasons is None else frozenset(reasons)
        for event in reversed(self.events_for(kind, name, namespace)):
            if wanted is not None and event.get("reason") not in wanted:
                continue
            if warning_only and event.get("type") != "Warning":
                continue
            return event
        return None

    def events_with_reason(self, reason: str, namespace: str) -> list[KubeObject]:
        """Every event of one reason in a namespace (e.g. FailedCreate, to find quota rejections)."""
        if self._events_by_reason is None:
            index: dict[tuple[str, str], list[KubeObject]] = defaultdict(list)
            for event in self._objects.get("Event", []):
                involved = event.get("involvedObject") or {}
                index[(event.get("reason") or "", involved.get("namespace") or namespace_of(event))].append(event)
            self._events_by_reason = index
        return self._events_by_reason.get((reason, namespace), [])

    # --- pods by label ---------------------------------------------------------------------

    def _pod_label_index(self, namespace: str) -> _PodLabelIndex:
        index = self._pod_labels.get(namespace)
        if index is None:
            index = _PodLabelIndex(self.of_kind("Pod", namespace))
            self._pod_labels[namespace] = index
        return index

    def pods_matching(self, namespace: str, selector: Mapping[str, Any]) -> list[KubeObject]:
        """Pods in a namespace selected by a LabelSelector ({matchLabels, matchExpressions}).
        An empty selector selects every pod; callers that treat "no selector" differently
        (a Service without one manages its endpoints by hand) check that first."""
        return self._pod_label_index(namespace).matching(selector)

    def pod_label_values(self, namespace: str, key: str) -> set[str]:
        """The values pods in a namespace carry for one label key: what a mismatched selector
        was probably meant to say."""
        return self._pod_label_index(namespace).values_by_key.get(key, set())

    def pods_with_label(self, namespace: str, key: str, value: str) -> int:
        return len(self._pod_label_index(namespace).by_pair.get((key, value), ()))

    # --- ownership -------------------------------------------------------------------------

    def owned_by(self, kind: str, owner_kind: str, owner_name: str, namespace: str) -> list[KubeObject]:
        """Objects of `kind` whose ownerReferences name the given owner (e.g. a Deployment's
        ReplicaSets)."""
        if self._owned is None:
            index: dict[tuple[str, str, str, str], list[KubeObject]] = defaultdict(list)
            for owned_kind in ("ReplicaSet", "Pod", "Job", "ControllerRevision"):
                for obj in self._objects.get(owned_kind, []):
                    for ref in metadata_of(obj).get("ownerReferences") or []:
                        index[(owned_kind, ref.get("kind") or "", ref.get("name") or "", namespace_of(obj))].append(obj)
            self._owned = index
        return self._owned.get((kind, owner_kind, owner_name, namespace), [])

    def controller_of(self, obj: KubeObject) -> str | None:
        """Resource id of the top-level workload behind an object (Pod -> ReplicaSet ->
        Deployment, Pod -> Job -> CronJob), or None when nothing owns it. This is k8sgpt's
        ParentObject, and the root-cause resource the responder must point at for workload faults."""
        namespace = namespace_of(obj)
        current_kind, current_name = "", ""
        current = obj
        for _ in range(4):  # Pod -> ReplicaSet -> Deployment is the deepest built-in chain
            refs = metadata_of(current).get("ownerReferences") or []
            ref = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
            if ref is None:
                break
            current_kind, current_name = ref.get("kind") or "", ref.get("name") or ""
            parent = self.get(current_kind, current_name, namespace)
            if parent is None:
                if current_kind == "ReplicaSet":
                    # The ReplicaSet was not fetched; its name is "<deployment>-<template hash>".
                    deployment = current_name.rsplit("-", 1)[0]
                    if self.get("Deployment", deployment, namespace) is not None:
                        current_kind, current_name = "Deployment", deployment
                break
            current = parent
        if not current_kind:
            return None
        return resource_id(current_kind, current_name, namespace)
