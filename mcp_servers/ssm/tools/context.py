"""What every SSM tool module shares: the client behind deadlines, the runbook library, the write
gate and audit, and the argument types tools declare."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

from mcp.server.fastmcp.exceptions import ToolError
from pydantic import AliasChoices, Field

from ...common.aws import AwsClients
from ...common.errors import call_backend
from ...common.registry import ToolResult
from ...common.results import dumps
from ...common.safety import AuditLog, AuditStamp, WritePolicy
from ..library import Library, RunbookLibrary, ssm_runbooks

T = TypeVar("T")

DocumentName = Annotated[str, Field(min_length=3, max_length=200, validation_alias=AliasChoices("document_name", "document"),
                                    description="SSM document name, e.g. AWS-RunShellScript, AWS-RestartEC2Instance")]
Scalar = str | bool | int | float  # SSM wants strings; numbers and booleans are converted, not refused
Parameters = Annotated[dict[str, list[Scalar] | Scalar], Field(max_length=50, description='document parameters, e.g. '
                                                                                        '{"commands": ["systemctl restart kubelet"]}')]
Reason = Annotated[str, Field(min_length=3, max_length=500, description="why this is run (goes to the audit log)")]
DryRun = Annotated[bool, Field(description="validate the document and parameters without executing anything")]


class WriteResult(ToolResult):
    """What a write did (or, with dry_run, what was validated), and its audit record."""

    tool: str
    dry_run: bool
    result: dict[str, Any] = Field(description="dry run: the validated document and parameters; "
                                               "otherwise the command or execution id to follow")
    audit: AuditStamp


@dataclass
class SsmTools:
    aws: AwsClients
    policy: WritePolicy
    audit: AuditLog
    runbooks_dir: Path | None
    call_timeout: float = 30.0
    use_ssm_runbooks: bool = True

    def __post_init__(self) -> None:
        self.ssm = self.aws.client("ssm")
        load_ssm = ((lambda: self.backend(lambda: ssm_runbooks(self.ssm), "list runbook documents in SSM"))
                    if self.use_ssm_runbooks else None)
        self.library = RunbookLibrary(load_ssm, self.runbooks_dir)

    def backend(self, fn: Callable[[], T], what: str) -> T:
        """A blocking AWS call with the server's deadline; failures become clear tool errors."""
        return call_backend(fn, what, self.call_timeout)

    def runbooks(self, refresh: bool = False) -> Library:
        """The merged library, or a tool error saying why it is empty."""
        lib = self.library.get(refresh)
        if not lib.runbooks:
            where = f"{self.runbooks_dir}" if self.runbooks_dir else "no runbook directory (--no-builtin-runbooks)"
            raise ToolError("no runbooks available: none published to SSM (sre-agent runbooks publish) and none in "
                            f"{where}; " + "; ".join(lib.problems[:3]))
        return lib

    def check_targets(self, tool_name: str, targets: list[str]) -> None:
        """Every target on the allow-list (or '*'); no targets = account-wide, which needs '*'."""
        for target in targets or [None]:
            try:
                self.policy.check(tool_name, target)
            except ToolError as exc:
                if not self.policy.allow_writes:
                    raise
                allowed = ", ".join(sorted(self.policy.namespaces)) or "(none)"
                what = f"target {target!r} is" if target else "a request naming no instance is account-wide and"
                raise ToolError(f"{tool_name}: {what} not in this server's target allow-list [{allowed}]; restart it "
                                "with --namespaces including the instance id (or '*')") from exc

    def write(self, tool_name: str, args: dict[str, Any], targets: list[str], reason: str, dry_run: bool,
              validate: Callable[[], dict[str, Any]], execute: Callable[[], dict[str, Any]]) -> WriteResult:
        """Gate, validate, run (unless dry_run) and audit one write."""
        try:
            self.check_targets(tool_name, targets)
        except ToolError as exc:
            self.audit.write(tool=tool_name, args=args, reason=reason, dry_run=dry_run, outcome="refused", detail=str(exc))
            raise
        try:
            checked = validate()
            result = checked if dry_run else execute()
        except ToolError as exc:
            self.audit.write(tool=tool_name, args=args, reason=reason, dry_run=dry_run, outcome="failed", detail=str(exc))
            raise
        record = self.audit.write(tool=tool_name, args=args, reason=reason, dry_run=dry_run,
                                  outcome="dry_run_ok" if dry_run else "applied", detail=dumps(result))
        return WriteResult(tool=tool_name, dry_run=dry_run, result=result,
                           audit=AuditStamp(ts=record["ts"], actor=record["actor"]))

    def malformed(self, tool_name: str, args: dict[str, Any], reason: str, dry_run: bool, exc: Exception) -> NoReturn:
        """A request that cannot even be checked against its document: audited, then refused."""
        message = f"{tool_name}: {exc}"
        self.audit.write(tool=tool_name, args=args, reason=reason, dry_run=dry_run, outcome="failed", detail=message)
        raise ToolError(message) from None
