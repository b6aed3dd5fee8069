"""What kube-apiserver refuses on a write: malformed envelopes, invalid names, pods without
containers, workload selectors that miss their template, container resources that are not
quantities (or requests above limits), out-of-range ports and replicas (422 with per-field causes),
and -- for client updates only -- changes to fields that are immutable once set.

Two guard rails are the lab's own: a malformed quantity (in a container's resources, a quota's
hard limits, a claim's size, a LimitRange, a pod's overhead, a Node's capacity), which
kube-apiserver refuses while decoding (400), is a 422 here with a cause naming the field; and replica counts above
MAX_REPLICAS are refused, because the lab simulates every pod and one absurd count would stall
it. Both keep junk out of the store, where the world model would trip over it on every request."""

from __future__ import annotations

import json
import re
from typing import Any

from .codec import dumps, loads
from .defaulting import WORKLOADS_WITH_SELECTOR, pod_specs
from .errors import ApiError, duplicate, invalid_value, required
from .quantity import QUANTITY_RE, parse_quantity
from .resources import ResourceType, find_kind, stored_kinds
from .selectors import SelectorError, to_label_selector

MAX_REPLICAS = 10_000
_QUANTITY_MSG = ("quantities must match the regular expression "
                 "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (e.g. 250m, 1.5, 512Mi, 2Gi)")
_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                  "and must start and end with an alphanumeric character (e.g. 'example.com')")
_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
              "start and end with an alphanumeric character (e.g. 'my-name'), at most 63 characters")
_DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                "alphabetic character, and end with an alphanumeric character (e.g. 'my-name'), at most 63 characters")


def check_name(rtype: ResourceType, name: str) -> dict | None:
    if rtype.kind == "Service":
        ok, msg = len(name) <= 63 and bool(_DNS1035_RE.match(name)), _DNS1035_MSG
    elif rtype.kind == "Namespace":
        ok, msg = len(name) <= 63 and bool(_LABEL_RE.match(name)), _LABEL_MSG
    else:
        ok, msg = len(name) <= 253 and bool(_SUBDOMAIN_RE.match(name)), _SUBDOMAIN_MSG
    return None if ok else invalid_value("metadata.name", name, msg)



def check_envelope(obj: Any, *, creating: bool) -> tuple[ResourceType, dict]:
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
        raise ApiError.invalid(rtype.kind, rtype.group, "", [required("metadata.name", "name or generateName is required")])
    return rtype, new


def validate(rtype: ResourceType, obj: dict) -> list[dict]:
    """Field causes for a 422; empty when the object is acceptable."""
    causes: list[dict] = []
    kind, spec = rtype.kind, obj.get("spec")
    for path, pod_spec, template_meta in pod_specs(kind, obj):
        containers = pod_spec.get("containers")
        if not isinstance(containers, list) or not containers:
            causes.append(required(f"{path}.containers", "a pod needs at least one container"))
        seen: set[str] = set()
        for field in ("initContainers", "containers"):
            for i, c in enumerate(pod_spec.get(field) or []):
                where = f"{path}.{field}[{i}]"
                if not isinstance(c, dict):
                    causes.append(invalid_value(where, c, "must be an object"))
                    continue
                name = c.get("name")
                if not isinstance(name, str) or not name:
                    causes.append(required(f"{where}.name"))
                elif not _LABEL_RE.match(name) or len(name) > 63:
                    causes.append(invalid_value(f"{where}.name", name, _LABEL_MSG))
                elif name in seen:
                    causes.append(duplicate(f"{where}.name", name))
                else:
                    seen.add(name)
                if not isinstance(c.get("image"), str) or not c["image"].strip():
                    causes.append(required(f"{where}.image"))
                causes.extend(_validate_resources(f"{where}.resources", c.get("resources")))
        if kind in ("Job", "CronJob") and pod_spec.get("restartPolicy") not in ("Never", "OnFailure"):
            causes.append({"reason": "FieldValueRequired", "field": f"{path}.restartPolicy",
                           "message": 'Required value: valid values: "OnFailure", "Never"'})
        if kind in WORKLOADS_WITH_SELECTOR or (kind == "Job" and spec.get("manualSelector") is True):
            causes.extend(_validate_selector(spec, template_meta))
        elif kind == "Job":
            causes.extend(_validate_generated_job_selector(obj, template_meta))
    if isinstance(spec, dict) and "replicas" in spec:
        bad = check_replicas(spec["replicas"])
        if bad:
            causes.append(invalid_value("spec.replicas", spec["replicas"], bad))
    if kind == "Service" and isinstance(spec, dict):
        for i, port in enumerate(spec.get("ports") or []):
            p = port.get("port") if isinstance(port, dict) else None
            if isinstance(p, bool) or not isinstance(p, int) or not 1 <= p <= 65535:
                causes.append(invalid_value(f"spec.ports[{i}].port", p, "must be between 1 and 65535, inclusive"))
    if kind == "CronJob" and isinstance(spec, dict):
        causes.extend(_validate_cronjob(spec))
    causes.extend(validate_quantity_maps(kind, obj))
    return causes


