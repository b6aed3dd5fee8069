"""A service saturated by one of its callers: the caller just scaled up (a worker taken from 2 to 12 replicas to drain a
backlog, each replica opening its own sessions), or just rolled out a change that multiplied what it sends (retries
without backoff, a retry queue pointed at the service). The service's throttling, "too many clients" or pinned
autoscaler is the effect; the caller's change is what makes it clear when undone. Read when a dependency of the
alarmed service is walked (each other caller of its Service, and the last scale event of each), and when a service's
requests multiplied (callers_changed: each caller of its Service, and its last rollout)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

from ...contracts import Finding, parse_time
from ...contracts import RootCauseCategory as C
from ...graph.pins import earliest_onset
from ...graph.state import Hypothesis
from .calls import Calls, split_target
from .logs import errors_point_outside
from .releases import BEHAVIOUR_CHANGES

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


ReadRollout = Callable[[str], Awaitable[None]]  # reads a workload's rollout history (kubernetes._rollout): RecentRollout
SURGE_AFTER_ROLLOUT = timedelta(minutes=20)  # the requests multiply within this of the caller's release going live


async def callers_changed(service: str, calls: Calls, read_rollout: ReadRollout) -> None:
    """A service sent many times its usual requests: CallsInto for each caller of its Service (the workloads whose env
    names it), and each caller's last rollout read (RecentRollout when recent) -- the diagnosis weighs its timing."""
    namespace, _, name = split_target(service)
    data, ev = await calls("ownership", kind="Service", name=name, namespace=namespace)
    for caller in ((data or {}).get("called_by") or [])[:MAX_CALLERS]:
        if split_target(caller)[1] not in ("Deployment", "StatefulSet", "DaemonSet"):
            continue
        calls.find(caller, "CallsInto", f"{caller} calls {service}", [ev], severity="info", dependency=service)
        if not any(f.resource == caller and f.signal == "RecentRollout" for f in calls.findings):
            await read_rollout(caller)


def _called_by(caller: str, all_: list[Finding]) -> set[str]:
    """The Services `caller` calls, as callers_changed recorded them (CallsInto)."""
    return {str(x.details.get("dependency")) for x in all_ if x.signal == "CallsInto" and x.resource == caller}


def _surge_on(services: set[str], all_: list[Finding]) -> list[Finding]:
    """RequestSurge findings on these services, on the workloads that back them, or read from their series."""
    backing = {x.resource for x in all_ if x.signal == "Backs" and x.details.get("service") in services}
    return [x for x in all_ if x.signal == "RequestSurge"
            and (x.resource in services | backing or x.details.get("service") in services)]


def multiplied_calls(f: Finding, all_: list[Finding]) -> bool:
    """A caller's release (a RecentRollout that changed what its pods run: env, config, image...) went live shortly
    before the service it calls began receiving several times its usual requests -- while the caller itself was sent
    no surge of its own to pass on, and whose own failing calls do not time out at a host outside the cluster (a
    vendor's slowness holds its calls open in the service it calls through). The release multiplied its calls: it is
    the cause, the callee's strain the effect."""
    called = _called_by(f.resource, all_)
    created = parse_time(f.details.get("created"))
    if not called or created is None or not BEHAVIOUR_CHANGES & set(f.details.get("changed") or []):
        return False
    if errors_point_outside(f.resource, all_):
        return False  # its calls time out at a host outside the cluster: the load the service carries is that wait
    own = {str(x.details.get("service")) for x in all_ if x.signal == "Backs" and x.resource == f.resource}
    if any(x.signal == "RequestSurge" and (x.resource in own | {f.resource} or x.details.get("service") in own)
           for x in all_):
        return False  # more traffic passing through the caller: the surge comes from further up
    onsets = [onset for x in _surge_on(called, all_) if (onset := parse_time(x.details.get("onset")))]
    return any(timedelta(minutes=-2) <= onset - created <= SURGE_AFTER_ROLLOUT for onset in onsets)


def multiplied_reason(f: Finding, all_: list[Finding]) -> str:
    """The release and the surge it came before, in one sentence: what an SRE needs to see to undo the caller."""
    called = _called_by(f.resource, all_)
    surge = next(iter(_surge_on(called, all_)), None)
    said = f"; then {surge.summary}" if surge else ""
    return f"{f.resource} rolled out revision {f.details.get('revision')} at {f.details.get('created')} " \
           f"(changed {', '.join(f.details.get('changed') or [])}){said}: its calls multiplied"


STRAIN = (C.CPU_THROTTLING, C.OOM_KILLED, C.MEMORY_LEAK, C.BAD_DEPLOY_REGRESSION, C.QUOTA_EXCEEDED, C.DEPENDENCY_FAILURE)


def explained_by_caller_change(merged: dict[tuple[C, str], Hypothesis], findings: list[Finding], cap: float) -> None:
    """A service whose requests a caller's release multiplied: its own strain (throttled at its limit, an autoscaler
    or a quota at their max, memory) is the effect -- each capped below the caller's release. Raising its limits would
    feed the storm, not stop it."""
    blamed = [f for f in findings if f.signal == "RecentRollout" and (C.BAD_DEPLOY_REGRESSION, f.resource) in merged
              and multiplied_calls(f, findings)]
    called = {service for f in blamed for service in _called_by(f.resource, findings)}
    strained = {x.resource for x in _surge_on(called, findings)} | called
    namespaces = {split_target(r)[0] for r in strained}
    for category, resource in list(merged):
        if category in STRAIN and resource not in {f.resource for f in blamed} and (
                resource in strained or category == C.QUOTA_EXCEEDED and split_target(resource)[0] in namespaces):
            merged[(category, resource)].confidence = min(merged[(category, resource)].confidence, cap)
