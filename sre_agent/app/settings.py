"""sre-agent's configuration: one pydantic-settings model, read once per command.

Sources, strongest first: command-line flags (passed in as overrides), environment variables
(`SRE_AGENT_<FIELD>`, and `SRE_AGENT_<SECTION>_<FIELD>` inside a section, e.g.
`SRE_AGENT_LLM_RETRIES=3`), the YAML file named by `--config` or `SRE_AGENT_CONFIG`, then the
defaults below. docs/configuration.md is generated from this module (tests fail when it is stale),
so a field's description is its documentation.

Credentials of other tools (AWS, Anthropic, OpenAI, kubeconfig) are never copied into this model:
the SDKs read their own variables, listed in `EXTERNAL_ENV` so they are documented too."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from ..brains.llm.settings import LlmSettings
from ..contracts import DEFAULT_GROUP_ROLES, Role
from ..graph.state import MetricsSource
from ..memory.settings import MemorySettings
from .clusters import ClusterSettings, unique_clusters
from .schedules import ScheduledSweep, unique_names

ENV_PREFIX = "SRE_AGENT_"
CONFIG_FILE_ENV = "SRE_AGENT_CONFIG"

BrainName = Literal["offline", "bedrock", "anthropic", "openai"]
RemediationMode = Literal["auto", "approve", "off"]
TracingMode = Literal["off", "auto", "api", "daemon"]


def default_state_dir() -> Path:
    """Per user, not per working directory: the same incidents whichever directory a command runs in."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "sre-agent"


class Section(BaseModel):
    # A typo in a config file must fail loudly, not be ignored.
    model_config = ConfigDict(extra="forbid")


# A list read from an env var or a flag as `a,b` (not JSON), or from YAML as a list.
CommaList = Annotated[list[str], NoDecode]


def _comma_list(value: Any) -> Any:
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

    _split = field_validator("namespaces", "ssm_targets", mode="before")(_comma_list)


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


