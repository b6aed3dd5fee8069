"""Which alarms are firing: ALARM is firing; INSUFFICIENT_DATA is not "fine" -- the alarm cannot tell."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ...contracts import parse_resource_id, parse_time
from ...metric_kinds import measures_demand, said_symptom_metrics
from ..ask import Ask, handles
from ..models import Answer
from ..understand.exact_names import workload_of_service
from ..understand.forms import last_clause
from ..understand.grounding import grounded_subject
from ..understand.names import match_score
from ..understand.references import best_match, name_of
from .about import alarm_mentions
from .health import broken_now, demand_traced
from .investigate import why_failing
from .notes import peoples_notes

_ASKS_THRESHOLD = re.compile(r"\bthresh\w*|\btrigger(s|ed)?\s+(at|on|when)\b|\bfires?\s+(at|when)\b", re.IGNORECASE)
# Words of a clause that asks about an alarm's own state or settings, not the trouble behind it.
_ALARM_STATE = re.compile(r"\b(still|firing|alerting|in\s+alarm|thresh\w*|state|clear(ed)?|resolved|ok\s+again|back\s+to\s+ok|"
                          r"flapping|stale|metric|dimensions?|period|evaluat\w*|datapoints?)\b", re.IGNORECASE)
NAMES_WATCHED = 0.8  # a question word that is the watched object's name, a token of it, or the start of one


# What a paged person says of the trouble itself, beside the alarm's name: a plea or a symptom, never an alarm's state.
# ("wat"/"wats" as typed at 3 a.m. too: "archive alarm, wats up", "slow alarm wat do")
_PLEA = re.compile(r"\b(wtf|wh?at\s+is\s+it|wh?at.?s\s+(wrong|up|going\s+on|broken|happening)|wh?at\s+(broke|do|now|gives)|"
                   r"wh?at.?s\s+(killing|crashing|restarting|breaking|taking\s+down)|"
                   r"help|can.?t|cannot|broken|down|stuck|not\s+working)\b", re.IGNORECASE)


# A question about the alarms as a list ("which alarms are in alarm", "any alarms for checkout", "list the alarms").
_ALARM_LISTING = re.compile(r"\b(which|what|any|list|all|how\s+many|show)\s+(\w+\s+)?alarms?\b", re.IGNORECASE)
# An alarm's state said as part of the page ("alarm firing wtf", "alarm going off again"): the page, not a question
_PAGED_STATE = re.compile(r"\balarms?\s+(is\s+)?(firing|going\s+off|fired|triggered|tripped)\b", re.IGNORECASE)


def asks_the_trouble(question: str) -> bool:
    """A page's message that asks about the trouble behind the alarm it names ("driver gw 5xx alarm, wat broke", "memory
    alarm firing. is it gonna fall over", the bare "pricing 5xx alarm" an on-call pastes), not about alarms: it neither
    asks for the alarms as a list nor asks an alarm's own state or settings ("is it still firing", "whats the
    threshold") -- naming the one firing alarm is asking what is behind it."""
    if _ALARM_LISTING.search(question):
        return False
    if _PLEA.search(question):  # "invoice renderer alarm wat is it", "... alarm, desks cant finish rentals"
        return True
    return not _ALARM_STATE.search(_PAGED_STATE.sub("alarm", last_clause(question)))


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _metric_of(alarm: dict) -> str:
    metric = alarm.get("metric") or {}
    return f"{metric.get('statistic') or ''} {metric.get('name') or '?'}".strip()


