"""The create-only review resources that `kubectl auth can-i` and `kubectl auth whoami` post:
SelfSubjectAccessReview, SelfSubjectRulesReview (`can-i --list`) and SelfSubjectReview.

The lab does not authorise: every caller it lets in -- the kubeconfig's admin, or the AWS principal of
a verified EKS token (authn.py), who is who `whoami` names -- may do anything, and the answers say so
(allowed, with a reason naming why). What an agent may do is decided by the agent's own guard rails,
not here.

kubectl's typed client sends these as protobuf; the API server reads that into JSON before they get here
(protobuf.py), as it does for every other kind."""

from __future__ import annotations

from typing import Any

from .authn import ADMIN
from .errors import ApiError
from .messages import Request, Response, Route, json_response

_REASON = "the sre-lab API server authorises every request (one admin user; no RBAC)"


def _body(req: Request, route: Route) -> dict:
    kind = route.rtype.kind
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
        status = {"userInfo": (req.user or ADMIN).as_dict()}
    answer: dict[str, Any] = {"kind": rtype.kind, "apiVersion": rtype.api_version,
                              "metadata": {"creationTimestamp": None}}
    if spec:
        answer["spec"] = spec
    answer["status"] = status
    return json_response(201, answer)
