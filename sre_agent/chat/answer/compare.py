""""compare ip-10-42-100-9 and ip-10-42-11-23", "seat-map vs boarding-pass": the facts of two named objects
side by side (facts.py: images, resources, probes, placement, strategy; a node's instance type, readiness,
taints), each from its own describe."""

from __future__ import annotations

import re

from ..ask import Ask, handles
from ..models import Answer
from ..understand.references import kind_of, name_of, named_exactly
from .facts import object_facts
from .health import describe

_PAIR = [
    re.compile(r"\bcompare\s+(?:the\s+)?(?P<a>[\w./-]+)\s+(?:and|with|to|vs\.?|versus)\s+(?:the\s+)?(?P<b>[\w./-]+)", re.I),
    re.compile(r"\b(?P<a>[\w./-]+)\s+(?:vs\.?|versus)\s+(?:the\s+)?(?P<b>[\w./-]+)", re.I),
    re.compile(r"\bdifference\s+between\s+(?:the\s+)?(?P<a>[\w./-]+)\s+and\s+(?:the\s+)?(?P<b>[\w./-]+)", re.I),
]


def compared_names(question: str) -> tuple[str, str] | None:
    for pattern in _PAIR:
        match = pattern.search(question)
        if match:
            return match.group("a").lower().strip(".,?"), match.group("b").lower().strip(".,?")
    return None


async def _objects_named(ask: Ask, names: tuple[str, str] | None) -> list[str]:
    """The two objects compared: the two words around "and" / "vs" when both name objects exactly; else the first
    two of the question's words that do ("what version is flight-state-2 on compared to flight-state-0"); else
    the objects of different kinds one word names ("the legality-engine pods vs what the service selects": its
    Deployment and its Service)."""
    if names:
        pair = [await named_exactly(ask, word) for word in names]
        if all(pair):
            return [rid for rid in pair if rid]
    found: list[str] = []
    for word in ask.recognised.candidates[:6]:
        rid = await named_exactly(ask, word)
        if rid and rid not in found:
            found.append(rid)
    if len(found) == 1:
        outcome = await ask.call("kubernetes", "find_resource", {"name": name_of(found[0])})
        same_name = [m["resource"] for m in (outcome.data or {}).get("matches") or [] if m.get("exact")]
        found += [rid for rid in same_name if kind_of(rid) != kind_of(found[0]) and kind_of(rid) in PAIRED_KINDS][:1]
    return found[:2]


# Kinds an object is compared with when one name stands for both: a workload's pods and the Service that selects them.
PAIRED_KINDS = ("Service", "Deployment", "StatefulSet", "DaemonSet")


@handles("compare", needs=("kubernetes",))
async def compare(ask: Ask) -> Answer:
    names = compared_names(ask.question)
    resources = await _objects_named(ask, names)
    if len(resources) < 2:
        missing = [w for w in (names or ()) if not any(name_of(r) == w for r in resources)] or ["a second object"]
        return ask.answer(f"Found no object named {', '.join(repr(w) for w in missing)} to compare.", status="answered",
                          resources=resources, next_steps=["Check the names (kubectl get all -A), then ask again."])
    details: list[str] = []
    for rid in resources:
        described = await describe(ask, rid)
        if described.error is not None:
            return ask.answer(f"Could not read {rid}: {described.error[:200]}", status="unknown")
        details += [f"{rid}: {line}" for line in await object_facts(ask, rid, described)]
    return ask.answer(f"{resources[0]} vs {resources[1]}: their facts side by side", status="answered",
                      details=details, resources=resources,
                      next_steps=[f"Ask 'why is {name_of(resources[0])} failing?' if one of them is in trouble."])
