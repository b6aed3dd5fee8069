"""The create-only review resources that `kubectl auth can-i` and `kubectl auth whoami` post:
SelfSubjectAccessReview, SelfSubjectRulesReview (`can-i --list`) and SelfSubjectReview.

The lab does not authenticate or authorise: every caller is the kubeconfig's admin, who may do
anything, and the answers say so (allowed, with a reason naming why). What an agent may do is
decided by the agent's own guard rails, not here.

kubectl's typed client sends these as protobuf. Refusing (415) would fail the command -- client-go
does not retry protobuf as JSON -- and a review stores nothing, so the few fields worth echoing are
read with a schema-less protobuf walk (field numbers from k8s.io/api/authorization/v1/generated.proto)."""

from __future__ import annotations

from typing import Any

from .errors import ApiError
from .messages import Request, Response, Route, json_response
from .tables import PROTOBUF

USERNAME = "sre-lab-admin"
GROUPS = ["system:masters", "system:authenticated"]
_REASON = "the sre-lab API server authorises every request (one admin user; no RBAC)"

# generated.proto field numbers: message -> field number -> (json name, nested message or None)
_PROTO: dict[str, dict[int, tuple[str, str | None]]] = {
    "SelfSubjectAccessReview": {2: ("spec", "SelfSubjectAccessReviewSpec")},
    "SelfSubjectAccessReviewSpec": {1: ("resourceAttributes", "ResourceAttributes"),
                                    2: ("nonResourceAttributes", "NonResourceAttributes")},
    "ResourceAttributes": {1: ("namespace", None), 2: ("verb", None), 3: ("group", None), 4: ("version", None),
                           5: ("resource", None), 6: ("subresource", None), 7: ("name", None)},
    "NonResourceAttributes": {1: ("path", None), 2: ("verb", None)},
    "SelfSubjectRulesReview": {2: ("spec", "SelfSubjectRulesReviewSpec")},
    "SelfSubjectRulesReviewSpec": {1: ("namespace", None)},
    "SelfSubjectReview": {},
}


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= len(data):
            raise ValueError("truncated varint")
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs of one protobuf message; varints as int, the rest as bytes."""
    out: list[tuple[int, int | bytes]] = []
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
            out.append((number, value))
        elif wire == 2:
            length, i = _varint(data, i)
            out.append((number, data[i:i + length]))
            i += length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            out.append((number, data[i:i + size]))
            i += size
        else:
            raise ValueError(f"unsupported wire type {wire}")
    return out


def _decode(message: str, data: bytes) -> dict:
    known, out = _PROTO.get(message, {}), {}
    for number, value in _fields(data):
        if number in known and isinstance(value, bytes):
            name, nested = known[number]
            out[name] = _decode(nested, value) if nested else value.decode("utf-8", "replace")
    return out


def decode_protobuf(kind: str, body: bytes) -> dict:
    """The body of a review sent as Kubernetes protobuf (`k8s\\0` + runtime.Unknown{typeMeta, raw})."""
    if not body.startswith(b"k8s\x00"):
        raise ValueError("missing the k8s protobuf magic prefix")
    raw = next((v for n, v in _fields(body[4:]) if n == 2 and isinstance(v, bytes)), b"")
    return _decode(kind, raw)


def _body(req: Request, route: Route) -> dict:
    kind = route.rtype.kind
    if req.media_type == PROTOBUF:
        try:
            return decode_protobuf(kind, req.body)
        except ValueError as exc:
            raise ApiError.bad_request(f"the {kind} protobuf body could not be read: {exc}") from None
    if not req.body.strip():
        return {}
    body = req.object_body()
    if body.get("kind") not in (None, kind):
        raise ApiError.bad_request(f"{req.path} takes a {kind}, not a {body['kind']}")
    return body


def create_review(req: Request, route: Route) -> Response:
    rtype = route.rtype
    body = _body(req, route)
    spec: Any = body.get("spec") or {}
    status: dict[str, Any]
    if rtype.kind == "SelfSubjectAccessReview":
        if not spec.get("resourceAttributes") and not spec.get("nonResourceAttributes"):
            raise ApiError.invalid(rtype.kind, rtype.group, "", [{
                "reason": "FieldValueRequired", "field": "spec.resourceAttributes",
                "message": "Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified"}])
        status = {"allowed": True, "reason": _REASON}
    elif rtype.kind == "SelfSubjectRulesReview":
        status = {"resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                  "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}], "incomplete": False}
    else:
        status = {"userInfo": {"username": USERNAME, "groups": GROUPS}}
    answer: dict[str, Any] = {"kind": rtype.kind, "apiVersion": rtype.api_version,
                              "metadata": {"creationTimestamp": None}}
    if spec:
        answer["spec"] = spec
    answer["status"] = status
    return json_response(201, answer)
