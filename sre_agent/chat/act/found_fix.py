"""A change asked of the object the investigation blames, in words no change form reads ("point the cronjob at the new
key", "fix it so it reads the renamed key"): the fix the investigation found for that object is what the words ask for,
pinned as its command for a human to run -- said as the investigation's fix, never as a reading of the words."""

from __future__ import annotations

from ..answer.diagnosis_text import fix_step
from ..ask import Ask
from ..models import Answer
from ..understand.followups import KUBECTL, pin_command


async def found_fix(ask: Ask, rid: str) -> Answer | None:
    """The investigation's proposed fix on `rid` (the conversation's root cause), pinned; None when `rid` is not the root
    or no fix of it carries a command."""
    if ask.investigate is None or (ask.last_diagnosis or {}).get("resource") != rid:
        return None
    summary = await ask.investigate(f"why is {rid.rsplit('/', 1)[-1]} failing", rid)  # its diagnosis, not the words
    category = str((summary.get("diagnosis") or {}).get("category") or "")
    for fix in summary.get("proposed_fixes") or []:
        step = fix_step(fix, category)
        if fix.get("resource") == rid and (command := KUBECTL.search(step)) is not None:
            return pin_command(ask, step, command.group(1).strip(), rid, "the investigation of it (the fix it found)")
    return None