@handles("alarms", needs=("cloudwatch",))
async def alarms(ask: Ask) -> Answer:
    outcome = await ask.call("cloudwatch", "describe_alarms", {"max_results": 1000})
    rows = (outcome.data or {}).get("alarms") or []
    subject = ask.recognised.subject
    if subject:  # "any alarms for checkout?": only those naming it
        rows = [a for a in rows if alarm_mentions(a, subject)]
    firing = [a for a in rows if a.get("state") == "ALARM"]
    no_data = [a for a in rows if a.get("state") == "INSUFFICIENT_DATA"]
    ok = [a for a in rows if a.get("state") == "OK"]
    details = [f"ALARM {a.get('name')} since {a.get('updated', '?')} on {_metric_of(a)} "
               f"{a.get('comparison') or '>'} {_number(a.get('threshold'))}: {(a.get('reason') or '')[:200]}"
               + (f" (dimensions {a['dimensions']})" if a.get("dimensions") else "") for a in firing]
    details += [f"INSUFFICIENT_DATA {a.get('name')}: no data to evaluate -- it cannot tell whether things are fine"
                for a in no_data]
    about = f" about {subject}" if subject else ""
    # "is the surge alarm still firing": the alarms the question's words name, with their state, whatever it is
    named = _named_alarms(rows, ask.recognised.candidates)
    details += [f"{a.get('state')} {a.get('name')} since {a.get('updated', '?')}" for a in named if a not in firing + no_data]
    if _ASKS_WHAT_FIRED.search(ask.question):  # "did anything fire in the last 2 hours": changes of state in the window
        since = datetime.now(UTC) - timedelta(seconds=ask.recognised.window_s)
        changed = [a for a in rows if a not in firing and (when := parse_time(a.get("updated"))) is not None and when >= since]
        details += [f"{a.get('state')} {a.get('name')} since {a.get('updated')}: it changed state within the window "
                    f"(fired and recovered, or had no data): {(a.get('reason') or '')[:160]}" for a in changed]
    if _ASKS_THRESHOLD.search(ask.question):  # "whats the threshold on it": each alarm's line, firing or not
        shown = named or firing or rows
        details = [f"{a.get('state')} {a.get('name')}: {_metric_of(a)} {a.get('comparison') or '>'} threshold "
                   f"{_number(a.get('threshold'))} -- {(a.get('reason') or '')[:200]}" for a in shown[:8]] + details
    paged = [a for a in named if a in firing and _watched_named(a, ask.recognised.candidates)] or \
        (firing if len(firing) == 1 and not named and not subject else [])  # "notif backlog alarm": the one that pages
    if len(paged) == 1 and not measures_demand(paged[0]) and asks_the_trouble(ask.question):
        # the page's own words name one firing alarm and ask what is behind it: investigated, as alarm_why does
        return await _investigated(ask, paged[0], f"ALARM {paged[0].get('name')} since {paged[0].get('updated', '?')}: "
                                   f"{(paged[0].get('reason') or '')[:200]}")
    # what the alarms the question names watch: "its cpu request" next is about that object
    watched = [rid for alarm in named[:2] if (rid := await _alarm_resource(ask, alarm))]
    if firing and all(measures_demand(a) for a in firing):
        # an alarm on requests arriving says traffic is high, not that anything is broken: say so, not "problems"
        names = ", ".join(a.get("name", "?") for a in firing)
        if (traced := await demand_traced(ask, str(firing[0].get("name")))) is not None:
            return traced  # behind the surge, calls failing at a host outside (or a fault inside): that, first
        alarmed = [rid for alarm in firing[:3] if (rid := await _alarm_resource(ask, alarm))]
        planned = [line for rid in alarmed[:2] for line in await _planned_notes(ask, rid)]
        return ask.answer(f"{len(firing)} alarm(s){about} firing on demand (requests arriving): {names} -- traffic is high, "
                          "which alone is not a fault", status="answered", details=[*planned[:3], *details],
                          resources=list(dict.fromkeys(watched + alarmed)),
                          next_steps=[f"Ask 'is {_service_of(firing[0]) or '<service>'} ok?' for its errors, latency and "
                                      "replicas: they say whether it copes."])
    if firing:
        names = ", ".join(a.get("name", "?") for a in firing)
        # what the firing alarms watch, as objects that exist: a PodName dimension names a DaemonSet's pods as often as
        # a Service ("it" next must be an object that can be read)
        alarmed = [rid for alarm in firing[:3] if alarm not in named[:2] and (rid := await _alarm_resource(ask, alarm))]
        return ask.answer(f"{len(firing)} alarm(s){about} firing: {names} ({len(ok)} OK, {len(no_data)} without data)",
                          status="problems", details=details, resources=list(dict.fromkeys(watched + alarmed)),
                          next_steps=[f"Ask 'why is {_service_of(firing[0]) or '<service>'} failing?' to investigate "
                                      f"{firing[0].get('name')}, or 'what changed in the last hour?'."])
    if no_data:
        return ask.answer(f"No alarm{about} is in ALARM, but {len(no_data)} have INSUFFICIENT_DATA and cannot tell "
                          f"({len(ok)} OK)", status="answered", details=details,
                          next_steps=["Check why those alarms get no data (metric renamed? agent down?)."])
    if named:
        about = f" ({', '.join(a.get('name', '?') + ' is ' + str(a.get('state')) for a in named)})"
    if not named and len(ok) <= 10:  # "is the alarm still in alarm": a handful of alarms, each named with its state
        details += [f"OK {a.get('name')} since {a.get('updated', '?')}" for a in ok]
    return ask.answer(f"No alarms firing{about}: {len(ok)} alarm(s), all OK", status="healthy", details=details,
                      resources=watched, next_steps=["Nothing to do for alarms."])


