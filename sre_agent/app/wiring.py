"""From run options to a runnable graph: the brain, the MCP toolbox, the checkpointer, the action
ledger, the notifier -- the one place that knows every concrete implementation behind the
graph's ports."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from ..brains.llm.settings import LlmSettings
from ..graph.builder import build_graph
from ..graph.context import RunContext
from ..graph.ledger import ActionLedger, PostgresActionLedger
from ..graph.policy import RemediationPolicy
from ..graph.ports import AlertReader, Brain
from .alert_state import AlertmanagerAlerts
from .cluster import cluster_identity
from .notify import Notifier
from .options import RunOptions
from .remembering import incident_recall, memory_store
from .replay_tools import toolbox_override
from .servers import ServerConnection, stdio_servers
from .toolbox import Toolbox


def make_brain(name: str, llm: LlmSettings | None = None) -> Brain:
    """The brain a run asks for; an LLM provider missing its settings fails here, before servers start."""
    if name == "offline":
        from ..brains.offline.brain import OfflineBrain

        return OfflineBrain()
    from ..brains.llm.factory import make_llm_brain  # provider SDKs load only when an LLM brain is asked for

    return make_llm_brain(name, settings=llm)


def checkpoint_serde():
    """Checkpoints hold our own pydantic state types; say so, rather than rely on unchecked deserialisation."""
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    from .. import contracts
    from ..graph import state, topology

    allowed = [(module.__name__, name) for module in (state, topology, contracts) for name, value in vars(module).items()
               if isinstance(value, type) and getattr(value, "__module__", None) == module.__name__]
    return JsonPlusSerializer(allowed_msgpack_modules=allowed)


async def open_checkpointer(options: RunOptions, stack: AsyncExitStack):
    """PostgreSQL when a DSN is given (several replicas share it), else SQLite in the state dir."""
    if options.checkpoint_dsn:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        saver = await stack.enter_async_context(AsyncPostgresSaver.from_conn_string(options.checkpoint_dsn,
                                                                                   serde=checkpoint_serde()))
        await saver.setup()
        return saver
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    options.state_dir.mkdir(parents=True, exist_ok=True)
    conn = await stack.enter_async_context(aiosqlite.connect(str(options.state_dir / "checkpoints.sqlite")))
    return AsyncSqliteSaver(conn, serde=checkpoint_serde())


def make_notifier(options: RunOptions) -> Notifier:
    # SNS pages through the run's AWS environment (options.env over the process's), the one its servers read:
    # a lab run's topic is in the lab's moto account, which the process's own credentials (if any) cannot reach.
    return Notifier(options.escalation_sns_topic_arn, options.escalation_webhook_url,
                    slack_webhook_url=options.escalation_slack_webhook_url,
                    teams_webhook_url=options.escalation_teams_webhook_url,
                    notify_finished=options.escalation_notify_finished, attempts=options.escalation_retries,
                    aws_env={**os.environ, **options.env})


def make_policy(options: RunOptions) -> RemediationPolicy:
    return RemediationPolicy(mode=options.remediation, namespaces=options.namespaces,
                             allow_node_actions=options.allow_node_actions,
                             approval_timeout_s=options.approval_timeout_s)


def make_ledger(options: RunOptions) -> ActionLedger | PostgresActionLedger:
    """One action per fault *per cluster*: the ledger is scoped by the cluster the run acts on."""
    scope = cluster_identity(options)
    if options.checkpoint_dsn:
        return PostgresActionLedger(options.checkpoint_dsn, scope=scope)
    return ActionLedger(options.state_dir / "actions.sqlite", scope=scope)


def server_connections(options: RunOptions) -> dict[str, ServerConnection]:
    """The servers a run talks to: as configured, or the three over stdio with writes gated by policy."""
    return options.servers or stdio_servers(
        options.env, allow_writes=options.remediation != "off", namespaces=options.namespaces,
        ssm_targets=options.ssm_targets if options.allow_node_actions else [], node_writes=options.allow_node_actions,
        audit_log=str(options.state_dir / "audit.jsonl"), extra_args=options.server_args,
        prometheus=prometheus_args(options))


def prometheus_args(options: RunOptions) -> list[str] | None:
    """The Prometheus server's flags when Prometheus is a metrics source (metrics.source), else None: not started."""
    if options.metrics_source == "cloudwatch" or not options.prometheus_url:
        return None
    region = options.server_args.get("cloudwatch", [])  # --profile / --region, as the AWS servers get them
    return ["--prometheus-url", options.prometheus_url, *(["--prometheus-sigv4", *region] if options.prometheus_sigv4 else [])]


def live_toolbox(options: RunOptions, tracer: Any) -> Toolbox:
    """The MCP toolbox over the run's servers (entered as an async context manager)."""
    return Toolbox(server_connections(options), tracer=tracer)


@asynccontextmanager
async def wired_run(options: RunOptions, brain: Brain, tracer: Any,
                    alerts: list[AlertReader] | None = None) -> AsyncIterator[tuple[Any, RunContext]]:
    """The compiled, checkpointed graph and the run's context, with MCP sessions open until exit. `alerts`:
    readers of an Alertmanager alert besides Alertmanager's own API (the service's resolved notifications)."""
    options.state_dir.mkdir(parents=True, exist_ok=True)
    async with AsyncExitStack() as stack:
        with tracer.node_span("connect"):  # starting the MCP servers is often most of a short run
            # A recorder or a replayer (app/replay_tools.py) may stand in for the live toolbox.
            opened = (toolbox_override.get() or live_toolbox)(options, tracer)
            toolbox = await stack.enter_async_context(opened)
        graph = build_graph(await open_checkpointer(options, stack))
        ledger = make_ledger(options)
        stack.callback(ledger.close)
        store = memory_store(options)
        if store is not None:
            stack.callback(store.close)
        context = RunContext(brain=brain, tools=toolbox, policy=make_policy(options), tracer=tracer,
                             notifier=make_notifier(options), ledger=ledger,
                             memory=incident_recall(options, store) if store else None,
                             verify_timeout_s=options.verify_timeout_s, verify_poll_s=options.verify_poll_s,
                             world_speed=options.world_speed, cluster=options.cluster, alerts=[
                                 *(alerts or []),
                                 *([AlertmanagerAlerts(options.alertmanager_url)] if options.alertmanager_url else [])])
        yield graph, context
