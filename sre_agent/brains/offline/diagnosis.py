"""From findings to a root cause: a table of signal -> category rules, then a ranking that prefers
the most specific explanation, corroborated by other agents.

Every rule reads only Finding.signal / .resource / .details, i.e. what tools returned. Nothing here
knows a scenario; a new fault that produces the same Kubernetes signals is diagnosed the same way."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ...contracts import OUTSIDE_THE_CLUSTER, Diagnosis, Evidence, Finding, resource_id
from ...contracts import RootCauseCategory as C
from ...graph.endpoint_fixes import retired_dependency, retirement, value_holder
from ...graph.fix_values import lone_cordon
from ...graph.intent import Intent, for_a_while, intent_sentence, off_because, scaled_on_purpose
from ...graph.state import Hypothesis
from ...quoting import clip
from .caller_load import (
    explained_by_caller_change,
    explained_by_caller_load,
    loads_saturated,
    multiplied_calls,
    multiplied_reason,
)
from .cloud_identity import denied_without_role
from .cronjobs import room_taken_by_runs
from .dependency_blame import DOWN_DEPENDENCY_CAP, explained_by_dependency
from .external_names import alias_unresolved
from .log_causes import log_causes
from .logs import errors_point_outside
from .outage_width import nothing_old_left
from .releases import (
    onset_tied,
    regression,
    regression_reason,
    release_cannot_start,
    restart_brought_trouble,
)

# Generic explanations lose to specific ones when both fit.
SPECIFICITY = {C.DEPENDENCY_FAILURE: 0, C.BAD_DEPLOY_REGRESSION: 1, C.CRASH_MISSING_CONFIG: 2}
LEAK_AFTER_S = 600  # an OOM after ten minutes of running is growth, not a limit below the working set


@dataclass(frozen=True)
class Rule:
    signal: str
    category: C
    confidence: float
    applies: Callable[[Finding, list[Finding]], bool] = lambda f, all_: True
    resource: Callable[[Finding, list[Finding]], str | None] = lambda f, all_: f.resource
    reason: Callable[[Finding, list[Finding]], str] = lambda f, all_: f.summary


def _rollout_of(workload: str, findings: list[Finding]) -> Finding | None:
    """The workload's last rollout, as its RecentRollout finding records it."""
    return next((f for f in findings if f.resource == workload and f.signal == "RecentRollout"), None)


def _requests_dropped(workload: str, findings: list[Finding]) -> bool:
    """The workload's last rollout took the CPU requests away: the revision before set some, this one none."""
    rollout = _rollout_of(workload, findings)
    return rollout is not None and bool((rollout.details.get("previous_requests") or {}).get("cpu")) and \
        not (rollout.details.get("requests") or {}).get("cpu")


def _requests_dropped_said(f: Finding, findings: list[Finding]) -> str:
    rollout = _rollout_of(f.resource, findings)
    details = rollout.details if rollout else {}
    return (f"{f.summary}; its last rollout dropped the CPU requests ({details.get('previous_requests')} -> "
            f"{details.get('requests') or 'none'})")


def _cpu_limit_said(workload: str, findings: list[Finding]) -> str:
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


def _has(findings: list[Finding], resource: str, *signals: str) -> bool:
    return any(f.resource == resource and f.signal in signals for f in findings)


def _left_taint(f: Finding, all_: list[Finding]) -> bool:
    """The workload's pods are kept off a node by a taint its group's other nodes do not carry, or by a cordon on the
    one node they may use."""
    return any(x.resource == f.resource and (x.signal == "UntoleratedTaint" and len(x.details.get("odd_nodes") or []) == 1
                                             or x.signal == "CordonedNodes" and lone_cordon(x))
               for x in all_)


DISK_BEARING = {"env", "config_refs", "volumes", "image", "command", "args"}  # what a rollout changes that can fill a disk


