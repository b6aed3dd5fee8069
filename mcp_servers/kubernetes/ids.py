"""Resource ids, the one spelling every tool and analyzer uses (DESIGN.md "Resource id"):
`namespace/Kind/name`, or `Kind/name` for cluster-scoped kinds (`Node/node-3`).

sre_agent's contracts module has the same rule; it is written again here because MCP servers
are standalone programs and never import sre_agent."""

from __future__ import annotations

CLUSTER_SCOPED_KINDS = frozenset({
    "Node", "Namespace", "StorageClass", "IngressClass", "PersistentVolume", "PriorityClass", "ClusterRole",
    "ClusterRoleBinding", "CustomResourceDefinition", "NodeMetrics",
})


def resource_id(kind: str, name: str, namespace: str | None = None) -> str:
    """`namespace/Kind/name`, or `Kind/name` for cluster-scoped kinds and when no namespace is known."""
    if kind in CLUSTER_SCOPED_KINDS or not namespace:
        return f"{kind}/{name}"
    return f"{namespace}/{kind}/{name}"
