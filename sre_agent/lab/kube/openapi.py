"""OpenAPI documents for the lab's kinds: /openapi/v3 (the index), /openapi/v3/{api/v1 |
apis/{group}/{version}} and /openapi/v2, generated from the official `kubernetes` client's models
(their `openapi_types`, `attribute_map`, field descriptions and required flags), which are
themselves generated from kube-apiserver's OpenAPI -- so field names, types and descriptions are
the real ones without the lab shipping a copy of the spec.

What needs them: `kubectl apply` (validation on) reads the v3 document of the object's group
version and, finding the `fieldValidation` parameter on its PATCH operation, leaves validation to
the server instead of downloading /openapi/v2 as protobuf (which the lab does not speak);
`kubectl explain` walks the v3 schemas from the kind marked with x-kubernetes-group-version-kind.

Generation is lazy (nothing is built until a client asks) and cached per document: the models
are fixed for the life of the process."""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any

from . import resources
from .codec import dumps
from .resources import ResourceType

_PRIMITIVES: dict[str, dict] = {
    "str": {"type": "string"}, "int": {"type": "integer", "format": "int64"}, "float": {"type": "number"},
    "bool": {"type": "boolean"}, "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"}, "bytearray": {"type": "string", "format": "byte"},
    # IntOrString and Quantity fields are typed `object` in the client; kube-apiserver marks them so
    "object": {"x-kubernetes-int-or-string": True},
}
_LIST = re.compile(r"^(?:List|list)\[(.+)\]$")
_DICT = re.compile(r"^(?:Dict|dict)\[?\(?str, (.+?)[\])]$")


def _models() -> Any:
    from kubernetes.client import models  # imported late: it takes ~1 s and most runs never need it

    return models


def model_class(rtype: ResourceType) -> type | None:
    """The client's model for a kind: V1Deployment, V2HorizontalPodAutoscaler, ..."""
    return getattr(_models(), rtype.version[:1].upper() + rtype.version[1:] + rtype.kind, None)


def schema_name(class_name: str) -> str:
    """`V1DeploymentSpec` -> `io.k8s.api.v1.DeploymentSpec`: the last segment is what `kubectl
    explain` prints as a field's type, as it prints `<DeploymentSpec>` against a real cluster."""
    match = re.match(r"^(V\d+(?:alpha\d+|beta\d+)?)(.+)$", class_name)
    version, short = (match.group(1).lower(), match.group(2)) if match else ("v1", class_name)
    return f"io.k8s.api.{version}.{short}"


def _description(cls: type) -> str:
    doc = (cls.__doc__ or "").strip()
    first = re.split(r"\n\s*\n", doc)[0].strip() if doc else ""
    return "" if first.startswith("NOTE: This class is auto generated") else " ".join(first.split())


def _type_schema(type_name: str, ref: str, pending: list[str]) -> dict:
    if type_name in _PRIMITIVES:
        return dict(_PRIMITIVES[type_name])
    if match := _LIST.match(type_name):
        return {"type": "array", "items": _type_schema(match.group(1), ref, pending)}
    if match := _DICT.match(type_name):
        return {"type": "object", "additionalProperties": _type_schema(match.group(1), ref, pending)}
    if hasattr(_models(), type_name):
        pending.append(type_name)
        return {"$ref": ref + schema_name(type_name)}
    return {}


def _schemas(ref: str, roots: list[tuple[str, ResourceType]]) -> dict[str, dict]:
    """Every model reachable from `roots`, keyed by schema name, refs written with `ref` as prefix."""
    models = _models()
    out: dict[str, dict] = {}
    pending = [name for name, _ in roots]
    kinds = {name: rtype for name, rtype in roots}
    while pending:
        class_name = pending.pop()
        key = schema_name(class_name)
        if key in out:
            continue
        cls = getattr(models, class_name)
        fields = getattr(cls, "model_fields", {})
        properties, required = {}, []
        for attr, type_name in (getattr(cls, "openapi_types", None) or {}).items():
            json_name = cls.attribute_map.get(attr, attr)
            prop = _type_schema(type_name, ref, pending)
            info = fields.get(attr)
            description = getattr(info, "description", None) or ""
            if "$ref" in prop:  # v3 style: a sibling description needs allOf around the $ref
                prop = {"allOf": [prop]} if ref.startswith("#/components") else prop
                description = description or _description(getattr(models, type_name))
            if description:
                prop["description"] = description
            properties[json_name] = prop
            if info is not None and info.is_required():
                required.append(json_name)
        schema: dict[str, Any] = {"type": "object", "description": _description(cls), "properties": properties}
        if required:
            schema["required"] = required
        if class_name in kinds:
            rt = kinds[class_name]
            schema["x-kubernetes-group-version-kind"] = [{"group": rt.group, "version": rt.version, "kind": rt.kind}]
        out[key] = schema
    return out


_NAME_PARAM = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
_NS_PARAM = {"name": "namespace", "in": "path", "required": True, "schema": {"type": "string"}}
# The query parameters kubectl looks for on PATCH (and sends on every write): their presence is
# how it learns that the server validates fields itself.
_WRITE_PARAMS = [{"name": n, "in": "query", "schema": {"type": "string"}, "uniqueItems": True}
                 for n in ("dryRun", "fieldManager", "fieldValidation")]


