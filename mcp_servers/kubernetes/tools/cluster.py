"""Where the server points: the cluster a write's expect_cluster must name, its kubeconfig context and API server."""

from __future__ import annotations

from typing import Literal

from mcp.server.fastmcp import FastMCP
from pydantic import Field

from ...common.registry import ToolResult, tool_decorator
from .context import KubeTools


class ClusterInfo(ToolResult):
    """Which cluster this server talks to; no credentials."""

    cluster: str | None = Field(description="the cluster this server is bound to: a write's expect_cluster must be "
                                            "this; null: the server has no name and refuses every write pinned to one")
    name_from: Literal["--cluster-name", "--eks-cluster", "kubeconfig", "none"] = Field(
        description="where the name comes from: the server's --cluster-name or --eks-cluster, or its kubeconfig "
                    "context's cluster entry (an EKS ARN's <name> tail)")
    context: str | None = Field(description='the kubeconfig context in use, "in-cluster" (the pod\'s service account), '
                                            "or null when no kubeconfig is read (--eks-cluster)")
    kubeconfig_cluster: str | None = Field(description="the context's cluster entry as the kubeconfig writes it")
    server: str = Field(description="the Kubernetes API server's URL")


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp)

    @tool(title="Which cluster this server talks to", read_only=True, destructive=False, idempotent=True, open_world=False)
    def cluster_info() -> ClusterInfo:
        """The cluster this server is bound to (what a write's expect_cluster must name), its kubeconfig
        context (or "in-cluster") and API server URL. Asks the cluster nothing."""
        bound = ctx.cluster
        return ClusterInfo(cluster=bound.name, name_from=bound.name_from,
                           context="in-cluster" if bound.in_cluster else bound.context,
                           kubeconfig_cluster=bound.kubeconfig_cluster, server=str(ctx.kube.server))
