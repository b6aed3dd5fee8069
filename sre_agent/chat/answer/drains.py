""""why can't the old nodes be drained", "why is the node group upgrade stuck", "what's blocking the drain": what kubectl
drain waits on. The cordoned nodes (a drain cordons first), the pods still on them that a drain must evict (a
DaemonSet's are skipped), and for each what refuses it: a PodDisruptionBudget that allows no disruption (its healthy
pods are all it requires), or a pod no controller owns (drain needs --force, and the pod is gone for good)."""

from __future__ import annotations

from ..ask import Ask, handles
from ..models import Answer
from .pods import pod_labels, selects


def _guards(pod: dict, budgets: list[dict]) -> dict | None:
    """The budget of the pod's namespace whose matchLabels the pod carries and that allows no disruption now."""
    labels = pod_labels(pod)
    return next((b for b in budgets if b.get("namespace") == pod.get("namespace") and selects(b.get("selector") or {}, labels)
                 and not (b.get("allowed") or 0)), None)


def _evicted_from(pods: list[dict], nodes: set[str]) -> list[dict]:
    """The pods a drain of `nodes` must evict: those still running there, never a DaemonSet's (drain skips them)."""
    return [p for p in pods if p.get("node") in nodes and not str(p.get("owner") or "").startswith("DaemonSet/")
            and p.get("phase") not in ("Succeeded", "Failed")]


def _budget_text(budget: dict) -> str:
    rule = (f"minAvailable {budget['minAvailable']}" if "minAvailable" in budget
            else f"maxUnavailable {budget.get('maxUnavailable')}")
    return (f"PodDisruptionBudget {budget.get('namespace')}/{budget.get('name')} ({rule}, {budget.get('healthy')} "
            f"healthy of {budget.get('desired')} required: {budget.get('allowed') or 0} disruptions allowed)")


@handles("drain_blocked", needs=("kubernetes",))
async def drain_blocked(ask: Ask) -> Answer:
    nodes = await ask.call("kubernetes", "get_resources", {"kind": "Node", "limit": 2000})
    if nodes.error is not None:
        return ask.answer(f"Could not list the nodes: {nodes.error[:200]}", status="unknown")
    cordoned = sorted(str(n.get("name")) for n in (nodes.data or {}).get("items") or [] if n.get("unschedulable"))
    if not cordoned:
        return ask.answer("No node is cordoned: nothing is being drained now (a drain cordons its node first)",
                          status="answered", next_steps=["Ask 'which nodes are not ready?' for nodes in trouble."])
    pods = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "limit": 5000})
    budgets = await ask.call("kubernetes", "get_resources", {"kind": "PodDisruptionBudget", "limit": 1000})
    if pods.error is not None:
        return ask.answer(f"{len(cordoned)} node(s) cordoned; could not list their pods: {pods.error[:200]}", status="unknown")
    left = _evicted_from((pods.data or {}).get("items") or [], set(cordoned))
    if not left:
        return ask.answer(f"Nothing holds the drain: the {len(cordoned)} cordoned node(s) ({', '.join(cordoned[:4])}) run "
                          "only DaemonSet pods now -- the node group can remove them", status="answered",
                          resources=[f"Node/{n}" for n in cordoned[:4]])
    rows = (budgets.data or {}).get("items") or []
    held: dict[str, list[str]] = {}
    bare = []
    for pod in left:
        if (budget := _guards(pod, rows)) is not None:
            held.setdefault(_budget_text(budget), []).append(f"{pod.get('name')} on {pod.get('node')}")
        elif not pod.get("owner"):
            bare.append(f"{pod.get('namespace')}/{pod.get('name')} on {pod.get('node')}")
    details = [f"{text}: holds {', '.join(names[:4])}" for text, names in held.items()]
    details += [f"no controller owns {name}: drain refuses it without --force, and nothing re-creates it" for name in bare[:4]]
    details.append(f"still on the cordoned nodes: {len(left)} pod(s) -- "
                   + ", ".join(f"{p.get('namespace')}/{p.get('name')}" for p in left[:6]))
    if held:
        first = next(iter(held))
        return ask.answer(f"The drain waits on {first}: evicting any of its pods would break it, so kubectl drain retries "
                          "for ever", status="problems", details=details,
                          resources=[f"Node/{n}" for n in cordoned[:3]],
                          next_steps=["Let one pod go without breaking the budget: scale its workload up by one (the new "
                                      "pod lands on an uncordoned node), or relax the budget (maxUnavailable 1) -- "
                                      "chat pins neither on its own"])
    headline = (f"{len(left)} pod(s) are still on the {len(cordoned)} cordoned node(s) and no PodDisruptionBudget holds them"
                + (f"; {len(bare)} have no controller (drain needs --force for them)" if bare else
                   "; the drain may simply not have been run yet"))
    return ask.answer(headline, status="problems", details=details, resources=[f"Node/{n}" for n in cordoned[:3]],
                      next_steps=[f"kubectl drain {cordoned[0]} --ignore-daemonsets --delete-emptydir-data"])


