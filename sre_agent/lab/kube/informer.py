"""The world's read cache of the store, kept current by the store's change notifications.

Kubernetes controllers read through informers rather than asking the API server on every loop;
the world does the same. The store hands out a freshly decoded copy on every `list`, which is the
right contract for API clients but made the world's reconcile loop spend most of its time decoding
JSON it had just read. The informer holds one decoded object per key, replaced by the copy the
store passes to subscribers on every committed write, so a read costs nothing and can never be
stale.

Objects returned are shared: callers may change one only to write it back to the store (which
replaces the cached copy); anything else must copy first."""

from __future__ import annotations

from .store import ObjectStore

Key = tuple[str, str]  # (namespace or "", name)


class Informer:
    def __init__(self, store: ObjectStore) -> None:
        self._store = store
        self._objects: dict[str, dict[Key, dict]] = {}  # kind -> key -> object (only kinds read so far)
        self._sorted: dict[str, list[dict]] = {}  # kind -> objects sorted by key (rebuilt after a change)
        self._by_namespace: dict[str, dict[str, list[dict]]] = {}
        self.generation = 0  # bumps on every committed write, of any kind
        self._kind_versions: dict[str, int] = {}
        self._owned: dict[str, tuple[int, dict[str, list[dict]]]] = {}  # kind -> (version, owner uid -> objects)
        store.subscribe(self._on_change)

    def close(self) -> None:
        self._store.unsubscribe(self._on_change)

    def _on_change(self, event: str, obj: dict) -> None:
        self.generation += 1
        kind = obj.get("kind", "")
        self._kind_versions[kind] = self._kind_versions.get(kind, 0) + 1
        cache = self._objects.get(kind)
        if cache is None:
            return  # nobody has read this kind yet: the first read fills it from the store
        meta = obj["metadata"]
        key = (meta.get("namespace") or "", meta["name"])
        if event == "DELETED":
            cache.pop(key, None)
        else:
            cache[key] = obj
        self._sorted.pop(kind, None)
        self._by_namespace.pop(kind, None)

    def _cache(self, kind: str) -> dict[Key, dict]:
        cache = self._objects.get(kind)
        if cache is None:
            with self._store.lock:
                cache = {(o["metadata"].get("namespace") or "", o["metadata"]["name"]): o
                         for o in self._store.list(kind)}
            self._objects[kind] = cache
        return cache

    def list(self, kind: str, namespace: str | None = None) -> list[dict]:
        """Objects of a kind sorted by (namespace, name), as ObjectStore.list orders them. Do not
        mutate the returned list."""
        ordered = self._sorted.get(kind)
        if ordered is None:
            cache = self._cache(kind)
            ordered = self._sorted[kind] = [cache[key] for key in sorted(cache)]
        if namespace is None:
            return ordered
        spaces = self._by_namespace.get(kind)
        if spaces is None:
            spaces = self._by_namespace[kind] = {}
            for obj in ordered:
                spaces.setdefault(obj["metadata"].get("namespace") or "", []).append(obj)
        return spaces.get(namespace, [])

    def get(self, kind: str, namespace: str | None, name: str) -> dict | None:
        return self._cache(kind).get((namespace or "", name))

    def owned_by(self, kind: str, owner_uid: str) -> list[dict]:
        """Objects of `kind` whose ownerReferences name `owner_uid` (the garbage collector's
        dependents index): controllers ask this for every owner on every pass."""
        version = self._kind_versions.get(kind, 0)
        cached = self._owned.get(kind)
        if cached is None or cached[0] != version:
            index: dict[str, list[dict]] = {}
            for obj in self.list(kind):
                for ref in obj["metadata"].get("ownerReferences") or []:
                    index.setdefault(ref.get("uid"), []).append(obj)
            cached = self._owned[kind] = (version, index)
        return cached[1].get(owner_uid, [])
