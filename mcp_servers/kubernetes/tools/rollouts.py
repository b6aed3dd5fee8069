"""A Deployment's revisions, and moving between them: history, restart, undo."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from mcp.server.fastmcp import FastMCP
from pydantic import Field

from ...common.registry import Row, ToolResult, tool_decorator
from ...common.safety import WriteRefused
from ..ids import resource_id
from ..template_facts import changed_aspects, config_refs, placement, pod_labels
from .context import REVISION, DryRun, KubeTools, Name, Namespace, Reason, WriteResult, dry
from .preconditions import ExpectGeneration, ExpectRevision, conflict_is_stale, expect, resource_version_lock

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
    config_refs: list[str] = Field(default_factory=list, description=(
        "ConfigMaps/Secrets the template requires: Kind/name:key, or Kind/name for a whole object"))
    labels: dict[str, str] = Field(default_factory=dict, description="the pod template's labels (hash labels left out)")
    placement: dict[str, Any] = Field(default_factory=dict, description=(
        "where its pods may run: nodeSelector, affinity, tolerations, ... (only the fields set)"))
    changed: list[str] | None = Field(default=None, description=(
        "what this revision changed from the one before it: image, env, config_refs, probes, labels, resources, "
        "command, placement, volumes (empty: nothing but the hash; absent for the first revision)"))


class RolloutHistory(ToolResult):
    deployment: str = Field(description="resource id of the Deployment")
    current_revision: int
    revisions: list[Revision] = Field(description="oldest first")


def patch_workload(ctx: KubeTools, kind: str, namespace: str, name: str, body: dict, dry_run: bool,
                   locked_to: dict | None = None, tool: str = "write") -> None:
    """Strategic-merge `body` into the workload; with `locked_to` (the object a precondition was
    checked on) the patch carries its resourceVersion, so a change made since is refused, not overwritten."""
    apps = ctx.kube.apps
    fn = {"Deployment": apps.patch_namespaced_deployment, "StatefulSet": apps.patch_namespaced_stateful_set,
          "DaemonSet": apps.patch_namespaced_daemon_set}[kind]
    if locked_to is None:
        fn(name, namespace, body, _request_timeout=10, **dry(dry_run))
        return
    locked = {**body, **resource_version_lock(locked_to)}
    conflict_is_stale(tool, f"{kind} {namespace}/{name}", lambda: fn(name, namespace, locked, _request_timeout=10, **dry(dry_run)))


def _expect_generation(tool: str, ctx: KubeTools, kind: str, namespace: str, name: str, generation: int | None) -> dict | None:
    """The live workload when `generation` is pinned (checked against it), else None (no lock)."""
    if generation is None:
        return None
    workload = ctx.kube.get(kind, namespace, name)
    expect(tool, f"{kind} {namespace}/{name}", "generation", generation, (workload.get("metadata") or {}).get("generation"))
    return workload


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp, guard=ctx.guard)
    kube = ctx.kube

    @tool(title="Deployment rollout history", read_only=True, destructive=False, idempotent=True, open_world=True)
    def rollout_history(namespace: Namespace, name: Name) -> RolloutHistory:
        """A Deployment's revisions (from its ReplicaSets): revision, images, when, replicas, change cause."""
        deploy = ctx.k8s(lambda: kube.get("Deployment", namespace, name), f"Deployment {name!r} in {namespace!r}")
        current = (deploy["metadata"].get("annotations") or {}).get(REVISION)
        rows = []
        previous: dict | None = None
        sets = sorted(ctx.owned_replicasets(namespace, deploy),
                      key=lambda rs: int((rs["metadata"].get("annotations") or {}).get(REVISION, 0)))
        for rs in sets:
            annotations = rs["metadata"].get("annotations") or {}
            template = rs["spec"]["template"]
            rows.append(Revision(
                revision=int(annotations.get(REVISION, 0)), replicaset=rs["metadata"]["name"],
                images=[c.get("image") for c in template["spec"].get("containers") or []],
                created=rs["metadata"].get("creationTimestamp"), replicas=rs["spec"].get("replicas", 0),
                ready=(rs.get("status") or {}).get("readyReplicas", 0),
                change_cause=annotations.get("kubernetes.io/change-cause"), current=annotations.get(REVISION) == current,
                config_refs=config_refs(template), labels=pod_labels(template), placement=placement(template),
                changed=changed_aspects(previous, template) if previous is not None else None))
            previous = template
        return RolloutHistory(deployment=resource_id("Deployment", name, namespace), current_revision=int(current or 0),
                              revisions=rows)

    # Restarting replaces every pod: not destructive to the spec, but every pod is killed.
    @tool(title="Restart a workload's pods", read_only=False, destructive=True, idempotent=False, open_world=True)
    def rollout_restart(namespace: Namespace, name: Name, reason: Reason, dry_run: DryRun = False,
                        kind: WorkloadKind = "Deployment", expect_generation: ExpectGeneration = None) -> WriteResult:
        """Restart a workload's pods (kubectl rollout restart: stamps restartedAt on the pod template)."""
        body = {"spec": {"template": {"metadata": {"annotations": {
            "kubectl.kubernetes.io/restartedAt": datetime.now(UTC).isoformat()}}}}}

        def action() -> str:
            seen = _expect_generation("rollout_restart", ctx, kind, namespace, name, expect_generation)
            patch_workload(ctx, kind, namespace, name, body, dry_run, locked_to=seen, tool="rollout_restart")
            return f"restarted {kind}/{name}"

        return ctx.write("rollout_restart", namespace, {"kind": kind, "namespace": namespace, "name": name,
                                                        "expect_generation": expect_generation}, reason, dry_run, action)

    @tool(title="Roll a Deployment back", read_only=False, destructive=True, idempotent=False, open_world=True)
    def rollout_undo(namespace: Namespace, name: Name, reason: Reason, dry_run: DryRun = False,
                     to_revision: Annotated[int | None, Field(ge=1, description=(
                         "the revision to return to (pin it: the default is whichever revision precedes the current one)"))] = None,
                     expect_revision: ExpectRevision = None) -> WriteResult:
        """Roll a Deployment back to a revision (kubectl rollout undo); with expect_revision, only if it is still at that revision."""
        def action() -> str:
            deploy = kube.get("Deployment", namespace, name)
            current = int((deploy["metadata"].get("annotations") or {}).get(REVISION, 0))
            expect("rollout_undo", f"Deployment {namespace}/{name}", "revision", expect_revision, current)
            sets = ctx.owned_replicasets(namespace, deploy)
            revisions = {int((rs["metadata"].get("annotations") or {}).get(REVISION, 0)): rs for rs in sets}
            target_rev = to_revision or max((r for r in revisions if r < current), default=None)
            if target_rev is None or target_rev not in revisions:
                raise WriteRefused(f"rollout_undo: no revision {to_revision or 'before ' + str(current)} for "
                                f"Deployment {namespace}/{name} (revisions: {sorted(revisions)})")
            template = copy.deepcopy(revisions[target_rev]["spec"]["template"])
            (template.get("metadata") or {}).get("labels", {}).pop(TEMPLATE_HASH, None)
            ops = [{"op": "replace", "path": "/spec/template", "value": template}]
            version = deploy["metadata"].get("resourceVersion")
            if expect_revision is not None and version:  # the check and the write as one: a change since is a 409
                ops.append({"op": "replace", "path": "/metadata/resourceVersion", "value": version})
            conflict_is_stale("rollout_undo", f"Deployment {namespace}/{name}", lambda: kube.apps.patch_namespaced_deployment(
                name, namespace, ops, _request_timeout=10, **dry(dry_run)))
            images = [c.get("image") for c in template["spec"].get("containers") or []]
            return f"Deployment {namespace}/{name} rolled back from revision {current} to {target_rev} (images {images})"

        return ctx.write("rollout_undo", namespace, {"namespace": namespace, "name": name, "to_revision": to_revision,
                                                     "expect_revision": expect_revision}, reason, dry_run, action)
