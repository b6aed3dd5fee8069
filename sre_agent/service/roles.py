"""Which role each route of `sre-agent serve` needs: one table, read by the guard (guard.py) after it has
authenticated the caller and before the app runs -- so a refusal never depends on, and never reveals, whether
the incident or session a path names exists.

    viewer     reads: incidents, reports, chat sessions (chat answers, but pins no action), /metrics, the API document
    responder  opens investigations (alarms, questions), resolves incidents by hand, chat that pins actions
    approver   approves or rejects a pinned action

Both responder and approver imply viewer (oidc.IMPLIED_ROLES: you can see what you are asked to act on). Approver
does NOT imply responder, nor the other way round: approving is signing off on what someone else set in motion,
and keeping the two apart is what makes the two-person rule (service.two_person_rule) and a separation of duties
possible -- a person who should do both is put in both groups.

Paths not in the table (none of the app's routes: a unit test checks every route has a row) need viewer to read
and responder for anything else, so a path that does not exist answers the app's own 404 to a reader. The health
probes (/healthz, /readyz, /ping) and the signature-authenticated paths (SNS) are never asked for a token at all.
The web console (/ui) has sessions instead: one signed in with the static token has every role; one signed in at
the identity provider has the person's roles, and the console shows and takes approvals from approvers only
(console/routes.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from ..contracts import Role


class RouteRole(NamedTuple):
    method: str  # GET also covers HEAD
    path: str  # a FastAPI-style template: {name} is one path segment
    role: Role


ROUTE_ROLES: tuple[RouteRole, ...] = (
    RouteRole("GET", "/v1/incidents", "viewer"),
    RouteRole("GET", "/v1/incidents/{incident_id}", "viewer"),
    RouteRole("GET", "/v1/incidents/{incident_id}/report", "viewer"),
    RouteRole("POST", "/v1/incidents", "responder"),  # an alarm or a question: opens an investigation
    RouteRole("POST", "/v1/alarms/eventbridge", "responder"),
    RouteRole("POST", "/v1/alarms/alertmanager", "responder"),
    RouteRole("POST", "/v1/incidents/{incident_id}/resolve", "responder"),
    RouteRole("POST", "/v1/incidents/{incident_id}/approval", "approver"),
    RouteRole("POST", "/v1/sessions", "viewer"),
    RouteRole("GET", "/v1/sessions/{session_id}", "viewer"),
    # Answered for a viewer too, read-only: the pinned action an answer would carry needs responder (session_routes.py).
    RouteRole("POST", "/v1/sessions/{session_id}/messages", "viewer"),
    # AgentCore: a prompt is chat, but an alarm payload opens an investigation -- one role for both, the higher.
    RouteRole("POST", "/invocations", "responder"),
    RouteRole("GET", "/metrics", "viewer"),
    RouteRole("GET", "/openapi.json", "viewer"),
)
READ_METHODS = frozenset({"GET", "HEAD"})


def _compiled(rules: Iterable[RouteRole]) -> list[tuple[str, re.Pattern[str], Role]]:
    return [(rule.method, re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(rule.path)) + r"\Z"), rule.role)
            for rule in rules]


_RULES = _compiled(ROUTE_ROLES)


def required_role(method: str, path: str) -> Role:
    """The role a request for `method path` needs (module docstring)."""
    method = "GET" if method == "HEAD" else method
    for rule_method, pattern, role in _RULES:
        if rule_method == method and pattern.match(path):
            return role
    return "viewer" if method in READ_METHODS else "responder"


def forbidden_message(role: Role, roles: Iterable[str]) -> str:
    held = ", ".join(sorted(roles)) or "no role"
    return f"this needs the {role} role; your token carries: {held}"


__all__ = ["ROUTE_ROLES", "RouteRole", "forbidden_message", "required_role"]
