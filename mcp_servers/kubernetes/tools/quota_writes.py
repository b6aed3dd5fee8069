"""Raising a ResourceQuota: the fix for a workload refused at admission, instead of scaling it back
below what was asked for (and below what serves) during an incident.

Only raises: every new hard limit must be at least the current one and the quota must already cap
that resource -- the tool can admit more, never take capacity away or invent a new constraint. With
`expect_hard` (the limits seen when the change was planned), only while the quota still says that."""

from __future__ import annotations

from typing import Annotated

from mcp.server.fastmcp import FastMCP
from pydantic import Field

from ...common.registry import tool_decorator
from ...common.safety import WriteRefused
from ..quantity import parse_quantity
from .context import DryRun, KubeTools, Name, Namespace, Reason, WriteResult, dry
from .preconditions import conflict_is_stale, expect, resource_version_lock

Hard = Annotated[dict[str, str], Field(min_length=1, max_length=10, description=(
    'new hard limits for resources the quota already caps, e.g. {"requests.cpu": "5"}; each at least its current value'))]
ExpectHard = Annotated[dict[str, str] | None, Field(description=(
    "refuse unless the quota's current hard limits for these resources are exactly this (what was seen when planned)"))]


def check_raise(where: str, current: dict[str, str], new: dict[str, str]) -> None:
    for resource, value in new.items():
        if resource not in current:
            raise WriteRefused(f"raise_quota: {where} does not cap {resource!r} (it caps {sorted(current)}); "
                               "this tool raises existing limits only")
        new_value, old_value = parse_quantity(value), parse_quantity(current[resource])
        if new_value is None:
            raise WriteRefused(f"raise_quota: {value!r} for {resource} is not a Kubernetes quantity")
        if old_value is not None and new_value < old_value:
            raise WriteRefused(f"raise_quota: {resource} {current[resource]} -> {value} would lower {where}; "
                               "this tool only raises limits")


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp, guard=ctx.guard)
    kube = ctx.kube

    @tool(title="Raise a ResourceQuota", read_only=False, destructive=False, idempotent=True, open_world=True)
    def raise_quota(namespace: Namespace, name: Name, hard: Hard, reason: Reason, dry_run: DryRun = False,
                    expect_hard: ExpectHard = None) -> WriteResult:
        """Raise hard limits of an existing ResourceQuota (never lower one, never add a new one);
        with expect_hard, only while the quota's current limits are still those."""
        where = f"ResourceQuota {namespace}/{name}"

        def action() -> str:
            quota = kube.get("ResourceQuota", namespace, name)
            current = {k: str(v) for k, v in ((quota.get("spec") or {}).get("hard") or {}).items()}
            if expect_hard is not None:
                expect("raise_quota", where, "hard", expect_hard, {k: current.get(k) for k in expect_hard})
            check_raise(where, current, hard)
            body = {"spec": {"hard": hard}, **(resource_version_lock(quota) if expect_hard is not None else {})}
            conflict_is_stale("raise_quota", where, lambda: kube.core.patch_namespaced_resource_quota(
                name, namespace, body, _request_timeout=10, **dry(dry_run)))
            return f"{where} hard {({k: current.get(k) for k in hard})} -> {hard}"

        return ctx.write("raise_quota", namespace, {"namespace": namespace, "name": name, "hard": hard,
                                                    "expect_hard": expect_hard}, reason, dry_run, action)
