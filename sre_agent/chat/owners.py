""""who owns that pod, is there a deployment", "what created it": the chain of owner references from a pod (or any
object) up to the controller at the top -- or that nothing owns it: a bare pod, which nothing recreates."""

from __future__ import annotations

from ..contracts import parse_resource_id
from .ask import Ask, handles
from .models import Answer
from .references import kind_of


@handles("owner", needs=("kubernetes",))
async def owner(ask: Ask) -> Answer:
    rid = ask.resource or ""
    if kind_of(rid) != "Pod":  # "that pod": the pod the conversation named last, if the subject is not one
        rid = next((r for r in ask.focus if kind_of(r) == "Pod"), rid)
    namespace, kind, name = parse_resource_id(rid)
    walk = await ask.call("kubernetes", "ownership", {"kind": kind, "name": name, **({"namespace": namespace} if namespace else {})})
    if walk.error is not None:
        return ask.answer(f"Could not read the owners of {rid}: {walk.error[:200]}", status="unknown", resources=[rid])
    owners = [str(o) for o in (walk.data or {}).get("owners") or []]
    if not owners:
        bare = f"{rid} has no owner: nothing controls it (no Deployment, ReplicaSet, StatefulSet, DaemonSet or Job)"
        steps = (["A bare pod is never recreated: delete it when done, or run it under a controller."] if kind == "Pod"
                 else [])
        return ask.answer(bare, status="answered", resources=[rid], next_steps=steps)
    top = owners[-1]
    chain = " -> ".join([rid, *owners])
    return ask.answer(f"{rid} is owned by {top}" + (f" (through {', '.join(owners[:-1])})" if len(owners) > 1 else ""),
                      status="answered", details=[f"owner chain: {chain}"], resources=[top, rid],
                      next_steps=[f"Changes go to {top}: its pods are recreated from its template."])
