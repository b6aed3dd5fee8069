"""A change request that could not be pinned, said with what acts: "unsuspend the cronjob" when it is not suspended,
"drop the anti-affinity" that no change reads -- after a root cause was found in the conversation, the answer says it
and the fix found for it, so a request that changes nothing is never a dead end at 3 a.m."""

from __future__ import annotations

from ..answer.diagnosis_text import cause_text
from ..ask import Ask
from ..models import Answer
from .found_fix import fix_steps_of
from .plans import unplanned

ASK_AGAIN = "Ask again with what to change; chat answers with the action to approve."
CAUSE_SAID = 160  # characters of the cause beside a request that changes nothing


async def root_and_fix(ask: Ask, rid: str = "") -> tuple[list[str], list[str]]:
    """(a detail naming the conversation's root cause, the fix found for it as a next step); ([], []) when no fault
    was found, or the request was about that root itself (its own refusal says why)."""
    diagnosis = ask.last_diagnosis or {}
    root = str(diagnosis.get("resource") or "")
    if not root or diagnosis.get("category") in (None, "none") or root == rid:
        return [], []
    detail = f"the root cause found in this conversation: {root} ({diagnosis.get('category')}: " \
             f"{cause_text(diagnosis, CAUSE_SAID)})"
    return [detail], (await fix_steps_of(ask, root))[:1]


async def not_pinned(ask: Ask, reason: str, rid: str = "") -> Answer:
    """The answer to a change that could not be planned (`reason`): when the value is the asker's to say, a question
    back; otherwise why, with the root cause found and its fix."""
    status = unplanned(reason)
    details, steps = await root_and_fix(ask, rid) if status == "answered" else ([], [])
    return ask.answer(reason, status=status, details=details, resources=[rid] if rid else [],
                      next_steps=[*steps, ASK_AGAIN] if steps else [ASK_AGAIN])