def _pressure_source(f: Finding, all_: list[Finding]) -> bool:
    """The pods using the most memory (or writing to the disk) of a node the kubelet tainted for that pressure, while
    the taint keeps another workload's pods off it: what fills the node is the cause, the pending workload its victim."""
    return any(x.signal == "UntoleratedTaint" and x.details.get("pressure") == f.details.get("measure")
               and x.resource != f.resource and f.details.get("node") in (x.details.get("nodes") or []) for x in all_)


def _disk_filled_since_rollout(f: Finding, all_: list[Finding]) -> bool:
    """A workload writing to the disk of a node under disk pressure whose last rollout changed how it runs (its env,
    config, volumes, image): the rollout is what fills the disk."""
    return _pressure_source(f, all_) and any(
        x.resource == f.resource and x.signal == "RecentRollout" and set(x.details.get("changed") or []) & DISK_BEARING
        for x in all_)


def _taint_explains(f: Finding, all_: list[Finding]) -> bool:
    """The pods are kept off by a taint left behind (_left_taint), or by the kubelet's pressure taint on a node whose
    pressure source was found (what fills its memory or writes to its disk)."""
    return _left_taint(f, all_) or any(
        x.signal in ("NodeTopConsumer", "NodeDiskWriter") and _pressure_source(x, all_)
        and any(t.resource == f.resource and t.signal == "UntoleratedTaint" and t.details.get("pressure") for t in all_)
        for x in all_)


def _on_purpose(f: Finding, all_: list[Finding]) -> list[Intent]:
    """What the workload records about being changed on purpose -- what scaling it back would reverse."""
    return scaled_on_purpose(all_, f.resource)


def _retired_reason(f: Finding, all_: list[Finding]) -> str:
    retired = retired_dependency(f, all_)
    assert retired is not None
    return f"{f.summary}; {retirement(retired, all_)}: the caller's {f.details.get('env')} still names it"


def _service_lost(f: Finding, all_: list[Finding]) -> bool:
    """The missing Service's workload is there (the walk to it resolved the name to a workload): the Service was lost,
    not the caller's value wrong."""
    return any(x.signal == "TargetResolved" and x.details.get("asked") == f.details.get("dependency") for x in all_)


def _cronjob_off(f: Finding) -> bool:
    """A CronJob reported suspended (a warning: a suspended Job of a CronJob's run is only information)."""
    return "/CronJob/" in f.resource and f.severity != "info"


def _callers_fail(f: Finding, all_: list[Finding]) -> bool:
    """Does any caller fail for want of the workload (a DependencyDown naming one of its Services)?"""
    services = set(f.details.get("services") or [])
    return any(g.signal == "DependencyDown" and g.details.get("dependency") in services for g in all_)


def _leaking(f: Finding, all_: list[Finding]) -> bool:
    # How long the container ran before the kill is the direct evidence; the memory series decides
    # only when the kubelet did not say (a leak takes a while, a limit below the working set does not).
    ran = f.details.get("ran_seconds")
    if ran is None:  # the analyzer's count of kills says no run time: its pods' own kills (same workload) do
        ran = max((g.details["ran_seconds"] for g in all_ if g.signal == "OOMKilled" and g.resource == f.resource
                   and g.details.get("ran_seconds") is not None), default=None)
    if ran is not None:
        return ran >= LEAK_AFTER_S
    return _has(all_, f.resource, "MemoryRamp")


def _quota_resource(f: Finding, all_: list[Finding]) -> str | None:
    if "/ResourceQuota/" in f.resource:
        return f.resource
    match = re.search(r"exceeded quota: ([a-z0-9.-]+)", f.summary)
    namespace = f.resource.split("/")[0]
    return resource_id("ResourceQuota", match.group(1), namespace) if match else None


# What a rollout must change to change what the app does with a request. A rollout that changed only
# probes, labels or placement cannot make the app slower or fail requests (its own signals say what broke).
PROBE_MISSES = re.compile(r"statuscode: 404|connection refused", re.IGNORECASE)


