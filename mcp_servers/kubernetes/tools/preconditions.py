"""Preconditions of pinned writes: a caller that planned a change against what it saw (a
Deployment at revision 3, a container on image X, 2 replicas) sends what it saw as `expect_*`, and
the write is refused when the object no longer looks like that -- the plan was made for a world
that has moved on, and acting on it could undo someone else's fix.

Why revision / image / replicas / generation rather than resourceVersion: resourceVersion moves on
every status update (a pod becoming ready), so a plan pinned to it would be refused for nothing.
The check reads the live object, then the patch carries that object's resourceVersion, so a change
that lands between the check and the write is refused by the API server (409) rather than
overwritten: the check and the write are one optimistic transaction.

A 409 alone does not make a plan stale: a controller's status update (a crash-looping pod's restart
count, a replica becoming ready) moves resourceVersion too, and a busy object can move between any
read and write. So, as client-go's RetryOnConflict does, the whole read-check-write is run again
with a fresh read (`retry_on_conflict`): if the expected revision / image / replicas still hold, the
write goes through; if they do not, the semantic check refuses it as stale."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import Field

from ...common.safety import WriteRefused

T = TypeVar("T")

ExpectRevision = Annotated[int | None, Field(ge=1, description="refuse unless the Deployment's current revision is this "
                                                           "(the revision seen when the change was planned)")]
ExpectImage = Annotated[str | None, Field(min_length=1, max_length=500, description="refuse unless the container's "
                                                                                  "current image is this")]
ExpectReplicas = Annotated[int | None, Field(ge=0, description="refuse unless the workload's current spec.replicas is this")]
ExpectGeneration = Annotated[int | None, Field(ge=1, description="refuse unless the workload's metadata.generation is this "
                                                                 "(it moves on every spec change)")]
ExpectUid = Annotated[str | None, Field(min_length=1, max_length=64, description="refuse unless the pod's metadata.uid is "
                                                                            "this (the pod seen when the deletion was "
                                                                            "planned -- never its replacement)")]
ExpectUnschedulable = Annotated[bool | None, Field(description="refuse unless the node's spec.unschedulable is this "
                                                               "(what was seen when the change was planned)")]


class PreconditionFailed(WriteRefused):
    """The object changed since the plan was made: audited as refused, nothing was sent."""


def expect(tool: str, where: str, what: str, expected: Any, found: Any) -> None:
    if expected is not None and expected != found:
        raise PreconditionFailed(f"{tool}: precondition failed: expected {what} {expected}, found {found} on {where}; "
                                 "nothing was changed -- the plan is stale, re-plan from fresh evidence")


def resource_version_lock(obj: dict) -> dict[str, Any]:
    """The merge-patch fragment that makes the API server refuse the write if `obj` changed since it was read."""
    version = (obj.get("metadata") or {}).get("resourceVersion")
    return {"metadata": {"resourceVersion": version}} if version else {}


class WriteConflict(PreconditionFailed):
    """The API server refused the locked write (409): the object moved after it was read. Nothing
    was written; `retry_on_conflict` reads it again before calling the plan stale."""


CONFLICT_ATTEMPTS = 4  # client-go's DefaultRetry tries 5 times; the MCP call's deadline bounds these anyway
CONFLICT_BACKOFF_S = 0.05


def conflict_is_stale(tool: str, where: str, send: Callable[[], T]) -> T:
    """Send the locked write; a 409 Conflict (the object changed after the check) is raised as a
    WriteConflict -- nothing was written -- for the caller's read-check-write to be run again."""
    try:
        return send()
    except Exception as exc:  # the kubernetes client's ApiException, without importing its internals here
        if getattr(exc, "status", None) == 409:
            raise WriteConflict(f"{tool}: precondition failed: {where} changed between the check and the write "
                                f"(409 Conflict, {CONFLICT_ATTEMPTS} reads in a row); nothing was changed -- "
                                "re-plan from fresh evidence") from None
        raise


def retry_on_conflict(action: Callable[[], str], sleep: Callable[[float], None]) -> str:
    """Run a read-check-write `action` until it is not refused by a 409: each run re-reads the
    object and re-checks what the plan expected, so only a change the plan cares about stops it.
    A retried write says so in its result (it goes to the audit record)."""
    for attempt in range(1, CONFLICT_ATTEMPTS):
        try:
            done = action()
        except WriteConflict:
            sleep(CONFLICT_BACKOFF_S * attempt)
            continue
        return done if attempt == 1 else _retried(done, attempt)
    return _retried(action(), CONFLICT_ATTEMPTS)  # the last read: its 409 is the stale plan the caller reports


def _retried(done: str, attempt: int) -> str:
    return f"{done} (written on read {attempt}: the object had moved between read and write, what the plan expected still held)"
