"""A Deployment's revisions, and moving between them: history, restart, undo."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Annotated, Literal

from mcp.server.fastmcp import FastMCP
from pydantic import Field

from ...common.registry import Row, ToolResult, tool_decorator
from ...common.safety import WriteRefused
from ..ids import resource_id
from .context import REVISION, DryRun, KubeTools, Name, Namespace, Reason, WriteResult, dry

TEMPLATE_HASH = "pod-template-hash"
WorkloadKind = Literal["Deployment", "StatefulSet", "DaemonSet"]


class Revision(Row):
    revision: int
    replicaset: str
    images: list[str | None]
    created: str | None
    replicas: int | None
    ready: int | None
    change_cause: str | None
    current: bool


class RolloutHistory(ToolResult):
    deployment: str = Field(description="resource id of the Deployment")
    current_revision: int
    revisions: list[Revision] = Field(description="oldest first")


def patch_workload(ctx: KubeTools, kind: str, namespace: str, name: str, body: dict, dry_run: bool) -> None:
    apps = ctx.kube.apps
    fn = {"Deployment": apps.patch_namespaced_deployment, "StatefulSet": apps.patch_namespaced_stateful_set,
          "DaemonSet": apps.patch_namespaced_daemon_set}[kind]
    fn(name, namespace, body, _request_timeout=10, **dry(dry_run))


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp, guard=ctx.guard)
    kube = ctx.kube

    @tool(title="Deployment rollout history", read_only=True, destructive=False, idempotent=True, open_world=True)
    def rollout_history(namespace: Namespace, name: Name) -> RolloutHistory:
        """A Deployment's revisions (from its ReplicaSets): revision, images, when, replicas, change cause."""
        deploy = ctx.k8s(lambda: kube.get("Deployment", namespace, name), f"Deployment {name!r} in {namespace!r}")
        current = (deploy["metadata"].get("annotations") or {}).get(REVISION)
        rows = []
        for rs in ctx.owned_replicasets(namespace, deploy):
            annotations = rs["metadata"].get("annotations") or {}
            rows.append(Revision(
                revision=int(annotations.get(REVISION, 0)), replicaset=rs["metadata"]["name"],
                images=[c.get("image") for c in rs["spec"]["template"]["spec"].get("containers") or []],
                created=rs["metadata"].get("creationTimestamp"), replicas=rs["spec"].get("replicas", 0),
                ready=(rs.get("status") or {}).get("readyReplicas", 0),
                change_cause=annotations.get("kubernetes.io/change-cause"), current=annotations.get(REVISION) == current))
        return RolloutHistory(deployment=resource_id("Deployment", name, namespace), current_revision=int(current or 0),
                              revisions=rows)

    # Restarting replaces every pod: not destructive to the spec, but every pod is killed.
    @tool(title="Restart a workload's pods", read_only=False, destructive=True, idempotent=False, open_world=True)
    def rollout_restart(namespace: Namespace, name: Name, reason: Reason, dry_run: DryRun = False,
                        kind: WorkloadKind = "Deployment") -> WriteResult:
        """Restart a workload's pods (kubectl rollout restart: stamps restartedAt on the pod template)."""
        body = {"spec": {"template": {"metadata": {"annotations": {
            "kubectl.kubernetes.io/restartedAt": datetime.now(UTC).isoformat()}}}}}

        def action() -> str:
            patch_workload(ctx, kind, namespace, name, body, dry_run)
            return f"restarted {kind}/{name}"

        return ctx.write("rollout_restart", namespace, {"kind": kind, "namespace": namespace, "name": name},
                         reason, dry_run, action)

    @tool(title="Roll a Deployment back", read_only=False, destructive=True, idempotent=False, open_world=True)
    def rollout_undo(namespace: Namespace, name: Name, reason: Reason, dry_run: DryRun = False,
                     to_revision: Annotated[int | None, Field(ge=1, description="default: the previous revision")] = None,
                     ) -> WriteResult:
        """Roll a Deployment back to a previous revision (kubectl rollout undo)."""
        def action() -> str:
            deploy = kube.get("Deployment", namespace, name)
            sets = ctx.owned_replicasets(namespace, deploy)
            current = int((deploy["metadata"].get("annotations") or {}).get(REVISION, 0))
            revisions = {int((rs["metadata"].get("annotations") or {}).get(REVISION, 0)): rs for rs in sets}
            target_rev = to_revision or max((r for r in revisions if r < current), default=None)
            if target_rev is None or target_rev not in revisions:
                raise WriteRefused(f"rollout_undo: no revision {to_revision or 'before ' + str(current)} for "
                                f"Deployment {namespace}/{name} (revisions: {sorted(revisions)})")
            template = copy.deepcopy(revisions[target_rev]["spec"]["template"])
            (template.get("metadata") or {}).get("labels", {}).pop(TEMPLATE_HASH, None)
            ops = [{"op": "replace", "path": "/spec/template", "value": template}]
            kube.apps.patch_namespaced_deployment(name, namespace, ops, _request_timeout=10, **dry(dry_run))
            images = [c.get("image") for c in template["spec"].get("containers") or []]
            return f"Deployment {namespace}/{name} rolled back from revision {current} to {target_rev} (images {images})"

        return ctx.write("rollout_undo", namespace, {"namespace": namespace, "name": name, "to_revision": to_revision},
                         reason, dry_run, action)
