"""Changes to a Node a person asks for in chat: a taint removed (by key and effect), its kubelet restarted through SSM
Run Command on the EC2 instance behind it (its providerID) -- pinned for approval, never run by chat."""

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
