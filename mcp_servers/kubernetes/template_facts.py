"""What a pod template says, in the terms change correlation needs: the config objects it references
(ConfigMaps and Secrets, by key where it names one), its pod labels, and -- between two templates --
which aspects a rollout changed (image, env, config references, probes, labels, resources, command,
ports, placement, volumes). Pure functions over template dicts; rollout_history returns them per revision so a
caller can tell *what* each rollout changed and whether an older revision carries the same defect."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

from .quantity import parse_quantity

TEMPLATE_HASH_LABELS = ("pod-template-hash", "controller-revision-hash", "pod-template-generation")
PLACEMENT = ("nodeSelector", "affinity", "tolerations", "nodeName", "priorityClassName", "topologySpreadConstraints")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


def _containers(template: dict[str, Any]) -> list[dict[str, Any]]:
    spec = template.get("spec") or {}
    return [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]


def config_refs(template: dict[str, Any]) -> list[str]:
    """`ConfigMap/<name>:<key>` for a key reference, `ConfigMap/<name>` for a whole-object one (envFrom,
    a volume); the same for Secrets. Optional references are left out: they never stop a pod."""
    refs: list[str] = []
    for container in _containers(template):
        for env in container.get("env") or []:
            source = env.get("valueFrom") or {}
            for kind, field in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                ref = source.get(field)
                if ref and not ref.get("optional"):
                    refs.append(f"{kind}/{ref.get('name')}:{ref.get('key')}")
        for env_from in container.get("envFrom") or []:
            for kind, field in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                ref = env_from.get(field)
                if ref and not ref.get("optional"):
                    refs.append(f"{kind}/{ref.get('name')}")
    for volume in (template.get("spec") or {}).get("volumes") or []:
        if (volume.get("configMap") or {}).get("name") and not volume["configMap"].get("optional"):
            refs.append(f"ConfigMap/{volume['configMap']['name']}")
        if (volume.get("secret") or {}).get("secretName") and not volume["secret"].get("optional"):
            refs.append(f"Secret/{volume['secret']['secretName']}")
        for source in (volume.get("projected") or {}).get("sources") or []:
            if (source.get("configMap") or {}).get("name"):
                refs.append(f"ConfigMap/{source['configMap']['name']}")
            if (source.get("secret") or {}).get("name"):
                refs.append(f"Secret/{source['secret']['name']}")
    return sorted(set(refs))


def pod_labels(template: dict[str, Any]) -> dict[str, str]:
    labels = (template.get("metadata") or {}).get("labels") or {}
    return {k: v for k, v in labels.items() if k not in TEMPLATE_HASH_LABELS}


def container_ports(template: dict[str, Any]) -> list[str]:
    """The ports the app containers declare, `name:port/PROTOCOL` (or `port/PROTOCOL` when unnamed): what a
    Service's targetPort must name or number to reach them."""
    ports = []
    for container in (template.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            number = f"{port.get('containerPort')}/{port.get('protocol') or 'TCP'}"
            ports.append(f"{port['name']}:{number}" if port.get("name") else number)
    return ports


def placement(template: dict[str, Any]) -> dict[str, Any]:
    """The fields that decide where pods may run (nodeSelector, affinity, tolerations...), as set."""
    spec = template.get("spec") or {}
    return {k: spec[k] for k in PLACEMENT if spec.get(k)}


def pod_requests(template: dict[str, Any], which: str = "requests") -> dict[str, str]:
    """What one pod of the template requests (or, with which="limits", is limited to), as a ResourceQuota counts it:
    the larger of the app containers' sum and the largest init container, per resource ("cpu" in millicores,
    "memory" in Mi, others as set)."""
    spec = template.get("spec") or {}
    def requests(container: dict[str, Any]) -> dict[str, Decimal]:
        asked = ((container.get("resources") or {}).get(which) or {}).items()
        return {name: value for name, text in asked if (value := parse_quantity(text)) is not None}
    total: dict[str, Decimal] = {}
    for container in spec.get("containers") or []:
        for name, value in requests(container).items():
            total[name] = total.get(name, Decimal(0)) + value
    for container in spec.get("initContainers") or []:
        for name, value in requests(container).items():
            total[name] = max(total.get(name, Decimal(0)), value)
    return {name: _format_request(name, value) for name, value in sorted(total.items())}


def _format_request(name: str, value: Decimal) -> str:
    if name == "cpu":
        return f"{int((value * 1000).to_integral_value(rounding=ROUND_CEILING))}m"
    if name == "memory" or name == "ephemeral-storage":
        return f"{int((value / 2**20).to_integral_value(rounding=ROUND_CEILING))}Mi"
    return str(value.normalize())


def env_names(template: dict[str, Any]) -> list[str]:
    return sorted({e.get("name") for c in _containers(template) for e in c.get("env") or [] if e.get("name")})


def changed_aspects(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Which aspects differ from `before` to `after`, in a fixed order (empty: only the hash moved)."""
    def per_container(key: str, template: dict[str, Any]) -> dict[str, Any]:
        return {c.get("name"): c.get(key) for c in _containers(template)}

    def env_values(template: dict[str, Any]) -> dict[str, Any]:
        # Plain values only: a change to a reference is a config_refs change.
        return {c.get("name"): sorted((e.get("name"), str(e.get("value"))) for e in c.get("env") or [] if "valueFrom" not in e)
                for c in _containers(template)}

    old_spec, new_spec = before.get("spec") or {}, after.get("spec") or {}
    checks = {
        "image": per_container("image", before) != per_container("image", after),
        "env": env_values(before) != env_values(after) or env_names(before) != env_names(after),
        "config_refs": config_refs(before) != config_refs(after),
        "probes": any(per_container(p, before) != per_container(p, after) for p in PROBES),
        "labels": pod_labels(before) != pod_labels(after),
        "resources": per_container("resources", before) != per_container("resources", after),
        "command": any(per_container(k, before) != per_container(k, after) for k in ("command", "args")),
        "ports": per_container("ports", before) != per_container("ports", after),
        "placement": any(old_spec.get(k) != new_spec.get(k) for k in PLACEMENT),
        "volumes": old_spec.get("volumes") != new_spec.get("volumes")
                   or per_container("volumeMounts", before) != per_container("volumeMounts", after),
    }
    return [aspect for aspect, differs in checks.items() if differs]
