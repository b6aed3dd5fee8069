"""A change asked of the object the investigation blames, in words no change form reads ("point the cronjob at the new
key", "fix it so it reads the renamed key"): the fix the investigation found for that object is what the words ask for,
pinned as its command for a human to run -- said as the investigation's fix, never as a reading of the words."""

from __future__ import annotations

from ..answer.diagnosis_text import fix_step
from ..answer.grounded_search import carried, concepts_of
from ..ask import Ask
from ..models import Answer
from ..understand.followups import pin_command
from .plans import BY_HAND, Plan
from .said_values import values_not_carried

# the words a request is said with, whatever it changes: "make it work again" asks for the fix found, whole
REQUEST_WORDS = {"fix", "make", "work", "working", "again", "patch", "set", "put", "change", "update", "point", "use",
                 "back", "please", "raise", "lower", "bump", "apply", "sort", "right", "properly", "correct", "repair",
                 "restart", "roll", "redeploy", "bounce", "recycle", "cycle", "reload", "kick"}  # (the restart that brings
# a fix in is part of it)


async def found_fix(ask: Ask, rid: str, about: str = "") -> Answer | None:
    """The investigation's proposed fix on `rid` (the conversation's root cause), pinned; None when `rid` is not the root
    or no fix of it carries a command. `about`: what to investigate for it (a ConfigMap's fix is found by the
    investigation of what reads it)."""
    if ask.investigate is None or (ask.last_diagnosis or {}).get("resource") != rid:
        return None
    for step, commands in await _fixes_of(ask, rid, about):  # its diagnosis, not the words
        # the fix whole: its edit and the restart that brings it in ("put db host back and restart the api")
        whole = [c for c in commands if c.startswith("kubectl ")]
        if whole:
            command = " && ".join(whole)
            named = [r.rsplit("/", 1)[-1] for r in (rid, about) if r]
            words = {w: f for w, f in concepts_of(ask.question, named).items() if w not in REQUEST_WORDS}
            diagnosis = ask.last_diagnosis or {}
            fault = f"{diagnosis.get('summary') or ''} {str(diagnosis.get('category') or '').replace('_', ' ')}"
            if words and not carried(words, f"{step} {command} {fault}"):  # of the fix, or of the fault it clears
                # words of their own that the fix found never says ("raise the alarm threshold so reloads stop paging"):
                # another change than this one -- never pinned in its place
                return None
            # a value the request says that the fix found does not carry ("make it 5s" beside a fix setting 10): the
            # words ask for another change than the one found -- never pinned as if they had asked for this one
            if dropped := values_not_carried(ask.question, Plan(BY_HAND, {"command": command}, step, command)):
                return ask.answer(f"Not pinned: the fix the investigation found does not set {', '.join(dropped)} -- "
                                  f"{step[:200]}", status="answered", resources=[rid],
                                  next_steps=["Say the change with its field and value (e.g. 'set the liveness timeout of "
                                              "<container> to 5s') to pin that value, or 'do it' for the fix found."])
            return pin_command(ask, step, command, rid, "the investigation of it (the fix it found)")
    return None


async def _fixes_of(ask: Ask, rid: str, about: str = "") -> list[tuple[str, list[str]]]:
    """The fixes the investigation of `rid` (or of `about`) proposes for `rid` itself: each as one next step
    ("Fix <rid>: ... -- `cmd`") and its commands."""
    if ask.investigate is None:
        return []
    summary = await ask.investigate(f"why is {(about or rid).rsplit('/', 1)[-1]} failing", about or rid)
    category = str((summary.get("diagnosis") or {}).get("category") or "")
    return [(fix_step(fix, category), [str(c) for c in fix.get("commands") or []])
            for fix in summary.get("proposed_fixes") or [] if fix.get("resource") == rid]


async def fix_steps_of(ask: Ask, rid: str, about: str = "") -> list[str]:
    """The fixes the investigation of `rid` (or of `about`) proposes for `rid` itself, each as one next step."""
    return [step for step, _ in await _fixes_of(ask, rid, about)]
