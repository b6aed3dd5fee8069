"""From what a model says it found to Findings the graph can trust.

Every reported finding must name a real resource id and cite evidence ids that exist; the rest
is dropped, with a note. Signals that the remediation planner and policy read as *preconditions*
(a rollout in the window, a crash loop, a scale-up, a matched runbook) are accepted only when code
finds them in the structured fields of the cited tool output (never in text a workload wrote),
and their details -- revisions, replica counts, runbook steps -- are taken from that output, never
from the model's words. Anything a tool returned (log lines
above all) is untrusted text; this is what keeps it from widening what the responder may do."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...contracts import Finding, ToolCallRecord, parse_resource_id, parse_time
from ...graph.state import Investigation
from ..offline.kubernetes import SCALED
from .schemas import ReportedFinding

KIND = re.compile(r"^[A-Z][A-Za-z0-9]*$")
NOT_SIGNAL_CHARS = re.compile(r"[^A-Za-z0-9_]")
# Kubernetes tools whose output is cluster state written by controllers, not text written by apps.
STATE_TOOLS = {"describe", "get_resources", "analyze", "events", "rollout_history", "ownership"}
CRASH_MARKERS = ("CrashLoopBackOff", "Back-off restarting failed container")  # a waiting reason; a BackOff event


@dataclass
class Cited:
    record: ToolCallRecord
    data: Any  # the parsed tool result (None when the call failed or came from an earlier step)


def valid_resource_id(resource: str) -> bool:
    try:
        _, kind, _ = parse_resource_id(resource)
    except ValueError:
        return False
    return bool(KIND.match(kind))


def _recent_rollout(resource: str, cited: list[Cited], state: Investigation) -> dict[str, Any] | None:
    for item in cited:
        data = item.data
        if item.record.tool != "rollout_history" or not isinstance(data, dict) or data.get("deployment") != resource:
            continue
        revisions = [r for r in data.get("revisions") or [] if isinstance(r, dict)]
        current = next((r for r in revisions if r.get("current")), None)
        created = parse_time(current.get("created")) if current else None
        if current is None or len(revisions) < 2 or created is None or created < state.incident.window_start:
            continue
        previous = max((r for r in revisions if r.get("revision", 0) < current.get("revision", 0)),
                       key=lambda r: r.get("revision", 0), default=None)
        return {"revision": current.get("revision"), "previous_revision": previous.get("revision") if previous else None,
                "created": current.get("created"), "images": current.get("images"),
                "previous_images": previous.get("images") if previous else None}
    return None


def _recent_scale_up(resource: str, cited: list[Cited], state: Investigation) -> dict[str, Any] | None:
    name = resource.rsplit("/", 1)[-1]
    for item in cited:
        if item.record.tool != "events" or item.record.args.get("name") != name or not isinstance(item.data, dict):
            continue
        for event in item.data.get("events") or []:
            match = SCALED.search(str(event.get("message") or "")) if event.get("reason") == "ScalingReplicaSet" else None
            before, after = (int(match.group(3)), int(match.group(4))) if match else (0, 0)
            if match and match.group(1) == "up" and 0 < before < after:  # 0 -> N is a rollout, not a scale
                return {"previous_replicas": before, "replicas": after}
    return None


def _pod_of(pod: str, workload: str) -> bool:
    """A pod a workload owns, by the names its controllers give: <deployment>-<hash>-<id>, <set>-<ordinal>."""
    return pod.startswith(f"{workload}-")


def _waiting_reasons(pod: dict[str, Any]) -> list[str]:
    """From a described Pod object: the waiting reason of each container (kubelet-written fields)."""
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return [str(((s.get("state") or {}).get("waiting") or {}).get("reason")) for s in statuses if isinstance(s, dict)]


def _crash_loop_rows(tool: str, data: dict[str, Any], namespace: str, name: str) -> bool:
    """Whether one structured result shows a pod of `name` crash-looping, read from fields only:
    a pod row's status or problems (get_resources), a described Pod's container states (describe),
    an analyzer finding's reason (analyze), a BackOff event on the pod (events, describe). Text a
    workload wrote (log lines, annotations, messages quoting them) is never read."""
    def ours(pod: str, pod_namespace: str | None) -> bool:
        return _pod_of(pod, name) and (pod_namespace in (None, namespace))

    if tool == "get_resources":
        return any(isinstance(row, dict) and ours(str(row.get("name") or ""), row.get("namespace"))
                   and (row.get("status") == "CrashLoopBackOff"
                        or any(str(p).endswith(": CrashLoopBackOff") for p in row.get("problems") or []))
                   for row in data.get("items") or [])
    if tool == "analyze":
        for finding in data.get("findings") or []:
            ns, kind, pod = (str((finding or {}).get("resource") or "").split("/") + ["", "", ""])[:3]
            if finding.get("reason") == "CrashLoopBackOff" and kind == "Pod" and ns == namespace and _pod_of(pod, name):
                return True
        return False
    rows = list(data.get("events") or [])
    if tool == "describe":
        obj = data.get("object") or {}
        meta = obj.get("metadata") or {}
        if obj.get("kind") == "Pod" and ours(str(meta.get("name") or ""), meta.get("namespace")) \
                and "CrashLoopBackOff" in _waiting_reasons(obj):
            return True
    return any(isinstance(event, dict) and event.get("reason") == "BackOff"
               and str(event.get("object") or "").startswith("Pod/") and _pod_of(str(event["object"])[4:], name)
               and str(event.get("message") or "").startswith(CRASH_MARKERS[1]) for event in rows)


def _crash_loop(resource: str, cited: list[Cited], state: Investigation) -> dict[str, Any] | None:
    namespace, _, name = (resource.split("/") + ["", ""])[:3]
    for item in cited:
        if item.record.server != "kubernetes" or item.record.tool not in STATE_TOOLS or not isinstance(item.data, dict):
            continue
        if _crash_loop_rows(item.record.tool, item.data, namespace, name):
            return {"confirmed_by": item.record.id}
    return None


def _runbook(resource: str, cited: list[Cited], state: Investigation) -> dict[str, Any] | None:
    for item in cited:
        if item.record.tool != "get_runbook" or not isinstance(item.data, dict):
            continue
        runbook = item.data.get("runbook", item.data)
        if isinstance(runbook, dict) and runbook.get("id") and isinstance(runbook.get("remediation"), list):
            return {"runbook": runbook["id"], "category": runbook.get("category"),
                    "remediation": runbook["remediation"], "verification": runbook.get("verification") or []}
    return None


# signal -> how code confirms it from the cited output (and the details the planner/policy read).
PRECONDITIONS = {"RecentRollout": _recent_rollout, "RecentScaleUp": _recent_scale_up,
                 "CrashLoopBackOff": _crash_loop, "RunbookMatched": _runbook}


class Grounding:
    """Checks one specialist step's reported findings against the evidence that step (and earlier ones) produced."""

    def __init__(self, agent: str, state: Investigation, records: list[ToolCallRecord], data: dict[str, Any],
                 model_label: str) -> None:
        self.agent = agent
        self.state = state
        self.model_label = model_label
        self.data = data
        self.records = {r.id: r for r in [*state.tool_calls, *records]}

    def accept(self, reported: list[ReportedFinding]) -> tuple[list[Finding], list[str]]:
        findings: list[Finding] = []
        notes: list[str] = []
        for item in reported:
            finding, note = self._one(item)
            if finding is not None:
                findings.append(finding)
            if note:
                notes.append(f"{self.agent}: {note}")
        return findings, notes

    def _one(self, item: ReportedFinding) -> tuple[Finding | None, str | None]:
        resource = item.resource.strip()
        if not valid_resource_id(resource):
            return None, f"dropped a finding on {resource!r}: not a resource id (namespace/Kind/name or Kind/name)"
        signal = NOT_SIGNAL_CHARS.sub("", item.signal)[:64]
        if not signal:
            return None, f"dropped a finding on {resource}: empty signal code"
        evidence = [e for e in dict.fromkeys(e.strip() for e in item.evidence) if e in self.records]
        if not evidence:
            return None, f"dropped {signal} on {resource}: it cites no tool call of this investigation ({item.evidence})"
        details: dict[str, Any] = {"brain": "llm", "model": self.model_label}
        note = None
        check = PRECONDITIONS.get(signal)
        if check is not None:
            cited = [Cited(self.records[e], self.data.get(e)) for e in evidence]
            confirmed = check(resource, cited, self.state)
            if confirmed is None:
                note = (f"{signal} on {resource} is not shown by the cited output {evidence}; "
                        f"kept as Unconfirmed{signal}, which no remediation rule reads")
                signal = f"Unconfirmed{signal}"
            else:
                details.update(confirmed)
        return Finding(agent=self.agent, resource=resource, signal=signal, summary=item.summary.strip()[:500],
                       severity=item.severity, details=details, evidence=evidence), note