def _watched_named(alarm: dict, words: list[str]) -> bool:
    """Whether the question's words name what the alarm watches (its Service dimension, else its own name), not only
    its metric: "lot catalog 5xx alarm" names no alarm on bid-engine, however "5xx" fits."""
    watched = _service_of(alarm)
    if watched is None:  # no dimension says: the alarm's name, without the words of its metric ("5xx", "latency")
        metric = set(re.split(r"[^a-z0-9]+", _metric_of(alarm).lower()))
        watched = "-".join(t for t in str(alarm.get("name") or "").lower().split("-") if t not in metric)
    return any(match_score(word, watched) >= NAMES_WATCHED for word in words)


def _service_of(alarm: dict) -> str | None:
    dims = alarm.get("dimensions") or {}
    for key in ("Service", "ServiceName", "Deployment", "DeploymentName", "PodName", "FunctionName"):
        if dims.get(key):
            return str(dims[key])
    return None


def _alarmed_resources(alarms: list[dict]) -> list[str]:
    """The resources the alarms' dimensions name, as ids where the dimensions say enough."""
    found = []
    for alarm in alarms:
        dims = alarm.get("dimensions") or {}
        service = _service_of(alarm)
        if service and dims.get("Namespace"):
            found.append(f"{dims['Namespace']}/Service/{service}")
    return list(dict.fromkeys(found))


def _named_alarms(alarms: list[dict], words: list[str]) -> list[dict]:
    """The alarms whose names the question's words stand for ("the surge alarm", "payout gateway 5xx"), best first."""
    scored = []
    for alarm in alarms:
        score = sum(match_score(word, alarm.get("name") or "") for word in words)
        if score > 0:
            scored.append((score, alarm))
    if not scored:
        return []
    top = max(s for s, _ in scored)
    return [a for s, a in sorted(scored, key=lambda x: -x[0]) if s == top]


async def sole_alarmed(ask: Ask) -> str | None:
    """What the one alarm firing now watches (not a demand alarm), when exactly one fires: what a first question's
    "it" means before anything was named ("is the liveness probe killing it" as the page's first reply)."""
    outcome = await ask.call("cloudwatch", "describe_alarms", {"max_results": 1000})
    firing = [a for a in (outcome.data or {}).get("alarms") or [] if a.get("state") == "ALARM" and not measures_demand(a)]
    return (await _alarm_resource(ask, firing[0]) or None) if len(firing) == 1 else None


async def _alarm_resource(ask: Ask, alarm: dict) -> str:
    """The object an alarm watches: its dimensions when they say, else the longest workload or Service name
    its own name carries (treasury-ledger-api-memory-high -> ledger-api)."""
    for rid in _alarmed_resources([alarm]):
        namespace, _, name = parse_resource_id(rid)
        found = await ask.call("kubernetes", "find_resource", {"name": name})
        matches = (found.data or {}).get("matches") or []
        exact = [m["resource"] for m in matches if m.get("exact") and m["resource"].startswith(f"{namespace}/")]
        if rid in exact or found.error is not None:
            return rid
        # the dimension names a Service that does not exist: the workload of that name is what the alarm watches
        workload = best_match([{"resource": r, "exact": True} for r in exact], namespace=namespace, kind_hint=None)
        if workload:
            return workload
    alarm_name = (alarm.get("name") or "").lower()
    dims = alarm.get("dimensions") or {}
    named: list[tuple[int, str]] = []  # (length of the name the alarm's name carries, resource id)
    for kind in ("Deployment", "StatefulSet", "DaemonSet", "Service", "CronJob", "Job"):  # a one-off Job's memory alarm too
        listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "limit": 2000,
                                                                **({"namespace": dims["Namespace"]} if dims.get("Namespace") else {})})
        for item in (listed.data or {}).get("items") or []:
            name = str(item.get("name") or "")
            if name and f"-{name}-" in f"-{alarm_name}-":
                named.append((len(name), f"{item.get('namespace')}/{kind}/{name}"))
    longest = max((length for length, _ in named), default=0)
    matches = [{"resource": rid, "exact": True} for length, rid in named if length == longest]
    return best_match(matches, namespace=dims.get("Namespace"), kind_hint=None) or ""


