"""sre-agent's configuration: one pydantic-settings model, read once per command.

Sources, strongest first: command-line flags (passed in as overrides), environment variables
(`SRE_AGENT_<FIELD>`, and `SRE_AGENT_<SECTION>_<FIELD>` inside a section, e.g.
`SRE_AGENT_LLM_RETRIES=3`), the YAML file named by `--config` or `SRE_AGENT_CONFIG`, then the
defaults below. docs/configuration.md is generated from this model and its sections
(settings_sections.py, service_settings.py; tests fail when it is stale), so a field's description
is its documentation.

Credentials of other tools (AWS, Anthropic, OpenAI, kubeconfig) are never copied into this model:
the SDKs read their own variables, listed in `EXTERNAL_ENV` so they are documented too."""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from ..brains.llm.settings import LlmSettings
from ..memory.settings import MemorySettings
from .clusters import ClusterSettings, unique_clusters
from .service_settings import ServiceSettings
from .settings_sections import (
    AlertmanagerSettings,
    AwsSettings,
    BudgetSettings,
    CheckpointSettings,
    EscalationSettings,
    EvalSettings,
    KubernetesSettings,
    MetricsSettings,
    PolicySettings,
    TracingSettings,
)

ENV_PREFIX = "SRE_AGENT_"
CONFIG_FILE_ENV = "SRE_AGENT_CONFIG"

BrainName = Literal["offline", "bedrock", "anthropic", "openai"]


def default_state_dir() -> Path:
    """Per user, not per working directory: the same incidents whichever directory a command runs in."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "sre-agent"


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
