"""A pod that must run beside pods of another app (a required podAffinity term: a validator on the node of its cache
replica) waits for them. When the scheduler says "didn't match pod affinity rules" and pods the term selects are not
running, why they wait is why this pod waits: each such pod is read as its own pod, for its own workload (a cache
replica whose claim cannot bind), and a finding on this workload names the partner it waits for -- so the diagnosis
weighs the partner's fault, not only "unschedulable" on the pod that waits behind it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ...contracts import resource_id
from .calls import Calls

AFFINITY_UNMET = "didn't match pod affinity rules"  # the scheduler's words (kube-scheduler InterPodAffinity)
MAX_PARTNERS = 3  # pods read per term: the first few that wait say why the rest do


def required_terms(spec: dict) -> list[dict]:
    return list(((spec.get("affinity") or {}).get("podAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution")
                or [])


def selector_text(selector: dict) -> str | None:
    """A labelSelector as `kubectl -l` takes it (matchLabels, and In/NotIn/Exists/DoesNotExist expressions); None
    when it selects nothing said."""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
        if operator in ("In", "NotIn"):
            parts.append(f"{key} {'in' if operator == 'In' else 'notin'} ({','.join(values)})")
        elif operator == "Exists":
            parts.append(str(key))
        elif operator == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts) or None


async def _workload_of(calls: Calls, namespace: str, pod: str) -> str:
    """The partner pod's workload as findings name it: the top of its owner chain (the ownership walk _pod_target reads
    too), else the pod itself."""
    data, _ = await calls("ownership", kind="Pod", name=pod, namespace=namespace)
    owners = (data or {}).get("owners") or []
    return str(owners[-1]) if owners else resource_id("Pod", pod, namespace)


async def partners_waiting(namespace: str, spec: dict, workload: str, message: str, calls: Calls,
                           read_pod: Callable[..., Awaitable[None]]) -> None:
    """For a FailedScheduling that says the pod affinity is unmet: the pods its required terms select that are not
    running, each read (read_pod) for its own workload, and a finding on `workload` naming them."""
    if AFFINITY_UNMET not in message:
        return
    for term in required_terms(spec):
        selector = selector_text(term.get("labelSelector") or {})
        if selector is None:
            continue
        for where in term.get("namespaces") or [namespace]:
            listed, ev = await calls("get_resources", kind="Pod", namespace=where, label_selector=selector)
            rows = (listed or {}).get("items") or []
            waiting = [r for r in rows if r.get("phase") != "Running"][:MAX_PARTNERS]
            if rows and not waiting:
                continue  # every partner runs: the affinity is met where they are (room there is the question)
            owned = {str(r.get("name")): await _workload_of(calls, where, str(r.get("name"))) for r in waiting}
            said = ", ".join(f"{r.get('name')} ({r.get('status')})" for r in waiting) or f"no pod matches {selector}"
            calls.find(workload, "AffinityPartnerWaiting",
                       f"its pods must run on a node ({term.get('topologyKey')}) with a pod matching {selector}: {said}",
                       ev, severity="warning", partners=sorted(set(owned.values())), selector=selector)
            for pod, owner in owned.items():
                await read_pod(where, pod, owner, calls, follow_partners=False)
