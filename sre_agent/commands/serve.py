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
    step_processes: Annotated[Optional[int], typer.Option(help="Processes the investigation steps run in; 0: a thread "
                                                                "of this one. [default: half the cores, 1..workers]")] = None,
    sqs_queue_url: Annotated[Optional[str], typer.Option(help="Also consume alarms from this SQS queue (replicas may "
                                                               "share it).")] = None,
    agentcore: Annotated[bool, typer.Option(help="Bedrock AgentCore Runtime: POST /invocations without the bearer "
                                                 "token (the runtime authenticates callers).")] = False,
    remediation: Remediation = None,
    namespaces: Annotated[Optional[str], typer.Option(help="Comma-separated namespaces fixes may touch.")] = None,
    brain: Brain = None,
    state_dir: StateDir = None,
    checkpoint_dsn: Annotated[Optional[str], typer.Option(help="postgresql://... : checkpoints, incidents and the "
                                                                 "queue shared by several replicas.")] = None,
    context: KubeContext = None, kubeconfig: Kubeconfig = None, profile: Profile = None, region: Region = None,
) -> None:
    """Serve the responder over HTTP: alarms in (POST /v1/alarms/sns -- point an SNS HTTPS subscription
    at it and list the topic in service.sns_topic_arns --, /v1/alarms/eventbridge, /v1/alarms/alertmanager,
    /v1/incidents; or --sqs-queue-url), incidents and approvals (GET /v1/incidents, POST
    /v1/incidents/ID/approval), chat sessions (POST /v1/sessions, POST /v1/sessions/ID/messages, GET
    /v1/sessions/ID), /healthz, /readyz, /metrics, the OpenAPI document at /openapi.json, and
    AgentCore's POST /invocations and GET /ping.

    Every alarm is stored before it is acknowledged (SQLite in the state dir, or PostgreSQL with
    --checkpoint-dsn); a restart resumes runs from their checkpoints and shows pending approvals again.
    The MCP servers start once and every run shares them. With several clusters configured (`clusters:`),
    every incident is routed to the cluster its alarm names and runs over servers bound to that cluster
    (one whose cluster cannot be told is stored escalated, never run); see docs/service.md. Escalation
    targets, budgets and the rest come from the settings (`sre-agent config show`)."""
    from ..app.options import RunOptions
    from ..app.runs import keep_caches_in
    from ..app.wiring import make_notifier
    from ..service.api import build_app
    from ..service.chat_sessions import ChatLimits
    from ..service.core import IncidentService
    from ..service.guard import guard
    from ..service.spend_caps import SpendCaps

    settings = settings_for(ctx, {
        "brain": brain, "state_dir": state_dir, "checkpoint": {"dsn": checkpoint_dsn},
        "policy": {"remediation": remediation, "namespaces": namespaces},
        "service": {"host": host, "port": port, "token": token, "insecure_localhost": insecure_localhost,
                    "workers": workers, "max_queue": max_queue, "step_processes": step_processes,
                    "sqs_queue_url": sqs_queue_url},
        **targeting(context, kubeconfig, profile, region)})
    service = settings.service
    secret = service.token.get_secret_value() if service.token else None
    if not secret and not service.oidc_issuer and not (service.insecure_localhost and _loopback(service.host)):
        fail("refusing to serve without authentication: pass --token (or SRE_AGENT_SERVICE_TOKEN), set "
             "service.oidc_issuer and service.oidc_audience (OIDC bearer tokens), or bind to 127.0.0.1 with "
             "--insecure-localhost")
    options = RunOptions.from_settings(settings)
    keep_caches_in(options.state_dir)  # before the console imports the charts
    try:
        incidents = IncidentService(options, workers=service.workers, max_queue=service.max_queue,
                                    public_url=service.public_url, notifier=make_notifier(options),
                                    sns_topic_arns=service.sns_topic_arns, sqs_queue_url=service.sqs_queue_url,
                                    sqs_dead_letter_queue_url=service.sqs_dead_letter_queue_url, sweeps=service.sweeps,
                                    lease_s=service.lease_s, step_processes=service.step_processes,
                                    step_nice=service.step_nice,
                                    chat_limits=ChatLimits(ttl_s=service.chat_session_ttl_s,
                                                           max_sessions=service.chat_max_sessions,
                                                           max_messages=service.chat_max_messages,
                                                           max_question_chars=service.chat_max_question_chars),
                                    spend_caps=SpendCaps(day=settings.budget.daily_cost_usd,
                                                         month=settings.budget.monthly_cost_usd),
                                    two_person_rule=service.two_person_rule, clusters=settings.clusters)
    except Exception as exc:  # the store cannot be opened: say which and why, no traceback
        fail(f"cannot open the incident store ({'PostgreSQL' if settings.checkpoint.dsn else settings.state_dir}): "
             f"{type(exc).__name__}: {exc}")
    _run_server(guard(build_app(incidents), guard_settings(service, secret, agentcore=agentcore)),
                service.host, service.port)


LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"]


def guard_settings(service, secret: str | None, *, agentcore: bool = False):
    """The HTTP guard's rules for `service` (ServiceSettings): the token and the OIDC issuer, the hosts
    (loopback names when bound to loopback and none are configured), the origins, the body limit; SNS
    deliveries -- and, with --agentcore, /invocations -- authenticate themselves instead of by bearer token."""
    from ..service.guard import GuardSettings

    return GuardSettings(
        token=secret, oidc_issuer=service.oidc_issuer, oidc_audience=service.oidc_audience,
        oidc_groups_claim=service.oidc_groups_claim, oidc_roles=service.oidc_roles, max_body_bytes=service.max_body_bytes,
        oidc_client_id=service.oidc_client_id, oidc_scopes=service.oidc_scopes, public_url=service.public_url,
        oidc_client_secret=service.oidc_client_secret.get_secret_value() if service.oidc_client_secret else None,
        console_session_secret=(service.console_session_secret.get_secret_value()
                                if service.console_session_secret else None),
        allowed_hosts=service.allowed_hosts or (LOOPBACK_HOSTS if _loopback(service.host) else ["*"]),
        allowed_origins=service.allowed_origins,
        signature_auth_paths=["/v1/alarms/sns", *(["/invocations"] if agentcore else [])])


def _run_server(app, host: str, port: int) -> None:
    import sys

    import uvicorn

    from ..console.events import end_event_streams, open_event_streams
    from ..service.timeouts import uvicorn_config

    server = uvicorn.Server(uvicorn_config(app, host, port, log_level="warning"))
    original_startup = server.startup

    async def startup(sockets=None):  # print the bound address once listening (port 0 picks a free one)
        await original_startup(sockets)
        for listener in server.servers:
            for sock in listener.sockets:
                bound_host, bound_port = sock.getsockname()[:2]
                print(f"sre-agent serving on http://{bound_host}:{bound_port}", file=sys.stderr, flush=True)

    server.startup = startup  # type: ignore[method-assign]
    original_shutdown = server.shutdown

    async def shutdown(sockets=None):  # the console's event streams end first: uvicorn waits for open responses
        end_event_streams()
        await original_shutdown(sockets)

    server.shutdown = shutdown  # type: ignore[method-assign]
    open_event_streams()
    server.run()

