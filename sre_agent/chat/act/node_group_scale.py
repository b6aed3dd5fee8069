"""A node group scaled in chat ("scale the analytics nodegroup back to 2"): its size is the cloud's (an EKS managed node
group, an autoscaling group), not an object in the cluster -- never a workload's replicas. The group is found by the
word said among the node-group labels the cluster shows: the nodes' own, and the selectors of the conversation's
workloads (a group scaled to zero has no node left to carry its label). Pinned as the AWS CLI command a human runs."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import Ask
from ..models import Answer
from ..understand.kinds_said import ROLLABLE
from .plans import BY_HAND, Plan, approval_answer

NODE_GROUP_SAID = re.compile(r"\b(node\s*-?groups?|nodegroups?|node\s*pools?|asgs?|auto\s*-?scaling\s+groups?)\b", re.I)
SCALE_SAID = re.compile(r"\b(scale|resize|grow|shrink|bring|set|add)\b", re.I)
COUNT = re.compile(r"\b(?:to|=)\s*(\d+)\b")
GROUP_KEY = re.compile(r"nodegroup|node-group|nodepool|node-pool|gke-nodepool|agentpool|instance-group|pool", re.I)


def _selectors(obj: dict) -> dict:
    spec = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    pairs = dict(spec.get("nodeSelector") or {})
    for term in ((((spec.get("affinity") or {}).get("nodeAffinity") or {})
                  .get("requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms") or []):
        for expression in term.get("matchExpressions") or []:
            for value in expression.get("values") or []:
                pairs.setdefault(str(expression.get("key")), value)
    return pairs


async def node_group_scale(ask: Ask) -> Answer | None:
    """The approval for resizing the node group the request names, or None when it names no node group."""
    if not (NODE_GROUP_SAID.search(ask.question) and SCALE_SAID.search(ask.question)):
        return None
    groups: dict[str, int] = {}  # group name -> nodes carrying it now
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Node", "limit": 2000})
    for node in (listed.data or {}).get("items") or []:
        for key, value in (node.get("labels") or {}).items():
            if GROUP_KEY.search(key):
                groups[str(value)] = groups.get(str(value), 0) + 1
    for rid in [r for r in ask.focus if parse_resource_id(r)[1] in ROLLABLE][:3]:
        namespace, kind, name = parse_resource_id(rid)
        described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace, "events_limit": 0})
        for key, value in _selectors((described.data or {}).get("object") or {}).items():
            if GROUP_KEY.search(key):
                groups.setdefault(str(value), 0)
    words = {w for w in re.findall(r"[a-z0-9]{3,}", ask.question.lower())}
    named = [g for g in groups if words & set(re.findall(r"[a-z0-9]{3,}", g.lower()))]
    count = COUNT.search(ask.question)
    if len(named) != 1 or count is None:
        listed_groups = ", ".join(f"{g} ({n} nodes)" for g, n in sorted(groups.items())) or "none the cluster shows"
        return ask.answer(f"Not pinned: say the node group and its size (node groups: {listed_groups}); a node group "
                          "is sized in the cloud, not by a workload's replicas", status="answered",
                          next_steps=["Ask again, e.g. 'scale node group <name> to 2'."])
    group, size = named[0], int(count.group(1))
    plan = Plan(BY_HAND, {"node_group": group, "desired_size": size},
                f"node group {group}: desired size {groups[group]} -> {size} (its nodes join the cluster when the cloud "
                "has started them)",
                f"aws eks update-nodegroup-config --cluster-name <cluster> --nodegroup-name {group} "
                f"--scaling-config desiredSize={size}",
                f"node group {group} has {groups[group]} node(s) in the cluster now",
                ["A node group is the cloud's: no cluster tool sizes it -- a human runs the AWS CLI after approval "
                 "(raise its maxSize too if the new size is above it)."])
    return approval_answer(ask, plan, f"NodeGroup/{group}")
