"""A Job made from a CronJob's template -- a scheduled run (its ownerReference), or a re-run started by hand with
`kubectl create job --from=cronjob/...` (the `cronjob.kubernetes.io/instantiate: manual` annotation) -- fails
because of that template: fixing the Job leaves every next run failing the same way. So what its run showed is
carried onto the CronJob, each finding naming the run, and the diagnosis roots the fault at the CronJob
(diagnosis.py maps a run to its CronJob)."""

from __future__ import annotations

from typing import Any

from ...contracts import resource_id
from .calls import Calls

INSTANTIATED = "cronjob.kubernetes.io/instantiate"


def carry_runs(cronjob: str, runs: list[str], calls: Calls) -> None:
    """The CronJob carries what its runs showed (their problems, each naming the run)."""
    for finding in [f for f in calls.findings if f.resource in runs and f.severity != "info"]:
        calls.find(cronjob, finding.signal, f"run {finding.resource.rsplit('/', 1)[-1]}: {finding.summary}", finding.evidence,
                   severity=finding.severity, run=finding.resource,
                   **{k: v for k, v in finding.details.items() if k not in ("source", "run")})


def _images(job: dict[str, Any]) -> list[str]:
    spec = (((job.get("spec") or {}).get("template") or {}).get("spec") or {})
    return [str(c.get("image")) for c in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]]


async def template_cronjob(namespace: str, job: dict[str, Any], calls: Calls) -> str | None:
    """The CronJob a Job was made from: its owner, else -- a hand-started run that lost its owner -- the one CronJob of
    the namespace whose job template runs the same images; None for a Job of its own."""
    metadata = job.get("metadata") or {}
    owner = next((r.get("name") for r in metadata.get("ownerReferences") or [] if r.get("kind") == "CronJob"), None)
    if owner:
        return resource_id("CronJob", str(owner), namespace)
    if INSTANTIATED not in (metadata.get("annotations") or {}):
        return None
    listed, _ = await calls("get_resources", kind="CronJob", namespace=namespace)
    images = sorted(_images(job))
    same = [c["name"] for c in (listed or {}).get("items") or [] if sorted(c.get("images") or []) == images]
    return resource_id("CronJob", str(same[0]), namespace) if len(same) == 1 else None


async def carry_to_cronjob(namespace: str, run: str, job: dict[str, Any], calls: Calls) -> None:
    """A Job's problems, carried onto the CronJob it was made from."""
    if (cronjob := await template_cronjob(namespace, job, calls)) is not None:
        carry_runs(cronjob, [run], calls)
