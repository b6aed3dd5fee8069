"""Gated changes to workloads, pods and nodes: scale, set image, set resources, delete a pod,
cordon and uncordon. Each is refused unless the server allows writes in that namespace (nodes
need '*'), supports server-side dry run, and is audited whatever happens."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.fastmcp import FastMCP
from pydantic import Field

from ...common.registry import tool_decorator
from .context import DryRun, KubeTools, Name, Namespace, Reason, WriteResult, dry
from .rollouts import WorkloadKind, patch_workload
from .write_checks import check_replicas, check_requests_within_limits, check_resources, container_field, find_container


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp, guard=ctx.guard)
    kube = ctx.kube

    def container_of(tool_name: str, kind: str, namespace: str, name: str, container: str) -> tuple[str, dict]:
        """(pod-template field, container) of the live workload; refused when it has no such container."""
        workload = kube.get(kind, namespace, name)
        field = container_field(tool_name, f"{kind} {namespace}/{name}", workload, container)
        return field, find_container(workload, field, container)

    def scale(namespace: Namespace, name: Name, replicas: int, reason: Reason,
              dry_run: DryRun = False, kind: Literal["Deployment", "StatefulSet"] = "Deployment") -> WriteResult:
        """Set a workload's replica count through its scale subresource."""
        def action() -> str:
            check_replicas("scale", replicas, ctx.max_replicas)
            apps = kube.apps
            fn = apps.patch_namespaced_deployment_scale if kind == "Deployment" else apps.patch_namespaced_stateful_set_scale
            before = kube.get(kind, namespace, name)["spec"].get("replicas")
            fn(name, namespace, {"spec": {"replicas": replicas}}, _request_timeout=10, **dry(dry_run))
            return f"{kind} {namespace}/{name} scaled from {before} to {replicas}"

        return ctx.write("scale", namespace, {"kind": kind, "namespace": namespace, "name": name, "replicas": replicas},
                         reason, dry_run, action)

    # The bounds come from the server's settings, so the annotation is set here rather than
    # written in the signature. They are advertised in the schema but enforced in code: a refusal
    # is then audited and says what to do (a schema violation is refused before the tool runs).
    scale.__annotations__["replicas"] = Annotated[int, Field(
        description=f"desired replica count, 0 to {ctx.max_replicas} (this server's maximum, --max-replicas)",
        json_schema_extra={"minimum": 0, "maximum": ctx.max_replicas})]
    tool(title="Scale a workload", read_only=False, destructive=True, idempotent=True, open_world=True)(scale)

    @tool(title="Set a container's image", read_only=False, destructive=True, idempotent=True, open_world=True)
    def set_image(namespace: Namespace, name: Name, container: Name, image: Annotated[str, Field(min_length=3, max_length=500)],
                  reason: Reason, dry_run: DryRun = False, kind: WorkloadKind = "Deployment") -> WriteResult:
        """Change one container's (or init container's) image (kubectl set image); the container must exist."""
        def action() -> str:
            field, current = container_of("set_image", kind, namespace, name, container)
            body = {"spec": {"template": {"spec": {field: [{"name": container, "image": image}]}}}}
            patch_workload(ctx, kind, namespace, name, body, dry_run)
            return f"{kind}/{name} {container} image {current.get('image')} -> {image}"

        return ctx.write("set_image", namespace, {"kind": kind, "namespace": namespace, "name": name,
                                                  "container": container, "image": image}, reason, dry_run, action)

    @tool(title="Set a container's resources", read_only=False, destructive=True, idempotent=True, open_world=True)
    def set_resources(namespace: Namespace, name: Name, container: Name, reason: Reason,
                      requests: Annotated[dict[str, str] | None,
                                          Field(description='Kubernetes quantities, e.g. {"cpu": "250m", "memory": "512Mi"}')] = None,
                      limits: Annotated[dict[str, str] | None, Field(description='e.g. {"memory": "1Gi"}; '
                                                                     'each request must not exceed its limit')] = None,
                      dry_run: DryRun = False, kind: WorkloadKind = "Deployment") -> WriteResult:
        """Change one container's resource requests/limits (kubectl set resources); the container must exist."""
        def action() -> str:
            resources = check_resources("set_resources", requests, limits)
            field, current = container_of("set_resources", kind, namespace, name, container)
            check_requests_within_limits("set_resources", f"container {container!r} of {kind} {namespace}/{name}",
                                         current.get("resources"), resources)
            body = {"spec": {"template": {"spec": {field: [{"name": container, "resources": resources}]}}}}
            patch_workload(ctx, kind, namespace, name, body, dry_run)
            return f"{kind}/{name} {container} resources {resources}"

        return ctx.write("set_resources", namespace, {"kind": kind, "namespace": namespace, "name": name,
                                                      "container": container, "requests": requests, "limits": limits},
                         reason, dry_run, action)

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
