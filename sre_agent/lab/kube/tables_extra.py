"""Table columns for the kinds beyond pods and workloads that a diagnosis reads: Endpoints (a
Service with `<none>` endpoints is the selector-mismatch symptom) and EndpointSlices, ResourceQuota usage against
hard limits, HPA targets, PDB allowed disruptions, PV/StorageClass binding, ServiceAccounts,
Ingresses, NetworkPolicies and ControllerRevisions -- again with kube-apiserver's wording.
Registered into tables.PRINTERS; kept apart so each module stays readable."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import printers as p

Column = tuple[str, str, int, str]


def _name(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("name", "")


def _age(obj: dict, now: datetime) -> str:
    return p.since((obj.get("metadata") or {}).get("creationTimestamp"), now)


def endpoints_text(obj: dict, limit: int = 3) -> str:
    """formatEndpoints: ready addresses as ip:port, the first three and `+ N more...`."""
    shown: list[str] = []
    total = 0
    for subset in obj.get("subsets") or []:
        addresses = [a.get("ip", "") for a in subset.get("addresses") or []]
        ports = [port.get("port") for port in subset.get("ports") or []] or [None]
        for port in ports:
            total += len(addresses)
            for ip in addresses:
                if len(shown) < limit:
                    shown.append(ip if port is None else f"{ip}:{port}")
    if not shown:
        return p.NONE
    text = ",".join(shown)
    return f"{text} + {total - limit} more..." if total > limit else text


def _endpoints(obj: dict, now: datetime) -> list[Any]:
    return [_name(obj), endpoints_text(obj), _age(obj, now)]


def _listed(items: list[str], limit: int = 3) -> str:
    """listWithMoreString: the first three, `+ N more...`, `<unset>` when empty."""
    text = ",".join(items[:limit])
    return f"{text} + {len(items) - limit} more..." if len(items) > limit else text or "<unset>"


def _endpointslice(obj: dict, now: datetime) -> list[Any]:
    ports = [str(port["port"]) if port.get("port") is not None else port.get("name") or "*"
             for port in obj.get("ports") or []]
    addresses = [a for endpoint in obj.get("endpoints") or [] for a in endpoint.get("addresses") or []]
    return [_name(obj), obj.get("addressType", ""), _listed(ports), _listed(addresses), _age(obj, now)]


def quota_columns(obj: dict) -> tuple[str, str]:
    """(REQUEST, LIMIT): `used/hard` per resource, `limits.*` in the second column."""
    status = obj.get("status") or {}
    hard, used = status.get("hard") or (obj.get("spec") or {}).get("hard") or {}, status.get("used") or {}
    requests, limits = [], []
    for resource in sorted(hard):
        text = f"{resource}: {used.get(resource, '0')}/{hard[resource]}"
        (limits if resource.startswith("limits.") else requests).append(text)
    return ", ".join(requests), ", ".join(limits)


def _quota(obj: dict, now: datetime) -> list[Any]:
    request, limit = quota_columns(obj)
    return [_name(obj), _age(obj, now), request, limit]


def hpa_targets(obj: dict) -> str:
    """`cpu: 45%/80%` per metric (`<unknown>` before the first reading), as kubectl prints v2 HPAs."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    current = status.get("currentMetrics") or []
    parts = []
    for i, metric in enumerate(spec.get("metrics") or []):
        if metric.get("type") != "Resource":
            parts.append(f"<{metric.get('type', 'unknown').lower()}>")
            continue
        resource = metric.get("resource") or {}
        target = resource.get("target") or {}
        now = (current[i].get("resource") or {}).get("current") or {} if i < len(current) else {}
        if target.get("averageUtilization") is not None:
            have = f"{now['averageUtilization']}%" if now.get("averageUtilization") is not None else "<unknown>"
            parts.append(f"{resource.get('name')}: {have}/{target['averageUtilization']}%")
        else:
            want = target.get("averageValue") or target.get("value") or ""
            parts.append(f"{resource.get('name')}: {now.get('averageValue') or '<unknown>'}/{want}")
    if not parts:
        return "<none>"
    return ", ".join(parts[:2]) + (f" + {len(parts) - 2} more..." if len(parts) > 2 else "")


def _hpa(obj: dict, now: datetime) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    return [_name(obj), f"{ref.get('kind', '')}/{ref.get('name', '')}", hpa_targets(obj), spec.get("minReplicas", 1),
            spec.get("maxReplicas", 0), status.get("currentReplicas") or 0, _age(obj, now)]


def _pdb(obj: dict, now: datetime) -> list[Any]:
    spec = obj.get("spec") or {}
    return [_name(obj), str(spec["minAvailable"]) if "minAvailable" in spec else "N/A",
            str(spec["maxUnavailable"]) if "maxUnavailable" in spec else "N/A",
            (obj.get("status") or {}).get("disruptionsAllowed") or 0, _age(obj, now)]


