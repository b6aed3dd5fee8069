"""A Deployment's status as the deployment controller writes it (pkg/controller/deployment:
calculateStatus, syncRolloutStatus, checkPausedConditions; deployment/util's condition helpers).

The conditions live in the stored status and move only as the real ones do, so they tell a reader
what happened when:

* a condition whose status and reason are unchanged is left alone, timestamps and all; a changed
  one gets lastUpdateTime now, and lastTransitionTime now only when its status flips;
* Progressing is `NewReplicaSetCreated` when a rollout makes its ReplicaSet, `ReplicaSetUpdated`
  whenever the rollout makes progress (more updated, ready or available replicas, fewer old ones)
  -- which moves lastUpdateTime on and keeps lastTransitionTime -- and `NewReplicaSetAvailable`
  once complete;
* `ProgressDeadlineExceeded` (status False) only when `progressDeadlineSeconds` have passed since
  that lastUpdateTime -- the last progress, never the Deployment's creation;
* a complete rollout keeps `NewReplicaSetAvailable`: pods that crash or vanish later, or a scale-up
  that cannot schedule, do not reopen it (only a new rollout does);
* pausing sets Progressing Unknown / `DeploymentPaused`; resuming `DeploymentResumed`, from which
  the deadline counts again."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..clock import parse_rfc3339, rfc3339

NEW_RS_CREATED = "NewReplicaSetCreated"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
NO_DEADLINE = 2**31 - 1  # progressDeadlineSeconds at MaxInt32 means "no deadline", as in the API


def _condition(ctype: str, status: str, reason: str, message: str, now: datetime) -> dict:
    stamp = rfc3339(now)
    return {"type": ctype, "status": status, "lastUpdateTime": stamp, "lastTransitionTime": stamp,
            "reason": reason, "message": message}


def _get(conditions: list[dict], ctype: str) -> dict | None:
    return next((c for c in conditions if c.get("type") == ctype), None)


def _set(conditions: list[dict], condition: dict) -> list[dict]:
    """deployment/util.SetDeploymentCondition: same status and reason -> unchanged; same status ->
    keep lastTransitionTime; the changed condition moves to the end of the list."""
    current = _get(conditions, condition["type"])
    if current and current.get("status") == condition["status"] and current.get("reason") == condition["reason"]:
        return conditions
    if current and current.get("status") == condition["status"]:
        condition["lastTransitionTime"] = current.get("lastTransitionTime", condition["lastTransitionTime"])
    return [c for c in conditions if c.get("type") != condition["type"]] + [condition]


def _remove(conditions: list[dict], ctype: str) -> list[dict]:
    return [c for c in conditions if c.get("type") != ctype]


def progress_deadline(deploy: dict) -> int | None:
    deadline = deploy["spec"].get("progressDeadlineSeconds")
    return None if deadline is None or int(deadline) >= NO_DEADLINE else int(deadline)


def deadline_moment(deploy: dict) -> datetime | None:
    """When a rollout still in progress times out if nothing moves before then (the world wakes up for it)."""
    deadline = progress_deadline(deploy)
    progressing = _get((deploy.get("status") or {}).get("conditions") or [], "Progressing")
    if deadline is None or deploy["spec"].get("paused") or not progressing or progressing.get("status") != "True" \
            or progressing.get("reason") == NEW_RS_AVAILABLE or not progressing.get("lastUpdateTime"):
        return None
    return parse_rfc3339(progressing["lastUpdateTime"]) + timedelta(seconds=deadline + 1)


def _made_progress(old: dict, new: dict) -> bool:
    """deployment/util.DeploymentProgressing: the rollout moved since the status last written."""
    def olds(status: dict) -> int:
        return status.get("replicas", 0) - status.get("updatedReplicas", 0)

    return (new["updatedReplicas"] > old.get("updatedReplicas", 0) or olds(new) < olds(old)
            or new["readyReplicas"] > old.get("readyReplicas", 0)
            or new["availableReplicas"] > old.get("availableReplicas", 0))


def rollout_conditions(deploy: dict, status: dict, new_rs: str, created_rs: bool, min_available: int,
                       failure: str | None, now: datetime) -> list[dict]:
    """The conditions after this sync. `status` holds the new counts; `created_rs`: the controller
    made the new ReplicaSet in this sync (a rollout began)."""
    old = deploy.get("status") or {}
    desired = int(deploy["spec"].get("replicas", 1))
    deadline = progress_deadline(deploy)
    conditions = [dict(c) for c in old.get("conditions") or []]
    if created_rs and deadline is not None:
        conditions = _set(conditions, _condition("Progressing", "True", NEW_RS_CREATED,
                                                 f'Created new replica set "{new_rs}"', now))
    current = _get(conditions, "Progressing")
    paused = bool(deploy["spec"].get("paused"))
    if deadline is not None and paused and (current is None or current.get("reason") != PAUSED):
        conditions = _set(conditions, _condition("Progressing", "Unknown", PAUSED, "Deployment is paused", now))
    elif deadline is not None and not paused and current is not None and current.get("reason") == PAUSED:
        conditions = _set(conditions, _condition("Progressing", "True", RESUMED, "Deployment is resumed", now))
    if status["availableReplicas"] >= min_available:
        available = _condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now)
    else:
        available = _condition("Available", "False", "MinimumReplicasUnavailable",
                               "Deployment does not have minimum availability.", now)
    conditions = _set(conditions, available)
    if deadline is None:
        conditions = _remove(conditions, "Progressing")
    elif not paused:  # a paused Deployment is only counted, never judged (the controller's sync, not rollout)
        conditions = _judge_progress(conditions, old, status, desired, deadline, new_rs, now)
    if failure:
        conditions = _set(conditions, _condition("ReplicaFailure", "True", "FailedCreate", failure, now))
    else:
        conditions = _remove(conditions, "ReplicaFailure")
    return conditions


def _judge_progress(conditions: list[dict], old: dict, status: dict, desired: int, deadline: int, new_rs: str,
                    now: datetime) -> list[dict]:
    """syncRolloutStatus: complete, progressing (lastUpdateTime moves on), or timed out."""
    current = _get(conditions, "Progressing")
    if status["replicas"] == status["updatedReplicas"] and current and current.get("reason") == NEW_RS_AVAILABLE:
        return conditions  # the latest rollout completed; nothing after it reopens it
    if status["updatedReplicas"] == desired and status["replicas"] == desired and status["availableReplicas"] == desired:
        return _set(conditions, _condition("Progressing", "True", NEW_RS_AVAILABLE,
                                           f'ReplicaSet "{new_rs}" has successfully progressed.', now))
    if _made_progress(old, status):
        progressing = _condition("Progressing", "True", RS_UPDATED, f'ReplicaSet "{new_rs}" is progressing.', now)
        if current and current.get("status") == "True":
            progressing["lastTransitionTime"] = current.get("lastTransitionTime", progressing["lastTransitionTime"])
        return _remove(conditions, "Progressing") + [progressing]  # unlike _set: same reason, new lastUpdateTime
    if current is None or current.get("reason") in (NEW_RS_AVAILABLE, TIMED_OUT) or not current.get("lastUpdateTime"):
        return conditions
    if parse_rfc3339(current["lastUpdateTime"]) + timedelta(seconds=deadline) < now:
        return _set(conditions, _condition("Progressing", "False", TIMED_OUT,
                                           f'ReplicaSet "{new_rs}" has timed out progressing.', now))
    return conditions
