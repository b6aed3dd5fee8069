""""do we have headroom on telemetry-ingest", "is the hpa maxed out", "can checkout scale to 10": how much more load a
workload can take, in the two places that bound it -- its autoscaler (replicas now against its max, each metric now
against its target) and the nodes its pods land on (what is still free there, in units of one more of its pods, by the
scheduler's arithmetic: allocatable minus what the running pods request).

A question about a node or a node group ("how much room is on ip-10-0-1-2") stays the node answer's: this one is asked
when the subject is a workload (or its Service, its pod, its autoscaler)."""

from __future__ import annotations

import re
from decimal import Decimal

from ...contracts import parse_resource_id
from ...graph.quantities import quantity
from ..ask import Ask, handles
from ..models import Answer
from ..understand.context_names import kind_of
from ..understand.references import owner_of, workload_of_service
from .nodes import TERMINAL, requested_on
from .pods import autoscaler_of, guarding_budget, requested, workload_pods

SCALED = ("Deployment", "StatefulSet")
# "scale it to 10", "10 replicas", "another 4 pods", "2 more": the size the question wants room for
TO_SIZE = re.compile(r"\b(?:to|on|with)\s+(\d{1,4})\b(?!\s*(?:%|percent|m\b|mi\b|gi\b|cores?\b))", re.IGNORECASE)
# "is the hpa maxed out", "is it at its ceiling": asked of the limit, so yes means no room
LIMIT_ASKED = re.compile(r"\b(maxed|topped|capped|pegged|pinned|at\s+(its\s+|the\s+)?(max|maximum|ceiling|limit|cap))\b", re.IGNORECASE)
MORE = re.compile(r"\b(?:another|(\d{1,4})\s+more)\s*(\d{1,4})?\b", re.IGNORECASE)


async def workload_meant(ask: Ask) -> str | None:
    """The Deployment or StatefulSet asked about: the one named, else the conversation's; a Service means the workload
    behind it, a pod its owner, an autoscaler its target."""
    for rid in [r for r in (ask.resource, *ask.focus) if r]:
        kind = kind_of(rid)
        if kind in SCALED:
            return rid
        if kind == "Pod" and (owner := await owner_of(ask, rid, SCALED)):
            return owner
        if kind == "Service" and (behind := await workload_of_service(ask, rid, SCALED)):
            return behind
        if kind == "HorizontalPodAutoscaler":
            namespace, _, name = parse_resource_id(rid)
            listed = await ask.call("kubernetes", "get_resources", {"kind": "HorizontalPodAutoscaler", "namespace": namespace})
            row = next((h for h in (listed.data or {}).get("items") or [] if h.get("name") == name), None)
            if row and "/" in str(row.get("target")):
                return f"{namespace}/{row['target']}"
    return None


def _fits(node: dict, held: tuple[Decimal, Decimal], each: tuple[Decimal, Decimal]) -> int:
    """How many more pods requesting `each` the node takes, given what its running pods hold."""
    free = [(quantity(str(node.get(key) or "")) or Decimal(0)) - used for key, used in zip(("cpu", "memory"), held)]
    counts = [int(room // need) for room, need in zip(free, each) if need > 0]
    return max(0, min(counts)) if counts else 0


async def node_room(ask: Ask, pods: list[dict]) -> tuple[int, list[str], tuple[Decimal, Decimal]]:
    """(how many more of these pods the nodes they run on -- and the rest of those nodes' group -- take, a line per
    node, one pod's requests)."""
    each = max((requested(p) for p in pods), default=(Decimal(0), Decimal(0)))
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Node", "limit": 1000})
    nodes = [n for n in (listed.data or {}).get("items") or [] if str(n.get("ready")) == "True" and not n.get("unschedulable")]
    hosts = {p.get("node") for p in pods if p.get("node")}
    groups = [n.get("labels") for n in nodes if n.get("name") in hosts and n.get("labels")]
    # where it can land: the nodes it runs on and their group's others (same group labels); untainted ones when none runs
    candidates = [n for n in nodes if n.get("name") in hosts or (n.get("labels") and n.get("labels") in groups)] if hosts \
        else [n for n in nodes if not n.get("taints")]
    everything = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "limit": 5000})
    on_node: dict[str, list[dict]] = {}
    for pod in (everything.data or {}).get("items") or []:
        on_node.setdefault(str(pod.get("node")), []).append(pod)
    lines, total = [], 0
    for node in candidates:
        fits = _fits(node, requested_on(on_node.get(str(node.get("name")), [])), each)
        total += fits
        lines.append(f"node {node.get('name')}: room for {fits} more (allocatable cpu {node.get('cpu')}, memory {node.get('memory')})")
    return total, lines, each


