"""The verbs of the lab API server on a resource: get, list (selectors and limit/continue
paging), metrics.k8s.io reads, create, replace, status replace, the three patch types, delete and
deletecollection. Each takes the `Backend`, the request and its route, and records what it
committed on the request so the server can tell the world after the store lock is released."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

from . import fieldvalidation, watch
from .codec import dumps, loads
from .errors import ApiError
from .hooks import Backend
from .messages import Request, Response, Route, json_response, success_status
from .patch import APPLY_PATCH, SUPPORTED_PATCH_TYPES, PatchError, apply_patch
from .selectors import SelectorError, parse_field_selector, to_label_selector
from .tables import build_table, negotiate


def _now(api: Backend) -> datetime:
    """The world's clock (simulated, possibly frozen) when it has one, so AGE agrees with the
    timestamps the world writes; wall-clock time for a bare store."""
    clock = getattr(api.world, "clock", None)
    return clock.now() if clock is not None else datetime.now(UTC)


def get(api: Backend, req: Request, route: Route) -> Response:
    table = negotiate(req.headers.get("Accept"))
    raw = api.store.get_serialized(route.rtype.kind, route.namespace, route.name or "")
    if table is None or route.subresource is not None:
        return Response(200, raw)
    obj = loads(raw)
    meta = {"resourceVersion": obj["metadata"].get("resourceVersion", "")}
    return json_response(200, build_table(route.rtype, [obj], _now(api), include_object=req.param("includeObject"),
                                          list_meta=meta, table_version=table))


def list_objects(api: Backend, req: Request, route: Route) -> Response:
    rtype = route.rtype
    if req.flag("watch"):
        return watch_objects(api, req, route)
    page = api.store.list_serialized(
        rtype.kind, route.namespace, req.param("labelSelector") or None, req.param("fieldSelector") or None,
        limit=req.int_param("limit", minimum=0), after=_decode_continue(req.param("continue")),
    )
    meta: dict[str, Any] = {"resourceVersion": page.resource_version}
    if page.continue_after is not None:
        meta["continue"] = _encode_continue(page.continue_after)
        meta["remainingItemCount"] = page.remaining
    table = negotiate(req.headers.get("Accept"))
    if table is not None:
        return json_response(200, build_table(rtype, [loads(raw) for raw in page.items], _now(api),
                                              include_object=req.param("includeObject"), list_meta=meta,
                                              table_version=table))
    head = b'{"kind":"%s","apiVersion":"%s","metadata":%s,"items":[' % (
        rtype.list_kind.encode(), rtype.api_version.encode(), dumps(meta))
    return Response(200, head + b",".join(page.items) + b"]}")


def watch_objects(api: Backend, req: Request, route: Route) -> Response:
    """A watch stream (runs under the store lock only to register; streams after it is released)."""
    rtype = route.rtype
    table = negotiate(req.headers.get("Accept"))
    include = req.param("includeObject")
    timeout = req.int_param("timeoutSeconds", minimum=0)
    watcher, start = api.watches.open(rtype, route.namespace, req.param("resourceVersion"))

    def encode(obj: dict, first: bool) -> dict:
        if table is None:
            return obj
        rows = build_table(rtype, [obj], _now(api), include_object=include,
                           list_meta={"resourceVersion": obj["metadata"].get("resourceVersion", "")},
                           table_version=table)
        if not first:  # as kube-apiserver: column definitions only with the first event
            rows["columnDefinitions"] = []
        return rows

    events = watch.stream(api.watches, watcher, start, label_selector=req.param("labelSelector") or None,
                          field_selector=req.param("fieldSelector") or None,
                          timeout_s=timeout if timeout else watch.DEFAULT_TIMEOUT_S, sync=api.world.sync,
                          encode=encode)
    return Response(200, b"", stream=events)


def metrics(api: Backend, req: Request, route: Route) -> Response:
    rtype = route.rtype
    if rtype.kind == "PodMetrics":
        items = api.world.pod_metrics(route.namespace)
    else:
        items = api.world.node_metrics()
    try:
        labels = to_label_selector(req.param("labelSelector") or None)
        fields = parse_field_selector(req.param("fieldSelector"))
    except SelectorError as exc:
        raise ApiError.bad_request(str(exc)) from None
    selected = []
    for item in items:
        item = {"kind": rtype.kind, "apiVersion": rtype.api_version, **item}
        meta = item.get("metadata") or {}
        if route.namespace and rtype.namespaced and meta.get("namespace") != route.namespace:
            continue
        if labels.matches(meta.get("labels")) and fields.matches(item):
            selected.append(item)
    if route.name is not None:
        for item in selected:
            if (item.get("metadata") or {}).get("name") == route.name:
                return json_response(200, item)
        raise ApiError.not_found(rtype, route.name)
    selected.sort(key=lambda i: ((i.get("metadata") or {}).get("namespace", ""),
                                 (i.get("metadata") or {}).get("name", "")))
    return json_response(200, {"kind": rtype.list_kind, "apiVersion": rtype.api_version, "metadata": {},
                       "items": selected})


def envelope(req: Request, route: Route, body: dict, *, kind: str | None = None,
              api_version: str | None = None, check_name: bool) -> dict:
    """Check a body against its URL as kube-apiserver does: kind and apiVersion default from
    the URL and must match it when given; name and namespace must match the URL (400)."""
    rtype = route.rtype
    kind = kind or rtype.kind
    api_version = api_version or rtype.api_version
    if body.get("kind") not in (None, kind):
        raise ApiError.bad_request(f"the request body is a {body['kind']} but {req.path} takes a {kind}; "
                                   f"send the {body['kind']} to its own endpoint")
    if body.get("apiVersion") not in (None, api_version):
        raise ApiError.bad_request(f"the API version in the data ({body['apiVersion']}) does not match the "
                                   f"expected API version ({api_version})")
    body["kind"], body["apiVersion"] = kind, api_version
    meta = body.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise ApiError.bad_request("metadata must be an object")
    if check_name and meta.get("name") != route.name:
        raise ApiError.bad_request(f"the name of the object ({meta.get('name') or ''}) does not match the name "
                                   f"on the URL ({route.name})")
    if route.namespace is not None:
        if meta.get("namespace") not in (None, "", route.namespace):
            raise ApiError.bad_request("the namespace of the provided object does not match the namespace sent "
                                       f"on the request (object: {meta['namespace']}, URL: {route.namespace})")
        meta["namespace"] = route.namespace
    return body


def written(req: Request, obj: dict, dry_run: bool) -> dict:
    if not dry_run:
        req.writes.append(obj)
    return obj


def create(api: Backend, req: Request, route: Route) -> Response:
    body = envelope(req, route, req.object_body(), check_name=False)
    fieldvalidation.check(req.param("fieldValidation"), route.rtype, body)
    dry_run = req.dry_run
    return json_response(201, written(req, api.store.create(body, dry_run=dry_run), dry_run))


def replace(api: Backend, req: Request, route: Route) -> Response:
    body = envelope(req, route, req.object_body(), check_name=True)
    fieldvalidation.check(req.param("fieldValidation"), route.rtype, body)
    dry_run = req.dry_run
    return json_response(200, written(req, api.store.replace(body, dry_run=dry_run, as_client=True), dry_run))


def replace_status(api: Backend, req: Request, route: Route) -> Response:
    body = envelope(req, route, req.object_body(), check_name=True)
    fieldvalidation.check(req.param("fieldValidation"), route.rtype, body)
    dry_run = req.dry_run
    return json_response(200, written(req, api.store.update_status(body, dry_run=dry_run), dry_run))


def apply_request_patch(req: Request, current: dict) -> dict:
    media = req.media_type
    if media == APPLY_PATCH:
        raise ApiError(415, "UnsupportedMediaType", "server-side apply (application/apply-patch+yaml) is not "
                       "supported by the lab API server; send a strategic merge patch "
                       "(application/strategic-merge-patch+json) or a JSON merge patch instead")
    if media not in SUPPORTED_PATCH_TYPES:
        raise ApiError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format "
                       f"({media or 'no Content-Type'}) - accepted media types include: "
                       f"{', '.join(SUPPORTED_PATCH_TYPES)}")
    try:
        return apply_patch(media, current, req.document())
    except PatchError as exc:
        raise ApiError(exc.code, "Invalid" if exc.code == 422 else "BadRequest", str(exc)) from None


def patch(api: Backend, req: Request, route: Route) -> Response:
    rtype, dry_run = route.rtype, req.dry_run
    current = api.store.get(rtype.kind, route.namespace, route.name or "")
    patched = apply_request_patch(req, current)
    meta = patched.get("metadata") if isinstance(patched.get("metadata"), dict) else {}
    for field in ("name", "namespace"):
        if meta.get(field) != current["metadata"].get(field):
            raise ApiError.invalid(rtype.kind, rtype.group, route.name or "", [{
                "reason": "FieldValueInvalid", "field": f"metadata.{field}",
                "message": f"Invalid value: {meta.get(field)!r}: field is immutable"}])
    if patched.get("kind") != rtype.kind or patched.get("apiVersion") != rtype.api_version:
        raise ApiError.bad_request(f"a patch may not change kind or apiVersion of {rtype.kind} {route.name}")
    # the patched object, not the patch: a JSON patch names paths rather than fields
    fieldvalidation.check(req.param("fieldValidation"), rtype, patched)
    if route.subresource == "status":
        result = api.store.update_status(patched, dry_run=dry_run)
    else:
        result = api.store.replace(patched, dry_run=dry_run, as_client=True)
    return json_response(200, written(req, result, dry_run))


def delete(api: Backend, req: Request, route: Route) -> Response:
    options = req.document(required=False) or {}
    if not isinstance(options, dict):
        raise ApiError.bad_request("a DELETE body must be a DeleteOptions object")
    dry_run = req.dry_run or "All" in (options.get("dryRun") or [])
    propagation = req.param("propagationPolicy") or options.get("propagationPolicy") or "Background"
    if options.get("orphanDependents") is True:  # the pre-1.7 spelling kubectl still understands
        propagation = "Orphan"
    rtype = route.rtype
    deleted = api.store.delete(rtype.kind, route.namespace, route.name or "", dry_run=dry_run,
                                propagation=propagation, preconditions=options.get("preconditions"))
    written(req, deleted, dry_run)
    if rtype.delete_returns_object:
        return json_response(200, deleted)
    return json_response(200, success_status(rtype, deleted))


def delete_collection(api: Backend, req: Request, route: Route) -> Response:
    rtype, dry_run = route.rtype, req.dry_run
    victims = api.store.list(rtype.kind, route.namespace, req.param("labelSelector") or None,
                              req.param("fieldSelector") or None)
    deleted = []
    for obj in victims:
        meta = obj["metadata"]
        if api.store.try_get(rtype.kind, meta.get("namespace"), meta["name"]) is None:
            continue  # taken by the cascade of an earlier victim
        deleted.append(written(req, api.store.delete(rtype.kind, meta.get("namespace"), meta["name"],
                                                       dry_run=dry_run), dry_run))
    return json_response(200, {"kind": rtype.list_kind, "apiVersion": rtype.api_version,
                       "metadata": {"resourceVersion": api.store.resource_version}, "items": deleted})


def _encode_continue(after: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(dumps({"after": list(after)})).decode()


def _decode_continue(token: str | None) -> tuple[str, str] | None:
    if not token:
        return None
    try:
        namespace, name = loads(base64.urlsafe_b64decode(token.encode()))["after"]
        return str(namespace), str(name)
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ApiError.bad_request(f"continue token {token!r} is not one this server issued; "
                                   "restart the list without it") from None