_ASKS_WHAT_FIRED = re.compile(r"\b(fire[ds]?|went\s+off|go\s+off|trigger(ed)?|paged|in\s+the\s+(last|past))\b", re.IGNORECASE)
_ASKS_WHAT_IS_BROKEN = re.compile(r"\bwhat(\s+is|.?s)?\s+(broken|wrong|failing|down)\b|\bwhat\s+broke\b", re.IGNORECASE)


@handles("alarm_why", needs=("cloudwatch",))
async def alarm_why(ask: Ask) -> Answer:
    """"<alarm> going off, what broke": the firing alarm the question names (else the only one firing) is
    investigated in full -- the answer leads with its root cause and the fix, the alarm is a detail."""
    outcome = await ask.call("cloudwatch", "describe_alarms", {"max_results": 1000})
    rows = (outcome.data or {}).get("alarms") or []
    firing = [a for a in rows if a.get("state") == "ALARM"]
    named = _named_alarms(firing, ask.recognised.candidates) or (firing if len(firing) == 1 else [])
    quiet = [] if named or not _ASKS_WHY.search(ask.question) else _named_alarms(rows, ask.recognised.candidates)
    if not named and not quiet:  # no one alarm to investigate: "paged, what's broken" is the sweep, "why the alarms" their list
        symptom = bool(said_symptom_metrics(ask.question))
        if (_ASKS_WHY.search(ask.question) or symptom) and isinstance(subject := await grounded_subject(ask), str):
            # "lot catalog feels slow since lunch ... why": no alarm says so, the object named is what is asked about
            ask.resource = subject
            return await why_failing(ask)
        if symptom and not firing:
            # "article pages slow since this morning, whats going on": no alarm says so and nothing is named -- where the
            # symptom shows (the service whose latency/5xx rose) is investigated, never "no alarms, all OK"
            ask.resource = None
            return await why_failing(ask)
        return await (broken_now(ask) if _ASKS_WHAT_IS_BROKEN.search(ask.question) else alarms(ask))
    if quiet:  # "the p99 alarm paged me, why is it slow" with the alarm back to OK: what it watches is still asked about
        return await _investigated(ask, quiet[0], f"alarm {quiet[0].get('name')} is {quiet[0].get('state')} now (it paged "
                                   f"earlier); what it watches was investigated as asked")
    return await _investigated(ask, named[0], f"ALARM {named[0].get('name')} since {named[0].get('updated', '?')}: "
                               f"{(named[0].get('reason') or '')[:200]}")


_ASKS_WHY = re.compile(r"\b(why|what\s+broke|caus(e|ed|ing)|root\s*cause|what.?s\s+wrong|going\s+on|what.?s\s+up)\b",
                       re.IGNORECASE)


async def _planned_notes(ask: Ask, rid: str) -> list[str]:
    """What people wrote on the alarmed workload and on the autoscalers that scale it, in prose ("Election night: CAP-77
    expects up to 3x reader traffic"): a surge someone planned for says so where its capacity was set."""
    namespace, kind, name = parse_resource_id(rid)
    if kind == "Service" and (fronted := await workload_of_service(ask, rid)):
        namespace, kind, name = parse_resource_id(fronted)
    listed = await ask.call("kubernetes", "get_resources", {"kind": "HorizontalPodAutoscaler", "namespace": namespace or "default"})
    scaling = [f"{namespace}/HorizontalPodAutoscaler/{h.get('name')}" for h in (listed.data or {}).get("items") or []
               if h.get("target") == f"{kind}/{name}"]
    notes = []
    for obj in [f"{namespace}/{kind}/{name}", *scaling]:
        described = await ask.call("kubernetes", "describe", {"kind": parse_resource_id(obj)[1], "name": parse_resource_id(obj)[2],
                                                              "namespace": namespace, "events_limit": 0})
        notes += [f"{obj}: {line}" for line in peoples_notes((described.data or {}).get("object") or {}, prose_only=True)]
    return notes


async def _investigated(ask: Ask, alarm: dict, note: str) -> Answer:
    """The investigation of what `alarm` watches, with the alarm as its first detail."""
    ask.resource = await _alarm_resource(ask, alarm)
    asked = ask.question
    ask.question = f"{ask.question} (alarm {alarm.get('name')} in {alarm.get('state')}: {(alarm.get('reason') or '')[:200]})"
    answer = await why_failing(ask)
    answer.question = asked
    answer.details.insert(0, note)
    if ask.resource:
        answer.next_steps.append(f"Ask 'status of {name_of(ask.resource)}' to watch it recover.")
    return answer
