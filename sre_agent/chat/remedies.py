""""would restarting the pods fix it", "if i delete the pods will they come back fine": whether recreating the
pods helps, from an investigation of what the conversation is about. New pods run the same spec on the
same cluster: they clear nothing a spec, a dependency, a node or a quota causes -- a leak's memory comes back, a bad
image is pulled again -- so the answer says so and names the fix the investigation found."""

from __future__ import annotations

from ..contracts import RootCauseCategory as C
from ..contracts import parse_resource_id
from .ask import Ask, handles
from .investigate import why_failing
from .models import Answer
from .references import kind_of

# Categories a restart relieves for a while without removing the cause.
RELIEVED_FOR_A_WHILE = {C.MEMORY_LEAK.value: "new pods start with fresh memory, and the same code fills it again"}


async def _has_owner(ask: Ask, pod: str) -> bool:
    namespace, _, name = parse_resource_id(pod)
    described = await ask.call("kubernetes", "describe", {"kind": "Pod", "name": name, "namespace": namespace, "events_limit": 0})
    if described.error is not None:
        return True  # could not tell: the investigation below says what it can
    return bool((((described.data or {}).get("object") or {}).get("metadata") or {}).get("ownerReferences"))


@handles("restart_would_help", needs=("kubernetes", "cloudwatch"))
async def restart_would_help(ask: Ask) -> Answer:
    # Investigated afresh even after a diagnosis: the answer needs the fix, which only the investigation carries
    if not ask.resource and ask.focus:
        ask.resource = ask.focus[0]
    if kind_of(ask.resource or "") == "Pod" and not await _has_owner(ask, ask.resource or ""):
        return ask.answer(f"No: {ask.resource} is a bare pod -- no controller owns it, so a deleted or killed pod is "
                          "never recreated; only its own restart policy restarts its containers in place",
                          status="problems", resources=[ask.resource or ""],
                          next_steps=["Recreate it from its manifest with the fix (a bare pod's spec cannot be edited "
                                      "in place), or run it under a Deployment."])
    base = await why_failing(ask)
    if base.status == "unknown":
        return base
    diagnosis = base.diagnosis or {}
    category, culprit = diagnosis.get("category") or "none", diagnosis.get("resource") or ""
    subject = ask.resource or culprit
    if category == "none":
        verdict = f"Nothing was found wrong with {subject}: recreating its pods fixes nothing, and costs a moment of capacity"
    elif category in RELIEVED_FOR_A_WHILE:
        verdict = (f"Only for a while: {RELIEVED_FOR_A_WHILE[category]} -- the root cause is {category} on {culprit}; "
                   f"{diagnosis.get('summary', '')[:200]}")
    else:
        verdict = (f"No: recreated pods run the same spec and meet the same cluster, so the cause stays -- {category} on "
                   f"{culprit}: {diagnosis.get('summary', '')[:200]}")
    details = base.details[:8]
    steps = base.next_steps or [f"Ask 'why is {culprit.rsplit('/', 1)[-1]} failing?' for the fix."]
    return ask.answer(verdict, status="problems" if category != "none" else "answered", details=details,
                      resources=[r for r in (culprit, ask.resource) if r], diagnosis=diagnosis, next_steps=steps)