class ServiceSettings(Section):
    """`sre-agent serve`."""

    host: str = Field("127.0.0.1", description="bind address")
    port: int = Field(8080, ge=0, le=65535, description="port (0: any free port)")
    token: SecretStr | None = Field(None, description="bearer token callers must send (required unless OIDC is set, "
                                                      "or bound to loopback with insecure_localhost); with OIDC it "
                                                      "still works, with every role, for one person or automation")
    insecure_localhost: bool = Field(False, description="allow no token, only when bound to loopback")
    oidc_issuer: str | None = Field(None, description="OpenID Connect issuer whose JWT access tokens callers may send "
                                    "(beside or instead of the token), exactly as its tokens' iss says it: Cognito "
                                    "https://cognito-idp.<region>.amazonaws.com/<pool-id>, Entra ID "
                                    "https://login.microsoftonline.com/<tenant>/v2.0, Keycloak https://<host>/realms/"
                                    "<realm>; its discovery document and JWKS are fetched from it. Set with "
                                    "oidc_audience")
    oidc_audience: str | None = Field(None, description="the audience a token must name in aud (or, without aud, in "
                                      "client_id, as Cognito access tokens do): the app client id or API identifier "
                                      "registered for this service")
    oidc_groups_claim: str = Field("cognito:groups", min_length=1, description="the token claim listing the caller's "
                                   "groups (Entra ID: roles or groups; Keycloak and Okta: groups)")
    oidc_roles: Annotated[dict[str, Role], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_GROUP_ROLES), description="group -> role: viewer (reads), responder "
        "(opens investigations, pins actions in chat), approver (approves or rejects actions); a group not named grants "
        "nothing. In the environment: group=role,group=role (or a JSON object)")
    oidc_client_id: str | None = Field(None, description="the web console's OIDC client id: people sign in to /ui at "
                                       "the issuer (authorization code + PKCE); register <service>/ui/login/callback "
                                       "as its redirect URI and <service>/ui/login as its post-logout redirect URI. "
                                       "Default: oidc_audience (a Cognito app client id is both)")
    oidc_client_secret: SecretStr | None = Field(None, description="the console client's secret, for a confidential "
                                                 "client (a Cognito app client with a secret, an Entra web app); "
                                                 "unset: a public client, PKCE alone")
    oidc_scopes: str = Field("openid email profile", description="the scopes the console's sign-in asks for "
                             "(openid is required); add the API's own scope (Entra: api://<app-id>/<scope>) for its "
                             "access token to carry the roles the API would grant")
    console_session_secret: SecretStr | None = Field(None, description="the key the console's session cookies are "
                                                     "signed with; default: derived from service.token, else random "
                                                     "per process -- with OIDC alone, set it for sessions that "
                                                     "survive a restart and work across replicas")
    two_person_rule: bool = Field(False, description="an action pinned by an investigation a person opened must be "
                                  "approved by another person (rejecting stays open to anyone with the approver "
                                  "role); needs OIDC: the static token names nobody, so it cannot approve then")
    workers: int | None = Field(None, ge=1, le=64, description="investigations run at once (default: 2 per core, 2..8); "
                                                             "a run waiting for an approval holds none")
    step_processes: int | None = Field(None, ge=0, le=64, description="processes the investigation steps run in, "
                                       "apart from the intake (default: half the cores, 1..workers); 0: a thread of "
                                       "the serve process")
    step_nice: int = Field(10, ge=0, le=19, description="CPU niceness added to the step processes, so that alarm "
                           "intake wins the cores under load")
    max_queue: int = Field(200, ge=1, description="investigations waiting for a worker before new alarms get 429 + "
                                                  "Retry-After (notifications for an open incident are always taken)")
    public_url: str | None = Field(None, description="the URL people reach the service at, for links in approval "
                                                     "requests and the console's OIDC redirect URIs (e.g. "
                                                     "https://sre-agent.example.com); unset, the console builds them "
                                                     "from the request's scheme and Host")
    allowed_hosts: CommaList = Field(default_factory=list, description="Host header values accepted (DNS-rebinding "
                                     "defence); default: loopback names when bound to loopback, else any ('*')")
    allowed_origins: CommaList = Field(default_factory=list, description="browser Origins allowed to POST (e.g. a "
                                       "console's https://console.example.com); any other cross-site POST is refused")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="largest request body accepted (413 above it)")
    sns_topic_arns: CommaList = Field(default_factory=list, description="SNS topics whose signed notifications "
                                      "POST /v1/alarms/sns accepts (none configured: that route refuses everything)")
    sqs_queue_url: str | None = Field(None, description="consume alarm notifications from this SQS queue (several "
                                                        "replicas may share it)")
    sqs_dead_letter_queue_url: str | None = Field(None, description="where SQS messages that can never be an alarm "
                                                                    "go at once (others: the queue's RedrivePolicy)")
    sweeps: list[ScheduledSweep] = Field(default_factory=list, description="scheduled health sweeps: [{name, cron, "
                                         "namespace, open_incidents, severity, timezone, cluster}]; a problem new since "
                                         "the previous sweep opens an incident; with `clusters:`, each sweeps every "
                                         "configured cluster (or its `cluster`), each reported on its own")
    chat_session_ttl_s: float = Field(86400.0, gt=0, description="a chat session (POST /v1/sessions, /invocations, "
                                      "the console's chat) idle this long expires: its id then answers 404")
    chat_max_sessions: int = Field(500, ge=1, description="live chat sessions kept at once; a new session past it "
                                   "closes the one idle longest (its id then answers 404 saying so)")
    chat_max_messages: int = Field(100, ge=1, le=10000, description="questions one chat session answers; then 409: "
                                   "start a new session")
    chat_max_question_chars: int = Field(2000, ge=1, le=4000, description="characters in one chat question (413 "
                                         "above it)")
    lease_s: float = Field(60.0, ge=5, le=3600, description="advanced: how long a worker's claim on a run lasts "
                           "without renewal (renewed every third of it); a run whose replica died is carried on by "
                           "another worker this long after its last renewal")

    _lists = field_validator("allowed_hosts", "allowed_origins", "sns_topic_arns", mode="before")(_comma_list)

    @field_validator("oidc_roles", mode="before")
    @classmethod
    def _role_map(cls, value: Any) -> Any:
        """`group=role,group=role` (or a JSON object) from an env var or a flag; a mapping from YAML."""
        if isinstance(value, str):
            if value.strip().startswith("{"):
                return json.loads(value)
            pairs = [item.partition("=") for item in value.split(",") if item.strip()]
            bad = [group for group, eq, role in pairs if not eq or not group.strip() or not role.strip()]
            if bad:
                raise ValueError(f"write the group -> role map as group=role,group=role (got {value[:80]!r})")
            return {group.strip(): role.strip() for group, _, role in pairs}
        return value

    @model_validator(mode="after")
    def _oidc_complete(self) -> ServiceSettings:
        if (self.oidc_issuer is None) != (self.oidc_audience is None):
            given, missing = (("oidc_issuer", "oidc_audience") if self.oidc_issuer is not None
                              else ("oidc_audience", "oidc_issuer"))
            raise ValueError(f"service.{given} is set but service.{missing} is not: OIDC needs both -- the issuer "
                             "(SRE_AGENT_SERVICE_OIDC_ISSUER) and the audience its tokens name for this service "
                             "(SRE_AGENT_SERVICE_OIDC_AUDIENCE) -- or neither")
        if self.oidc_issuer is not None:
            issuer = urlsplit(self.oidc_issuer)
            if not issuer.hostname or (issuer.scheme != "https" and issuer.hostname not in ("127.0.0.1", "localhost", "::1")):
                raise ValueError(f"service.oidc_issuer must be the issuer's https URL, as its tokens' iss claim says it "
                                 f"(got {self.oidc_issuer[:120]!r}); plain http is allowed on loopback only")
        if self.oidc_issuer is None and (self.oidc_client_id or self.oidc_client_secret):
            raise ValueError("service.oidc_client_id and service.oidc_client_secret are the console's OIDC client: "
                             "they need service.oidc_issuer and service.oidc_audience")
        if "openid" not in self.oidc_scopes.split():
            raise ValueError(f"service.oidc_scopes must include openid (got {self.oidc_scopes[:120]!r}): the console's "
                             "sign-in needs the ID token")
        if self.two_person_rule and self.oidc_issuer is None:
            raise ValueError("service.two_person_rule needs OIDC (service.oidc_issuer and service.oidc_audience): the "
                             "rule tells people apart by their tokens, and the static token names nobody")
        return self

    @field_validator("sweeps", mode="after")
    @classmethod
    def _unique_sweeps(cls, value: list[ScheduledSweep]) -> list[ScheduledSweep]:
        unique_names(value)
        return value


