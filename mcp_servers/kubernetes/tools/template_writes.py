"""Gated changes to a pod template that give the pods what they lack, never take anything away: more time or
more tries for a health probe that kills working pods (relax_probe), and a reference to a registry credential the
namespace already holds for a pull the registry refused (add_pull_secret).

Why typed tools and not a free patch: each checks the one thing it may change against the live object -- a probe
only loosened (every value at least what it is now), a pull Secret that exists and is a registry credential -- so an
approved plan cannot be stretched into another change. The Secret's content is never read into a result: only
its type."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.fastmcp import FastMCP
from pydantic import Field

from ...common.registry import tool_decorator
from ...common.safety import WriteRefused
from .context import DryRun, KubeTools, Name, Namespace, Reason, WriteResult
from .preconditions import ExpectGeneration, expect
from .rollouts import WorkloadKind, patch_workload
from .write_checks import find_container, template_spec

Probe = Literal["liveness", "readiness", "startup"]
# What the API server fills in for a probe that leaves a field out: the floor a relaxed value is compared with.
PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "failureThreshold": 3}
ProbeSeconds = Annotated[int | None, Field(ge=1, le=300, description="new value, at least the current one")]
ProbeTries = Annotated[int | None, Field(ge=1, le=30, description="new value, at least the current one")]
PULL_SECRET_TYPES = ("kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg")


def relaxed_probe(tool: str, where: str, probe: dict, wanted: dict[str, int]) -> dict[str, int]:
    """The fields to patch; refused when none is given or any would tighten the probe."""
    if not wanted:
        raise WriteRefused(f"{tool}: give timeout_seconds, period_seconds and/or failure_threshold. Nothing was changed")
    for field, value in wanted.items():
        current = int(probe.get(field) or PROBE_DEFAULTS[field])
        if value < current:
            raise WriteRefused(f"{tool}: {field} {current} -> {value} would tighten the probe of {where}; this tool only "
                               "gives a probe more time or more tries. Nothing was changed")
    return wanted


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp, guard=ctx.guard)
    kube = ctx.kube

    @tool(title="Relax a health probe", read_only=False, destructive=True, idempotent=True, open_world=True)
    def relax_probe(namespace: Namespace, name: Name, container: Name, reason: Reason, probe: Probe = "liveness",
                    timeout_seconds: ProbeSeconds = None, period_seconds: ProbeSeconds = None,
                    failure_threshold: ProbeTries = None, dry_run: DryRun = False, kind: WorkloadKind = "Deployment",
                    expect_generation: ExpectGeneration = None) -> WriteResult:
        """Give one container's liveness, readiness or startup probe more time (timeoutSeconds, periodSeconds) or more
        tries (failureThreshold); never less, and only on a probe the container has; with expect_generation, only while
        the workload's spec is unchanged since it was seen. Starts a rollout."""
        field_name = f"{probe}Probe"
        wanted = {k: v for k, v in (("timeoutSeconds", timeout_seconds), ("periodSeconds", period_seconds),
                                    ("failureThreshold", failure_threshold)) if v is not None}

        def action() -> str:
            where = f"container {container!r} of {kind} {namespace}/{name}"
            workload = kube.get(kind, namespace, name)
            expect("relax_probe", f"{kind} {namespace}/{name}", "generation", expect_generation,
                   (workload.get("metadata") or {}).get("generation"))
            names = [c.get("name") for c in template_spec(workload).get("containers") or [] if isinstance(c, dict)]
            if container not in names:
                raise WriteRefused(f"relax_probe: {kind} {namespace}/{name} has no container {container!r} (containers: "
                                   f"{', '.join(str(n) for n in names) or '(none)'}). Nothing was changed")
            current = find_container(workload, "containers", container).get(field_name)
            if not isinstance(current, dict):
                raise WriteRefused(f"relax_probe: {where} has no {field_name}; this tool changes a probe, never adds one. "
                                   "Nothing was changed")
            change = relaxed_probe("relax_probe", where, current, wanted)
            body = {"spec": {"template": {"spec": {"containers": [{"name": container, field_name: change}]}}}}
            patch_workload(ctx, kind, namespace, name, body, dry_run,
                           locked_to=workload if expect_generation is not None else None, tool="relax_probe")
            before = {k: current.get(k, PROBE_DEFAULTS[k]) for k in change}
            return f"{kind}/{name} {container} {field_name} {before} -> {change}"

        return ctx.write("relax_probe", namespace, {"kind": kind, "namespace": namespace, "name": name, "container": container,
                                                    "probe": probe, **wanted, "expect_generation": expect_generation},
                         reason, dry_run, action)

    @tool(title="Reference an image pull Secret", read_only=False, destructive=False, idempotent=True, open_world=True)
    def add_pull_secret(namespace: Namespace, name: Name, secret_name: Name, reason: Reason, dry_run: DryRun = False,
                        kind: WorkloadKind = "Deployment", expect_generation: ExpectGeneration = None) -> WriteResult:
        """Add an existing registry credential (a Secret of type kubernetes.io/dockerconfigjson in the same namespace)
        to a workload's imagePullSecrets, keeping the ones it has; with expect_generation, only while the spec is
        unchanged since it was seen. Starts a rollout."""
        def action() -> str:
            workload = kube.get(kind, namespace, name)
            expect("add_pull_secret", f"{kind} {namespace}/{name}", "generation", expect_generation,
                   (workload.get("metadata") or {}).get("generation"))
            held = kube.get("Secret", namespace, secret_name)  # read for its type only: nothing of its data is returned
            if held.get("type") not in PULL_SECRET_TYPES:
                raise WriteRefused(f"add_pull_secret: Secret {namespace}/{secret_name} is of type {held.get('type')!r}, not a "
                                   f"registry credential ({' or '.join(PULL_SECRET_TYPES)}). Nothing was changed")
            refs = [r for r in template_spec(workload).get("imagePullSecrets") or [] if isinstance(r, dict)]
            if any(r.get("name") == secret_name for r in refs):
                raise WriteRefused(f"add_pull_secret: {kind} {namespace}/{name} already references {secret_name}. Nothing was changed")
            body = {"spec": {"template": {"spec": {"imagePullSecrets": [*refs, {"name": secret_name}]}}}}
            patch_workload(ctx, kind, namespace, name, body, dry_run,
                           locked_to=workload if expect_generation is not None else None, tool="add_pull_secret")
            return f"{kind}/{name} imagePullSecrets {[r.get('name') for r in refs]} + {secret_name}"

        return ctx.write("add_pull_secret", namespace, {"kind": kind, "namespace": namespace, "name": name, "secret_name": secret_name,
                                                        "expect_generation": expect_generation}, reason, dry_run, action)
