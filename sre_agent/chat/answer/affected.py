"""Is Y affected ("is invoice-api affected?"): Y's own state, and whether what it calls, two hops deep, is down or is
the conversation's root cause."""

from __future__ import annotations

from ...contracts import parse_resource_id
from ..ask import Ask, handles
from ..models import Answer
from ..understand.references import name_of
from .causal import _words
from .health import status


@handles("affected", needs=("kubernetes", "cloudwatch"))
async def affected(ask: Ask) -> Answer:
    """Is Y affected: Y's own state, and whether what it calls (two hops) is down or is the root cause."""
    rid = ask.resource or ""
    name = parse_resource_id(rid)[2]
    culprit = (ask.last_diagnosis or {}).get("resource") or ""
    own, own_details = await _own_trouble(ask, rid)
    hops, down = await _downstream(ask, rid)
    tied = [path for path in hops if culprit and path[-1] == culprit or any(name_of(p) in _words(ask.question) for p in path[1:])]
    details = [f"{rid} -> {' -> '.join(path[1:])}" for path in hops] or [f"{rid} calls no in-cluster service"]
    if own:
        return ask.answer(f"Yes: {rid} itself is affected: {own}", status="problems", details=own_details + details, resources=[rid])
    if down:
        path = down[0]
        return ask.answer(f"Yes: {rid} depends on {' -> '.join(path[1:])}, which has no ready endpoint", status="problems",
                          details=details, resources=[rid, path[-1]])
    if tied:
        return ask.answer(f"Yes, through its calls: {rid} -> {' -> '.join(tied[0][1:])}; its own pods are ready",
                          status="problems", details=details, resources=[rid, tied[0][-1]])
    return ask.answer(f"No sign of it: {rid}'s pods are ready and nothing it calls (two hops) is down"
                      + (f" or leads to {culprit}" if culprit else ""), status="answered", details=details,
                      # an object found unaffected does not take the conversation over: "it" stays the incident's
                      resources=[*([culprit] if culprit and culprit != rid else []), rid],
                      next_steps=[f"Ask 'traffic of {name}' for its error rate and latency."])


async def _own_trouble(ask: Ask, rid: str) -> tuple[str, list[str]]:
    """The object's own state, as the status form reads it: its headline and facts when that reports a problem
    (a DaemonSet's facts name the nodes it is missing from)."""
    answer = await status(ask)
    return (answer.headline, answer.details[:12]) if answer.status == "problems" else ("", [])


async def _downstream(ask: Ask, rid: str) -> tuple[list[list[str]], list[list[str]]]:
    """Paths from `rid` through the services it calls and the workloads behind them, two services deep;
    and the paths that end at a Service with no ready endpoint (or none at all)."""
    paths: list[list[str]] = []
    down: list[list[str]] = []
    frontier = [[rid]]
    for _ in range(2):
        nxt = []
        for path in frontier:
            namespace, kind, name = parse_resource_id(path[-1])
            scope = {"namespace": namespace} if namespace else {}
            walk = await ask.call("kubernetes", "ownership", {"kind": kind, "name": name, **scope})
            for dep in (walk.data or {}).get("calls") or []:
                service = dep.get("service")
                if not service or service in path:
                    continue
                step = [*path, service]
                paths.append(step)
                if not dep.get("exists") or not dep.get("ready_endpoints"):
                    down.append(step)
                    continue
                behind = await _workload_behind(ask, service)
                if behind:
                    nxt.append([*step, behind])
                    paths.append([*step, behind])
        frontier = nxt
    return paths, down


async def _workload_behind(ask: Ask, service: str) -> str | None:
    """The workload that owns the pods a Service selects (its first pod's owner chain, top-most)."""
    namespace, _, name = parse_resource_id(service)
    walk = await ask.call("kubernetes", "ownership", {"kind": "Service", "name": name, "namespace": namespace})
    pods = (walk.data or {}).get("selected_pods") or []
    if not pods:
        return None
    owned = await ask.call("kubernetes", "ownership", {"kind": "Pod", "name": pods[0], "namespace": namespace})
    owners = (owned.data or {}).get("owners") or []
    return owners[-1] if owners else None
