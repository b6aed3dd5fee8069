"""The SSM MCP server: the runbook library (search, read), Parameter Store reads, and gated
Run Command / Automation writes.

    python -m mcp_servers.ssm                                   # stdio, read-only, ./infra/runbooks if present
    python -m mcp_servers.ssm --allow-writes --namespaces i-0abc123def4567890 --audit-log audit.jsonl
    python -m mcp_servers.ssm --http --port 8083 --token "$TOKEN" --runbooks-dir /etc/sre/runbooks

Runbooks come from SSM documents tagged sre-agent:runbook=true (`sre-agent runbooks publish`),
merged with --runbooks-dir. Writes are off unless --allow-writes; --namespaces then lists the
*targets* writes may touch -- instance ids, or '*' for any (an automation that names no instance
needs '*'). Every write attempt, dry runs and refusals included, goes to the audit log."""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path
from typing import Annotated, Any, NoReturn

from botocore.exceptions import ClientError
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import AliasChoices, Field

from ..common.aws import AwsClients, add_aws_args, clients_from_args, unsupported
from ..common.errors import call_backend
from ..common.results import compact, dumps
from ..common.safety import AuditLog, WritePolicy, redact_value
from ..common.serve import base_parser, policy_from_args, preflight, run
from ..common.tools import blocking_tools
from .documents import RequestError, automation_targets, check_instance_ids, check_request, normalise_parameters
from .library import RunbookLibrary, ssm_runbooks

DocumentName = Annotated[str, Field(min_length=3, max_length=200, validation_alias=AliasChoices("document_name", "document"),
                                    description="SSM document name, e.g. AWS-RunShellScript, AWS-RestartEC2Instance")]
Scalar = str | bool | int | float  # SSM wants strings; numbers and booleans are converted, not refused
Parameters = Annotated[dict[str, list[Scalar] | Scalar], Field(max_length=50, description='document parameters, e.g. '
                                                                                        '{"commands": ["systemctl restart kubelet"]}')]
Reason = Annotated[str, Field(min_length=3, max_length=500, description="why this is run (goes to the audit log)")]
DryRun = Annotated[bool, Field(description="validate the document and parameters without executing anything")]
MASK = "***masked***"