class EvalSettings(Section):
    """`sre-agent eval` and `sre-agent bench`."""

    nab_dir: Path | None = Field(None, description="NAB data directory (realAWSCloudwatch series and labels) for the "
                                                   "anomaly benchmark; default ../shared/nab beside the checkout")


class Settings(BaseSettings):
    """Everything `sre-agent` can be configured with."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="_", env_nested_max_split=1,
                                      extra="forbid", nested_model_default_partial_update=True)

    brain: BrainName = Field("offline", description="offline (deterministic, no LLM), bedrock, anthropic or openai")
    state_dir: Path = Field(default_factory=lambda: default_state_dir(), json_schema_extra={"shown_default": "~/.local/state/sre-agent"},
                            description="checkpoints, the action ledger, the audit log and reports "
                                        "(default: $XDG_STATE_HOME/sre-agent, i.e. ~/.local/state/sre-agent)")
    kubernetes: KubernetesSettings = Field(default_factory=KubernetesSettings)
    aws: AwsSettings = Field(default_factory=AwsSettings)
    clusters: list[ClusterSettings] = Field(default_factory=list, description="several clusters, one responder: "
                                            "[{name, context | eks: {region}, aws_account, aws_profile, aws_region, "
                                            "namespaces, remediation}] (YAML, or JSON in the variable); each incident "
                                            "is routed to the cluster its alarm names, and one whose cluster cannot be "
                                            "told is investigated in none (docs/clusters.md). Empty: the one cluster "
                                            "of kubernetes.context")
    llm: LlmSettings = Field(default_factory=LlmSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    checkpoint: CheckpointSettings = Field(default_factory=CheckpointSettings)
    memory: MemorySettings = Field(default_factory=MemorySettings)
    escalation: EscalationSettings = Field(default_factory=EscalationSettings)
    tracing: TracingSettings = Field(default_factory=TracingSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    alertmanager: AlertmanagerSettings = Field(default_factory=AlertmanagerSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    eval: EvalSettings = Field(default_factory=EvalSettings)

    @field_validator("clusters", mode="after")
    @classmethod
    def _unique_clusters(cls, value: list[ClusterSettings]) -> list[ClusterSettings]:
        return unique_clusters(value)

    @model_validator(mode="after")
    def _sweeps_in_configured_clusters(self) -> Settings:
        """A scheduled sweep's `cluster` names one of `clusters` (the two lists meet only here)."""
        names = [c.name for c in self.clusters]
        for sweep in self.service.sweeps:
            if sweep.cluster is not None and sweep.cluster not in names:
                known = f"the configured clusters are {', '.join(names)}" if names else "no clusters are configured"
                raise ValueError(f"service.sweeps: sweep {sweep.name!r} names cluster {sweep.cluster!r}, but {known} "
                                 "(`clusters:`); name one of them, or leave `cluster` out to sweep every one")
        return self

    @field_validator("state_dir", mode="after")
    @classmethod
    def _expand_user(cls, value: Path) -> Path:
        return value.expanduser()

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource) -> tuple[PydanticBaseSettingsSource, ...]:
        # Flags, then the environment, then the config file (loaded by `load_settings`, passed as the
        # lowest-priority source); no .env or secrets-dir magic.
        return init_settings, env_settings, _FileSource(settings_cls)


