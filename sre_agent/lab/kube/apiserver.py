"""The lab's Kubernetes API server: the REST surface of kube-apiserver over loopback HTTP, on
top of `ObjectStore`, so that the official `kubernetes` client (and anything built on it, such
as the Kubernetes MCP server) works unmodified through an ordinary kubeconfig.

Served: discovery (/version, /api, /apis, /api/v1, /apis/{group}/{version}); get, list (label
and field selectors, limit/continue paging), create, replace, the three patch types, delete and
deletecollection for every kind in `resources.RESOURCES`, with `dryRun=All`; the status, scale,
log and eviction subresources; metrics.k8s.io from the world hooks. Not served: watch (405),
server-side apply (415), exec/attach/port-forward (405), protobuf and Table output (JSON is
answered instead, which every client accepts).

Every request runs `world.sync()` first, so a read sees the world as of the simulated clock's
now; every successful write through HTTP is then reported with `world.after_write(obj)` so the
world can react (create pods for a new ReplicaSet, ...). Neither hook is called with the store
lock held: the world takes its own locks and then the store's, and calling it from inside the
store lock would invert that order and deadlock against any other thread syncing the world.
Errors are always Kubernetes Status objects; nothing a client sends can crash the server.
"""

from __future__ import annotations

import base64
import binascii
import logging
import socket
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from sre_agent.lab import resources
from sre_agent.lab.patch import APPLY_PATCH, SUPPORTED_PATCH_TYPES, PatchError, apply_patch
from sre_agent.lab.resources import ResourceType
from sre_agent.lab.selectors import SelectorError, label_selector_from_dict, parse_field_selector, to_label_selector
from sre_agent.lab.store import ApiError, ObjectStore, dumps, loads

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 32 * 1024 * 1024  # larger than any object kube-apiserver accepts (3 MiB in etcd)
VERSION_INFO = {
    "major": "1", "minor": "33", "gitVersion": "v1.33.0-sre-lab", "gitCommit": "sre-lab",
    "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.24",
    "compiler": "gc", "platform": "linux/amd64",
}


class WorldHooks(Protocol):
    """What the API server needs from the world model (the lab's controllers and kubelet)."""

    def sync(self) -> None:
        """Bring derived state (pod status, events, ...) up to the clock's now; runs before every request."""

    def after_write(self, obj: dict) -> None:
        """React to a successful create/replace/patch/delete made through HTTP (not dry runs)."""

    def pod_log(self, namespace: str, name: str, container: str | None, previous: bool,
                tail_lines: int | None, since_seconds: int | None, timestamps: bool) -> str:
        """The log text of one container; raise ApiError for 400/404 (e.g. no previous instance)."""

    def pod_metrics(self, namespace: str | None) -> list[dict]:
        """metrics.k8s.io/v1beta1 PodMetrics items, for one namespace or all (None)."""

    def node_metrics(self) -> list[dict]:
        """metrics.k8s.io/v1beta1 NodeMetrics items."""


class _NoWorld:
    """Hooks for a server with a bare store: nothing is derived, logs and metrics are empty."""

    def sync(self) -> None:
        return None

    def after_write(self, obj: dict) -> None:
        return None

    def pod_log(self, namespace: str, name: str, container: str | None, previous: bool,
                tail_lines: int | None, since_seconds: int | None, timestamps: bool) -> str:
        return ""

    def pod_metrics(self, namespace: str | None) -> list[dict]:
        return []

    def node_metrics(self) -> list[dict]:
        return []


# --- requests and responses ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"


def _json(status: int, obj: Any) -> Response:
    return Response(status, dumps(obj))