def build_server(aws: AwsClients, policy: WritePolicy, audit: AuditLog, runbooks_dir: Path | None,
                 call_timeout: float = 30.0, use_ssm_runbooks: bool = True) -> FastMCP:
    mcp = FastMCP("sre-ssm", log_level="WARNING", instructions=(
        "The runbook library and AWS Systems Manager. search_runbooks ranks runbooks for an incident's symptoms; "
        "get_runbook returns one (diagnosis checks, remediation steps with risk and undo, verification); "
        "list_runbooks lists them. get_parameter reads Parameter Store (SecureString values are never returned). "
        "send_command / start_automation run SSM documents, gated by the server's --allow-writes and target "
        "allow-list, with dry_run; command_status follows a command."))
    tool = blocking_tools(mcp)
    ssm = aws.client("ssm")

    def backend(fn, what: str):
        return call_backend(fn, what, call_timeout)

    load_ssm = (lambda: backend(lambda: ssm_runbooks(ssm), "list runbook documents in SSM")) if use_ssm_runbooks else None
    library = RunbookLibrary(load_ssm, runbooks_dir)

    # --- runbooks --------------------------------------------------------------------------------
    def _library(refresh: bool = False):
        lib = library.get(refresh)
        if not lib.runbooks:
            where = f"{runbooks_dir}" if runbooks_dir else "no --runbooks-dir"
            raise ToolError("no runbooks available: none published to SSM (sre-agent runbooks publish) and none in "
                            f"{where}; " + "; ".join(lib.problems[:3]))
        return lib

    @tool
    def list_runbooks(
        category: Annotated[str | None, Field(max_length=64, description="only this root-cause category")] = None,
        refresh: Annotated[bool, Field(description="re-read SSM and the directory now instead of the cached copy")] = False,
    ) -> str:
        """Every runbook: id, title, category, resource kinds and where it came from (ssm or file)."""
        lib = _library(refresh)
        rows = [{"id": r.id, "title": r.title, "category": r.category, "resource_kinds": r.resource_kinds,
                 "source": lib.sources[r.id]} for r in lib.runbooks.values() if category in (None, r.category)]
        payload: dict[str, Any] = {"count": len(rows), "sources": lib.describe_sources(), "runbooks": rows}
        if lib.problems:
            payload["problems"] = lib.problems
        return compact(payload, hint="filter by category")

    @tool
    def search_runbooks(
        symptoms: Annotated[str, Field(min_length=2, max_length=20000,
                                       description="incident text: event reasons, log lines, alarm and metric names")],
        category: Annotated[str | None, Field(max_length=64, description="a root-cause category hint, e.g. oom_killed")] = None,
        resource_kind: Annotated[str | None, Field(max_length=64, description="the kind under suspicion, e.g. Deployment")] = None,
        limit: Annotated[int, Field(ge=1, le=50)] = 5,
    ) -> str:
        """Runbooks ranked for an incident: score, and which symptoms and words matched."""
        lib = _library()
        try:
            hits = lib.index.search(symptoms, category=category, resource_kind=resource_kind, limit=limit)
        except ValueError as exc:
            raise ToolError(f"search_runbooks: {exc}") from None
        rows = [{**hit.model_dump(), "source": lib.sources.get(hit.id)} for hit in hits]
        return compact({"count": len(rows), "backend": lib.index.backend, "results": rows}, hint="lower limit")

    @tool
    def get_runbook(
        runbook_id: Annotated[str, Field(min_length=1, max_length=128, validation_alias=AliasChoices("runbook_id", "id"),
                                         description="runbook id, e.g. bad_image")],
    ) -> str:
        """One runbook in full: symptoms, diagnosis checks, remediation steps (risk, when, undo), verification."""
        lib = _library()
        runbook = lib.runbooks.get(runbook_id)
        if runbook is None:
            close = difflib.get_close_matches(runbook_id, list(lib.runbooks), n=3)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise ToolError(f"get_runbook: no runbook {runbook_id!r}; {hint}list_runbooks or search_runbooks find them")
        return compact({"runbook": runbook.model_dump(mode="json"), "source": lib.sources[runbook_id]})

    # --- Parameter Store ------------------------------------------------------------------------
    @tool
    def get_parameter(
        name: Annotated[str, Field(min_length=1, max_length=2048, description="parameter name, e.g. /prod/app/feature-x")],
    ) -> str:
        """A Parameter Store parameter's type, version and value. SecureString values are never returned,
        and values whose names look secret are masked."""
        # Never WithDecryption: a SecureString's plaintext has no business in an agent's context.
        response = backend(lambda: ssm.get_parameter(Name=name, WithDecryption=False), f"get_parameter {name!r}")
        param = response["Parameter"]
        kind = param.get("Type")
        if kind == "SecureString":
            value = f"{MASK} (SecureString)"
        else:
            value = redact_value(name.rsplit("/", 1)[-1], param.get("Value", ""))
        return compact({"name": param.get("Name"), "type": kind, "value": value, "version": param.get("Version"),
                        "last_modified": str(param.get("LastModifiedDate")) if param.get("LastModifiedDate") else None,
                        "data_type": param.get("DataType")})

    # --- writes -----------------------------------------------------------------------------------
    def _check_targets(tool_name: str, targets: list[str]) -> None:
        """Every target on the allow-list (or '*'); no targets = account-wide, which needs '*'."""
        for target in targets or [None]:
            try:
                policy.check(tool_name, target)
            except ToolError as exc:
                if not policy.allow_writes:
                    raise
                allowed = ", ".join(sorted(policy.namespaces)) or "(none)"
                what = f"target {target!r} is" if target else "a request naming no instance is account-wide and"
                raise ToolError(f"{tool_name}: {what} not in this server's target allow-list [{allowed}]; restart it "
                                "with --namespaces including the instance id (or '*')") from exc

    def _get_document(name: str) -> dict[str, Any]:
        return backend(lambda: ssm.get_document(Name=name), f"document {name!r}")

    def _write(tool_name: str, args: dict[str, Any], targets: list[str], reason: str, dry_run: bool,
               validate, execute) -> str:
        try:
            _check_targets(tool_name, targets)
        except ToolError as exc:
            audit.write(tool=tool_name, args=args, reason=reason, dry_run=dry_run, outcome="refused", detail=str(exc))
            raise
        try:
            checked = validate()
            result = checked if dry_run else execute()
        except ToolError as exc:
            audit.write(tool=tool_name, args=args, reason=reason, dry_run=dry_run, outcome="failed", detail=str(exc))
            raise
        record = audit.write(tool=tool_name, args=args, reason=reason, dry_run=dry_run,
                             outcome="dry_run_ok" if dry_run else "applied", detail=dumps(result))
        return compact({"tool": tool_name, "dry_run": dry_run, "result": result,
                        "audit": {"ts": record["ts"], "actor": record["actor"]}})

    def _malformed(tool_name: str, args: dict[str, Any], reason: str, dry_run: bool, exc: Exception) -> NoReturn:
        """A request that cannot even be checked against its document: audited, then refused."""
        message = f"{tool_name}: {exc}"
        audit.write(tool=tool_name, args=args, reason=reason, dry_run=dry_run, outcome="failed", detail=message)
        raise ToolError(message) from None

    def _validated(tool_name: str, document_name: str, expected_type: str, params: dict[str, list[str]]) -> dict[str, Any]:
        document = _get_document(document_name)
        problems = check_request(document, expected_type, params)
        if problems:
            raise ToolError(f"{tool_name}: document {document_name} rejects this request: " + "; ".join(problems))
        return {"document": document_name, "document_type": document.get("DocumentType"),
                "document_version": document.get("DocumentVersion"),
                "parameters": params, "validated": True}

    @tool
    def send_command(
        instance_ids: Annotated[list[str], Field(min_length=1, max_length=50, description="EC2 / managed instance ids")],
        reason: Reason,
        document_name: DocumentName = "AWS-RunShellScript",
        parameters: Parameters | None = None,
        comment: Annotated[str | None, Field(max_length=100)] = None,
        timeout_seconds: Annotated[int, Field(ge=30, le=2592000, description="how long the command may wait to start")] = 600,
        dry_run: DryRun = False,
    ) -> str:
        """Run an SSM Command document (e.g. AWS-RunShellScript) on instances. Gated: --allow-writes and every
        instance on the target allow-list. dry_run checks the document and parameters and runs nothing."""
        args = {"document_name": document_name, "instance_ids": instance_ids, "parameters": parameters or {}}
        try:
            check_instance_ids(instance_ids)
            params = normalise_parameters(parameters)
        except RequestError as exc:
            _malformed("send_command", args, reason, dry_run, exc)
        args["parameters"] = params

        def execute() -> dict[str, Any]:
            response = backend(lambda: ssm.send_command(
                DocumentName=document_name, InstanceIds=instance_ids, Parameters=params, TimeoutSeconds=timeout_seconds,
                Comment=(comment or reason)[:100]), f"send_command {document_name} to {instance_ids}")
            command = response["Command"]
            return {"command_id": command["CommandId"], "status": command.get("Status"), "instance_ids": instance_ids,
                    "next": "command_status with this command_id"}

        return _write("send_command", args, instance_ids, reason, dry_run,
                      lambda: _validated("send_command", document_name, "Command", params), execute)

    @tool
    def start_automation(
        document_name: DocumentName,
        reason: Reason,
        parameters: Parameters | None = None,
        dry_run: DryRun = False,
    ) -> str:
        """Start an SSM Automation runbook (e.g. AWS-RestartEC2Instance). Gated: --allow-writes, and the instances
        it names (InstanceId parameter) on the target allow-list; one naming none needs '*'. dry_run validates only."""
        args = {"document_name": document_name, "parameters": parameters or {}}
        try:
            params = normalise_parameters(parameters)
            targets = automation_targets(params)
            if targets:
                check_instance_ids(targets)
        except RequestError as exc:
            _malformed("start_automation", args, reason, dry_run, exc)
        args["parameters"] = params

        def start() -> dict[str, Any]:
            try:
                return ssm.start_automation_execution(DocumentName=document_name, Parameters=params)
            except ClientError as exc:
                if unsupported(exc):
                    raise ToolError("start_automation: this SSM endpoint does not implement StartAutomationExecution "
                                    "(an emulator?); nothing was started") from None
                raise

        def execute() -> dict[str, Any]:
            response = backend(start, f"start_automation {document_name}")
            return {"execution_id": response["AutomationExecutionId"], "document": document_name}

        return _write("start_automation", args, targets, reason, dry_run,
                      lambda: _validated("start_automation", document_name, "Automation", params), execute)

    @tool
    def command_status(
        command_id: Annotated[str, Field(min_length=36, max_length=36, description="the CommandId send_command returned")],
        instance_id: Annotated[str | None, Field(max_length=32, description="one instance's invocation; default all")] = None,
        output_chars: Annotated[int, Field(ge=0, le=24000, description="stdout/stderr characters kept per instance")] = 2000,
    ) -> str:
        """A Run Command's status, per instance: status, exit code, and the tail of stdout/stderr."""
        commands = backend(lambda: ssm.list_commands(CommandId=command_id), f"command {command_id}")["Commands"]
        if not commands:
            raise ToolError(f"command_status: no command {command_id!r} in this account and region")
        command = commands[0]
        instances = [instance_id] if instance_id else list(command.get("InstanceIds") or [])[:20]
        invocations = []
        for iid in instances:
            inv = backend(lambda iid=iid: ssm.get_command_invocation(CommandId=command_id, InstanceId=iid),
                          f"invocation of {command_id} on {iid}")
            invocations.append({
                "instance_id": iid, "status": inv.get("Status"), "details": inv.get("StatusDetails"),
                "exit_code": inv.get("ResponseCode"),
                "stdout": _tail(inv.get("StandardOutputContent", ""), output_chars),
                "stderr": _tail(inv.get("StandardErrorContent", ""), output_chars),
            })
        return compact({"command_id": command_id, "document": command.get("DocumentName"), "status": command.get("Status"),
                        "requested": str(command.get("RequestedDateTime")) if command.get("RequestedDateTime") else None,
                        "counts": {k: command.get(v) for k, v in (("targets", "TargetCount"), ("completed", "CompletedCount"),
                                                                     ("errors", "ErrorCount")) if command.get(v) is not None},
                        "invocations": invocations}, hint="pass instance_id or lower output_chars")

    return mcp


