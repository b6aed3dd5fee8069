"""One settings model for the three MCP servers: every option has a flag and an `SRE_MCP_*`
environment variable, and the flag wins.

    SRE_MCP_ALLOW_WRITES=true SRE_MCP_NAMESPACES=shop python -m mcp_servers.kubernetes
    python -m mcp_servers.kubernetes --allow-writes --namespaces shop        # the same

`ServerSettings` is read from the environment (pydantic-settings, prefix `SRE_MCP_`); each server's
argument parser takes its defaults from it, so `--help` shows the value in force, and what the
command line says replaces it. Only fields a server uses become its flags (`cli_flags`).
`settings_reference_markdown()` renders the table docs/configuration.md includes.

The AWS servers also read the standard AWS environment (AWS_PROFILE, AWS_ENDPOINT_URL, credentials)
through boto3 -- and AWS_REGION through `environment_region`, as boto3 reads only
AWS_DEFAULT_REGION --, and the Kubernetes server reads KUBECONFIG through the official client (with
--eks-cluster, the AWS environment instead): those belong to their libraries and are not repeated here."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "SRE_MCP_"


class ServerSettings(BaseSettings):
    """Options shared by the kubernetes, cloudwatch and ssm servers (each uses the ones that apply)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    # --- serving ---------------------------------------------------------------------------------
    http: bool = Field(False, description="serve streamable HTTP instead of stdio")
    host: str = Field("127.0.0.1", description="HTTP bind address")
    port: int = Field(8000, ge=0, le=65535, description="HTTP port (0 = any free port; the bound address is printed)")
    token: str | None = Field(None, description="bearer token HTTP clients must send; required for HTTP unless "
                                                "--insecure-localhost on a loopback address")
    insecure_localhost: bool = Field(False, description="allow HTTP without a token, only when bound to a loopback address")
    log_level: str = Field("WARNING", description="log level of the server's stderr log (DEBUG, INFO, WARNING, ERROR)")
    max_result_chars: int = Field(24000, ge=1000, description="size cap of one tool result; longer results are cut "
                                                              "at a list boundary with a `truncated` notice")
    allow_sensitive_data_access: bool = Field(
        False, description="send tool results unredacted (off by default: secret-shaped values -- passwords, tokens, "
                           "keys, URL user-info, connection-string credentials -- are masked in every result); "
                           "Kubernetes Secret values and SecureString plaintext are never returned even then")
    # --- writes ----------------------------------------------------------------------------------
    allow_writes: bool = Field(False, description="enable write tools (off by default)")
    namespaces: str = Field("", description="comma-separated write allow-list: Kubernetes namespaces (kubernetes) or "
                                            "target instance ids (ssm); '*' = any; required with --allow-writes")
    allow_node_writes: bool = Field(False, description="with --allow-writes: also allow cluster-scoped writes (cordon, "
                                                      "uncordon, remove_node_taint) without '*' in --namespaces")
    audit_log: Path | None = Field(None, description="append-only JSON-lines file recording every write attempt")
    actor: str = Field("sre-agent", description="who the audit log names as the actor of a write")
    max_replicas: int = Field(1000, ge=1, description="largest replica count `scale` accepts; a larger request is "
                                                     "refused (and audited) as a likely mistake")
    # --- backends --------------------------------------------------------------------------------
    call_timeout: float | None = Field(None, gt=0, description="hard deadline in seconds for one tool's backend call, "
                                      "retries included (default: 15 kubernetes, 20 prometheus, 30 cloudwatch and ssm)")
    k8s_timeout: float = Field(10.0, gt=0, description="Kubernetes API request timeout in seconds")
    kubeconfig: str | None = Field(None, description="kubeconfig path (default: $KUBECONFIG, ~/.kube/config, in-cluster)")
    context: str | None = Field(None, description="kubeconfig context")
    eks_cluster: str | None = Field(None, description="an Amazon EKS cluster to reach by name instead of a kubeconfig "
                                    "(none is read): endpoint and CA from EKS DescribeCluster in --region (with --profile, "
                                    "--endpoint-url), each request with a bearer token minted as `aws eks get-token` mints "
                                    "it, minted again when 10 minutes old")
    cluster_name: str | None = Field(None, description="the name of the cluster this server talks to: a write whose "
                                     "expect_cluster names another is refused (default: the kubeconfig context's "
                                     "cluster entry, an EKS ARN's <name> tail; in-cluster: none)")
    region: str | None = Field(None, description="AWS region (default: AWS_REGION / AWS_DEFAULT_REGION / profile)")
    endpoint_url: str | None = Field(None, description="AWS endpoint override, e.g. a moto or LocalStack URL "
                                                       "(default: AWS_ENDPOINT_URL if set)")
    profile: str | None = Field(None, description="AWS profile name (default: AWS_PROFILE)")
    aws_connect_timeout: float = Field(3.0, gt=0, description="seconds to wait for a TCP connection to AWS")
    aws_read_timeout: float = Field(15.0, gt=0, description="seconds to wait for an AWS response")
    aws_max_attempts: int = Field(3, ge=1, description="attempts per AWS call, with standard retry backoff")
    # --- prometheus ------------------------------------------------------------------------------
    prometheus_url: str | None = Field(None, description="Prometheus' base URL (http://prometheus:9090), or an Amazon "
                                       "Managed Service for Prometheus workspace URL (https://aps-workspaces.<region>"
                                       ".amazonaws.com/workspaces/<id>) with --prometheus-sigv4")
    prometheus_sigv4: bool = Field(False, description="sign each request with SigV4 for Amazon Managed Service for "
                                   "Prometheus (service aps), with the AWS region and profile settings")
    prometheus_bearer_token: str | None = Field(None, description="bearer token Prometheus (or its proxy) wants")
    # --- runbooks (ssm) --------------------------------------------------------------------------
    runbooks_dir: Path | None = Field(None, description="directory of runbook YAML files replacing the built-in "
                                                        "library; published SSM runbooks still win")
    no_builtin_runbooks: bool = Field(False, description="serve only runbooks published in SSM (no built-in library)")
    no_ssm_runbooks: bool = Field(False, description="serve only the built-in library (or --runbooks-dir); "
                                                     "do not read runbook documents from SSM")


