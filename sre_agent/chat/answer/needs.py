""""How much memory does it actually need": what each container asks for and may use (requests, limits), what it did
with them -- OOM-killed at its memory limit, throttled under its CPU limit, its memory's share of the limit lately --
and what its last rollout changed in them (the limit it ran with before). A container killed at its limit needs more
than that limit: said as a floor, never as a number nobody measured."""

from __future__ import annotations

import re
from decimal import Decimal

from ...contracts import parse_resource_id
from ...graph.quantities import format_quantity, quantity
from ..ask import HANDLERS, Ask, handles, settle
from ..models import Answer
from .health import describe, status
from .investigate import latest_rollout_change
from .objects import RUNS_PODS, pod_spec_of
from .pods import workload_pods
from .usage import resource_pressure

CPU_ASKED = re.compile(r"\b(cpu|cpus|cores?|millicores?)\b|\b\d+m\b", re.IGNORECASE)
# "would 512Mi be enough", "is 1.5 cores enough for it": a value said, asked whether it would do
VALUE_SAID = re.compile(r"\b(\d+(?:\.\d+)?)\s*(Mi|Gi|Ki|M|G|m|cores?|cpus?)\b", re.IGNORECASE)
MEASURED_MAX = re.compile(r"max (\d+)% in the last")
HEADROOM = 1.25  # a value this far above the most it used lately is enough; under what it used, it is not


def value_said(question: str) -> tuple[str, float] | None:
    """(the value as written, in bytes or cores) of the quantity the question says, if any."""
    match = VALUE_SAID.search(question)
    if not match:
        return None
    number, unit = match.group(1), match.group(2)
    if unit.lower().startswith(("core", "cpu")):
        return f"{number} {unit}", float(number)
    unit = {"mi": "Mi", "gi": "Gi", "ki": "Ki"}.get(unit.lower(), unit)
    value = quantity(f"{number}{unit}")
    return (f"{number}{unit}", float(value)) if value is not None else None


def verdict_on(said: tuple[str, float], resource: str, limit: str, hit: str | None, used_max_percent: float | None) -> str:
    """Whether the value said would do, from what was measured: held at its limit (`hit`: OOM-killed, throttled) -- more
    is needed, how much more nobody measured -- else the most it used lately against its limit."""
    text, value = said
    current = float(quantity(limit) or 0) if limit not in ("none", "") else 0.0
    if hit and current:
        if value <= current:
            return f"No: it is {hit} at its {limit} limit -- {text} is not more than that"
        return (f"Probably -- not measured: {text} is above the {limit} limit it is {hit} at; how much more it takes is "
                "not measured (the limit stops it there) -- watch it after the change")
    if used_max_percent is not None and current:
        used = current * used_max_percent / 100
        shown = format_quantity(resource, Decimal(str(used)))
        if value >= used * HEADROOM:
            return f"Yes: it used at most ~{shown} in the last 10 minutes ({used_max_percent:.0f}% of its {limit} limit)"
        if value < used:
            return f"No: it used ~{shown} in the last 10 minutes ({used_max_percent:.0f}% of its {limit} limit) -- more than {text}"
        return f"Tight: it used up to ~{shown} in the last 10 minutes -- just under {text}"
    return f"Not measured: no usage series of it to compare {text} with -- its limit is {limit}"


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
    trouble: list[str] = []  # what is over the line: throttled most of the time, memory near its limit
    pressure = await resource_pressure(ask, rid, trouble) if kind != "Pod" else []
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
    if (said_value := value_said(ask.question)) and facts:
        # "would 512Mi be enough": yes or no from what it used, or the limit it was killed at
        name_, _, limit_ = next((f for f in facts if f[0] in killed), facts[0])
        measured = [float(m.group(1)) for line in said if (m := MEASURED_MAX.search(line))]
        throttled = resource == "cpu" and any("CPU throttled" in line for line in trouble)
        hit = "OOM-killed" if name_ in killed else "throttled" if throttled else None
        headline = f"{name_}: " + verdict_on(said_value, resource, limit_, hit, max(measured) if measured else None)
        return ask.answer(headline, status="answered", details=details, resources=[rid],
                          next_steps=[f"Ask 'set the {name_} {resource} limit to {said_value[0]}' for the change to approve."])
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
