"""The CronJob controller (Kubernetes 1.30's cronjob-controller v2) on the world clock.

At each time `spec.schedule` names (in `spec.timeZone`, UTC by default) it creates a Job from
`spec.jobTemplate`, named `<cronjob>-<minutes since the epoch>` and owned by the CronJob -- only
the most recent missed time, as the real controller does, and not at all when that time is more
than `startingDeadlineSeconds` old. `concurrencyPolicy` decides what happens while an earlier
Job still runs (Allow: another one; Forbid: skip, event JobAlreadyActive; Replace: delete the
running ones first). `suspend` stops new Jobs. Finished Jobs beyond the successful/failed history
limits are deleted, oldest first (their pods go with them). Status: `active` (references to the
running Jobs), `lastScheduleTime`, `lastSuccessfulTime`.

Not modelled: the 100-missed-starts cut-off (TooManyMissedTimes) and time-zone changes mid-flight."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from ...kube.validation import split_cron_zone
from ..clock import parse_rfc3339, rfc3339
from ..context import ClusterContext
from .common import owner_ref, write_status
from .job import job_finished

COMPONENT = "cronjob-controller"
SCHEDULED_AT = "batch.kubernetes.io/cronjob-scheduled-timestamp"


def _zone(cronjob: dict) -> ZoneInfo | None:
    name = cronjob["spec"].get("timeZone") or split_cron_zone(cronjob["spec"].get("schedule", ""))[0]
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def latest_due(schedule: str, zone, after: datetime, now: datetime) -> datetime | None:
    """The most recent time `schedule` names in (after, now], or None."""
    base = (now + timedelta(seconds=1)).astimezone(zone or UTC)
    due = croniter(schedule, base).get_prev(datetime).astimezone(UTC)
    return due if after < due <= now else None


def next_due(schedule: str, zone, now: datetime) -> datetime:
    return croniter(schedule, now.astimezone(zone or UTC)).get_next(datetime).astimezone(UTC)


def _ref(job: dict) -> dict:
    meta = job["metadata"]
    return {"apiVersion": "batch/v1", "kind": "Job", "name": meta["name"], "namespace": meta["namespace"],
            "uid": meta["uid"], "resourceVersion": meta.get("resourceVersion", "")}


def reconcile_cronjob(world: ClusterContext, cronjob: dict, now: datetime) -> bool:
    spec, uid = cronjob["spec"], cronjob["metadata"]["uid"]
    key = f"cronjob/{uid}"
    status = dict(cronjob.get("status") or {})
    jobs = sorted(world.informer.owned_by("Job", uid), key=lambda j: j["metadata"]["creationTimestamp"])
    changed = _note_finished(world, cronjob, jobs, status, now)
    changed |= _trim_history(world, cronjob, jobs, now)
    jobs = [j for j in jobs if world.informer.get("Job", j["metadata"]["namespace"], j["metadata"]["name"])]
    active = [j for j in jobs if not job_finished(j)]
    zone = _zone(cronjob)
    schedule = split_cron_zone(spec.get("schedule", ""))[1]
    if not croniter.is_valid(schedule):
        world.wakeups.pop(key, None)
        world.events.record(cronjob, "UnparseableSchedule", f"unparseable schedule: {schedule!r}", now,
                            type_="Warning", component=COMPONENT, count=1 if world.minute_tick else 0)
        return _write(world, cronjob, status, active) or changed
    world.wakeups[key] = next_due(schedule, zone, now)
    last = status.get("lastScheduleTime")
    after = max(parse_rfc3339(last) if last else parse_rfc3339(cronjob["metadata"]["creationTimestamp"]),
                world.cron_considered.get(uid, datetime.min.replace(tzinfo=UTC)))
    due = None if spec.get("suspend") else latest_due(schedule, zone, after, now)
    if due is None:
        return _write(world, cronjob, status, active) or changed
    world.cron_considered[uid] = due
    deadline = spec.get("startingDeadlineSeconds")
    if deadline is not None and (now - due).total_seconds() > int(deadline):
        world.events.record(cronjob, "MissSchedule", f"Missed scheduled time to start a job: {rfc3339(due)}", now,
                            type_="Warning", component=COMPONENT)
        return _write(world, cronjob, status, active) or changed
    policy = spec.get("concurrencyPolicy", "Allow")
    if policy == "Forbid" and active:
        world.events.record(cronjob, "JobAlreadyActive",
                            "Not starting job because prior execution is running and concurrency policy is Forbid",
                            now, component=COMPONENT)
        return _write(world, cronjob, status, active) or changed
    if policy == "Replace":
        for job in active:
            _delete_job(world, cronjob, job, now)
        active = []
    job = _create_job(world, cronjob, due, now)
    status["lastScheduleTime"] = rfc3339(due)
    _write(world, cronjob, status, [*active, job])
    return True


def _note_finished(world: ClusterContext, cronjob: dict, jobs: list[dict], status: dict, now: datetime) -> bool:
    """Jobs listed as active that have finished: SawCompletedJob, and lastSuccessfulTime."""
    listed = {ref.get("uid") for ref in status.get("active") or []}
    seen = False
    for job in jobs:
        outcome = job_finished(job)
        if outcome and job["metadata"]["uid"] in listed:
            world.events.record(cronjob, "SawCompletedJob", f"Saw completed job: {job['metadata']['name']}, "
                                f"status: {outcome}", now, component=COMPONENT)
            done = (job.get("status") or {}).get("completionTime")
            if outcome == "Complete" and done and done > status.get("lastSuccessfulTime", ""):
                status["lastSuccessfulTime"] = done
            seen = True
    return seen


def _trim_history(world: ClusterContext, cronjob: dict, jobs: list[dict], now: datetime) -> bool:
    changed = False
    for outcome, field, default in (("Complete", "successfulJobsHistoryLimit", 3),
                                    ("Failed", "failedJobsHistoryLimit", 1)):
        limit = cronjob["spec"].get(field)
        limit = default if limit is None else int(limit)
        done = [j for j in jobs if job_finished(j) == outcome]
        for job in done[: max(0, len(done) - limit)]:
            _delete_job(world, cronjob, job, now)
            changed = True
    return changed


def _delete_job(world: ClusterContext, cronjob: dict, job: dict, now: datetime) -> None:
    world.store.delete("Job", job["metadata"]["namespace"], job["metadata"]["name"])
    world.events.record(cronjob, "SuccessfulDelete", f"Deleted job {job['metadata']['name']}", now, component=COMPONENT)


def _create_job(world: ClusterContext, cronjob: dict, due: datetime, now: datetime) -> dict:
    template = copy.deepcopy(cronjob["spec"].get("jobTemplate") or {})
    meta = template.get("metadata") or {}
    name = f"{cronjob['metadata']['name']}-{int(due.timestamp()) // 60}"
    job = world.store.create({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": cronjob["metadata"]["namespace"],
                     "labels": dict(meta.get("labels") or {}),
                     "annotations": {**(meta.get("annotations") or {}), SCHEDULED_AT: rfc3339(due)},
                     "ownerReferences": [owner_ref(cronjob)]},
        "spec": template.get("spec") or {},
    })
    world.events.record(cronjob, "SuccessfulCreate", f"Created job {name}", now, component=COMPONENT)
    return job


def _write(world: ClusterContext, cronjob: dict, status: dict, active: list[dict]) -> bool:
    listed = {ref.get("uid"): ref for ref in status.get("active") or []}  # a ref keeps the version it was taken at
    status = {k: v for k, v in status.items() if k != "active"}
    if active:
        status["active"] = [listed.get(j["metadata"]["uid"]) or _ref(j) for j in active]
    write_status(world, cronjob, status)
    return False
