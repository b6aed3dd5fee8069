"""The lab API server's requests and answers: a parsed `Request` (query parameters, dry run, the
body as JSON or YAML), the `Route` a resource path resolves to, a `Response`, and the Status
objects for the errors every layer answers with (404 for an unknown path, 405 for a verb a
resource does not serve)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from .authn import UserInfo
from .codec import dumps, loads
from .errors import ApiError
from .patch import APPLY_PATCH
from .resources import ResourceType


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    stream: Iterator[bytes] | None = None  # a watch: sent chunk by chunk after `body`, until it ends


def json_response(status: int, obj: Any) -> Response:
    return Response(status, dumps(obj))


def error_response(exc: ApiError) -> Response:
    return json_response(exc.code, exc.status_body())


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    writes: list[dict] = field(default_factory=list)  # committed objects, for world.after_write
    user: UserInfo | None = None  # who sent it (authn.py); None: a request built without the API server

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


def not_found_path(path: str) -> ApiError:
    return ApiError(404, "NotFound", f"the server could not find the requested resource (path {path!r})",
                    {"causes": [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]})


def method_not_allowed(method: str, what: str) -> ApiError:
    return ApiError(405, "MethodNotAllowed", f"the server does not allow this method on the requested resource: "
                    f"{method} is not supported on {what}")


def success_status(rtype: ResourceType, obj: dict) -> dict:
    meta = obj.get("metadata") or {}
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": {"name": meta.get("name"), "group": rtype.group, "kind": rtype.plural, "uid": meta.get("uid")}}