def environment_region(environ: dict[str, str] | None = None) -> str | None:
    """AWS_REGION, then AWS_DEFAULT_REGION. boto3 itself reads only AWS_DEFAULT_REGION (and the
    profile), while the AWS CLI v2 and the other SDKs read AWS_REGION first -- a shell that exports
    only AWS_REGION must not leave the servers without a region. None lets the profile decide."""
    environ = os.environ if environ is None else environ
    return environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None


def kubernetes_exec_info(environ: dict[str, str] | None = None) -> str:
    """KUBERNETES_EXEC_INFO: what kubectl tells an exec credential plugin (eks_token.py), such as the
    ExecCredential apiVersion it wants back; empty when not run by kubectl."""
    environ = os.environ if environ is None else environ
    return environ.get("KUBERNETES_EXEC_INFO", "")


# Flag spelling where it differs from the field name.
_FLAG_NAMES = {"aws_connect_timeout": "--connect-timeout", "aws_read_timeout": "--read-timeout",
               "aws_max_attempts": "--max-attempts"}
# Other spellings a flag accepts: AWS Labs' servers say --allow-sensitive-data-access, our design doc
# said --allow-sensitive-data; both work.
_FLAG_ALIASES = {"allow_sensitive_data_access": ("--allow-sensitive-data",)}
SERVING = ("http", "host", "port", "token", "insecure_localhost", "log_level", "max_result_chars",
           "allow_sensitive_data_access")
WRITES = ("allow_writes", "namespaces", "audit_log", "actor")
AWS = ("region", "endpoint_url", "profile", "aws_connect_timeout", "aws_read_timeout", "aws_max_attempts", "call_timeout")
KUBERNETES = ("kubeconfig", "context", "cluster_name", "k8s_timeout", "call_timeout", "max_replicas", "allow_node_writes",
              "eks_cluster", "region", "profile", "endpoint_url")
