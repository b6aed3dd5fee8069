"""The alarm intake's hot path: POST /v1/incidents and POST /v1/alarms/eventbridge answered straight
from ASGI, before FastAPI's per-request machinery.

Why: profiled under the intake storm (docs/benchmarks.md, service section), FastAPI's request
handling -- dependency solving that parses cookies for every request, its telemetry checks, Starlette's
Request and Response objects -- cost more CPU than the intake itself. The routes stay declared in
FastAPI (the OpenAPI document, and an app called without this path behaves the same), and both call
`answer_intake`: one function decides what a body becomes and how it is answered. The guard wraps the
whole app, so every request here has passed it (Host, token, Origin, content type, body limit)."""

from __future__ import annotations

import json
import logging
from typing import Any, NamedTuple

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.types import Receive, Scope, Send

from ..contracts import Person
from .core import Acknowledgement, Backpressure, IncidentService, IntakeError
from .identity import person_of
from .payloads import Question, loads
from .responses import validation_body

log = logging.getLogger(__name__)

# path -> the source recorded with each notification
INTAKE_PATHS = {"/v1/incidents": "api", "/v1/alarms/eventbridge": "eventbridge"}

try:  # orjson: a third of json's time for the acknowledgement; the same compact JSON
    import orjson

    def dumps(value: Any) -> bytes:
        return orjson.dumps(value, default=str)
except ImportError:  # pragma: no cover -- orjson is optional
    def dumps(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()


class IntakeAnswer(NamedTuple):
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def json_object_of(raw: bytes) -> dict[str, Any]:
    """A request body as a JSON object; IntakeError (422) saying what to send otherwise."""
    try:
        body = loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise IntakeError(f"the body is not JSON ({exc}); send an alarm notification or {{\"question\": \"...\"}}") from None
    if not isinstance(body, dict):
        raise IntakeError("the body must be a JSON object")
    return body


def refusal_for(exc: Exception, service: IncidentService) -> IntakeAnswer:
    """How a refused notification is answered (the same as api.py's exception handlers)."""
    if isinstance(exc, ValidationError):
        service.metrics.rejected.labels("invalid").inc()
        return IntakeAnswer(422, validation_body(exc), {})
    if isinstance(exc, Backpressure):  # counted when refused (IncidentService._admit)
        return IntakeAnswer(429, {"error": str(exc)}, {"Retry-After": str(exc.retry_after_s)})
    service.metrics.rejected.labels("invalid").inc()
    return IntakeAnswer(422, {"error": str(exc)}, {})


async def answer_intake(service: IncidentService, path: str, raw: bytes, requester: Person | None = None) -> IntakeAnswer:
    """The answer to POST `path` (one of INTAKE_PATHS) with body `raw`: persisted before it returns.
    `requester`: the person whose token sent it (a question records them as its incident's requester)."""
    try:
        body = json_object_of(raw)
        if path == "/v1/alarms/eventbridge" and "detail-type" not in body:
            raise IntakeError("not an EventBridge event: no detail-type (expected 'CloudWatch Alarm State Change')")
        if path == "/v1/incidents" and "question" in body:
            question = Question.model_validate(body)
            ack = await service.accept_question(question.question, question.namespace, requester=requester,
                                                cluster=question.cluster)
        else:
            ack = await service.accept_alarm(body, INTAKE_PATHS[path])
    except (ValidationError, IntakeError, Backpressure) as exc:
        return refusal_for(exc, service)
    return IntakeAnswer(ack.status, ack.body(), {})


async def serve_intake(service: IncidentService, scope: Scope, receive: Receive, send: Send) -> None:
    """ASGI: answer one intake request (the caller checked method and path)."""
    chunks = []
    while True:  # the guard has read the body whole: one message, as a rule
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    try:
        requester = person_of((scope.get("state") or {}).get("principal"))
        answer = await answer_intake(service, scope["path"], b"".join(chunks), requester)
    except Exception:  # FastAPI's ServerErrorMiddleware is not around this path: answer as it would, and log
        log.exception("intake of POST %s failed", scope["path"])
        answer = IntakeAnswer(500, {"error": "internal error while taking the notification in; nothing was "
                                             "acknowledged -- retry"}, {})
    payload = dumps(answer.body)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
               *((name.lower().encode(), value.encode()) for name, value in answer.headers.items())]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload, "more_body": False})


__all__ = ["INTAKE_PATHS", "IntakeAnswer", "answer_intake", "json_object_of", "serve_intake"]


def answered(answer: IntakeAnswer) -> Response:
    return Response(dumps(answer.body), answer.status, headers=answer.headers, media_type="application/json")


def acknowledged(ack: Acknowledgement) -> Response:
    """The acknowledgement: the outcome and the incident as it now stands (read in the write's transaction)."""
    return answered(IntakeAnswer(ack.status, ack.body(), {}))


async def json_object(request: Request) -> dict[str, Any]:
    return json_object_of(await request.body())
