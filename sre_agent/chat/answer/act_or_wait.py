""""does anything need doing here", "is that normal tho", "can we just leave it", "should i kill the bill run job":
whether to act at all, read from an investigation of what the conversation is about. Nothing found wrong: leave it
(an alarm on a passed or expected load clears when its window does); a fault found: act, and the fix it needs is the
action -- any other action said (a kill, a cordon) is not it."""

from __future__ import annotations

import re

from ..ask import Ask, handles
from ..models import Answer
from .remedies import by_investigation, subject_named

# The question asks whether all is well ("is that normal"), not whether to do something: the yes and no swap.
# "so nothing to do?", "no action needed?", "leave it alone then?": asked the same way round.
FINE_ASKED = re.compile(r"\b(normal|expected|usual|ok|okay|fine|safe\s+to\s+(ignore|leave)|leave\s+it|ignore\s+it|"
                        r"worth\s+worrying|a\s+problem|concerned|worried|nothing\s+to\s+(do|change|fix)|"
                        r"no\s+(action|change)s?(\s+needed)?|just\s+wait)\b", re.IGNORECASE)


def _fine(category: str, culprit: str, subject: str, summary: str) -> str:
    if category == "none":
        return f"Yes: nothing was found wrong with {subject} -- nothing to do" + (f": {summary}" if summary else "")
    return f"No: there is a fault to fix -- {category} on {culprit}: {summary}"


def _act(category: str, culprit: str, subject: str, summary: str) -> str:
    if category == "none":
        return f"No: nothing was found wrong with {subject} -- leave it" + (f": {summary}" if summary else "")
    return f"Yes: there is a fault to fix -- {category} on {culprit}: {summary}"


@handles("act_or_wait", needs=("kubernetes", "cloudwatch"))
async def act_or_wait(ask: Ask) -> Answer:
    await subject_named(ask)
    fine = FINE_ASKED.search(ask.question) is not None
    answer = await by_investigation(ask, _fine if fine else _act)
    fixes = [step for step in answer.next_steps if step.startswith("Fix ")]
    if not fine and fixes and answer.headline.startswith("Yes"):
        verdict = answer.headline  # the action it needs is the answer; the cause rides below
        answer.headline = f"Yes -- {fixes[0]}"
        answer.details.insert(0, verdict)
    return answer
