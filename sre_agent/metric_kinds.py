"""What a metric measures, read from its name: demand (work arriving) or not. One test for every layer -- the graph's
"is the alarmed metric still off its baseline" and the sweep's and chat's "is this alarm load, not a fault" -- so that
a run, a sweep and a chat answer never disagree on the same alarm. Kept beside contracts (the graph may import only
contracts)."""

from __future__ import annotations

import re

# A metric that counts work arriving (requests, invocations, messages in, connections, an order volume) and none that
# counts failure or slowness: an alarm on it in ALARM says demand is high, which is not by itself a fault of the
# workload (the workload's own pods, errors and latency decide its health).
_DEMAND = re.compile(r"request|invocation|incoming|arrival|connection|volume|throughput|traffic|hits|\b[rq]ps\b",
                     re.IGNORECASE)
_FAILURE = re.compile(r"error|fault|fail|5xx|4xx|latency|duration|throttl|reject|drop|timeout|unavailable|restart|oom",
                      re.IGNORECASE)
# A storage volume's fill (kubelet_volume_stats_used_bytes, a disk's free inodes) is something being used up, never
# demand, though its name says "volume".
_STORAGE = re.compile(r"bytes|disk|inode|capacity|storage|volume_stats|filesystem|\bfs_", re.IGNORECASE)


def demand_metric(metric: str) -> bool:
    return bool(metric) and bool(_DEMAND.search(metric)) and not _FAILURE.search(metric) \
        and not _STORAGE.search(metric)


def measures_demand(alarm: dict) -> bool:
    """An alarm on how much work arrives (requests, connections), firing because there is more of it: load, not a
    fault. The same metric alarmed for falling below its threshold (LessThan...) watches throughput dropping -- work
    not done -- which is a symptom like any error count."""
    return demand_metric(str((alarm.get("metric") or {}).get("name") or "")) and "Less" not in str(alarm.get("comparison") or "")
