"""The lab's object store: Kubernetes objects as JSON, with the API server's storage semantics.

What it does that a dict would not:
  * system metadata: uid, a global resourceVersion counter, creationTimestamp from the
    injected (simulated) clock, generation bumped only when spec changes;
  * optimistic concurrency (409 Conflict on a stale resourceVersion), 409 AlreadyExists,
    404 NotFound with Kubernetes' messages, 422 Invalid with per-field causes;
  * the defaulting and the handful of validations kube-apiserver applies on every write and
    that the world model or a responder would otherwise trip over (replicas default to 1,
    quantities become strings, a Deployment's selector must match its template, ...);
  * cascading deletes: a Namespace takes everything in it; an owner takes its dependents
    (ownerReferences), as the garbage collector does with background propagation;
  * change notification (`subscribe`) so the world model knows when to re-derive state.

Isolation and speed come from one trick: every stored object is kept twice, as the parsed
dict (private, never mutated, never handed out) and as its serialised JSON bytes. Readers get
a fresh parse of the bytes (much faster than copy.deepcopy), and the HTTP layer builds a list
response by joining the bytes without touching the dicts at all.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import random
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sre_agent.lab.resources import ResourceType, find_kind, stored_kinds
from sre_agent.lab.selectors import SelectorError, parse_field_selector, to_label_selector

log = logging.getLogger(__name__)

try:  # orjson is ~5x faster both ways; it comes with langgraph, but the store works without it
    import orjson

    _OPTS = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z

    def dumps(obj: Any) -> bytes:
        return orjson.dumps(obj, option=_OPTS)

    loads: Callable[[bytes | str], Any] = orjson.loads
except ImportError:  # pragma: no cover - exercised only where orjson is absent

    def _json_default(value: Any) -> str:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
            return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        if hasattr(value, "isoformat"):
            return value.isoformat()
        raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")

    def dumps(obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=_json_default).encode()

    loads = json.loads


# --- errors ----------------------------------------------------------------------------------


class ApiError(Exception):
    """An error the Kubernetes API would answer with; `status_body()` is its Status object."""

    def __init__(self, code: int, reason: str, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}

    def status_body(self) -> dict:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body

    # Constructors with Kubernetes' exact wording, so clients that parse messages keep working.

    @classmethod
    def not_found(cls, rtype: ResourceType, name: str) -> ApiError:
        return cls(404, "NotFound", f'{rtype.group_resource} "{name}" not found',
                   {"name": name, "group": rtype.group, "kind": rtype.plural})

    @classmethod
    def already_exists(cls, rtype: ResourceType, name: str) -> ApiError:
        return cls(409, "AlreadyExists", f'{rtype.group_resource} "{name}" already exists',
                   {"name": name, "group": rtype.group, "kind": rtype.plural})

    @classmethod
    def conflict(cls, rtype: ResourceType, name: str, why: str) -> ApiError:
        return cls(409, "Conflict", f'Operation cannot be fulfilled on {rtype.group_resource} "{name}": {why}',
                   {"name": name, "group": rtype.group, "kind": rtype.plural})

    @classmethod
    def bad_request(cls, message: str) -> ApiError:
        return cls(400, "BadRequest", message)

    @classmethod
    def invalid(cls, kind: str, group: str, name: str, causes: list[dict]) -> ApiError:
        qualified = f"{kind}.{group}" if group else kind
        summaries = [f"{c['field']}: {c['message']}" for c in causes]
        joined = summaries[0] if len(summaries) == 1 else f"[{', '.join(summaries)}]"
        return cls(422, "Invalid", f'{qualified} "{name}" is invalid: {joined}',
                   {"name": name, "group": group, "kind": kind, "causes": causes})


def _required(field: str, detail: str = "") -> dict:
    return {"reason": "FieldValueRequired", "message": "Required value" + (f": {detail}" if detail else ""),
            "field": field}


def _invalid_value(field: str, value: Any, detail: str) -> dict:
    shown = json.dumps(value) if isinstance(value, str) else repr(value)
    return {"reason": "FieldValueInvalid", "message": f"Invalid value: {shown}: {detail}", "field": field}


def _duplicate(field: str, value: Any) -> dict:
    return {"reason": "FieldValueDuplicate", "message": f"Duplicate value: {json.dumps(value)}", "field": field}


# --- validation and defaulting (what kube-apiserver does on every write) ---------------------

_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                  "and must start and end with an alphanumeric character (e.g. 'example.com')")
_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
              "start and end with an alphanumeric character (e.g. 'my-name'), at most 63 characters")
_DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                "alphabetic character, and end with an alphanumeric character (e.g. 'my-name'), at most 63 characters")
_WORKLOADS_WITH_SELECTOR = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"})
_QUANTITY_MAPS = frozenset({"limits", "requests", "capacity", "allocatable", "hard", "used", "overhead",
                            "max", "min", "default", "defaultRequest", "maxLimitRequestRatio"})


def _check_name(rtype: ResourceType, name: str) -> dict | None:
    if rtype.kind == "Service":
        ok, msg = len(name) <= 63 and bool(_DNS1035_RE.match(name)), _DNS1035_MSG
    elif rtype.kind == "Namespace":
        ok, msg = len(name) <= 63 and bool(_LABEL_RE.match(name)), _LABEL_MSG
    else:
        ok, msg = len(name) <= 253 and bool(_SUBDOMAIN_RE.match(name)), _SUBDOMAIN_MSG
    return None if ok else _invalid_value("metadata.name", name, msg)


def pod_specs(kind: str, obj: dict) -> Iterator[tuple[str, dict, dict | None]]:
    """(field path, pod spec, template metadata or None) for every pod spec an object carries."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    if kind == "Pod":
        yield "spec", spec, None
        return
    if kind == "CronJob":
        job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
        template, prefix = job_spec.get("template"), "spec.jobTemplate.spec.template"
    elif kind in _WORKLOADS_WITH_SELECTOR or kind == "Job":
        template, prefix = spec.get("template"), "spec.template"
    else:
        return
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        meta = template.get("metadata") if isinstance(template.get("metadata"), dict) else None
        yield f"{prefix}.spec", template["spec"], meta


