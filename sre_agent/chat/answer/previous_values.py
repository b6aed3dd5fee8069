""""what was the grace period before", "what was the probe timeout before the upgrade": a field's value before the
workload's latest rollout, read from what that rollout changed in the pod template -- the fields matched by the
question's words inside their names (as grep reads them: "grace" in terminationGracePeriodSeconds), never guessed."""

from __future__ import annotations

import re

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


async def previous_value(ask: Ask) -> Answer | None:
    """The answer when the question asks a field's value before the latest rollout and that rollout changed it."""
    # the object named, else the workload the conversation is on (its alarm may have been said last)
    rid = ask.resource or next((r for r in ask.focus if kind_of(r) in ROLLABLE), None)
    if not BEFORE.search(ask.question) or not rid or kind_of(rid) not in ROLLABLE:
        return None
    words = {w for w in WORD.findall(ask.question.lower()) if w not in NOT_FIELD_WORDS}
    changes = await latest_rollout_change(ask, rid)
    said = [line for line in changes if any(w in _field(line).lower() for w in words)]
    if not said:
        return None
    ask.resource = rid
    first = said[0].split(" changed: ", 1)
    # answered as the history it is, though no form's pattern read it
    ask.recognised = ask.recognised.model_copy(update={"form": "history"})
    return ask.answer(f"Before {rid}'s latest rollout ({first[0].removeprefix('its latest rollout (').rstrip(')')}): "
                      f"{first[1]} (before -> now)", status="answered", details=[s.split(" changed: ", 1)[1] for s in said[1:]],
                      next_steps=["Ask 'roll it back' to pin the earlier revision, or 'rollout history' for every revision."])


def _field(line: str) -> str:
    """The changed field's name in a rollout-change line ("... changed: pod terminationGracePeriodSeconds 30 -> 1")."""
    change = line.split(" changed: ", 1)[-1]
    change = change.split(": ", 1)[-1] if change.startswith(("container ", "init container ")) else change.removeprefix("pod ")
    return change.split(" ", 1)[0]
