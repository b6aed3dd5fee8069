"""One question asked of a workload's logs, as `kubectl logs` answers it: does a recent line of one of its pods
say <this>? The Kubernetes specialist asks it when one fact from the logs decides a verdict (a refused login,
a full disk), of at most two pods, on its own server."""

from __future__ import annotations

import re

from ...quoting import clip
from .calls import Calls

TAIL = 60


async def matching_line(namespace: str, pods: list[str], pattern: re.Pattern[str], calls: Calls,
                        container: str | None = None) -> tuple[str, str] | None:
    """(the latest matching line, evidence id) from the pods' recent lines (of `container`), or None."""
    said = await pods_saying(namespace, pods[:2], pattern, calls, container, first=True)
    return (said[0][1], said[0][2]) if said else None


async def pods_saying(namespace: str, pods: list[str], pattern: re.Pattern[str], calls: Calls,
                      container: str | None = None, *, first: bool = False) -> list[tuple[str, str, str]]:
    """(pod, its latest matching line, evidence id) for each of `pods` whose recent lines (of `container`) match --
    which members of a StatefulSet say it, where each has its own volume; `first`: stop at the first that does."""
    said = []
    for pod in pods:
        logs, ev = await calls("pod_logs", namespace=namespace, name=pod, container=container, tail=TAIL)
        lines = [str(line) for line in (logs or {}).get("lines") or []]
        hit = next((line for line in reversed(lines) if pattern.search(line)), None)
        if hit is not None:
            said.append((pod, clip(hit, 240), ev))
            if first:
                break
    return said
