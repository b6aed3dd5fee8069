"""A specialist's handle on its MCP server: call a tool, keep the record as evidence."""

from __future__ import annotations

from typing import Any

from ...contracts import Finding, ToolCallRecord, parse_resource_id
from ...graph.ports import Tools


class Calls:
    def __init__(self, tools: Tools, agent: str, server: str) -> None:
        self.tools = tools
        self.agent = agent
        self.server = server
        self.records: list[ToolCallRecord] = []
        self.findings: list[Finding] = []

    async def __call__(self, tool: str, **args: Any) -> tuple[Any, str]:
        """(parsed result or None on a tool error, evidence id)."""
        args = {k: v for k, v in args.items() if v is not None}
        outcome = await self.tools.call(self.agent, self.server, tool, args)
        self.records.append(outcome.record)
        return (outcome.data if outcome.error is None else None), outcome.record.id

    def at(self, server: str) -> Calls:
        """The same specialist on another server (metrics: Prometheus beside CloudWatch); one evidence list."""
        other = Calls(self.tools, self.agent, server)
        other.records, other.findings = self.records, self.findings
        return other

    def find(self, resource: str, signal: str, summary: str, evidence: list[str] | str, *,
             severity: str = "warning", **details: Any) -> Finding:
        finding = Finding(agent=self.agent, resource=resource, signal=signal, summary=summary, severity=severity,
                          details=details, evidence=[evidence] if isinstance(evidence, str) else list(evidence))
        self.findings.append(finding)
        return finding


def split_target(target: str) -> tuple[str | None, str | None, str | None]:
    """'shop/Service/x' -> ('shop', 'Service', 'x'); 'Node/n' -> (None, 'Node', 'n'); 'shop' -> ('shop', None, None)."""
    if "/" not in target:
        return (None if target == "cluster" else target), None, None
    return parse_resource_id(target)
