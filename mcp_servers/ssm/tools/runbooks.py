"""The runbook library: list, search (ranked for an incident's symptoms), read one in full."""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import AliasChoices, Field

from ...common.registry import Row, ToolResult, tool_decorator
from .context import SsmTools


class RunbookRow(Row):
    id: str
    title: str
    category: str
    resource_kinds: list[str]
    source: str = Field(description="ssm:<document> or file:<path>")


class RunbookList(ToolResult):
    count: int
    sources: dict[str, int] = Field(description="how many runbooks came from ssm and from files")
    runbooks: list[RunbookRow]
    problems: list[str] | None = Field(None, description="documents or files skipped, and why")


class RunbookSearch(ToolResult):
    count: int
    backend: str = Field(description="the ranking method")
    results: list[dict[str, Any]] = Field(description="id, title, category, score, matched symptoms and words, source")


class RunbookDocument(ToolResult):
    runbook: dict[str, Any] = Field(description="symptoms, diagnosis, remediation (risk, when, undo), verification")
    source: str


def register(mcp: FastMCP, ctx: SsmTools) -> None:
    tool = tool_decorator(mcp)

    @tool(title="List runbooks", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="filter by category")
    def list_runbooks(
        category: Annotated[str | None, Field(max_length=64, description="only this root-cause category")] = None,
        refresh: Annotated[bool, Field(description="re-read SSM and the directory now instead of the cached copy")] = False,
    ) -> RunbookList:
        """Every runbook: id, title, category, resource kinds and where it came from (ssm or file)."""
        lib = ctx.runbooks(refresh)
        rows = [RunbookRow(id=r.id, title=r.title, category=r.category, resource_kinds=r.resource_kinds,
                           source=lib.sources[r.id]) for r in lib.runbooks.values() if category in (None, r.category)]
        result = RunbookList(count=len(rows), sources=lib.describe_sources(), runbooks=rows)
        if lib.problems:
            result.problems = lib.problems
        return result

    @tool(title="Search runbooks for an incident", read_only=True, destructive=False, idempotent=True,
          open_world=True, hint="lower limit")
    def search_runbooks(
        symptoms: Annotated[str, Field(min_length=2, max_length=20000,
                                       description="incident text: event reasons, log lines, alarm and metric names")],
        category: Annotated[str | None, Field(max_length=64, description="a root-cause category hint, e.g. oom_killed")] = None,
        resource_kind: Annotated[str | None, Field(max_length=64, description="the kind under suspicion, e.g. Deployment")] = None,
        limit: Annotated[int, Field(ge=1, le=50)] = 5,
    ) -> RunbookSearch:
        """Runbooks ranked for an incident: score, and which symptoms and words matched."""
        lib = ctx.runbooks()
        try:
            hits = lib.index.search(symptoms, category=category, resource_kind=resource_kind, limit=limit)
        except ValueError as exc:
            raise ToolError(f"search_runbooks: {exc}") from None
        rows = [{**hit.model_dump(), "source": lib.sources.get(hit.id)} for hit in hits]
        return RunbookSearch(count=len(rows), backend=lib.index.backend, results=rows)

    @tool(title="Read one runbook", read_only=True, destructive=False, idempotent=True, open_world=True)
    def get_runbook(
        runbook_id: Annotated[str, Field(min_length=1, max_length=128, validation_alias=AliasChoices("runbook_id", "id"),
                                         description="runbook id, e.g. bad_image")],
    ) -> RunbookDocument:
        """One runbook in full: symptoms, diagnosis checks, remediation steps (risk, when, undo), verification."""
        lib = ctx.runbooks()
        runbook = lib.runbooks.get(runbook_id)
        if runbook is None:
            close = difflib.get_close_matches(runbook_id, list(lib.runbooks), n=3)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise ToolError(f"get_runbook: no runbook {runbook_id!r}; {hint}list_runbooks or search_runbooks find them")
        return RunbookDocument(runbook=runbook.model_dump(mode="json"), source=lib.sources[runbook_id])
