"""Pod analyzer, ported from k8sgpt pkg/analyzer/pod.go and extended for an SRE.

k8sgpt's conditions, kept: Pending + PodScheduled/Unschedulable; init and regular container
states -- ContainerCreating in a Pending pod explained by a FailedCreatePodSandBox/FailedMount
event, CrashLoopBackOff with the last termination reason, the waiting "error reasons"
(image pulls, config errors, hook errors), a non-zero exit in a Failed pod, and a Running pod's
unready container explained by an Unhealthy event; Evicted pods.

On top: the FailedScheduling event's message, the exit code and memory limit of a crash,
OOMKilled (crashing or already restarted), which ConfigMap/Secret/key a config error names,
the probe behind an Unhealthy event, and containers that keep restarting while looking fine.

Deliberate differences from k8sgpt: an event is matched to the pod by kind, and the latest event
*of the relevant reason* explains a state (k8sgpt takes the pod's latest event of any reason and
gives up when it is, say, a Normal "Pulled"); a waiting error reason counts even without a
message; an Evicted pod is reported once, without its containers' consequential terminations.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from .base import Finding, Severity, make_finding, reason_code
from .describe import describe_event, describe_probe
from .pod_status import container_statuses, event_container
from .pod_template import container_spec
from .view import ClusterView, KubeObject, name_of, namespace_of, spec_of, status_of

# Waiting reasons that mean "this image cannot be used"; one stable code for all of them
# because they are the same fault (ErrImagePull turns into ImagePullBackOff between retries).
IMAGE_REASONS = frozenset({"ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName", "ImageInspectError"})
# The rest of k8sgpt's isErrorReason list; the waiting reason itself is the finding's code.
START_ERROR_REASONS = frozenset({"CreateContainerError", "PreCreateHookError", "PreStartHookError", "RunContainerError"})
# k8sgpt's isEvtErrorReason, plus volume attachment (a pod stuck on a detached volume).
CREATION_EVENT_REASONS = ("FailedCreatePodSandBox", "FailedMount", "FailedAttachVolume")
# A container that restarted this often is crashing, even when it is up right now.
HIGH_RESTART_COUNT = 5

_MISSING_OBJECT = re.compile(r'\b(?P<kind>configmaps?|secrets?) "(?P<name>[^"]+)" not found', re.IGNORECASE)
_MISSING_KEY = re.compile(r"couldn't find key (?P<key>\S+) in (?P<kind>ConfigMap|Secret) (?:[^/\s]+/)?(?P<name>[^\s,]+)")


def describe_missing_config(message: str) -> str | None:
    """`ConfigMap app-config does not exist` from the kubelet's CreateContainerConfigError or
    FailedMount message, or None when the message is about something else."""
    if match := _MISSING_KEY.search(message or ""):
        return f"{match['kind']} {match['name']} has no key {match['key']}"
    if match := _MISSING_OBJECT.search(message or ""):
        kind = "ConfigMap" if match["kind"].lower().startswith("configmap") else "Secret"
        return f"{kind} {match['name']} does not exist"
    return None


def _container_label(field: str) -> str:
    return "Init container" if field.startswith("init") else "Container"


class _PodCheck:
    """Everything wrong with one pod; one instance per pod keeps the per-pod context in one place."""

    def __init__(self, view: ClusterView, pod: KubeObject) -> None:
        self.view = view
        self.pod = pod
        self.name = name_of(pod)
        self.namespace = namespace_of(pod)
        self.spec = spec_of(pod)
        self.status = status_of(pod)
        self.phase = self.status.get("phase") or ""
        self.findings: list[Finding] = []

    @cached_property
    def owner(self) -> str | None:
        """Resolved only for pods with findings: most pods in a big cluster are healthy."""
        return self.view.controller_of(self.pod)

    def add(self, severity: Severity, reason: str, message: str, evidence: list[str | None]) -> None:
        self.findings.append(
            make_finding("Pod", self.pod, severity, reason, message, [e for e in evidence if e], self.owner)
        )

    def events(self, reason: str) -> list[KubeObject]:
        return [e for e in self.view.events_for("Pod", self.name, self.namespace) if e.get("reason") == reason]

    def latest_unhealthy(self, container: str, probe_kind: str | None = None) -> KubeObject | None:
        """The latest Unhealthy (probe failure) event for a container, optionally of one probe kind."""
        for event in reversed(self.events("Unhealthy")):
            if event_container(event) not in (None, container) or not event.get("message"):
                continue
            if probe_kind is None or event["message"].lower().startswith(probe_kind):
                return event
        return None

    # --- the checks ------------------------------------------------------------------------

    def run(self) -> list[Finding]:
        if self.status.get("reason") == "Evicted":
            self.evicted()
            return self.findings
        if self.phase == "Pending":
            self.scheduling()
        for field, container_status in container_statuses(self.pod):
            self.container(field, container_status)
        return self.findings

    def evicted(self) -> None:
        message = self.status.get("message") or "The pod has been evicted"
        self.add("warning", "Evicted", f"Pod was evicted: {message.strip()}",
                 ["status.reason=Evicted", self.status.get("message") and f"status.message={self.status['message']}"])

    def scheduling(self) -> None:
        condition_messages = [
            c["message"]
            for c in self.status.get("conditions") or []
            if c.get("type") == "PodScheduled" and c.get("reason") == "Unschedulable" and c.get("message")
        ]
        event = self.view.latest_event("Pod", self.name, self.namespace, reasons=("FailedScheduling",))
        if event is not None and not event.get("message"):
            event = None
        if not condition_messages and event is None:
            return
        detail = event["message"] if event is not None else condition_messages[-1]
        evidence = [f"status.conditions[PodScheduled]: reason=Unschedulable message={m}" for m in condition_messages]
        evidence.append(describe_event(event) if event is not None else None)
        self.add("critical", "Unschedulable", f"Pod cannot be scheduled: {detail}", evidence)

    def container(self, field: str, container_status: dict[str, Any]) -> None:
        state = container_status.get("state") or {}
        terminated = state.get("terminated")
        if state.get("waiting") is not None:
            self.waiting(field, container_status, state["waiting"])
        elif terminated and terminated.get("exitCode", 0) != 0 and not container_status.get("ready"):
            if self.phase == "Failed":
                self.failed(field, container_status, terminated)
        else:
            self.running(field, container_status)

    def waiting(self, field: str, cs: dict[str, Any], waiting: dict[str, Any]) -> None:
        name = cs.get("name", "")
        label = _container_label(field)
        reason = waiting.get("reason") or ""
        message = waiting.get("message") or ""
        where = f"status.{field}[{name}].state.waiting: reason={reason}" + (f" message={message}" if message else "")

        if reason == "ContainerCreating" and self.phase == "Pending":
            event = self.view.latest_event("Pod", self.name, self.namespace, reasons=CREATION_EVENT_REASONS)
            if event is None or not event.get("message"):
                return  # still being created, nothing says it is stuck
            missing = describe_missing_config(event["message"]) if event.get("reason") == "FailedMount" else None
            if missing:
                self.add("critical", "ConfigRefMissing", f"Pod cannot start: {missing} (FailedMount)",
                         [where, describe_event(event)])
            else:
                self.add("critical", reason_code(event.get("reason", "")),
                         f"{label} {name} is stuck in ContainerCreating: {event['message']}", [where, describe_event(event)])
        elif reason == "CrashLoopBackOff":
            self.crash_loop(field, cs, where, message)
        elif reason in IMAGE_REASONS:
            image = cs.get("image") or container_spec(self.spec, name).get("image") or "?"
            detail = f": {message}" if message else ""
            self.add("critical", "ImagePullBackOff", f"{label} {name} cannot pull image {image}: {reason}{detail}",
                     [where, f"image={image}"])
        elif reason == "CreateContainerConfigError":
            missing = describe_missing_config(message)
            detail = missing or message or "a referenced ConfigMap, Secret or key is missing"
            self.add("critical", "ConfigRefMissing", f"{label} {name} cannot start: {detail} (CreateContainerConfigError)",
                     [where])
        elif reason in START_ERROR_REASONS:
            detail = f": {message}" if message else ""
            self.add("critical", reason, f"{label} {name} cannot start: {reason}{detail}", [where])

    def crash_loop(self, field: str, cs: dict[str, Any], where: str, waiting_message: str) -> None:
        name = cs.get("name", "")
        label = _container_label(field)
        restarts = cs.get("restartCount", 0)
        last = (cs.get("lastState") or {}).get("terminated")
        evidence: list[str | None] = [where, f"status.{field}[{name}].restartCount={restarts}"]
        if last:
            evidence.append(self.termination_evidence(field, name, last))
        if last and last.get("reason") == "OOMKilled":
            limit = self.memory_limit(name)
            evidence.append(limit and f"spec.containers[{name}].resources.limits.memory={limit}")
            self.add("critical", "OOMKilled",
                     f"{label} {name} is in CrashLoopBackOff: the last termination reason is OOMKilled "
                     f"(exit code {last.get('exitCode', '?')}), {self.limit_phrase(limit)}; {restarts} restarts", evidence)
            return
        if last:
            detail = f"the last termination reason is {last.get('reason') or 'unknown'} (exit code {last.get('exitCode', '?')})"
        else:
            detail = waiting_message or "no last termination state recorded"
        message = f"{label} {name} is in CrashLoopBackOff: {detail}; {restarts} restarts"
        liveness = self.latest_unhealthy(name, "liveness")
        if liveness is not None:
            message += f"; liveness probe failing: {liveness['message']}"
            probe = container_spec(self.spec, name).get("livenessProbe")
            evidence += [describe_event(liveness), describe_probe("livenessProbe", probe)]
        self.add("critical", "CrashLoopBackOff", message, evidence)

    def failed(self, field: str, cs: dict[str, Any], terminated: dict[str, Any]) -> None:
        name = cs.get("name", "")
        label = _container_label(field)
        code = terminated.get("exitCode")
        evidence: list[str | None] = [self.termination_evidence(field, name, terminated, state="state")]
        if terminated.get("reason") == "OOMKilled":
            limit = self.memory_limit(name)
            self.add("warning", "OOMKilled",
                     f"{label} {name} was OOMKilled (exit code {code}), {self.limit_phrase(limit)}", evidence)
        else:
            reason = terminated.get("reason") or "unknown"
            self.add("warning", "ContainerFailed",
                     f"{label} {name} terminated with exit code {code} (termination reason is {reason})", evidence)

    def running(self, field: str, cs: dict[str, Any]) -> None:
        name = cs.get("name", "")
        label = _container_label(field)
        completed = (cs.get("state") or {}).get("terminated") is not None  # exit 0: an init container done
        if not cs.get("ready") and self.phase == "Running" and not completed:
            event = self.latest_unhealthy(name)
            if event is not None:
                probe_field = next(
                    (f"{kind}Probe" for kind in ("liveness", "startup") if event["message"].lower().startswith(kind)),
                    "readinessProbe",
                )
                probe = describe_probe(probe_field, container_spec(self.spec, name).get(probe_field))
                self.add("warning", "ProbeFailing", f"{label} {name} is not ready: {event['message']}",
                         [f"status.{field}[{name}].ready=false", describe_event(event), probe])
                return
        restarts = cs.get("restartCount", 0)
        last = (cs.get("lastState") or {}).get("terminated")
        if last and last.get("reason") == "OOMKilled" and restarts > 0:
            limit = self.memory_limit(name)
            self.add("warning", "OOMKilled",
                     f"{label} {name} restarted after being OOMKilled (exit code {last.get('exitCode', '?')}), "
                     f"{self.limit_phrase(limit)}; {restarts} restarts",
                     [self.termination_evidence(field, name, last), f"status.{field}[{name}].restartCount={restarts}",
                      limit and f"spec.containers[{name}].resources.limits.memory={limit}"])
        elif restarts >= HIGH_RESTART_COUNT:
            detail = (
                f"last termination reason is {last.get('reason') or 'unknown'} (exit code {last.get('exitCode', '?')})"
                if last else "no last termination state recorded"
            )
            liveness = self.latest_unhealthy(name, "liveness")
            self.add("warning", "HighRestartCount", f"{label} {name} has restarted {restarts} times; {detail}",
                     [f"status.{field}[{name}].restartCount={restarts}",
                      last and self.termination_evidence(field, name, last),
                      liveness and describe_event(liveness)])

    # --- small helpers ---------------------------------------------------------------------

    def memory_limit(self, container: str) -> str | None:
        limits = (container_spec(self.spec, container).get("resources") or {}).get("limits") or {}
        return limits.get("memory")

    @staticmethod
    def limit_phrase(limit: str | None) -> str:
        return f"memory limit {limit}" if limit else "no memory limit set"

    @staticmethod
    def termination_evidence(field: str, name: str, terminated: dict[str, Any], state: str = "lastState") -> str:
        text = (f"status.{field}[{name}].{state}.terminated: reason={terminated.get('reason') or ''} "
                f"exitCode={terminated.get('exitCode', '?')}")
        if terminated.get("finishedAt"):
            text += f" finishedAt={terminated['finishedAt']}"
        if terminated.get("message"):
            text += f" message={terminated['message']}"
        return text


class PodAnalyzer:
    kind = "Pod"
    reads: frozenset[str] = frozenset({"ReplicaSet", "Deployment", "Job"})  # to name the owning workload

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings: list[Finding] = []
        for pod in view.of_kind("Pod"):
            findings.extend(_PodCheck(view, pod).run())
        return findings
