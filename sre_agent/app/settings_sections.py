"""The smaller settings sections: kubernetes, aws, policy, budget, checkpoint, escalation, tracing, metrics, alertmanager, eval."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from ..graph.state import MetricsSource

RemediationMode = Literal["auto", "approve", "off"]
TracingMode = Literal["off", "auto", "api", "daemon"]


class Section(BaseModel):
    # A typo in a config file must fail loudly, not be ignored.
    model_config = ConfigDict(extra="forbid")


# A list read from an env var or a flag as `a,b` (not JSON), or from YAML as a list.
CommaList = Annotated[list[str], NoDecode]


def comma_list(value: Any) -> Any:
    """`a,b` from an env var or a flag, or a YAML list."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class KubernetesSettings(Section):
    """Which cluster the kubernetes MCP server talks to (kubectl's conventions)."""

    kubeconfig: Path | None = Field(None, description="kubeconfig file (default: KUBECONFIG, then ~/.kube/config, "
                                                      "then in-cluster config)")
    context: str | None = Field(None, description="kubeconfig context (default: the current context)")


class AwsSettings(Section):
    """Which AWS account and region the cloudwatch and ssm MCP servers use (the AWS CLI's conventions)."""

    profile: str | None = Field(None, description="AWS profile (default: AWS_PROFILE, then the default chain)")
    region: str | None = Field(None, description="AWS region (default: AWS_REGION / AWS_DEFAULT_REGION / the profile's)")



class PolicySettings(Section):
    """What the responder may change. Writes are off unless remediation is auto or approve AND the
    target namespace is listed; node and instance actions need their own switch."""

    remediation: RemediationMode = Field("approve", description="auto: low-risk fixes run unattended, the rest ask a "
                                                                "human; approve: every fix asks; off: diagnose only")
    namespaces: CommaList = Field(default_factory=list, description="namespaces fixes may touch, comma-separated "
                                                                    "('*' = all); empty = none")
    allow_node_actions: bool = Field(False, description="allow cordon/uncordon, removing a node taint and SSM commands on nodes")
    ssm_targets: CommaList = Field(default_factory=list, description="EC2/managed instance ids SSM writes may target "
                                                                     "('*' = any), comma-separated")
    approval_timeout_s: float = Field(300.0, gt=0, description="how long a proposed fix waits for a human, in seconds")
    verify_timeout_s: float = Field(90.0, gt=0, description="how long verification waits for the fix to show, in seconds "
                                    "(a healthy resource whose alarm lags gets the alarm's own window); "
                                    "a fix that does not verify escalates, never undone")
    verify_poll_s: float = Field(2.0, gt=0, description="seconds between verification checks")

    _split = field_validator("namespaces", "ssm_targets", mode="before")(comma_list)


class BudgetSettings(Section):
    """Limits of one investigation (max_*: a run that reaches one escalates with what it knows), and the service's
    LLM spend caps over all its runs (daily_cost_usd, monthly_cost_usd: once one is reached, new runs use the offline
    brain)."""

    max_steps: int = Field(16, ge=1, description="questions the supervisor may ask the specialists")
    max_seconds: float = Field(300.0, gt=0, description="wall-clock seconds")
    max_tokens: int = Field(200_000, ge=0, description="LLM input + output tokens")
    max_cost_usd: float = Field(2.0, ge=0, description="LLM spend in US dollars")
    daily_cost_usd: float | None = Field(None, ge=0, description="`serve`: LLM spend of all runs this UTC day, in US "
                                         "dollars (a run's spend counts on the day of its last step); when reached, "
                                         "new runs use the offline brain and their reports say why -- runs already "
                                         "started keep theirs; unset: no cap")
    monthly_cost_usd: float | None = Field(None, ge=0, description="`serve`: LLM spend of all runs this UTC calendar "
                                           "month, in US dollars; when reached, new runs use the offline brain until "
                                           "the month ends (as daily_cost_usd); unset: no cap")


class CheckpointSettings(Section):
    """Where LangGraph checkpoints and the action ledger live."""

    dsn: str | None = Field(None, description="postgresql://... for several replicas; default SQLite in the state dir")


class EscalationSettings(Section):
    """Where escalations (and approval requests) are paged: every channel set here gets each message."""

    sns_topic_arn: str | None = Field(None, description="SNS topic escalations are published to")
    webhook_url: str | None = Field(None, description="URL escalations are POSTed to as JSON {\"text\": ...}")
    slack_webhook_url: SecretStr | None = Field(None, description="Slack incoming webhook URL (a secret: it carries "
                                                                  "the token)")
    teams_webhook_url: SecretStr | None = Field(None, description="Microsoft Teams Workflows webhook URL (a secret: it "
                                                                  "carries the signature); gets an Adaptive Card")
    notify_finished: bool = Field(False, description="also notify when a run finishes, whatever its status")
    retries: int = Field(3, ge=1, le=10, description="attempts per channel and message (1 = no retry); connection "
                                                     "errors, timeouts, HTTP 429 and 5xx are retried with backoff")


class TracingSettings(Section):
    """AWS X-Ray tracing of every run."""

    mode: TracingMode = Field("auto", description="auto: the X-Ray daemon when AWS_XRAY_DAEMON_ADDRESS is set, else the "
                                                  "PutTraceSegments API when an AWS endpoint is configured; off; api; daemon")


class MetricsSettings(Section):
    """Where the Metrics agent reads metrics: CloudWatch, Prometheus (its own MCP server, mcp_servers/prometheus), or
    both. An alert that came from Alertmanager is read in Prometheus terms -- its rule's PromQL, its labels -- whenever
    Prometheus is a source."""

    source: MetricsSource = Field("cloudwatch", description="cloudwatch, prometheus or both "
                                                                "(prometheus and both need metrics.prometheus_url)")
    prometheus_url: str | None = Field(None, description="Prometheus' base URL (http://prometheus:9090), or an Amazon "
                                       "Managed Service for Prometheus workspace URL with metrics.prometheus_sigv4")
    prometheus_sigv4: bool = Field(False, description="sign Prometheus requests with SigV4 (Amazon Managed Service for "
                                   "Prometheus), with the aws.region and aws.profile settings")

    @model_validator(mode="after")
    def _needs_url(self) -> MetricsSettings:
        if self.source != "cloudwatch" and not self.prometheus_url:
            raise ValueError(f"metrics.source {self.source} needs metrics.prometheus_url (SRE_AGENT_METRICS_PROMETHEUS_URL), "
                             "e.g. http://prometheus:9090")
        return self


class AlertmanagerSettings(Section):
    """Alertmanager, where alerts that came in through its webhook live: a fix for one is verified by the
    alert's state there (its API), never by a CloudWatch alarm of the same name."""

    url: str | None = Field(None, description="Alertmanager's base URL (http://alertmanager:9093); its "
                            "/api/v2/alerts is read after a fix. Unset: only a `resolved` notification the service "
                            "receives clears the alert")


class EvalSettings(Section):
    """`sre-agent eval` and `sre-agent bench`."""

    nab_dir: Path | None = Field(None, description="NAB data directory (realAWSCloudwatch series and labels) for the "
                                                   "anomaly benchmark; default ../shared/nab beside the checkout")
