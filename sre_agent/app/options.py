"""What one run may do and where it keeps its state: the per-run options the CLI, the service and
the evaluation harness fill in. `RunOptions.from_settings` turns the application's settings into
these; a caller with a sandbox of its own (the lab, the evaluation harness) adjusts them per run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, SecretStr

from ..brains.llm.settings import LlmSettings
from ..graph.state import Budget, MetricsSource
from ..memory.settings import MemorySettings
from .servers import ServerConnection

if TYPE_CHECKING:
    from .settings import Settings


class RunOptions(BaseModel):
    brain: Literal["offline", "bedrock", "anthropic", "openai"] = "offline"
    llm: LlmSettings = Field(default_factory=LlmSettings)
    # Why `brain` is not the one configured: the service's LLM spend cap was reached (service/spend_caps.py).
    brain_reason: str | None = None
    remediation: Literal["auto", "approve", "off"] = "approve"
    namespaces: list[str] = Field(default_factory=list)
    # The configured cluster (the config's `clusters:` list, app/clusters.py) this run is in; None: the single-cluster
    # responder, whose cluster is whatever its kubeconfig context names.
    cluster: str | None = None
    allow_node_actions: bool = False
    ssm_targets: list[str] = Field(default_factory=list, description="instance ids SSM writes may target ('*' = any)")
    state_dir: Path = Path(".sre-agent")
    checkpoint_dsn: str | None = None  # postgresql://... ; default SQLite in state_dir
    servers: dict[str, ServerConnection] | None = None  # default: the three servers over stdio
    server_args: dict[str, list[str]] = Field(default_factory=dict)  # extra flags per stdio server (targeting)
    env: dict[str, str] = Field(default_factory=dict)  # KUBECONFIG / AWS_* for stdio servers
    budget: Budget = Field(default_factory=Budget)
    verify_timeout_s: float = 90.0
    verify_poll_s: float = 2.0
    # Seconds of the watched world per wall-clock second: 1 against a real cluster; the lab clock's speed in a sandbox,
    # where an alarm's evaluation window (world time) passes that many times faster.
    world_speed: float = 1.0
    alertmanager_url: str | None = None  # where an alert that came from Alertmanager is read back (app/alert_state.py)
    metrics_source: MetricsSource = "cloudwatch"
    prometheus_url: str | None = None  # with metrics_source prometheus/both: the Prometheus MCP server's backend
    prometheus_sigv4: bool = False
    approval_timeout_s: float = 300.0
    # One chat turn's bound: a turn that has not answered by then says so and the session stays usable (a loop or a
    # backend that never answers must not hang the on-call's terminal)
    chat_turn_timeout_s: float = 300.0
    escalation_sns_topic_arn: str | None = None
    escalation_webhook_url: str | None = None
    escalation_slack_webhook_url: SecretStr | None = None
    escalation_teams_webhook_url: SecretStr | None = None
    escalation_notify_finished: bool = False
    escalation_retries: int = 3
    tracing_mode: Literal["off", "auto", "api", "daemon"] = "auto"
    memory: MemorySettings = Field(default_factory=MemorySettings)

    def server_flag(self, server: str, flag: str) -> str | None:
        """The value a stdio server is given for `flag` (`--kubeconfig`, `--context`) in server_args, or None."""
        args = self.server_args.get(server, [])
        return args[args.index(flag) + 1] if flag in args[:-1] else None

    @classmethod
    def from_settings(cls, settings: Settings) -> RunOptions:
        policy, escalation = settings.policy, settings.escalation
        return cls(brain=settings.brain, llm=settings.llm, remediation=policy.remediation,
                   namespaces=policy.namespaces, allow_node_actions=policy.allow_node_actions,
                   ssm_targets=policy.ssm_targets, state_dir=settings.state_dir, checkpoint_dsn=settings.checkpoint.dsn,
                   server_args=_targeting_flags(settings),
                   # the run's own limits: the spend caps over all runs are the service's (service/spend_caps.py)
                   budget=Budget(**settings.budget.model_dump(include=set(Budget.model_fields))),
                   verify_timeout_s=policy.verify_timeout_s, verify_poll_s=policy.verify_poll_s,
                   approval_timeout_s=policy.approval_timeout_s,
                   escalation_sns_topic_arn=escalation.sns_topic_arn, escalation_webhook_url=escalation.webhook_url,
                   escalation_slack_webhook_url=escalation.slack_webhook_url,
                   escalation_teams_webhook_url=escalation.teams_webhook_url,
                   escalation_notify_finished=escalation.notify_finished, escalation_retries=escalation.retries,
                   tracing_mode=settings.tracing.mode, memory=settings.memory,
                   alertmanager_url=settings.alertmanager.url, metrics_source=settings.metrics.source,
                   prometheus_url=settings.metrics.prometheus_url, prometheus_sigv4=settings.metrics.prometheus_sigv4)


def _targeting_flags(settings: Settings) -> dict[str, list[str]]:
    """kubectl / AWS CLI targeting (--kubeconfig, --context, --profile, --region) as the servers' own flags."""
    kube, aws = settings.kubernetes, settings.aws
    kubernetes = [*(["--kubeconfig", str(kube.kubeconfig)] if kube.kubeconfig else []),
                  *(["--context", kube.context] if kube.context else [])]
    aws_flags = [*(["--profile", aws.profile] if aws.profile else []), *(["--region", aws.region] if aws.region else [])]
    return {"kubernetes": kubernetes, "cloudwatch": aws_flags, "ssm": list(aws_flags)}
