"""The Kubernetes server's tools, one module per domain; each module's `register(mcp, ctx)` adds
its tools through the shared registration path (mcp_servers.common.registry)."""

from __future__ import annotations

from mcp.server.fastmcp import FastMCP

from . import (
    analysis,
    cluster,
    cronjob_writes,
    data_writes,
    logs_events,
    quota_writes,
    reads,
    reference_writes,
    rollouts,
    service_writes,
    template_writes,
    text_search,
    topology,
    writes,
)
from .context import KubeTools

MODULES = (reads, text_search, logs_events, rollouts, topology, analysis, cluster, writes, quota_writes, service_writes,
           template_writes, data_writes, cronjob_writes, reference_writes)


def register_all(mcp: FastMCP, ctx: KubeTools) -> None:
    for module in MODULES:
        module.register(mcp, ctx)
