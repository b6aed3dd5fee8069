"""The diagnosis rules: which signal, under which condition, says which root-cause category, how surely."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ...contracts import Finding
from ...contracts import RootCauseCategory as C
from ...graph.endpoint_fixes import retired_dependency, value_holder
from ...graph.fix_values import lone_cordon
from ...graph.intent import for_a_while, intent_sentence, off_because
from .caller_load import loads_saturated, multiplied_calls, multiplied_reason
from .cloud_identity import denied_without_role
from .external_names import alias_unresolved, host_failing
from .log_causes import log_causes
from .releases import onset_tied, regression, regression_reason, release_cannot_start, restart_brought_trouble
from .rule_conditions import (
    PROBE_MISSES,
    callers_fail,
    cpu_limit_said,
    cronjob_off,
    disk_filled_since_rollout,
    has_signal,
    latent_ref,
    leaking,
    on_purpose,
    pods_say_why,
    pressure_source,
    probe_misses,
    quota_resource,
    requests_dropped,
    requests_dropped_said,
    retired_reason,
    service_lost,
    taint_explains,
)


@dataclass(frozen=True)
class Rule:
    signal: str
    category: C
    confidence: float
    applies: Callable[[Finding, list[Finding]], bool] = lambda f, all_: True
    resource: Callable[[Finding, list[Finding]], str | None] = lambda f, all_: f.resource
    reason: Callable[[Finding, list[Finding]], str] = lambda f, all_: f.summary


RULES: list[Rule] = [
    # The registry refused the pull for want of credentials: the image is there, the pod's pull Secrets are not.
    Rule("PullCredentialsMissing", C.IMAGE_PULL_AUTH, 0.95),
    Rule("ImagePullBackOff", C.BAD_IMAGE, 0.92, lambda f, a: not has_signal(a, f.resource, "PullCredentialsMissing")),
    Rule("ErrImagePull", C.BAD_IMAGE, 0.85, lambda f, a: not has_signal(a, f.resource, "PullCredentialsMissing")),
    Rule("InvalidImageName", C.BAD_IMAGE, 0.85),
    Rule("CreateContainerConfigError", C.MISSING_CONFIG_REF, 0.9),
    # A reference its running pods already resolved (they started before the key or object went) is latent: when a
    # dependency of the workload is down and none of its own pods fails to start, the errors are the dependency's.
    Rule("ConfigRefMissing", C.MISSING_CONFIG_REF, 0.8, lambda f, a: not latent_ref(f, a)),
    Rule("ConfigRefMissing", C.MISSING_CONFIG_REF, 0.5, latent_ref),
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
         lambda f, a: has_signal(a, f.resource, "JobFailed", "CrashLoopBackOff", "ContainerFailed")),
    # A restart that changed nothing in the template brought in a ConfigMap edit made just before it, and the trouble
    # began with that restart: the edited value is the fault -- where it sits, as the root-cause rule puts a caller's
    # wrong setting (below a release that changed the template itself, above a release merely timed before)
    Rule("ConfigBroughtIn", C.ENDPOINT_MISCONFIGURED, 0.83, restart_brought_trouble),
    Rule("OOMKilled", C.MEMORY_LEAK, 0.86, leaking),
    Rule("OOMKilled", C.OOM_KILLED, 0.88, lambda f, a: not leaking(f, a)),
    Rule("MemoryRamp", C.MEMORY_LEAK, 0.6),
    Rule("NodeTopConsumer", C.MEMORY_LEAK, 0.95, pressure_source),
    Rule("NodeDiskWriter", C.BAD_DEPLOY_REGRESSION, 0.95, disk_filled_since_rollout),
    Rule("LivenessProbeFailing", C.PROBE_MISCONFIG, 0.9),
    # A probe that 404s or hits a closed port is misconfigured; one that answers 503 reports a real problem.
    Rule("ProbeFailing", C.PROBE_MISCONFIG, 0.6, lambda f, a: bool(re.search(r"statuscode: 404|connection refused", f.summary))),
    Rule("ReadinessProbeFailing", C.PROBE_MISCONFIG, 0.6, lambda f, a: bool(PROBE_MISSES.search(f.summary))),
    # The probes changed in the last rollout and now fail: the change, not the app, is the fault.
    Rule("RecentRollout", C.PROBE_MISCONFIG, 0.93, lambda f, a: "probes" in (f.details.get("changed") or [])
         and has_signal(a, f.resource, "LivenessProbeFailing", "ReadinessProbeFailing", "ProbeFailing")),
    # A release shipped an image whose app no longer answers where the probe asks (404, nothing listening): its new
    # pods never turn Ready, the old ones carry the load -- throttled or slow as a consequence, not the cause.
    Rule("RecentRollout", C.PROBE_MISCONFIG, 0.94, lambda f, a: "image" in (f.details.get("changed") or [])
         and onset_tied(f, a) and probe_misses(a, f.resource)),
    Rule("FailedScheduling", C.UNSCHEDULABLE, 0.9, lambda f, a: not taint_explains(f, a)),
    # the node's taint explains it (below): left behind, or the kubelet's pressure taint with what fills the node found
    Rule("FailedScheduling", C.UNSCHEDULABLE, 0.6, taint_explains),
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
    Rule("QuotaExceeded", C.QUOTA_EXCEEDED, 0.9, resource=quota_resource),
    Rule("QuotaExhausted", C.QUOTA_EXCEEDED, 0.7, resource=quota_resource),
    Rule("FailedCreate", C.QUOTA_EXCEEDED, 0.88, lambda f, a: "exceeded quota" in f.summary, quota_resource),
    Rule("ServiceSelectorMismatch", C.SERVICE_SELECTOR_MISMATCH, 0.92),
    # A Service whose selector also matches another app's pods sends that app its requests (which it fails, or
    # strains under): the selector is the fault, above the intruder's own throttling (a canary of the same name is
    # meant to share it: its own faults decide).
    Rule("ServiceSpansWorkloads", C.SERVICE_SELECTOR_MISMATCH, 0.9, lambda f, a: bool(f.details.get("other_apps"))
         and any(has_signal(a, r, "ErrorAnomaly", "LatencyAnomaly", "CpuThrottled")  # only when the spread does harm
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
    Rule("CpuThrottled", C.CPU_THROTTLING, 0.86, reason=lambda f, a: f.summary + cpu_limit_said(f.resource, a)),
    # An autoscaler that cannot compute a replica count because its workload's last rollout took away the CPU requests
    # utilization is divided by: that rollout is the fault (its pods run; nothing scales them under load).
    *[Rule(signal, C.BAD_DEPLOY_REGRESSION, 0.8, lambda f, a: requests_dropped(f.resource, a), reason=requests_dropped_said)
      for signal in ("ResourcesNotConfigured", "HPAScalingInactive")],
    Rule("RecentRollout", C.BAD_DEPLOY_REGRESSION, 0.82, regression, reason=regression_reason),
    # A rollout that gave up (ProgressDeadlineExceeded) with no pod-level fault of its own said (a pull, a crash, a probe,
    # a missing key, no room -- each has its rule, above this one): its new template does not come up, whatever holds
    # it (an init container waiting forever, a volume it cannot get); the old pods serve, and going back is the fix.
    Rule("ProgressDeadlineExceeded", C.BAD_DEPLOY_REGRESSION, 0.72, lambda f, a: not pods_say_why(a, f.resource)),
    # The caller's own endpoint names a host no Service has (one with a close name exists) or a port its Service does
    # not expose: the object holding the value is the root, however healthy the dependency is.
    Rule("EndpointUnserved", C.ENDPOINT_MISCONFIGURED, 0.9, resource=lambda f, a: value_holder(f.resource, f.details)),
    # ... unless the Service's ports moved under the callers' value (written after it): the Service is the fault.
    Rule("ServicePortMoved", C.SERVICE_PORT_MISMATCH, 0.92),
    # A workload scaled to zero on purpose (a decommission, a maintenance window: its annotations say so) is evidence,
    # not a fault: another explanation of the callers' symptom wins, and if none does, scaling it back asks a human.
    Rule("ScaledToZero", C.DEPENDENCY_FAILURE, 0.8, lambda f, a: not on_purpose(f, a)),
    # Off for a maintenance window (a vendor's outage drain, a patch window: no decommission recorded), or by an idle sweep
    # (it looked unused), while its callers fail: the dependency is what fails them -- its owner, not the callers'
    # references, is the way back (scaling it back reverses a recorded change: a human is asked).
    Rule("ScaledToZero", C.DEPENDENCY_FAILURE, 0.78, lambda f, a: for_a_while(on_purpose(f, a)) and callers_fail(f, a),
         reason=lambda f, a: f"{f.summary}, {off_because(on_purpose(f, a))}"),
    # With no caller failing for want of it, it is no fault at all: the alarm still watching it is what is stale.
    Rule("ScaledToZero", C.DEPENDENCY_FAILURE, 0.45, lambda f, a: bool(on_purpose(f, a)) and callers_fail(f, a)
         and not for_a_while(on_purpose(f, a)),
         reason=lambda f, a: f"{f.summary}, on purpose: {intent_sentence(on_purpose(f, a))}"),
    # Stopped on purpose while the question says its data stopped moving (a producer off for a maintenance window): what
    # the stale data traces to -- said with the intent it records; scaling it back asks a human (the record stands)
    Rule("ScaledToZero", C.DEPENDENCY_FAILURE, 0.5, lambda f, a: bool(on_purpose(f, a))
         and has_signal(a, f.resource, "StoppedWhileStale"),
         reason=lambda f, a: f"{f.summary}, on purpose: {intent_sentence(on_purpose(f, a))}"),
    # A caller still naming a dependency retired on purpose: its own value is stale (the decommission stands), so the
    # object holding that value is the root -- above the retired workload's own 0.45 and an empty Service's 0.5.
    Rule("DependencyDown", C.ENDPOINT_MISCONFIGURED, 0.7, lambda f, a: retired_dependency(f, a) is not None,
         resource=lambda f, a: value_holder(f.resource, f.details), reason=retired_reason),
    Rule("NoReadyEndpoints", C.DEPENDENCY_FAILURE, 0.5),
    # A caller's value names a host no Service has, and none with a close name (misaimed finds those): nothing in the
    # cluster answers it -- the value is what is wrong (a flag that switched on a backend never deployed, a URL for
    # another cluster), so the object holding it is the root, as the root-cause rule says.
    Rule("DependencyDown", C.ENDPOINT_MISCONFIGURED, 0.75, lambda f, a: f.details.get("exists") is False and bool(f.details.get("env"))
         and retired_dependency(f, a) is None and not service_lost(f, a), resource=lambda f, a: value_holder(f.resource, f.details)),
    # Runs that cannot end or never start. Every run is made from the CronJob's job template (a run's findings are
    # carried onto it): a container in it that never exits holds each run open, and under Forbid the runs after it
    # are skipped -- the template is what changed for the worse. A suspended CronJob starts no run at all: the
    # workload left off (as a Deployment left at zero), unless its annotations say it is meant to be.
    Rule("HeldOpen", C.BAD_DEPLOY_REGRESSION, 0.86),
    # Runs that take much longer since one whose Job spec changed (parallelism halved, another image): every run is the
    # job template's copy, so the template's change is the regression -- on the CronJob, as a release's on its workload.
    Rule("RunsSlower", C.BAD_DEPLOY_REGRESSION, 0.8, lambda f, a: bool(f.details.get("changed"))),
    # Runs killed at a deadline shorter than the runs that completed took: the job template's limit, not the work
    Rule("RunsKilledAtDeadline", C.BAD_DEPLOY_REGRESSION, 0.9),
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
    Rule("Suspended", C.DEPENDENCY_FAILURE, 0.7, lambda f, a: cronjob_off(f) and not on_purpose(f, a)),
    Rule("Suspended", C.DEPENDENCY_FAILURE, 0.45, lambda f, a: cronjob_off(f) and bool(on_purpose(f, a))),
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
    Rule("DependsOnExternal", C.DEPENDENCY_FAILURE, 0.86, host_failing, resource=lambda f, a: f.details.get("dependency")),
    # ... and a workload's denied AWS calls while its ServiceAccount names no IAM role: the role lost is the root
    Rule("NoCloudRole", C.CRASH_MISSING_CONFIG, 0.9, denied_without_role),
    *(Rule("LogNamedCause", C(cause.category), 0.84, lambda f, a, cause_id=cause.id: f.details.get("cause") == cause_id)
      for cause in log_causes()),
]
