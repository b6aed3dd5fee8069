"""The offline runbooks specialist: find the runbook for the leading hypothesis, then turn its
remediation steps into one concrete tool call whose placeholders the evidence can fill.

A step is only chosen when its precondition is visible in the findings (a rollout undo needs a
rollout in the incident window; a resource bump needs the current limit), so the plan is never a
guess dressed up as an action."""

from __future__ import annotations

import re
from typing import Any

from ...contracts import RootCauseCategory, parse_resource_id
from ...graph.access_fixes import claim_growth, probe_timeout_raise, the_pull_secret
from ...graph.cronjob_fixes import PULL_SIGNALS, last_worked_image, runs_stuck, runs_stuck_on_pull
from ...graph.defects import CONFIG_SIGNALS
from ...graph.endpoint_fixes import config_correction, edit_in_place
from ...graph.fix_values import (
    autoscaler_caps,
    cordons_in_the_way,
    leftover_cordon,
    leftover_taint,
    parse_taint,
    raised_cap,
    service_selector_fix,
    target_port_fix,
)
from ...graph.oom_rollback import killed_limits, oom_rollback_refusal
from ...graph.pins import rollback_target
from ...graph.renamed_refs import renamed_reference
from ...graph.state import Investigation, RemediationPlan, Task
from ..offline.calls import Calls
from .quota import quantity, raised_limits

KUBERNETES_WRITES = {"rollout_undo", "rollout_restart", "scale", "set_image", "set_resources", "delete_pod", "cordon", "uncordon",
                     "raise_quota", "raise_hpa_max", "set_service_selector", "set_service_target_port", "remove_node_taint",
                     "relax_probe", "add_pull_secret", "expand_claim", "set_config_value", "stop_cronjob_pileup",
                     "set_cronjob_image", "resume_cronjob", "set_key_reference"}
SSM_WRITES = {"send_command", "start_automation"}
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


async def investigate(task: Task, state: Investigation, calls: Calls) -> None:
    category = task.question
    _, kind, _ = parse_resource_id(task.target) if "/" in task.target else (None, None, None)
    # What was seen on the target -- or, for a root cause found through another object (a node named by the
    # scheduler's message about a workload's pods), what names it; the category itself at the least.
    about = [f for f in state.findings if f.resource == task.target] or \
        [f for f in state.findings if task.target.rsplit("/", 1)[-1] in f.summary]
    signals = sorted({f.signal for f in about})
    symptoms = " ".join(signals + [f.summary for f in about][:5]) or category.replace("_", " ")
    # The runbook the same fault on the same object was handled with before (the memory): fetched by its id, and
    # used only when it is a runbook for this category -- else searched for like any other.
    remembered = next((past.runbook for past in state.recalled or [] if past.runbook and past.category == category
                       and past.resource == task.target), None)
    if remembered:
        fetched, ev = await calls("get_runbook", runbook_id=remembered)
        runbook = (fetched or {}).get("runbook") or {}
        if runbook.get("category") == category:
            _matched(task.target, runbook, [ev], score=None, calls=calls)
            return
    found, ev = await calls("search_runbooks", symptoms=symptoms[:2000], category=category, resource_kind=kind, limit=3)
    ranked = (found or {}).get("results") or []
    if not ranked:
        return
    top = ranked[0]
    fetched, ev2 = await calls("get_runbook", runbook_id=top["id"])
    if fetched is None:
        return
    _matched(task.target, fetched["runbook"], [ev, ev2], score=top.get("score"), calls=calls)


def _matched(target: str, runbook: dict, evidence: list, *, score: float | None, calls: Calls) -> None:
    calls.find(target, "RunbookMatched", f"runbook {runbook.get('id')}: {runbook.get('title')}", evidence,
               severity="info", runbook=runbook.get("id"), category=runbook.get("category"),
               remediation=runbook.get("remediation") or [], verification=runbook.get("verification") or [],
               score=score)


WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
# Root causes that are not workloads, and the actions that really clear them: raising the quota (or
# scaling back the workload that ran into it) ends the violation; undoing the rollout that relabelled a
# Service's pods (or moved their ports) restores what it reaches (`_applicable`), and an edited Service is
# pointed back at its pods when the pods leave no choice (graph/fix_values.py); a full claim grows, a ConfigMap
# value nobody serves is corrected (its readers restarted); nothing here binds a Pending claim (that needs a
# StorageClass only a human chooses: graph/fixes.py proposes it).
SERVICE_WRITES = {"set_service_selector", "set_service_target_port"}
PROBE_BEARING_CHANGES = {"probes", "image", "resources", "command"}
CLEARED_BY = {"ResourceQuota": {"stop_cronjob_pileup", "raise_quota", "scale"}, "PersistentVolumeClaim": {"expand_claim"},
              "ConfigMap": {"set_config_value"}, "Service": {"rollout_undo", *SERVICE_WRITES}}


