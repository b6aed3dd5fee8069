"""A CronJob that starts no run because it is suspended (resume_cronjob: `suspend: false`, and optionally one run now);
and a CronJob whose runs cannot pull their image (set_cronjob_image): its job template is pointed at another image and
the named runs stuck on the old one start again from the fixed template. A CronJob has no rollout to undo -- its runs
are made from the template, so the template is what is fixed -- and under `concurrencyPolicy: Forbid` a run stuck in
ImagePullBackOff holds off every scheduled run until its deadline: fixing the template alone would leave the data
stale for that long, so the stuck runs are replaced by one run made now (what `kubectl create job --from=cronjob/...`
makes: the template's spec, owned by the CronJob, marked as started by hand).

Checked against the live object: resume only while the CronJob is suspended; the container exists in the template,
with `expect_image` only while it still names that image; every named run is this CronJob's own and has not finished
(never another's Job, never a finished run); the new image differs from the old. Nothing else of the template changes."""

from __future__ import annotations

import time
from typing import Annotated

from mcp.server.fastmcp import FastMCP
from pydantic import Field

from ...common.registry import tool_decorator
from ...common.safety import WriteRefused
from .context import DryRun, KubeTools, Name, Namespace, Reason, WriteResult
from .preconditions import ExpectImage, conflict_is_stale, expect, resource_version_lock
from .quota_writes import check_stuck_runs
from .write_checks import CONTAINER_LISTS

TOOL = "set_cronjob_image"
RerunStuck = Annotated[list[Name], Field(max_length=20, description=(
    "names of the CronJob's own runs that have not finished and cannot (stuck on the old image): deleted, and one run "
    "started now from the fixed template in their place; empty: the next scheduled run is the first with the image"))]
RunNow = Annotated[bool, Field(description="start one run from the fixed template now, as `kubectl create job --from=cronjob/` "
                                           "does (implied when rerun_stuck names runs): the data a failed run left stale "
                                           "is made now, not at the next schedule")]


