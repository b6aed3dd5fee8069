"""The console's routes (mounted under /ui by the service): incidents, one incident, its approval form (an
approver's only), its standalone report, sweeps, chat, and the server-sent events that keep the pages live; the
sign-in and logout routes are signin_routes.py's.

The guard (service/guard.py) has already checked the host, the session cookie, the origin and the
CSRF token of every request that reaches these handlers; the session rides in the scope's state."""

from __future__ import annotations

import asyncio
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.staticfiles import StaticFiles

from ..contracts import ROLES
from . import chat
from .chat import valid_session
from .events import incident_events
from .pages import incident_page, row_of
from .ports import NO_CLUSTER, ConsoleBackend, cluster_names
from .render import SECURITY_HEADERS, render
from .session import ConsoleSession, SessionKeys
from .signin_routes import add_signin_routes, form_of
from .sweeps import by_cluster, sweeps_page


class ApprovalForm(BaseModel):
    """The approve / reject form: the exact pinned action and the approval it answers, and who."""

    decision: Literal["approved", "rejected"]
    action_id: str = Field(min_length=1, max_length=64)
    approval_id: str = Field(min_length=1, max_length=64)
    by: str = Field("", max_length=80)  # the static token's sessions only: a person's session names them
    note: str = Field("", max_length=500)


def static_files() -> StaticFiles:
    return StaticFiles(packages=[("sre_agent.console", "static")])  # found through the package, wherever it is installed


def console_router(service: ConsoleBackend, prefix: str) -> APIRouter:
    router = APIRouter(prefix=prefix, include_in_schema=False)

    def session_of(request: Request) -> ConsoleSession | None:
        return request.state.console_session if hasattr(request.state, "console_session") else None

    def page(template: str, request: Request, status: int = 200, **context: Any) -> HTMLResponse:
        session = session_of(request)
        keys: SessionKeys | None = getattr(request.state, "console_sessions", None)
        identity = session.identity if session else None
        defaults = {"prefix": prefix, "csrf": session.csrf if session else None, "open_session": bool(keys and keys.open),
                    "standalone": False, "inline_css": None, "who": identity.label() if identity else None,
                    "roles": sorted(session.roles if session else ROLES),
                    "may_approve": session is None or session.holds("approver")}
        html = render(template, **{**defaults, **context})
        return HTMLResponse(html, status, headers=SECURITY_HEADERS)

    def redirect(location: str) -> RedirectResponse:
        return RedirectResponse(location, 303, headers=SECURITY_HEADERS)

    def safe_next(target: str | None) -> str:
        # Only a path inside the console: a login must never bounce the browser to another site.
        if target and target.startswith(prefix + "/") and not target.startswith("//") and "\\" not in target:
            return target
        return f"{prefix}/incidents"

    add_signin_routes(router, prefix, page, redirect, safe_next)

    @router.get("")
    async def home() -> RedirectResponse:
        return redirect(f"{prefix}/incidents")

    @router.get("/incidents")
    async def incidents(request: Request, limit: int = 100, cluster: str = "") -> Response:
        # ?cluster=NAME: the incidents of one configured cluster; ?cluster=-: those investigated in none.
        clusters = cluster_names(service)
        chosen = cluster.strip() if clusters and cluster.strip() else None
        limit = max(1, min(limit, 500))
        records = await asyncio.to_thread(lambda: service.store.incidents(limit, cluster=chosen) if chosen
                                          else service.store.incidents(limit))
        rows = [row_of(view) for view in await asyncio.to_thread(lambda: [service.view(r) for r in records])]
        return page("incidents.html", request, rows=rows, clusters=clusters, chosen=chosen, no_cluster=NO_CLUSTER)

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
        session = session_of(request)
        if session is not None and not session.holds("approver"):  # a static-token session holds every role
            who = session.identity.label() if session.identity else "this session"
            return await incident_response(request, incident_id, 403, flash=(
                f"Approving or rejecting needs the approver role; {who} holds: {', '.join(sorted(session.roles)) or 'no role'}."),
                flash_kind="error")
        person = session.person() if session else None
        try:
            answer = ApprovalForm.model_validate(form_of(await request.body()))
            problems = "by: say who answers" if person is None and not answer.by.strip() else None
        except ValidationError as exc:  # the static token names nobody: its form says who
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        if problems:
            return await incident_response(request, incident_id, 422, flash=f"The form is incomplete: {problems}",
                                           flash_kind="error")
        try:
            # A person's session: the answer is recorded as theirs (sub and email), whatever name was typed.
            await asyncio.to_thread(service.answer, incident_id, answer.model_dump(), person)
        except LookupError as exc:
            return await incident_response(request, incident_id, 409, flash=str(exc), flash_kind="error")
        except PermissionError as exc:  # the two-person rule (a static-token session names nobody)
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
        found = await asyncio.to_thread(sweeps_page, service)
        return page("sweeps.html", request, sweeps=found, groups=by_cluster(found))

    @router.get("/chat")
    async def chat_page(request: Request, session: str = "") -> Response:
        session_id = valid_session(session)
        turns = await chat.history(service, session_id) if session_id else []
        return page("chat.html", request, session_id=session_id, turns=turns, clusters=cluster_names(service),
                    cluster=await chat.cluster_of(service, session_id) if session_id else None)

    @router.post("/chat")
    async def chat_turn(request: Request) -> Response:
        form = form_of(await request.body())
        question = form.get("question", "").strip()
        if not question:
            return page("chat.html", request, 422, session_id=valid_session(form.get("session")), turns=[],
                        flash="Ask a question first.", flash_kind="error")
        session = session_of(request)
        # A viewer's question is answered read-only (no action pinned), as the API answers a viewer's.
        try:
            session_id = await chat.ask(service, valid_session(form.get("session")), question,
                                        form.get("namespace", "").strip() or None,
                                        asker=session.person() if session else None,
                                        may_pin=session is None or session.holds("responder"),
                                        cluster=form.get("cluster", "").strip() or None)
        except chat.Refused as exc:  # several clusters and none chosen, or one not configured: say which may be
            return page("chat.html", request, exc.status, session_id=valid_session(form.get("session")), turns=[],
                        clusters=cluster_names(service), cluster=None, flash=str(exc), flash_kind="error")
        return redirect(f"{prefix}/chat?session={session_id}")

    @router.get("/events")
    async def events(request: Request) -> StreamingResponse:
        return StreamingResponse(incident_events(service, request), media_type="text/event-stream",
                                 headers={**SECURITY_HEADERS, "x-accel-buffering": "no"})

    return router
