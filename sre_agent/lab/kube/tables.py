"""Server-side Table output (meta.k8s.io/v1 Table), which `kubectl get` asks for with
`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Without it kubectl falls back to NAME and
AGE, and a CrashLoopBackOff pod looks as healthy as any other: the columns and cells here are
kube-apiserver's, so the lab prints what a real cluster prints.

Also the media-type negotiation around it: which representation the Accept header asks for, and
why a CBOR body or a protobuf-only Accept is refused (415/406) -- client-go falls back to JSON
on those, whereas a 400 is final."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from . import printers as p
from .errors import ApiError
from .resources import ResourceType
from .tables_extra import EXTRA_PRINTERS

PROTOBUF = "application/vnd.kubernetes.protobuf"
_TABLE_GROUPS = ("meta.k8s.io",)

# (name, type, priority, format); priority 1 columns are the ones `-o wide` adds.
Column = tuple[str, str, int, str]
Row = Callable[[dict, datetime], list[Any]]

_NAME: Column = ("Name", "string", 0, "name")
_AGE: Column = ("Age", "string", 0, "")
_WORKLOAD_WIDE: tuple[Column, ...] = (("Containers", "string", 1, ""), ("Images", "string", 1, ""),
                                      ("Selector", "string", 1, ""))


def _age(obj: dict, now: datetime) -> str:
    return p.since((obj.get("metadata") or {}).get("creationTimestamp"), now)


def _name(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("name", "")


def _workload_wide(obj: dict) -> list[str]:
    template = (((obj.get("spec") or {}).get("template") or {}).get("spec")) or {}
    names, images = p.containers_and_images(template)
    return [names, images, p.selector_text((obj.get("spec") or {}).get("selector"))]


def _pod(obj: dict, now: datetime) -> list[Any]:
    ready, status, restarts = p.pod_summary(obj, now)
    spec, st = obj.get("spec") or {}, obj.get("status") or {}
    return [_name(obj), ready, status, restarts, _age(obj, now), p.pod_ip(obj), spec.get("nodeName") or p.NONE,
            st.get("nominatedNodeName") or p.NONE, p.readiness_gates(obj)]


def _deployment(obj: dict, now: datetime) -> list[Any]:
    spec, st = obj.get("spec") or {}, obj.get("status") or {}
    return [_name(obj), f"{st.get('readyReplicas') or 0}/{spec.get('replicas', 1)}", st.get("updatedReplicas") or 0,
            st.get("availableReplicas") or 0, _age(obj, now), *_workload_wide(obj)]


def _replicaset(obj: dict, now: datetime) -> list[Any]:
    spec, st = obj.get("spec") or {}, obj.get("status") or {}
    return [_name(obj), spec.get("replicas", 1), st.get("replicas") or 0, st.get("readyReplicas") or 0,
            _age(obj, now), *_workload_wide(obj)]


def _statefulset(obj: dict, now: datetime) -> list[Any]:
    spec, st = obj.get("spec") or {}, obj.get("status") or {}
    return [_name(obj), f"{st.get('readyReplicas') or 0}/{spec.get('replicas', 1)}", _age(obj, now),
            *_workload_wide(obj)[:2]]


def _daemonset(obj: dict, now: datetime) -> list[Any]:
    st = obj.get("status") or {}
    node_selector = ((((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("nodeSelector"))
    return [_name(obj), st.get("desiredNumberScheduled") or 0, st.get("currentNumberScheduled") or 0,
            st.get("numberReady") or 0, st.get("updatedNumberScheduled") or 0, st.get("numberAvailable") or 0,
            p.label_text(node_selector), _age(obj, now), *_workload_wide(obj)]


def _job(obj: dict, now: datetime) -> list[Any]:
    return [_name(obj), p.job_status(obj), p.job_completions(obj), p.job_duration(obj, now), _age(obj, now),
            *_workload_wide(obj)]


def _cronjob(obj: dict, now: datetime) -> list[Any]:
    spec, st = obj.get("spec") or {}, obj.get("status") or {}
    job_spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    names, images = p.containers_and_images((job_spec.get("template") or {}).get("spec"))
    last = p.since(st.get("lastScheduleTime"), now) if st.get("lastScheduleTime") else p.NONE
    return [_name(obj), spec.get("schedule", ""), spec.get("timeZone") or p.NONE, bool(spec.get("suspend")),
            len(st.get("active") or []), last, _age(obj, now), names, images, p.selector_text(job_spec.get("selector"))]


def _service(obj: dict, now: datetime) -> list[Any]:
    spec = obj.get("spec") or {}
    cluster_ips = spec.get("clusterIPs") or [spec.get("clusterIP")]
    return [_name(obj), spec.get("type") or "ClusterIP", cluster_ips[0] or p.NONE, p.service_external_ip(obj),
            p.service_ports(obj), _age(obj, now), p.label_text(spec.get("selector"))]


def _node(obj: dict, now: datetime) -> list[Any]:
    info = (obj.get("status") or {}).get("nodeInfo") or {}
    return [_name(obj), p.node_status(obj), p.node_roles(obj), _age(obj, now), info.get("kubeletVersion", ""),
            p.node_address(obj, "InternalIP"), p.node_address(obj, "ExternalIP"), info.get("osImage") or "<unknown>",
            info.get("kernelVersion") or "<unknown>", info.get("containerRuntimeVersion") or "<unknown>"]


def _event(obj: dict, now: datetime) -> list[Any]:
    series = obj.get("series") or {}
    last = series.get("lastObservedTime") or obj.get("lastTimestamp") or obj.get("eventTime")
    first = obj.get("firstTimestamp") or obj.get("eventTime")
    count = series.get("count") or obj.get("count") or 1
    last_seen = p.since(last, now)
    if count > 1 and first:
        last_seen = f"{last_seen} (x{count} over {p.since(first, now)})"
    involved = obj.get("involvedObject") or {}
    source = obj.get("source") or {}
    source_text = ", ".join(x for x in (source.get("component") or obj.get("reportingComponent"),
                                        source.get("host") or obj.get("reportingInstance")) if x)
    return [last_seen, obj.get("type", ""), obj.get("reason", ""),
            f"{(involved.get('kind') or '').lower()}/{involved.get('name', '')}", involved.get("fieldPath", ""),
            source_text, obj.get("message", "").strip(), p.since(first, now), count, _name(obj)]


def _configmap(obj: dict, now: datetime) -> list[Any]:
    return [_name(obj), len(obj.get("data") or {}) + len(obj.get("binaryData") or {}), _age(obj, now)]


def _secret(obj: dict, now: datetime) -> list[Any]:
    return [_name(obj), obj.get("type") or "Opaque", len(obj.get("data") or {}), _age(obj, now)]


def _pvc(obj: dict, now: datetime) -> list[Any]:
    spec, st = obj.get("spec") or {}, obj.get("status") or {}
    phase = "Terminating" if (obj.get("metadata") or {}).get("deletionTimestamp") else st.get("phase") or "Pending"
    bound = phase == "Bound"
    return [_name(obj), phase, spec.get("volumeName", ""),
            ((st.get("capacity") or {}).get("storage", "")) if bound else "",
            p.access_modes(st.get("accessModes")) if bound else "", spec.get("storageClassName") or "",
            spec.get("volumeAttributesClassName") or p.NONE, _age(obj, now), spec.get("volumeMode") or "Filesystem"]


def _namespace(obj: dict, now: datetime) -> list[Any]:
    return [_name(obj), (obj.get("status") or {}).get("phase") or "Active", _age(obj, now)]


def _generic(obj: dict, now: datetime) -> list[Any]:
    return [_name(obj), _age(obj, now)]


def _s(name: str, priority: int = 0) -> Column:
    return (name, "string", priority, "")


def _i(name: str, priority: int = 0) -> Column:
    return (name, "integer", priority, "")


PRINTERS: dict[str, tuple[tuple[Column, ...], Row]] = {
    "Pod": ((_NAME, _s("Ready"), _s("Status"), _s("Restarts"), _AGE, _s("IP", 1), _s("Node", 1),
             _s("Nominated Node", 1), _s("Readiness Gates", 1)), _pod),
    "Deployment": ((_NAME, _s("Ready"), _i("Up-to-date"), _i("Available"), _AGE, *_WORKLOAD_WIDE), _deployment),
    "ReplicaSet": ((_NAME, _i("Desired"), _i("Current"), _i("Ready"), _AGE, *_WORKLOAD_WIDE), _replicaset),
    "StatefulSet": ((_NAME, _s("Ready"), _AGE, *_WORKLOAD_WIDE[:2]), _statefulset),
    "DaemonSet": ((_NAME, _i("Desired"), _i("Current"), _i("Ready"), _i("Up-to-date"), _i("Available"),
                   _s("Node Selector"), _AGE, *_WORKLOAD_WIDE), _daemonset),
    "Job": ((_NAME, _s("Status"), _s("Completions"), _s("Duration"), _AGE, *_WORKLOAD_WIDE), _job),
    "CronJob": ((_NAME, _s("Schedule"), _s("Timezone"), ("Suspend", "boolean", 0, ""), _i("Active"),
                 _s("Last Schedule"), _AGE, *_WORKLOAD_WIDE), _cronjob),
    "Service": ((_NAME, _s("Type"), _s("Cluster-IP"), _s("External-IP"), _s("Port(s)"), _AGE, _s("Selector", 1)),
                _service),
    "Node": ((_NAME, _s("Status"), _s("Roles"), _AGE, _s("Version"), _s("Internal-IP", 1), _s("External-IP", 1),
              _s("OS-Image", 1), _s("Kernel-Version", 1), _s("Container-Runtime", 1)), _node),
    "Event": ((_s("Last Seen"), _s("Type"), _s("Reason"), _s("Object"), _s("Subobject", 1), _s("Source", 1),
               _s("Message"), _s("First Seen", 1), _i("Count", 1), ("Name", "string", 1, "name")), _event),
    "ConfigMap": ((_NAME, _i("Data"), _AGE), _configmap),
    "Secret": ((_NAME, _s("Type"), _i("Data"), _AGE), _secret),
    "PersistentVolumeClaim": ((_NAME, _s("Status"), _s("Volume"), _s("Capacity"), _s("Access Modes"),
                               _s("StorageClass"), _s("VolumeAttributesClass"), _AGE, _s("VolumeMode", 1)), _pvc),
    "Namespace": ((_NAME, _s("Status"), _AGE), _namespace),
}
PRINTERS.update(EXTRA_PRINTERS)
_GENERIC: tuple[tuple[Column, ...], Row] = ((_NAME, _AGE), _generic)


def _column(column: Column) -> dict:
    name, kind, priority, fmt = column
    return {"name": name, "type": kind, "format": fmt, "description": f"{name} (as kube-apiserver prints it)",
            "priority": priority}


def _row_object(obj: dict, include: str) -> dict | None:
    if include == "None":
        return None
    if include == "Object":
        return obj
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata") or {}}


def build_table(rtype: ResourceType, objects: list[dict], now: datetime, *, include_object: str | None,
                list_meta: dict | None, table_version: str = "v1") -> dict:
    """The Table for `objects` (one for a get, the page for a list)."""
    include = include_object or "Metadata"
    if include not in ("None", "Metadata", "Object"):
        raise ApiError.bad_request(f'includeObject={include!r} is not one of "None", "Metadata", "Object"')
    columns, row = PRINTERS.get(rtype.kind, _GENERIC)
    rows = []
    for obj in objects:
        entry: dict[str, Any] = {"cells": row(obj, now)}
        if rtype.kind == "Pod" and (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            # kube-apiserver marks finished pods so clients may hide them
            entry["conditions"] = [{"type": "Completed", "status": "True",
                                    "reason": (obj.get("status") or {}).get("phase"), "message": "The pod has completed"}]
        wrapped = _row_object(obj, include)
        if wrapped is not None:
            entry["object"] = wrapped
        rows.append(entry)
    return {"kind": "Table", "apiVersion": f"meta.k8s.io/{table_version}", "metadata": list_meta or {},
            "columnDefinitions": [_column(c) for c in columns], "rows": rows}


# -- negotiation ------------------------------------------------------------------------------


def _media_ranges(accept: str) -> list[tuple[str, dict[str, str]]]:
    ranges = []
    for part in accept.split(","):
        pieces = [x.strip() for x in part.split(";")]
        if not pieces[0]:
            continue
        params = {}
        for piece in pieces[1:]:
            key, _, value = piece.partition("=")
            params[key.strip().lower()] = value.strip()
        ranges.append((pieces[0].lower(), params))
    return ranges


def negotiate(accept: str | None) -> str | None:
    """The representation a GET answers with: "v1"/"v1beta1" for a Table, None for the plain JSON
    object. Ranges are taken in the client's order (kubectl lists Table first, then JSON); a
    protobuf range is skipped as long as a later one accepts JSON, and an Accept that admits
    nothing but protobuf (or only Table versions this server lacks) is 406."""
    if not accept:
        return None
    for media, params in _media_ranges(accept):
        if media in ("application/json", "application/*", "*/*") and params.get("as") == "Table":
            if params.get("g") in _TABLE_GROUPS and params.get("v") in ("v1", "v1beta1"):
                return params["v"]
            continue
        if params.get("as"):
            continue  # PartialObjectMetadata(List) and the like: not served, try the next range
        if media in ("application/json", "application/*", "*/*", "application/yaml"):
            return None
    raise ApiError(406, "NotAcceptable", f"only the following media types are accepted: application/json, "
                   f"application/json;as=Table;v=v1;g=meta.k8s.io (the request asked for {accept!r})")


def refuse_unsupported_body(content_type: str | None) -> None:
    """415 for a CBOR body: the lab reads JSON, YAML and (protobuf.py) protobuf, and 415 is the answer on
    which client-go retries a CBOR request as JSON (it does so for CBOR only, never for protobuf)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in ("application/cbor", "application/apply-patch+cbor"):
        raise ApiError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format - accepted "
                       f"media types include: application/json, application/yaml, {PROTOBUF} (got {media})")
