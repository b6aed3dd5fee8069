"""Preconditions of pinned writes: a caller that planned a change against what it saw (a
Deployment at revision 3, a container on image X, 2 replicas) sends what it saw as `expect_*`, and
the write is refused when the object no longer looks like that -- the plan was made for a world
that has moved on, and acting on it could undo someone else's fix.

Why revision / image / replicas / generation rather than resourceVersion: resourceVersion moves on
every status update (a pod becoming ready), so a plan pinned to it would be refused for nothing.
The check reads the live object, then the patch carries that object's resourceVersion, so a change
that lands between the check and the write is refused by the API server (409) rather than
overwritten: the check and the write are one optimistic transaction."""

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


def conflict_is_stale(tool: str, where: str, send: Callable[[], T]) -> T:
    """Send the locked write; a 409 Conflict (the object changed after the check) is a failed
    precondition too -- nothing was written -- so it is reported and audited as one."""
    try:
        return send()
    except Exception as exc:  # the kubernetes client's ApiException, without importing its internals here
        if getattr(exc, "status", None) == 409:
            raise PreconditionFailed(f"{tool}: precondition failed: {where} changed between the check and the write "
                                     "(409 Conflict); nothing was changed -- re-plan from fresh evidence") from None
        raise