def _error(exc: ApiError) -> Response:
    return _json(exc.code, exc.status_body())


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    writes: list[dict] = field(default_factory=list)  # committed objects, for world.after_write

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def flag(self, name: str) -> bool:
        value = self.param(name)
        return value is not None and value.lower() in ("true", "1", "")

    def int_param(self, name: str, minimum: int | None = None) -> int | None:
        value = self.param(name)
        if value is None or value == "":
            return None
        try:
            number = int(value)
        except ValueError:
            raise ApiError.bad_request(f"query parameter {name}={value!r} is not an integer") from None
        if minimum is not None and number < minimum:
            raise ApiError.bad_request(f"query parameter {name}={number} must be at least {minimum}")
        return number

    @property
    def dry_run(self) -> bool:
        values = self.query.get("dryRun", [])
        for value in values:
            if value != "All":
                raise ApiError.bad_request(f'invalid dry run option {value!r}: the only supported value is "All"')
        return bool(values)

    @property
    def media_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()

    def document(self, *, required: bool = True) -> Any:
        """The parsed body (JSON, or YAML when the Content-Type says so); 400 when malformed."""
        if not self.body.strip():
            if required:
                raise ApiError.bad_request(f"{self.method} {self.path}: the request body is empty; send the "
                                           "object as JSON")
            return None
        try:
            if self.media_type in ("application/yaml", "text/yaml", APPLY_PATCH):
                return yaml.safe_load(self.body)
            return loads(self.body)
        except (ValueError, yaml.YAMLError) as exc:
            raise ApiError.bad_request(f"{self.method} {self.path}: the request body is not valid JSON: {exc}") from None

    def object_body(self) -> dict:
        doc = self.document()
        if not isinstance(doc, dict):
            raise ApiError.bad_request(f"{self.method} {self.path}: the request body must be a JSON object, "
                                       f"got {type(doc).__name__}")
        return doc


@dataclass(frozen=True, slots=True)
class Route:
    """A parsed resource path: /api/v1/namespaces/{namespace}/{plural}/{name}/{subresource}."""

    rtype: ResourceType
    namespace: str | None  # None: cluster-scoped kind, or a namespaced kind listed across namespaces
    name: str | None
    subresource: str | None


def _not_found_path(path: str) -> ApiError:
    return ApiError(404, "NotFound", f"the server could not find the requested resource (path {path!r})",
                    {"causes": [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]})


def _method_not_allowed(method: str, what: str) -> ApiError:
    return ApiError(405, "MethodNotAllowed", f"the server does not allow this method on the requested resource: "
                    f"{method} is not supported on {what}")


# --- the server ------------------------------------------------------------------------------


