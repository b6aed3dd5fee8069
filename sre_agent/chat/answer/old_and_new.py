""""then why are the old pods fine", "why do the other ones work", "it used to roll out fine tho": what tells the pods
that work from the ones that do not -- the revision each runs. The old pods started from the template before the
latest rollout and keep running it (a Deployment's rollout stalls before it replaces them, an OnDelete set never
does); the new ones run what that rollout changed, which is the difference to read."""

from __future__ import annotations

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


@handles("old_and_new", needs=("kubernetes",))
async def old_and_new(ask: Ask) -> Answer:
    rid = await _workload(ask)
    changes = await latest_rollout_change(ask, rid) if rid else []
    if not rid or not changes:  # no rollout to tell them apart: why the workload fails is the answer
        return await HANDLERS["why_failing"].handler(ask)
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
    details = [line.partition(" changed: ")[2] for line in changes[1:]]
    details += [f"pod {p.get('name')}: {', '.join(str(x) for x in (p.get('problems') or [])[:2]) or 'not ready'}"
                for p in troubled[:3]]
    return ask.answer(said, status="answered", resources=[rid], details=details,
                      next_steps=[f"Ask 'why is {name} failing?' for the fix, or 'rollout history of {name}' for every "
                                  "revision."])