def _validate_cronjob(spec: dict) -> list[dict]:
    """kube-apiserver parses the schedule and the time zone at write time (the controller never sees junk)."""
    schedule = spec.get("schedule")
    if not schedule:
        return [required("spec.schedule")]
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from croniter import croniter  # only CronJob writes pay for the import

    if not isinstance(schedule, str):
        return [invalid_value("spec.schedule", schedule, "unparseable schedule: expected a string")]
    prefixed_zone, fields = split_cron_zone(schedule)
    if not croniter.is_valid(fields):
        return [invalid_value("spec.schedule", schedule, "unparseable schedule: expected exactly 5 fields, "
                              "or a descriptor such as @hourly")]
    if prefixed_zone is not None and spec.get("timeZone") is not None:
        return [invalid_value("spec.schedule", schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule")]
    for path, zone in (("spec.schedule", prefixed_zone), ("spec.timeZone", spec.get("timeZone"))):
        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError, TypeError):
                return [invalid_value(path, zone, f"unknown time zone {zone}")]
    return []


def split_cron_zone(schedule: str) -> tuple[str | None, str]:
    """A `CRON_TZ=<zone> ` (or `TZ=`) prefix and the cron fields after it. Kubernetes before 1.29
    accepted the prefix; the lab still does, so CronJobs written for older clusters load."""
    head, _, rest = schedule.strip().partition(" ")
    for prefix in ("CRON_TZ=", "TZ="):
        if head.startswith(prefix):
            return head[len(prefix):], rest.strip()
    return None, schedule


def check_replicas(replicas: Any) -> str | None:
    """Why a replica count is refused, or None (shared by objects and the scale subresource)."""
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
        return "must be greater than or equal to 0"
    if replicas > MAX_REPLICAS:
        return (f"must be less than or equal to {MAX_REPLICAS} in the lab (its guard rail: the lab simulates "
                "every pod)")
    return None


def _validate_resources(path: str, resources: Any) -> list[dict]:
    """A container's requests and limits: quantities, not negative, each request within its limit."""
    if resources is None:
        return []
    if not isinstance(resources, dict):
        return [invalid_value(path, resources, "must be an object with requests and/or limits")]
    causes: list[dict] = []
    parsed: dict[str, dict[str, float]] = {}
    for section in ("limits", "requests"):
        values = resources.get(section)
        if values is None:
            continue
        if not isinstance(values, dict):
            causes.append(invalid_value(f"{path}.{section}", values, "must be a map of resource name to quantity"))
            continue
        bad, parsed[section] = _quantities(f"{path}.{section}", values)
        causes.extend(bad)
    limits, requests = parsed.get("limits", {}), parsed.get("requests", {})
    for resource in sorted(set(limits) & set(requests)):
        if requests[resource] > limits[resource]:
            causes.append(invalid_value(f"{path}.requests", resources["requests"][resource],
                                        f"must be less than or equal to {resource} limit of {resources['limits'][resource]}"))
    return causes


def _quantities(path: str, values: dict) -> tuple[list[dict], dict[str, float]]:
    """Each value of a resource-name -> quantity map: parses, and is not negative (field path[name])."""
    causes: list[dict] = []
    parsed: dict[str, float] = {}
    for resource, quantity in values.items():
        where = f"{path}[{resource}]"
        if not isinstance(quantity, str) or not QUANTITY_RE.match(quantity.strip()):
            causes.append(invalid_value(where, quantity, _QUANTITY_MSG))
            continue
        value = parse_quantity(quantity)
        if value < 0:
            causes.append(invalid_value(where, quantity, "must be greater than or equal to 0"))
        else:
            parsed[resource] = value
    return causes, parsed


def _quantity_maps(kind: str, obj: dict, part: str) -> list[tuple[str, Any]]:
    """(field path, map) of the quantity maps outside containers that the world reads: a quota's hard
    limits (the quota controller), a claim's size, a LimitRange's bounds, a pod's overhead, a Node's
    capacity (the scheduler). `part` is "spec" for object writes, "status" for status writes."""
    spec, status = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}, obj.get("status")
    status = status if isinstance(status, dict) else {}
    if part == "status":
        return [(f"status.{f}", status.get(f)) for f in ("capacity", "allocatable")] if kind == "Node" else []
    if kind == "ResourceQuota":
        return [("spec.hard", spec.get("hard"))]
    if kind == "PersistentVolumeClaim":
        resources = spec.get("resources") if isinstance(spec.get("resources"), dict) else {}
        return [(f"spec.resources.{f}", resources.get(f)) for f in ("requests", "limits")]
    if kind == "PersistentVolume":
        return [("spec.capacity", spec.get("capacity"))]
    if kind == "Pod":
        return [("spec.overhead", spec.get("overhead"))]
    if kind == "LimitRange":
        return [(f"spec.limits[{i}].{f}", item.get(f)) for i, item in enumerate(spec.get("limits") or [])
                if isinstance(item, dict) for f in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio")]
    return []


def validate_quantity_maps(kind: str, obj: dict, part: str = "spec") -> list[dict]:
    """422 causes for quantity maps outside containers (see _quantity_maps); shared by status writes."""
    causes: list[dict] = []
    for path, values in _quantity_maps(kind, obj, part):
        if values is None:
            continue
        if not isinstance(values, dict):
            causes.append(invalid_value(path, values, "must be a map of resource name to quantity"))
            continue
        causes.extend(_quantities(path, values)[0])
    return causes


def _validate_selector(spec: dict, template_meta: dict | None) -> list[dict]:
    selector = spec.get("selector")
    if not isinstance(selector, dict) or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        return [invalid_value("spec.selector", selector, "empty selector is invalid for a workload; "
                               "set spec.selector.matchLabels to the pod template's labels")]
    try:
        compiled = to_label_selector({k: v for k, v in selector.items() if k in ("matchLabels", "matchExpressions")})
    except SelectorError as exc:
        return [invalid_value("spec.selector", selector, str(exc))]
    labels = (template_meta or {}).get("labels") or {}
    if not compiled.matches(labels):
        return [invalid_value("spec.template.metadata.labels", labels,
                               f"`selector` does not match template `labels` (selector: {compiled})")]
    return []


def _validate_generated_job_selector(job: dict, template_meta: dict | None) -> list[dict]:
    """A Job whose selector the API server generated (no `manualSelector: true`): the selector must
    be exactly its own uid and the template must carry its name and uid (the Job registry's
    validateGeneratedSelector) -- a selector written by hand is refused, as on a real cluster."""
    meta, spec = job.get("metadata") or {}, job.get("spec") or {}
    uid = meta.get("uid")
    if not uid:
        return []
    labels = (template_meta or {}).get("labels") or {}
    causes = []
    for key, want in (("controller-uid", uid), ("batch.kubernetes.io/controller-uid", uid),
                      ("job-name", meta.get("name")), ("batch.kubernetes.io/job-name", meta.get("name"))):
        if labels.get(key) != want:
            causes.append(invalid_value(f"spec.template.metadata.labels[{key}]", labels.get(key),
                                        f"must be '{want}'"))
    if spec.get("selector") != {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}:
        causes.append(invalid_value("spec.selector", spec.get("selector"), "`selector` not auto-generated"))
    return causes


def _without(spec: Any, *fields: str) -> Any:
    return {k: v for k, v in spec.items() if k not in fields} if isinstance(spec, dict) else spec


def _pod_spec_mutable_parts_removed(spec: Any) -> Any:
    spec = _without(spec, "activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds")
    if isinstance(spec, dict):
        for field in ("containers", "initContainers"):
            if isinstance(spec.get(field), list):
                spec[field] = [_without(c, "image") for c in spec[field]]
    return spec


def update_rules(rtype: ResourceType, old: dict, new: dict) -> list[dict]:
    """Fields kube-apiserver refuses to change once set. Only client writes are held to these:
    the world model plays scheduler and kubelet and may, for instance, bind a pod."""
    kind, old_spec, new_spec = rtype.kind, old.get("spec") or {}, new.get("spec") or {}
    forbidden = "Forbidden"
    if kind == "Pod" and _pod_spec_mutable_parts_removed(old_spec) != _pod_spec_mutable_parts_removed(new_spec):
        return [{"reason": "FieldValueForbidden", "field": "spec", "message": f"{forbidden}: pod updates may not "
                 "change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, "
                 "`spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) or "
                 "`spec.terminationGracePeriodSeconds`; change the owning workload's pod template instead"}]
    if kind in WORKLOADS_WITH_SELECTOR and old_spec.get("selector") != new_spec.get("selector"):
        return [invalid_value("spec.selector", new_spec.get("selector"), "field is immutable")]
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
                return [invalid_value(f"spec.{field}", new_spec.get(field), "field is immutable")]
    if kind == "Service":
        before, after = old_spec.get("clusterIP"), new_spec.get("clusterIP")
        if before and after and before != after:
            return [invalid_value("spec.clusterIP", after, "field is immutable")]
    if kind == "PersistentVolumeClaim":
        mutable = ("resources", "volumeAttributesClassName", "volumeName")
        bound = (old.get("status") or {}).get("phase") == "Bound"
        before, after = (_storage_request(s) for s in (old_spec, new_spec))
        if _without(old_spec, *mutable) != _without(new_spec, *mutable) or (before != after and not bound):
            return [{"reason": "FieldValueForbidden", "field": "spec", "message": f"{forbidden}: spec is "
                     "immutable after creation except resources.requests and volumeAttributesClassName for bound "
                     "claims; delete and recreate the claim to change it"}]
        if before is not None and after is not None and after < before:
            return [{"reason": "FieldValueForbidden", "field": "spec.resources.requests.storage",
                     "message": f"{forbidden}: field can not be less than previous value"}]
    if kind in ("ConfigMap", "Secret") and old.get("immutable"):
        if any(old.get(f) != new.get(f) for f in ("data", "binaryData", "immutable")):
            return [{"reason": "FieldValueForbidden", "field": "data",
                     "message": f"{forbidden}: field is immutable when `immutable` is set"}]
    return []


def _storage_request(spec: dict) -> float | None:
    """A claim's requested storage in bytes (None when unset or not a quantity)."""
    value = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    try:
        return parse_quantity(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def grows_claim(old: dict, new: dict) -> bool:
    """A client write asking a claim for more storage than it asked before."""
    before, after = _storage_request(old.get("spec") or {}), _storage_request(new.get("spec") or {})
    return before is not None and after is not None and after > before
