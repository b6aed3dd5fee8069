"""Changes about where pods run that a person asks for in chat: a Node's taint removed (by key and effect), a workload
made to tolerate a taint, a Node's kubelet restarted through SSM Run Command on the EC2 instance behind it (its
providerID) -- pinned for approval, never run by chat."""

from __future__ import annotations

import json
import re

from ...contracts import parse_resource_id
from .plans import BY_HAND, Plan

KUBELET = re.compile(r"\bkubelet\b", re.IGNORECASE)


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


def kubelet_restart_plan(question: str, rid: str, obj: dict) -> Plan | str:
    """"restart the kubelet on that node": `systemctl restart kubelet` on the node's instance through SSM Run Command
    (AWS-RunShellScript), the instance read from the node's providerID (aws:///<zone>/<instance id>)."""
    _, kind, name = parse_resource_id(rid)
    if kind != "Node":
        return f"{rid} is a {kind}; a kubelet runs on a Node"
    instance = str((obj.get("spec") or {}).get("providerID") or "").rsplit("/", 1)[-1]
    if not instance.startswith(("i-", "mi-")):
        return f"Node {name} names no EC2 instance in its providerID: restart its kubelet on the host (systemctl restart kubelet)"
    parameters = json.dumps({"commands": ["systemctl restart kubelet"]})
    ready = next((c.get("status") for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"), "?")
    return Plan(BY_HAND, {"node": name, "instance_ids": [instance], "document_name": "AWS-RunShellScript",
                          "parameters": {"commands": ["systemctl restart kubelet"]}, "reason": question[:200]},
                f"restart the kubelet on node {name} (instance {instance})",
                f"aws ssm send-command --instance-ids {instance} --document-name AWS-RunShellScript "
                f"--parameters '{parameters}'", f"node {name} Ready={ready}",
                ["If the kubelet does not come back (Ready stays Unknown), drain the node and replace the instance."])


TAINT_SAID = re.compile(r"(?<![\w./-])(?P<key>[\w./-]+)=(?P<value>[\w./-]*)(:(?P<effect>NoSchedule|PreferNoSchedule|NoExecute))?")


def toleration_plan(question: str, rid: str, obj: dict) -> Plan | str:
    """"add a toleration for kettlewick.io/drain=planned to eta-engine": the taint added to its pod template's
    tolerations (the ones it has kept), by hand -- it also lets the pods onto nodes that taint keeps others off."""
    namespace, kind, name = parse_resource_id(rid)
    if kind not in ("Deployment", "StatefulSet", "DaemonSet"):
        return f"{rid} is a {kind}; tolerations are on a workload's pod template"
    said = TAINT_SAID.search(question)
    if said is None:
        return f"Say the taint to tolerate (e.g. 'add a toleration for dedicated=batch:NoSchedule to {name}')"
    toleration = {"key": said.group("key"), "operator": "Equal", "value": said.group("value"),
                  "effect": said.group("effect") or "NoSchedule"}
    spec = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    kept = list(spec.get("tolerations") or [])
    patch = json.dumps([{"op": "add", "path": "/spec/template/spec/tolerations", "value": [*kept, toleration]}])
    shown = f"{toleration['key']}={toleration['value']}:{toleration['effect']}"
    return Plan(BY_HAND, {"kind": kind, "name": name, "namespace": namespace or "", "toleration": toleration},
                f"{kind} {name}: tolerate taint {shown} (tolerations now: {len(kept)})",
                f"kubectl patch {kind.lower()} {name} -n {namespace} --type json -p '{patch}'", f"{len(kept)} toleration(s)",
                ["A toleration lets its pods onto every node with that taint -- including nodes being drained on purpose: "
                 "check why the taint is there first.", "No MCP tool edits tolerations: a human runs the command after approval."])