def _operation(rtype: ResourceType, action: str, ref: str | None, params: list[dict]) -> dict:
    op: dict[str, Any] = {
        "operationId": f"{action}{rtype.kind}", "parameters": params,
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": rtype.group, "version": rtype.version, "kind": rtype.kind},
        "responses": {"200": {"description": "OK"}},
    }
    if ref:
        op["responses"]["200"]["content"] = {"application/json": {"schema": {"$ref": ref}}}
    return op


def _paths(rtype: ResourceType, ref: str | None) -> dict[str, dict]:
    prefix = f"/apis/{rtype.group}/{rtype.version}" if rtype.group else "/api/v1"
    collection = f"{prefix}/namespaces/{{namespace}}/{rtype.plural}" if rtype.namespaced else \
        f"{prefix}/{rtype.plural}"
    base = [_NS_PARAM] if rtype.namespaced else []
    one = base + [_NAME_PARAM]
    if rtype.review:
        return {collection: {"post": _operation(rtype, "post", ref, base)}}
    if not rtype.stored:
        return {collection: {"get": _operation(rtype, "list", None, base)},
                f"{collection}/{{name}}": {"get": _operation(rtype, "get", ref, one)}}
    return {
        collection: {"get": _operation(rtype, "list", None, base),
                     "post": _operation(rtype, "post", ref, base + _WRITE_PARAMS)},
        f"{collection}/{{name}}": {"get": _operation(rtype, "get", ref, one),
                                   "put": _operation(rtype, "put", ref, one + _WRITE_PARAMS),
                                   "patch": _operation(rtype, "patch", ref, one + _WRITE_PARAMS),
                                   "delete": _operation(rtype, "delete", None, one)},
    }


def _gv_key(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _served_gvs() -> list[tuple[str, str]]:
    """Group versions with stored kinds (a read-only view such as autoscaling/v1 has no document)."""
    stored = {(r.group, r.version) for r in resources.RESOURCES}
    return [("", "v1"), *(gv for gv in resources.group_versions() if gv in stored)]


@functools.lru_cache(maxsize=32)
def v3_document(group: str, version: str) -> bytes | None:
    """`GET /openapi/v3/{api/v1 | apis/group/version}`, serialised; None when not served."""
    served = [r for r in resources.RESOURCES if r.group == group and r.version == version]
    if not served:
        return None
    ref = "#/components/schemas/"
    roots = [(cls.__name__, r) for r in served if (cls := model_class(r)) is not None]
    paths: dict[str, dict] = {}
    for rtype in served:
        cls = model_class(rtype)
        paths.update(_paths(rtype, ref + schema_name(cls.__name__) if cls else None))
    doc = {"openapi": "3.0.0", "info": {"title": "Kubernetes (sre-lab)", "version": "v1.33.0-sre-lab"},
           "paths": paths, "components": {"schemas": _schemas(ref, roots)}}
    return dumps(doc)


@functools.lru_cache(maxsize=1)
def v3_index() -> bytes:
    """`GET /openapi/v3`: where each group version's document is, with a hash clients cache by.
    The hash covers what a document is generated from (the client's version and the served
    kinds), so the index is answered without building every document."""
    from kubernetes import __version__ as client_version

    paths = {}
    for group, version in _served_gvs():
        kinds = ",".join(r.kind for r in resources.RESOURCES if (r.group, r.version) == (group, version))
        digest = hashlib.sha256(f"{client_version}|{group}/{version}|{kinds}".encode()).hexdigest()[:32].upper()
        key = _gv_key(group, version)
        paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={digest}"}
    return dumps({"paths": paths})


@functools.lru_cache(maxsize=1)
def v2_document() -> bytes:
    """`GET /openapi/v2` as JSON (Swagger 2.0), for clients that read it that way."""
    ref = "#/definitions/"
    roots = [(cls.__name__, r) for r in resources.RESOURCES if (cls := model_class(r)) is not None]
    paths: dict[str, dict] = {}
    for rtype in resources.RESOURCES:
        cls = model_class(rtype)
        for path, ops in _paths(rtype, ref + schema_name(cls.__name__) if cls else None).items():
            for op in ops.values():  # v2 puts parameter types and response schemas one level up
                op["parameters"] = [{k: v for k, v in p.items() if k != "schema"} | {"type": "string"}
                                    for p in op["parameters"]]
                content = op["responses"]["200"].pop("content", None)
                if content:
                    op["responses"]["200"]["schema"] = content["application/json"]["schema"]
            paths[path] = ops
    doc = {"swagger": "2.0", "info": {"title": "Kubernetes (sre-lab)", "version": "v1.33.0-sre-lab"},
           "paths": paths, "definitions": _schemas(ref, roots)}
    return dumps(doc)


def document_for(segments: list[str]) -> bytes | None:
    """The document a path under /openapi names, or None (404)."""
    if segments == ["openapi", "v2"]:
        return v2_document()
    if segments == ["openapi", "v3"]:
        return v3_index()
    if segments[:2] == ["openapi", "v3"]:
        rest = segments[2:]
        if rest[:1] == ["api"] and len(rest) == 2:
            return v3_document("", rest[1])
        if rest[:1] == ["apis"] and len(rest) == 3:
            return v3_document(rest[1], rest[2])
    return None
