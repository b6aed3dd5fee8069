"""Jobs and their runs: a CronJob's runs (the Jobs it made, oldest first, each carrying the template it ran and its
outcome -- a CronJob keeps no revisions, so its runs are its history), a Job's facts and its pods, or what their
events say once they are gone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ...contracts import parse_resource_id, parse_time
from ..ask import Ask
from .pods import crash_lines, pod_line, pod_lines, said_by, workload_pods


async def runs_of(ask: Ask, namespace: str, cronjob: str) -> list[dict]:
    """A CronJob's runs: the Jobs it owns, and the ones made from it by hand that own no parent but carry its name
    ("kubectl create job stock-sync-nightly --from=cronjob/stock-sync"; the controller names its own <name>-<time>)."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Job", "namespace": namespace, "limit": 500})
    return sorted((j for j in (listed.data or {}).get("items") or [] if j.get("cronjob") == cronjob or (
        not j.get("cronjob") and str(j.get("name", "")).startswith(f"{cronjob}-"))), key=lambda j: str(j.get("created")))


async def cronjob_of(ask: Ask, namespace: str, job: str) -> str | None:
    """The CronJob a Job is a run of (its row names it, else the CronJob its name extends), or None for a Job of its own."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Job", "namespace": namespace,
                                                            "field_selector": f"metadata.name={job}"})
    owner = next((j.get("cronjob") for j in (listed.data or {}).get("items") or [] if j.get("name") == job), None)
    if owner:
        return f"{namespace}/CronJob/{owner}"
    # a run made by hand from it ("overdue-fines-postrelease" of the CronJob overdue-fines): the CronJob whose name
    # its name extends -- "the nightly one" asked after a manual run
    crons = await ask.call("kubernetes", "get_resources", {"kind": "CronJob", "namespace": namespace})
    family = [str(c.get("name")) for c in (crons.data or {}).get("items") or [] if job.startswith(f"{c.get('name')}-")]
    return f"{namespace}/CronJob/{max(family, key=len)}" if family else None


def run_state(job: dict) -> str:
    """A Job row's outcome from its pod counts."""
    if job.get("failed") and not job.get("succeeded"):
        return "Failed"
    return "Complete" if job.get("succeeded") else "running" if job.get("active") else "not started"


async def recovered_runs(ask: Ask, rid: str) -> set[str]:
    """The failed runs of a CronJob that a later run completed after: a failure it has recovered from, not its state
    now ("is the cronjob broken" after one bad run and good ones since)."""
    namespace, _, name = parse_resource_id(rid)
    runs = await runs_of(ask, namespace or "", name)
    last_good = max((i for i, j in enumerate(runs) if run_state(j) == "Complete"), default=-1)
    return {f"{namespace}/Job/{j.get('name')}" for j in runs[:last_good] if run_state(j) == "Failed"}


async def last_good_run(ask: Ask, rid: str) -> tuple[dict | None, list[dict]]:
    """(the newest kept run of a CronJob that completed, every kept run oldest first): the images that last worked."""
    namespace, _, name = parse_resource_id(rid)
    runs = await runs_of(ask, namespace or "", name)
    return next((j for j in reversed(runs) if run_state(j) == "Complete"), None), runs


def run_line(job: dict) -> str:
    why = f" ({job['condition']})" if job.get("condition") else ""
    return f"run {job.get('name')} ({job.get('created')}): {run_state(job)}{why}, images {job.get('images')}"