class ConfigError(ValueError):
    """The configuration cannot be used; the message says what was wrong, where, and what to do."""


# The config file's content during one `load_settings` call (sources are built per class, not per
# call, so the file travels beside them). The default is a read-only empty mapping: a shared
# mutable default would leak whatever one caller put into it into every other context.
_FILE_CONTENT: ContextVar[Mapping[str, Any]] = ContextVar("sre_agent_config_file", default=MappingProxyType({}))


class _FileSource(PydanticBaseSettingsSource):
    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return _FILE_CONTENT.get().get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_FILE_CONTENT.get())


def config_file_path(explicit: Path | None = None, env: dict[str, str] | None = None) -> Path | None:
    env = os.environ if env is None else env
    if explicit is not None:
        return explicit
    named = env.get(CONFIG_FILE_ENV)
    return Path(named) if named else None


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        content = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from None
    if content is None:
        return {}
    if not isinstance(content, dict):
        raise ConfigError(f"config file {path} must be a mapping of settings (see docs/configuration.md), "
                          f"not a {type(content).__name__}")
    return content


def load_settings(overrides: dict[str, Any] | None = None, *, config_file: Path | None = None) -> Settings:
    """The settings for one command: `overrides` are the flags the user gave (nested dicts for
    sections, None values ignored), then the environment, then the config file, then defaults."""
    path = config_file_path(config_file)
    token = _FILE_CONTENT.set(read_config_file(path) if path else {})
    try:
        return Settings(**_drop_none(overrides or {}))
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, path)) from None
    except SettingsError as exc:  # an env var that cannot be parsed at all
        raise ConfigError(f"invalid configuration in the environment: {exc}") from None
    finally:
        _FILE_CONTENT.reset(token)


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            value = _drop_none(value)
            if value:
                kept[key] = value
        elif value is not None:
            kept[key] = value
    return kept