def _pv(obj: dict, now: datetime) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    claim = spec.get("claimRef") or {}
    phase = "Terminating" if (obj.get("metadata") or {}).get("deletionTimestamp") else status.get("phase", "")
    return [_name(obj), (spec.get("capacity") or {}).get("storage", ""), p.access_modes(spec.get("accessModes")),
            spec.get("persistentVolumeReclaimPolicy", "Retain"), phase,
            f"{claim['namespace']}/{claim['name']}" if claim.get("name") else "", spec.get("storageClassName", ""),
            spec.get("volumeAttributesClassName") or p.NONE, status.get("reason", ""), _age(obj, now),
            spec.get("volumeMode") or "Filesystem"]


def _storageclass(obj: dict, now: datetime) -> list[Any]:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    default = "true" in (annotations.get("storageclass.kubernetes.io/is-default-class"),
                         annotations.get("storageclass.beta.kubernetes.io/is-default-class"))
    return [_name(obj) + (" (default)" if default else ""), obj.get("provisioner", ""),
            obj.get("reclaimPolicy") or "Delete", obj.get("volumeBindingMode") or "Immediate",
            bool(obj.get("allowVolumeExpansion")), _age(obj, now)]


def _serviceaccount(obj: dict, now: datetime) -> list[Any]:
    return [_name(obj), len(obj.get("secrets") or []), _age(obj, now)]


def _ingress(obj: dict, now: datetime) -> list[Any]:
    spec = obj.get("spec") or {}
    hosts = [rule.get("host") or "*" for rule in spec.get("rules") or []]
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    address = ",".join(i.get("ip") or i.get("hostname") or "" for i in ingress)
    return [_name(obj), spec.get("ingressClassName") or p.NONE, ",".join(hosts) or "*", address,
            "80, 443" if spec.get("tls") else "80", _age(obj, now)]


def _networkpolicy(obj: dict, now: datetime) -> list[Any]:
    return [_name(obj), p.selector_text((obj.get("spec") or {}).get("podSelector")), _age(obj, now)]


def _controllerrevision(obj: dict, now: datetime) -> list[Any]:
    owner = next((r for r in (obj.get("metadata") or {}).get("ownerReferences") or [] if r.get("controller")), None)
    controller = "<none>"
    if owner:
        group = (owner.get("apiVersion") or "").rpartition("/")[0]
        controller = f"{owner.get('kind', '').lower()}{'.' + group if group else ''}/{owner.get('name', '')}"
    return [_name(obj), controller, obj.get("revision", 0), _age(obj, now)]


def _s(name: str, priority: int = 0) -> Column:
    return (name, "string", priority, "")


def _i(name: str) -> Column:
    return (name, "integer", 0, "")


_NAME: Column = ("Name", "string", 0, "name")
_AGE = _s("Age")

EXTRA_PRINTERS: dict[str, tuple[tuple[Column, ...], Any]] = {
    "Endpoints": ((_NAME, _s("Endpoints"), _AGE), _endpoints),
    "EndpointSlice": ((_NAME, _s("AddressType"), _s("Ports"), _s("Endpoints"), _AGE), _endpointslice),
    "ResourceQuota": ((_NAME, _AGE, _s("Request"), _s("Limit")), _quota),
    "HorizontalPodAutoscaler": ((_NAME, _s("Reference"), _s("Targets"), _i("MinPods"), _i("MaxPods"),
                                 _i("Replicas"), _AGE), _hpa),
    "PodDisruptionBudget": ((_NAME, _s("Min Available"), _s("Max Unavailable"), _i("Allowed Disruptions"), _AGE),
                            _pdb),
    "PersistentVolume": ((_NAME, _s("Capacity"), _s("Access Modes"), _s("Reclaim Policy"), _s("Status"),
                          _s("Claim"), _s("StorageClass"), _s("VolumeAttributesClass"), _s("Reason"), _AGE,
                          _s("VolumeMode", 1)), _pv),
    "StorageClass": ((_NAME, _s("Provisioner"), _s("ReclaimPolicy"), _s("VolumeBindingMode"),
                      ("AllowVolumeExpansion", "boolean", 0, ""), _AGE), _storageclass),
    "ServiceAccount": ((_NAME, _i("Secrets"), _AGE), _serviceaccount),
    "Ingress": ((_NAME, _s("Class"), _s("Hosts"), _s("Address"), _s("Ports"), _AGE), _ingress),
    "NetworkPolicy": ((_NAME, _s("Pod-Selector"), _AGE), _networkpolicy),
    "ControllerRevision": ((_NAME, _s("Controller"), _i("Revision"), _AGE), _controllerrevision),
}
