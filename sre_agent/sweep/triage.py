"""A group becomes a Problem: its likely category (by the general signal under it), severity,
blast radius, since-when, the runbook and the action a human could approve -- and the ranking.

Categories are read from signals, never from names: ImagePullBackOff is a bad image wherever it
appears; a crash whose logs ask for configuration is missing configuration; a latency or error
departure that began after a new revision rolled out is a regression. "" when the signals do not
say: a wrong category sends a human down the wrong runbook."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from ..contracts import RootCauseCategory as C
from ..contracts import parse_resource_id, parse_time
from .evidence import WORKLOAD_KINDS, SweepEvidence, kind_of
from .grouping import INTRINSIC, SEVERITY_RANK, Group
from .models import NextStep, Problem, Severity, Symptom

CONFIG_WORDS = re.compile(r"environment variable|env var|config|required|missing|not set|no such key|undefined", re.I)
ROLLOUT_LEAD = timedelta(minutes=30)  # a rollout this long before the onset (or after it) is a suspect
# What each runbook write can act on (the kubernetes MCP server's argument types).
ROLLED = ("Deployment", "StatefulSet", "DaemonSet")
TOOL_KINDS: dict[str, tuple[str, ...]] = {
    "rollout_undo": ROLLED, "rollout_restart": ROLLED, "set_image": ROLLED, "set_resources": ROLLED,
    "scale": ("Deployment", "StatefulSet"), "delete_pod": ("Pod",), "raise_quota": ("ResourceQuota",),
    "cordon": ("Node",), "uncordon": ("Node",), "remove_node_taint": ("Node",), "send_command": ("Node",),
    "start_automation": ("Node",)}
ROOT_KINDS = {"Node": C.NODE_FAILURE, "PersistentVolumeClaim": C.PVC_PENDING, "ResourceQuota": C.QUOTA_EXCEEDED}


def _has(symptoms: list[Symptom], *signals: str) -> list[Symptom]:
    return [s for s in symptoms if s.signal in signals]


# The signals a category is read from (categorize): the problem's summary leads with one of them -- a bad image's
# summary names the image it cannot pull, not the stuck rollout that follows from it.
CATEGORY_SIGNALS = {C.BAD_IMAGE.value: ("ImagePullBackOff", "ErrImagePull", "InvalidImageName"),
                    C.MISSING_CONFIG_REF.value: ("ConfigRefMissing", "CreateContainerConfigError"),
                    C.OOM_KILLED.value: ("OOMKilled",), C.MEMORY_LEAK.value: ("OOMKilled",),
                    C.UNSCHEDULABLE.value: ("Unschedulable", "FailedScheduling", "NodesNotCovered")}


def categorize(group: Group, ev: SweepEvidence, since: datetime | None) -> str:
    symptoms = [a.symptom for a in group.symptoms]
    kind = kind_of(group.root)
    if kind in ROOT_KINDS:
        return ROOT_KINDS[kind].value
    if kind == "Service" and _has(symptoms, "SelectorMismatch"):
        return C.SERVICE_SELECTOR_MISMATCH.value
    if kind == "Service" and _has(symptoms, "TargetPortMismatch"):
        return C.SERVICE_PORT_MISMATCH.value
    if _has(symptoms, *CATEGORY_SIGNALS[C.BAD_IMAGE.value]):
        return C.BAD_IMAGE.value
    if _has(symptoms, *CATEGORY_SIGNALS[C.MISSING_CONFIG_REF.value]):
        return C.MISSING_CONFIG_REF.value
    oom = _has(symptoms, "OOMKilled")
    if oom:
        # Killed at the limit is oom_killed -- a limit below what the process needs (at start, or at today's load,
        # or a run's whole job). A leak needs its own sign: the memory series itself climbing (an anomaly on it).
        climbing = any(s.source == "anomaly" and "mem" in s.signal.lower() for s in symptoms)
        return (C.MEMORY_LEAK if climbing else C.OOM_KILLED).value
    crash = _has(symptoms, "CrashLoopBackOff")
    if crash:
        if any("liveness" in s.message.lower() for s in crash):
            return C.PROBE_MISCONFIG.value
        logs = [s for s in symptoms if s.source == "logs"]
        if any(CONFIG_WORDS.search(s.message) for s in logs + crash):
            return C.CRASH_MISSING_CONFIG.value
        return ""
    if _has(symptoms, *CATEGORY_SIGNALS[C.UNSCHEDULABLE.value]):
        return C.UNSCHEDULABLE.value
    # runs that stopped (the offline diagnosis reads them the same way): held open by the job template, or left off
    if _has(symptoms, "HeldOpen", "RunsSkipped"):
        return C.BAD_DEPLOY_REGRESSION.value
    if kind == "CronJob" and _has(symptoms, "Suspended"):
        return C.DEPENDENCY_FAILURE.value
    if any(s.source == "anomaly" and "throttl" in s.signal.lower() for s in symptoms):
        return C.CPU_THROTTLING.value
    if _recent_rollout(group.root, ev, since):
        return C.BAD_DEPLOY_REGRESSION.value
    callers = [r for r in group.folded if kind_of(r) in WORKLOAD_KINDS]  # not its own Services: other workloads
    if callers and kind in WORKLOAD_KINDS and not any(s.signal in INTRINSIC for s in symptoms):
        return C.DEPENDENCY_FAILURE.value  # others fail because of it and it shows no fault of its own
    return ""


def _recent_rollout(root: str, ev: SweepEvidence, since: datetime | None) -> bool:
    history = ev.rollouts.get(root) or {}
    revisions = history.get("revisions") or []
    current = next((r for r in revisions if r.get("current")), None)
    if current is None or len(revisions) < 2 or since is None:
        return False
    created = parse_time(current.get("created"))
    return created is not None and created >= since - ROLLOUT_LEAD


def blast_radius(group: Group, ev: SweepEvidence) -> list[str]:
    """What depends on the root: what was folded into it, the Services selecting it, the pods on a node."""
    out = set(group.folded)
    walk = ev.walks.get(group.root) or {}
    namespace = parse_resource_id(group.root)[0]
    for service in walk.get("selected_by_services") or []:
        out.add(f"{namespace}/Service/{service}")
    for caller in walk.get("called_by") or []:
        out.add(caller)
    if kind_of(group.root) == "Node":
        out.update(p for p in walk.get("pods") or [] if isinstance(p, str))
    out.discard(group.root)
    return sorted(out)


def _action_target(root: str, blast: list[str]) -> str | None:
    """Where a runbook's remediation lands: the workload or node itself; for a claim or a quota, the
    workload it blocks (the runbooks act on workloads); a Service's fix needs a human's eye (None)."""
    kind = kind_of(root)
    if kind in WORKLOAD_KINDS or kind == "Node":
        return root
    blocked = [r for r in blast if kind_of(r) in WORKLOAD_KINDS]
    return blocked[0] if kind in ROOT_KINDS and blocked else None


def next_step(category: str, root: str, ev: SweepEvidence, blast: list[str]) -> NextStep:
    """The runbook for the category (or the best search hit) and its first remediation, named for a human."""
    runbook = next((r for r in ev.runbooks if category and r.get("category") == category), None)
    hits = ev.runbook_hits.get(root) or []
    runbook_id = runbook["id"] if runbook else (hits[0]["id"] if hits else None)
    if runbook_id is None:
        return NextStep(note=f"no runbook matched; describe {root} and its events to see why it is unhealthy")
    doc = ev.runbook_docs.get(runbook_id) or {}
    steps = doc.get("remediation") or []
    if not steps:
        return NextStep(runbook=runbook_id, note=f"follow runbook {runbook_id}'s diagnosis steps for {root}")
    target = _action_target(root, blast)
    # The first step whose tool can write the target's kind: no tool rolls back a Job, or scales a DaemonSet.
    fitting = [step for step in steps if target and kind_of(target) in TOOL_KINDS.get(str(step.get("tool")), ())]
    first = fitting[0] if fitting else steps[0]
    rest = [step.get("name", step.get("tool", "")) for step in steps if step is not first][:2]
    others = "; or: " + "; ".join(rest) if rest else ""
    target = target if fitting else None
    action = f"{first.get('tool')} {target}" if target else None
    where = "" if target else f" -- by hand on what {root} should run" if kind_of(root) in ("Job", "CronJob") \
        else f" -- on what {root} should serve"
    return NextStep(runbook=runbook_id, action=action,
                    note=f"{first.get('name', '')}{where} (proposed for approval; a sweep never runs it){others}")


def _summary(root: str, category: str, symptoms: list[Symptom], folded: int) -> str:
    leads = CATEGORY_SIGNALS.get(category, ())
    worst = sorted(symptoms, key=lambda s: (s.signal not in leads, -SEVERITY_RANK[s.severity], s.source != "analyzer"))[0]
    head = f"{root}: {category.replace('_', ' ')}" if category else f"{root}"
    tail = f"; {folded} dependent object(s) affected" if folded else ""
    message = worst.message if len(worst.message) <= 160 else worst.message[:160].rsplit(" ", 1)[0] + " ..."
    return f"{head} -- {worst.signal}: {message}{tail}"  # a cut says so: "(see its finding; 5 dependent" misread


def to_problem(group: Group, ev: SweepEvidence) -> Problem:
    symptoms = [a.symptom for a in group.symptoms]
    times = [a.since for a in group.symptoms if a.since is not None]
    since = min(times) if times else None
    category = categorize(group, ev, since)
    severity: Severity = "critical" if any(s.severity == "critical" for s in symptoms) else "warning"
    unique: dict[tuple[str, str, str], Symptom] = {}
    for s in symptoms:
        unique.setdefault((s.resource, s.source, s.signal), s)
    ordered = sorted(unique.values(), key=lambda s: (-SEVERITY_RANK[s.severity], s.source, s.resource))
    blast = blast_radius(group, ev)
    step = next_step(category, group.root, ev, blast)
    if _has(symptoms, "NodesNotCovered") and kind_of(group.root) == "DaemonSet":
        # No rollback or scale places a DaemonSet on nodes it does not tolerate: the fix is in its template.
        step = NextStep(runbook=step.runbook, note=f"add a toleration for the uncovered nodes' taint to {group.root}'s pod "
                        "template (kubectl patch daemonset ... --type json), once you confirm it belongs on those nodes "
                        "(proposed for a human; a sweep never runs it)")
    return Problem(resource=group.root, severity=severity, category=category,
                   summary=_summary(group.root, category, ordered, len(group.folded)), symptoms=ordered,
                   blast_radius=blast, since=since, next_step=step)


def rank_key(problem: Problem) -> tuple[Any, ...]:
    """Worst first: critical before warning, then what it takes down, then how much it shows, then alarms."""
    alarms = sum(1 for s in problem.symptoms if s.source == "alarm")
    return (-SEVERITY_RANK[problem.severity], -len(problem.blast_radius), -alarms,
            -sum(SEVERITY_RANK[s.severity] for s in problem.symptoms), problem.resource)


def rank(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=rank_key)