def _acting_workload(state: Investigation, resource: str) -> str:
    """For a root cause that is not a workload (a quota, a claim), the workload runbook steps act on:
    the one in the same namespace with the most problem findings."""
    namespace, kind, _ = parse_resource_id(resource)
    if kind in (*WORKLOAD_KINDS, "Node", "CronJob"):  # a CronJob's runs are fixed through its template
        return resource
    if kind == "Service":  # the workload whose pods the Service was compared with
        return next((f.details["workload"] for f in state.findings if f.resource == resource
                     and f.signal in SERVICE_FAULTS and f.details.get("workload")), resource)
    counts: dict[str, int] = {}
    for finding in state.findings:
        parts = finding.resource.split("/")
        if len(parts) == 3 and parts[0] == namespace and parts[1] in WORKLOAD_KINDS and finding.severity != "info":
            counts[finding.resource] = counts.get(finding.resource, 0) + 1
    return max(counts, key=counts.get) if counts else resource


# The Service findings whose cause may be the workload's last rollout rather than the Service itself.
SERVICE_FAULTS = ("ServiceSelectorMismatch", "ServicePortMismatch")


def _rollout_broke_service(state: Investigation, service: str, workload: str) -> bool:
    """The workload's last rollout changed what the Service relies on -- its pod labels, or its container
    ports -- and the revision before it matched the Service: undoing that rollout restores it."""
    fault = next((f for f in state.findings if f.resource == service and f.signal in SERVICE_FAULTS), None)
    rollout = next((f for f in state.findings if f.resource == workload and f.signal == "RecentRollout"), None)
    if fault is None or rollout is None:
        return False
    changed = rollout.details.get("changed") or []
    if fault.signal == "ServiceSelectorMismatch":
        selector = fault.details.get("selector") or {}
        before = rollout.details.get("previous_labels") or {}
        return "labels" in changed and bool(selector) and all(before.get(k) == v for k, v in selector.items())
    target = str(fault.details.get("target_port") or "")
    # previous_ports: name:port/PROTO or port/PROTO -- the target is a name or a number
    served_before = {part for p in rollout.details.get("previous_ports") or []
                     for part in (p.split(":")[0] if ":" in p else "", p.split(":")[-1].split("/")[0]) if part}
    return "ports" in changed and target in served_before


def _request_growth(state: Investigation, workload: str) -> dict[str, str]:
    """What each pod of the workload's last rollout requests (or is limited to) beyond the pod it replaces, keyed as a
    quota counts it ("requests.memory" and "memory" -> "512Mi", "limits.memory" -> "512Mi"): the refused surge pod is
    one of many -- every old pod is replaced by a bigger one before the rollout ends."""
    rollout = next((f for f in state.findings if f.resource == workload and f.signal == "RecentRollout"), None)
    if rollout is None or "resources" not in (rollout.details.get("changed") or []):
        return {}
    growth: dict[str, str] = {}
    for which, prefixes in (("requests", ("requests.", "")), ("limits", ("limits.",))):
        now, before = rollout.details.get(which) or {}, rollout.details.get(f"previous_{which}") or {}
        for name, value in now.items():
            new, old = quantity(value), quantity(before.get(name, "0"))
            if new is not None and old is not None and new > old:
                growth.update({f"{prefix}{name}": f"{new - old:f}" for prefix in prefixes})
    return growth


def _quota_context(state: Investigation, quota: str, workload: str) -> dict[str, Any]:
    """The quota's name, and the hard limits that admit the acting workload's refused pods."""
    spec = next((f.details for f in state.findings if f.resource == workload and f.signal == "WorkloadSpec"), {})
    # At least the one pod the refusal names (a rollout's surge pod is refused while every replica still runs).
    replicas = int(spec.get("replicas") or 0)
    missing = max(1, replicas - int(spec.get("pods") or 0))
    # scaled by an HPA: room up to its max, or the next scale-out is refused again (the raise is approved by a human)
    autoscaled = next((f.details for f in state.findings if f.resource == workload and f.signal == "Autoscaled"), {})
    if isinstance(autoscaled.get("max_replicas"), int) and autoscaled["max_replicas"] > replicas:
        missing += autoscaled["max_replicas"] - replicas
    growth = _request_growth(state, workload)
    ctx: dict[str, Any] = {"quota": parse_resource_id(quota)[2]}
    for finding in state.findings:
        if finding.signal in ("QuotaExceeded", "FailedCreate") and (
                raised := raised_limits(finding.summary, missing, replicas - missing, growth)):
            name, hard, current = raised
            if name == ctx["quota"]:
                ctx.update(quota_hard=hard, quota_hard_before=current)
                break
    return ctx


