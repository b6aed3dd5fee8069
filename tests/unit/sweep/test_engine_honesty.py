"""run_sweep's verdict follows the honesty rule: healthy only with evidence from Kubernetes and
CloudWatch; a backend that cannot be reached makes it `unknown`, whatever else answered.

The Tools port here answers from a table (the shapes of the real tools' empty results); the real
servers are exercised in tests/integration/test_sweep.py."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from sre_agent.sweep.engine import run_sweep

EMPTY = {
    ("kubernetes", "analyze"): {"scope": "(cluster)", "count": 0, "findings": []},
    ("kubernetes", "events"): {"count": 0, "events": []},
    ("kubernetes", "get_resources"): {"kind": "Pod", "namespace": "(all)", "count": 0, "items": []},
    ("cloudwatch", "describe_alarms"): {"count": 0, "alarms": []},
    ("cloudwatch", "describe_log_groups"): {"count": 0, "more": False, "log_groups": []},
    ("ssm", "list_runbooks"): {"count": 0, "sources": {}, "runbooks": []},
}


class TableTools:
    def __init__(self, down: dict[str, str]) -> None:
        self.down = down
        self.calls: list[tuple[str, str]] = []

    async def call(self, agent: str, server: str, tool: str, args: dict[str, Any], brain: str = "offline") -> ToolOutcome:
        self.calls.append((server, tool))
        error = self.down.get(server)
        record = ToolCallRecord(id=f"ev-{len(self.calls)}", agent=agent, server=server, tool=tool, args=args,
                                ok=error is None, excerpt=error or "{}")
        return ToolOutcome(record=record, data=None if error else EMPTY[(server, tool)], error=error)


@pytest.mark.parametrize(("down", "status", "hole"), [
    ({}, "healthy", None),
    ({"cloudwatch": "EndpointConnectionError: Could not connect to the endpoint URL"}, "unknown", "cloudwatch"),
    ({"kubernetes": "kubernetes API unreachable: Connection refused"}, "unknown", "kubernetes"),
    ({"ssm": "EndpointConnectionError: Could not connect"}, "healthy", None),  # runbooks are not what health rests on
])
def test_status_follows_the_honesty_rule(down, status, hole):
    tools = TableTools(down)
    report = asyncio.run(run_sweep(tools))
    assert report.status == status
    holes = [c.backend for c in report.coverage if c.status != "checked" and c.backend in ("kubernetes", "cloudwatch")]
    assert holes == ([hole] if hole else [])
    assert all(tool not in {"patch", "scale", "rollout_undo", "delete", "apply"} for _, tool in tools.calls)


def test_a_namespace_sweep_asks_for_that_namespace():
    tools = TableTools({})
    report = asyncio.run(run_sweep(tools, "web"))
    assert report.scope == "web" and report.status == "healthy"