def job_template(cronjob: dict) -> dict:
    """The pod spec every run of the CronJob copies."""
    return ((((cronjob.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec") or {}


def run_from(cronjob: dict, run_name: str) -> dict:
    """A Job as `kubectl create job <run> --from=cronjob/<name>` makes it: the job template's metadata and spec, owned
    by the CronJob, annotated as started by hand."""
    meta, template = cronjob.get("metadata") or {}, (cronjob.get("spec") or {}).get("jobTemplate") or {}
    labels = dict((template.get("metadata") or {}).get("labels") or {})
    annotations = {**((template.get("metadata") or {}).get("annotations") or {}), "cronjob.kubernetes.io/instantiate": "manual"}
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": run_name, "namespace": meta.get("namespace"), "labels": labels, "annotations": annotations,
                         "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": meta.get("name"),
                                              "uid": meta.get("uid"), "controller": True, "blockOwnerDeletion": True}]},
            "spec": template.get("spec") or {}}


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp, guard=ctx.guard)
    kube = ctx.kube

    @tool(title="Resume a suspended CronJob", read_only=False, destructive=False, idempotent=True, open_world=True)
    def resume_cronjob(namespace: Namespace, name: Name, reason: Reason, run_now: RunNow = False,
                       dry_run: DryRun = False) -> WriteResult:
        """Set a suspended CronJob's `suspend` to false (kubectl patch cronjob <name> -p '{"spec":{"suspend":false}}'):
        its schedule starts runs again (a run it missed within its starting deadline starts at once); run_now: one run
        started now from its template as well. Refused when the CronJob is not suspended."""
        where = f"CronJob {namespace}/{name}"

        def action() -> str:
            cronjob = kube.get("CronJob", namespace, name)
            if not (cronjob.get("spec") or {}).get("suspend"):
                raise WriteRefused(f"resume_cronjob: {where} is not suspended. Nothing was changed")
            body = {"spec": {"suspend": False}, **resource_version_lock(cronjob)}
            conflict_is_stale("resume_cronjob", where, lambda: kube.merge_patch("CronJob", namespace, name, body, dry_run))
            if not run_now:
                return f"{where} suspend true -> false; its schedule starts runs again"
            run = f"{name}-resumed-{int(time.time()) % 100000:05d}"[:63]
            kube.create("Job", namespace, run_from(cronjob, run), dry_run)
            return f"{where} suspend true -> false; started {run} from its template"

        return ctx.write("resume_cronjob", namespace, {"namespace": namespace, "name": name, "run_now": run_now},
                         reason, dry_run, action)

    @tool(title="Set a CronJob's image and restart its stuck runs", read_only=False, destructive=True,
          idempotent=False, open_world=True)
    def set_cronjob_image(namespace: Namespace, name: Name, container: Name,
                          image: Annotated[str, Field(min_length=3, max_length=500)], reason: Reason,
                          rerun_stuck: RerunStuck = [], run_now: RunNow = False,  # noqa: B006 -- pydantic copies it
                          dry_run: DryRun = False, expect_image: ExpectImage = None) -> WriteResult:
        """Point one container of a CronJob's job template at an image (kubectl set image cronjob/...) and replace the
        named runs of it that are stuck on the old one with one run started now from the fixed template (run_now: one
        such run even with none to replace); with expect_image, only while the template still names that image."""
        where = f"CronJob {namespace}/{name}"

        def action() -> str:
            cronjob = kube.get("CronJob", namespace, name)
            spec = job_template(cronjob)
            field = next((f for f in CONTAINER_LISTS if any(c.get("name") == container for c in spec.get(f) or [])), None)
            if field is None:
                has = ", ".join(c.get("name", "?") for f in CONTAINER_LISTS for c in spec.get(f) or [])
                raise WriteRefused(f"{TOOL}: {where} has no container {container!r} in its job template ({has or 'none'}). "
                                   "Nothing was changed; call again with one of those names")
            containers = [dict(c) for c in spec.get(field) or []]
            current = next(c for c in containers if c.get("name") == container)
            expect(TOOL, f"container {container!r} of {where}", "image", expect_image, current.get("image"))
            if current.get("image") == image:
                raise WriteRefused(f"{TOOL}: container {container!r} of {where} already runs {image}. Nothing was changed")
            jobs = {j["metadata"]["name"]: j for j in kube.list("Job", namespace)}
            check_stuck_runs(where, name, jobs, rerun_stuck, tool=TOOL)
            before, current["image"] = current.get("image"), image
            # A merge patch replaces a list whole: the whole list goes, only this container's image changed, and the
            # resourceVersion lock refuses it if the CronJob changed since it was read.
            body = {"spec": {"jobTemplate": {"spec": {"template": {"spec": {field: containers}}}}},
                    **resource_version_lock(cronjob)}
            conflict_is_stale(TOOL, where, lambda: kube.merge_patch("CronJob", namespace, name, body, dry_run))
            done = f"{where} container {container} image {before} -> {image}"
            if not rerun_stuck and not run_now:
                return done + "; its next scheduled run starts with it"
            for job in rerun_stuck:
                kube.delete("Job", namespace, job, propagation="Background", dry_run=dry_run)
            run = f"{name}-fix-{int(time.time()) % 100000:05d}"[:63]
            kube.create("Job", namespace, run_from(_with_image(cronjob, field, containers), run), dry_run)
            replaced = f"deleted the stuck runs {', '.join(rerun_stuck)} and " if rerun_stuck else ""
            return done + f"; {replaced}started {run} from the fixed template"

        return ctx.write(TOOL, namespace, {"namespace": namespace, "name": name, "container": container, "image": image,
                                           "rerun_stuck": rerun_stuck, "run_now": run_now, "expect_image": expect_image},
                         reason, dry_run, action)


def _with_image(cronjob: dict, field: str, containers: list[dict]) -> dict:
    """The CronJob as the patch makes it: the run started now is made from the fixed template (the same under dry run)."""
    template = (cronjob.get("spec") or {}).get("jobTemplate") or {}
    pod = {**((template.get("spec") or {}).get("template") or {})}
    pod["spec"] = {**(pod.get("spec") or {}), field: containers}
    job_spec = {**(template.get("spec") or {}), "template": pod}
    return {**cronjob, "spec": {**(cronjob.get("spec") or {}), "jobTemplate": {**template, "spec": job_spec}}}
