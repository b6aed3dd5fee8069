"""The Job controller (Kubernetes 1.30's): run pods up to parallelism until `completions` of them
succeed; count failures -- failed pods, and for restartPolicy OnFailure the restarts of the pods
still running -- and once they exceed `backoffLimit` stop for good with condition Failed
(BackoffLimitExceeded); fail a Job active longer than `activeDeadlineSeconds` (DeadlineExceeded).
After each failed pod the next one waits the controller's back-off (10 s, doubling, at most 6
minutes). A finished Job is final: its status no longer follows its pods. Its pods go through ResourceQuota
admission as every controller's do: a refused create is a FailedCreate event, retried each minute.

Not modelled: podFailurePolicy, backoffLimitPerIndex, Indexed completion, suspend, ttlSecondsAfterFinished."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..clock import parse_rfc3339, rfc3339
from ..context import ClusterContext
from .common import is_terminating, name_suffix, new_pod, write_status
from .quota import quota_rejection

BACKOFF_BASE_S = 10.0
BACKOFF_MAX_S = 360.0
QUOTA_RETRY_S = 60.0  # a pod refused by quota admission is tried again (the controller requeues the Job)
TERMINAL = ("Succeeded", "Failed")


def job_finished(job: dict) -> str | None:
    """"Complete" or "Failed" once the Job is over, else None."""
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") in ("Complete", "Failed") and condition.get("status") == "True":
            return condition["type"]
    return None


def _phase(pod: dict) -> str:
    return (pod.get("status") or {}).get("phase") or "Pending"


def _finished_at(pod: dict) -> datetime | None:
    """When the pod's last container terminated (the start of the controller's back-off) -- an init
    container's end for a pod that failed initialising (its app containers never ran)."""
    status = pod.get("status") or {}
    moments = [parse_rfc3339(t) for cs in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]
               for t in [((cs.get("state") or {}).get("terminated") or {}).get("finishedAt")] if t]
    return max(moments, default=None)


def _start_time(job: dict, now: datetime) -> datetime:
    started = (job.get("status") or {}).get("startTime")
    return parse_rfc3339(started) if started else now


def _restart_policy(job: dict) -> str:
    return ((job["spec"].get("template") or {}).get("spec") or {}).get("restartPolicy", "Never")


def _init_restarts(pod: dict) -> int:
    return sum(int(s.get("restartCount", 0)) for s in (pod.get("status") or {}).get("initContainerStatuses") or [])


def _failures(world: ClusterContext, job: dict, pods: list[dict]) -> int:
    failed = sum(1 for p in pods if _phase(p) == "Failed")
    if _restart_policy(job) == "OnFailure":
        # pastBackoffLimitOnFailure: restarts of every container of a live pod, init containers too.
        failed += sum(world.pod_restarts(p) + _init_restarts(p) for p in pods if _phase(p) not in TERMINAL)
    return failed


