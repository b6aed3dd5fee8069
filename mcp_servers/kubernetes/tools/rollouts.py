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
from ..template_facts import changed_aspects, config_refs, container_ports, placement, pod_labels, pod_requests
from .context import DryRun, KubeTools, Name, Namespace, Reason, WriteResult, dry
from .preconditions import ExpectGeneration, ExpectRevision, conflict_is_stale, expect, resource_version_lock
from .revisions import restorable, revisions_of

WorkloadKind = Literal["Deployment", "StatefulSet", "DaemonSet"]


class Revision(Row):
    revision: int
    replicaset: str
    images: list[str | None]
    init_images: list[str | None] = Field(default_factory=list, description="the init containers' images, in order")
    created: str | None
    replicas: int | None
    ready: int | None
    change_cause: str | None
    pods: list[str] | None = Field(default=None, description=(
        "a StatefulSet's or DaemonSet's pods on this revision, by name (an OnDelete or partitioned update leaves some "
        "on an older one)"))
    current: bool
    config_refs: list[str] = Field(default_factory=list, description=(
        "ConfigMaps/Secrets the template requires: Kind/name:key, or Kind/name for a whole object"))
    labels: dict[str, str] = Field(default_factory=dict, description="the pod template's labels (hash labels left out)")
    ports: list[str] = Field(default_factory=list, description="the containers' ports: name:port/PROTOCOL")
    requests: dict[str, str] = Field(default_factory=dict, description=(
        "what one pod requests as a ResourceQuota counts it (cpu in m, memory in Mi): a quota raise for a rollout "
        "that grew them must cover every pod it replaces"))
    limits: dict[str, str] = Field(default_factory=dict, description=(
        "what one pod is limited to, counted as a ResourceQuota's limits.* counts it (cpu in m, memory in Mi)"))
    placement: dict[str, Any] = Field(default_factory=dict, description=(
        "where its pods may run: nodeSelector, affinity, tolerations, ... (only the fields set)"))
    changed: list[str] | None = Field(default=None, description=(
        "what this revision changed from the one before it: image, env, config_refs, probes, labels, resources, "
        "command, ports, placement, volumes (empty: nothing but the hash; absent for the first revision)"))


class RolloutHistory(ToolResult):
    deployment: str = Field(description="resource id of the workload (the field keeps its first name for clients)")
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


def restart_stamp() -> dict:
    """What `kubectl rollout restart` patches: restartedAt on the pod template, so every pod is replaced."""
    return {"spec": {"template": {"metadata": {"annotations": {
        "kubectl.kubernetes.io/restartedAt": datetime.now(UTC).isoformat()}}}}}


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

    @tool(title="Rollout history", read_only=True, destructive=False, idempotent=True, open_world=True)
    def rollout_history(namespace: Namespace, name: Name, kind: WorkloadKind = "Deployment") -> RolloutHistory:
        """A workload's revisions (a Deployment's ReplicaSets, a StatefulSet's or DaemonSet's
        ControllerRevisions): revision, images, when, what it changed, config refs, labels, ports, placement."""
        workload = ctx.k8s(lambda: kube.get(kind, namespace, name), f"{kind} {name!r} in {namespace!r}")
        revisions, current = revisions_of(ctx, kind, namespace, workload)
        rows = []
        previous: dict | None = None
        for rev in revisions:
            template = rev.template
            rows.append(Revision(
                revision=rev.revision, replicaset=rev.name,
                images=[c.get("image") for c in (template.get("spec") or {}).get("containers") or []],
                init_images=[c.get("image") for c in (template.get("spec") or {}).get("initContainers") or []],
                created=rev.created, replicas=rev.replicas, ready=rev.ready, change_cause=rev.change_cause, pods=rev.pods,
                current=rev.revision == current,
                config_refs=config_refs(template), labels=pod_labels(template), ports=container_ports(template),
                requests=pod_requests(template), limits=pod_requests(template, "limits"),
                placement=placement(template),
                changed=changed_aspects(previous, template) if previous is not None else None))
            previous = template
        return RolloutHistory(deployment=resource_id(kind, name, namespace), current_revision=current, revisions=rows)

    # Restarting replaces every pod: not destructive to the spec, but every pod is killed.
    @tool(title="Restart a workload's pods", read_only=False, destructive=True, idempotent=False, open_world=True)
    def rollout_restart(namespace: Namespace, name: Name, reason: Reason, dry_run: DryRun = False,
                        kind: WorkloadKind = "Deployment", expect_generation: ExpectGeneration = None) -> WriteResult:
        """Restart a workload's pods (kubectl rollout restart: stamps restartedAt on the pod template)."""
        body = restart_stamp()

        def action() -> str:
            seen = _expect_generation("rollout_restart", ctx, kind, namespace, name, expect_generation)
            patch_workload(ctx, kind, namespace, name, body, dry_run, locked_to=seen, tool="rollout_restart")
            return f"restarted {kind}/{name}"

        return ctx.write("rollout_restart", namespace, {"kind": kind, "namespace": namespace, "name": name,
                                                        "expect_generation": expect_generation}, reason, dry_run, action)

    @tool(title="Roll a workload back", read_only=False, destructive=True, idempotent=False, open_world=True)
    def rollout_undo(namespace: Namespace, name: Name, reason: Reason, dry_run: DryRun = False,
                     to_revision: Annotated[int | None, Field(ge=1, description=(
                         "the revision to return to (pin it: the default is whichever revision precedes the current one)"))] = None,
                     expect_revision: ExpectRevision = None, kind: WorkloadKind = "Deployment") -> WriteResult:
        """Roll a Deployment, StatefulSet or DaemonSet back to a revision (kubectl rollout undo); with
        expect_revision, only if it is still at that revision."""
        def action() -> str:
            workload = kube.get(kind, namespace, name)
            revisions, current = revisions_of(ctx, kind, namespace, workload)
            expect("rollout_undo", f"{kind} {namespace}/{name}", "revision", expect_revision, current)
            by_number = {r.revision: r for r in revisions}
            target_rev = to_revision or max((r for r in by_number if r < current), default=None)
            if target_rev is None or target_rev not in by_number:
                raise WriteRefused(f"rollout_undo: no revision {to_revision or 'before ' + str(current)} for "
                                   f"{kind} {namespace}/{name} (revisions: {sorted(by_number)})")
            template = restorable(copy.deepcopy(by_number[target_rev].template))
            ops = [{"op": "replace", "path": "/spec/template", "value": template}]
            version = workload["metadata"].get("resourceVersion")
            if expect_revision is not None and version:  # the check and the write as one: a change since is a 409
                ops.append({"op": "replace", "path": "/metadata/resourceVersion", "value": version})
            patch = {"Deployment": kube.apps.patch_namespaced_deployment,
                     "StatefulSet": kube.apps.patch_namespaced_stateful_set,
                     "DaemonSet": kube.apps.patch_namespaced_daemon_set}[kind]
            conflict_is_stale("rollout_undo", f"{kind} {namespace}/{name}",
                              lambda: patch(name, namespace, ops, _request_timeout=10, **dry(dry_run)))
            images = [c.get("image") for c in (template.get("spec") or {}).get("containers") or []]
            return f"{kind} {namespace}/{name} rolled back from revision {current} to {target_rev} (images {images})"

        return ctx.write("rollout_undo", namespace, {"kind": kind, "namespace": namespace, "name": name,
                                                     "to_revision": to_revision, "expect_revision": expect_revision},
                         reason, dry_run, action)
