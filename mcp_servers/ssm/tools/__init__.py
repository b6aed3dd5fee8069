"""The SSM server's tools, one module per domain; each module's `register(mcp, ctx)` adds its
tools through the shared registration path (mcp_servers.common.registry)."""

from __future__ import annotations

from mcp.server.fastmcp import FastMCP

from . import automation, parameters, runbooks
from .context import SsmTools

MODULES = (runbooks, parameters, automation)


def register_all(mcp: FastMCP, ctx: SsmTools) -> None:
    for module in MODULES:
        module.register(mcp, ctx)
