"""`sre-agent serve`: the responder as an HTTP service.

    POST /v1/incidents                 an alarm (raw CloudWatch, SNS or EventBridge JSON) or {"question": "...",
                                       "namespace": "shop" (optional: scope the question, like kubectl -n)}
    GET  /v1/incidents                 every incident this process knows, newest first
    GET  /v1/incidents/{id}            status, the pending approval request if any, the result when done
    POST /v1/incidents/{id}/approval   {"decision": "approved"|"rejected", "action_id": "act-...", "by": "...", "note": "..."}
                                       action_id: the pending approval's (GET shows it with the pinned plan); an
                                       approval naming another id -- a stale or a different plan -- is refused (409)

An alarm that is already under investigation is deduplicated (same alarm name, investigation still
running): the caller gets the existing incident. Each investigation is a run with its own run_id. An
alarm back to OK starts nothing: it annotates the alarm's open incident, if any, and is answered
"resolved". Approvals wait here -- the graph is paused on a
LangGraph interrupt -- until a human answers or the policy's timeout escalates. A finished incident's
status is its run's: remediated, escalated, answered, healthy, or unknown -- a backend (kubernetes,
cloudwatch) could not be checked, so there is no verdict; result.coverage says which and why. Bearer-token auth,
with the same rule as the MCP servers: no token only on loopback with --insecure-localhost."""

from __future__ import annotations

import asyncio
import hmac
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..app.intake import AlarmResolved, IntakeError, incident_from_alarm, incident_from_question
from ..app.options import RunOptions
from ..app.runs import new_run_id, run_investigation
from ..contracts import Incident

log = logging.getLogger(__name__)


@dataclass
class Tracked:
    incident: Incident
    run_id: str = field(default_factory=new_run_id)
    status: str = "investigating"
    received_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    approval_request: dict[str, Any] | None = None
    approval_answer: asyncio.Future | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    task: asyncio.Task | None = None
    notes: list[str] = field(default_factory=list)  # e.g. the alarm went back to OK while the run went on

    def view(self) -> dict[str, Any]:
        return {"incident_id": self.incident.id, "run_id": self.run_id, "title": self.incident.title,
                "source": self.incident.source, "status": self.status, "received_at": self.received_at,
                "notes": self.notes,
                "pending_approval": self.approval_request, "result": self.result, "error": self.error}


class IncidentService:
    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.incidents: dict[str, Tracked] = {}

    def _open_for_alarm(self, alarm_name: str) -> Tracked | None:
        for tracked in self.incidents.values():
            alarm = tracked.incident.alarm or {}
            if alarm.get("AlarmName") == alarm_name and tracked.result is None and tracked.error is None:
                return tracked
        return None

    def submit(self, incident: Incident) -> tuple[Tracked, bool]:
        name = (incident.alarm or {}).get("AlarmName")
        existing = self._open_for_alarm(name) if name else None
        if existing:
            return existing, True
        tracked = Tracked(incident=incident)
        self.incidents[incident.id] = tracked
        tracked.task = asyncio.get_running_loop().create_task(self._run(tracked))
        return tracked, False

    def resolve(self, resolved: AlarmResolved) -> list[str]:
        """An alarm back to OK: note it on the alarm's open incident (its run carries on and verifies
        for itself); returns the incidents annotated. Never starts a run."""
        open_incident = self._open_for_alarm(resolved.alarm_name)
        if open_incident is None:
            return []
        open_incident.notes.append(f"alarm {resolved.alarm_name} back to OK at {resolved.changed_at or 'an unknown time'}"
                                   + (f": {resolved.reason}" if resolved.reason else ""))
        return [open_incident.incident.id]

    async def _run(self, tracked: Tracked) -> None:
        async def approver(request: dict[str, Any]) -> dict[str, Any]:
            tracked.approval_request = request
            tracked.status = "awaiting_approval"
            tracked.approval_answer = asyncio.get_running_loop().create_future()
            try:
                return await tracked.approval_answer
            finally:
                tracked.approval_request, tracked.approval_answer = None, None
                tracked.status = "investigating"

        try:
            result, _ = await run_investigation(tracked.incident, self.options, run_id=tracked.run_id, approver=approver)
            tracked.result = result.model_dump(mode="json")
            tracked.status = result.status
        except Exception as exc:  # reported on the incident; the service keeps serving others
            log.exception("investigation %s (run %s) failed", tracked.incident.id, tracked.run_id)
            tracked.error = f"{type(exc).__name__}: {exc}"
            tracked.status = "failed"

    def answer(self, incident_id: str, decision: dict[str, Any]) -> None:
        tracked = self.incidents[incident_id]
        if tracked.approval_answer is None or tracked.approval_answer.done():
            raise LookupError(f"incident {incident_id} is not waiting for an approval (status {tracked.status})")
        pending = (tracked.approval_request or {}).get("action_id")
        named = decision.get("action_id")
        # Approving names the pinned plan it approves; a rejection may name none (refusing is always safe).
        if (decision["decision"] == "approved" or named) and named != pending:
            raise LookupError(f"the approval names action {named or '(none)'}, but incident {incident_id} is waiting on "
                              f"action {pending}: read the pending approval (GET /v1/incidents/{incident_id}) and answer "
                              "for that action id")
        tracked.approval_answer.set_result(decision)


