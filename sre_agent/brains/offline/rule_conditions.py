"""What the diagnosis rules test of the findings: a rollout's changes, taints, intents, leaks, quotas, probes."""

from __future__ import annotations

import re

from ...contracts import Finding, resource_id
from ...graph.endpoint_fixes import retired_dependency, retirement
from ...graph.fix_values import lone_cordon
from ...graph.intent import Intent, scaled_on_purpose

LEAK_AFTER_S = 600  # an OOM after ten minutes of running is growth, not a limit below the working set


def _rollout_of(workload: str, findings: list[Finding]) -> Finding | None:
    """The workload's last rollout, as its RecentRollout finding records it."""
    return next((f for f in findings if f.resource == workload and f.signal == "RecentRollout"), None)


def requests_dropped(workload: str, findings: list[Finding]) -> bool:
    """The workload's last rollout took the CPU requests away: the revision before set some, this one none."""
    rollout = _rollout_of(workload, findings)
    return rollout is not None and bool((rollout.details.get("previous_requests") or {}).get("cpu")) and \
        not (rollout.details.get("requests") or {}).get("cpu")


def requests_dropped_said(f: Finding, findings: list[Finding]) -> str:
    rollout = _rollout_of(f.resource, findings)
    details = rollout.details if rollout else {}
    return (f"{f.summary}; its last rollout dropped the CPU requests ({details.get('previous_requests')} -> "
            f"{details.get('requests') or 'none'})")


def cpu_limit_said(workload: str, findings: list[Finding]) -> str:
    """"; its pods' CPU limit is 200m (2 before revision 4)": the number a throttled workload is held to -- the fact the
    fix changes -- from its last rollout's record, else its spec."""
    rollout = _rollout_of(workload, findings)
    spec = next((f for f in findings if f.resource == workload and f.signal == "WorkloadSpec"), None)
    now = ((rollout.details.get("limits") or {}) if rollout else {}).get("cpu") or (spec.details.get("cpu_limit") if spec else None)
    if not now:
        return ""
    before = ((rollout.details.get("previous_limits") or {}) if rollout else {}).get("cpu")
    changed = f" ({before} before revision {rollout.details.get('revision')})" if rollout and before and before != now else ""
    return f"; its pods' CPU limit is {now}{changed}"


def has_signal(findings: list[Finding], resource: str, *signals: str) -> bool:
    return any(f.resource == resource and f.signal in signals for f in findings)


def _left_taint(f: Finding, all_: list[Finding]) -> bool:
    """The workload's pods are kept off a node by a taint its group's other nodes do not carry, or by a cordon on the
    one node they may use."""
    return any(x.resource == f.resource and (x.signal == "UntoleratedTaint" and len(x.details.get("odd_nodes") or []) == 1
                                             or x.signal == "CordonedNodes" and lone_cordon(x))
               for x in all_)


DISK_BEARING = {"env", "config_refs", "volumes", "image", "command", "args"}  # what a rollout changes that can fill a disk


def pressure_source(f: Finding, all_: list[Finding]) -> bool:
    """The pods using the most memory (or writing to the disk) of a node the kubelet tainted for that pressure, while
    the taint keeps another workload's pods off it: what fills the node is the cause, the pending workload its victim."""
    return any(x.signal == "UntoleratedTaint" and x.details.get("pressure") == f.details.get("measure")
               and x.resource != f.resource and f.details.get("node") in (x.details.get("nodes") or []) for x in all_)


def disk_filled_since_rollout(f: Finding, all_: list[Finding]) -> bool:
    """A workload writing to the disk of a node under disk pressure whose last rollout changed how it runs (its env,
    config, volumes, image): the rollout is what fills the disk."""
    return pressure_source(f, all_) and any(
        x.resource == f.resource and x.signal == "RecentRollout" and set(x.details.get("changed") or []) & DISK_BEARING
        for x in all_)


def taint_explains(f: Finding, all_: list[Finding]) -> bool:
    """The pods are kept off by a taint left behind (_left_taint), or by the kubelet's pressure taint on a node whose
    pressure source was found (what fills its memory or writes to its disk)."""
    return _left_taint(f, all_) or any(
        x.signal in ("NodeTopConsumer", "NodeDiskWriter") and pressure_source(x, all_)
        and any(t.resource == f.resource and t.signal == "UntoleratedTaint" and t.details.get("pressure") for t in all_)
        for x in all_)


