"""The other objects a blame question names ("grafana restarting too, related?", "is the clock-gateway rollout the
culprit?"), said beside the verdict on them: one broken itself has a fault of its own, with its own diagnosis -- two
faults, each with its own fix; one that is fine has its last change said (what its rollout changed, what its
ConfigMap holds and who wrote it), so "it is not it" names the change it exonerates rather than only the words asked."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ...quoting import clip
from ..ask import Ask
from ..understand.forms import kind_nouns
from ..understand.grounding import SURE, named_mentions
from ..understand.namespaces_said import namespace_named
from ..understand.question_words import ranked
from ..understand.references import named_exactly
from .config_refs import config_refs_of
from .health import describe, status
from .investigate import why_failing
from .objects import RUNS_PODS, pod_spec_of
from .records import held_values, last_writes, record_lines

MAX_OTHERS = 2  # other objects a "related?" question names, each said beside the verdict
LOOKED_AT = 6  # objects of the kind a question names (and no name) looked at for the ones in trouble
CHANGE_SHOWN = 220  # characters of an exonerated change said in the verdict
MAX_CONFIGS = 2  # ConfigMaps a workload reads, said with its last change
CONFIG_ASKED = re.compile(r"\b(config\w*|cm|configmaps?|settings?|env|flags?|restart\w*)\b", re.IGNORECASE)


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
            [f"{other}: {clip(str(found.get('summary', '')), 300)}", *specs, *own.next_steps[:1]])


async def _last_change(ask: Ask, other: str) -> tuple[str, list[str]] | None:
    """(the verdict's addition, its evidence): what the fine object's last change was."""
    obj = ((await describe(ask, other)).data or {}).get("object") or {}
    if not obj:
        return None
    lines = await record_lines(ask, other, obj)
    namespace, kind, name = parse_resource_id(other)
    # a workload's change is its rollout, and the config it reads (a restart is most often a ConfigMap edit taking
    # effect); a ConfigMap's, what it holds now and who wrote it
    if kind in RUNS_PODS:
        rollout = [line for line in lines if line.startswith("its latest rollout")]
        # its ConfigMaps when the question is about config, or when its last rollout changed nothing of the spec itself
        configs = await _config_it_reads(ask, namespace or "", kind, obj) if not rollout or CONFIG_ASKED.search(ask.question) else []
        lines += configs
        said = [*rollout, *configs] if not CONFIG_ASKED.search(ask.question) else [*configs, *rollout]
    else:
        said = [line for line in lines if not line.startswith("note ")]
    if not said:
        return None
    # the values the question's words name first ("the cm change for a banner": PROMO_BANNER=...), then who wrote it
    said = [line for _, _, line in ranked(ask.question, said, name)] if kind not in RUNS_PODS else said
    change = "; ".join(said[:3])
    # the change itself is a line of its own, first: a verdict line is cut at its commas to the question's words
    return (f"{other} is fine and its last change is not tied to the fault",
            [f"{other}'s last change: {change[:2 * CHANGE_SHOWN]}", *lines])


async def _config_it_reads(ask: Ask, namespace: str, kind: str, obj: dict) -> list[str]:
    """The ConfigMaps a workload reads, each with its last write and the values it holds now."""
    lines: list[str] = []
    refs = [ref.split()[0].split("/", 1)[1] for ref in config_refs_of(pod_spec_of(kind, obj)) if ref.startswith("ConfigMap/")]
    for config in list(dict.fromkeys(refs))[:MAX_CONFIGS]:
        rid = f"{namespace}/ConfigMap/{config}"
        held = ((await describe(ask, rid)).data or {}).get("object") or {}
        if held:
            writes = last_writes(held)
            lines.append(f"its ConfigMap {config}: {writes[0] if writes else 'no write recorded'}; "
                         + "; ".join(held_values("ConfigMap", held)))
    return lines


async def beside_the_verdict(ask: Ask, others: list[str], culprit: str, verdict: str,
                             evidence: list[str]) -> tuple[str, list[str]]:
    for other in others:
        said = await _own_fault(ask, other, culprit) if parse_resource_id(other)[1] in RUNS_PODS else None
        said = said or await _last_change(ask, other)
        if said is not None:
            verdict, evidence = f"{verdict}; {said[0]}", [*said[1], *evidence]
    return verdict, evidence


async def others_named(ask: Ask, thing: str, culprit: str) -> list[str]:
    """The workloads the blamed thing names, then those the question names anywhere ("fleet-sync is crashlooping and
    permit-import failed, are those related?"), the root cause aside."""
    found = [await object_in(ask, thing)]
    for mention in await named_mentions(ask):
        if not mention.candidates or mention.candidates[0][0] < SURE:
            continue
        # a name that fits several objects of the kind the question says ("the clock-gateway cm"): each of them
        meant = [mention.chosen] if mention.chosen else mention.ambiguous if mention.kind_said else []
        found += [k.rid for k in meant if k.kind in (*RUNS_PODS, "ConfigMap")]
    named = [rid for rid in dict.fromkeys(found) if rid and rid != culprit][:MAX_OTHERS]
    return named or [rid for rid in await _troubled_of_kind_in(ask) if rid != culprit][:MAX_OTHERS]


async def _troubled_of_kind_in(ask: Ask) -> list[str]:
    """"there's a failed job in finance too, related?": no name, but a kind and a namespace -- the objects of that kind
    there that are in trouble now."""
    kinds = [k for k in kind_nouns(ask.question) if k in RUNS_PODS]
    namespace = await namespace_named(ask) if kinds else None
    if not namespace:
        return []
    listed = await ask.call("kubernetes", "get_resources", {"kind": kinds[0], "namespace": namespace})
    troubled = []
    for item in ((listed.data or {}).get("items") or [])[:LOOKED_AT]:
        asked, ask.resource = ask.resource, f"{namespace}/{kinds[0]}/{item.get('name')}"
        try:
            if (await status(ask)).status == "problems":
                troubled.append(ask.resource)
        finally:
            ask.resource = asked
    return troubled


async def object_in(ask: Ask, thing: str) -> str | None:
    """A workload (or bare pod) the blamed thing names by one of its words ("the ward-label-bridge image 1.2.0")."""
    words = re.split(r"[^\w.-]+", thing.lower())
    for word in [w for w in words if len(w) >= 3 and ("-" in w or len(words) == 1)][:3]:  # a name, or the thing is one word
        found = await named_exactly(ask, word, kinds=list(RUNS_PODS))
        if found:
            return found
    return None
