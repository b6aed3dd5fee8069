"""Raising a limit that holds capacity back: a ResourceQuota (the fix for a workload refused at
admission, instead of scaling it back below what was asked for and below what serves) and an
autoscaler's maxReplicas (the fix for an HPA pinned at its cap under load, instead of a hand-set
replica count the HPA undoes). And freeing what a CronJob's pile-up holds (stop_cronjob_pileup): its runs
stop overlapping and the named runs that never finished are deleted -- the quota they hold is released, where a
raise would only be filled by the next runs.

Only raises: the tools admit more, never take capacity away. Every new hard limit must be at least
the current one and the quota must already cap that resource (no new constraint is invented); with
`expect_hard` (the limits seen when the change was planned), only while the quota still says that.
A new maxReplicas must be above the current one and within the server's --max-replicas; with
`expect_max_replicas`, only from that cap."""

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


StuckRuns = Annotated[list[Name], Field(max_length=50, description=(
    "names of the CronJob's own Jobs that have not finished, to delete (their pods go with them)"))]
ExpectPolicy = Annotated[str | None, Field(description="refuse unless the CronJob's concurrencyPolicy is this")]
FINISHED = ("Complete", "Failed")


def check_stuck_runs(where: str, cronjob: str, jobs: dict[str, dict], names: list[str],
                     tool: str = "stop_cronjob_pileup") -> None:
    """Every named Job is a run of this CronJob and has not finished: anything else is not the pile-up's."""
    for name in names:
        job = jobs.get(name)
        owners = [(r.get("kind"), r.get("name")) for r in ((job or {}).get("metadata") or {}).get("ownerReferences") or []]
        if job is None or ("CronJob", cronjob) not in owners:
            raise WriteRefused(f"{tool}: Job {name} is not a run of {where}; only its own runs are deleted. "
                               "Nothing was changed")
        if any(c.get("type") in FINISHED and c.get("status") == "True" for c in (job.get("status") or {}).get("conditions") or []):
            raise WriteRefused(f"{tool}: Job {name} has finished; only runs that have not finished are "
                               "deleted. Nothing was changed")


ExpectMaxReplicas = Annotated[int | None, Field(ge=1, description="refuse unless the autoscaler's current maxReplicas is this")]


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

    def raise_hpa_max(namespace: Namespace, name: Name, max_replicas: int, reason: Reason, dry_run: DryRun = False,
                      expect_max_replicas: ExpectMaxReplicas = None) -> WriteResult:
        """Raise a HorizontalPodAutoscaler's maxReplicas (never lower it); with expect_max_replicas, only from that cap."""
        where = f"HorizontalPodAutoscaler {namespace}/{name}"

        def action() -> str:
            hpa = kube.get("HorizontalPodAutoscaler", namespace, name)
            current = int((hpa.get("spec") or {}).get("maxReplicas") or 0)
            expect("raise_hpa_max", where, "maxReplicas", expect_max_replicas, current)
            if max_replicas <= current:
                raise WriteRefused(f"raise_hpa_max: maxReplicas {current} -> {max_replicas} would not raise {where}; "
                                   "this tool only raises the cap")
            if max_replicas > ctx.max_replicas:
                raise WriteRefused(f"raise_hpa_max: {max_replicas} is above this server's --max-replicas "
                                   f"({ctx.max_replicas}): a likely mistake")
            body = {"spec": {"maxReplicas": max_replicas}, **resource_version_lock(hpa)}
            conflict_is_stale("raise_hpa_max", where,
                              lambda: kube.merge_patch("HorizontalPodAutoscaler", namespace, name, body, dry_run))
            return f"{where} maxReplicas {current} -> {max_replicas}"

        return ctx.write("raise_hpa_max", namespace, {"namespace": namespace, "name": name, "max_replicas": max_replicas,
                                                      "expect_max_replicas": expect_max_replicas}, reason, dry_run, action)

    raise_hpa_max.__annotations__["max_replicas"] = Annotated[int, Field(
        ge=1, description=f"the new cap, above the current one and at most {ctx.max_replicas} (--max-replicas)")]
    tool(title="Raise an autoscaler's maxReplicas", read_only=False, destructive=False, idempotent=True,
         open_world=True)(raise_hpa_max)

    @tool(title="Stop a CronJob's pile-up", read_only=False, destructive=True, idempotent=False, open_world=True)
    def stop_cronjob_pileup(namespace: Namespace, name: Name, stuck_runs: StuckRuns, reason: Reason,
                            dry_run: DryRun = False, expect_policy: ExpectPolicy = None) -> WriteResult:
        """Set a CronJob's concurrencyPolicy to Forbid (no new run while one is active) and delete the named runs of it
        that have not finished; never the CronJob, never a finished run or another's Job; with expect_policy, only
        from that policy."""
        where = f"CronJob {namespace}/{name}"

        def action() -> str:
            cronjob = kube.get("CronJob", namespace, name)
            policy = (cronjob.get("spec") or {}).get("concurrencyPolicy") or "Allow"
            expect("stop_cronjob_pileup", where, "concurrencyPolicy", expect_policy, policy)
            jobs = {j["metadata"]["name"]: j for j in kube.list("Job", namespace)}
            check_stuck_runs(where, name, jobs, stuck_runs)
            if policy == "Forbid" and not stuck_runs:
                raise WriteRefused(f"stop_cronjob_pileup: {where} already forbids overlapping runs and no run was named. "
                                   "Nothing was changed")
            if policy != "Forbid":
                body = {"spec": {"concurrencyPolicy": "Forbid"}, **resource_version_lock(cronjob)}
                conflict_is_stale("stop_cronjob_pileup", where,
                                  lambda: kube.merge_patch("CronJob", namespace, name, body, dry_run))
            for job in stuck_runs:
                kube.delete("Job", namespace, job, propagation="Background", dry_run=dry_run)
            return f"{where} concurrencyPolicy {policy} -> Forbid; deleted unfinished runs {stuck_runs or 'none'}"

        return ctx.write("stop_cronjob_pileup", namespace, {"namespace": namespace, "name": name, "stuck_runs": stuck_runs,
                                                            "expect_policy": expect_policy}, reason, dry_run, action)