def _size_wanted(question: str, running: int) -> int | None:
    """The replica count the question wants room for ("to 10"; "4 more" = running + 4), None when it names none."""
    if found := TO_SIZE.search(question):
        return int(found.group(1))
    if found := MORE.search(question):
        extra = found.group(1) or found.group(2)
        return running + (int(extra) if extra else 1)
    return None


def _each_said(each: tuple[Decimal, Decimal]) -> str:
    return f"cpu {int(each[0] * 1000)}m, memory {int(each[1] / (1 << 20))}Mi"


@handles("headroom", needs=("kubernetes",))
async def headroom(ask: Ask) -> Answer:
    rid = await workload_meant(ask)
    if rid is None:
        return ask.answer("Which workload? Name the Deployment or StatefulSet whose headroom you mean", status="needs_subject",
                          next_steps=["Ask 'how much room is on <node>?' for a node's."])
    ask.resource = rid
    name = parse_resource_id(rid)[2]
    pods = [p for p in await workload_pods(ask, rid) if p.get("status") not in TERMINAL]
    hpa = await autoscaler_of(ask, rid)
    fits, node_lines, each = await node_room(ask, pods)
    running = len(pods)
    wanted = _size_wanted(ask.question, int(hpa.get("current") or running) if hpa else running)
    details = []
    if hpa:
        current, high = int(hpa.get("current") or 0), int(hpa.get("max") or 0)
        now = ", ".join(hpa.get("metrics_now") or []) or "no reading"
        scaler = (f"HorizontalPodAutoscaler {hpa.get('name')}: {current} of max {high} replicas (min {hpa.get('min')}); "
                  f"now {now}, target {', '.join(hpa.get('metrics') or []) or '?'}")
        details.append(scaler)
        spare = max(0, high - current)
    else:
        spare, current = None, running
    node_said = f"the nodes it runs on fit {fits} more of its pods (each requests {_each_said(each)})"
    if wanted is not None and wanted < current:  # "can we scale search down to 2": what the owners' budget allows
        guard = await guarding_budget(ask, rid)
        floor = max(int(hpa.get("min") or 0) if hpa else 0, guard[1] if guard else 0)
        verdict = "No" if wanted <= floor else "Yes"
        said = (f"{guard[0]} requires at least {guard[1]} available" if guard else "no disruption budget guards its pods") + \
            (f"; its autoscaler's min is {hpa.get('min')}" if hpa else "")
        headline = (f"{verdict}: {name} at {wanted} (from {current}): {said}"
                    + ("; at that floor every drain of their nodes is refused" if guard and wanted <= guard[1] else ""))
        details.extend(node_lines[:6])
        return ask.answer(headline, status="answered", details=details, resources=[rid, *([guard[0]] if guard else [])],
                          next_steps=[f"To do it: 'scale {name} to {wanted}' (pinned for approval)."])
    if wanted is not None:
        more = wanted - current
        bound = hpa is not None and wanted > int(hpa.get("max") or 0)
        verdict = "Yes" if more <= fits and not bound else "No"
        headline = (f"{verdict}: {name} at {wanted} needs {max(more, 0)} more pod(s); {node_said}"
                    + (f"; its autoscaler stops at {hpa.get('max')}" if bound and hpa else ""))
    elif hpa:
        at_max = spare == 0
        yes, no = ("No", "Yes") if LIMIT_ASKED.search(ask.question) else ("Yes", "No")
        headline = ((f"{no}: {name} is at its autoscaler's max, {current} of {hpa.get('max')} replicas "
                     f"({', '.join(hpa.get('metrics_now') or []) or 'no reading'} against target "
                     f"{', '.join(hpa.get('metrics') or []) or '?'}): it cannot add pods for more load")
                    if at_max else
                    f"{yes}: {name} runs {current} of max {hpa.get('max')} replicas (autoscaler {hpa.get('name')}, now "
                    f"{', '.join(hpa.get('metrics_now') or []) or 'no reading'}, target {', '.join(hpa.get('metrics') or []) or '?'}): "
                    f"room for {spare} more" + (f", but {node_said}" if fits < (spare or 0) else f"; {node_said}"))
    else:
        headline = f"{name} runs a fixed {running} replica(s), no autoscaler scales it; {node_said}"
    details.extend(node_lines[:6])
    steps = ([f"To raise the bound: 'set the hpa max of {name} to N' (pinned for approval)."] if hpa and spare == 0 else
             [f"To add replicas by hand: 'scale {name} to N' (pinned for approval)."] if not hpa else
             [f"Ask 'is {name} ok?' for how it copes now."])
    return ask.answer(headline, status="answered", details=details,
                      resources=[rid, *([f"{parse_resource_id(rid)[0]}/HorizontalPodAutoscaler/{hpa.get('name')}"] if hpa else [])],
                      next_steps=steps)
