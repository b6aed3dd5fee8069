"""Which handler serves a request: the discovery documents, resource paths parsed into a `Route`,
and the table of verbs each resource and subresource accepts (anything else is a 404 or a 405
with a message that says what to do instead)."""

from __future__ import annotations

from typing import Any

from . import handlers, openapi, resources, reviews, subresources, versions
from .errors import ApiError
from .hooks import Backend
from .messages import Request, Response, Route, error_response, json_response, method_not_allowed, not_found_path

VERSION_INFO = {
    "major": "1", "minor": "33", "gitVersion": "v1.33.0-sre-lab", "gitCommit": "sre-lab",
    "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.24",
    "compiler": "gc", "platform": "linux/amd64",
}


def discovery(req: Request, segments: list[str], address: str) -> Response | None:
    """The discovery documents (/version, /api, /apis, ...) and health checks; None for any other path."""
    doc: Any = None
    if segments == ["version"]:
        doc = VERSION_INFO
    elif segments in (["healthz"], ["readyz"], ["livez"]):
        return Response(200, b"ok", "text/plain; charset=utf-8") if req.method == "GET" else \
            error_response(method_not_allowed(req.method, req.path))
    elif segments[:1] == ["openapi"]:
        return _openapi(req, segments)
    elif segments == ["api"]:
        doc = resources.core_api_versions(address)
    elif segments == ["api", "v1"]:
        doc = resources.api_resource_list("", "v1")
    elif segments == ["apis"]:
        doc = resources.api_group_list()
    elif len(segments) == 2 and segments[0] == "apis":
        doc = resources.api_group(segments[1])
        if doc is None:
            raise not_found_path(req.path)
    elif len(segments) == 3 and segments[0] == "apis":
        doc = resources.api_resource_list(segments[1], segments[2])
        if doc is None:
            raise not_found_path(req.path)
    else:
        return None
    if req.method != "GET":
        raise method_not_allowed(req.method, f"the discovery document {req.path}")
    return json_response(200, doc)


def _openapi(req: Request, segments: list[str]) -> Response:
    if req.method != "GET":
        raise method_not_allowed(req.method, f"the OpenAPI document {req.path}")
    accept = (req.headers.get("Accept") or "").lower()
    if accept and "json" not in accept and "*/*" not in accept:
        # /openapi/v2 as protobuf (what kubectl's client-side validation asks for): 406 says
        # "ask again for JSON"; the lab never speaks protobuf
        raise ApiError(406, "NotAcceptable", "the lab serves OpenAPI documents as application/json only")
    body = openapi.document_for(segments)
    if body is None:
        raise not_found_path(req.path)
    return Response(200, body)


def route(path: str, segments: list[str]) -> Route:
    """The resource a path names: /api/v1/namespaces/{namespace}/{plural}/{name}/{subresource}."""
    if segments[:2] == ["api", "v1"]:
        group, version, rest = "", "v1", segments[2:]
    elif len(segments) > 3 and segments[0] == "apis":
        group, version, rest = segments[1], segments[2], segments[3:]
    else:
        raise not_found_path(path)
    namespace: str | None = None
    if rest[0] == "namespaces" and group == "" and (len(rest) <= 2 or rest[2] in ("status", "finalize")):
        plural, tail = "namespaces", rest[1:]  # the Namespace objects themselves
    elif rest[0] == "namespaces" and len(rest) >= 3:
        namespace, plural, tail = rest[1], rest[2], rest[3:]
    else:
        plural, tail = rest[0], rest[1:]
    rtype = resources.by_path(group, version, plural)
    if rtype is None or len(tail) > 2:
        raise not_found_path(path)
    if namespace is not None and not rtype.namespaced:
        raise not_found_path(path)
    if namespace is None and rtype.namespaced and tail:
        raise not_found_path(path)  # a namespaced object is addressed through its namespace
    return Route(rtype, namespace, tail[0] if tail else None, tail[1] if len(tail) > 1 else None)


def serve(api: Backend, req: Request, route: Route) -> Response:
    """Pick the handler for a verb on a resource (or one of its subresources) and run it."""
    rtype, method, sub = route.rtype, req.method, route.subresource
    if rtype.view:
        return versions.serve_view(api, req, route)
    if rtype.review:
        if method != "POST" or route.name is not None:
            raise method_not_allowed(method, f"{rtype.group_resource} (reviews are create-only)")
        return reviews.create_review(req, route)
    if not rtype.stored:
        if method != "GET" or sub is not None:
            raise method_not_allowed(method, f"{rtype.group_resource} (metrics are read-only)")
        return handlers.metrics(api, req, route)
    if rtype.read_only and (method != "GET" or sub is not None):
        raise method_not_allowed(method, f"{rtype.group_resource} (written by the lab's controllers only)")
    if route.name is None:
        if method == "GET":
            return handlers.list_objects(api, req, route)
        if method == "POST" and (route.namespace or not rtype.namespaced):
            return handlers.create(api, req, route)
        if method == "DELETE" and (route.namespace or not rtype.namespaced):
            return handlers.delete_collection(api, req, route)
        raise method_not_allowed(method, f"the {rtype.plural} collection" +
                                  ("" if route.namespace or not rtype.namespaced else
                                   " across all namespaces; use /namespaces/{namespace}/" + rtype.plural))
    if sub is None:
        handler = {"GET": handlers.get, "PUT": handlers.replace, "PATCH": handlers.patch, "DELETE": handlers.delete}.get(method)
    elif sub == "status" and rtype.has_status:
        handler = {"GET": handlers.get, "PUT": handlers.replace_status, "PATCH": handlers.patch}.get(method)
    elif sub == "scale" and rtype.has_scale:
        handler = {"GET": subresources.get_scale, "PUT": subresources.put_scale, "PATCH": subresources.patch_scale}.get(method)
    elif sub == "log" and rtype.kind == "Pod":
        handler = {"GET": subresources.pod_log}.get(method)
    elif sub == "eviction" and rtype.kind == "Pod":
        handler = {"POST": subresources.evict}.get(method)
    elif sub in ("exec", "attach", "portforward", "proxy") and rtype.kind == "Pod":
        raise method_not_allowed(method, f"pods/{sub}: the lab has no container runtime to connect to; "
                                  "read pods/log instead")
    else:
        raise not_found_path(req.path)
    if handler is None:
        raise method_not_allowed(method, f"{rtype.plural}/{sub}" if sub else f"a {rtype.kind}")
    return handler(api, req, route)
