"""Gated Run Command and Automation: send a command, start an automation, follow a command.
Writes are refused unless the server allows them for every target instance; dry_run validates
the document and parameters and runs nothing; every attempt is audited."""

from __future__ import annotations

from typing import Annotated, Any

from botocore.exceptions import ClientError
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import Field

from ...common.aws import unsupported
from ...common.registry import Row, ToolResult, tool_decorator
from ...common.safety import AuditedWriteGuard
from ..documents import RequestError, automation_targets, check_instance_ids, check_request, normalise_parameters
from .context import DocumentName, DryRun, Parameters, Reason, SsmTools, WriteResult


class Invocation(Row):
    instance_id: str
    status: str | None
    details: str | None
    exit_code: int | None
    stdout: str = Field(description="the tail of standard output (untrusted text)")
    stderr: str


class CommandStatus(ToolResult):
    command_id: str
    document: str | None
    status: str | None
    requested: str | None
    counts: dict[str, int] = Field(description="targets, completed and errors, where known")
    invocations: list[Invocation]


def tail(text: str, chars: int) -> str:
    if len(text) <= chars:
        return text
    return f"[{len(text) - chars} chars cut] " + text[len(text) - chars:]


def register(mcp: FastMCP, ctx: SsmTools) -> None:
    # Write calls are seen before their arguments are checked: with writes off, or with arguments
    # that fail validation, the attempt is refused and audited all the same.
    tool = tool_decorator(mcp, guard=AuditedWriteGuard(ctx.policy, ctx.audit))
    ssm = ctx.ssm

    def validated(tool_name: str, document_name: str, expected_type: str, params: dict[str, list[str]]) -> dict[str, Any]:
        document = ctx.backend(lambda: ssm.get_document(Name=document_name), f"document {document_name!r}")
        problems = check_request(document, expected_type, params)
        if problems:
            raise ToolError(f"{tool_name}: document {document_name} rejects this request: " + "; ".join(problems))
        return {"document": document_name, "document_type": document.get("DocumentType"),
                "document_version": document.get("DocumentVersion"), "parameters": params, "validated": True}

    @tool(title="Run a command on instances", read_only=False, destructive=True, idempotent=False, open_world=True)
    def send_command(
        instance_ids: Annotated[list[str], Field(min_length=1, max_length=50, description="EC2 / managed instance ids")],
        reason: Reason,
        document_name: DocumentName = "AWS-RunShellScript",
        parameters: Parameters | None = None,
        comment: Annotated[str | None, Field(max_length=100)] = None,
        timeout_seconds: Annotated[int, Field(ge=30, le=2592000, description="how long the command may wait to start")] = 600,
        dry_run: DryRun = False,
    ) -> WriteResult:
        """Run an SSM Command document (e.g. AWS-RunShellScript) on instances. Gated: --allow-writes and every
        instance on the target allow-list. dry_run checks the document and parameters and runs nothing."""
        args = {"document_name": document_name, "instance_ids": instance_ids, "parameters": parameters or {}}
        try:
            check_instance_ids(instance_ids)
            params = normalise_parameters(parameters)
        except RequestError as exc:
            ctx.malformed("send_command", args, reason, dry_run, exc)
        args["parameters"] = params

        def execute() -> dict[str, Any]:
            response = ctx.backend(lambda: ssm.send_command(
                DocumentName=document_name, InstanceIds=instance_ids, Parameters=params, TimeoutSeconds=timeout_seconds,
                Comment=(comment or reason)[:100]), f"send_command {document_name} to {instance_ids}")
            command = response["Command"]
            return {"command_id": command["CommandId"], "status": command.get("Status"), "instance_ids": instance_ids,
                    "next": "command_status with this command_id"}

        return ctx.write("send_command", args, instance_ids, reason, dry_run,
                         lambda: validated("send_command", document_name, "Command", params), execute)

    @tool(title="Start an Automation runbook", read_only=False, destructive=True, idempotent=False, open_world=True)
    def start_automation(
        document_name: DocumentName,
        reason: Reason,
        parameters: Parameters | None = None,
        dry_run: DryRun = False,
    ) -> WriteResult:
        """Start an SSM Automation runbook (e.g. AWS-RestartEC2Instance). Gated: --allow-writes, and the instances
        it names (InstanceId parameter) on the target allow-list; one naming none needs '*'. dry_run validates only."""
        args = {"document_name": document_name, "parameters": parameters or {}}
        try:
            params = normalise_parameters(parameters)
            targets = automation_targets(params)
            if targets:
                check_instance_ids(targets)
        except RequestError as exc:
            ctx.malformed("start_automation", args, reason, dry_run, exc)
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
            response = ctx.backend(start, f"start_automation {document_name}")
            return {"execution_id": response["AutomationExecutionId"], "document": document_name}

        return ctx.write("start_automation", args, targets, reason, dry_run,
                         lambda: validated("start_automation", document_name, "Automation", params), execute)

    @tool(title="Follow a Run Command", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="pass instance_id or lower output_chars")
    def command_status(
        command_id: Annotated[str, Field(min_length=36, max_length=36, description="the CommandId send_command returned")],
        instance_id: Annotated[str | None, Field(max_length=32, description="one instance's invocation; default all")] = None,
        output_chars: Annotated[int, Field(ge=0, le=24000, description="stdout/stderr characters kept per instance")] = 2000,
    ) -> CommandStatus:
        """A Run Command's status, per instance: status, exit code, and the tail of stdout/stderr."""
        commands = ctx.backend(lambda: ssm.list_commands(CommandId=command_id), f"command {command_id}")["Commands"]
        if not commands:
            raise ToolError(f"command_status: no command {command_id!r} in this account and region")
        command = commands[0]
        instances = [instance_id] if instance_id else list(command.get("InstanceIds") or [])[:20]
        invocations = []
        for iid in instances:
            inv = ctx.backend(lambda iid=iid: ssm.get_command_invocation(CommandId=command_id, InstanceId=iid),
                              f"invocation of {command_id} on {iid}")
            invocations.append(Invocation(
                instance_id=iid, status=inv.get("Status"), details=inv.get("StatusDetails"), exit_code=inv.get("ResponseCode"),
                stdout=tail(inv.get("StandardOutputContent", ""), output_chars),
                stderr=tail(inv.get("StandardErrorContent", ""), output_chars)))
        return CommandStatus(
            command_id=command_id, document=command.get("DocumentName"), status=command.get("Status"),
            requested=str(command.get("RequestedDateTime")) if command.get("RequestedDateTime") else None,
            counts={k: command.get(v) for k, v in (("targets", "TargetCount"), ("completed", "CompletedCount"),
                                                    ("errors", "ErrorCount")) if command.get(v) is not None},
            invocations=invocations)
