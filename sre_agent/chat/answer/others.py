"""The other objects a blame question names ("grafana restarting too, related?", "is the clock-gateway rollout the
culprit?"), said beside the verdict on them: one broken itself has a fault of its own, with its own diagnosis -- two
faults, each with its own fix; one that is fine has its last change said (what its rollout changed, what its
ConfigMap holds and who wrote it), so "it is not it" names the change it exonerates rather than only the words asked."""

from __future__ import annotations

from ...contracts import parse_resource_id
from ..ask import Ask
from ..conversation.brief import ranked
from .health import describe, status
from .investigate import why_failing
from .records import record_lines

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Pod")
MAX_OTHERS = 2  # other objects a "related?" question names, each said beside the verdict
CHANGE_SHOWN = 220  # characters of an exonerated change said in the verdict


async def _own_fault(ask: Ask, other: str, culprit: str) -> tuple[str, list[str]] | None:
    """(the verdict's addition, its evidence) when `other` is broken with a fault of its own; None when it is fine."""
    asked, ask.resource = ask.resource, other
    try:
        if (await status(ask)).status != "problems":
            return None
        own = await why_failing(ask)
    finally:
        ask.resource = asked
    found = own.diagnosis or {}
    if found.get("category") in (None, "none") or found.get("resource") == culprit:
        return None
    specs = [line for line in own.details if " spec: " in line][:4]  # its image and limits: the figures its own fix changes
    return (f"{other} has a fault of its own: {found.get('category')} at {found.get('resource')}",
            [f"{other}: {str(found.get('summary', ''))[:300]}", *specs, *own.next_steps[:1]])


async def _last_change(ask: Ask, other: str) -> tuple[str, list[str]] | None:
    """(the verdict's addition, its evidence): what the fine object's last change was."""
    obj = ((await describe(ask, other)).data or {}).get("object") or {}
    if not obj:
        return None
    lines = await record_lines(ask, other, obj)
    _, kind, _ = parse_resource_id(other)
    # a workload's change is its rollout; a ConfigMap's, what it holds now and who wrote it
    said = [line for line in lines if line.startswith("its latest rollout")] if kind in WORKLOAD_KINDS else \
        [line for line in lines if not line.startswith("note ")]
    if not said:
        return None
    # the values the question's words name first ("the cm change for a banner": PROMO_BANNER=...), then who wrote it
    said = [line for _, _, line in ranked(ask.question, said, parse_resource_id(other)[2])]
    change = "; ".join(said[:3])
    return (f"{other} is fine, and its last change ({change[:CHANGE_SHOWN]}) is not tied to the fault", lines)


async def beside_the_verdict(ask: Ask, others: list[str], culprit: str, verdict: str,
                             evidence: list[str]) -> tuple[str, list[str]]:
    for other in others:
        said = await _own_fault(ask, other, culprit) if kind_of_runs_pods(other) else None
        said = said or await _last_change(ask, other)
        if said is not None:
            verdict, evidence = f"{verdict}; {said[0]}", [*said[1], *evidence]
    return verdict, evidence


def kind_of_runs_pods(rid: str) -> bool:
    return parse_resource_id(rid)[1] in WORKLOAD_KINDS
