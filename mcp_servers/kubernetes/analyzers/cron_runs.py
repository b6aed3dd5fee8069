"""Whether a CronJob ran when its schedule says it should have, and why not: a CronJob whose runs stopped is broken
whatever its template says (k8sgpt only flags `suspend` as info). Read from the cluster's own clock -- the newest
time its objects record (events, Jobs, pods) -- so a lab whose clock stands still, or a quiet cluster, errs toward
"cannot tell", never toward "missed". Two scheduled runs must have passed unstarted (one is a controller's usual lag)
-- or one, when the CronJob says why it cannot start: suspended, or its last run still active under Forbid."""

from __future__ import annotations

from datetime import datetime, timedelta

from .cron_schedule import fire_times
from .view import _NO_TIME, ClusterView, KubeObject, event_time, metadata_of, name_of, namespace_of, parse_time, spec_of, status_of

MISSED_BEFORE_REPORTED = 2  # unexplained: one missed minute may be the controller's lag
LAG = timedelta(minutes=2)  # a run's start trails its scheduled minute


def cluster_now(view: ClusterView) -> datetime | None:
    """The newest moment the cluster's objects record: when the last event happened, a Job started or finished."""
    times = [event_time(e) for e in view.of_kind("Event")]
    for job in view.of_kind("Job"):
        status = status_of(job)
        times += [parse_time(status.get("startTime")), parse_time(status.get("completionTime"))]
    times = [t for t in times if t is not _NO_TIME]
    return max(times) if times else None


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def missed_runs(view: ClusterView, cronjob: KubeObject, now: datetime | None) -> tuple[str, str, list[str]] | None:
    """(reason, message, evidence) when the CronJob skipped at least two scheduled runs, else None."""
    if now is None:
        return None
    spec, status = spec_of(cronjob), status_of(cronjob)
    since = parse_time(status.get("lastScheduleTime"))
    if since is _NO_TIME:
        since = parse_time(metadata_of(cronjob).get("creationTimestamp"))
    if since is _NO_TIME:
        return None
    missed = []
    for moment in fire_times(spec.get("schedule"), since, now - LAG):
        missed.append(moment)
        if len(missed) >= 50:
            break
    # suspended, or held behind a run still active under Forbid: a run that did not start is known lost, one is enough;
    # with no such reason, one missed minute may be the controller's lag -- two are a gap
    explained = bool(spec.get("suspend")) or bool(status.get("active")) and (spec.get("concurrencyPolicy") == "Forbid")
    if len(missed) < (1 if explained else MISSED_BEFORE_REPORTED):
        return None
    name = name_of(cronjob)
    count = f"{len(missed)}{'+' if len(missed) >= 50 else ''} scheduled run{'' if len(missed) == 1 else 's'}"
    last = f"last run scheduled {status['lastScheduleTime']}" if status.get("lastScheduleTime") else "never run"
    evidence = [f"spec.schedule={spec.get('schedule')!r}", f"status.lastScheduleTime={status.get('lastScheduleTime')}",
                f"first skipped run {missed[0].isoformat()}"]
    if spec.get("suspend"):
        return ("Suspended", f"CronJob {name} is suspended: {count} skipped since {missed[0].isoformat()} "
                f"({last}); `suspend: false` resumes it", ["spec.suspend=true", *evidence])
    active = [ref.get("name") for ref in status.get("active") or [] if ref.get("name")]
    policy = spec.get("concurrencyPolicy") or "Allow"
    if active and policy == "Forbid":
        job = view.get("Job", str(active[0]), namespace_of(cronjob))
        started = parse_time(status_of(job).get("startTime")) if job else _NO_TIME
        running = f", running for {_duration(now - started)}" if started is not _NO_TIME else ""
        deadline = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("activeDeadlineSeconds")
        return ("RunsSkipped", f"CronJob {name} skipped {count} since {missed[0].isoformat()}: "
                f"concurrencyPolicy Forbid and its run {active[0]} is still active{running}"
                + ("" if deadline else " (no activeDeadlineSeconds ends it)"),
                [f"spec.concurrencyPolicy={policy}", f"status.active={active}", *evidence])
    return ("MissedSchedules", f"CronJob {name} has not started a run since {missed[0].isoformat()}: {count} missed ({last})", evidence)