def _probe_misses(findings: list[Finding], resource: str) -> bool:
    """The workload's probes fail because nothing answers where they ask (a 404, a closed port) -- not a 5xx: an app
    that answers 503 reports a real problem of its own."""
    return any(f.resource == resource and f.signal in ("ReadinessProbeFailing", "LivenessProbeFailing", "ProbeFailing")
               and PROBE_MISSES.search(f.summary) for f in findings)


def _latent_ref(f: Finding, all_: list[Finding]) -> bool:
    return _has(all_, f.resource, "DependencyDown") and not _has(all_, f.resource, "CreateContainerConfigError", "FailedMount",
                                                                 "CrashLoopBackOff", "ContainerFailed")


# What a workload's own pods say is wrong with them: each names the fault itself.
POD_LEVEL_FAULTS = ("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CrashLoopBackOff", "OOMKilled",
                    "CreateContainerConfigError", "ConfigRefMissing", "LivenessProbeFailing", "ProbeFailing",
                    "FailedScheduling", "Unschedulable", "FailedCreate", "ReplicaFailure", "QuotaExceeded", "FailedMount")


def _pods_say_why(findings: list[Finding], workload: str) -> bool:
    """A pod-level fault said of the workload or of one of its pods (<namespace>/Pod/<workload>-...)."""
    namespace, name = workload.split("/", 1)[0], workload.rsplit("/", 1)[-1]
    return any(f.signal in POD_LEVEL_FAULTS and (f.resource == workload or f.resource.startswith(f"{namespace}/Pod/{name}-"))
               for f in findings)
