""""How much memory does it actually need": what each container asks for and may use (requests, limits), what it did
with them -- OOM-killed at its memory limit, throttled under its CPU limit, its memory's share of the limit lately --
and what its last rollout changed in them (the limit it ran with before). A container killed at its limit needs more
than that limit: said as a floor, never as a number nobody measured."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import HANDLERS, Ask, handles, settle
from ..models import Answer
from .facts import RUNS_PODS
from .health import describe, status
from .investigate import latest_rollout_change
from .objects import pod_spec_of
from .pods import workload_pods
from .usage import resource_pressure

CPU_ASKED = re.compile(r"\b(cpu|cpus|cores?|millicores?)\b", re.IGNORECASE)


def _oom_killed(pods: list[dict]) -> set[str]:
    """The containers whose last exit was an OOM kill, from the pod rows' problems ("envoy: last exit OOMKilled (137)")."""
    return {str(problem).split(":", 1)[0] for pod in pods for problem in pod.get("problems") or []
            if "OOMKilled" in str(problem)}


@handles("resource_need", needs=("kubernetes",))
async def resource_need(ask: Ask) -> Answer:
    rid = ask.resource or ""
    namespace, kind, name = parse_resource_id(rid)
    if kind not in RUNS_PODS:  # "how big is it" of a claim: no requests or limits of its own -- its state says its size
        return settle(await status(ask), HANDLERS["status"].needs)
    resource = "cpu" if CPU_ASKED.search(ask.question) else "memory"
    described = await describe(ask, rid)
    containers = pod_spec_of(kind, (described.data or {}).get("object") or {}).get("containers") or []
    if kind == "Pod":
        listed = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "namespace": namespace, "limit": 5000})
        pods = [p for p in (listed.data or {}).get("items") or [] if p.get("name") == name]
    else:
        pods = await workload_pods(ask, rid)
    killed = _oom_killed(pods) if resource == "memory" else set()
    pressure = await resource_pressure(ask, rid, []) if kind != "Pod" else []
    said = [line for line in pressure if line.lower().startswith("memory" if resource == "memory" else "cpu")]
    before = [line for line in await latest_rollout_change(ask, rid) if ": resources " in line]
    facts = []
    for container in containers:
        resources = container.get("resources") or {}
        request = (resources.get("requests") or {}).get(resource, "none")
        limit = (resources.get("limits") or {}).get(resource, "none")
        facts.append((str(container.get("name")), str(request), str(limit)))
    details = [f"container {c}: {resource} request {r}, limit {lim}" + (" -- OOM-killed at this limit" if c in killed else "")
               for c, r, lim in facts] + said + before
    hungry = next(((c, lim) for c, _, lim in facts if c in killed), None)
    if hungry:
        headline = (f"{hungry[0]} needs more memory than its {hungry[1]} limit: it was OOM-killed at it"
                    + ("; its latest rollout changed its resources (below): the limit it ran with before is the "
                       "first value to go back to" if before else ""))
        verdict = "problems"
    elif resource == "cpu" and any("throttled" in line and "%" in line for line in said):
        headline = f"{rid} is held back by its CPU limit: {said[0]}; it needs more CPU than its limit allows"
        verdict = "problems"
    else:
        shown = "; ".join(f"{c}: request {r}, limit {lim}" for c, r, lim in facts) or "no containers"
        headline = f"{rid} {resource}: {shown}" + (f"; {said[0]}" if said else "; no usage series to say what it uses")
        verdict = "answered"
    return ask.answer(headline, status=verdict, details=details,
                      next_steps=[f"Ask 'set the {hungry[0]} memory limit to <more than {hungry[1]}>' for the change to "
                                  "approve." if hungry else f"Ask 'is {name} ok?' for how it copes now."])