RUNBOOKS = ("runbooks_dir", "no_builtin_runbooks", "no_ssm_runbooks")
PROMETHEUS = ("prometheus_url", "prometheus_sigv4", "prometheus_bearer_token", "region", "profile", "call_timeout")
USED_BY = {"kubernetes": SERVING + WRITES + KUBERNETES, "cloudwatch": SERVING + AWS, "prometheus": SERVING + PROMETHEUS,
           "ssm": SERVING + WRITES + AWS + RUNBOOKS}


def flag_of(field: str) -> str:
    return _FLAG_NAMES.get(field, "--" + field.replace("_", "-"))


def env_of(field: str) -> str:
    return ENV_PREFIX + field.upper()


def cli_flags(parser: argparse.ArgumentParser, fields: tuple[str, ...], defaults: ServerSettings) -> None:
    """Add one flag per field, defaulting to the environment's value: the flag wins over the env."""
    for name in dict.fromkeys(fields):
        info = ServerSettings.model_fields[name]
        current = getattr(defaults, name)
        help_text = f"{info.description} (env {env_of(name)}"
        if info.annotation is bool:
            parser.add_argument(flag_of(name), *_FLAG_ALIASES.get(name, ()), dest=name, action="store_true", default=current,
                                help=help_text + ")")
            continue
        shown = "***" if name == "token" and current else current
        kind = _scalar(info.annotation)
        parser.add_argument(flag_of(name), dest=name, type=kind, default=current,
                            metavar=flag_of(name)[2:].upper().replace("-", "_"),
                            help=help_text + (f"; now {shown})" if shown not in (None, "") else ")"))


def _scalar(annotation: Any) -> Any:
    for candidate in (int, float, Path):
        if annotation is candidate or candidate in getattr(annotation, "__args__", ()):
            return candidate
    return str


def settings_from_args(args: argparse.Namespace) -> ServerSettings:
    """The settings in force: environment defaults overridden by the parsed flags."""
    values = {name: getattr(args, name) for name in ServerSettings.model_fields if hasattr(args, name)}
    return ServerSettings.model_validate({**ServerSettings().model_dump(), **values})


def settings_reference_markdown() -> str:
    """Every server setting as a markdown table: name, environment variable, flag, default, description."""
    servers_of = {name: [s for s, fields in USED_BY.items() if name in fields] for name in ServerSettings.model_fields}
    rows = ["| Setting | Environment variable | Flag | Default | Servers | Description |",
            "|---|---|---|---|---|---|"]
    for name, info in ServerSettings.model_fields.items():
        default = info.default
        shown = ("(unset)" if default is None else "(empty)" if default == ""
                 else f"`{str(default).lower() if isinstance(default, bool) else default}`")
        description = (info.description or "").replace("|", "\\|")
        rows.append(f"| `{name}` | `{env_of(name)}` | `{flag_of(name)}` | {shown} | {', '.join(servers_of[name])} | "
                    f"{description} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # `python -m mcp_servers.common.settings`: the servers' part of docs/configuration.md
    print("## MCP servers (`sre-mcp-kubernetes`, `sre-mcp-cloudwatch`, `sre-mcp-ssm`, `sre-mcp-prometheus`)\n\n"
          "Every server flag has an `SRE_MCP_*` environment variable; flags win. A server started by sre-agent "
          "gets its flags from sre-agent's settings and never inherits `SRE_MCP_*` from sre-agent's environment.\n\n"
          "`python -m mcp_servers.kubernetes.eks_token --cluster-name NAME [--region R] [--profile P]`, the "
          "kubeconfig exec plugin that mints EKS tokens without the AWS CLI, answers in the ExecCredential version "
          "kubectl asks for in `KUBERNETES_EXEC_INFO` (v1beta1 by default).\n")
    print(settings_reference_markdown(), end="")