RULES: list[Rule] = [
    # The registry refused the pull for want of credentials: the image is there, the pod's pull Secrets are not.
    Rule("PullCredentialsMissing", C.IMAGE_PULL_AUTH, 0.95),
    Rule("ImagePullBackOff", C.BAD_IMAGE, 0.92, lambda f, a: not _has(a, f.resource, "PullCredentialsMissing")),
    Rule("ErrImagePull", C.BAD_IMAGE, 0.85, lambda f, a: not _has(a, f.resource, "PullCredentialsMissing")),
    Rule("InvalidImageName", C.BAD_IMAGE, 0.85),
    Rule("CreateContainerConfigError", C.MISSING_CONFIG_REF, 0.9),
    # A reference its running pods already resolved (they started before the key or object went) is latent: when a
    # dependency of the workload is down and none of its own pods fails to start, the errors are the dependency's.
    Rule("ConfigRefMissing", C.MISSING_CONFIG_REF, 0.8, lambda f, a: not _latent_ref(f, a)),
    Rule("ConfigRefMissing", C.MISSING_CONFIG_REF, 0.5, _latent_ref),
    Rule("FailedMount", C.MISSING_CONFIG_REF, 0.75),
    # A container the runtime cannot start (the image lacks the program the spec runs) right after a release that
    # changed the image or the command: the release is bad, whatever config it reads.
    Rule("CrashLoopBackOff", C.BAD_DEPLOY_REGRESSION, 0.9, lambda f, a: release_cannot_start(f, a)),
    # ... and one the kernel refuses to run (exec format error: built for another CPU architecture): the image itself
    Rule("CrashLoopBackOff", C.BAD_IMAGE, 0.93, lambda f, a: bool(f.details.get("wrong_arch"))),
    Rule("CrashLoopBackOff", C.CRASH_MISSING_CONFIG, 0.88, lambda f, a: bool(f.details.get("config_error"))),
    Rule("CrashLoopBackOff", C.CRASH_MISSING_CONFIG, 0.55,
         lambda f, a: f.details.get("source") != "analyzer" and not f.details.get("config_error")),
    # A container that ended for good (a Job's, restartPolicy Never) reads like one crash of a loop.
    Rule("ContainerFailed", C.CRASH_MISSING_CONFIG, 0.88, lambda f, a: bool(f.details.get("config_error"))),
    Rule("ContainerFailed", C.CRASH_MISSING_CONFIG, 0.55, lambda f, a: not f.details.get("config_error")),
    # A workload that failed, and whose logs say a setting is missing: the log line is the crash's reason.
    Rule("ConfigErrorLog", C.CRASH_MISSING_CONFIG, 0.8,
         lambda f, a: _has(a, f.resource, "JobFailed", "CrashLoopBackOff", "ContainerFailed")),
    # A restart that changed nothing in the template brought in a ConfigMap edit made just before it, and the trouble
    # began with that restart: the edited value is the fault -- where it sits, as the root-cause rule puts a caller's
    # wrong setting (below a release that changed the template itself, above a release merely timed before)
    Rule("ConfigBroughtIn", C.ENDPOINT_MISCONFIGURED, 0.83, restart_brought_trouble),
    Rule("OOMKilled", C.MEMORY_LEAK, 0.86, _leaking),
    Rule("OOMKilled", C.OOM_KILLED, 0.88, lambda f, a: not _leaking(f, a)),
    Rule("MemoryRamp", C.MEMORY_LEAK, 0.6),
    Rule("NodeTopConsumer", C.MEMORY_LEAK, 0.95, _pressure_source),
    Rule("NodeDiskWriter", C.BAD_DEPLOY_REGRESSION, 0.95, _disk_filled_since_rollout),
    Rule("LivenessProbeFailing", C.PROBE_MISCONFIG, 0.9),
    # A probe that 404s or hits a closed port is misconfigured; one that answers 503 reports a real problem.
    Rule("ProbeFailing", C.PROBE_MISCONFIG, 0.6, lambda f, a: bool(re.search(r"statuscode: 404|connection refused", f.summary))),
    Rule("ReadinessProbeFailing", C.PROBE_MISCONFIG, 0.6, lambda f, a: bool(PROBE_MISSES.search(f.summary))),
    # The probes changed in the last rollout and now fail: the change, not the app, is the fault.
    Rule("RecentRollout", C.PROBE_MISCONFIG, 0.93, lambda f, a: "probes" in (f.details.get("changed") or [])
         and _has(a, f.resource, "LivenessProbeFailing", "ReadinessProbeFailing", "ProbeFailing")),
    # A release shipped an image whose app no longer answers where the probe asks (404, nothing listening): its new
    # pods never turn Ready, the old ones carry the load -- throttled or slow as a consequence, not the cause.
    Rule("RecentRollout", C.PROBE_MISCONFIG, 0.94, lambda f, a: "image" in (f.details.get("changed") or [])
         and onset_tied(f, a) and _probe_misses(a, f.resource)),
    Rule("FailedScheduling", C.UNSCHEDULABLE, 0.9, lambda f, a: not _taint_explains(f, a)),
    # the node's taint explains it (below): left behind, or the kubelet's pressure taint with what fills the node found
    Rule("FailedScheduling", C.UNSCHEDULABLE, 0.6, _taint_explains),
    Rule("NodeSelectorUnmatched", C.UNSCHEDULABLE, 0.9),
    Rule("NodeAffinityUnmatched", C.UNSCHEDULABLE, 0.9),  # a required affinity no node satisfies (its zone's node gone)
    # Nodes a DaemonSet does not tolerate, new ones or pools of a taint key it covers elsewhere: it is meant there
    Rule("DaemonSetNodeGap", C.UNSCHEDULABLE, 0.86,
         lambda f, a: bool(f.details.get("recent") or f.details.get("same_key") or f.details.get("asked"))),
    Rule("PVCPending", C.PVC_PENDING, 0.92),
    Rule("VolumeFull", C.VOLUME_FULL, 0.94),
    # A Secret rotated after the pods read it, and their logins refused: the pods hold the old value.
    Rule("StaleCredential", C.STALE_CREDENTIAL, 0.95),
    # Refused with a Secret nobody changed: rotated where it is checked -- the pods present what it no longer accepts.
    Rule("CredentialRefused", C.STALE_CREDENTIAL, 0.85),
    Rule("QuotaExceeded", C.QUOTA_EXCEEDED, 0.9, resource=_quota_resource),
    Rule("QuotaExhausted", C.QUOTA_EXCEEDED, 0.7, resource=_quota_resource),
    Rule("FailedCreate", C.QUOTA_EXCEEDED, 0.88, lambda f, a: "exceeded quota" in f.summary, _quota_resource),
    Rule("ServiceSelectorMismatch", C.SERVICE_SELECTOR_MISMATCH, 0.92),
    # A Service whose selector also matches another app's pods sends that app its requests (which it fails, or
    # strains under): the selector is the fault, above the intruder's own throttling (a canary of the same name is
    # meant to share it: its own faults decide).
    Rule("ServiceSpansWorkloads", C.SERVICE_SELECTOR_MISMATCH, 0.9, lambda f, a: bool(f.details.get("other_apps"))
         and any(_has(a, r, "ErrorAnomaly", "LatencyAnomaly", "CpuThrottled")  # only when the spread does harm
                 for r in [f.resource, *(f.details.get("workloads") or [])])),
    Rule("SelectorMismatch", C.SERVICE_SELECTOR_MISMATCH, 0.7),
    Rule("ServicePortMismatch", C.SERVICE_PORT_MISMATCH, 0.93),
    Rule("TargetPortMismatch", C.SERVICE_PORT_MISMATCH, 0.75),
    Rule("NodeNotReady", C.NODE_FAILURE, 0.9),
    # A taint on one node that its group's other nodes do not carry (left after maintenance) is that node's
    # fault: removing it is the change that clears the Pending pods, not anything in their template. Left on
    # several nodes, no one node's change clears it (as with a cordon): the pods are unschedulable, the fix names
    # every such node.
    Rule("UntoleratedTaint", C.NODE_FAILURE, 0.92, lambda f, a: len(f.details.get("odd_nodes") or []) == 1,
         lambda f, a: f"Node/{f.details['odd_nodes'][0]}"),
    # The one node the pods may use is cordoned: uncordoning it is the change that clears them.
    # (When the pods' other nodes are full, the pool lacks room: the pods are unschedulable, the uncordon is the fix.)
    Rule("CordonedNodes", C.NODE_FAILURE, 0.92, lambda f, a: lone_cordon(f),
         lambda f, a: f"Node/{f.details['nodes'][0]}"),
    Rule("CpuThrottled", C.CPU_THROTTLING, 0.86, reason=lambda f, a: f.summary + _cpu_limit_said(f.resource, a)),
    # An autoscaler that cannot compute a replica count because its workload's last rollout took away the CPU requests
    # utilization is divided by: that rollout is the fault (its pods run; nothing scales them under load).
    *[Rule(signal, C.BAD_DEPLOY_REGRESSION, 0.8, lambda f, a: _requests_dropped(f.resource, a), reason=_requests_dropped_said)
      for signal in ("ResourcesNotConfigured", "HPAScalingInactive")],
    Rule("RecentRollout", C.BAD_DEPLOY_REGRESSION, 0.82, regression, reason=regression_reason),
    # A rollout that gave up (ProgressDeadlineExceeded) with no pod-level fault of its own said (a pull, a crash, a probe,
    # a missing key, no room -- each has its rule, above this one): its new template does not come up, whatever holds
    # it (an init container waiting forever, a volume it cannot get); the old pods serve, and going back is the fix.
    Rule("ProgressDeadlineExceeded", C.BAD_DEPLOY_REGRESSION, 0.72, lambda f, a: not _pods_say_why(a, f.resource)),
    # The caller's own endpoint names a host no Service has (one with a close name exists) or a port its Service does
    # not expose: the object holding the value is the root, however healthy the dependency is.
    Rule("EndpointUnserved", C.ENDPOINT_MISCONFIGURED, 0.9, resource=lambda f, a: value_holder(f.resource, f.details)),
    # ... unless the Service's ports moved under the callers' value (written after it): the Service is the fault.
    Rule("ServicePortMoved", C.SERVICE_PORT_MISMATCH, 0.92),
    # A workload scaled to zero on purpose (a decommission, a maintenance window: its annotations say so) is evidence,
    # not a fault: another explanation of the callers' symptom wins, and if none does, scaling it back asks a human.
    Rule("ScaledToZero", C.DEPENDENCY_FAILURE, 0.8, lambda f, a: not _on_purpose(f, a)),
    # Off for a maintenance window (a vendor's outage drain, a patch window: no decommission recorded), or by an idle sweep
    # (it looked unused), while its callers fail: the dependency is what fails them -- its owner, not the callers'
    # references, is the way back (scaling it back reverses a recorded change: a human is asked).
    Rule("ScaledToZero", C.DEPENDENCY_FAILURE, 0.78, lambda f, a: for_a_while(_on_purpose(f, a)) and _callers_fail(f, a),
         reason=lambda f, a: f"{f.summary}, {off_because(_on_purpose(f, a))}"),
    # With no caller failing for want of it, it is no fault at all: the alarm still watching it is what is stale.
    Rule("ScaledToZero", C.DEPENDENCY_FAILURE, 0.45, lambda f, a: bool(_on_purpose(f, a)) and _callers_fail(f, a)
         and not for_a_while(_on_purpose(f, a)),
         reason=lambda f, a: f"{f.summary}, on purpose: {intent_sentence(_on_purpose(f, a))}"),
    # A caller still naming a dependency retired on purpose: its own value is stale (the decommission stands), so the
    # object holding that value is the root -- above the retired workload's own 0.45 and an empty Service's 0.5.
    Rule("DependencyDown", C.ENDPOINT_MISCONFIGURED, 0.7, lambda f, a: retired_dependency(f, a) is not None,
         resource=lambda f, a: value_holder(f.resource, f.details), reason=_retired_reason),
    Rule("NoReadyEndpoints", C.DEPENDENCY_FAILURE, 0.5),
    # A caller's value names a host no Service has, and none with a close name (misaimed finds those): nothing in the
    # cluster answers it -- the value is what is wrong (a flag that switched on a backend never deployed, a URL for
    # another cluster), so the object holding it is the root, as the root-cause rule says.
    Rule("DependencyDown", C.ENDPOINT_MISCONFIGURED, 0.75, lambda f, a: f.details.get("exists") is False and bool(f.details.get("env"))
         and retired_dependency(f, a) is None and not _service_lost(f, a), resource=lambda f, a: value_holder(f.resource, f.details)),
    # Runs that cannot end or never start. Every run is made from the CronJob's job template (a run's findings are
    # carried onto it): a container in it that never exits holds each run open, and under Forbid the runs after it
    # are skipped -- the template is what changed for the worse. A suspended CronJob starts no run at all: the
    # workload left off (as a Deployment left at zero), unless its annotations say it is meant to be.
    Rule("HeldOpen", C.BAD_DEPLOY_REGRESSION, 0.86),
    # Runs that take much longer since one whose Job spec changed (parallelism halved, another image): every run is the
    # job template's copy, so the template's change is the regression -- on the CronJob, as a release's on its workload.
    Rule("RunsSlower", C.BAD_DEPLOY_REGRESSION, 0.8, lambda f, a: bool(f.details.get("changed"))),
    # Runs overlapping (concurrencyPolicy Allow) that take an alarmed node: the CronJob's schedule and policy let them
    # pile up -- its own fault (against a quota, the quota is the root and the pile-up its fix's first step).
    Rule("CronJobPileUp", C.BAD_DEPLOY_REGRESSION, 0.85,
         lambda f, a: all(str(h).startswith("Node/") for h in f.details.get("quotas") or ["?"])),
    # ... and that hold the room another workload's pods are Pending for: the pile-up, not the Pending pods, is the root
    Rule("CronJobPileUp", C.BAD_DEPLOY_REGRESSION, 0.93, lambda f, a: bool(f.details.get("starves"))),
    Rule("RunsSkipped", C.BAD_DEPLOY_REGRESSION, 0.6),
    # Every run since the last one to complete failed, running another tag of that run's image: the template's image
    # moved and broke the runs -- above a run's own exit (ContainerFailed reads as config at 0.55).
    Rule("RunsFailSinceImage", C.BAD_DEPLOY_REGRESSION, 0.9),
    Rule("Suspended", C.DEPENDENCY_FAILURE, 0.7, lambda f, a: _cronjob_off(f) and not _on_purpose(f, a)),
    Rule("Suspended", C.DEPENDENCY_FAILURE, 0.45, lambda f, a: _cronjob_off(f) and bool(_on_purpose(f, a))),
    # A caller scaled up just before the dependency it shares with the alarmed service strained: the load it added is
    # the cause (the dependency's own throttling is its effect, _explained_by_caller_load), its scale-back the fix.
    Rule("RecentScaleUp", C.DEPENDENCY_FAILURE, 0.9, loads_saturated),
    # A caller's release went live just before the service it calls was sent several times its usual requests (retries
    # without backoff, a retry queue pointed at it): the release is the cause, the callee's saturation its effect.
    Rule("RecentRollout", C.BAD_DEPLOY_REGRESSION, 0.9, multiplied_calls, reason=multiplied_reason),
    # An error line that says its own cause (log_causes.yaml): below Kubernetes' own signals, above a release merely
    # timed before the errors.
    # An ExternalName Service whose name its callers cannot resolve (the outside host is gone): the alias is the root
    Rule("DependsOnExternal", C.ENDPOINT_MISCONFIGURED, 0.88, alias_unresolved, resource=lambda f, a: f.details.get("dependency")),
    # ... and a workload's denied AWS calls while its ServiceAccount names no IAM role: the role lost is the root
    Rule("NoCloudRole", C.CRASH_MISSING_CONFIG, 0.9, denied_without_role),
    *(Rule("LogNamedCause", C(cause.category), 0.84, lambda f, a, cause_id=cause.id: f.details.get("cause") == cause_id)
      for cause in log_causes()),
]


