"""The alarm sources that authenticate or batch differently from POST /v1/incidents, and the
Bedrock AgentCore Runtime contract:

    POST /v1/alarms/sns           an SNS HTTP/S delivery: signature-verified (not bearer-token
                                  authenticated), subscriptions confirmed, only service.sns_topic_arns
    POST /v1/alarms/alertmanager  an Alertmanager webhook (v4): each firing alert is an incident (grouped
                                  by its fingerprint), each resolved alert resolves its incident
    POST /invocations             AgentCore: {"prompt": "..."} answers as chat does, in the chat session
                                  the X-Amzn-Bedrock-AgentCore-Runtime-Session-Id header names -- the same
                                  sessions as /v1/sessions (chat_sessions.py: the id mapping, the bounds),
                                  on the chat loop (IncidentService.chat_loop), outside the workers; no
                                  header: a new session; an alarm payload is taken in as an alarm
    GET  /ping                    AgentCore's health check"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from .core import Backpressure, IncidentService
from .intake_path import acknowledged, json_object
from .payloads import AgentCorePrompt, sns_message_body
from .responses import error, person_in
from .sources.alertmanager import alertmanager_batch
from .sources.sns import SnsRejected, SnsVerifier

log = logging.getLogger(__name__)
SESSION_HEADER = "x-amzn-bedrock-agentcore-runtime-session-id"


def add_alarm_routes(app: FastAPI, service: IncidentService, verifier: SnsVerifier) -> None:
    @app.post("/v1/alarms/sns", summary="An SNS HTTP/S delivery (signature-verified)")
    async def sns(request: Request) -> Response:
        raw = await request.body()
        try:
            message = await verifier.verify(raw)
        except SnsRejected as exc:
            service.metrics.rejected.labels("sns_signature").inc()
            return error(403, str(exc))
        if message.Type == "SubscriptionConfirmation":
            try:
                await verifier.confirm_subscription(message)
            except SnsRejected as exc:
                return error(502, f"could not confirm the subscription to {message.TopicArn}: {exc}")
            log.warning("confirmed the SNS subscription to %s", message.TopicArn)
            return JSONResponse({"confirmed": True, "topic": message.TopicArn})
        if message.Type == "UnsubscribeConfirmation":
            log.warning("unsubscribed from %s", message.TopicArn)
            return JSONResponse({"unsubscribed": True, "topic": message.TopicArn})
        alarm = sns_message_body(message.Message)
        try:
            ack = await service.accept_alarm(alarm, "sns", f"sns:{message.MessageId}")
        except Backpressure as exc:  # SNS retries 5xx only: a 429 would be taken as delivered, and the alarm lost
            return JSONResponse({"error": str(exc)}, 503, headers={"Retry-After": str(exc.retry_after_s)})
        return acknowledged(ack)

    @app.post("/v1/alarms/alertmanager", summary="A Prometheus Alertmanager webhook (version 4)")
    async def alertmanager(request: Request) -> JSONResponse:
        batch = alertmanager_batch(await json_object(request))
        outcomes = []
        for incident in batch.firing:
            outcomes.append((await service.accept_incident(incident, incident.alarm, "alertmanager")).outcome)
        for resolved in batch.resolved:
            note = f"alert {resolved.alert_name} resolved at {resolved.resolved_at.isoformat()}: {resolved.reason}"
            outcomes.append((await service.accept_resolution(resolved.correlation_key, note,
                                                             resolved.model_dump(mode="json"), "alertmanager")).outcome)
        rows = [o.model_dump() for o in outcomes]
        return JSONResponse({"alerts": rows}, 202 if any(o.run_id for o in outcomes) else 200)


def add_agentcore_routes(app: FastAPI, service: IncidentService) -> None:
    @app.get("/ping", summary="AgentCore Runtime health check")
    async def ping() -> dict[str, Any]:
        busy = service.workers.busy >= service.workers.size
        return {"status": "HealthyBusy" if busy else "Healthy"}

    @app.post("/invocations", summary="AgentCore Runtime: a prompt (chat) or an alarm payload")
    async def invocations(request: Request) -> Response:
        body = await json_object(request)
        if "prompt" not in body:
            return acknowledged(await service.accept_alarm(body, "agentcore"))
        prompt = AgentCorePrompt.model_validate(body)
        answer, session_id = await service.chat_sessions.invocation(request.headers.get(SESSION_HEADER), prompt.prompt,
                                                                    prompt.namespace, person_in(request), prompt.cluster)
        return JSONResponse({"session_id": session_id, **answer.model_dump(mode="json")})
