"""`sre-agent serve`: run the responder as an HTTP service (alarms in, approvals in, results out)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Optional

import typer


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8080,
    token: Annotated[Optional[str], typer.Option(envvar="SRE_AGENT_TOKEN", help="Bearer token callers must send.")] = None,
    insecure_localhost: Annotated[bool, typer.Option(help="Allow no token, only when bound to loopback.")] = False,
    remediation: Annotated[str, typer.Option(help="auto, approve or off.")] = "approve",
    namespaces: Annotated[str, typer.Option(help="Comma-separated namespaces fixes may touch.")] = "",
    brain: Annotated[str, typer.Option(help="offline, bedrock, anthropic or openai.")] = "offline",
    state_dir: Annotated[Path, typer.Option(help="Checkpoints, audit log and reports.")] = Path(".sre-agent"),
    checkpoint_dsn: Annotated[Optional[str], typer.Option(envvar="SRE_AGENT_CHECKPOINT_DSN", help="postgresql://... for several replicas.")] = None,
    escalation_sns_topic_arn: Annotated[Optional[str], typer.Option(envvar="SRE_AGENT_ESCALATION_TOPIC")] = None,
    escalation_webhook_url: Annotated[Optional[str], typer.Option(envvar="SRE_AGENT_ESCALATION_WEBHOOK")] = None,
) -> None:
    """Serve the responder over HTTP: POST /v1/incidents (alarms, questions), GET /v1/incidents,
    GET /v1/incidents/ID and POST /v1/incidents/ID/approval. Point an SNS HTTPS subscription at it."""
    import uvicorn

    from ..app.options import RunOptions
    from ..service.api import IncidentService, build_app

    if not token and not (insecure_localhost and _loopback(host)):
        typer.secho("refusing to serve without authentication: pass --token (or SRE_AGENT_TOKEN), or bind to "
                    "127.0.0.1 with --insecure-localhost", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    if remediation not in ("auto", "approve", "off"):
        typer.secho(f"--remediation must be auto, approve or off (got {remediation!r})", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    # The MCP servers run as child processes and inherit KUBECONFIG and the AWS environment.
    options = RunOptions(brain=brain, remediation=remediation, namespaces=[n for n in namespaces.split(",") if n],
                         state_dir=state_dir, checkpoint_dsn=checkpoint_dsn,
                         escalation_sns_topic_arn=escalation_sns_topic_arn, escalation_webhook_url=escalation_webhook_url)
    app = build_app(IncidentService(options), token)
    uvicorn.run(app, host=host, port=port, log_level="warning")
