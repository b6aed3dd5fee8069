""""then why are the old pods fine", "why do the other ones work", "it used to roll out fine tho": what tells the pods
that work from the ones that do not -- the revision each runs. The old pods started from the template before the
latest rollout and keep running it (a Deployment's rollout stalls before it replaces them, an OnDelete set never
does); the new ones run what that rollout changed, which is the difference to read."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import HANDLERS, Ask, handles
from ..models import Answer
from ..understand.kinds_said import ROLLABLE
from ..understand.references import kind_of, owner_of
from .causal import short_images
from .investigate import latest_rollout_change
from .pods import pod_trouble, workload_pods


async def _workload(ask: Ask) -> str | None:
    """The workload asked about: the one named, else the conversation's (a pod's owner for a pod)."""
    for rid in [r for r in (ask.resource, *ask.focus) if r]:
        if kind_of(rid) in ROLLABLE:
            return rid
        if kind_of(rid) == "Pod" and (owner := await owner_of(ask, rid)):
            return owner
    return None


def update_strategy(spec: dict) -> str:
    """How a rollout replaces pods, in the words that say why only some (or all) went down: a RollingUpdate keeps the
    old ReplicaSet's pods serving until new ones are ready; Recreate stops every old pod first."""
    strategy = spec.get("strategy") or spec.get("updateStrategy") or {}
    kind = strategy.get("type") or ("RollingUpdate" if spec.get("template") else "")
    if kind == "Recreate":
        return "strategy Recreate: every old pod is stopped before a new one starts, so a bad release takes all of them down"
    if kind == "RollingUpdate":
        rolling = strategy.get("rollingUpdate") or {}
        return (f"strategy RollingUpdate (maxUnavailable {rolling.get('maxUnavailable', '25%')}, maxSurge "
                f"{rolling.get('maxSurge', '25%')}): the old pods keep serving until new ones are ready, and a rollout "
                "whose new pods never get ready stops there")
    return ""


ALL_OR_NONE = re.compile(r"\b(all|both|every|whole|entire)\b", re.IGNORECASE)


async def _strategy_of(ask: Ask, rid: str) -> str:
    namespace, kind, name = parse_resource_id(rid)
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace, "events_limit": 0})
    return update_strategy(((described.data or {}).get("object") or {}).get("spec") or {})


@handles("old_and_new", needs=("kubernetes",))
async def old_and_new(ask: Ask) -> Answer:
    rid = await _workload(ask)
    changes = await latest_rollout_change(ask, rid) if rid else []
    if not rid or not changes:  # no rollout to tell them apart: why the workload fails is the answer
        answer = await HANDLERS["why_failing"].handler(ask)
        if rid and ALL_OR_NONE.search(ask.question) and (strategy := await _strategy_of(ask, rid)):
            answer.details.insert(0, strategy)  # "why are all 3 down at once": how its pods are replaced, beside why
        return answer
    ask.resource = rid
    changes = [short_images(line) for line in changes]  # "staff-paging:6.3.0 -> staff-paging:6.3.1": the registry is no difference
    head, _, first = changes[0].partition(" changed: ")
    revision = head.removeprefix("its latest rollout (").split(",", 1)[0]  # "revision 1 -> 2"
    pods = await workload_pods(ask, rid)
    troubled = [p for p in pods if pod_trouble(p)]
    fine = [p for p in pods if p not in troubled]
    namespace, _, name = parse_resource_id(rid)
    said = (f"The {len(fine)} pod(s) that work run the template from before {name}'s latest rollout ({revision}) and "
            f"the {len(troubled)} in trouble run what it changed -- {first}") if troubled and fine else \
        f"What {name}'s latest rollout ({revision}) changed is the difference between the pods before and after it -- {first}"
    strategy = await _strategy_of(ask, rid)
    said += f"; {strategy}" if strategy else ""
    details = [line.partition(" changed: ")[2] for line in changes[1:]]
    details += [f"pod {p.get('name')}: {', '.join(str(x) for x in (p.get('problems') or [])[:2]) or 'not ready'}"
                for p in troubled[:3]]
    return ask.answer(said, status="answered", resources=[rid], details=details,
                      next_steps=[f"Ask 'why is {name} failing?' for the fix, or 'rollout history of {name}' for every "
                                  "revision."])
