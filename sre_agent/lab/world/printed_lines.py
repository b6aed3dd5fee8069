"""Lines a scenario makes an application print (the scenario `log` step): once, or again every N
minutes in whichever pods the workload has then -- a client retrying, an attacker resending a payload.
The line goes where the app's own lines go (kubectl logs, CloudWatch Logs), stamped in order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..kube.errors import ApiError
from ..kube.selectors import matches_labels
from .controllers.common import is_terminating

# The World (world.py imports this module: typed loosely here so the lab keeps no import cycle).
World = Any


@dataclass
class RepeatedLine:
    namespace: str
    kind: str
    name: str
    container: str | None
    line: str
    every_minutes: int
    next_at: datetime


def print_line(world: World, namespace: str, kind: str, name: str, container: str | None, line: str) -> int:
    """Every running container `container` (the pod's only one when None) of the workload's pods prints
    `line` now; returns how many did. ApiError when the workload or the container does not exist."""
    owner = world.store.get(kind, namespace, name)
    if kind == "Pod":
        pods = [owner]
    else:
        selector = (owner.get("spec") or {}).get("selector")
        pods = [p for p in world.pods_in(namespace) if selector and not is_terminating(p)
                and matches_labels(selector, p["metadata"].get("labels"))]
    now = world.clock.now()
    printed = 0
    for pod in pods:
        names = [c["name"] for c in pod["spec"].get("containers") or []]
        wanted = container or (names[0] if len(names) == 1 else None)
        if wanted is None:
            raise ApiError(400, "BadRequest", f"a container name must be specified for pod "
                                              f"{pod['metadata']['name']}, choose one of: [{' '.join(names)}]")
        if wanted not in names:
            raise ApiError(400, "BadRequest", f"container {wanted} is not valid for pod {pod['metadata']['name']}")
        runtime = world.runtimes.get(pod["metadata"]["uid"])
        rt = next((c for c in runtime.containers if c.name == wanted), None) if runtime else None
        if rt is None or rt.state != "running":
            continue  # a container that is not running prints nothing
        # Its request log is written up to now first (a sample, one line per LOG_LINE_EVERY_S, that may
        # stop short of now); the line is stamped where that sample ends, so every line before it is
        # older and every request line after it newer.
        world.traffic_model.write_request_logs(now, uids={pod["metadata"]["uid"]})
        rt.emit(min(rt.logged_until or now, now), line)
        printed += 1
    return printed


def print_due(world: World, now: datetime) -> None:
    """Lines a scenario prints repeatedly, when their moment has come (checked every minute)."""
    for repeat in list(world.repeated_lines):
        if repeat.next_at > now:
            continue
        try:
            print_line(world, repeat.namespace, repeat.kind, repeat.name, repeat.container, repeat.line)
        except ApiError:
            world.repeated_lines.remove(repeat)  # the workload is gone, or no longer has that container
            continue
        repeat.next_at = now + timedelta(minutes=repeat.every_minutes)
