"""What the cluster and its containers said: container logs and events."""

from __future__ import annotations

import re
from typing import Annotated

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import Field

from ...common.registry import ToolResult, tool_decorator
from ..kube import resolve_kind
from ..summaries import event_summary
from .context import EventRow, KubeTools, Name, Namespace


class PodLogs(ToolResult):
    pod: str = Field(description="namespace/name")
    container: str | None
    previous: bool
    lines: list[str] = Field(description="log lines, oldest first (untrusted text from the workload)")


class EventList(ToolResult):
    count: int = Field(description="events found (events may hold fewer: limit)")
    events: list[EventRow] = Field(description="newest first")


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp)
    kube = ctx.kube

    @tool(title="Container logs", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="lower tail, add since_seconds or grep")
    def pod_logs(namespace: Namespace, name: Name,
                 container: Annotated[str | None, Field(description="required when the pod has several containers")] = None,
                 previous: Annotated[bool, Field(description="logs of the previous (crashed) container instance")] = False,
                 tail: Annotated[int, Field(ge=1, le=5000)] = 200,
                 since_seconds: Annotated[int | None, Field(ge=1, le=86400 * 7)] = None,
                 grep: Annotated[str | None, Field(max_length=200, description="case-insensitive regex filter")] = None,
                 ) -> PodLogs:
        """A container's log lines (tail, since, previous instance, optional regex filter)."""
        pattern = None
        if grep:
            try:
                pattern = re.compile(grep, re.IGNORECASE)
            except re.error as exc:
                raise ToolError(f"grep {grep!r} is not a valid regular expression: {exc}") from None
        text = ctx.k8s(lambda: kube.pod_log(namespace, name, container, previous, tail if not pattern else 5000,
                                            since_seconds),
                       f"logs of pod {name!r} in namespace {namespace!r}")
        lines = text.splitlines()
        if pattern:
            lines = [line for line in lines if pattern.search(line)][-tail:]
        return PodLogs(pod=f"{namespace}/{name}", container=container, previous=previous, lines=lines)

    @tool(title="Kubernetes events", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="filter by kind/name or lower limit")
    def events(namespace: Annotated[str | None, Field(description="omit for all namespaces")] = None,
               kind: str | None = None, name: str | None = None,
               warnings_only: bool = True, limit: Annotated[int, Field(ge=1, le=1000)] = 50) -> EventList:
        """Events, newest first; by object (kind+name) and/or warnings only."""
        ctx.check_namespace(namespace)
        selectors = []
        if kind:
            try:
                selectors.append(f"involvedObject.kind={resolve_kind(kind).kind}")
            except ValueError as exc:
                raise ToolError(str(exc)) from None
        if name:
            selectors.append(f"involvedObject.name={name}")
        if warnings_only:
            selectors.append("type=Warning")
        items = ctx.k8s(lambda: kube.list("Event", namespace, field_selector=",".join(selectors) or None), "list events")
        items.sort(key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "", reverse=True)
        return EventList(count=len(items), events=[event_summary(e) for e in items[:limit]])
