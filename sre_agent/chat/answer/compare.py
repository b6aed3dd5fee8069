""""compare ip-10-42-100-9 and ip-10-42-11-23", "seat-map vs boarding-pass": the facts of two named objects
side by side (facts.py: images, resources, probes, placement, strategy; a node's instance type, readiness,
taints), each from its own describe."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import HANDLERS, Ask, handles
from ..models import Answer
from ..understand.references import kind_of, name_of, named_exactly
from .facts import object_facts
from .health import describe
from .releases import revision_running
from .templates import revision_template, template_diff

VERSIONS = re.compile(r"(?<![\w.-])v?\d+\.\d+(?:\.\d+)?(?:-[\w.]+)?(?![\w.-])")

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


async def _versions_compared(ask: Ask, versions: list[str]) -> Answer | None:
    """"compare fare-quote 2.8.3 and 2.9.0": two revisions of one workload, what its pod template changed between them."""
    found = [(version, ran) for version in versions if (ran := await revision_running(ask, version)) is not None]
    if len(found) != 2 or found[0][1][0] != found[1][1][0]:
        return None
    workload = found[0][1][0]
    namespace, kind, _ = parse_resource_id(workload)
    (old_version, (_, old, _)), (new_version, (_, new, _)) = sorted(found, key=lambda f: f[1][1].get("revision", 0))
    diff = template_diff(await revision_template(ask, namespace or "", kind, str(new.get("replicaset"))),
                         await revision_template(ask, namespace or "", kind, str(old.get("replicaset"))))
    headline = (f"{workload}: {old_version} (revision {old.get('revision')}) -> {new_version} (revision "
                f"{new.get('revision')}): {len(diff)} difference(s) in the pod template" + (f"; {diff[0]}" if diff else ""))
    return ask.answer(headline, status="answered", details=diff, resources=[workload],
                      next_steps=[f"Ask 'is it safe to roll {name_of(workload)} back?' before going back to {old_version}."])


@handles("compare", needs=("kubernetes",))
async def compare(ask: Ask) -> Answer:
    versions = list(dict.fromkeys(VERSIONS.findall(ask.question)))
    if len(versions) == 2 and (between := await _versions_compared(ask, versions)) is not None:
        return between
    names = compared_names(ask.question)
    resources = await _objects_named(ask, names)
    if not resources and (ask.resource or ask.focus) and "property" in HANDLERS:
        # "what utilisation is the hpa seeing vs its target", "p99 now vs the threshold": a value against its bound, of
        # the conversation's object -- not two objects
        ask.resource = ask.resource or ask.focus[0]
        return await HANDLERS["property"].handler(ask)
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
