"""Who owns what among the stored objects: each uid's key, and each owner's dependents for the cascade."""

from __future__ import annotations

Key = tuple[str, str, str]  # (kind, namespace or "" for cluster-scoped, name)


class OwnerIndex:
    """Stored objects by uid, and the keys of the objects each uid owns (their ownerReferences)."""

    def __init__(self) -> None:
        self._by_uid: dict[str, Key] = {}
        self._dependents: dict[str, set[Key]] = {}  # owner uid -> keys of objects it owns

    def __contains__(self, uid: object) -> bool:
        return uid in self._by_uid

    def add(self, key: Key, obj: dict) -> None:
        meta = obj["metadata"]
        self._by_uid[meta["uid"]] = key
        for ref in meta.get("ownerReferences") or []:
            if isinstance(ref, dict) and ref.get("uid"):
                self._dependents.setdefault(ref["uid"], set()).add(key)

    def remove(self, key: Key, obj: dict) -> None:
        meta = obj["metadata"]
        if self._by_uid.get(meta.get("uid")) == key:
            del self._by_uid[meta["uid"]]
        for ref in meta.get("ownerReferences") or []:
            if isinstance(ref, dict) and ref.get("uid") in self._dependents:
                self._dependents[ref["uid"]].discard(key)
                if not self._dependents[ref["uid"]]:
                    del self._dependents[ref["uid"]]

    def take_dependents(self, uid: str) -> set[Key]:
        """The keys `uid` owns, no longer indexed under it: its owner is being deleted, the cascade walks them once."""
        return self._dependents.pop(uid, set())
