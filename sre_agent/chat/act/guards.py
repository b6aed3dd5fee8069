"""What a pinned chat write must not do on a passing request: reverse what a person recorded doing on purpose (a
decommission's scale to 0, a cordon with a reason). The note is said and who to confirm with; a request that says it
knows ("anyway") is pinned as usual -- a human approves every pinned action either way."""

from __future__ import annotations

import re

from ...graph.intent import recorded_intent
from ..ask import Ask
from ..models import Answer

# Words that say the person knows the object was changed on purpose and wants it reversed anyway.
OVERRIDE = re.compile(r"\b(anyway|regardless|i\s+know|confirmed|override|approved\s+by|ticket\s+says)\b", re.IGNORECASE)
REVERSING_TOOLS = ("scale", "rollout_undo", "uncordon", "resume_cronjob")


def against_intent(ask: Ask, tool: str, rid: str, obj: dict) -> Answer | None:
    """A change that would reverse what a person recorded doing on purpose (a decommission's scale to 0, a cordon's
    reason) is not pinned on a passing request: the note is said, and who to confirm with. Said again with "anyway"
    (the person knows), it is pinned as usual -- a human still approves it."""
    if tool not in REVERSING_TOOLS or OVERRIDE.search(ask.question):
        return None
    intents = [i for i in recorded_intent(rid, obj.get("metadata")) if i.about == "object"]
    if not intents:
        return None
    why = intents[0]
    return ask.answer(f"Not pinned: {rid} was changed on purpose -- {why.signal}"
                      + (f" by {why.who}" if why.who else "") + f" ({why.key}={why.value[:100]!r}); {tool} would reverse it",
                      status="answered", resources=[rid],
                      details=[line for line in (f"note {i.key}: {i.value[:160]}" for i in intents[:3])],
                      next_steps=[f"Confirm with {why.who or 'whoever recorded it'} first; to reverse it anyway, say so "
                                  "('scale it to 1 anyway') and a human approves the pinned action."])