AGE = re.compile(r"^(\d+)([smhd])$")  # kubectl's AGE column, whole units: 45m, 3h, 2d
AGE_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def age_seconds(age: str | None) -> int | None:
    match = AGE.match(age or "")
    return int(match.group(1)) * AGE_UNIT[match.group(2)] if match else None


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """How long before `now` (default: this moment) something happened, as an answer says it: 12 min ago, 3 h ago."""
    if when is None:
        return "?"
    minutes = int(((now or datetime.now(UTC)) - when).total_seconds() // 60)
    return f"{minutes} min ago" if minutes < 120 else f"{minutes // 60} h ago"


def human_duration(seconds: int) -> str:
    """A duration as kubectl prints it (apimachinery's HumanDuration): 45s, 5m30s, 42m, 3h12m, 9h, 2d5h."""
    minutes, hours = seconds // 60, seconds // 3600
    if seconds < 120:
        return f"{seconds}s"
    if minutes < 10:
        return f"{minutes}m" + (f"{seconds % 60}s" if seconds % 60 else "")
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h" + (f"{minutes % 60}m" if minutes % 60 else "")
    if hours < 48:
        return f"{hours}h"
    return f"{hours // 24}d" + (f"{hours % 24}h" if hours % 24 else "")


def job_facts(kind: str, spec: dict, state: dict, trouble: list[str], read: bool) -> list[str]:
    """A Job's outcome (active, succeeded, failed pods; its Failed/Complete condition) or a CronJob's schedule."""
    if kind == "CronJob":
        run = (spec.get("jobTemplate") or {}).get("spec") or {}
        limits = ", ".join(f"{key} {run[key]}" for key in ("activeDeadlineSeconds", "backoffLimit") if run.get(key) is not None)
        pod_spec = (run.get("template") or {}).get("spec") or {}
        images = [str(c.get("image")) for c in [*(pod_spec.get("initContainers") or []), *(pod_spec.get("containers") or [])]]
        zone = f" (timeZone {spec['timeZone']})" if spec.get("timeZone") else ""
        return [f"each run runs {', '.join(images) or 'no image'}; schedule {spec.get('schedule')}{zone}"
                + f", concurrencyPolicy {spec.get('concurrencyPolicy', 'Allow')}, suspended "
                f"{bool(spec.get('suspend'))}, last scheduled {state.get('lastScheduleTime')}, last successful "
                f"{state.get('lastSuccessfulTime')}" + (f"; each run: {limits}" if limits else "")]
    conditions = [c for c in state.get("conditions") or [] if c.get("status") == "True"]
    started, ended = parse_time(state.get("startTime")), parse_time(state.get("completionTime"))
    seconds = int((ended - started).total_seconds()) if started and ended else 0
    ran = (f", ran {seconds // 60} min {seconds % 60} s ({human_duration(seconds)} in kubectl's DURATION, until "
           f"{state.get('completionTime')})"
           if started and ended else "")
    facts = [f"started {state.get('startTime')}{ran}, active {state.get('active', 0)}, succeeded {state.get('succeeded', 0)}, "
             f"failed {state.get('failed', 0)} pod(s)"]
    facts += [f"condition {c.get('type')}{said_by(c)}" for c in conditions]
    failed = next((c for c in conditions if c.get("type") == "Failed"), None)
    if read and failed:
        trouble.append(f"the Job failed: {failed.get('reason')} -- {failed.get('message')}")
    return facts


async def run_of(ask: Ask, rid: str, spec: dict) -> list[str]:
    """A Job's images and pods -- or, when its pods are gone (a Job past its deadline has them deleted), what their
    events still say: where they were scheduled and why they failed. Events outlive the pods they are about."""
    images = [c.get("image") for c in ((spec.get("template") or {}).get("spec") or {}).get("containers") or []]
    rows = await workload_pods(ask, rid)
    pods = [pod_line(pod) for pod in rows]
    lines = [f"images {images}", *pods]
    if pods:  # why its pods failed leads: what a "why did the job fail" is asking
        return await crash_lines(ask, rows, limit=1) + lines
    namespace, _, name = parse_resource_id(rid)
    events = await ask.call("kubernetes", "events", {"namespace": namespace, "warnings_only": False, "limit": 500})
    about = [e for e in (events.data or {}).get("events") or [] if str(e.get("object", "")).startswith(f"Pod/{name}-")]
    placed = [e for e in about if e.get("reason") == "Scheduled"][:1]
    warned = [e for e in about if e.get("type") == "Warning"]
    return lines + [f"its pods are gone; their events: {e.get('object')} {e.get('reason')}: {(e.get('message') or '')[:200]}"
                    for e in (placed + list({e.get('reason'): e for e in warned}.values()))[:6]]


async def latest_run(ask: Ask, rid: str, extra: list[str]) -> list[str]:
    """A CronJob's latest run: its outcome and its pods (their waiting reasons and nodes) -- why the CronJob "fails"
    is why its last Job did."""
    namespace, _, name = parse_resource_id(rid)
    runs = await runs_of(ask, namespace or "", name)
    if not runs:
        return ["no run of it is kept"]
    job = f"{namespace}/Job/{runs[-1].get('name')}"
    extra.append(job)
    return [f"latest {run_line(runs[-1])}", *[f"  {line}" for line in await pod_lines(ask, job)]]