# Signals that are Kubernetes' own words for a pod's or claim's state (a container's waiting or terminated
# reason, an event reason, a phase): the words an SRE recognises from `kubectl get pods` and greps for.
KUBERNETES_STATES = {"ImagePullBackOff": "ImagePullBackOff", "ErrImagePull": "ErrImagePull", "InvalidImageName": "InvalidImageName",
                     "CreateContainerConfigError": "CreateContainerConfigError", "CrashLoopBackOff": "CrashLoopBackOff",
                     "OOMKilled": "OOMKilled", "FailedMount": "FailedMount", "FailedScheduling": "Pending, FailedScheduling",
                     "PVCPending": "claim Pending", "FailedCreate": "FailedCreate", "NodeNotReady": "NotReady",
                     "JobFailed": "Failed", "LivenessProbeFailing": "liveness probe failing",
                     "ReadinessProbeFailing": "not Ready, readiness probe failing"}


def _kubernetes_states(findings: list[Finding], resource: str) -> str:
    return ", ".join(dict.fromkeys(KUBERNETES_STATES[f.signal] for f in findings
                                   if f.resource == resource and f.signal in KUBERNETES_STATES))


def hypotheses(findings: list[Finding]) -> list[Hypothesis]:
    merged: dict[tuple[C, str], Hypothesis] = {}
    for finding in findings:
        for rule in RULES:
            if rule.signal != finding.signal or not rule.applies(finding, findings):
                continue
            resource = rule.resource(finding, findings)
            if not resource:
                continue
            key = (rule.category, resource)
            current = merged.get(key)
            reason = rule.reason(finding, findings)
            if current is None:
                merged[key] = Hypothesis(category=rule.category, resource=resource, confidence=rule.confidence,
                                         reasons=[reason], evidence=list(finding.evidence))
            else:
                current.confidence = min(0.99, max(current.confidence, rule.confidence) + 0.02)
                if reason not in current.reasons:
                    current.reasons.append(reason)
                current.evidence.extend(e for e in finding.evidence if e not in current.evidence)
    # A run of a CronJob fails because of the template every run is made from: the CronJob is the root, not its Job.
    cronjob_of = {str(f.details["run"]): f.resource for f in findings if "/CronJob/" in f.resource and f.details.get("run")}
    for category, resource in list(merged):
        if resource in cronjob_of and (category, cronjob_of[resource]) in merged:
            del merged[(category, resource)]
    explained_by_dependency(merged, findings)
    room_taken_by_runs(merged, findings)
    explained_by_caller_load(merged, findings, DOWN_DEPENDENCY_CAP)
    explained_by_caller_change(merged, findings, DOWN_DEPENDENCY_CAP)
    # Other agents' findings about the same resource corroborate it.
    for hypothesis in merged.values():
        agents = {f.agent for f in findings if f.resource == hypothesis.resource}
        hypothesis.confidence = min(0.99, hypothesis.confidence + 0.03 * (len(agents) - 1))
    return sorted(merged.values(), key=lambda h: (h.confidence, SPECIFICITY.get(h.category, 5)), reverse=True)


