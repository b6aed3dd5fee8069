"""The Job controller: run pods up to parallelism until enough complete or the back-off limit is
spent, and report Complete or Failed (BackoffLimitExceeded)."""

from __future__ import annotations

import copy
from datetime import datetime

from ..clock import rfc3339
from ..context import ClusterContext
from .common import name_suffix, new_pod, write_status


def reconcile_job(world: ClusterContext, job: dict, now: datetime) -> bool:
    completions = int(job["spec"].get("completions", 1))
    parallelism = int(job["spec"].get("parallelism", 1))
    backoff_limit = int(job["spec"].get("backoffLimit", 6))
    pods = list(world.informer.owned_by("Pod", job["metadata"]["uid"]))
    succeeded = sum(1 for p in pods if p["status"].get("phase") == "Succeeded")
    failed = sum(world.pod_restarts(p) for p in pods) + sum(1 for p in pods if p["status"].get("phase") == "Failed")
    active = [p for p in pods if p["status"].get("phase") not in ("Succeeded", "Failed")]
    if succeeded >= completions or failed > backoff_limit:
        return False
    changed = False
    while len(active) < min(parallelism, completions - succeeded):
        name = f"{job['metadata']['name']}-{name_suffix(job['metadata']['uid'] + str(world.next_serial()))}"
        template = copy.deepcopy(job["spec"]["template"])
        template.setdefault("metadata", {}).setdefault("labels", {})["job-name"] = job["metadata"]["name"]
        pod = new_pod(job, template, name)
        world.store.create(pod)
        world.events.record(job, "SuccessfulCreate", f"Created pod: {name}", now, component="job-controller")
        active.append(pod)
        changed = True
    return changed


def sync_job_status(world: ClusterContext, job: dict, now: datetime) -> None:
    pods = list(world.informer.owned_by("Pod", job["metadata"]["uid"]))
    succeeded = sum(1 for p in pods if p["status"].get("phase") == "Succeeded")
    failed_restarts = sum(world.pod_restarts(p) for p in pods)
    active = sum(1 for p in pods if p["status"].get("phase") not in ("Succeeded", "Failed"))
    status: dict = {"active": active, "succeeded": succeeded, "failed": failed_restarts,
                    "startTime": job["metadata"]["creationTimestamp"]}
    if succeeded >= int(job["spec"].get("completions", 1)):
        status["conditions"] = [{"type": "Complete", "status": "True"}]
        status["completionTime"] = (job.get("status") or {}).get("completionTime") or rfc3339(now)
    elif failed_restarts > int(job["spec"].get("backoffLimit", 6)):
        status["conditions"] = [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                                 "message": "Job has reached the specified backoff limit"}]
    write_status(world, job, status)
