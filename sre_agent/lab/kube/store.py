"""The lab's object store: Kubernetes objects as JSON, with the API server's storage semantics.

What it does that a dict would not:
  * system metadata: uid, a global resourceVersion counter, creationTimestamp from the
    injected (simulated) clock, generation bumped only when spec changes;
  * optimistic concurrency (409 Conflict on a stale resourceVersion), 409 AlreadyExists,
    404 NotFound with Kubernetes' messages, 422 Invalid with per-field causes;
  * the defaulting (defaulting.py) and the handful of validations (validation.py) kube-apiserver
    applies on every write and that the world model or a responder would otherwise trip over
    (replicas default to 1, quantities become strings, a Deployment's selector must match its
    template, ...);
  * cascading deletes: a Namespace takes everything in it; an owner takes its dependents
    (ownerReferences, indexed in ownership.py), as the garbage collector does with background propagation;
  * change notification (`subscribe`) so the world model knows when to re-derive state.

Isolation and speed come from one trick: every stored object is kept twice, as the parsed
dict (private, never mutated, never handed out) and as its serialised JSON bytes. Readers get
a fresh parse of the bytes (much faster than copy.deepcopy), and the HTTP layer builds a list
response by joining the bytes without touching the dicts at all.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .admission import admit_resize
from .codec import canonical_order, dumps, format_time, loads
from .defaulting import apply_defaults, canonicalize_quantities, normalize, prepare_for_create
from .errors import ApiError
from .identity import assign_cluster_ip, generate_name, uuid4
from .listing import ListPage, NamespacedName, object_filter, one_page
from .managed_fields import MANAGED_FIELDS_KINDS, managed_entry
from .ownership import OwnerIndex
from .resources import ResourceType, find_kind, stored_kinds
from .validation import check_envelope, check_name, grows_claim, update_rules, validate, validate_quantity_maps

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Entry:
    obj: dict  # private parsed copy: never mutated, never returned
    raw: bytes  # the same object serialised; readers parse it, lists join it


class ObjectStore:
    """Thread-safe store of Kubernetes objects, indexed by kind then namespace.

    Every method takes `lock` (re-entrant); hold it yourself around read-modify-write sequences.
    Subscribers run synchronously, on the writer's thread, with the lock held: keep them short
    and never wait on another thread from one."""

    def __init__(self, now: Callable[[], datetime], *, seed: int = 0) -> None:
        self.lock = threading.RLock()
        self.now = now
        self._rng = random.Random(seed)  # uids and generated names are reproducible per seed
        self._rv = 0
        self._data: dict[str, dict[str, dict[str, _Entry]]] = {kind: {} for kind in stored_kinds()}
        self._owners = OwnerIndex()
        self._subscribers: list[Callable[[str, dict], None]] = []
        self._next_cluster_ip = 10

    # -- reads ------------------------------------------------------------------------------

    def get(self, kind: str, namespace: str | None, name: str) -> dict:
        return loads(self._entry(kind, namespace, name).raw)

    def get_serialized(self, kind: str, namespace: str | None, name: str) -> bytes:
        return self._entry(kind, namespace, name).raw

    def try_get(self, kind: str, namespace: str | None, name: str) -> dict | None:
        rtype = self._rtype(kind)
        with self.lock:
            entry = self._data[kind].get(self._ns(rtype, namespace), {}).get(name)
            return loads(entry.raw) if entry else None

    def list(self, kind: str, namespace: str | None = None, label_selector: str | dict | None = None,
             field_selector: str | None = None) -> list[dict]:
        """Deep copies sorted by (namespace, name); namespace None means all namespaces."""
        with self.lock:
            return [loads(e.raw) for _, e in self._select(kind, namespace, label_selector, field_selector)]

    def list_serialized(self, kind: str, namespace: str | None = None, label_selector: str | dict | None = None,
                        field_selector: str | None = None, *, limit: int | None = None,
                        after: NamespacedName | None = None) -> ListPage:
        """Serialised items for the HTTP layer, optionally one page (`limit` items after `after`)."""
        with self.lock:
            selected, last, remaining = one_page(self._select(kind, namespace, label_selector, field_selector),
                                                 limit, after)
            return ListPage([e.raw for _, e in selected], str(self._rv), last, remaining)

    def counts(self) -> dict[str, int]:
        with self.lock:
            counts = {kind: sum(len(names) for names in spaces.values()) for kind, spaces in self._data.items()}
        return {kind: n for kind, n in counts.items() if n}

    @property
    def resource_version(self) -> str:
        return str(self._rv)

    def subscribe(self, callback: Callable[[str, dict], None]) -> None:
        with self.lock:
            self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[str, dict], None]) -> None:
        with self.lock:
            self._subscribers.remove(callback)

    # -- writes -----------------------------------------------------------------------------

    def create(self, obj: dict, *, dry_run: bool = False, uid: str | None = None) -> dict:
        """Store a new object. `uid`: one the caller derived itself (the world's bookkeeping objects,
        so creating them does not shift the seeded uids -- and the names -- of everything after)."""
        with self.lock:
            rtype, new = check_envelope(obj, creating=True)
            meta = new["metadata"]
            ns = self._ns(rtype, meta.get("namespace"))
            if rtype.namespaced:
                meta["namespace"] = ns
            else:
                meta.pop("namespace", None)
            if not meta.get("name"):
                meta["name"] = generate_name(meta["generateName"], self._rng, self._data[rtype.kind].get(ns, {}))
            name = meta["name"]
            if rtype.namespaced and ns not in self._data["Namespace"].get("", {}):
                raise ApiError.not_found(find_kind("Namespace"), ns)  # type: ignore[arg-type]
            if name in self._data[rtype.kind].get(ns, {}):
                raise ApiError.already_exists(rtype, name)
            rng = random.Random() if dry_run else self._rng  # a dry run must not shift the seeded sequence
            drawn_from = rng.getstate()
            # The uid comes first: a Job's generated selector and pod labels are made of it.
            meta["uid"] = uid or uuid4(rng)
            prepare_for_create(rtype, new)
            try:
                self._prepare(rtype, new, old=None, dry_run=dry_run)
            except ApiError:
                rng.setstate(drawn_from)  # a refused create leaves the seeded sequence as it was
                raise
            meta["creationTimestamp"] = format_time(self.now())
            if "spec" in new:
                meta["generation"] = 1
            meta.pop("resourceVersion", None)
            for transient in ("deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink"):
                meta.pop(transient, None)
            if dry_run:
                return canonical_order(new)
            return self._commit("ADDED", rtype, ns, new, old=None)

    def replace(self, obj: dict, *, dry_run: bool = False, as_client: bool = False) -> dict:
        """Replace everything but status (for kinds with a status subresource) and system metadata.

        `as_client=True` (the HTTP layer) also enforces immutable fields (a pod's spec, a
        workload's selector, ...) with Kubernetes' 422; the world model writes without them."""
        with self.lock:
            rtype, new = check_envelope(obj, creating=False)
            old = self._existing(rtype, new)
            if rtype.has_status:
                if "status" in old.obj:
                    new["status"] = loads(dumps(old.obj["status"]))
                else:
                    new.pop("status", None)
            self._prepare(rtype, new, old=old.obj, dry_run=dry_run)
            if as_client:
                causes = update_rules(rtype, old.obj, new)
                if causes:
                    raise ApiError.invalid(rtype.kind, rtype.group, new["metadata"]["name"], causes)
                if rtype.kind == "PersistentVolumeClaim" and grows_claim(old.obj, new):
                    class_name = new["spec"].get("storageClassName") or ""
                    admit_resize(new, self.try_get("StorageClass", None, class_name) if class_name else None)
            return self._write(rtype, new, old, dry_run)

    def update_status(self, obj: dict, *, dry_run: bool = False) -> dict:
        """Replace only .status; spec, labels and annotations stay as stored."""
        with self.lock:
            rtype, incoming = check_envelope(obj, creating=False)
            old = self._existing(rtype, incoming)
            new = loads(old.raw)
            if "status" in incoming and incoming["status"] is not None:
                new["status"] = incoming["status"]
            else:
                new.pop("status", None)
            canonicalize_quantities(rtype.kind, new)
            causes = validate_quantity_maps(rtype.kind, new, "status")  # the scheduler reads a Node's capacity
            if causes:
                raise ApiError.invalid(rtype.kind, rtype.group, new["metadata"]["name"], causes)
            return self._write(rtype, new, old, dry_run)

    def delete(self, kind: str, namespace: str | None, name: str, *, dry_run: bool = False,
               propagation: str = "Background", preconditions: dict | None = None) -> dict:
        """Delete now (the lab has no finalizers or grace periods) and cascade like the garbage
        collector: Namespace -> its contents; owner -> dependents unless propagation is Orphan."""
        if propagation not in ("Background", "Foreground", "Orphan"):
            raise ApiError.bad_request(
                f"propagationPolicy {propagation!r} is not supported; use Background, Foreground or Orphan")
        with self.lock:
            rtype = self._rtype(kind)
            entry = self._entry(kind, namespace, name)
            meta = entry.obj["metadata"]
            for field, have in (("uid", meta.get("uid")), ("resourceVersion", meta.get("resourceVersion"))):
                want = (preconditions or {}).get(field)
                if want and want != have:
                    raise ApiError.conflict(rtype, name, f"Precondition failed: {field}: {want}, {field}: {have}")
            if dry_run:
                return loads(entry.raw)
            self._delete_tree(rtype, self._ns(rtype, namespace), name, propagation)
            return loads(entry.raw)

    # -- internals --------------------------------------------------------------------------

    def _rtype(self, kind: str) -> ResourceType:
        rtype = find_kind(kind) if isinstance(kind, str) else None
        if rtype is None or not rtype.stored:
            raise ApiError(404, "NotFound", f"the lab API server does not store kind {kind!r}; stored kinds: "
                           f"{', '.join(sorted(stored_kinds()))}")
        return rtype

    @staticmethod
    def _ns(rtype: ResourceType, namespace: str | None) -> str:
        if not rtype.namespaced:
            return ""
        if not namespace:
            raise ApiError.bad_request(f"{rtype.kind} is namespaced: a namespace is required")
        return namespace

    def _entry(self, kind: str, namespace: str | None, name: str) -> _Entry:
        rtype = self._rtype(kind)
        with self.lock:
            entry = self._data[kind].get(self._ns(rtype, namespace), {}).get(name)
        if entry is None:
            raise ApiError.not_found(rtype, name)
        return entry

    def _select(self, kind: str, namespace: str | None, label_selector: Any,
                field_selector: str | None) -> list[tuple[NamespacedName, _Entry]]:
        rtype = self._rtype(kind)
        matches = object_filter(label_selector, field_selector)
        spaces = self._data[kind]
        if rtype.namespaced and namespace:
            chosen = [(namespace, spaces.get(namespace, {}))]
        else:
            chosen = sorted(spaces.items())
        out: list[tuple[NamespacedName, _Entry]] = []
        for ns, names in chosen:
            for name in sorted(names):
                entry = names[name]
                if matches is not None and not matches(entry.obj):
                    continue
                out.append(((ns, name), entry))
        return out

    def _existing(self, rtype: ResourceType, new: dict) -> _Entry:
        meta = new["metadata"]
        entry = self._data[rtype.kind].get(self._ns(rtype, meta.get("namespace")), {}).get(meta["name"])
        if entry is None:
            raise ApiError.not_found(rtype, meta["name"])
        want = meta.get("resourceVersion")
        if want and want != entry.obj["metadata"]["resourceVersion"]:
            raise ApiError.conflict(rtype, meta["name"], "the object has been modified; please apply your "
                                    "changes to the latest version and try again")
        return entry

    def _prepare(self, rtype: ResourceType, new: dict, old: dict | None, dry_run: bool) -> None:
        """Normalise, default and validate an object about to be written."""
        name = new["metadata"]["name"]
        bad_name = check_name(rtype, name)
        if bad_name:
            raise ApiError.invalid(rtype.kind, rtype.group, name, [bad_name])
        normalize(rtype, new)
        apply_defaults(rtype, new)
        if rtype.kind == "Service" and assign_cluster_ip(new, old, self._next_cluster_ip) and not dry_run:
            self._next_cluster_ip += 1
        causes = validate(rtype, new)
        if causes:
            raise ApiError.invalid(rtype.kind, rtype.group, name, causes)

    def _write(self, rtype: ResourceType, new: dict, old: _Entry, dry_run: bool) -> dict:
        """Finish an update: carry system metadata over, detect no-ops, bump versions."""
        old_meta, meta = old.obj["metadata"], new["metadata"]
        for field in ("uid", "creationTimestamp", "namespace", "name", "resourceVersion"):
            if field in old_meta:
                meta[field] = old_meta[field]
            else:
                meta.pop(field, None)
        meta.pop("managedFields", None)
        if "managedFields" in old_meta:  # the server's own record, carried over (then stamped in _commit)
            meta["managedFields"] = old_meta["managedFields"]
        if "generation" in old_meta:
            changed = old.obj.get("spec") != new.get("spec")
            meta["generation"] = old_meta["generation"] + (1 if changed else 0)
        elif "spec" in new:
            meta["generation"] = 1
        if new == old.obj:  # a no-op write: no new resourceVersion, no event (as Kubernetes)
            return loads(old.raw)
        if dry_run:
            return canonical_order(new)
        ns = meta.get("namespace", "") if rtype.namespaced else ""
        return self._commit("MODIFIED", rtype, ns, new, old=old.obj)

    def _commit(self, event: str, rtype: ResourceType, ns: str, new: dict, old: dict | None) -> dict:
        self._rv += 1
        if rtype.kind in MANAGED_FIELDS_KINDS:
            new["metadata"]["managedFields"] = [managed_entry(new, format_time(self.now()))]
        new["metadata"]["resourceVersion"] = str(self._rv)
        new = canonical_order(new)
        raw = dumps(new)
        key = (rtype.kind, ns, new["metadata"]["name"])
        self._data[rtype.kind].setdefault(ns, {})[key[2]] = _Entry(new, raw)
        if old is not None:
            self._owners.remove(key, old)
        self._owners.add(key, new)
        self._notify(event, raw)
        return loads(raw)

    def _notify(self, event: str, raw: bytes) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event, loads(raw))
            except Exception:  # a broken subscriber must not undo or block a committed write
                log.exception("store subscriber %r failed on a %s event", callback, event)

    def _delete_tree(self, rtype: ResourceType, ns: str, name: str, propagation: str) -> None:
        names = self._data[rtype.kind].get(ns, {})
        entry = names.pop(name, None)
        if entry is None:  # already taken by an earlier branch of the cascade
            return
        if not names:
            self._data[rtype.kind].pop(ns, None)
        key = (rtype.kind, ns, name)
        uid = entry.obj["metadata"]["uid"]
        self._owners.remove(key, entry.obj)
        self._rv += 1
        self._notify("DELETED", entry.raw)
        if rtype.kind == "Namespace":
            for kind, spaces in self._data.items():
                inner = find_kind(kind)
                if inner and inner.namespaced:
                    for child in sorted(spaces.get(name, {})):
                        self._delete_tree(inner, name, child, "Background")
        self._cascade_to_dependents(uid, propagation)

    def _cascade_to_dependents(self, uid: str, propagation: str) -> None:
        for kind, ns, name in sorted(self._owners.take_dependents(uid)):
            entry = self._data[kind].get(ns, {}).get(name)
            if entry is None:
                continue
            dep_type = find_kind(kind)
            assert dep_type is not None
            refs = entry.obj["metadata"].get("ownerReferences") or []
            alive = [r for r in refs if r.get("uid") != uid and r.get("uid") in self._owners]
            if propagation == "Orphan" or alive:
                # the GC only deletes a dependent whose owners are all gone; otherwise it drops the ref
                updated = loads(entry.raw)
                updated["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != uid]
                if not updated["metadata"]["ownerReferences"]:
                    del updated["metadata"]["ownerReferences"]
                self._commit("MODIFIED", dep_type, ns, updated, old=entry.obj)
            else:
                self._delete_tree(dep_type, ns, name, "Background")

    def keys(self, kind: str) -> Iterable[tuple[str, str]]:
        """(namespace, name) of every stored object of a kind, for cheap existence scans."""
        with self.lock:
            return [(ns, name) for ns, names in self._data[self._rtype(kind).kind].items() for name in names]