def _context(state: Investigation, resource: str) -> dict[str, Any]:
    """Values for runbook placeholders, all taken from findings."""
    root = resource
    resource = _acting_workload(state, resource)
    namespace, kind, name = parse_resource_id(resource)
    ctx: dict[str, Any] = {"namespace": namespace, "kind": kind, "name": name,
                           # dependency runbooks name the failing upstream; by the root-cause rule it is the resource
                           "upstream_namespace": namespace, "upstream_kind": kind, "upstream_name": name}
    if kind == "Node":
        ctx["node"] = name
    ctx["root_kind"] = parse_resource_id(root)[1]
    if ctx["root_kind"] == "ResourceQuota":
        ctx.update(_quota_context(state, root, resource))
        # runs of a CronJob piling up hold the quota: more quota feeds the pile-up; a human stops it (graph/quota_fixes.py)
        piles = [f for f in state.findings if f.signal == "CronJobPileUp" and root in (f.details.get("quotas") or [])]
        ctx["pileup"] = bool(piles)
        if len(piles) == 1:  # one CronJob holds it: stopping its pile-up is the fix (several: a human chooses)
            ctx["pileup_cronjob"], ctx["pileup_runs"] = parse_resource_id(piles[0].resource)[2], piles[0].details.get("unfinished") or []
    # pods that hold a credential rotated since they started: a restart is what makes them read the new one
    ctx["stale_credential"] = any(f.signal == "StaleCredential" and f.resource == root for f in state.findings)
    ctx["rollout_broke_service"] = ctx["root_kind"] == "Service" and _rollout_broke_service(state, root, resource)
    ctx.update(_fix_values(state, root, resource))
    for finding in state.findings:
        if finding.resource != resource:
            continue
        details = finding.details
        if details.get("container"):
            ctx.setdefault("container", details["container"])
        if finding.signal == "RecentRollout":
            ctx["recent_rollout"] = True
            ctx["revision"] = details.get("revision")
            ctx["previous_revision"] = details.get("previous_revision")
            images = details.get("previous_images") or []
            if images:
                ctx["previous_image"] = images[0]
            if details.get("images"):
                ctx["image"] = details["images"][0]
        if finding.signal == "HPAScalingLimited" and finding.severity != "info":
            ctx["autoscaler_at_max"] = True
        if finding.signal == "NodeNotReady":
            ctx["node_not_ready"] = True
        if finding.signal == "NodeNotReady" and details.get("instance"):
            ctx["instance_id"] = details["instance"]
        if details.get("memory_limit"):
            ctx["new_memory_limit"] = _double(details["memory_limit"])
        if details.get("cpu_limit"):
            ctx["new_cpu_limit"] = _double(details["cpu_limit"])
        if details.get("previous_replicas") is not None:
            ctx["previous_replicas"] = details["previous_replicas"]
            ctx["replicas"] = details.get("replicas")
    if (kills := killed_limits(state.findings, resource)):
        # The container the kernel killed, not the template's first (a sidecar is killed as often as the app): its
        # limit is the one to raise, and a rollback that leaves it as it is cannot clear the kills.
        ctx["container"], ctx["memory_limit"] = next(iter(kills.items()))
        ctx["new_memory_limit"] = _double(ctx["memory_limit"])
        ctx["rollback_keeps_oom"] = oom_rollback_refusal(
            state, resource, rollback_target(state.findings, state.incident, resource)) is not None
    if state.diagnosis is not None and state.diagnosis.category == RootCauseCategory.PROBE_MISCONFIG:
        # A probe fails on a template whose last rollout changed none of what a probe's answer depends on (the probe,
        # the image, the resources, the command): going back leaves the same probe failing the same way.
        rollout = next((f for f in state.findings if f.resource == resource and f.signal == "RecentRollout"), None)
        changed = set((rollout.details.get("changed") or []) if rollout else [])
        ctx["rollback_keeps_probe"] = rollout is not None and not changed & PROBE_BEARING_CHANGES
    if "previous_replicas" not in ctx and any(f.resource == resource and f.signal == "ScaledToZero" for f in state.findings):
        # Scaled to zero with no record of the count before (a StatefulSet keeps no ReplicaSet history):
        # one replica is the least that serves. Not the recorded count, so the policy asks a human.
        ctx["previous_replicas"], ctx["replicas"] = 1, 0
    return ctx


