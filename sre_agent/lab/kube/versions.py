"""Older API versions the lab serves as read-only views of what it stores: autoscaling/v1
HorizontalPodAutoscalers, converted from the stored autoscaling/v2 objects the way kube-apiserver
converts them (the CPU utilisation target and current value become targetCPUUtilizationPercentage
and currentCPUUtilizationPercentage; conditions travel in the
autoscaling.alpha.kubernetes.io/conditions annotation). Writes go to autoscaling/v2: a write to v1
is refused with a 405 that says so."""

from __future__ import annotations

import copy
import json

from .codec import loads
from .errors import ApiError
from .hooks import Backend
from .messages import Request, Response, Route, json_response
from .resources import by_kind


def _cpu_utilization(metrics: list[dict], side: str) -> int | None:
    for metric in metrics or []:
        resource = metric.get("resource") or {}
        if metric.get("type") == "Resource" and resource.get("name") == "cpu":
            value = (resource.get(side) or {}).get("averageUtilization")
            if value is not None:
                return int(value)
    return None


def hpa_v2_to_v1(obj: dict) -> dict:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    meta = copy.deepcopy(obj.get("metadata") or {})
    if status.get("conditions"):
        meta.setdefault("annotations", {})["autoscaling.alpha.kubernetes.io/conditions"] = json.dumps(
            status["conditions"], separators=(",", ":"))
    v1_spec = {k: spec[k] for k in ("scaleTargetRef", "minReplicas", "maxReplicas") if k in spec}
    target = _cpu_utilization(spec.get("metrics") or [], "target")
    if target is not None:
        v1_spec["targetCPUUtilizationPercentage"] = target
    v1_status = {k: status[k] for k in ("observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas")
                 if k in status}
    current = _cpu_utilization(status.get("currentMetrics") or [], "current")
    if current is not None:
        v1_status["currentCPUUtilizationPercentage"] = current
    return {"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v1", "metadata": meta,
            "spec": v1_spec, "status": v1_status}


def serve_view(api: Backend, req: Request, route: Route) -> Response:
    """GET one object or a list at an older version; anything else is refused."""
    view = route.rtype
    if req.method != "GET" or route.subresource is not None or req.flag("watch"):
        raise ApiError(405, "MethodNotAllowed", f"{view.api_version} {view.plural} are served read-only by the lab; "
                                                 f"write them through {by_kind(view.kind).api_version}")
    if route.name is not None:
        return json_response(200, hpa_v2_to_v1(loads(api.store.get_serialized(view.kind, route.namespace, route.name))))
    items = [hpa_v2_to_v1(obj) for obj in api.store.list(view.kind, route.namespace,
                                                         req.param("labelSelector") or None)]
    return json_response(200, {"kind": view.list_kind, "apiVersion": view.api_version,
                               "metadata": {"resourceVersion": api.store.resource_version()}, "items": items})
