""""has this happened before", "what did we do last time search was OOMKilled", "how often has checkout paged this
month": the incident memory, asked about the conversation's object (or the one named), with incident ids; and
"remember that payments belongs to the ledger team": a fact the team gives, kept (a rule when it forbids writes).

The memory holds only what this responder investigated, from its oldest kept record on: "never before" is said
with that horizon, never as a fact about the world."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ...categories import categories
from ...memory.facts import add_team_fact, rule_sentence
from ...memory.models import PastIncident
from ..ask import Ask, handles
from ..models import Answer

MAX_LISTED = 8
_REMEMBER = re.compile(r"^\W*(?:pls\s+|please\s+|ok\s+)?(?:remember|note|keep\s+in\s+mind|fyi|for\s+the\s+record|"
                       r"for\s+future\s+reference|make\s+a\s+note|save\s+this|add\s+to\s+(?:the\s+)?memory)\b"
                       r"(?:\s+(?:that|this))?\s*[:,;-]?\s*", re.I)
_FROM_NOW_ON = re.compile(r"^\W*from\s+now\s+on\b\s*,?\s*", re.I)
_LAST_N = re.compile(r"\b(?:last|past)\s+(\d+)\s*(day|week|month|hour)s?\b", re.I)


def _since(question: str, now: datetime) -> tuple[datetime | None, str]:
    """The window the question gives ("this month", "last 7 days", "today"), as (start, words); (None, "") for all."""
    lowered = question.lower()
    if match := _LAST_N.search(lowered):
        days = {"hour": 1 / 24, "day": 1, "week": 7, "month": 30}[match.group(2)] * int(match.group(1))
        return now - timedelta(days=days), f"in the last {match.group(1)} {match.group(2)}s"
    if "this month" in lowered:
        return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0), "this month"
    if "this week" in lowered:
        monday = now - timedelta(days=now.weekday())
        return monday.replace(hour=0, minute=0, second=0, microsecond=0), "this week"
    if "today" in lowered:
        return now.replace(hour=0, minute=0, second=0, microsecond=0), "today"
    if "yesterday" in lowered:
        return now - timedelta(days=2), "since yesterday"
    return None, ""


def _categories_named(question: str) -> set[str]:
    """The root-cause categories the question's words name ("OOMKilled" -> oom_killed, memory_leak)."""
    words = re.findall(r"[a-z0-9]+", question.lower())
    return {c.id for c in categories() if c.words and any(w.startswith(cw) for w in words for cw in c.words)}


def _line(row: PastIncident) -> str:
    fix = (f"{row.fix_tool} ({'verified' if row.verified else 'did not verify'})" if row.fix_applied
           else (row.fix if row.fix else "no fix applied"))
    who = f", approved by {row.approved_by}" if row.approved_by and row.approved_by != "policy" else ""
    return (f"{row.incident_id} {row.recorded_at:%Y-%m-%d %H:%M} UTC: {row.category} on {row.resource or '-'} "
            f"({row.status}) -- {fix}{who}")


def _memory_off(ask: Ask) -> Answer:
    return ask.answer("The incident memory is off (memory.enabled: false): nothing past is kept or told.",
                      status="unknown", next_steps=["Turn it on: SRE_AGENT_MEMORY_ENABLED=true."])


@handles("past_incidents")
async def past_incidents(ask: Ask) -> Answer:
    memory = ask.memory
    if memory is None:
        return _memory_off(ask)
    now = datetime.now(UTC)
    since, window = _since(ask.question, now)
    subject = ask.resource or ""
    if subject:
        namespace, _, name = subject.rpartition("/")
        rows = memory.incidents_about(namespace.split("/")[0] if "/" in namespace else None, name)
    else:
        rows = [r for r in memory.incidents(limit=500) if not ask.namespace or r.namespace == ask.namespace]
    # Faults, and alarms whatever they found: a chat question that found nothing is not an incident.
    rows = [r for r in rows if r.category != "none" or r.source == "alarm"]
    if since is not None:
        rows = [r for r in rows if r.recorded_at >= since]
    named = _categories_named(ask.question)
    kinds = [r for r in rows if r.category in named] if named else rows
    about = subject or (f"namespace {ask.namespace}" if ask.namespace else "this cluster")
    oldest = memory.oldest()
    horizon = f"the memory reaches back to {oldest:%Y-%m-%d}" if oldest else "the memory is empty"
    if not kinds:
        also = f" ({len(rows)} of other kinds)" if named and rows else ""
        return ask.answer(f"No past incident of {about}{' with ' + '/'.join(sorted(named)) if named else ''}"
                          f"{' ' + window if window else ''} in the memory{also}; {horizon}, and it holds only what "
                          "this responder investigated.", resources=[subject] if subject else [],
                          details=[_line(r) for r in rows[:MAX_LISTED]])
    last = kinds[0]
    pages = sum(r.source == "alarm" for r in kinds)
    headline = (f"{len(kinds)} past incident{'s' if len(kinds) != 1 else ''} of {about}{' ' + window if window else ''}"
                f" ({pages} paged by an alarm); the last: {_line(last)}.")
    details = [_line(r) for r in kinds[:MAX_LISTED]] + ([f"... and {len(kinds) - MAX_LISTED} more"] if len(kinds) > MAX_LISTED else [])
    failed = [r for r in kinds if r.fix_applied and not r.verified]
    steps = [f"{r.fix_tool} did not verify in {r.incident_id}: a different fix may be needed" for r in failed[:2]]
    return ask.answer(headline, details=[*details, horizon[:1].upper() + horizon[1:] + "."],
                      resources=[subject] if subject else [], next_steps=steps)


@handles("remember")
async def remember(ask: Ask) -> Answer:
    memory = ask.memory
    if memory is None:
        return _memory_off(ask)
    marker = _REMEMBER.match(ask.question) or _FROM_NOW_ON.match(ask.question)
    text = ask.question[marker.end():].strip() if marker else ""
    if marker is not None and _FROM_NOW_ON.match(ask.question):
        text = ask.question.strip()  # "from now on never ..." is itself the preference
    if not text:
        return ask.answer("Say what to remember, e.g. \"remember that payments belongs to the ledger team\" or "
                          "\"remember: never restart ledger-db 09:00-18:00\".", status="needs_subject")
    fact = add_team_fact(memory, text, namespace=ask.recognised.namespace or "", person="chat")
    rule = rule_sentence(fact)
    details = [f"a rule the remediation policy enforces: it {rule}"] if rule else []
    return ask.answer(f"Remembered {fact.id}: {fact.text}", details=details,
                      next_steps=["`sre-agent memory facts` lists what the team said; `sre-agent memory delete "
                                  f"{fact.id}` forgets this one."])