def best(hypotheses_: list[Hypothesis]) -> Hypothesis | None:
    if not hypotheses_:
        return None
    top = max(h.confidence for h in hypotheses_)
    # Among near-equally confident explanations, the more specific one wins.
    close = [h for h in hypotheses_ if h.confidence >= top - 0.1]
    return max(close, key=lambda h: (SPECIFICITY.get(h.category, 5), h.confidence))


def _said_by(resource: str, findings: list[Finding]) -> str:
    """The line its logs fail with (the 429, the timeout), as the evidence of a call failing outside."""
    line = next((f.summary.split(": ", 1)[-1] for f in findings  # the sample line, its numbers as they were
                 if f.resource == resource and f.signal == "UpstreamErrors"), "")
    return f" (its logs: {clip(line, 180)})" if line else ""


def diagnose(findings: list[Finding], evidence_lookup: Callable[[str], Evidence | None]) -> tuple[Diagnosis, list[Hypothesis]]:
    ranked = hypotheses(findings)
    chosen = best(ranked)
    if chosen is None:
        checked = sorted({f.resource for f in findings} | set())
        outside = next(((r, host) for r in dict.fromkeys(f.resource for f in findings)
                        if (host := errors_point_outside(r, findings))), None)
        summary = "No fault found: every check came back healthy." if not findings else (
            f"{OUTSIDE_THE_CLUSTER}: {outside[0]}'s calls to {outside[1]} (outside the cluster) time out or fail "
            f"-- its owner is who can fix that; nothing here to roll back or restart{_said_by(outside[0], findings)}"
            if outside else
            "No root cause among the observations: " + "; ".join(f.summary for f in findings[:3]))
        evidence = [e for e in (evidence_lookup(i) for f in findings for i in f.evidence) if e][:5]
        return Diagnosis(category=C.NONE, resource="", summary=summary, confidence=0.8 if not checked else 0.7,
                         evidence=evidence), ranked
    evidence = []
    for evidence_id in chosen.evidence:
        item = evidence_lookup(evidence_id)
        if item is None:
            continue
        # The excerpt quotes what the tool showed that matters: the finding drawn from it.
        facts = [f.summary for f in findings if evidence_id in f.evidence and f.resource == chosen.resource]
        evidence.append(item.model_copy(update={"excerpt": ("; ".join(dict.fromkeys(facts)) or item.excerpt)[:400]}))
    # The same fact seen on several pods reads once: drop the "<pod>: " prefix before de-duplicating.
    reasons = list(dict.fromkeys(re.sub(r"^[a-z0-9-]+(/[a-z0-9-]+)?: ", "", r) for r in chosen.reasons))
    seen = _kubernetes_states(findings, chosen.resource)
    summary = f"{chosen.category.value} on {chosen.resource}" + (f" ({seen})" if seen else "") + ": " + "; ".join(reasons[:2]) \
        + nothing_old_left(chosen.resource, chosen.category, findings)
    return Diagnosis(category=chosen.category, resource=chosen.resource, summary=summary,
                     confidence=round(chosen.confidence, 2), evidence=evidence), ranked
