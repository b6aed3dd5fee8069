"""The CloudWatch server's tools, one module per domain; each module's `register(mcp, ctx)` adds
its tools through the shared registration path (mcp_servers.common.registry)."""

from __future__ import annotations

from mcp.server.fastmcp import FastMCP

from . import alarms, logs, metrics, traces
from .context import CloudWatchTools

MODULES = (alarms, metrics, logs, traces)


def register_all(mcp: FastMCP, ctx: CloudWatchTools) -> None:
    for module in MODULES:
        module.register(mcp, ctx)