def _fix_values(state: Investigation, root: str, workload: str) -> dict[str, Any]:
    """The values a fix on an object that is not a workload sets -- a Service's selector or targetPort, an
    autoscaler's cap, a node's taint -- read as graph/fixes.py reads them for the human's commands."""
    namespace, kind, name = parse_resource_id(root)
    values: dict[str, Any] = {}
    if kind == "Service":
        values["service"] = name
        if (selector := service_selector_fix(state.findings, root)) is not None:
            values["new_selector"] = selector
        if (port := target_port_fix(state.findings, root)) is not None:
            values["port"], values["new_target_port"] = port
    for hpa, cap, _ in autoscaler_caps(state.findings, workload)[:1]:
        values["hpa"], values["max_replicas"], values["new_max_replicas"] = parse_resource_id(hpa)[2], cap, raised_cap(cap)
    if kind == "PersistentVolumeClaim" and (growth := claim_growth(state.findings, root)) is not None:
        values["pvc"], (values["claim_size"], values["new_claim_size"]) = name, growth
    if kind == "ConfigMap" and (correction := config_correction(state.findings, root)) is not None:
        # a value shown masked (a URL with credentials) is never written whole: only the part that changes, in place
        if (in_place := edit_in_place(correction.value, correction.edit)) is not None:
            values["config_edit"] = in_place
        elif not correction.masked:
            values["new_config_value"] = correction.value
        values.update(config_map=correction.config_map, config_key=correction.key,
                      config_readers=correction.readers, config_reader_kind=correction.reader_kind)
    if (probe := probe_timeout_raise(state.findings, workload)) is not None:
        values.update(probe_container=probe.container, probe="liveness", probe_timeout=probe.current,
                      new_probe_timeout=probe.raised)
    if (secret := the_pull_secret(state.findings, workload)) is not None:
        values["pull_secret"] = secret
    if kind in WORKLOAD_KINDS and len(cordons := cordons_in_the_way(state.findings, root)) == 1 and not any(
            f.signal == "NodeNotReady" and f.resource == f"Node/{cordons[0][0]}" for f in state.findings):
        # the pending pods may run on one more node, cordoned and Ready: uncordoning it is the room they lack
        values["node"], values["cordoned_only_node"] = cordons[0][0], True
    if kind == "CronJob":
        values["suspended"] = any(f.resource == root and f.signal == "Suspended" and f.severity != "info"
                                  for f in state.findings)
    if kind == "CronJob":  # its runs cannot pull: the image its last completed run ran, and the runs stuck on the other
        failing = next((str(f.details["image"]) for f in state.findings if f.resource == root
                        and f.signal in PULL_SIGNALS and f.details.get("image")), None)
        if failing and (worked := last_worked_image(state.findings, root, failing)) is not None:
            values["cronjob_image"], values["stuck_runs"] = worked[1], runs_stuck_on_pull(state.findings, root)
            if worked[0]:
                values["container"] = worked[0]  # the container that ran it (a run whose pods are gone names none)
    values.update(_renamed_key(state, workload))
    if kind == "Node":
        if (taint := leftover_taint(state.findings, name)) is not None:
            values["taint_key"], _, values["taint_effect"] = parse_taint(taint[0])
        values["cordoned_only_node"] = leftover_cordon(state.findings, name) is not None
    return values


def _renamed_key(state: Investigation, workload: str) -> dict[str, Any]:
    """A key the workload reads that its object renamed: the reference to point at the new key (set_key_reference).
    Not when the workload's last rollout changed its references -- then the rollout is what broke it, and undone."""
    kind = parse_resource_id(workload)[1]
    if kind not in (*WORKLOAD_KINDS, "CronJob", "Job") or (renamed := renamed_reference(state.findings, workload)) is None:
        return {}
    if any(f.resource == workload and f.signal == "RecentRollout" and "config_refs" in (f.details.get("changed") or [])
           for f in state.findings):
        return {}
    ref, target = renamed
    cronjob = kind == "CronJob"
    return {"ref_kind": ref.kind, "ref_name": ref.name, "ref_key": ref.key, "renamed_key": target, "run_now": cronjob,
            "stuck_runs": runs_stuck(state.findings, workload, tuple(CONFIG_SIGNALS)) if cronjob else []}