async def drain_risks(ask: Ask, node: str) -> tuple[list[dict], list[str], list[str]] | str:
    """(the pods a drain of `node` evicts -- DaemonSet pods stay --, what would refuse it: a budget that allows no
    disruption, a pod no controller owns; what it would take down: the only running replica of a workload); or why the
    pods could not be listed."""
    pods = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "limit": 5000})
    budgets = await ask.call("kubernetes", "get_resources", {"kind": "PodDisruptionBudget", "limit": 1000})
    if pods.error is not None:
        return pods.error[:200]
    rows = (pods.data or {}).get("items") or []
    evicted = _evicted_from(rows, {node})
    replicas: dict[str, int] = {}
    for pod in rows:  # running pods per owner: one is that workload's only replica
        if pod.get("owner") and pod.get("phase") == "Running":
            key = f"{pod.get('namespace')}/{pod.get('owner')}"
            replicas[key] = replicas.get(key, 0) + 1
    blocked, hurt = [], []
    for pod in evicted:
        owner, where = str(pod.get("owner") or ""), f"{pod.get('namespace')}/{pod.get('name')}"
        if (budget := _guards(pod, (budgets.data or {}).get("items") or [])) is not None:
            blocked.append(f"{where}: {_budget_text(budget)} -- the drain retries its eviction for ever")
        elif not owner:
            blocked.append(f"{where}: no controller owns it -- drain refuses it without --force, and nothing re-creates it")
        elif replicas.get(f"{pod.get('namespace')}/{owner}", 0) <= 1 and not owner.startswith("Job/"):
            hurt.append(f"{where}: the only running replica of {owner} -- it is down until it is placed elsewhere")
    return evicted, blocked, hurt


@handles("drain_safe", needs=("kubernetes",))
async def drain_safe(ask: Ask) -> Answer:
    """"is it safe to drain X": what a drain of that node would evict, and what would refuse or hurt."""
    node = (ask.resource or "").split("/")[-1]
    risks = await drain_risks(ask, node)
    if isinstance(risks, str):
        return ask.answer(f"Could not list the pods on {node}: {risks}", status="unknown")
    evicted, blocked, hurt = risks
    if not evicted:
        return ask.answer(f"Yes: nothing but DaemonSet pods runs on {node}; a drain evicts nothing", status="answered",
                          resources=[f"Node/{node}"],
                          next_steps=[f"kubectl drain {node} --ignore-daemonsets --delete-emptydir-data"])
    details = [*blocked, *hurt, f"a drain evicts {len(evicted)} pod(s): "
               + ", ".join(f"{p.get('namespace')}/{p.get('name')}" for p in evicted[:8])]
    if blocked or hurt:
        return ask.answer(f"No: draining {node} " + ("would block on " + blocked[0].split(":", 1)[0] if blocked else
                                                     "takes down " + hurt[0].split(":", 1)[0])
                          + f" ({len(blocked)} refused, {len(hurt)} single replica(s))", status="problems",
                          details=details, resources=[f"Node/{node}"],
                          next_steps=["Give what is refused or alone a second replica on another node first (or move it), "
                                      "then drain; chat pins no drain."])
    return ask.answer(f"Yes: every pod on {node} has another replica and no budget refuses its eviction", status="answered",
                      details=details, resources=[f"Node/{node}"],
                      next_steps=[f"kubectl drain {node} --ignore-daemonsets --delete-emptydir-data"])