def build_app(service: IncidentService, token: str | None) -> Starlette:
    async def create(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "the body is not JSON; send an alarm notification or {\"question\": \"...\"}"}, 400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "the body must be a JSON object"}, 400)
        try:
            incident = (incident_from_question(body["question"], namespace=body.get("namespace")) if "question" in body
                        else incident_from_alarm(body))
        except AlarmResolved as resolved:
            annotated = service.resolve(resolved)
            return JSONResponse({"resolved": True, "alarm": resolved.alarm_name, "investigation": None,
                                 "annotated": annotated, "message": str(resolved)}, 200)
        except (IntakeError, ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, 422)
        tracked, duplicate = service.submit(incident)
        return JSONResponse({**tracked.view(), "deduplicated": duplicate}, 200 if duplicate else 202)

    async def index(request: Request) -> JSONResponse:
        rows = sorted((t.view() for t in service.incidents.values()), key=lambda r: r["received_at"], reverse=True)
        return JSONResponse({"incidents": rows})

    async def show(request: Request) -> JSONResponse:
        tracked = service.incidents.get(request.path_params["incident_id"])
        if tracked is None:
            return JSONResponse({"error": f"no incident {request.path_params['incident_id']}"}, 404)
        return JSONResponse(tracked.view())

    async def approve(request: Request) -> JSONResponse:
        incident_id = request.path_params["incident_id"]
        if incident_id not in service.incidents:
            return JSONResponse({"error": f"no incident {incident_id}"}, 404)
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("decision") not in ("approved", "rejected"):
            return JSONResponse({"error": 'send {"decision": "approved"|"rejected", "action_id": "<the pending action id>", '
                                          '"by": "<who>", "note": "..."}'}, 422)
        if not body.get("by"):
            return JSONResponse({"error": "say who decides: \"by\" is required (it goes to the audit log)"}, 422)
        try:
            service.answer(incident_id, {"decision": body["decision"], "by": str(body["by"]), "note": str(body.get("note", "")),
                                         "action_id": str(body["action_id"]) if body.get("action_id") else None})
        except LookupError as exc:
            return JSONResponse({"error": str(exc)}, 409)
        return JSONResponse({"incident_id": incident_id, "decision": body["decision"], "action_id": body.get("action_id")}, 202)

    app = Starlette(routes=[
        Route("/v1/incidents", create, methods=["POST"]),
        Route("/v1/incidents", index, methods=["GET"]),
        Route("/v1/incidents/{incident_id}", show, methods=["GET"]),
        Route("/v1/incidents/{incident_id}/approval", approve, methods=["POST"]),
    ])
    if token is None:
        return app
    expected = f"Bearer {token}".encode()

    async def guarded(scope, receive, send):
        if scope["type"] == "http" and not hmac.compare_digest(dict(scope.get("headers") or []).get(b"authorization", b""), expected):
            response = JSONResponse({"error": "unauthorized: send Authorization: Bearer <token>"}, 401,
                                    headers={"WWW-Authenticate": "Bearer"})
            await response(scope, receive, send)
            return
        await app(scope, receive, send)

    return guarded
