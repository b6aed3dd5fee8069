"""From observations to problems: every symptom is anchored on the object it is about, and every
anchor is walked to the root resource a human would fix (the rule in contracts.RootCauseCategory).

The walk uses only edges seen in tool results:
  * Pod / ReplicaSet -> the workload that owns it (the analyzer's `owner`);
  * Service -> the workload whose pods it selects (ownership), unless its selector is what is wrong;
  * workload -> the ResourceQuota that rejects its pods ("exceeded quota: <name>", the API server's words);
  * workload -> the PersistentVolumeClaim it mounts, when that claim has symptoms;
  * workload -> the Node its not-ready pods run on, when that node is not Ready (every one of them:
    a workload failing on healthy nodes too is its own root);
  * workload without a fault of its own -> the upstream it calls (env-named Service) when that
    upstream is broken: the caller's errors are the upstream's blast radius, not a second problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..contracts import parse_time, resource_id
from ..metric_kinds import demand_metric, measures_demand
from .evidence import WORKLOAD_KINDS, SweepEvidence, kind_of, namespace_of
from .mapping import resource_for_alarm, resource_for_dimensions
from .models import Severity, Symptom

# States an operator chose (a cordoned node): reported as notes, never as problems -- a cordon hurts nothing
# already running; pods it keeps Pending carry their own FailedScheduling, which is the problem.
MAINTENANCE_SIGNALS = frozenset({"NodeCordoned"})

# Analyzer reasons that are a workload's own fault: a workload showing one is a root, whatever it calls.
INTRINSIC = frozenset({
    "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CrashLoopBackOff", "OOMKilled", "ConfigRefMissing",
    "CreateContainerConfigError", "Unschedulable", "FailedScheduling", "FailedCreate", "FailedMount",
})
# A Service whose selector matches nothing, or whose targetPort reaches no pod's port, is itself the thing to fix.
SERVICE_FAULTS = frozenset({"SelectorMismatch", "TargetPortMismatch"})
NODE_FAULTS = frozenset({"NodeNotReady"})
QUOTA = re.compile(r"exceeded quota: ([a-z0-9][a-z0-9.-]*)")
LAST_SEEN = re.compile(r"\(last (\d{4}-\d\d-\d\dT[\d:]+Z)\)")
MIN_LOG_LINES = 5  # a new error template seen once or twice in half an hour is background noise, not a symptom
SEVERITY_RANK = {"critical": 2, "warning": 1}


@dataclass
class Anchored:
    anchor: str  # the object the observation is about
    symptom: Symptom
    since: datetime | None = None


@dataclass
class Group:
    root: str
    symptoms: list[Anchored] = field(default_factory=list)
    folded: set[str] = field(default_factory=set)  # anchors walked into this root (its blast radius)


def _finding_since(item: dict[str, Any], ev: SweepEvidence) -> datetime | None:
    first = ev.first_seen.get(item["resource"])
    if first:
        return parse_time(first)
    for line in item.get("evidence") or []:
        match = LAST_SEEN.search(line)
        if match:
            return parse_time(match.group(1))
    return None


def _severity(value: str) -> Severity:
    return "critical" if value == "critical" else "warning"


def observations(ev: SweepEvidence) -> list[Anchored]:
    """Every symptom the sweep saw, anchored on the object it names."""
    out: list[Anchored] = []
    for item in ev.findings:
        if item.get("severity") == "info" or item.get("reason") in MAINTENANCE_SIGNALS:
            continue
        out.append(Anchored(item.get("owner") or item["resource"],
                            Symptom(resource=item["resource"], source="analyzer", signal=item["reason"],
                                    message=item["message"], severity=_severity(item["severity"])),
                            _finding_since(item, ev)))
    for alarm in ev.alarms:
        if alarm.get("state") != "ALARM" or measures_demand(alarm):
            continue  # a demand alarm (requests arriving) is traffic, not a fault: its workload's own symptoms decide
        anchor = resource_for_alarm(alarm, ev.workloads)
        out.append(Anchored(anchor, Symptom(resource=anchor, source="alarm", signal=alarm["name"],
                                            message=alarm.get("description") or alarm.get("reason") or "in ALARM",
                                            severity="critical"), parse_time(alarm.get("updated"))))
    for result in ev.anomalies:
        named = resource_for_dimensions(result.get("dimensions") or {}, ev.workloads)
        if named is None or demand_metric(str(result.get("metric") or "")):
            continue  # more requests arriving is demand, not a symptom
        anchor = named
        for interval in result.get("intervals") or []:
            # Only a departure that is still going on, in the direction the operators alarm on, is a symptom:
            # a recovered spike is history, and errors falling is good news.
            if not interval.get("ongoing") or interval.get("direction") != result.get("bad_direction"):
                continue
            deviation = interval.get("deviation_mads")
            size = f" ({deviation:+.0f} MADs from baseline)" if isinstance(deviation, int | float) else ""
            out.append(Anchored(anchor, Symptom(
                resource=anchor, source="anomaly", signal=result["metric"], severity="warning",
                message=f"{result['metric']} {interval['direction']} since {interval.get('start')}{size}, ongoing"),
                parse_time(interval.get("start"))))
    for workload, templates in ev.log_templates.items():
        for template in templates:
            if template.get("severity") not in ("error", "critical", "fatal") or template.get("count", 0) < MIN_LOG_LINES:
                continue
            if template.get("change") not in ("new", "surged"):
                continue
            out.append(Anchored(workload, Symptom(
                resource=workload, source="logs", signal=template.get("template_id", ""), severity="warning",
                message=f"{template['change']} log template x{template.get('count')}: {template.get('template', '')[:200]}"),
                parse_time(template.get("first_seen"))))
    return out


class RootWalker:
    """Walks anchors to roots over the edges in the evidence (see the module docstring)."""

    def __init__(self, ev: SweepEvidence, anchored: list[Anchored]) -> None:
        self.ev = ev
        self.by_anchor: dict[str, list[Anchored]] = {}
        for item in anchored:
            self.by_anchor.setdefault(item.anchor, []).append(item)
        self._memo: dict[str, str] = {}

    def signals(self, anchor: str) -> set[str]:
        return {a.symptom.signal for a in self.by_anchor.get(anchor, [])}

    def broken(self, rid: str) -> bool:
        return rid in self.by_anchor

    def root(self, anchor: str, seen: frozenset[str] = frozenset()) -> str:
        if anchor in self._memo:
            return self._memo[anchor]
        if anchor in seen:  # a dependency cycle: stop where it closes
            return anchor
        found = self._walk(anchor, seen | {anchor})
        self._memo[anchor] = found
        return found

    def _walk(self, anchor: str, seen: frozenset[str]) -> str:
        kind = kind_of(anchor)
        if kind == "Service":
            backing = self.ev.service_backing.get(anchor)
            if self.signals(anchor) & SERVICE_FAULTS or not backing:
                return anchor
            return self.root(backing, seen)
        if kind in WORKLOAD_KINDS:
            return self._workload_root(anchor, seen)
        return anchor

    def _workload_root(self, workload: str, seen: frozenset[str]) -> str:
        namespace = namespace_of(workload)
        for item in self.by_anchor.get(workload, []):
            match = QUOTA.search(item.symptom.message) if item.symptom.signal == "FailedCreate" else None
            if match:
                return resource_id("ResourceQuota", match.group(1), namespace)
        for claim in self.ev.claims.get(workload, []):
            if self.broken(claim):
                return claim
        walk = self.ev.walks.get(workload) or {}
        # A NotReady node explains a workload only when it explains every failing pod: pods failing on
        # healthy nodes as well say the fault travels with the workload, wherever it is scheduled.
        failing = [pod["node"] for pod in walk.get("pods") or [] if isinstance(pod, dict) and pod.get("node") and not pod.get("ready")]
        on_down_nodes = [node for node in failing if self.signals(resource_id("Node", node)) & NODE_FAULTS]
        if on_down_nodes and len(on_down_nodes) == len(failing):
            return resource_id("Node", on_down_nodes[0])
        if self.signals(workload) & INTRINSIC:
            return workload
        upstreams = []
        for dep in walk.get("calls") or []:
            service = dep.get("service")
            if not service or (dep.get("exists") and (dep.get("ready_endpoints") or 0) > 0 and not self.broken(service)):
                continue
            upstream = self.root(service, seen)
            if upstream != workload and (self.broken(service) or self.broken(upstream)):
                upstreams.append(upstream)
        if upstreams:  # the most broken upstream explains the caller
            return max(upstreams, key=lambda r: (self._worst(r), len(self.by_anchor.get(r, []))))
        return workload

    def _worst(self, rid: str) -> int:
        return max((SEVERITY_RANK[a.symptom.severity] for a in self.by_anchor.get(rid, [])), default=0)


def group(ev: SweepEvidence) -> list[Group]:
    """One group per root resource, its symptoms (and the anchors folded into it) under it."""
    anchored = observations(ev)
    walker = RootWalker(ev, anchored)
    groups: dict[str, Group] = {}
    for item in anchored:
        root = walker.root(item.anchor)
        entry = groups.setdefault(root, Group(root=root))
        entry.symptoms.append(item)
        if item.anchor != root:
            entry.folded.add(item.anchor)
            backing = ev.service_backing.get(item.anchor)
            if backing and backing != root:  # the workload behind a folded Service is what is affected
                entry.folded.add(backing)
    return list(groups.values())
