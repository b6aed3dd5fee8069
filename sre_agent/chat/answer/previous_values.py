""""what was the grace period before", "what was the probe timeout before the upgrade": a field's value before the
workload's latest rollout, read from what that rollout changed in the pod template -- the fields matched by the
question's words inside their names (as grep reads them: "grace" in terminationGracePeriodSeconds), never guessed."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import Ask
from ..models import Answer
from ..understand.kinds_said import ROLLABLE
from ..understand.references import kind_of
from .investigate import latest_rollout_change

BEFORE = re.compile(r"\b(before|previous(ly)?|used\s+to\s+be|was\s+it\s+(set\s+)?to|originally|prior)\b", re.IGNORECASE)
WORD = re.compile(r"[a-z]{4,}")
NOT_FIELD_WORDS = {"what", "were", "before", "previous", "previously", "used", "upgrade", "release", "rollout", "deploy",
                   "change", "changed", "that", "this", "they", "them", "their", "with", "from", "last", "originally",
                   "prior", "version", "period"}  # "period": too many fields carry it ("grace period" is said by "grace")


# a setting typed as an identifier (READINGS_STREAM, cacheSizeMb): the env variable or field the question is about
IDENTIFIER = re.compile(r"(?<![\w.-])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[a-z]+(?:[A-Z][a-z0-9]+)+)(?![\w.-])")


async def previous_value(ask: Ask) -> Answer | None:
    """The answer when the question asks a field's value before the latest rollout and that rollout changed it."""
    if not BEFORE.search(ask.question):
        return None
    # the object named, else the workload the conversation is on (its alarm may have been said last), else -- for a
    # setting typed as an identifier -- the workload whose template carries it
    rid = ask.resource if kind_of(ask.resource or "") in ROLLABLE else \
        next((r for r in ask.focus if kind_of(r) in ROLLABLE), None)
    words = {w for w in WORD.findall(ask.question.lower()) if w not in NOT_FIELD_WORDS}
    said = await _changed(ask, rid, words) if rid else []
    if not said:
        # a Service the conversation is on (its alarm's): the workload of its name behind it, then what carries the
        # identifier typed
        services = [r for r in [ask.resource or "", *ask.focus][:3] if kind_of(r) == "Service"]
        behind = [r.replace("/Service/", f"/{kind}/", 1) for r in services for kind in ("Deployment", "StatefulSet")]
        for other in [*behind, *await _carrying(ask, IDENTIFIER.findall(ask.question))]:
            if other != rid and (said := await _changed(ask, other, words)):
                rid = other
                break
    if (not said or not rid) and rid and REPLICAS_ASKED.search(ask.question):
        return await _replicas_before(ask, rid)
    if not said or not rid:
        return None
    ask.resource = rid
    first = said[0].split(" changed: ", 1)
    # answered as the history it is, though no form's pattern read it
    ask.recognised = ask.recognised.model_copy(update={"form": "history"})
    return ask.answer(f"Before {rid}'s latest rollout ({first[0].removeprefix('its latest rollout (').rstrip(')')}): "
                      f"{first[1]} (before -> now)", status="answered", details=[s.split(" changed: ", 1)[1] for s in said[1:]],
                      next_steps=["Ask 'roll it back' to pin the earlier revision, or 'rollout history' for every revision."])


async def _changed(ask: Ask, rid: str, words: set[str]) -> list[str]:
    """The lines of `rid`'s latest rollout change whose field the question's words name."""
    return [line for line in await latest_rollout_change(ask, rid) if any(w in _field(line).lower() for w in words)]


async def _carrying(ask: Ask, identifiers: list[str]) -> list[str]:
    """The workloads whose pod template names one of `identifiers` (an env variable's name), read by search_text."""
    if not identifiers:
        return []
    found = await ask.call("kubernetes", "search_text", {"words": identifiers[:3], "limit": 40})
    rows = (found.data or {}).get("matches") or []
    return list(dict.fromkeys(str(r.get("resource")) for r in rows if kind_of(str(r.get("resource"))) in ROLLABLE
                              and any(i in str(r.get("path")) for i in identifiers)))


def _field(line: str) -> str:
    """The changed field's name in a rollout-change line ("... changed: pod terminationGracePeriodSeconds 30 -> 1"); an
    env change is named by its variable ("container api: env CACHE_SIZE_MB 256 -> 768" -> "env CACHE_SIZE_MB")."""
    change = line.split(" changed: ", 1)[-1]
    change = change.split(": ", 1)[-1] if change.startswith(("container ", "init container ")) else change.removeprefix("pod ")
    parts = change.split(" ", 2)
    return " ".join(parts[:2]) if parts[0] == "env" and len(parts) > 1 else parts[0]


REPLICAS_ASKED = re.compile(r"\breplicas?\b|\bhow\s+many\s+pods\b", re.IGNORECASE)
SCALED = re.compile(r"[Ss]caled (?:up|down) replica set (?P<rs>\S+) from (?P<before>\d+) to (?P<after>\d+)")


async def _replicas_before(ask: Ask, rid: str) -> Answer | None:
    """"how many replicas did it have before": the count its last scaling event moved it from (the Deployment
    controller's ScalingReplicaSet), never a rollout's -- a scale changes no revision."""
    namespace, kind, name = parse_resource_id(rid)
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace})
    events = sorted((e for e in (described.data or {}).get("events") or [] if e.get("reason") == "ScalingReplicaSet"),
                    key=lambda e: str(e.get("last") or e.get("first") or ""), reverse=True)
    scaled = next(((e, m) for e in events if (m := SCALED.search(str(e.get("message") or "")))), None)
    if scaled is None:
        return None
    event, match = scaled
    ask.resource = rid
    ask.recognised = ask.recognised.model_copy(update={"form": "history"})
    return ask.answer(f"{rid} had {match.group('before')} replicas before its last scale ({match.group('before')} -> "
                      f"{match.group('after')}, {event.get('last') or event.get('first')})", status="answered",
                      details=[f"event ScalingReplicaSet: {event.get('message')}"],
                      next_steps=["Ask 'who changed it' for the note its owner left on it."])
