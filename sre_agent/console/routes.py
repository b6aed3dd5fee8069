"""The console's routes (mounted under /ui by the service): login and logout, incidents, one incident,
its approval form, its standalone report, sweeps, and the server-sent events that keep the pages live.

The guard (service/guard.py) has already checked the host, the session cookie, the origin and the
CSRF token of every request that reaches these handlers; the session rides in the scope's state."""

from __future__ import annotations

import asyncio
from typing import Any, Literal
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.staticfiles import StaticFiles

from . import chat
from .chat import valid_session
from .events import incident_events
from .pages import incident_page, row_of
from .ports import ConsoleBackend
from .render import SECURITY_HEADERS, render
from .session import COOKIE, SESSION_S, ConsoleSession, SessionKeys
from .sweeps import sweeps_page


class ApprovalForm(BaseModel):
    """The approve / reject form: the exact pinned action and the approval it answers, and who."""

    decision: Literal["approved", "rejected"]
    action_id: str = Field(min_length=1, max_length=64)
    approval_id: str = Field(min_length=1, max_length=64)
    by: str = Field(min_length=1, max_length=80)
    note: str = Field("", max_length=500)


def form_of(body: bytes) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (the first value of each field)."""
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


def static_files() -> StaticFiles:
    return StaticFiles(packages=[("sre_agent.console", "static")])  # found through the package, wherever it is installed


def console_router(service: ConsoleBackend, prefix: str) -> APIRouter:
    router = APIRouter(prefix=prefix, include_in_schema=False)

    def session_of(request: Request) -> ConsoleSession | None:
        return request.state.console_session if hasattr(request.state, "console_session") else None

    def page(template: str, request: Request, status: int = 200, **context: Any) -> HTMLResponse:
        session = session_of(request)
        keys: SessionKeys | None = getattr(request.state, "console_sessions", None)
        html = render(template, prefix=prefix, csrf=session.csrf if session else None,
                      open_session=bool(keys and keys.open), standalone=False, inline_css=None, **context)
        return HTMLResponse(html, status, headers=SECURITY_HEADERS)

    def redirect(location: str) -> RedirectResponse:
        return RedirectResponse(location, 303, headers=SECURITY_HEADERS)

    def safe_next(target: str | None) -> str:
        # Only a path inside the console: a login must never bounce the browser to another site.
        if target and target.startswith(prefix + "/") and not target.startswith("//") and "\\" not in target:
            return target
        return f"{prefix}/incidents"

    @router.get("")
    async def home() -> RedirectResponse:
        return redirect(f"{prefix}/incidents")

    @router.get("/login")
    async def login_form(request: Request, next: str = "") -> Response:
        keys: SessionKeys | None = getattr(request.state, "console_sessions", None)
        if keys is None:
            return HTMLResponse("the console is not behind the service's guard", 500)
        if keys.open:
            return redirect(safe_next(next))
        return page("login.html", request, next=safe_next(next))

    @router.post("/login")
    async def login(request: Request) -> Response:
        keys: SessionKeys = request.state.console_sessions
        form = form_of(await request.body())
        if not keys.token_matches(form.get("token", "")):
            flash = ("That is not this service's token." if keys.token is not None else
                     "The console signs in with the service's static token (service.token), and this service has "
                     "none: it takes OIDC tokens on its API only.")
            return page("login.html", request, 401, next=safe_next(form.get("next")), flash=flash, flash_kind="error")
        cookie, _ = keys.issue()
        response = redirect(safe_next(form.get("next")))
        response.set_cookie(COOKIE, cookie, max_age=SESSION_S, path=prefix, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        response = redirect(f"{prefix}/login")
        response.delete_cookie(COOKIE, path=prefix, httponly=True, samesite="strict")
        return response

    @router.get("/incidents")
    async def incidents(request: Request, limit: int = 100) -> Response:
        records = await asyncio.to_thread(service.store.incidents, max(1, min(limit, 500)))
        rows = [row_of(view) for view in await asyncio.to_thread(lambda: [service.view(r) for r in records])]
        return page("incidents.html", request, rows=rows)

    async def incident_response(request: Request, incident_id: str, status: int = 200, **flash: Any) -> Response:
        view = await asyncio.to_thread(service.incident_view, incident_id)
        if view is None:
            return page("missing.html", request, 404, what=f"incident {incident_id}")
        built = await incident_page(view, service.options, None)
        return page("incident.html", request, status, page=built, **flash)

    @router.get("/incidents/{incident_id}")
    async def incident(request: Request, incident_id: str, answered: str = "") -> Response:
        flash = {"flash": f"Your answer ({answered}) was handed to the run."} if answered in ("approved", "rejected") else {}
        return await incident_response(request, incident_id, **flash)

    @router.post("/incidents/{incident_id}/approval")
    async def approval(request: Request, incident_id: str) -> Response:
        try:
            answer = ApprovalForm.model_validate(form_of(await request.body()))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            return await incident_response(request, incident_id, 422, flash=f"The form is incomplete: {problems}",
                                           flash_kind="error")
        try:
            await asyncio.to_thread(service.answer, incident_id, answer.model_dump())
        except LookupError as exc:
            return await incident_response(request, incident_id, 409, flash=str(exc), flash_kind="error")
        except PermissionError as exc:  # the two-person rule: the console's static-token session names nobody
            return await incident_response(request, incident_id, 403, flash=str(exc), flash_kind="error")
        return redirect(f"{prefix}/incidents/{quote(incident_id)}?answered={answer.decision}")

    @router.get("/incidents/{incident_id}/report.html")
    async def report(incident_id: str) -> Response:
        from .report import standalone_report

        view = await asyncio.to_thread(service.incident_view, incident_id)
        if view is None:
            return HTMLResponse(f"no incident {incident_id}", 404, headers=SECURITY_HEADERS)
        html = await standalone_report(view, service.options, await asyncio.to_thread(service.report, incident_id))
        return HTMLResponse(html, headers={**SECURITY_HEADERS, "content-security-policy": "default-src 'none'; "
                                           "img-src data:; style-src 'unsafe-inline'",
                                           "content-disposition": f'attachment; filename="{incident_id}.html"'})

    async def postmortem_of_incident(incident_id: str) -> Any:
        """The incident's postmortem draft, or None when it has no finished run yet."""
        from ..app.postmortems import NoSuchRun, postmortem_of
        from ..contracts import InvestigationResult

        view = await asyncio.to_thread(service.incident_view, incident_id)
        result = InvestigationResult.model_validate(view["result"]) if view and view.get("result") else None
        try:
            return await postmortem_of(result, incident_id, service.options)
        except NoSuchRun:
            return None

    @router.get("/incidents/{incident_id}/postmortem")
    async def postmortem(request: Request, incident_id: str) -> Response:
        from ..postmortem.markdown import timing

        drafted = await postmortem_of_incident(incident_id)
        if drafted is None:
            return page("missing.html", request, 404, what=f"a finished run of incident {incident_id}")
        return page("postmortem.html", request, pm=drafted, timing=timing)

    @router.get("/incidents/{incident_id}/postmortem.md")
    async def postmortem_markdown(incident_id: str) -> Response:
        from ..postmortem.markdown import render_markdown

        drafted = await postmortem_of_incident(incident_id)
        if drafted is None:
            return Response(f"no finished run of incident {incident_id}", 404, media_type="text/plain",
                            headers=SECURITY_HEADERS)
        return Response(render_markdown(drafted), media_type="text/markdown; charset=utf-8",
                        headers={**SECURITY_HEADERS, "content-disposition":
                                 f'attachment; filename="{incident_id}.postmortem.md"'})

    @router.get("/sweeps")
    async def sweeps(request: Request) -> Response:
        return page("sweeps.html", request, sweeps=await asyncio.to_thread(sweeps_page, service))

    @router.get("/chat")
    async def chat_page(request: Request, session: str = "") -> Response:
        session_id = valid_session(session)
        turns = await chat.history(service, session_id) if session_id else []
        return page("chat.html", request, session_id=session_id, turns=turns)

    @router.post("/chat")
    async def chat_turn(request: Request) -> Response:
        form = form_of(await request.body())
        question = form.get("question", "").strip()
        if not question:
            return page("chat.html", request, 422, session_id=valid_session(form.get("session")), turns=[],
                        flash="Ask a question first.", flash_kind="error")
        session_id = await chat.ask(service, valid_session(form.get("session")), question,
                                    form.get("namespace", "").strip() or None)
        return redirect(f"{prefix}/chat?session={session_id}")

    @router.get("/events")
    async def events(request: Request) -> StreamingResponse:
        return StreamingResponse(incident_events(service, request), media_type="text/event-stream",
                                 headers={**SECURITY_HEADERS, "x-accel-buffering": "no"})

    return router