def env_var(*path: str) -> str:
    """The environment variable for a field: env_var("llm", "retries") -> SRE_AGENT_LLM_RETRIES."""
    return ENV_PREFIX + "_".join(path).upper()


def describe_validation_error(exc: ValidationError, path: Path | None) -> str:
    where = f" (config file {path}, environment or flags)" if path else " (environment or flags)"
    lines = [f"invalid configuration{where}:"]
    for error in exc.errors():
        location = [str(part) for part in error["loc"]]
        dotted = ".".join(location)
        hint = f"{dotted} / {env_var(*location)}" if location else "(top level)"
        if error["type"] == "extra_forbidden":
            lines.append(f"  {hint}: unknown setting; see `sre-agent config show` for the known ones")
        else:
            lines.append(f"  {hint}: {error['msg']} (got {error.get('input')!r})")
    return "\n".join(lines)


# Variables of other tools that sre-agent (or the SDKs it drives) honours; documented beside ours.
EXTERNAL_ENV: dict[str, str] = {
    "XDG_STATE_HOME": "base of the default state dir (~/.local/state when unset)",
    "KUBECONFIG": "kubeconfig path(s), as kubectl reads them; passed to the kubernetes MCP server",
    "KUBERNETES_SERVICE_HOST": "set inside a pod: no kubeconfig means the in-cluster API (it names the cluster for the action ledger)",
    "AWS_PROFILE": "AWS profile for the cloudwatch and ssm servers, X-Ray and Bedrock",
    "AWS_REGION": "AWS region (also AWS_DEFAULT_REGION)",
    "AWS_DEFAULT_REGION": "AWS region when AWS_REGION is not set",
    "AWS_ACCESS_KEY_ID": "static AWS credentials (also AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)",
    "AWS_SECRET_ACCESS_KEY": "static AWS credentials",
    "AWS_SESSION_TOKEN": "temporary AWS credentials",
    "AWS_ENDPOINT_URL": "a non-AWS endpoint for every AWS service (the lab's moto server sets it)",
    "AWS_ENDPOINT_URL_XRAY": "a non-AWS endpoint for X-Ray only",
    "AWS_ENDPOINT_URL_SNS": "a non-AWS endpoint for SNS only (escalations to an SNS channel)",
    "AWS_XRAY_DAEMON_ADDRESS": "the X-Ray daemon (host:port); with tracing mode auto, traces go there",
    "AWS_XRAY_SDK_ENABLED": "false turns tracing off, as in the X-Ray SDK",
    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "a non-AWS endpoint for Bedrock Runtime only (--brain bedrock; a gateway or a test server)",
    "ANTHROPIC_API_KEY": "key for --brain anthropic",
    "ANTHROPIC_BASE_URL": "another endpoint for --brain anthropic (a gateway or a test server)",
    "OPENAI_API_KEY": "key for --brain openai on api.openai.com",
    "OPENAI_BASE_URL": "any OpenAI-compatible endpoint for --brain openai (set llm.openai_model too)",
    "SRE_AGENT_LLAMA_PYTHON": "the Python of a llama-cpp-python[server] build for `make llm-local` and the real-model "
                              "tests (default .llm-venv/bin/python)",
}


def redacted(settings: Settings) -> dict[str, Any]:
    """The settings as `config show` prints them: secrets masked, paths as strings."""
    return settings.model_dump(mode="json")  # SecretStr dumps as '**********'
