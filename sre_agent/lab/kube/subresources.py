"""The subresources the lab API server serves beyond status: scale (GET/PUT/PATCH as
autoscaling/v1 Scale), pods/log (container choice, sinceSeconds/sinceTime, tailLines,
limitBytes, previous) and pods/eviction (refused with 429 while a disruption budget allows none)."""

from __future__ import annotations

from datetime import datetime

from .errors import ApiError
from .handlers import apply_request_patch, envelope, written
from .hooks import Backend
from .messages import Request, Response, Route, json_response
from .selectors import SelectorError, label_selector_from_dict
from .validation import check_replicas


def _scale_of(obj: dict) -> dict:
    spec, status, meta = obj.get("spec") or {}, obj.get("status") or {}, obj["metadata"]
    selector = spec.get("selector")
    try:
        selector_text = str(label_selector_from_dict(selector)) if isinstance(selector, dict) else ""
    except SelectorError:
        selector_text = ""
    return {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                     if k in meta},
        "spec": {"replicas": spec.get("replicas", 0)},
        "status": {"replicas": status.get("replicas", 0), "selector": selector_text},
    }


def get_scale(api: Backend, req: Request, route: Route) -> Response:
    return json_response(200, _scale_of(api.store.get(route.rtype.kind, route.namespace, route.name or "")))


def _apply_scale(api: Backend, req: Request, route: Route, current: dict, scale: dict) -> Response:
    replicas = (scale.get("spec") or {}).get("replicas")
    bad = check_replicas(replicas)
    if bad:
        raise ApiError.invalid("Scale", "autoscaling", route.name or "", [{
            "reason": "FieldValueInvalid", "field": "spec.replicas",
            "message": f"Invalid value: {replicas!r}: {bad}"}])
    wanted_version = (scale.get("metadata") or {}).get("resourceVersion")
    updated = current
    updated.setdefault("spec", {})["replicas"] = replicas
    updated["metadata"]["resourceVersion"] = wanted_version or current["metadata"]["resourceVersion"]
    dry_run = req.dry_run
    result = written(req, api.store.replace(updated, dry_run=dry_run, as_client=True), dry_run)
    return json_response(200, _scale_of(result))


def put_scale(api: Backend, req: Request, route: Route) -> Response:
    body = envelope(req, route, req.object_body(), kind="Scale", api_version="autoscaling/v1",
                          check_name=True)
    current = api.store.get(route.rtype.kind, route.namespace, route.name or "")
    return _apply_scale(api, req, route, current, body)


def patch_scale(api: Backend, req: Request, route: Route) -> Response:
    current = api.store.get(route.rtype.kind, route.namespace, route.name or "")
    scale = apply_request_patch(req, _scale_of(current))
    return _apply_scale(api, req, route, current, scale)


def pod_log(api: Backend, req: Request, route: Route) -> Response:
    namespace, name = route.namespace or "", route.name or ""
    pod = api.store.get("Pod", namespace, name)
    spec = pod.get("spec") or {}
    names = [c.get("name") for c in spec.get("containers") or []]
    init = [c.get("name") for c in spec.get("initContainers") or []]
    ephemeral = [c.get("name") for c in spec.get("ephemeralContainers") or []]
    container = req.param("container") or None
    if container is None:
        default = ((pod["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/default-container"))
        if default in names:
            container = default
        elif len(names) == 1:
            container = names[0]
        else:
            message = f"a container name must be specified for pod {name}, choose one of: [{' '.join(names)}]"
            if init:
                message += f" or one of the init containers: [{' '.join(init)}]"
            raise ApiError.bad_request(message)
    elif container not in names + init + ephemeral:
        raise ApiError.bad_request(f"container {container} is not valid for pod {name}")
    since_seconds = req.int_param("sinceSeconds")
    if since_seconds is not None and since_seconds < 1:
        raise ApiError.invalid("PodLogOptions", "", name, [{
            "reason": "FieldValueInvalid", "field": "sinceSeconds",
            "message": f"Invalid value: {since_seconds}: must be greater than 0"}])
    since_time = req.param("sinceTime")
    if since_time and since_seconds is None:
        since_seconds = _seconds_since(api, since_time)
    text = api.world.pod_log(namespace, name, container, req.flag("previous"),
                              req.int_param("tailLines", minimum=0), since_seconds, req.flag("timestamps"))
    data = text.encode()
    limit = req.int_param("limitBytes", minimum=1)
    if limit is not None:
        data = data[:limit]
    return Response(200, data, "text/plain; charset=utf-8")


def _seconds_since(api: Backend, since_time: str) -> int:
    try:
        moment = datetime.fromisoformat(since_time.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError.bad_request(f"sinceTime={since_time!r} is not an RFC 3339 time") from None
    return max(1, int((api.store.now() - moment).total_seconds()))


def evict(api: Backend, req: Request, route: Route) -> Response:
    body = req.document(required=False) or {}
    if not isinstance(body, dict):
        raise ApiError.bad_request("an eviction body must be a policy/v1 Eviction object")
    body_name = (body.get("metadata") or {}).get("name")
    if body_name and body_name != route.name:
        raise ApiError.bad_request(f"name in URL ({route.name}) does not match name in Eviction object ({body_name})")
    namespace, name = route.namespace or "", route.name or ""
    pod = api.store.get("Pod", namespace, name)
    _check_disruption_budgets(api, pod)
    options = body.get("deleteOptions") or {}
    dry_run = req.dry_run or "All" in (options.get("dryRun") or [])
    written(req, api.store.delete("Pod", namespace, name, dry_run=dry_run,
                                    preconditions=options.get("preconditions")), dry_run)
    return json_response(201, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})


def _check_disruption_budgets(api: Backend, pod: dict) -> None:
    """Refuse (429) like the eviction API when a matching PDB allows no disruption. The budget's
    status is the world's to derive; a budget without status does not block."""
    labels = pod["metadata"].get("labels") or {}
    for pdb in api.store.list("PodDisruptionBudget", pod["metadata"]["namespace"]):
        selector = (pdb.get("spec") or {}).get("selector")
        status = pdb.get("status") or {}
        if not isinstance(selector, dict) or "disruptionsAllowed" not in status:
            continue
        try:
            matches = label_selector_from_dict(selector).matches(labels)
        except SelectorError:
            continue
        if matches and status["disruptionsAllowed"] < 1:
            pdb_name = pdb["metadata"]["name"]
            raise ApiError(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption "
                           "budget.", {"causes": [{"reason": "DisruptionBudget", "message":
                           f"The disruption budget {pdb_name} needs {status.get('desiredHealthy', '?')} healthy "
                           f"pods and has {status.get('currentHealthy', '?')} currently"}]})
