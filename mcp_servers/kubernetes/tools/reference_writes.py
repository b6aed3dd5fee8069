"""A workload reads a ConfigMap or Secret key that is gone because the object's key was renamed (`REDUCTION_OUTPUT_BUCKET`
gone, `OUTPUT_BUCKET` there): set_key_reference points the workload's references at the renamed key. Adding the old key
back would need its value -- for a Secret, a value only a human has -- while pointing the reader at the key that holds
it needs nothing but the two names.

Checked against the live objects, never stretched: the object exists, holds the new key and no longer holds the old one
(a reference that resolves is not broken); the template has at least one reference to exactly that object and key (env
`configMapKeyRef` / `secretKeyRef`, a volume's `items`); only those references change. Key names are read, never values.

Where the template lives differs by kind: a Deployment, StatefulSet or DaemonSet rolls out the fixed template; a CronJob's
job template is fixed and the named runs stuck on the old reference are replaced by one run started now (as
set_cronjob_image does); a bare Job's template is immutable, so a Job that has not succeeded is re-created under its own
name from its fixed template (`kubectl replace --force`); a Job a CronJob made is fixed through its CronJob."""

from __future__ import annotations

import copy
import time
from typing import Annotated, Any, Literal

from mcp.server.fastmcp import FastMCP
from pydantic import Field

from ...common.registry import tool_decorator
from ...common.safety import WriteRefused
from ..analyzers.pod_template import keys_of
from .context import DryRun, KubeTools, Name, Namespace, Reason, WriteResult
from .cronjob_writes import RerunStuck, RunNow, run_from
from .preconditions import conflict_is_stale, resource_version_lock
from .quota_writes import check_stuck_runs
from .write_checks import CONTAINER_LISTS

TOOL = "set_key_reference"
ReaderKind = Literal["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job"]
SourceKind = Literal["ConfigMap", "Secret"]
Key = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[-._a-zA-Z0-9]+$")]
ENV_REFS = {"ConfigMap": "configMapKeyRef", "Secret": "secretKeyRef"}
VOLUME_SOURCES = {"ConfigMap": ("configMap", "name"), "Secret": ("secret", "secretName")}
# What the Job controller stamps on a Job it made: a re-created Job gets its own.
JOB_CONTROLLER_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name")


def pod_template(reader: dict, kind: str) -> dict:
    """The pod template a reader's pods are made from (a CronJob's is inside its job template)."""
    spec = reader.get("spec") or {}
    if kind == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return spec.get("template") or {}


def repoint(template_spec: dict, source_kind: str, source_name: str, key: str, renamed_to: str) -> tuple[dict, list[str]]:
    """A copy of the pod spec with every reference to `source_name`'s `key` pointed at `renamed_to`, and where each was."""
    spec, where = copy.deepcopy(template_spec), []
    env_ref = ENV_REFS[source_kind]
    for field in CONTAINER_LISTS:
        for container in spec.get(field) or []:
            for env in container.get("env") or []:
                ref = (env.get("valueFrom") or {}).get(env_ref) or {}
                if ref.get("name") == source_name and ref.get("key") == key:
                    ref["key"] = renamed_to
                    where.append(f"container {container.get('name')} env {env.get('name')}")
    volume_field, name_field = VOLUME_SOURCES[source_kind]
    for volume in spec.get("volumes") or []:
        source = volume.get(volume_field) or {}
        if source.get(name_field) != source_name:
            continue
        for item in source.get("items") or []:
            if item.get("key") == key:
                item["key"] = renamed_to
                where.append(f"volume {volume.get('name')} item {item.get('path') or key}")
    return spec, where


