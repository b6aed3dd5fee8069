"""`sre-agent serve`: run the responder as an HTTP service (alarms in, approvals in, results out)."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Optional

import typer

from .common import Brain, Kubeconfig, KubeContext, Profile, Region, Remediation, StateDir, fail, settings_for, targeting


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    ctx: typer.Context,
    host: Annotated[Optional[str], typer.Option(help="Bind address. [default: 127.0.0.1, or service.host]")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port; 0 picks a free one (printed). [default: 8080, or service.port]")] = None,
    token: Annotated[Optional[str], typer.Option(help="Bearer token callers must send (or SRE_AGENT_SERVICE_TOKEN).")] = None,
    insecure_localhost: Annotated[Optional[bool], typer.Option(help="Allow no token, only when bound to loopback.")] = None,
    workers: Annotated[Optional[int], typer.Option(help="Investigations run at once. [default: 2 per core, 2..8]")] = None,
    max_queue: Annotated[Optional[int], typer.Option(help="Queued investigations before new alarms get 429. [default: 200]")] = None,
    remediation: Remediation = None,
    namespaces: Annotated[Optional[str], typer.Option(help="Comma-separated namespaces fixes may touch.")] = None,
    brain: Brain = None,
    state_dir: StateDir = None,
    checkpoint_dsn: Annotated[Optional[str], typer.Option(help="postgresql://... : checkpoints, incidents and the "
                                                                 "queue shared by several replicas.")] = None,
    context: KubeContext = None, kubeconfig: Kubeconfig = None, profile: Profile = None, region: Region = None,
) -> None:
    """Serve the responder over HTTP: alarms in (POST /v1/incidents, /v1/alarms/eventbridge), incidents
    and approvals (GET /v1/incidents, POST /v1/incidents/ID/approval), /healthz, /readyz, /metrics and
    the OpenAPI document at /openapi.json.

    Every alarm is stored before it is acknowledged (SQLite in the state dir, or PostgreSQL with
    --checkpoint-dsn); a restart resumes runs from their checkpoints and shows pending approvals again.
    The MCP servers start once and every run shares them. Escalation targets, budgets and the rest come
    from the settings (`sre-agent config show`)."""
    from ..app.options import RunOptions
    from ..service.api import build_app
    from ..service.core import IncidentService

    settings = settings_for(ctx, {
        "brain": brain, "state_dir": state_dir, "checkpoint": {"dsn": checkpoint_dsn},
        "policy": {"remediation": remediation, "namespaces": namespaces},
        "service": {"host": host, "port": port, "token": token, "insecure_localhost": insecure_localhost,
                    "workers": workers, "max_queue": max_queue},
        **targeting(context, kubeconfig, profile, region)})
    service = settings.service
    secret = service.token.get_secret_value() if service.token else None
    if not secret and not (service.insecure_localhost and _loopback(service.host)):
        fail("refusing to serve without authentication: pass --token (or SRE_AGENT_SERVICE_TOKEN), or bind to "
             "127.0.0.1 with --insecure-localhost")
    try:
        incidents = IncidentService(RunOptions.from_settings(settings), workers=service.workers,
                                    max_queue=service.max_queue, public_url=service.public_url)
    except Exception as exc:  # the store cannot be opened: say which and why, no traceback
        fail(f"cannot open the incident store ({'PostgreSQL' if settings.checkpoint.dsn else settings.state_dir}): "
             f"{type(exc).__name__}: {exc}")
    _run_server(build_app(incidents), secret, service.host, service.port)


def _run_server(app, token: str | None, host: str, port: int) -> None:
    import sys

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(_bearer(app, token) if token else app, host=host, port=port,
                                           log_level="warning"))
    original_startup = server.startup

    async def startup(sockets=None):  # print the bound address once listening (port 0 picks a free one)
        await original_startup(sockets)
        for listener in server.servers:
            for sock in listener.sockets:
                bound_host, bound_port = sock.getsockname()[:2]
                print(f"sre-agent serving on http://{bound_host}:{bound_port}", file=sys.stderr, flush=True)

    server.startup = startup  # type: ignore[method-assign]
    server.run()


def _bearer(app, token: str):
    import hmac

    from starlette.responses import JSONResponse

    async def guarded(scope, receive, send):
        if scope["type"] == "http" and scope["path"] not in ("/healthz", "/readyz"):
            scheme, _, given = dict(scope.get("headers") or []).get(b"authorization", b"").partition(b" ")
            if scheme.lower() != b"bearer" or not hmac.compare_digest(given, token.encode()):
                await JSONResponse({"error": "unauthorized: send Authorization: Bearer <token>"}, 401,
                                   headers={"WWW-Authenticate": "Bearer"})(scope, receive, send)
                return
        await app(scope, receive, send)

    return guarded
