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


def names_exactly(query: str, kind: str, name: str) -> bool:
    """`query` is `name` typed whole -- or, for a Node, its hostname: nodes are named by their first DNS label as
    often as by their full name (ip-10-0-1-5 for ip-10-0-1-5.eu-west-1.compute.internal)."""
    return query == name or (kind == "Node" and name.split(".", 1)[0] == query)