def on_purpose(f: Finding, all_: list[Finding]) -> list[Intent]:
    """What the workload records about being changed on purpose -- what scaling it back would reverse."""
    return scaled_on_purpose(all_, f.resource)


def retired_reason(f: Finding, all_: list[Finding]) -> str:
    retired = retired_dependency(f, all_)
    assert retired is not None
    return f"{f.summary}; {retirement(retired, all_)}: the caller's {f.details.get('env')} still names it"


def service_lost(f: Finding, all_: list[Finding]) -> bool:
    """The missing Service's workload is there (the walk to it resolved the name to a workload): the Service was lost,
    not the caller's value wrong."""
    return any(x.signal == "TargetResolved" and x.details.get("asked") == f.details.get("dependency") for x in all_)


def cronjob_off(f: Finding) -> bool:
    """A CronJob reported suspended (a warning: a suspended Job of a CronJob's run is only information)."""
    return "/CronJob/" in f.resource and f.severity != "info"


def callers_fail(f: Finding, all_: list[Finding]) -> bool:
    """Does any caller fail for want of the workload (a DependencyDown naming one of its Services)?"""
    services = set(f.details.get("services") or [])
    return any(g.signal == "DependencyDown" and g.details.get("dependency") in services for g in all_)


def leaking(f: Finding, all_: list[Finding]) -> bool:
    # How long the container ran before the kill is the direct evidence; the memory series decides
    # only when the kubelet did not say (a leak takes a while, a limit below the working set does not).
    ran = f.details.get("ran_seconds")
    if ran is None:  # the analyzer's count of kills says no run time: its pods' own kills (same workload) do
        ran = max((g.details["ran_seconds"] for g in all_ if g.signal == "OOMKilled" and g.resource == f.resource
                   and g.details.get("ran_seconds") is not None), default=None)
    if ran is not None:
        return ran >= LEAK_AFTER_S
    return has_signal(all_, f.resource, "MemoryRamp")


def quota_resource(f: Finding, all_: list[Finding]) -> str | None:
    if "/ResourceQuota/" in f.resource:
        return f.resource
    match = re.search(r"exceeded quota: ([a-z0-9.-]+)", f.summary)
    namespace = f.resource.split("/")[0]
    return resource_id("ResourceQuota", match.group(1), namespace) if match else None


# What a rollout must change to change what the app does with a request. A rollout that changed only
# probes, labels or placement cannot make the app slower or fail requests (its own signals say what broke).
PROBE_MISSES = re.compile(r"statuscode: 404|connection refused", re.IGNORECASE)


def probe_misses(findings: list[Finding], resource: str) -> bool:
    """The workload's probes fail because nothing answers where they ask (a 404, a closed port) -- not a 5xx: an app
    that answers 503 reports a real problem of its own."""
    return any(f.resource == resource and f.signal in ("ReadinessProbeFailing", "LivenessProbeFailing", "ProbeFailing")
               and PROBE_MISSES.search(f.summary) for f in findings)


def latent_ref(f: Finding, all_: list[Finding]) -> bool:
    return has_signal(all_, f.resource, "DependencyDown") and not has_signal(all_, f.resource, "CreateContainerConfigError", "FailedMount",
                                                                 "CrashLoopBackOff", "ContainerFailed")


# What a workload's own pods say is wrong with them: each names the fault itself.
POD_LEVEL_FAULTS = ("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CrashLoopBackOff", "OOMKilled",
                    "CreateContainerConfigError", "ConfigRefMissing", "LivenessProbeFailing", "ProbeFailing",
                    "FailedScheduling", "Unschedulable", "FailedCreate", "ReplicaFailure", "QuotaExceeded", "FailedMount")


def pods_say_why(findings: list[Finding], workload: str) -> bool:
    """A pod-level fault said of the workload or of one of its pods (<namespace>/Pod/<workload>-...)."""
    namespace, name = workload.split("/", 1)[0], workload.rsplit("/", 1)[-1]
    return any(f.signal in POD_LEVEL_FAULTS and (f.resource == workload or f.resource.startswith(f"{namespace}/Pod/{name}-"))
               for f in findings)
