""""compare ip-10-42-100-9 and ip-10-42-11-23", "seat-map vs boarding-pass": the facts of two named objects
side by side (facts.py: images, resources, probes, placement, strategy; a node's instance type, readiness,
taints), each from its own describe."""

from __future__ import annotations

import re

from .ask import Ask, handles
from .facts import object_facts
from .health import describe
from .models import Answer
from .references import named_exactly

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


@handles("compare", needs=("kubernetes",))
async def compare(ask: Ask) -> Answer:
    names = compared_names(ask.question)
    if names is None:
        return ask.answer("Name the two objects to compare, e.g. 'compare checkout and payments'.", status="needs_subject")
    resolved = [(word, await named_exactly(ask, word)) for word in names]
    missing = [word for word, rid in resolved if rid is None]
    if missing:
        return ask.answer(f"Found no object named {', '.join(repr(w) for w in missing)} to compare.", status="answered",
                          next_steps=["Check the names (kubectl get all -A), then ask again."])
    details: list[str] = []
    resources = [rid for _, rid in resolved if rid]
    for rid in resources:
        described = await describe(ask, rid)
        if described.error is not None:
            return ask.answer(f"Could not read {rid}: {described.error[:200]}", status="unknown")
        details += [f"{rid}: {line}" for line in await object_facts(ask, rid, described)]
    return ask.answer(f"{resources[0]} vs {resources[1]}: their facts side by side", status="answered",
                      details=details, resources=resources,
                      next_steps=[f"Ask 'why is {names[0]} failing?' if one of them is in trouble."])
