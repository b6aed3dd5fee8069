"""The CronJob controller on the world clock: a Job per `spec.schedule` time (named
<cronjob>-<minutes since the epoch>, owned by the CronJob), concurrencyPolicy Allow / Forbid /
Replace, suspend, the two history limits, startingDeadlineSeconds, and status.active /
lastScheduleTime / lastSuccessfulTime."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sre_agent.lab.world.clock import parse_rfc3339
from tests.unit.lab.world_harness import START, TinyWorld

BATCH = "ghcr.io/acme-shop/report-builder:2.0.0"  # exits 0 about 4 minutes after it starts
CRASHER = "ghcr.io/acme-shop/checkout:2.3.0"  # exits 1 at once (its required env is not set)


def cronjob(schedule: str = "*/5 * * * *", image: str = BATCH, **spec) -> dict:
    job_spec = {"backoffLimit": spec.pop("backoffLimit", 0), "template": {"spec": {
        "restartPolicy": "Never", "containers": [{"name": "main", "image": image}]}}}
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "report", "namespace": "lab"},
            "spec": {"schedule": schedule, **spec,
                     "jobTemplate": {"metadata": {"labels": {"app": "report"}}, "spec": job_spec}}}


def finished(job: dict) -> str | None:
    return next((c["type"] for c in (job.get("status") or {}).get("conditions") or []
                 if c["type"] in ("Complete", "Failed") and c["status"] == "True"), None)


def scheduled_minutes(world: TinyWorld) -> list[int]:
    """Minutes after START of every Job the CronJob created that still exists."""
    return sorted(int(j["metadata"]["name"].rsplit("-", 1)[1]) - int(START.timestamp()) // 60
                  for j in world.list("Job"))


CASES = [  # (id, cronjob, seconds, job minutes still there, active jobs, created events)
    ("allow-history-3", cronjob(), 25 * 60 + 30, [10, 15, 20, 25], 1, 5),
    ("suspended", cronjob(suspend=True), 25 * 60, [], 0, 0),
    ("forbid-while-running", cronjob("* * * * *", concurrencyPolicy="Forbid", successfulJobsHistoryLimit=10),
     11 * 60 + 30, [1, 6, 11], 1, 3),
    ("replace-running", cronjob("*/2 * * * *", concurrencyPolicy="Replace"), 8 * 60 + 30, [8], 1, 4),
    ("allow-overlaps", cronjob("* * * * *", successfulJobsHistoryLimit=0), 4 * 60 + 30, [1, 2, 3, 4], 4, 4),
    ("failed-history-1", cronjob(image=CRASHER, failedJobsHistoryLimit=1), 20 * 60 + 30, [20], 0, 4),
    ("hourly-macro", cronjob("@hourly"), 2 * 3600 + 600, [60, 120], 0, 1),  # events expire after an hour
]


@pytest.mark.parametrize(("manifest", "seconds", "minutes", "active", "created"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_cronjob_schedules(manifest, seconds, minutes, active, created):
    world = TinyWorld()
    world.apply(manifest)
    world.run(seconds)
    assert scheduled_minutes(world) == minutes
    status = world.get("CronJob", "report").get("status") or {}
    assert len(status.get("active") or []) == active
    assert len([e for e in world.events("SuccessfulCreate") if e["involvedObject"]["kind"] == "CronJob"]) == created
    for job in world.list("Job"):
        ref = job["metadata"]["ownerReferences"][0]
        assert (ref["kind"], ref["name"], ref["controller"]) == ("CronJob", "report", True)
        assert job["metadata"]["labels"]["app"] == "report"


def test_status_times_and_active_refs():
    world = TinyWorld()
    world.apply(cronjob())
    world.run(11 * 60)  # jobs at 09:05 (done by ~09:09) and 09:10 (running)
    status = world.get("CronJob", "report")["status"]
    assert parse_rfc3339(status["lastScheduleTime"]) == START + timedelta(minutes=10)
    successful = parse_rfc3339(status["lastSuccessfulTime"])
    assert START + timedelta(minutes=9) <= successful < START + timedelta(minutes=10)
    [ref] = status["active"]
    job = world.get("Job", ref["name"])
    assert (ref["kind"], ref["uid"], finished(job)) == ("Job", job["metadata"]["uid"], None)
    assert job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == status["lastScheduleTime"]
    assert [e["message"] for e in world.events("SawCompletedJob")] == [
        f"Saw completed job: report-{int(START.timestamp()) // 60 + 5}, status: Complete"]


def test_forbid_says_why_it_skipped_once_per_scheduled_time():
    world = TinyWorld()
    world.apply(cronjob("* * * * *", concurrencyPolicy="Forbid"))
    world.run(4 * 60 + 30)  # 09:01 runs until ~09:05; 09:02, 09:03, 09:04 are skipped
    skipped = world.events("JobAlreadyActive")
    assert len(skipped) == 1 and skipped[0]["count"] == 3
    assert skipped[0]["message"] == "Not starting job because prior execution is running and concurrency policy is Forbid"


def test_a_missed_start_past_the_deadline_is_skipped():
    world = TinyWorld()
    manifest = cronjob("*/5 * * * *", startingDeadlineSeconds=30, suspend=True)
    world.apply(manifest)
    world.run(6 * 60)  # 09:05 passes while suspended
    world.patch_spec("CronJob", "report", lambda cj: cj["spec"].update(suspend=False))
    world.run(2 * 60)
    assert scheduled_minutes(world) == []  # 09:05 is 3 minutes late: past its 30 s deadline
    world.run(3 * 60)
    assert scheduled_minutes(world) == [10]


@pytest.mark.parametrize(("schedule", "zone", "field"), [("every 5 minutes", None, "spec.schedule"),
                                                         ("*/5 * * *", None, "spec.schedule"),
                                                         ("0 2 * * *", "Mars/Olympus", "spec.timeZone"),
                                                         ("CRON_TZ=Mars/Olympus 0 2 * * *", None, "spec.schedule")])
def test_the_api_server_refuses_a_schedule_it_cannot_parse(schedule, zone, field):
    from sre_agent.lab.kube.errors import ApiError

    world = TinyWorld()
    manifest = cronjob(schedule, **({"timeZone": zone} if zone else {}))
    with pytest.raises(ApiError) as info:
        world.apply(manifest)
    assert info.value.code == 422 and [c["field"] for c in info.value.details["causes"]] == [field]


def test_a_time_zone_moves_the_schedule():
    world = TinyWorld()
    world.apply(cronjob("30 10 * * *", timeZone="Europe/Berlin"))  # 10:30 in Berlin is 09:30 UTC in March
    world.run(40 * 60)
    assert scheduled_minutes(world) == [30]


def test_a_cron_tz_prefix_is_accepted_as_older_clusters_did():
    world = TinyWorld()
    world.apply(cronjob("CRON_TZ=Europe/Berlin 30 10 * * *"))  # 09:30 UTC in March
    world.run(40 * 60)
    assert scheduled_minutes(world) == [30]