def _tail(text: str, chars: int) -> str:
    if len(text) <= chars:
        return text
    return f"[{len(text) - chars} chars cut] " + text[len(text) - chars:]


def default_runbooks_dir(value: str | None) -> Path | None:
    """--runbooks-dir, else ./infra/runbooks when the server is started from a checkout."""
    if value:
        path = Path(value)
        if not path.is_dir():
            raise SystemExit(f"error: --runbooks-dir {value}: not a directory")
        return path
    candidate = Path.cwd() / "infra" / "runbooks"
    return candidate if candidate.is_dir() else None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = base_parser("sre-mcp-ssm", __doc__, writes=True)
    for action in parser._actions:  # the shared flag, with what it means here
        if action.dest == "namespaces":
            action.help = ("comma-separated write targets: EC2 / managed instance ids, or '*' for any; "
                           "required with --allow-writes")
    add_aws_args(parser)
    parser.add_argument("--runbooks-dir", default=None,
                        help="directory of runbook YAML files, merged with the published ones (default: ./infra/runbooks)")
    parser.add_argument("--no-ssm-runbooks", action="store_true",
                        help="serve only --runbooks-dir; do not read runbook documents from SSM")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    preflight(args)
    policy, audit = policy_from_args(args, "ssm")
    if policy.allow_writes and not policy.namespaces:
        raise SystemExit("error: --allow-writes needs --namespaces: the instance ids writes may target "
                         "(comma-separated), or '*' for any")
    run(build_server(clients_from_args(args), policy, audit, default_runbooks_dir(args.runbooks_dir),
                     call_timeout=args.call_timeout, use_ssm_runbooks=not args.no_ssm_runbooks), args)


if __name__ == "__main__":
    main()
