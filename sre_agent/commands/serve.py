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
    port: Annotated[Optional[int], typer.Option(help="Port. [default: 8080, or service.port]")] = None,
    token: Annotated[Optional[str], typer.Option(help="Bearer token callers must send (or SRE_AGENT_SERVICE_TOKEN).")] = None,
    insecure_localhost: Annotated[Optional[bool], typer.Option(help="Allow no token, only when bound to loopback.")] = None,
    remediation: Remediation = None,
    namespaces: Annotated[Optional[str], typer.Option(help="Comma-separated namespaces fixes may touch.")] = None,
    brain: Brain = None,
    state_dir: StateDir = None,
    checkpoint_dsn: Annotated[Optional[str], typer.Option(help="postgresql://... for several replicas.")] = None,
    context: KubeContext = None, kubeconfig: Kubeconfig = None, profile: Profile = None, region: Region = None,
) -> None:
    """Serve the responder over HTTP: POST /v1/incidents (alarms, questions), GET /v1/incidents,
    GET /v1/incidents/ID and POST /v1/incidents/ID/approval. Point an SNS HTTPS subscription at it.

    Escalation targets, budgets and the rest come from the settings (`sre-agent config show`)."""
    import uvicorn

    from ..app.options import RunOptions
    from ..service.api import IncidentService, build_app

    settings = settings_for(ctx, {
        "brain": brain, "state_dir": state_dir, "checkpoint": {"dsn": checkpoint_dsn},
        "policy": {"remediation": remediation, "namespaces": namespaces},
        "service": {"host": host, "port": port, "token": token, "insecure_localhost": insecure_localhost},
        **targeting(context, kubeconfig, profile, region)})
    service = settings.service
    secret = service.token.get_secret_value() if service.token else None
    if not secret and not (service.insecure_localhost and _loopback(service.host)):
        fail("refusing to serve without authentication: pass --token (or SRE_AGENT_SERVICE_TOKEN), or bind to "
             "127.0.0.1 with --insecure-localhost")
    app = build_app(IncidentService(RunOptions.from_settings(settings)), secret)
    uvicorn.run(app, host=service.host, port=service.port, log_level="warning")
