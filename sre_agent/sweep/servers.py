"""The sweep's MCP sessions, opened one server at a time so that a server that cannot start (no
kubeconfig, no credentials) is a hole in the coverage -- "could not check kubernetes: ..." -- and
not a crash that hides what the other servers could still see."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from ..app.toolbox import ServerConnection, Toolbox
from ..contracts import ToolCallRecord
from ..graph.ports import ToolOutcome


class TolerantTools:
    """The graph's Tools port over the servers that started; calls to one that did not are failed outcomes."""

    def __init__(self) -> None:
        self.toolboxes: dict[str, Toolbox] = {}
        self.failed: dict[str, str] = {}
        self._count = 0

    async def call(self, agent: str, server: str, tool: str, args: dict[str, Any], brain: str = "offline") -> ToolOutcome:
        if server in self.toolboxes:
            return await self.toolboxes[server].call(agent, server, tool, args, brain)
        self._count += 1
        error = self.failed.get(server, f"no MCP server {server!r} is connected")
        record = ToolCallRecord(id=f"unstarted-{self._count}", agent=agent, server=server, tool=tool, args=args, ok=False,
                                excerpt=error, brain=brain)
        return ToolOutcome(record=record, error=error)


@asynccontextmanager
async def open_tools(servers: dict[str, ServerConnection]) -> AsyncIterator[TolerantTools]:
    tools = TolerantTools()
    async with AsyncExitStack() as stack:
        for name, connection in servers.items():
            try:
                tools.toolboxes[name] = await stack.enter_async_context(Toolbox({name: connection}))
            except Exception as exc:  # noqa: BLE001 -- any start-up failure is this server's hole, reported as such
                detail = str(exc) or type(exc).__name__
                if hasattr(exc, "exceptions"):  # task groups wrap the real error
                    detail = "; ".join(str(e) for e in exc.exceptions) or detail
                tools.failed[name] = (f"the {name} MCP server did not start ({detail}); its own error is printed above "
                                      "(a missing kubeconfig or AWS credentials, usually)")
        yield tools
