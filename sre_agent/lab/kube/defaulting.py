"""What kube-apiserver does to an object before it stores it: strings where the schema wants
strings (with an error that says which key to quote), quantities as canonical strings, Secret
stringData folded into data, and the defaults (replicas, strategies, pull policies, ports, probe timings)
that the world model, responders and kubectl's readers rely on."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from .errors import ApiError
from .resources import ResourceType

WORKLOADS_WITH_SELECTOR = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"})
_QUANTITY_MAPS = frozenset({"limits", "requests", "capacity", "allocatable", "hard", "used", "overhead",
                            "max", "min", "default", "defaultRequest", "maxLimitRequestRatio"})



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
    elif kind in WORKLOADS_WITH_SELECTOR or kind == "Job":
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


def _drop_nulls(node: Any) -> None:
    """kube-apiserver decodes a write into typed objects, where a null optional field is no field at all: `kubectl
    rollout undo` sends the template it restores with `metadata.creationTimestamp: null`, and kept, that null gave
    the restored template another pod-template-hash -- a new ReplicaSet instead of scaling the old one back up."""
    if isinstance(node, dict):
        for key in [k for k, v in node.items() if v is None]:
            del node[key]
        for value in node.values():
            _drop_nulls(value)
    elif isinstance(node, list):
        for item in node:
            _drop_nulls(item)


def normalize(rtype: ResourceType, obj: dict) -> None:
    _drop_nulls(obj)
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


JOB_NAME_LABELS = ("job-name", "batch.kubernetes.io/job-name")
JOB_UID_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid")
JOB_SELECTOR_LABEL = "batch.kubernetes.io/controller-uid"


def prepare_for_create(rtype: ResourceType, obj: dict) -> None:
    """What kube-apiserver's create strategy adds once the object has its uid. A Job without
    `manualSelector: true` gets a selector of its own uid and the pod template the labels it selects
    (the Job registry's generateSelector), so `kubectl logs job/x` and the Job controller find only
    that Job's pods -- never another workload's that happens to share an `app` label."""
    spec = obj.get("spec")
    if rtype.kind != "Job" or not isinstance(spec, dict) or spec.get("manualSelector") is True:
        return
    template = spec.get("template")
    if not isinstance(template, dict):
        return
    meta = template.get("metadata") if isinstance(template.get("metadata"), dict) else {}
    template["metadata"] = meta
    labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else {}
    meta["labels"] = labels
    name, uid = obj["metadata"]["name"], obj["metadata"]["uid"]
    for key in JOB_NAME_LABELS:
        labels.setdefault(key, name)  # a label the writer set is kept; validation refuses a wrong one
    for key in JOB_UID_LABELS:
        labels.setdefault(key, uid)
    selector = spec.get("selector") if isinstance(spec.get("selector"), dict) else {}
    spec["selector"] = selector
    match = selector.get("matchLabels") if isinstance(selector.get("matchLabels"), dict) else {}
    selector["matchLabels"] = match
    match.setdefault(JOB_SELECTOR_LABEL, uid)


PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
# core/v1 SetDefaults_Probe: what `kubectl get -o yaml` and `describe` show for a probe written without them
PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}


def _default_probe(probe: Any) -> None:
    if not isinstance(probe, dict):
        return
    for key, value in PROBE_DEFAULTS.items():
        probe.setdefault(key, value)
    http_get = probe.get("httpGet")
    if isinstance(http_get, dict):  # SetDefaults_HTTPGetAction
        http_get.setdefault("path", "/")
        http_get.setdefault("scheme", "HTTP")


def apply_defaults(rtype: ResourceType, obj: dict) -> None:
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
                for probe_field in PROBES:
                    _default_probe(c.get(probe_field))
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
        template_labels = (spec.get("template") or {}).get("metadata", {}).get("labels") \
            if isinstance(spec.get("template"), dict) and isinstance(spec["template"].get("metadata"), dict) else None
        if not obj["metadata"].get("labels") and isinstance(template_labels, dict) and template_labels:
            obj["metadata"]["labels"] = dict(template_labels)  # batch/v1 SetDefaults_Job: a Job without labels
        spec.setdefault("completionMode", "NonIndexed")
        spec.setdefault("suspend", False)
        if "podFailurePolicy" not in spec:
            spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
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