def _canonical_quantity(value: Any) -> Any:
    """kube-apiserver accepts numbers for quantities and always answers with strings; the
    official client's models reject anything else, so `cpu: 1` from YAML must become "1"."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    milli = value * 1000
    return f"{round(milli)}m" if abs(milli - round(milli)) < 1e-9 else repr(value)


def _canonicalize_quantities(node: Any, parent_key: str = "") -> None:
    """Walk any subtree for quantity maps; used for the small, irregular kinds (HPA, LimitRange)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _QUANTITY_MAPS and isinstance(value, dict):
                for q in value:
                    value[q] = _canonical_quantity(value[q])
            elif key == "averageValue" or (key == "value" and parent_key in ("target", "current")):
                node[key] = _canonical_quantity(value)
            else:
                _canonicalize_quantities(value, key)
    elif isinstance(node, list):
        for item in node:
            _canonicalize_quantities(item, parent_key)


def _sub(node: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _resource_maps(resources: Any) -> Iterator[Any]:
    if isinstance(resources, dict):
        yield resources.get("limits")
        yield resources.get("requests")


def _quantity_maps(kind: str, obj: dict) -> Iterator[Any]:
    """The quantity maps of an object, found by path rather than by walking all of it (writes of
    5,000-pod worlds are dominated by this otherwise)."""
    for _, pod_spec, _ in pod_specs(kind, obj):
        for field in ("containers", "initContainers", "ephemeralContainers"):
            for c in pod_spec.get(field) or []:
                yield from _resource_maps(_sub(c, "resources"))
        yield pod_spec.get("overhead")
        yield from _resource_maps(pod_spec.get("resources"))
    if kind == "Pod":
        for field in ("containerStatuses", "initContainerStatuses"):
            for cs in _sub(obj, "status", field) or []:
                yield _sub(cs, "allocatedResources")
                yield from _resource_maps(_sub(cs, "resources"))
    elif kind == "ResourceQuota":
        yield _sub(obj, "spec", "hard")
        yield _sub(obj, "status", "hard")
        yield _sub(obj, "status", "used")
    elif kind == "Node":
        yield _sub(obj, "status", "capacity")
        yield _sub(obj, "status", "allocatable")
    elif kind == "PersistentVolumeClaim":
        yield from _resource_maps(_sub(obj, "spec", "resources"))
        yield _sub(obj, "status", "capacity")
        yield _sub(obj, "status", "allocatedResources")
    elif kind == "PersistentVolume":
        yield _sub(obj, "spec", "capacity")
    elif kind == "StatefulSet":
        for template in _sub(obj, "spec", "volumeClaimTemplates") or []:
            yield from _resource_maps(_sub(template, "spec", "resources"))


def canonicalize_quantities(kind: str, obj: dict) -> None:
    """kube-apiserver accepts numbers for quantities and answers with strings; do the same."""
    if kind in ("HorizontalPodAutoscaler", "LimitRange"):
        _canonicalize_quantities(obj.get("spec"))
        _canonicalize_quantities(obj.get("status"))
        return
    for mapping in _quantity_maps(kind, obj):
        if isinstance(mapping, dict):
            for key, value in mapping.items():
                if not isinstance(value, str):
                    mapping[key] = _canonical_quantity(value)


def _require_strings(mapping: Any, field: str) -> None:
    """Kubernetes rejects non-string values where the schema says string (a YAML `2` or `true`
    left unquoted is the usual cause); say exactly which key and how to fix it."""
    if mapping is None:
        return
    if not isinstance(mapping, dict):
        raise ApiError.bad_request(f"{field} must be a map of string keys to string values, got {mapping!r}")
    for key, value in mapping.items():
        if not isinstance(value, str):
            raise ApiError.bad_request(
                f"{field}[{key!r}] must be a string, got {type(value).__name__} {value!r}; "
                f"quote it in YAML (\"{value}\")"
            )


def _normalize(rtype: ResourceType, obj: dict) -> None:
    meta = obj["metadata"]
    _require_strings(meta.get("labels"), "metadata.labels")
    _require_strings(meta.get("annotations"), "metadata.annotations")
    for path, spec, template_meta in pod_specs(rtype.kind, obj):
        if template_meta:
            _require_strings(template_meta.get("labels"), path.removesuffix(".spec") + ".metadata.labels")
            _require_strings(template_meta.get("annotations"), path.removesuffix(".spec") + ".metadata.annotations")
        for field in ("containers", "initContainers"):
            for i, c in enumerate(spec.get(field) or []):
                for j, env in enumerate((c.get("env") or []) if isinstance(c, dict) else []):
                    if isinstance(env, dict) and "value" in env and not isinstance(env["value"], str):
                        raise ApiError.bad_request(
                            f"{path}.{field}[{i}].env[{j}].value ({env.get('name')}) must be a string, got "
                            f"{type(env['value']).__name__} {env['value']!r}; quote it in YAML"
                        )
    if rtype.kind == "ConfigMap":
        _require_strings(obj.get("data"), "data")
    if rtype.kind == "Secret":
        string_data = obj.pop("stringData", None)
        _require_strings(string_data, "stringData")
        _require_strings(obj.get("data"), "data")
        if string_data:  # the API server folds stringData into base64 data on write
            data = obj.setdefault("data", {})
            for key, value in string_data.items():
                data[key] = base64.b64encode(value.encode()).decode()
    canonicalize_quantities(rtype.kind, obj)


def _pull_policy(image: str) -> str:
    last = image.rsplit("/", 1)[-1]
    if "@" in last:
        return "IfNotPresent"
    tag = last.rpartition(":")[2] if ":" in last else ""
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _apply_defaults(rtype: ResourceType, obj: dict) -> None:
    """The defaults kube-apiserver fills in that the world model and responders rely on."""
    kind, spec = rtype.kind, obj.get("spec")
    for _, pod_spec, _meta in pod_specs(kind, obj):
        if kind not in ("Job", "CronJob"):  # Jobs must choose Never/OnFailure themselves
            pod_spec.setdefault("restartPolicy", "Always")
        for field in ("containers", "initContainers"):
            for c in pod_spec.get(field) or []:
                if not isinstance(c, dict):
                    continue
                if isinstance(c.get("image"), str) and c["image"]:
                    c.setdefault("imagePullPolicy", _pull_policy(c["image"]))
                for port in c.get("ports") or []:
                    if isinstance(port, dict):
                        port.setdefault("protocol", "TCP")
    if kind == "Namespace":
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
        obj.setdefault("status", {}).setdefault("phase", "Active")
    elif kind == "Secret":
        obj.setdefault("type", "Opaque")
    if not isinstance(spec, dict):
        return
    if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        spec.setdefault("replicas", 1)
    if kind == "Deployment":
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
        strategy = spec.setdefault("strategy", {})
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            rolling.setdefault("maxUnavailable", "25%")
            rolling.setdefault("maxSurge", "25%")
    elif kind == "StatefulSet":
        spec.setdefault("podManagementPolicy", "OrderedReady")
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
    elif kind == "DaemonSet":
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("updateStrategy",
                        {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
    elif kind == "Job":
        if "parallelism" not in spec and "completions" not in spec:
            spec["completions"] = 1
        spec.setdefault("parallelism", 1)
        spec.setdefault("backoffLimit", 6)
    elif kind == "CronJob":
        spec.setdefault("concurrencyPolicy", "Allow")
        spec.setdefault("suspend", False)
        spec.setdefault("successfulJobsHistoryLimit", 3)
        spec.setdefault("failedJobsHistoryLimit", 1)
    elif kind == "Service":
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        for port in spec.get("ports") or []:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")
                if "port" in port:
                    port.setdefault("targetPort", port["port"])


def _validate(rtype: ResourceType, obj: dict) -> list[dict]:
    """Field causes for a 422; empty when the object is acceptable."""
    causes: list[dict] = []
    kind, spec = rtype.kind, obj.get("spec")
    for path, pod_spec, template_meta in pod_specs(kind, obj):
        containers = pod_spec.get("containers")
        if not isinstance(containers, list) or not containers:
            causes.append(_required(f"{path}.containers", "a pod needs at least one container"))
        seen: set[str] = set()
        for field in ("initContainers", "containers"):
            for i, c in enumerate(pod_spec.get(field) or []):
                where = f"{path}.{field}[{i}]"
                if not isinstance(c, dict):
                    causes.append(_invalid_value(where, c, "must be an object"))
                    continue
                name = c.get("name")
                if not isinstance(name, str) or not name:
                    causes.append(_required(f"{where}.name"))
                elif not _LABEL_RE.match(name) or len(name) > 63:
                    causes.append(_invalid_value(f"{where}.name", name, _LABEL_MSG))
                elif name in seen:
                    causes.append(_duplicate(f"{where}.name", name))
                else:
                    seen.add(name)
                if not isinstance(c.get("image"), str) or not c["image"].strip():
                    causes.append(_required(f"{where}.image"))
        if kind in ("Job", "CronJob") and pod_spec.get("restartPolicy") not in ("Never", "OnFailure"):
            causes.append({"reason": "FieldValueRequired", "field": f"{path}.restartPolicy",
                           "message": 'Required value: valid values: "OnFailure", "Never"'})
        if kind in _WORKLOADS_WITH_SELECTOR:
            causes.extend(_validate_selector(spec, template_meta))
    if isinstance(spec, dict) and "replicas" in spec:
        replicas = spec["replicas"]
        if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
            causes.append(_invalid_value("spec.replicas", replicas, "must be greater than or equal to 0"))
    if kind == "Service" and isinstance(spec, dict):
        for i, port in enumerate(spec.get("ports") or []):
            p = port.get("port") if isinstance(port, dict) else None
            if isinstance(p, bool) or not isinstance(p, int) or not 1 <= p <= 65535:
                causes.append(_invalid_value(f"spec.ports[{i}].port", p, "must be between 1 and 65535, inclusive"))
    if kind == "CronJob" and isinstance(spec, dict) and not spec.get("schedule"):
        causes.append(_required("spec.schedule"))
    return causes


def _validate_selector(spec: dict, template_meta: dict | None) -> list[dict]:
    selector = spec.get("selector")
    if not isinstance(selector, dict) or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        return [_invalid_value("spec.selector", selector, "empty selector is invalid for a workload; "
                               "set spec.selector.matchLabels to the pod template's labels")]
    try:
        compiled = to_label_selector({k: v for k, v in selector.items() if k in ("matchLabels", "matchExpressions")})
    except SelectorError as exc:
        return [_invalid_value("spec.selector", selector, str(exc))]
    labels = (template_meta or {}).get("labels") or {}
    if not compiled.matches(labels):
        return [_invalid_value("spec.template.metadata.labels", labels,
                               f"`selector` does not match template `labels` (selector: {compiled})")]
    return []


def _without(spec: Any, *fields: str) -> Any:
    return {k: v for k, v in spec.items() if k not in fields} if isinstance(spec, dict) else spec


def _pod_spec_mutable_parts_removed(spec: Any) -> Any:
    spec = _without(spec, "activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds")
    if isinstance(spec, dict):
        for field in ("containers", "initContainers"):
            if isinstance(spec.get(field), list):
                spec[field] = [_without(c, "image") for c in spec[field]]
    return spec


def _update_rules(rtype: ResourceType, old: dict, new: dict) -> list[dict]:
    """Fields kube-apiserver refuses to change once set. Only client writes are held to these:
    the world model plays scheduler and kubelet and may, for instance, bind a pod."""
    kind, old_spec, new_spec = rtype.kind, old.get("spec") or {}, new.get("spec") or {}
    forbidden = "Forbidden"
    if kind == "Pod" and _pod_spec_mutable_parts_removed(old_spec) != _pod_spec_mutable_parts_removed(new_spec):
        return [{"reason": "FieldValueForbidden", "field": "spec", "message": f"{forbidden}: pod updates may not "
                 "change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, "
                 "`spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) or "
                 "`spec.terminationGracePeriodSeconds`; change the owning workload's pod template instead"}]
    if kind in _WORKLOADS_WITH_SELECTOR and old_spec.get("selector") != new_spec.get("selector"):
        return [_invalid_value("spec.selector", new_spec.get("selector"), "field is immutable")]
    if kind == "StatefulSet":
        mutable = ("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy",
                   "minReadySeconds", "revisionHistoryLimit")
        if _without(old_spec, *mutable) != _without(new_spec, *mutable):
            return [{"reason": "FieldValueForbidden", "field": "spec", "message": f"{forbidden}: updates to "
                     "statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', "
                     "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"}]
    if kind == "Job":
        for field in ("template", "selector", "completions"):
            if old_spec.get(field) != new_spec.get(field):
                return [_invalid_value(f"spec.{field}", new_spec.get(field), "field is immutable")]
    if kind == "Service":
        before, after = old_spec.get("clusterIP"), new_spec.get("clusterIP")
        if before and after and before != after:
            return [_invalid_value("spec.clusterIP", after, "field is immutable")]
    if kind == "PersistentVolumeClaim":
        mutable = ("resources", "volumeAttributesClassName", "volumeName")
        if _without(old_spec, *mutable) != _without(new_spec, *mutable):
            return [{"reason": "FieldValueForbidden", "field": "spec", "message": f"{forbidden}: spec is "
                     "immutable after creation except resources.requests and volumeAttributesClassName for bound "
                     "claims; delete and recreate the claim to change it"}]
    if kind in ("ConfigMap", "Secret") and old.get("immutable"):
        if any(old.get(f) != new.get(f) for f in ("data", "binaryData", "immutable")):
            return [{"reason": "FieldValueForbidden", "field": "data",
                     "message": f"{forbidden}: field is immutable when `immutable` is set"}]
    return []


_TOP_ORDER = ("kind", "apiVersion", "metadata")
_META_ORDER = ("name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
               "labels", "annotations", "ownerReferences", "finalizers")


def _canonical_order(obj: dict) -> dict:
    """Key order as kube-apiserver writes it (kind, apiVersion, metadata, spec..., status last), so
    raw JSON read by people and LLMs looks like Kubernetes output."""
    meta = obj["metadata"]
    ordered_meta = {k: meta[k] for k in _META_ORDER if k in meta}
    ordered_meta.update((k, v) for k, v in meta.items() if k not in ordered_meta)
    ordered = {k: obj[k] for k in _TOP_ORDER if k in obj}
    ordered["metadata"] = ordered_meta
    ordered.update((k, v) for k, v in obj.items() if k not in ordered and k != "status")
    if "status" in obj:
        ordered["status"] = obj["status"]
    return ordered


# --- the store -------------------------------------------------------------------------------

Key = tuple[str, str, str]  # (kind, namespace or "" for cluster-scoped, name)


@dataclass(slots=True)
class _Entry:
    obj: dict  # private parsed copy: never mutated, never returned
    raw: bytes  # the same object serialised; readers parse it, lists join it


@dataclass(frozen=True, slots=True)
class ListPage:
    """What the HTTP layer needs to build a list response without re-serialising anything."""

    items: list[bytes]
    resource_version: str
    continue_after: tuple[str, str] | None  # (namespace, name) of the last item when more remain
    remaining: int


_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' suffix alphabet (no vowels)


def _uuid4(rng: random.Random) -> str:
    """A version-4 UUID drawn from `rng`, so a seeded store hands out the same uids every run."""
    h = f"{(rng.getrandbits(128) & ~(0xF000 << 64) & ~(0xC << 60)) | (0x4000 << 64) | (0x8 << 60):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@functools.lru_cache(maxsize=64)  # a simulated clock returns the same instant for many writes
def format_time(moment: datetime) -> str:
    """RFC 3339 with a Z, second precision, as Kubernetes writes timestamps."""
    if moment.tzinfo is None:  # the clock contract is tz-aware UTC; tolerate naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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
        self._by_uid: dict[str, Key] = {}
        self._dependents: dict[str, set[Key]] = {}  # owner uid -> keys of objects it owns
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
                        after: tuple[str, str] | None = None) -> ListPage:
        """Serialised items for the HTTP layer, optionally one page (`limit` items after `after`)."""
        with self.lock:
            selected = self._select(kind, namespace, label_selector, field_selector)
            if after is not None:
                selected = [s for s in selected if s[0] > after]
            remaining = 0
            last: tuple[str, str] | None = None
            if limit is not None and limit > 0 and len(selected) > limit:
                remaining = len(selected) - limit
                selected = selected[:limit]
                last = selected[-1][0]
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

    def create(self, obj: dict, *, dry_run: bool = False) -> dict:
        with self.lock:
            rtype, new = self._incoming(obj, creating=True)
            meta = new["metadata"]
            ns = self._ns(rtype, meta.get("namespace"))
            if rtype.namespaced:
                meta["namespace"] = ns
            else:
                meta.pop("namespace", None)
            if not meta.get("name"):
                meta["name"] = self._generate_name(rtype, ns, meta)
            name = meta["name"]
            if rtype.namespaced and ns not in self._data["Namespace"].get("", {}):
                raise ApiError.not_found(find_kind("Namespace"), ns)  # type: ignore[arg-type]
            if name in self._data[rtype.kind].get(ns, {}):
                raise ApiError.already_exists(rtype, name)
            self._prepare(rtype, new, old=None, dry_run=dry_run)
            rng = random.Random() if dry_run else self._rng  # a dry run must not shift the seeded sequence
            meta["uid"] = _uuid4(rng)
            meta["creationTimestamp"] = format_time(self.now())
            if "spec" in new:
                meta["generation"] = 1
            meta.pop("resourceVersion", None)
            for transient in ("deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink"):
                meta.pop(transient, None)
            if dry_run:
                return _canonical_order(new)
            return self._commit("ADDED", rtype, ns, new, old=None)

    def replace(self, obj: dict, *, dry_run: bool = False, as_client: bool = False) -> dict:
        """Replace everything but status (for kinds with a status subresource) and system metadata.

        `as_client=True` (the HTTP layer) also enforces immutable fields (a pod's spec, a
        workload's selector, ...) with Kubernetes' 422; the world model writes without them."""
        with self.lock:
            rtype, new = self._incoming(obj, creating=False)
            old = self._existing(rtype, new)
            if rtype.has_status:
                if "status" in old.obj:
                    new["status"] = loads(dumps(old.obj["status"]))
                else:
                    new.pop("status", None)
            self._prepare(rtype, new, old=old.obj, dry_run=dry_run)
            if as_client:
                causes = _update_rules(rtype, old.obj, new)
                if causes:
                    raise ApiError.invalid(rtype.kind, rtype.group, new["metadata"]["name"], causes)
            return self._write(rtype, new, old, dry_run)

    def update_status(self, obj: dict, *, dry_run: bool = False) -> dict:
        """Replace only .status; spec, labels and annotations stay as stored."""
        with self.lock:
            rtype, incoming = self._incoming(obj, creating=False)
            old = self._existing(rtype, incoming)
            new = loads(old.raw)
            if "status" in incoming and incoming["status"] is not None:
                new["status"] = incoming["status"]
            else:
                new.pop("status", None)
            canonicalize_quantities(rtype.kind, new)
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
                field_selector: str | None) -> list[tuple[tuple[str, str], _Entry]]:
        rtype = self._rtype(kind)
        try:
            labels = to_label_selector(label_selector)
            fields = parse_field_selector(field_selector)
        except SelectorError as exc:
            raise ApiError.bad_request(str(exc)) from None
        spaces = self._data[kind]
        if rtype.namespaced and namespace:
            chosen = [(namespace, spaces.get(namespace, {}))]
        else:
            chosen = sorted(spaces.items())
        out: list[tuple[tuple[str, str], _Entry]] = []
        check = not labels.empty or bool(fields.requirements)
        for ns, names in chosen:
            for name in sorted(names):
                entry = names[name]
                if check and not (labels.matches(entry.obj["metadata"].get("labels"))
                                  and fields.matches(entry.obj)):
                    continue
                out.append(((ns, name), entry))
        return out

    def _incoming(self, obj: Any, *, creating: bool) -> tuple[ResourceType, dict]:
        """Check the envelope (kind, apiVersion, metadata) and return a private JSON copy."""
        if not isinstance(obj, dict):
            raise ApiError.bad_request(f"an object must be a JSON object, got {type(obj).__name__}")
        kind = obj.get("kind")
        rtype = find_kind(kind) if isinstance(kind, str) else None
        if rtype is None or not rtype.stored:
            name = (obj.get("metadata") or {}).get("name", "") if isinstance(obj.get("metadata"), dict) else ""
            raise ApiError.invalid(str(kind or ""), "", name, [{
                "reason": "FieldValueNotSupported", "field": "kind",
                "message": f"Unsupported value: {json.dumps(kind)}: supported values: "
                           f"{', '.join(sorted(stored_kinds()))}"}])
        api_version = obj.get("apiVersion")
        if api_version is not None and api_version != rtype.api_version:
            raise ApiError.bad_request(
                f"apiVersion {api_version!r} is not served for kind {rtype.kind}; use {rtype.api_version!r}")
        try:
            new = loads(dumps(obj))  # private copy; also turns YAML datetimes into RFC 3339 strings
        except TypeError as exc:
            raise ApiError.bad_request(f"{rtype.kind} is not JSON-serialisable: {exc}") from None
        new["apiVersion"] = rtype.api_version
        meta = new.get("metadata")
        if meta is None:
            meta = new["metadata"] = {}
        if not isinstance(meta, dict):
            raise ApiError.bad_request(f"{rtype.kind}.metadata must be an object, got {type(meta).__name__}")
        name = meta.get("name")
        if name is not None and not isinstance(name, str):
            raise ApiError.bad_request(f"metadata.name must be a string, got {name!r}")
        if not name and not (creating and meta.get("generateName")):
            raise ApiError.invalid(rtype.kind, rtype.group, "", [_required("metadata.name", "name or generateName is required")])
        return rtype, new

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

    def _generate_name(self, rtype: ResourceType, ns: str, meta: dict) -> str:
        prefix = meta["generateName"]
        if not isinstance(prefix, str):
            raise ApiError.bad_request(f"metadata.generateName must be a string, got {prefix!r}")
        taken = self._data[rtype.kind].get(ns, {})
        for _ in range(100):
            name = prefix + "".join(self._rng.choice(_GENERATE_ALPHABET) for _ in range(5))
            if name not in taken:
                return name
        raise ApiError(500, "InternalError", f"could not generate a unique name from {prefix!r}")

    def _prepare(self, rtype: ResourceType, new: dict, old: dict | None, dry_run: bool) -> None:
        """Normalise, default and validate an object about to be written."""
        name = new["metadata"]["name"]
        bad_name = _check_name(rtype, name)
        if bad_name:
            raise ApiError.invalid(rtype.kind, rtype.group, name, [bad_name])
        _normalize(rtype, new)
        _apply_defaults(rtype, new)
        if rtype.kind == "Service":
            self._assign_cluster_ip(new, old, dry_run)
        causes = _validate(rtype, new)
        if causes:
            raise ApiError.invalid(rtype.kind, rtype.group, name, causes)

    def _assign_cluster_ip(self, svc: dict, old: dict | None, dry_run: bool) -> None:
        spec = svc.setdefault("spec", {})
        if spec.get("type") == "ExternalName":
            return
        if not spec.get("clusterIP") and old is not None:
            spec["clusterIP"] = (old.get("spec") or {}).get("clusterIP")
        if not spec.get("clusterIP"):
            n = self._next_cluster_ip
            if not dry_run:
                self._next_cluster_ip += 1
            spec["clusterIP"] = f"10.96.{n // 256 % 256}.{n % 256}"
        if spec["clusterIP"] != "None":
            spec.setdefault("clusterIPs", [spec["clusterIP"]])

    def _write(self, rtype: ResourceType, new: dict, old: _Entry, dry_run: bool) -> dict:
        """Finish an update: carry system metadata over, detect no-ops, bump versions."""
        old_meta, meta = old.obj["metadata"], new["metadata"]
        for field in ("uid", "creationTimestamp", "namespace", "name", "resourceVersion"):
            if field in old_meta:
                meta[field] = old_meta[field]
            else:
                meta.pop(field, None)
        meta.pop("managedFields", None)
        if "generation" in old_meta:
            changed = old.obj.get("spec") != new.get("spec")
            meta["generation"] = old_meta["generation"] + (1 if changed else 0)
        elif "spec" in new:
            meta["generation"] = 1
        if new == old.obj:  # a no-op write: no new resourceVersion, no event (as Kubernetes)
            return loads(old.raw)
        if dry_run:
            return _canonical_order(new)
        ns = meta.get("namespace", "") if rtype.namespaced else ""
        return self._commit("MODIFIED", rtype, ns, new, old=old.obj)

    def _commit(self, event: str, rtype: ResourceType, ns: str, new: dict, old: dict | None) -> dict:
        self._rv += 1
        new["metadata"]["resourceVersion"] = str(self._rv)
        new = _canonical_order(new)
        raw = dumps(new)
        key = (rtype.kind, ns, new["metadata"]["name"])
        self._data[rtype.kind].setdefault(ns, {})[key[2]] = _Entry(new, raw)
        if old is not None:
            self._unindex(key, old)
        self._index(key, new)
        self._notify(event, raw)
        return loads(raw)

    def _index(self, key: Key, obj: dict) -> None:
        meta = obj["metadata"]
        self._by_uid[meta["uid"]] = key
        for ref in meta.get("ownerReferences") or []:
            if isinstance(ref, dict) and ref.get("uid"):
                self._dependents.setdefault(ref["uid"], set()).add(key)

    def _unindex(self, key: Key, obj: dict) -> None:
        meta = obj["metadata"]
        if self._by_uid.get(meta.get("uid")) == key:
            del self._by_uid[meta["uid"]]
        for ref in meta.get("ownerReferences") or []:
            if isinstance(ref, dict) and ref.get("uid") in self._dependents:
                self._dependents[ref["uid"]].discard(key)
                if not self._dependents[ref["uid"]]:
                    del self._dependents[ref["uid"]]

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
        self._unindex(key, entry.obj)
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
        for kind, ns, name in sorted(self._dependents.pop(uid, set())):
            entry = self._data[kind].get(ns, {}).get(name)
            if entry is None:
                continue
            dep_type = find_kind(kind)
            assert dep_type is not None
            refs = entry.obj["metadata"].get("ownerReferences") or []
            alive = [r for r in refs if r.get("uid") != uid and r.get("uid") in self._by_uid]
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
