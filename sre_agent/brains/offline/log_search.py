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
    for pod in pods[:2]:
        logs, ev = await calls("pod_logs", namespace=namespace, name=pod, container=container, tail=TAIL)
        lines = [str(line) for line in (logs or {}).get("lines") or []]
        hit = next((line for line in reversed(lines) if pattern.search(line)), None)
        if hit is not None:
            return clip(hit, 240), ev
    return None