def recreated_job(job: dict, spec: dict) -> dict:
    """The Job as `kubectl replace --force` sends it back: its own name, labels and annotations, the fixed pod spec, no
    status and none of what the Job controller stamped (a new uid gets a new selector)."""
    meta = job.get("metadata") or {}
    job_spec = copy.deepcopy(job.get("spec") or {})
    job_spec.pop("selector", None)
    job_spec.pop("manualSelector", None)
    template = job_spec.get("template") or {}
    labels = {k: v for k, v in ((template.get("metadata") or {}).get("labels") or {}).items() if k not in JOB_CONTROLLER_LABELS}
    job_spec["template"] = {**template, "metadata": {**(template.get("metadata") or {}), "labels": labels}, "spec": spec}
    keep = {k: v for k, v in (meta.get("labels") or {}).items() if k not in JOB_CONTROLLER_LABELS}
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": meta.get("name"), "namespace": meta.get("namespace"), "labels": keep,
                         "annotations": meta.get("annotations") or {}},
            "spec": job_spec}


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp, guard=ctx.guard)
    kube = ctx.kube

    @tool(title="Point a workload at a renamed ConfigMap or Secret key", read_only=False, destructive=True,
          idempotent=False, open_world=True)
    def set_key_reference(namespace: Namespace, kind: ReaderKind, name: Name, source_kind: SourceKind, source_name: Name,
                          key: Key, renamed_to: Key, reason: Reason, rerun_stuck: RerunStuck = [],  # noqa: B006 -- copied
                          run_now: RunNow = False, dry_run: DryRun = False) -> WriteResult:
        """Point a workload's references to key `key` of ConfigMap/Secret `source_name` at `renamed_to` of the same object
        -- for a key that was renamed. Only while the object holds `renamed_to` and no longer holds `key`, and only the
        references to that object and key change. A Deployment, StatefulSet or DaemonSet rolls out; a CronJob's job
        template is fixed (rerun_stuck / run_now as in set_cronjob_image); a Job that has not succeeded is re-created under
        its name from the fixed template (a CronJob's run: fix the CronJob)."""
        where = f"{kind} {namespace}/{name}"
        source_where = f"{source_kind} {namespace}/{source_name}"

        def action() -> str:
            held = keys_of(source_kind, kube.get(source_kind, namespace, source_name)) or set()
            if renamed_to not in held:
                raise WriteRefused(f"{TOOL}: {source_where} holds no key {renamed_to!r} (it holds {', '.join(sorted(held)) or 'none'}). "
                                   "Nothing was changed")
            if key in held:
                raise WriteRefused(f"{TOOL}: {source_where} still holds {key!r}: a reference to it is not broken. Nothing was changed")
            reader = kube.get(kind, namespace, name)
            if kind == "Job" and any(o.get("kind") == "CronJob" for o in (reader.get("metadata") or {}).get("ownerReferences") or []):
                raise WriteRefused(f"{TOOL}: {where} is a run of a CronJob: fix the CronJob's job template. Nothing was changed")
            if kind == "Job" and (reader.get("status") or {}).get("succeeded"):
                raise WriteRefused(f"{TOOL}: {where} has succeeded: nothing to run again. Nothing was changed")
            template = pod_template(reader, kind)
            spec, changed = repoint(template.get("spec") or {}, source_kind, source_name, key, renamed_to)
            if not changed:
                raise WriteRefused(f"{TOOL}: {where} has no reference to key {key!r} of {source_where}. Nothing was changed")
            done = f"{where} {'; '.join(changed)}: {source_name} key {key} -> {renamed_to}"
            if kind == "Job":
                kube.delete("Job", namespace, name, propagation="Background", dry_run=dry_run)
                kube.create("Job", namespace, recreated_job(reader, spec), dry_run)
                return done + f"; re-created Job {name} from the fixed template"
            body = _patch_body(kind, spec, reader)
            conflict_is_stale(TOOL, where, lambda: kube.merge_patch(kind, namespace, name, body, dry_run))
            if kind != "CronJob":
                return done + "; its rollout starts"
            if not rerun_stuck and not run_now:
                return done + "; its next scheduled run reads it"
            jobs = {j["metadata"]["name"]: j for j in kube.list("Job", namespace)}
            check_stuck_runs(where, name, jobs, rerun_stuck, tool=TOOL)
            for job in rerun_stuck:
                kube.delete("Job", namespace, job, propagation="Background", dry_run=dry_run)
            run = f"{name}-fix-{int(time.time()) % 100000:05d}"[:63]
            kube.create("Job", namespace, run_from(_with_spec(reader, spec), run), dry_run)
            replaced = f"deleted the stuck runs {', '.join(rerun_stuck)} and " if rerun_stuck else ""
            return done + f"; {replaced}started {run} from the fixed template"

        return ctx.write(TOOL, namespace, {"namespace": namespace, "kind": kind, "name": name, "source_kind": source_kind,
                                           "source_name": source_name, "key": key, "renamed_to": renamed_to,
                                           "rerun_stuck": rerun_stuck, "run_now": run_now}, reason, dry_run, action)


def _patch_body(kind: str, spec: dict, reader: dict) -> dict[str, Any]:
    """A merge patch replaces a list whole: the containers, init containers and volumes go whole, only the references
    changed, locked to the resourceVersion read (a change made since is refused, not overwritten)."""
    lists = {field: spec[field] for field in (*CONTAINER_LISTS, "volumes") if field in spec}
    template = {"template": {"spec": lists}}
    return {"spec": {"jobTemplate": {"spec": template}} if kind == "CronJob" else template, **resource_version_lock(reader)}


def _with_spec(cronjob: dict, spec: dict) -> dict:
    """The CronJob as the patch makes it: the run started now is made from the fixed template (the same under dry run)."""
    fixed = copy.deepcopy(cronjob)
    pod_template(fixed, "CronJob")["spec"] = spec
    return fixed
