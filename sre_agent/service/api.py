"""`sre-agent serve`: the responder as an HTTP service (FastAPI; the OpenAPI document is at
/openapi.json).

    POST /v1/alarms/sns                an SNS HTTP/S delivery (signature-verified; see routes.py)
    POST /v1/alarms/eventbridge        an EventBridge "CloudWatch Alarm State Change" event
    POST /v1/alarms/alertmanager       an Alertmanager webhook (v4)
    POST /v1/incidents                 an alarm (raw CloudWatch, SNS or EventBridge JSON) or {"question": "...",
                                       "namespace": "shop" (optional: scope the question, like kubectl -n)}
    GET  /v1/incidents                 incidents, newest first (?limit=, ?cluster=NAME: those investigated in that
                                       configured cluster, ?cluster=-: in none)
    GET  /v1/incidents/{id}            status, notifications grouped, the pending approval, the result when done
    GET  /v1/incidents/{id}/report     the last run's report (markdown)
    POST /v1/incidents/{id}/approval   {"decision": "approved"|"rejected", "action_id": "act-...",
                                       "approval_id": "apr-...", "by": "...", "note": "..."} ("by": with the
                                       static token only -- a person's OIDC token names them instead)
    POST /v1/incidents/{id}/resolve    {"by": "...", "note": "..."}: close an open incident by hand
    GET  /healthz  /readyz  /metrics
    GET  /ui                           the web console (console/; docs/console.md): session cookie + CSRF
    POST /v1/sessions                  start a chat session ({"namespace": "shop"} optional) -> 201 {"session_id", "expires_at"}
    POST /v1/sessions/{id}/messages    {"text": "..."} -> {"session_id", "answer", "text"}; Accept: text/event-stream
                                       for Server-Sent Events (started, keep-alive comments, answer, done)
    GET  /v1/sessions/{id}             the session and its messages (session_routes.py; bounds: chat_sessions.py)
    POST /invocations  GET /ping       the Bedrock AgentCore Runtime contract (routes.py): a prompt goes on in
                                       the chat session its runtime session header names (the same sessions)

Every notification is persisted before it is acknowledged (202: a run was queued; 200: it joined an
open incident, resolved one, or was ignored). Notifications of one problem -- the same alarm on the
same dimensions -- are one incident while it is open; an OK resolves it and never starts a run. A
full queue answers 429 with Retry-After, having persisted nothing. Approvals are durable: a restart
shows them again, and their deadline still escalates.

Who may call which route is the guard's (guard.py, roles.py): it puts the caller's principal in the
scope's state; here it only says who is recorded (identity.person_of: a person, or None for the static
token and for a service without auth)."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import ValidationError
from starlette.types import Receive, Scope, Send

from .core import Backpressure, IncidentService, IntakeError, TwoPersonRule
from .intake_path import INTAKE_PATHS, answer_intake, answered, serve_intake
from .payloads import ApprovalAnswer, Resolution
from .responses import error, invalid, person_in

CONSOLE_PREFIX = "/ui"  # the guard's GuardSettings.console_prefix default: the two must agree


class ServiceApp(FastAPI):
    """FastAPI, with the alarm intake's hot path (intake_path.py) taken before FastAPI's own request
    handling; everything else -- the other routes, the console, lifespan -- is FastAPI's."""

    intake_service: IncidentService

    def guard_refused(self, reason: str) -> None:
        """The guard (guard.py) found this app's `guard_refused`: its refusals go to /metrics."""
        self.intake_service.metrics.guard_refusals.labels(reason).inc()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in INTAKE_PATHS:
            await serve_intake(self.intake_service, scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def build_app(service: IncidentService, *, sns_verifier=None) -> FastAPI:
    """The FastAPI app; `sns_verifier` (a SnsVerifier) for POST /v1/alarms/sns, default: one for
    service.sns_topic_arns (none: that route refuses every delivery, saying how to allow a topic)."""
    from .routes import add_agentcore_routes, add_alarm_routes
    from .session_routes import add_session_routes
    from .sources.sns import SnsVerifier

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    app = ServiceApp(title="sre-agent", summary="Alarm-triggered incident investigation, approvals and results",
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    app.intake_service = service

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        service.metrics.rejected.labels("invalid").inc()
        return invalid(exc)

    @app.exception_handler(ValidationError)
    async def _model_invalid(request: Request, exc: ValidationError) -> JSONResponse:
        service.metrics.rejected.labels("invalid").inc()
        return invalid(exc)

    @app.exception_handler(IntakeError)
    async def _intake_refused(request: Request, exc: IntakeError) -> JSONResponse:
        service.metrics.rejected.labels("invalid").inc()
        return error(422, str(exc))

    @app.exception_handler(Backpressure)
    async def _full(request: Request, exc: Backpressure) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, 429, headers={"Retry-After": str(exc.retry_after_s)})

    def nobody_named(what: str) -> JSONResponse:
        """With the static token (or no auth) the body says who: nobody's token does."""
        service.metrics.rejected.labels("invalid").inc()
        return error(422, f"invalid request: by: say who {what} (a person's OIDC token would name them instead)",
                     fields=[{"field": "by", "problem": "Field required"}])

    # The same answers as the hot path (ServiceApp.__call__ takes these two paths before FastAPI does).
    @app.post("/v1/incidents", status_code=202, summary="An alarm notification (raw, SNS or EventBridge) or a question")
    async def create(request: Request) -> Response:
        return answered(await answer_intake(service, "/v1/incidents", await request.body(), person_in(request)))

    @app.post("/v1/alarms/eventbridge", status_code=202, summary="An EventBridge CloudWatch Alarm State Change event")
    async def eventbridge(request: Request) -> Response:
        return answered(await answer_intake(service, "/v1/alarms/eventbridge", await request.body()))

    @app.get("/v1/incidents", summary="Incidents, newest first")
    async def index(limit: int = 100, cluster: str | None = None) -> dict[str, Any]:
        """`cluster`: only the incidents investigated in that configured cluster; `-`: those in none (unrouted)."""
        records = await asyncio.to_thread(service.store.incidents, max(1, min(limit, 1000)), cluster or None)
        return {"incidents": [service.view(r) for r in records]}

    @app.get("/v1/incidents/{incident_id}", summary="One incident: status, pending approval, result")
    async def show(incident_id: str) -> JSONResponse:
        view = await asyncio.to_thread(service.incident_view, incident_id)
        return JSONResponse(view) if view else error(404, f"no incident {incident_id}")

    @app.get("/v1/incidents/{incident_id}/report", summary="The last run's report, in markdown")
    async def report(incident_id: str) -> Response:
        markdown = await asyncio.to_thread(service.report, incident_id)
        if markdown is None:
            return error(404, f"no report for incident {incident_id} (yet): a report is written when a run ends")
        return PlainTextResponse(markdown, media_type="text/markdown")

    @app.post("/v1/incidents/{incident_id}/approval", status_code=202, summary="Approve or reject the pending action")
    async def approve(incident_id: str, answer: ApprovalAnswer, request: Request) -> JSONResponse:
        person = person_in(request)
        if person is None and answer.by is None:
            return nobody_named("decides")
        if service.store.incident(incident_id) is None:
            return error(404, f"no incident {incident_id}")
        try:
            run = await asyncio.to_thread(service.answer, incident_id, answer.model_dump(), person)
        except TwoPersonRule as exc:
            return error(403, str(exc))
        except LookupError as exc:
            return error(409, str(exc))
        return JSONResponse({"incident_id": incident_id, "run_id": run.run_id, "decision": answer.decision,
                             "action_id": answer.action_id, "by": person.label() if person else answer.by,
                             "person": person.model_dump() if person else None}, 202)

    @app.post("/v1/incidents/{incident_id}/resolve", summary="Resolve an open incident by hand")
    async def resolve(incident_id: str, resolution: Resolution, request: Request) -> JSONResponse:
        person = person_in(request)
        if person is None and resolution.by is None:
            return nobody_named("resolves it")
        who = person.label() if person else resolution.by
        note = f"resolved by {who}" + (f": {resolution.note}" if resolution.note else "")
        if not await asyncio.to_thread(service.store.resolve_incident, incident_id, note):
            if service.store.incident(incident_id) is None:
                return error(404, f"no incident {incident_id}")
            return error(409, f"incident {incident_id} is resolved already")
        return JSONResponse(service.incident_view(incident_id))

    @app.get("/healthz", summary="The process is serving")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary="The store, the MCP servers and the workers are ready")
    async def readyz() -> JSONResponse:
        checks: dict[str, Any] = {}
        try:
            await asyncio.to_thread(service.store.ping)
            checks["store"] = {"ok": True}
        except Exception as exc:  # noqa: BLE001 -- any failure means not ready; say which
            checks["store"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        if service.servers is not None and service.clusters:  # each cluster's servers; not started yet is not down
            checks["clusters"] = {name: {"mcp_servers": servers, "ok": all(h["up"] or not h["started"]
                                                                          for h in servers.values())}
                                  for name, servers in service.servers.health().items()}
            checks["mcp_servers_ok"] = all(c["ok"] for c in checks["clusters"].values())
        elif service.servers is not None:
            checks["mcp_servers"] = {name: h for name, h in service.servers.health().items()}
            checks["mcp_servers_ok"] = all(h["up"] for h in checks["mcp_servers"].values())
        backlog = await asyncio.to_thread(service.store.backlog)
        checks["queue"] = {"ok": backlog < service.max_queue, "depth": backlog, "limit": service.max_queue}
        ready = checks["store"]["ok"] and checks.get("mcp_servers_ok", True) and checks["queue"]["ok"]
        return JSONResponse({"ready": ready, "checks": checks}, 200 if ready else 503)

    @app.get("/metrics", summary="Prometheus metrics")
    async def metrics() -> Response:
        body = await asyncio.to_thread(service.metrics.render)
        return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")

    add_alarm_routes(app, service, sns_verifier or SnsVerifier(service.sns_topic_arns))
    add_agentcore_routes(app, service)
    add_session_routes(app, service)
    from ..console import mount_console

    mount_console(app, service, CONSOLE_PREFIX)
    return app
