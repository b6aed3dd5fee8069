"""Chat sessions over HTTP (the sessions themselves, their ids and bounds: chat_sessions.py):

    POST /v1/sessions                  {"namespace": "shop", "cluster": "prod-eu"} (both optional: the namespace
                                       scopes it like kubectl -n; the cluster, with several configured, is the
                                       one it asks about -- default "*": every one, each question going to
                                       the cluster it names, else to all of them, answered per cluster)
                                       -> 201 {"session_id", "expires_at", ...}
    POST /v1/sessions/{id}/messages    {"text": "..."} -> 200 {"session_id", "answer", "text"}; with
                                       Accept: text/event-stream, Server-Sent Events instead:
                                       `started` at once, `: keep-alive` comments while the answer is
                                       worked out, then `answer` (the same JSON) and `done` -- or `error`
    GET  /v1/sessions/{id}             {"session_id", "created_at", "last_active_at", "expires_at",
                                       "messages": [{"question", "answer", "at"}, ...]}

Any caller with the viewer role may chat (roles.py); an answer pins an action for approval only for a
caller with the responder role (or the static token) -- a viewer's answer says what would change and
pins nothing. A pinned action records the person whose token asked (identity.person_of).

A refusal is JSON {"error": "..."} before anything is answered: 404 for an unknown, expired or
evicted session, 413 for a question over the limit, 409 for a session that has had its messages,
422 for a body that is not the model's. The answer is produced in one piece; the event stream is for
clients that show progress, and keeps a long investigation's connection from looking idle."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from ..chat.models import Answer
from .chat_sessions import ChatSessionError, ChatSessions, SessionInfo, SessionView
from .core import IncidentService
from .identity import person_of
from .payloads import loads
from .responses import error

NAMESPACE = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
CLUSTER = r"^(\*|[A-Za-z0-9][A-Za-z0-9._-]*)$"  # app/clusters.py NAME, or * for every configured cluster
SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}  # no proxy buffering: events as they happen


class NewSession(BaseModel):
    model_config = ConfigDict(extra="forbid")
    namespace: str | None = Field(None, max_length=63, pattern=NAMESPACE,
                                  description="scope the session's questions to one namespace (kubectl -n)")
    cluster: str | None = Field(None, max_length=100, pattern=CLUSTER,
                                description="the configured cluster its questions are about (several configured; "
                                            "default: the only one, else `*`: every one, each question going to the "
                                            "cluster it names, else the one the conversation is on, else to all)")


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # The size limit is the service's setting (service.chat_max_question_chars), checked with a 413 that names it.
    text: str = Field(min_length=1, description="the question")


class MessageAnswer(BaseModel):
    """One answered message (the JSON body, or the SSE `answer` event's data)."""

    session_id: str
    answer: Answer
    text: str  # the answer as `sre-agent chat` prints it (chat/conversation/render.py, without the evidence lines)


def _body_schema(model: type[BaseModel], required: bool = True) -> dict[str, Any]:
    return {"requestBody": {"required": required, "content": {"application/json": {"schema": model.model_json_schema()}}}}


def wants_events(request: Request) -> bool:
    return any(part.split(";")[0].strip().lower() == "text/event-stream"
               for part in request.headers.get("accept", "").split(","))


def event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, default=str)}\n\n"


def add_session_routes(app: FastAPI, service: IncidentService) -> None:
    sessions: ChatSessions = service.chat_sessions

    @app.exception_handler(ChatSessionError)
    async def _refused(request: Request, exc: ChatSessionError) -> JSONResponse:
        return error(exc.status, str(exc))

    # The bodies are read by hand (_json: an empty body is a session with no namespace, and a body that is
    # not JSON is refused saying what to send), so their models are named for the OpenAPI document here.
    @app.post("/v1/sessions", status_code=201, summary="Start a chat session", response_model=SessionInfo,
              openapi_extra=_body_schema(NewSession, required=False))
    async def create(request: Request) -> JSONResponse:
        body = NewSession.model_validate(await _json(request, '{"namespace": "shop"}, or no body'))
        record = await sessions.create(body.namespace, "api", cluster=body.cluster)
        return JSONResponse(sessions.describe(record).model_dump(mode="json"), 201)

    @app.post("/v1/sessions/{session_id}/messages", summary="Ask a question in a chat session (JSON, or SSE)",
              response_model=MessageAnswer, openapi_extra=_body_schema(Message))
    async def message(session_id: str, request: Request) -> Response:
        text = Message.model_validate(await _json(request, '{"text": "what is broken in shop?"}')).text
        record, text = await sessions.reserve(session_id, text)  # refusals answer here, before any stream
        principal = (request.scope.get("state") or {}).get("principal")  # the guard's; None: no auth
        asker, may_pin = person_of(principal), principal is None or "responder" in principal.roles
        if not wants_events(request):
            return JSONResponse(_answered(session_id, await sessions.answer(record, text, asker=asker, may_pin=may_pin)))
        answering = _keep(asyncio.ensure_future(sessions.answer(record, text, asker=asker, may_pin=may_pin)))
        return StreamingResponse(_events(sessions, session_id, answering), media_type="text/event-stream",
                                 headers=SSE_HEADERS)

    @app.get("/v1/sessions/{session_id}", summary="A chat session and its messages", response_model=SessionView)
    async def show(session_id: str) -> JSONResponse:
        return JSONResponse((await sessions.view(session_id)).model_dump(mode="json"))


async def _json(request: Request, example: str) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ChatSessionError(422, f"the body is not JSON ({exc}): send {example}") from None
    if not isinstance(body, dict):
        raise ChatSessionError(422, f"the body must be a JSON object: send {example}")
    return body


def _answered(session_id: str, answer: Answer) -> dict[str, Any]:
    from ..chat.conversation.render import render

    return MessageAnswer(session_id=session_id, answer=answer, text=render(answer, evidence=False)).model_dump(mode="json")


# Streamed answers in progress, referenced here until they land in their session: the event loop keeps
# only weak references to tasks, and a client that left holds none.
_ANSWERING: set[asyncio.Future] = set()


def _keep(answering: asyncio.Future) -> asyncio.Future:
    def landed(done: asyncio.Future) -> None:
        _ANSWERING.discard(done)
        if not done.cancelled():
            done.exception()  # retrieved: a failure nobody streams is logged by ChatSessions, not as "never retrieved"

    _ANSWERING.add(answering)
    answering.add_done_callback(landed)
    return answering


async def _events(sessions: ChatSessions, session_id: str, answering: asyncio.Future) -> AsyncIterator[str]:
    # The turn runs as a task of its own (_keep): a client that goes away does not cancel it, so its
    # answer is still recorded in the session (GET /v1/sessions/{id} shows it).
    yield event("started", {"session_id": session_id})
    while not answering.done():
        await asyncio.wait({answering}, timeout=sessions.keepalive_s)
        if not answering.done():
            yield ": keep-alive\n\n"
    try:
        answer = answering.result()
    except ChatSessionError as exc:
        yield event("error", {"error": str(exc), "status": exc.status})
        return
    yield event("answer", _answered(session_id, answer))
    yield event("done", {"session_id": session_id})
