"""Data that stopped moving ("bag locations are stale", "records late") with nothing failing: what was stopped. A
producer scaled to zero makes no errors anywhere -- its consumers just go quiet -- so a sweep of what is broken finds
nothing. The workloads scaled to 0 replicas (cluster-wide, or in the question's namespace) are read like any workload
(their ScaledToZero finding, with the intent their annotations record: a maintenance window in progress, a decommission),
each marked as stopped while data is said to be stale, for the diagnosis rules to weigh."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ...contracts import resource_id
from .calls import Calls

STOPPABLE = ("Deployment", "StatefulSet")
MAX_STOPPED = 3  # the first few: a cluster rarely has more stopped producers than that, and each is one read


async def stopped_workloads(namespace: str | None, calls: Calls, read_workload: Callable[[str], Awaitable[None]]) -> None:
    for kind in STOPPABLE:
        listed, ev = await calls("get_resources", kind=kind, namespace=namespace, limit=2000)
        stopped = [resource_id(kind, str(row.get("name")), str(row.get("namespace")))
                   for row in (listed or {}).get("items") or [] if str(row.get("ready") or "").endswith("/0")]
        for workload in stopped[:MAX_STOPPED]:
            calls.find(workload, "StoppedWhileStale", f"{workload} runs no pods (0 replicas) while data is said to be "
                       "stale", ev, severity="info")
            await read_workload(workload)