class KubeApiServer:
    """Kubernetes API over HTTP/1.1 on `host:port` (port 0 picks a free one), bound at
    construction so `.url` is known before `.start()`."""

    def __init__(self, store: ObjectStore, world: WorldHooks | None = None,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.store = store
        self.world: WorldHooks = world or _NoWorld()
        self._httpd = _HTTPServer((host, port), _Handler, self)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> KubeApiServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                            name=f"lab-apiserver-{self.url}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.close_open_connections()  # keep-alive threads would otherwise idle on until timeout
        self._httpd.server_close()

    def __enter__(self) -> KubeApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- dispatch ---------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Serve one request; never raises. Usable without sockets (the handler calls this)."""
        parts = urlsplit(target)
        request = Request(method, parts.path, parse_qs(parts.query, keep_blank_values=True), headers, body)
        try:
            return self._dispatch(request)
        except ApiError as exc:
            return _error(exc)
        except Exception as exc:  # a bug here or in the world hooks: answer, log, keep serving
            log.exception("lab API server failed on %s %s", method, target)
            return _error(ApiError(500, "InternalError",
                                   f"internal error in the lab API server while serving {method} {parts.path}: "
                                   f"{type(exc).__name__}: {exc} (the server log has the traceback)"))

    def _dispatch(self, req: Request) -> Response:
        segments = [unquote(s) for s in req.path.split("/") if s]
        discovery = self._discovery(req, segments)
        if discovery is not None:
            return discovery
        route = self._route(req.path, segments)
        self.world.sync()
        with self.store.lock:  # read-modify-write sequences (patch, scale, cascades) are atomic
            response = self._serve(req, route)
        for obj in req.writes:
            try:
                self.world.after_write(obj)
            except Exception:  # the write is committed; a world bug must not turn it into an error
                log.exception("world.after_write failed for %s %s/%s", obj.get("kind"),
                              obj["metadata"].get("namespace", ""), obj["metadata"].get("name"))
        return response

    def _discovery(self, req: Request, segments: list[str]) -> Response | None:
        doc: Any = None
        if segments == ["version"]:
            doc = VERSION_INFO
        elif segments in (["healthz"], ["readyz"], ["livez"]):
            return Response(200, b"ok", "text/plain; charset=utf-8") if req.method == "GET" else \
                _error(_method_not_allowed(req.method, req.path))
        elif segments == ["api"]:
            host, port = self._httpd.server_address[:2]
            doc = resources.core_api_versions(f"{host}:{port}")
        elif segments == ["api", "v1"]:
            doc = resources.api_resource_list("", "v1")
        elif segments == ["apis"]:
            doc = resources.api_group_list()
        elif len(segments) == 2 and segments[0] == "apis":
            doc = resources.api_group(segments[1])
            if doc is None:
                raise _not_found_path(req.path)
        elif len(segments) == 3 and segments[0] == "apis":
            doc = resources.api_resource_list(segments[1], segments[2])
            if doc is None:
                raise _not_found_path(req.path)
        else:
            return None
        if req.method != "GET":
            raise _method_not_allowed(req.method, f"the discovery document {req.path}")
        return _json(200, doc)

    @staticmethod
    def _route(path: str, segments: list[str]) -> Route:
        if segments[:2] == ["api", "v1"]:
            group, version, rest = "", "v1", segments[2:]
        elif len(segments) > 3 and segments[0] == "apis":
            group, version, rest = segments[1], segments[2], segments[3:]
        else:
            raise _not_found_path(path)
        namespace: str | None = None
        if rest[0] == "namespaces" and group == "" and (len(rest) <= 2 or rest[2] in ("status", "finalize")):
            plural, tail = "namespaces", rest[1:]  # the Namespace objects themselves
        elif rest[0] == "namespaces" and len(rest) >= 3:
            namespace, plural, tail = rest[1], rest[2], rest[3:]
        else:
            plural, tail = rest[0], rest[1:]
        rtype = resources.by_path(group, version, plural)
        if rtype is None or len(tail) > 2:
            raise _not_found_path(path)
        if namespace is not None and not rtype.namespaced:
            raise _not_found_path(path)
        if namespace is None and rtype.namespaced and tail:
            raise _not_found_path(path)  # a namespaced object is addressed through its namespace
        return Route(rtype, namespace, tail[0] if tail else None, tail[1] if len(tail) > 1 else None)

    def _serve(self, req: Request, route: Route) -> Response:
        rtype, method, sub = route.rtype, req.method, route.subresource
        if not rtype.stored:
            if method != "GET" or sub is not None:
                raise _method_not_allowed(method, f"{rtype.group_resource} (metrics are read-only)")
            return self._metrics(req, route)
        if route.name is None:
            if method == "GET":
                return self._list(req, route)
            if method == "POST" and (route.namespace or not rtype.namespaced):
                return self._create(req, route)
            if method == "DELETE" and (route.namespace or not rtype.namespaced):
                return self._delete_collection(req, route)
            raise _method_not_allowed(method, f"the {rtype.plural} collection" +
                                      ("" if route.namespace or not rtype.namespaced else
                                       " across all namespaces; use /namespaces/{namespace}/" + rtype.plural))
        if sub is None:
            handler = {"GET": self._get, "PUT": self._replace, "PATCH": self._patch, "DELETE": self._delete}.get(method)
        elif sub == "status" and rtype.has_status:
            handler = {"GET": self._get, "PUT": self._replace_status, "PATCH": self._patch}.get(method)
        elif sub == "scale" and rtype.has_scale:
            handler = {"GET": self._get_scale, "PUT": self._put_scale, "PATCH": self._patch_scale}.get(method)
        elif sub == "log" and rtype.kind == "Pod":
            handler = {"GET": self._log}.get(method)
        elif sub == "eviction" and rtype.kind == "Pod":
            handler = {"POST": self._evict}.get(method)
        elif sub in ("exec", "attach", "portforward", "proxy") and rtype.kind == "Pod":
            raise _method_not_allowed(method, f"pods/{sub}: the lab has no container runtime to connect to; "
                                      "read pods/log instead")
        else:
            raise _not_found_path(req.path)
        if handler is None:
            raise _method_not_allowed(method, f"{rtype.plural}/{sub}" if sub else f"a {rtype.kind}")
        return handler(req, route)

    # -- reads ------------------------------------------------------------------------------

    def _get(self, req: Request, route: Route) -> Response:
        return Response(200, self.store.get_serialized(route.rtype.kind, route.namespace, route.name or ""))

    def _list(self, req: Request, route: Route) -> Response:
        rtype = route.rtype
        if req.flag("watch"):
            raise _method_not_allowed("GET", f"{rtype.plural} with watch=true: the lab API server has no watch; "
                                      "poll with list instead")
        page = self.store.list_serialized(
            rtype.kind, route.namespace, req.param("labelSelector") or None, req.param("fieldSelector") or None,
            limit=req.int_param("limit", minimum=0), after=_decode_continue(req.param("continue")),
        )
        meta: dict[str, Any] = {"resourceVersion": page.resource_version}
        if page.continue_after is not None:
            meta["continue"] = _encode_continue(page.continue_after)
            meta["remainingItemCount"] = page.remaining
        head = b'{"kind":"%s","apiVersion":"%s","metadata":%s,"items":[' % (
            rtype.list_kind.encode(), rtype.api_version.encode(), dumps(meta))
        return Response(200, head + b",".join(page.items) + b"]}")

    def _metrics(self, req: Request, route: Route) -> Response:
        rtype = route.rtype
        if rtype.kind == "PodMetrics":
            items = self.world.pod_metrics(route.namespace)
        else:
            items = self.world.node_metrics()
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
                    return _json(200, item)
            raise ApiError.not_found(rtype, route.name)
        selected.sort(key=lambda i: ((i.get("metadata") or {}).get("namespace", ""),
                                     (i.get("metadata") or {}).get("name", "")))
        return _json(200, {"kind": rtype.list_kind, "apiVersion": rtype.api_version, "metadata": {},
                           "items": selected})

    # -- writes -----------------------------------------------------------------------------

    def _envelope(self, req: Request, route: Route, body: dict, *, kind: str | None = None,
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

    @staticmethod
    def _written(req: Request, obj: dict, dry_run: bool) -> dict:
        if not dry_run:
            req.writes.append(obj)
        return obj

    def _create(self, req: Request, route: Route) -> Response:
        body = self._envelope(req, route, req.object_body(), check_name=False)
        dry_run = req.dry_run
        return _json(201, self._written(req, self.store.create(body, dry_run=dry_run), dry_run))

    def _replace(self, req: Request, route: Route) -> Response:
        body = self._envelope(req, route, req.object_body(), check_name=True)
        dry_run = req.dry_run
        return _json(200, self._written(req, self.store.replace(body, dry_run=dry_run, as_client=True), dry_run))

    def _replace_status(self, req: Request, route: Route) -> Response:
        body = self._envelope(req, route, req.object_body(), check_name=True)
        dry_run = req.dry_run
        return _json(200, self._written(req, self.store.update_status(body, dry_run=dry_run), dry_run))

    def _patched(self, req: Request, current: dict) -> dict:
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

    def _patch(self, req: Request, route: Route) -> Response:
        rtype, dry_run = route.rtype, req.dry_run
        current = self.store.get(rtype.kind, route.namespace, route.name or "")
        patched = self._patched(req, current)
        meta = patched.get("metadata") if isinstance(patched.get("metadata"), dict) else {}
        for field in ("name", "namespace"):
            if meta.get(field) != current["metadata"].get(field):
                raise ApiError.invalid(rtype.kind, rtype.group, route.name or "", [{
                    "reason": "FieldValueInvalid", "field": f"metadata.{field}",
                    "message": f"Invalid value: {meta.get(field)!r}: field is immutable"}])
        if patched.get("kind") != rtype.kind or patched.get("apiVersion") != rtype.api_version:
            raise ApiError.bad_request(f"a patch may not change kind or apiVersion of {rtype.kind} {route.name}")
        if route.subresource == "status":
            result = self.store.update_status(patched, dry_run=dry_run)
        else:
            result = self.store.replace(patched, dry_run=dry_run, as_client=True)
        return _json(200, self._written(req, result, dry_run))

    def _delete(self, req: Request, route: Route) -> Response:
        options = req.document(required=False) or {}
        if not isinstance(options, dict):
            raise ApiError.bad_request("a DELETE body must be a DeleteOptions object")
        dry_run = req.dry_run or "All" in (options.get("dryRun") or [])
        propagation = req.param("propagationPolicy") or options.get("propagationPolicy") or "Background"
        if options.get("orphanDependents") is True:  # the pre-1.7 spelling kubectl still understands
            propagation = "Orphan"
        rtype = route.rtype
        deleted = self.store.delete(rtype.kind, route.namespace, route.name or "", dry_run=dry_run,
                                    propagation=propagation, preconditions=options.get("preconditions"))
        self._written(req, deleted, dry_run)
        if rtype.delete_returns_object:
            return _json(200, deleted)
        return _json(200, _success(rtype, deleted))

    def _delete_collection(self, req: Request, route: Route) -> Response:
        rtype, dry_run = route.rtype, req.dry_run
        victims = self.store.list(rtype.kind, route.namespace, req.param("labelSelector") or None,
                                  req.param("fieldSelector") or None)
        deleted = []
        for obj in victims:
            meta = obj["metadata"]
            if self.store.try_get(rtype.kind, meta.get("namespace"), meta["name"]) is None:
                continue  # taken by the cascade of an earlier victim
            deleted.append(self._written(req, self.store.delete(rtype.kind, meta.get("namespace"), meta["name"],
                                                           dry_run=dry_run), dry_run))
        return _json(200, {"kind": rtype.list_kind, "apiVersion": rtype.api_version,
                           "metadata": {"resourceVersion": self.store.resource_version}, "items": deleted})

    # -- scale ------------------------------------------------------------------------------

    @staticmethod
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

    def _get_scale(self, req: Request, route: Route) -> Response:
        return _json(200, self._scale_of(self.store.get(route.rtype.kind, route.namespace, route.name or "")))

    def _apply_scale(self, req: Request, route: Route, current: dict, scale: dict) -> Response:
        replicas = (scale.get("spec") or {}).get("replicas")
        if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
            raise ApiError.invalid("Scale", "autoscaling", route.name or "", [{
                "reason": "FieldValueInvalid", "field": "spec.replicas",
                "message": f"Invalid value: {replicas!r}: must be a whole number greater than or equal to 0"}])
        wanted_version = (scale.get("metadata") or {}).get("resourceVersion")
        updated = current
        updated.setdefault("spec", {})["replicas"] = replicas
        updated["metadata"]["resourceVersion"] = wanted_version or current["metadata"]["resourceVersion"]
        dry_run = req.dry_run
        result = self._written(req, self.store.replace(updated, dry_run=dry_run, as_client=True), dry_run)
        return _json(200, self._scale_of(result))

    def _put_scale(self, req: Request, route: Route) -> Response:
        body = self._envelope(req, route, req.object_body(), kind="Scale", api_version="autoscaling/v1",
                              check_name=True)
        current = self.store.get(route.rtype.kind, route.namespace, route.name or "")
        return self._apply_scale(req, route, current, body)

    def _patch_scale(self, req: Request, route: Route) -> Response:
        current = self.store.get(route.rtype.kind, route.namespace, route.name or "")
        scale = self._patched(req, self._scale_of(current))
        return self._apply_scale(req, route, current, scale)

    # -- pods/log and pods/eviction ---------------------------------------------------------

    def _log(self, req: Request, route: Route) -> Response:
        namespace, name = route.namespace or "", route.name or ""
        pod = self.store.get("Pod", namespace, name)
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
            since_seconds = self._seconds_since(since_time)
        text = self.world.pod_log(namespace, name, container, req.flag("previous"),
                                  req.int_param("tailLines", minimum=0), since_seconds, req.flag("timestamps"))
        data = text.encode()
        limit = req.int_param("limitBytes", minimum=1)
        if limit is not None:
            data = data[:limit]
        return Response(200, data, "text/plain; charset=utf-8")

    def _seconds_since(self, since_time: str) -> int:
        try:
            moment = datetime.fromisoformat(since_time.replace("Z", "+00:00"))
        except ValueError:
            raise ApiError.bad_request(f"sinceTime={since_time!r} is not an RFC 3339 time") from None
        return max(1, int((self.store.now() - moment).total_seconds()))

    def _evict(self, req: Request, route: Route) -> Response:
        body = req.document(required=False) or {}
        if not isinstance(body, dict):
            raise ApiError.bad_request("an eviction body must be a policy/v1 Eviction object")
        body_name = (body.get("metadata") or {}).get("name")
        if body_name and body_name != route.name:
            raise ApiError.bad_request(f"name in URL ({route.name}) does not match name in Eviction object ({body_name})")
        namespace, name = route.namespace or "", route.name or ""
        pod = self.store.get("Pod", namespace, name)
        self._check_disruption_budgets(pod)
        options = body.get("deleteOptions") or {}
        dry_run = req.dry_run or "All" in (options.get("dryRun") or [])
        self._written(req, self.store.delete("Pod", namespace, name, dry_run=dry_run,
                                        preconditions=options.get("preconditions")), dry_run)
        return _json(201, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})

    def _check_disruption_budgets(self, pod: dict) -> None:
        """Refuse (429) like the eviction API when a matching PDB allows no disruption. The budget's
        status is the world's to derive; a budget without status does not block."""
        labels = pod["metadata"].get("labels") or {}
        for pdb in self.store.list("PodDisruptionBudget", pod["metadata"]["namespace"]):
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


def _success(rtype: ResourceType, obj: dict) -> dict:
    meta = obj.get("metadata") or {}
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": {"name": meta.get("name"), "group": rtype.group, "kind": rtype.plural, "uid": meta.get("uid")}}


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


# --- HTTP plumbing ---------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type, api: KubeApiServer) -> None:
        self.api = api
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):  # a client hung up or idled out: routine
            log.debug("lab API server: connection from %s closed: %r", client_address, exc)
        else:
            log.exception("lab API server: connection from %s failed", client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the client's connection pool reuses sockets
    server_version = "sre-lab-apiserver/1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    timeout = 120  # idle keep-alive connections are closed after this many seconds
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_OPTIONS(self) -> None:
        self._serve("OPTIONS")

    def _serve(self, method: str) -> None:
        try:
            body = self._read_body()
        except ApiError as exc:
            self.close_connection = True  # the rest of the body is still on the wire
            response = _error(exc)
        else:
            if method in ("HEAD", "OPTIONS"):
                response = _error(_method_not_allowed(method, self.path))
            else:
                response = self.server.api.handle(method, self.path, self.headers, body)
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("Cache-Control", "no-cache, private")
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length_header = self.headers.get("Content-Length")
        if not length_header:
            return b""
        try:
            length = int(length_header)
        except ValueError:
            raise ApiError.bad_request(f"Content-Length {length_header!r} is not a number") from None
        if length > MAX_BODY_BYTES:
            raise ApiError(413, "RequestEntityTooLarge", f"the request body ({length} bytes) is larger than the "
                           f"lab API server accepts ({MAX_BODY_BYTES} bytes)")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ApiError.bad_request("malformed chunked request body") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise ApiError(413, "RequestEntityTooLarge", "the chunked request body is too large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)  # the CRLF after each chunk

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("%s - %s", self.address_string(), format % args)
