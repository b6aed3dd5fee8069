"""Gated changes to workloads, pods and nodes: scale, set image, set resources, delete a pod,
cordon, uncordon and remove a node taint. Each is refused unless the server allows writes in that namespace (nodes:
--allow-node-writes, or '*'), supports server-side dry run, and is audited whatever happens."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.fastmcp import FastMCP
from pydantic import Field

from ...common.registry import tool_decorator
from ...common.safety import WriteRefused
from .context import DryRun, KubeTools, Name, Namespace, Reason, WriteResult, dry
from .preconditions import (
    ExpectGeneration,
    ExpectImage,
    ExpectReplicas,
    ExpectUid,
    ExpectUnschedulable,
    conflict_is_stale,
    expect,
    resource_version_lock,
)
from .rollouts import WorkloadKind, patch_workload
from .write_checks import check_replicas, check_requests_within_limits, check_resources, container_field, find_container

TaintEffect = Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]
# Taints Kubernetes and cloud providers set and clear themselves from a node's conditions.
CONTROLLER_TAINTS = ("node.kubernetes.io/", "node.cloudprovider.kubernetes.io/", "node-role.kubernetes.io/control-plane")


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp, guard=ctx.guard)
    kube = ctx.kube

    def scale(namespace: Namespace, name: Name, replicas: int, reason: Reason,
              dry_run: DryRun = False, kind: Literal["Deployment", "StatefulSet"] = "Deployment",
              expect_replicas: ExpectReplicas = None) -> WriteResult:
        """Set a workload's replica count through its scale subresource; with expect_replicas, only from that count."""
        def action() -> str:
            check_replicas("scale", replicas, ctx.max_replicas)
            apps = kube.apps
            fn = apps.patch_namespaced_deployment_scale if kind == "Deployment" else apps.patch_namespaced_stateful_set_scale
            workload = kube.get(kind, namespace, name)
            before = workload["spec"].get("replicas")
            expect("scale", f"{kind} {namespace}/{name}", "replicas", expect_replicas, before)
            body = {"spec": {"replicas": replicas}, **(resource_version_lock(workload) if expect_replicas is not None else {})}
            conflict_is_stale("scale", f"{kind} {namespace}/{name}",
                              lambda: fn(name, namespace, body, _request_timeout=10, **dry(dry_run)))
            return f"{kind} {namespace}/{name} scaled from {before} to {replicas}"

        return ctx.write("scale", namespace, {"kind": kind, "namespace": namespace, "name": name, "replicas": replicas,
                                              "expect_replicas": expect_replicas}, reason, dry_run, action)

    # The bounds come from the server's settings, so the annotation is set here rather than
    # written in the signature. They are advertised in the schema but enforced in code: a refusal
    # is then audited and says what to do (a schema violation is refused before the tool runs).
    scale.__annotations__["replicas"] = Annotated[int, Field(
        description=f"desired replica count, 0 to {ctx.max_replicas} (this server's maximum, --max-replicas)",
        json_schema_extra={"minimum": 0, "maximum": ctx.max_replicas})]
    tool(title="Scale a workload", read_only=False, destructive=True, idempotent=True, open_world=True)(scale)

    @tool(title="Set a container's image", read_only=False, destructive=True, idempotent=True, open_world=True)
    def set_image(namespace: Namespace, name: Name, container: Name, image: Annotated[str, Field(min_length=3, max_length=500)],
                  reason: Reason, dry_run: DryRun = False, kind: WorkloadKind = "Deployment",
                  expect_image: ExpectImage = None) -> WriteResult:
        """Change one container's (or init container's) image (kubectl set image); the container must exist;
        with expect_image, only while it still runs that image."""
        def action() -> str:
            workload = kube.get(kind, namespace, name)
            field = container_field("set_image", f"{kind} {namespace}/{name}", workload, container)
            current = find_container(workload, field, container)
            expect("set_image", f"container {container!r} of {kind} {namespace}/{name}", "image", expect_image,
                   current.get("image"))
            body = {"spec": {"template": {"spec": {field: [{"name": container, "image": image}]}}}}
            patch_workload(ctx, kind, namespace, name, body, dry_run, locked_to=workload if expect_image is not None else None,
                           tool="set_image")
            return f"{kind}/{name} {container} image {current.get('image')} -> {image}"

        return ctx.write("set_image", namespace, {"kind": kind, "namespace": namespace, "name": name, "container": container,
                                                  "image": image, "expect_image": expect_image}, reason, dry_run, action)

    @tool(title="Set a container's resources", read_only=False, destructive=True, idempotent=True, open_world=True)
    def set_resources(namespace: Namespace, name: Name, container: Name, reason: Reason,
                      requests: Annotated[dict[str, str] | None,
                                          Field(description='Kubernetes quantities, e.g. {"cpu": "250m", "memory": "512Mi"}')] = None,
                      limits: Annotated[dict[str, str] | None, Field(description='e.g. {"memory": "1Gi"}; '
                                                                     'each request must not exceed its limit')] = None,
                      dry_run: DryRun = False, kind: WorkloadKind = "Deployment",
                      expect_generation: ExpectGeneration = None) -> WriteResult:
        """Change one container's resource requests/limits (kubectl set resources); the container must exist;
        with expect_generation, only while the workload's spec is unchanged since it was seen."""
        def action() -> str:
            resources = check_resources("set_resources", requests, limits)
            workload = kube.get(kind, namespace, name)
            expect("set_resources", f"{kind} {namespace}/{name}", "generation", expect_generation,
                   (workload.get("metadata") or {}).get("generation"))
            field = container_field("set_resources", f"{kind} {namespace}/{name}", workload, container)
            current = find_container(workload, field, container)
            check_requests_within_limits("set_resources", f"container {container!r} of {kind} {namespace}/{name}",
                                         current.get("resources"), resources)
            body = {"spec": {"template": {"spec": {field: [{"name": container, "resources": resources}]}}}}
            patch_workload(ctx, kind, namespace, name, body, dry_run,
                           locked_to=workload if expect_generation is not None else None, tool="set_resources")
            return f"{kind}/{name} {container} resources {resources}"

        return ctx.write("set_resources", namespace, {"kind": kind, "namespace": namespace, "name": name,
                                                      "container": container, "requests": requests, "limits": limits,
                                                      "expect_generation": expect_generation},
                         reason, dry_run, action)

    @tool(title="Delete a pod", read_only=False, destructive=True, idempotent=False, open_world=True)
    def delete_pod(namespace: Namespace, name: Name, reason: Reason, dry_run: DryRun = False,
                   grace_period_seconds: Annotated[int | None, Field(ge=0, le=3600)] = None,
                   expect_uid: ExpectUid = None) -> WriteResult:
        """Delete one pod (its controller replaces it); with expect_uid, only that very pod -- a pod
        recreated under the same name since the plan was made is left alone."""
        def action() -> str:
            where = f"pod {namespace}/{name}"
            kwargs: dict = {"grace_period_seconds": grace_period_seconds} if grace_period_seconds is not None else {}
            if expect_uid is not None:
                pod = kube.core.read_namespaced_pod(name, namespace, _request_timeout=10)
                expect("delete_pod", where, "uid", expect_uid, pod.metadata.uid)
                # The API server checks the uid again at deletion time: the check and the delete are one step.
                kwargs["body"] = {"preconditions": {"uid": expect_uid}}
            conflict_is_stale("delete_pod", where, lambda: kube.core.delete_namespaced_pod(
                name, namespace, _request_timeout=10, **dry(dry_run), **kwargs))
            return f"pod {namespace}/{name} deleted"

        return ctx.write("delete_pod", namespace, {"namespace": namespace, "name": name, "expect_uid": expect_uid},
                         reason, dry_run, action)

    def set_unschedulable(node: str, unschedulable: bool, reason: str, dry_run: bool,
                          expect_unschedulable: bool | None) -> WriteResult:
        tool_name = "cordon" if unschedulable else "uncordon"

        def action() -> str:
            body: dict = {"spec": {"unschedulable": unschedulable}}
            if expect_unschedulable is not None:
                live = kube.core.read_node(node, _request_timeout=10)
                expect(tool_name, f"node {node}", "unschedulable", expect_unschedulable, bool(live.spec.unschedulable))
                version = live.metadata.resource_version
                body.update({"metadata": {"resourceVersion": version}} if version else {})
            conflict_is_stale(tool_name, f"node {node}",
                              lambda: kube.core.patch_node(node, body, _request_timeout=10, **dry(dry_run)))
            return f"node {node} {'cordoned' if unschedulable else 'uncordoned'}"

        return ctx.write(tool_name, None, {"node": node, "expect_unschedulable": expect_unschedulable}, reason, dry_run,
                         action)

    @tool(title="Cordon a node", read_only=False, destructive=True, idempotent=True, open_world=True)
    def cordon(node: Name, reason: Reason, dry_run: DryRun = False,
               expect_unschedulable: ExpectUnschedulable = None) -> WriteResult:
        """Mark a node unschedulable (cluster-scoped: needs the server's --allow-node-writes, or '*' in --namespaces)."""
        return set_unschedulable(node, True, reason, dry_run, expect_unschedulable)

    # Uncordoning only lets the scheduler use a node again: additive, not destructive.
    @tool(title="Uncordon a node", read_only=False, destructive=False, idempotent=True, open_world=True)
    def uncordon(node: Name, reason: Reason, dry_run: DryRun = False,
                 expect_unschedulable: ExpectUnschedulable = None) -> WriteResult:
        """Mark a node schedulable again (cluster-scoped: needs the server's --allow-node-writes, or '*' in --namespaces)."""
        return set_unschedulable(node, False, reason, dry_run, expect_unschedulable)

    @tool(title="Remove a node taint", read_only=False, destructive=False, idempotent=True, open_world=True)
    def remove_node_taint(node: Name, key: Annotated[str, Field(min_length=1, max_length=316, description="the taint's key")],
                          effect: TaintEffect, reason: Reason, dry_run: DryRun = False) -> WriteResult:
        """Remove one taint (key and effect) from a node (kubectl taint nodes NODE KEY:EFFECT-); cluster-scoped: needs
        --allow-node-writes (or '*'). Taints the node lifecycle controller or the cloud provider manage
        (node.kubernetes.io/*, ...) are refused."""
        where = f"node {node}"

        def action() -> str:
            if key.startswith(CONTROLLER_TAINTS):
                raise WriteRefused(f"remove_node_taint: {key} is set by Kubernetes itself (it comes back while its "
                                   "condition holds); fix the node's condition instead")
            live = kube.get("Node", None, node)
            taints = (live.get("spec") or {}).get("taints") or []
            kept = [t for t in taints if not (t.get("key") == key and t.get("effect") == effect)]
            if len(kept) == len(taints):
                held = ", ".join(f"{t.get('key')}:{t.get('effect')}" for t in taints) or "none"
                raise WriteRefused(f"remove_node_taint: {where} has no taint {key}:{effect} (it has {held})")
            # The taints list is replaced whole: the patch carries the list read, under its resourceVersion.
            body = {"spec": {"taints": kept}, **resource_version_lock(live)}
            conflict_is_stale("remove_node_taint", where, lambda: kube.merge_patch("Node", None, node, body, dry_run))
            return f"{where}: taint {key}:{effect} removed"

        return ctx.write("remove_node_taint", None, {"node": node, "key": key, "effect": effect}, reason, dry_run, action)
