"""Change plans chat pins for objects other than a workload's template -- a new run of a Job or CronJob, a
CronJob suspended or resumed, a node's taint removed -- and the Plan they share with chat/writes.py: the MCP tool
and its arguments when one makes the change, else the kubectl a human runs after approval (BY_HAND)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..contracts import parse_resource_id


@dataclass
class Plan:
    tool: str
    args: dict[str, Any]
    change: str
    kubectl: str
    precondition: str = ""
    notes: list[str] = field(default_factory=list)


BY_HAND = "(by hand: no MCP tool does this)"


def rerun_plan(rid: str, obj: dict) -> Plan | str:
    """"rerun it": a CronJob runs again as a Job made from its template; a Job cannot be restarted in place,
    so it is replaced by a copy of itself (without the selector and labels the API server generated)."""
    namespace, kind, name = parse_resource_id(rid)
    if kind == "CronJob":
        job = f"{name}-manual-$(date +%s)"[:63]
        return Plan(BY_HAND, {"kind": kind, "name": name, "namespace": namespace or ""}, f"a new run of CronJob {name}",
                    f"kubectl create job {job} --from=cronjob/{name} -n {namespace}", f"CronJob {name} exists",
                    ["No MCP tool starts a Job: a human runs the command after approval."])
    if kind == "Job":
        status = obj.get("status") or {}
        return Plan(BY_HAND, {"kind": kind, "name": name, "namespace": namespace or ""}, f"run Job {name} again (replace it with a copy)",
                    f"kubectl get job {name} -n {namespace} -o json | jq 'del(.spec.selector, .spec.template.metadata.labels, "
                    f".status, .metadata.uid, .metadata.resourceVersion)' | kubectl replace --force -f -",
                    f"Job {name}: {status.get('succeeded', 0)} succeeded, {status.get('failed', 0)} failed",
                    ["Replacing deletes the old Job and its pods: read its logs first if you still need them.",
                     "No MCP tool starts a Job: a human runs the command after approval."])
    return f"{rid} is a {kind}; only Jobs and CronJobs run again"


def suspend_plan(question: str, rid: str, obj: dict) -> Plan | str:
    """"suspend the renewals cronjob" / "resume it": a CronJob's spec.suspend, by hand (no MCP tool sets it)."""
    namespace, kind, name = parse_resource_id(rid)
    if kind != "CronJob":
        return f"{rid} is a {kind}; only a CronJob is suspended (a Deployment is scaled instead)"
    suspend = not re.search(r"\b(unsuspend|resume)\b", question, re.IGNORECASE)
    current = bool((obj.get("spec") or {}).get("suspend"))
    patch = json.dumps({"spec": {"suspend": suspend}})
    return Plan(BY_HAND, {"kind": kind, "name": name, "namespace": namespace or ""},
                f"CronJob {name}: suspend {current} -> {suspend} ({'no new runs' if suspend else 'runs on its schedule again'})",
                f"kubectl patch cronjob {name} -n {namespace} -p '{patch}'", f"suspend={current}",
                ["A run already started goes on: delete its Job to stop it.",
                 "No MCP tool suspends a CronJob: a human runs the command after approval."])


def taint_plan(question: str, rid: str, obj: dict) -> Plan | str:
    """"remove the taint from that node": the node's own taints, each removed by key and effect."""
    _, kind, name = parse_resource_id(rid)
    if kind != "Node":
        return f"{rid} is a {kind}; taints are on Nodes"
    taints = (obj.get("spec") or {}).get("taints") or []
    if not taints:
        return f"Node {name} has no taints"
    named = [t for t in taints if re.search(rf"(?<![\w./-]){re.escape(str(t.get('key')))}(?![\w./-])", question)]
    if len(named or taints) == 1:  # one taint: remove_node_taint takes it by key and effect
        taint = (named or taints)[0]
        shown = f"{taint.get('key')}{'=' + taint['value'] if taint.get('value') else ''}:{taint.get('effect')}"
        return Plan("remove_node_taint", {"node": name, "key": taint.get("key"), "effect": taint.get("effect"),
                                          "reason": question[:200]},
                    f"remove taint {shown} from node {name}", f"kubectl taint node {name} {shown}-", f"taint {shown}")
    removals = " ".join(f"{t.get('key')}{'=' + t['value'] if t.get('value') else ''}:{t.get('effect')}-" for t in taints)
    described = ", ".join(f"{t.get('key')}={t.get('value', '')}:{t.get('effect')}" for t in taints)
    return Plan(BY_HAND, {"node": name, "remove_taints": [t.get("key") for t in taints]}, f"remove taint(s) {described} from node {name}",
                f"kubectl taint node {name} {removals}", f"taints {described}",
                ["remove_node_taint takes one taint: say which (by key), or a human runs this command after approval."])
