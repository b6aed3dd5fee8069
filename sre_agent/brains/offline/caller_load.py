"""A shared dependency saturated by one of its callers just scaled up (a worker taken from 2 to 12 replicas to drain a
backlog, each replica opening its own sessions): the dependency's throttling or "too many clients" is the effect, the
caller's scale-up the change that makes it clear when undone. Read when a dependency of the alarmed service is walked:
each other caller of its Service, and the last scale event of each."""

from __future__ import annotations

import re
from datetime import timedelta

from ...contracts import Finding, parse_time
from ...contracts import RootCauseCategory as C
from ...graph.pins import earliest_onset
from ...graph.state import Hypothesis
from .calls import Calls, split_target

# the Deployment controller's ScalingReplicaSet message: direction, ReplicaSet, count before, count after
SCALED = re.compile(r"Scaled (up|down) replica set (\S+) from (\d+) to (\d+)")
MAX_CALLERS = 5
GROWTH = 2  # a scale-up that at least doubles what the caller sends
STRAIN_AFTER_SCALE = timedelta(minutes=20)  # the strain shows within this of the scale-up (as a release's symptom does)


async def callers_scaled_up(service: str, backend: str, skip: set[str], calls: Calls) -> None:
    """For each caller of `service` (other than those in `skip`) whose replicas at least doubled in its last scale-up:
    RecentScaleUp (with the counts either side) and LoadsDependency (which dependency, which workload behind it)."""
    namespace, _, name = split_target(service)
    data, ev = await calls("ownership", kind="Service", name=name, namespace=namespace)
    for caller in [c for c in (data or {}).get("called_by") or [] if c not in skip][:MAX_CALLERS]:
        caller_ns, kind, caller_name = split_target(caller)
        if kind not in ("Deployment", "StatefulSet"):
            continue
        listed, ev2 = await calls("events", namespace=caller_ns, kind=kind, name=caller_name, warnings_only=False, limit=20)
        events = [e for e in (listed or {}).get("events") or [] if e.get("reason") == "ScalingReplicaSet"]
        # a rollout scales its new ReplicaSet up while it scales the old one down: replicas moved, none added
        scaled = [(event, m) for event in events if (m := SCALED.search(event.get("message") or ""))]
        rolled = {m.group(2) for _, m in scaled if m.group(1) == "down"}
        for event, match in scaled:
            before, after = int(match.group(3)), int(match.group(4))
            if match.group(1) != "up" or before == 0 or after < GROWTH * before or rolled - {match.group(2)}:
                continue
            calls.find(caller, "RecentScaleUp", f"{caller} was scaled up ({event['message']}) at {event.get('last')}",
                       [ev, ev2], severity="info", previous_replicas=before, replicas=after, at=event.get("last"))
            calls.find(caller, "LoadsDependency", f"{caller} calls {service}, served by {backend}", [ev], severity="info",
                       dependency=service, backend=backend)
            break


SATURATION = ("CpuThrottled", "OOMKilled", "MemoryRamp", "NewErrorTemplate", "UpstreamErrors", "LatencyAnomaly",
              "ErrorAnomaly")


def loads_saturated(f: Finding, all_: list[Finding]) -> bool:
    """A caller scaled up to at least twice its replicas shortly before the dependency it calls showed strain (throttled,
    OOM, new errors, slower): the scale-up is the change that made the load."""
    backend = next((x.details.get("backend") for x in all_ if x.resource == f.resource and x.signal == "LoadsDependency"), None)
    strained = [x for x in all_ if backend and x.resource == backend and x.signal in SATURATION]
    if not strained:
        return False
    scaled, onset = parse_time(f.details.get("at")), earliest_onset(strained)
    return scaled is None or onset is None or timedelta(minutes=-2) <= onset[0] - scaled <= STRAIN_AFTER_SCALE


def explained_by_caller_load(merged: dict[tuple[C, str], Hypothesis], findings: list[Finding], cap: float) -> None:
    """A dependency strained by a caller's scale-up: its own resource hypotheses (throttled, OOM) are the effect, and so
    is a release of any other caller of it whose errors flow up from it -- each capped below the scale-up."""
    loads = [f for f in findings if f.signal == "LoadsDependency" and (C.DEPENDENCY_FAILURE, f.resource) in merged]
    loaded = {str(f.details.get("backend")) for f in loads}
    services = {str(f.details.get("dependency")) for f in loads}
    fed = {f.resource for f in findings if f.signal in ("DependsOn", "DependencyDown") and f.details.get("dependency") in services}
    for category, resource in list(merged):
        if resource in loaded and category in (C.CPU_THROTTLING, C.OOM_KILLED, C.MEMORY_LEAK, C.BAD_DEPLOY_REGRESSION) \
                or resource in fed and category == C.BAD_DEPLOY_REGRESSION:
            merged[(category, resource)].confidence = min(merged[(category, resource)].confidence, cap)
