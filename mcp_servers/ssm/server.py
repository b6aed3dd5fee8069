"""The SSM MCP server: the runbook library (search, read), Parameter Store reads, and gated
Run Command / Automation writes.

    python -m mcp_servers.ssm                                   # stdio, read-only, built-in runbooks
    python -m mcp_servers.ssm --allow-writes --namespaces i-0abc123def4567890 --audit-log audit.jsonl
    python -m mcp_servers.ssm --http --port 8083 --token "$TOKEN" --runbooks-dir /etc/sre/runbooks

Runbooks come from SSM documents tagged sre-agent:runbook=true (`sre-agent runbooks publish`),
merged with the built-in library that ships with the server (published ones win); --runbooks-dir
replaces the built-in library with a directory of your own, --no-builtin-runbooks serves only the
published ones. Writes are off unless --allow-writes; --namespaces then lists the *targets* writes
may touch -- instance ids, or '*' for any (an automation that names no instance needs '*'). Every
write attempt, dry runs and refusals included, goes to the audit log. Every flag has an SRE_MCP_*
environment variable (SRE_MCP_RUNBOOKS_DIR, ...); flags win."""

from __future__ import annotations

from pathlib import Path

from mcp.server.fastmcp import FastMCP

from ..common.aws import AwsClients, clients_from_settings
from ..common.registry import list_only_read_tools
from ..common.safety import AuditLog, WritePolicy
from ..common.serve import policy_from_settings, serve_main
from ..common.settings import ServerSettings
from .library import builtin_runbooks_dir
from .tools import SsmTools, register_all

DEFAULT_CALL_TIMEOUT_S = 30.0
INSTRUCTIONS = (
    "The runbook library and AWS Systems Manager. search_runbooks ranks runbooks for an incident's symptoms; "
    "get_runbook returns one (diagnosis checks, remediation steps with risk and undo, verification); "
    "list_runbooks lists them. get_parameter reads Parameter Store (SecureString values are never returned). "
    "send_command / start_automation run SSM documents, gated by the server's --allow-writes and target "
    "allow-list, with dry_run (without --allow-writes they are not listed); command_status follows a command.")


def build_server(aws: AwsClients, policy: WritePolicy, audit: AuditLog, runbooks_dir: Path | None,
                 call_timeout: float = DEFAULT_CALL_TIMEOUT_S, use_ssm_runbooks: bool = True) -> FastMCP:
    """`runbooks_dir`: the runbook directory merged under the published runbooks (None: published only)."""
    mcp = FastMCP("sre-ssm", log_level="WARNING", instructions=INSTRUCTIONS)
    register_all(mcp, SsmTools(aws=aws, policy=policy, audit=audit, runbooks_dir=runbooks_dir,
                               call_timeout=call_timeout, use_ssm_runbooks=use_ssm_runbooks))
    if not policy.allow_writes:
        list_only_read_tools(mcp)
    return mcp


def runbooks_dir_of(settings: ServerSettings) -> Path | None:
    """--runbooks-dir, else the built-in library unless --no-builtin-runbooks."""
    if settings.runbooks_dir is not None:
        if not settings.runbooks_dir.is_dir():
            raise SystemExit(f"error: --runbooks-dir {settings.runbooks_dir}: not a directory")
        return settings.runbooks_dir
    return None if settings.no_builtin_runbooks else builtin_runbooks_dir()


def build_from_settings(settings: ServerSettings) -> FastMCP:
    policy, audit = policy_from_settings(settings, "ssm")
    runbooks_dir = runbooks_dir_of(settings)
    if runbooks_dir is None and settings.no_ssm_runbooks:
        raise SystemExit("error: --no-builtin-runbooks with --no-ssm-runbooks leaves no runbooks to serve")
    return build_server(clients_from_settings(settings), policy, audit, runbooks_dir,
                        call_timeout=settings.call_timeout or DEFAULT_CALL_TIMEOUT_S,
                        use_ssm_runbooks=not settings.no_ssm_runbooks)


def main(argv: list[str] | None = None) -> None:
    serve_main("ssm", __doc__, argv, build_from_settings)


if __name__ == "__main__":
    main()