def _double(quantity: str) -> str:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([A-Za-z]*)", str(quantity))
    if not match:
        return str(quantity)
    number, unit = float(match.group(1)), match.group(2)
    doubled = number * 2
    return f"{int(doubled) if doubled.is_integer() else doubled}{unit}"


def _fill(value: Any, ctx: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value)
        if whole:
            return ctx.get(whole.group(1), _Missing)
        return PLACEHOLDER.sub(lambda m: str(ctx.get(m.group(1), "{" + m.group(1) + "}")), value)
    if isinstance(value, dict):
        return {k: _fill(v, ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ctx) for v in value]
    return value


class _Missing:
    pass


def _complete(value: Any) -> bool:
    if value is _Missing:
        return False
    if isinstance(value, str):
        return not PLACEHOLDER.search(value)
    if isinstance(value, dict):
        return all(_complete(v) for v in value.values())
    if isinstance(value, list):
        return all(_complete(v) for v in value)
    return True


def _applicable(step: dict, ctx: dict[str, Any]) -> bool:
    tool = step.get("tool")
    if tool == "rollout_undo":
        if ctx.get("root_kind") == "Service":  # only a rollout that moved the labels or ports the Service relies on
            return bool(ctx.get("rollout_broke_service")) and ctx.get("kind") in WORKLOAD_KINDS
        return (bool(ctx.get("recent_rollout")) and ctx.get("kind") in WORKLOAD_KINDS and not ctx.get("rollback_keeps_oom")
                and not ctx.get("rollback_keeps_probe"))
    if tool in SERVICE_WRITES:  # an edited Service; a rollout that moved its pods' labels or ports is undone instead
        return ctx.get("root_kind") == "Service" and not ctx.get("rollout_broke_service")
    if tool == "set_cronjob_image":
        return ctx.get("kind") == "CronJob"
    if tool == "set_key_reference":
        return bool(ctx.get("renamed_key"))
    if tool == "resume_cronjob":  # (a suspension a person recorded a reason for is held when pinned: graph/intent.py)
        return ctx.get("kind") == "CronJob" and bool(ctx.get("suspended"))
    if tool == "uncordon":
        return bool(ctx.get("cordoned_only_node")) and not ctx.get("node_not_ready")
    if ctx.get("kind") == "Node" and not ctx.get("node_not_ready"):
        # a Ready node: restarting, cordoning or rebooting it fixes nothing; only the taint left behind goes
        return tool == "remove_node_taint"
    if tool in ("scale", "set_resources") and ctx.get("autoscaler_at_max"):
        # the runbooks' escalate_when: an HPA pinned at its max owns the count and fights a hand-set one; its
        # cap (or the room for more pods) is the fix, proposed to a human (graph/fixes.py)
        return False
    if tool == "rollout_restart":
        # restarting does not fix a wrong spec (a human decides when it buys time); it does fix stale env
        return bool(ctx.get("stale_credential"))
    if tool in ("raise_quota", "scale") and ctx.get("pileup"):
        return False  # the quota is held by runs that never finish: room added is taken by the next runs
    return True


def plan_from_findings(state: Investigation) -> RemediationPlan | None:
    diagnosis = state.diagnosis
    if diagnosis is None or not diagnosis.resource:
        return None
    matched = next((f for f in state.findings if f.signal == "RunbookMatched" and f.resource == diagnosis.resource), None)
    if matched is None:
        return None
    ctx = _context(state, diagnosis.resource)
    _, kind, _ = parse_resource_id(diagnosis.resource)
    for step in matched.details.get("remediation") or []:
        if step.get("tool") not in KUBERNETES_WRITES | SSM_WRITES or step["tool"] in state.unpinned or not _applicable(step, ctx):
            continue
        if kind in CLEARED_BY and step["tool"] not in CLEARED_BY[kind]:
            continue  # acting on a workload would hide the symptom but leave this root cause in place
        args = _fill(step.get("args") or {}, ctx)
        if not _complete(args):
            continue
        return RemediationPlan(
            runbook=matched.details.get("runbook"), server="kubernetes" if step["tool"] in KUBERNETES_WRITES else "ssm",
            tool=step["tool"], args=args, risk=step.get("risk", "high"),
            rationale=f"{step.get('name', step['tool'])} -- when {step.get('when', '')}")
    return None
