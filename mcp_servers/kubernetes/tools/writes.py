"""Gated changes to workloads, pods and nodes: scale, set image, set resources, delete a pod,
cordon and uncordon. Each is refused unless the server allows writes in that namespace (nodes
need '*'), supports server-side dry run, and is audited whatever happens."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import Field

from ...common.registry import tool_decorator
from .context import DryRun, KubeTools, Name, Namespace, Reason, WriteResult, dry
from .rollouts import WorkloadKind, patch_workload

RESOURCE_NAMES = ("cpu", "memory", "ephemeral-storage")


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp)
    kube = ctx.kube

    @tool(title="Scale a workload", read_only=False, destructive=True, idempotent=True, open_world=True)
    def scale(namespace: Namespace, name: Name, replicas: Annotated[int, Field(ge=0, le=1000)], reason: Reason,
              dry_run: DryRun = False, kind: Literal["Deployment", "StatefulSet"] = "Deployment") -> WriteResult:
        """Set a workload's replica count through its scale subresource."""
        def action() -> str:
            apps = kube.apps
            fn = apps.patch_namespaced_deployment_scale if kind == "Deployment" else apps.patch_namespaced_stateful_set_scale
            before = kube.get(kind, namespace, name)["spec"].get("replicas")
            fn(name, namespace, {"spec": {"replicas": replicas}}, _request_timeout=10, **dry(dry_run))
            return f"{kind} {namespace}/{name} scaled from {before} to {replicas}"

        return ctx.write("scale", namespace, {"kind": kind, "namespace": namespace, "name": name, "replicas": replicas},
                         reason, dry_run, action)

    @tool(title="Set a container's image", read_only=False, destructive=True, idempotent=True, open_world=True)
    def set_image(namespace: Namespace, name: Name, container: Name, image: Annotated[str, Field(min_length=3, max_length=500)],
                  reason: Reason, dry_run: DryRun = False, kind: WorkloadKind = "Deployment") -> WriteResult:
        """Change one container's image (kubectl set image)."""
        body = {"spec": {"template": {"spec": {"containers": [{"name": container, "image": image}]}}}}

        def action() -> str:
            patch_workload(ctx, kind, namespace, name, body, dry_run)
            return f"{kind}/{name} {container} -> {image}"

        return ctx.write("set_image", namespace, {"kind": kind, "namespace": namespace, "name": name,
                                                  "container": container, "image": image}, reason, dry_run, action)

    @tool(title="Set a container's resources", read_only=False, destructive=True, idempotent=True, open_world=True)
    def set_resources(namespace: Namespace, name: Name, container: Name, reason: Reason,
                      requests: Annotated[dict[str, str] | None,
                                          Field(description='e.g. {"cpu": "250m", "memory": "512Mi"}')] = None,
                      limits: Annotated[dict[str, str] | None, Field(description='e.g. {"memory": "1Gi"}')] = None,
                      dry_run: DryRun = False, kind: WorkloadKind = "Deployment") -> WriteResult:
        """Change one container's resource requests/limits (kubectl set resources)."""
        if not requests and not limits:
            raise ToolError("set_resources: give requests and/or limits")
        for key in list((requests or {}).keys()) + list((limits or {}).keys()):
            if key not in RESOURCE_NAMES:
                raise ToolError(f"set_resources: unknown resource {key!r}; use cpu, memory or ephemeral-storage")
        resources = {k: v for k, v in (("requests", requests), ("limits", limits)) if v}
        body = {"spec": {"template": {"spec": {"containers": [{"name": container, "resources": resources}]}}}}

        def action() -> str:
            patch_workload(ctx, kind, namespace, name, body, dry_run)
            return f"{kind}/{name} {container} resources {resources}"

        return ctx.write("set_resources", namespace, {"kind": kind, "namespace": namespace, "name": name,
                                                      "container": container, **resources}, reason, dry_run, action)

    @tool(title="Delete a pod", read_only=False, destructive=True, idempotent=False, open_world=True)
    def delete_pod(namespace: Namespace, name: Name, reason: Reason, dry_run: DryRun = False,
                   grace_period_seconds: Annotated[int | None, Field(ge=0, le=3600)] = None) -> WriteResult:
        """Delete one pod (its controller replaces it)."""
        def action() -> str:
            kwargs = {"grace_period_seconds": grace_period_seconds} if grace_period_seconds is not None else {}
            kube.core.delete_namespaced_pod(name, namespace, _request_timeout=10, **dry(dry_run), **kwargs)
            return f"pod {namespace}/{name} deleted"

        return ctx.write("delete_pod", namespace, {"namespace": namespace, "name": name}, reason, dry_run, action)

    def set_unschedulable(node: str, unschedulable: bool, reason: str, dry_run: bool) -> WriteResult:
        def action() -> str:
            kube.core.patch_node(node, {"spec": {"unschedulable": unschedulable}}, _request_timeout=10, **dry(dry_run))
            return f"node {node} {'cordoned' if unschedulable else 'uncordoned'}"

        return ctx.write("cordon" if unschedulable else "uncordon", None, {"node": node}, reason, dry_run, action)

    @tool(title="Cordon a node", read_only=False, destructive=True, idempotent=True, open_world=True)
    def cordon(node: Name, reason: Reason, dry_run: DryRun = False) -> WriteResult:
        """Mark a node unschedulable (cluster-scoped: needs '*' in the server's --namespaces)."""
        return set_unschedulable(node, True, reason, dry_run)

    # Uncordoning only lets the scheduler use a node again: additive, not destructive.
    @tool(title="Uncordon a node", read_only=False, destructive=False, idempotent=True, open_world=True)
    def uncordon(node: Name, reason: Reason, dry_run: DryRun = False) -> WriteResult:
        """Mark a node schedulable again (cluster-scoped: needs '*' in the server's --namespaces)."""
        return set_unschedulable(node, False, reason, dry_run)
