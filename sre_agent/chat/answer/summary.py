"""A summary for the incident channel, a status update, a postmortem's opening: the offline brain writes no prose,
but such a text is made of facts it has -- what the conversation found (its root cause, read again now, with the
evidence behind it and the fix), what is pinned for approval, and what is firing. The facts, marked as facts; an
LLM brain (--brain) turns them into prose."""

from __future__ import annotations

import re

from ...quoting import clip
from ..ask import HANDLERS, Ask, handles, settle
from ..models import Answer
from ..understand.references import name_of
from .health import sweep
from .impact import impact
from .investigate import why_failing
from .onset import MAX_ASKED_ABOUT, alarms_on
from .wider_subject import wider_subject

MAX_FACTS = 7
MAX_ALARMS = 3
MAX_FACT = 240  # a fact cut to this: a channel message is read, not scrolled
TOLD_AS_FACTS = "Summary (facts, not prose -- an LLM brain (--brain) writes them up)"


# an evidence line that quotes a tool's raw JSON: the report has it; a channel message does not
RAW_EVIDENCE = re.compile(r"^evidence \S+ \S+: [{\[]")
BOOKKEEPING = re.compile(r"^\d+ tool calls by ")  # how many calls the run made: the report's, not the channel's


def _facts(answer: Answer) -> list[str]:
    """The answer's own facts, without the notes on how a question was read, raw tool output or the run's bookkeeping,
    one quote of evidence after them (the headline already says what the rest quote), each once, cut short."""
    kept = [d for d in answer.details if not d.startswith("(") and not RAW_EVIDENCE.match(d) and not BOOKKEEPING.search(d)]
    quotes = [d for d in kept if d.startswith("evidence ")]
    facts = [answer.headline, *(d for d in kept if not d.startswith("evidence ")), *quotes[:1]]
    return [clip(f, MAX_FACT) for f in dict.fromkeys(facts)][:MAX_FACTS]


async def _paging_incident(ask: Ask) -> str | None:
    """What the summary is about: the root cause the conversation found; else the problem an alarm pages on (a
    channel summary is of the page, not of the last object asked about -- "is holds-worker involved" moves the
    conversation's object, not the incident); else the conversation's object; else what is worst now."""
    diagnosis = ask.last_diagnosis or {}
    if diagnosis.get("resource") and diagnosis.get("category") not in (None, "none"):
        return str(diagnosis["resource"])
    report = await sweep(ask)
    alarmed = [p for p in report.problems if any(s.source == "alarm" for s in p.symptoms)]
    if alarmed:
        return alarmed[0].resource
    if ask.incident is not None:
        return ask.incident
    worst = await wider_subject(ask)
    return worst if isinstance(worst, str) and worst else None


async def _reach(ask: Ask, incident: str) -> tuple[str | None, list[str]]:
    """What the root cause takes down, said as the impact answer says it ("3 depend on it and are hit: a, b, c"),
    and the objects named in it: the chain from the cause to what pages."""
    reached = await impact(ask, incident)
    if reached.status != "problems" or "; " not in reached.headline:
        return None, []
    return f"reach: {reached.headline.split('; ', 1)[1]}", list(reached.resources)


@handles("compose", needs=("kubernetes",))
async def compose(ask: Ask) -> Answer:
    """The conversation's incident read again now (the investigation of its root cause, or of what pages when it has
    none yet), as facts in the order a channel message takes them: what is wrong and why, what it takes down, the
    evidence, what pages, what is pinned, what to do."""
    found, on_subject, reach = None, [], None
    reached: list[str] = []
    if (incident := await _paging_incident(ask)) is not None:
        ask.resource = incident
        found = await why_failing(ask)
    if found is None or (found.status == "answered" and (found.diagnosis or {}).get("category") in (None, "none")):
        # nothing found on what the conversation was on (a ConfigMap asked about, a planned scale-down): the summary
        # leads with what is wrong now, and says what was found on that object beside it
        on_subject = _facts(found)[:3] if found is not None else []
        ask.resource = None
        found = settle(await HANDLERS["broken_now"].handler(ask), HANDLERS["broken_now"].needs)
    root = (found.diagnosis or {}).get("resource") or (found.resources[0] if found.resources else None)
    if root:
        reach, reached = await _reach(ask, str(root))
    facts = _facts(found)
    facts = [*facts[:1], *([reach] if reach else []), *on_subject, *facts[1:]][:MAX_FACTS]
    # what paged: the alarms on the incident's objects, on what it takes down and on what the conversation came from,
    # firing or cleared
    names = list(dict.fromkeys(name_of(r) for r in [*(found.resources or []), *reached, *ask.focus[:MAX_ASKED_ABOUT]] if r))
    facts += [f"{when:%H:%M} UTC: {text}" for when, text in sorted(await alarms_on(ask, names))][:MAX_ALARMS]
    pinned = (ask.last_answer or {}).get("approval") or {}
    if pinned.get("tool"):
        facts.append(f"pinned for approval (not run): {pinned.get('tool')} {pinned.get('args') or {}}")
    steps = [s for s in found.next_steps if not s.startswith("Ask ")][:1]
    return ask.answer(f"{TOLD_AS_FACTS}: {facts[0]}", status=found.status, details=facts[1:], full=True,
                      resources=found.resources, diagnosis=found.diagnosis,
                      next_steps=[*steps, "'/report' gives this session's answers as markdown."])