def reconcile_job(world: ClusterContext, job: dict, now: datetime) -> bool:
    key = f"job/{job['metadata']['uid']}"
    if job_finished(job) or is_terminating(job):
        world.wakeups.pop(key, None)
        return False
    spec = job["spec"]
    completions = int(spec.get("completions", 1) if spec.get("completions") is not None else 1)
    parallelism = int(spec.get("parallelism", 1))
    pods = list(world.informer.owned_by("Pod", job["metadata"]["uid"]))
    succeeded = sum(1 for p in pods if _phase(p) == "Succeeded")
    active = [p for p in pods if _phase(p) not in TERMINAL and not is_terminating(p)]
    started = _start_time(job, now)
    if not (job.get("status") or {}).get("startTime"):
        write_status(world, job, {**(job.get("status") or {}), "startTime": rfc3339(started)})
    deadline = spec.get("activeDeadlineSeconds")
    if succeeded >= completions:
        _finish(world, job, active, now, "Complete", "", "")
        return True
    if _failures(world, job, pods) > int(spec.get("backoffLimit", 6)):
        _finish(world, job, active, now, "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
        return True
    if deadline is not None and now >= started + timedelta(seconds=int(deadline)):
        _finish(world, job, active, now, "Failed", "DeadlineExceeded", "Job was active longer than specified deadline")
        return True
    wakeups = [started + timedelta(seconds=int(deadline))] if deadline is not None else []
    failed_pods = [p for p in pods if _phase(p) == "Failed"]
    if failed_pods and _restart_policy(job) == "Never":
        last = max((_finished_at(p) or now for p in failed_pods), default=now)
        delay = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (len(failed_pods) - 1))
        if now < last + timedelta(seconds=delay):
            wakeups.append(last + timedelta(seconds=delay))
            world.wakeups[key] = min(wakeups)
            return False
    if wakeups:
        world.wakeups[key] = min(wakeups)
    else:
        world.wakeups.pop(key, None)
    changed = False
    while len(active) < min(parallelism, completions - succeeded):
        name = f"{job['metadata']['name']}-{name_suffix(job['metadata']['uid'] + str(world.next_serial()))}"
        # The template already carries the job-name and controller-uid labels the API server gave it.
        pod = new_pod(job, spec["template"], name)
        rejection = quota_rejection(world, job["metadata"]["namespace"], pod)
        if rejection:  # quota admission refuses Job pods as any other; the controller retries (here each minute)
            world.events.record(job, "FailedCreate", f"Error creating: {rejection}", now, type_="Warning",
                                component="job-controller", count=1 if world.minute_tick else 0)
            world.wakeups[key] = min([now + timedelta(seconds=QUOTA_RETRY_S), *wakeups])
            break
        active.append(world.store.create(pod))
        world.events.record(job, "SuccessfulCreate", f"Created pod: {name}", now, component="job-controller")
        changed = True
    return changed


def _finish(world: ClusterContext, job: dict, active: list[dict], now: datetime, outcome: str, reason: str,
            message: str) -> None:
    """The Job is over: a failed one takes its running pods down (they count as failed)."""
    world.wakeups.pop(f"job/{job['metadata']['uid']}", None)
    pods = list(world.informer.owned_by("Pod", job["metadata"]["uid"]))
    counts = {"active": 0, "ready": 0, "succeeded": sum(1 for p in pods if _phase(p) == "Succeeded"),
              "failed": sum(1 for p in pods if _phase(p) == "Failed")}
    if outcome == "Failed":
        for pod in active:  # the Job's running pods are terminated and count as failed
            world.delete_pod(pod)
            counts["failed"] += 1
        world.events.record(job, reason, message, now, type_="Warning", component="job-controller")
    else:
        world.events.record(job, "Completed", "Job completed", now, component="job-controller")
    condition = {"type": outcome, "status": "True", "lastProbeTime": rfc3339(now), "lastTransitionTime": rfc3339(now),
                 **({"reason": reason, "message": message} if reason else {})}
    status = {**(job.get("status") or {}), **counts, "conditions": [condition], "uncountedTerminatedPods": {}}
    if outcome == "Complete":
        status["completionTime"] = rfc3339(now)
    write_status(world, job, status)


def sync_job_status(world: ClusterContext, job: dict, now: datetime) -> None:
    """A running Job's counts follow its pods; a finished Job's status is final (written by _finish)."""
    if job_finished(job):
        return
    pods = list(world.informer.owned_by("Pod", job["metadata"]["uid"]))
    active = [p for p in pods if _phase(p) not in TERMINAL and not is_terminating(p)]
    write_status(world, job, {
        **(job.get("status") or {}),
        "active": len(active),
        "ready": sum(1 for p in active if world.pod_ready(p)),
        "succeeded": sum(1 for p in pods if _phase(p) == "Succeeded"),
        "failed": sum(1 for p in pods if _phase(p) == "Failed"),
        "startTime": (job.get("status") or {}).get("startTime") or rfc3339(_start_time(job, now)),
        "uncountedTerminatedPods": {},
    })
