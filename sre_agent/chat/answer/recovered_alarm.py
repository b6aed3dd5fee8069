"""An alarm that fired and recovered on its own, and what was going on while it fired -- said beside an answer that
finds nothing wrong now, so "still bad?", "what caused the spike", "roll it back just in case" after a page that cleared
all carry the one fact the on-call needs: what ran, went down or scaled in that window.

Read from the alarm's own history (its last ALARM -> OK) and, in that window, the cluster's record of what was active:
Jobs that ran through it (a load test, a migration, a backfill -- a run that ended as the alarm cleared first), nodes
that changed state (NotReady / Ready, cordoned), rollouts (one that began as the alarm fired first) and autoscalers
that scaled; each with the notes people left on it (a
ticket, who, why). Only time overlap is read -- never names: a Job whose run overlaps the episode is said as running
then, one whose end meets the recovery as ending with it, a rollout whose start meets the firing as beginning with
it; nothing is called the cause."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from ...contracts import parse_resource_id, parse_time
from ..ask import Ask
from ..models import Answer
from .notes import peoples_notes

RECENT = timedelta(hours=3)  # a recovery older than this is history, not what the conversation is about
LEAD = timedelta(minutes=10)  # what began this long before the alarm fired can have raised its metric
MEETS = timedelta(minutes=5)  # an end this close to the recovery "ends with it" (alarm periods are minutes)
NODE_REASONS = ("NodeNotReady", "NodeReady", "NodeNotSchedulable", "NodeSchedulable", "Rebooted", "NodeHasDiskPressure",
                "NodeHasMemoryPressure")
RESCALE = "SuccessfulRescale"
ROLLOUT = "ScalingReplicaSet"  # the deployment controller's step of a rollout: a release or a restart
MAX_SAID = 3  # activities said in the line; the rest are in the evidence
# answers that already explain a fault, ask a question back, or pin an action: no episode beside them
NOT_BESIDE = ("needs_subject", "approval_required", "needs_llm", "unknown")


class Episode(BaseModel):
    alarm: str
    fired: datetime
    cleared: datetime


def _hhmm(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%H:%M UTC")


async def last_episodes(ask: Ask) -> list[Episode]:
    """The alarms that went ALARM -> OK within RECENT while none is in ALARM now (an alarm firing is the trouble, not
    a recovery)."""
    listed = await ask.call("cloudwatch", "describe_alarms", {"max_results": 1000})
    rows = (listed.data or {}).get("alarms") or []
    if not rows or any(a.get("state") == "ALARM" for a in rows):
        return []
    now, episodes = datetime.now(UTC), []
    for alarm in rows:
        updated = parse_time(alarm.get("updated"))
        if alarm.get("state") != "OK" or updated is None or now - updated > RECENT:
            continue
        history = await ask.call("cloudwatch", "alarm_history", {"name": alarm.get("name"), "start": "-6h"})
        items = sorted(((parse_time(i.get("timestamp")), str(i.get("new_state") or i.get("summary") or ""))
                        for i in (history.data or {}).get("items") or []), key=lambda x: x[0] or now)
        fired = [t for t, state in items if t is not None and state.endswith("ALARM") and t <= updated]
        if fired:
            episodes.append(Episode(alarm=str(alarm.get("name")), fired=fired[-1], cleared=updated))
    return episodes


async def _jobs(ask: Ask, episode: Episode) -> list[tuple[str, str, bool]]:
    """(id, line, ends with it) for each Job whose run overlaps the episode (from LEAD before it fired)."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Job"})
    found = []
    for job in (listed.data or {}).get("items") or []:
        started, ended = parse_time(job.get("started")), parse_time(job.get("completed") or job.get("failed_at"))
        if started is None or started > episode.cleared or (ended or datetime.now(UTC)) < episode.fired - LEAD:
            continue
        meets = ended is not None and abs(ended - episode.cleared) <= MEETS
        span = f"{_hhmm(started)}-{_hhmm(ended)}" if ended else f"since {_hhmm(started)}"
        found.append((f"{job.get('namespace')}/Job/{job.get('name')}",
                      f"Job {job.get('namespace')}/{job.get('name')} ran {span}" + (", ending as the alarm cleared" if meets else ""),
                      meets and not job.get("cronjob")))
    return found


async def _cluster_events(ask: Ask, episode: Episode) -> list[tuple[str, str, bool]]:
    """Node state changes and autoscaler rescales in the episode's window."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Event", "limit": 2000})
    found: dict[str, tuple[str, str, bool]] = {}
    for event in (listed.data or {}).get("items") or []:
        reason, when = str(event.get("reason") or ""), parse_time(event.get("last") or event.get("first"))
        if when is None or not episode.fired - LEAD <= when <= episode.cleared + MEETS:
            continue
        kind, _, name = str(event.get("object") or "").partition("/")
        if reason in NODE_REASONS and kind == "Node":
            rid = f"Node/{name}"
            meets = reason in ("NodeReady", "NodeSchedulable") and abs(when - episode.cleared) <= MEETS
            found[rid] = (rid, f"node {name}: {reason} at {_hhmm(when)}" + (", as the alarm cleared" if meets else ""), meets)
        elif reason == ROLLOUT and kind in ("Deployment", "StatefulSet") and f"{event.get('namespace')}/{kind}/{name}" not in found:
            # a rollout (a release, a restart) whose first step was as the alarm fired: a page during a planned reload
            rid = f"{event.get('namespace')}/{kind}/{name}"
            starts = abs(when - episode.fired) <= MEETS
            found[rid] = (rid, f"{kind} {name} rolled out at {_hhmm(when)}" + (", as the alarm fired" if starts else ""),
                          starts)
        elif reason == RESCALE and kind == "HorizontalPodAutoscaler":
            rid = f"{event.get('namespace')}/HorizontalPodAutoscaler/{name}"
            found.setdefault(rid, (rid, f"HPA {name} rescaled at {_hhmm(when)}: {str(event.get('message') or '')[:80]}",
                                   False))
    return list(found.values())


async def _notes(ask: Ask, rid: str) -> list[str]:
    """The people's notes on `rid`; for a workload that rolls out by Recreate, that too (it serves nothing while it
    rolls: a restart is a short outage)."""
    namespace, kind, name = parse_resource_id(rid)
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace,
                                                          "events_limit": 0})
    obj = (described.data or {}).get("object") or {}
    recreate = ((obj.get("spec") or {}).get("strategy") or {}).get("type") == "Recreate"
    return [*peoples_notes(obj, prose_only=True),
            *(["strategy Recreate: every old pod stops before a new one is ready, so a rollout is a short outage"]
              if recreate else [])]


async def while_it_fired(ask: Ask) -> tuple[list[str], list[str]]:
    """(lines, resources): each recovered alarm's window and what was active in it, the notes on what ended with it."""
    lines, resources = [], []
    for episode in (await last_episodes(ask))[:2]:
        active = [*await _jobs(ask, episode), *await _cluster_events(ask, episode)]
        active.sort(key=lambda a: not a[2])  # what ended as it cleared first
        minutes = int((episode.cleared - episode.fired).total_seconds() // 60)
        said = "; ".join(line for _, line, _ in active[:MAX_SAID]) or "no Job ran, no node changed state and no " \
            "autoscaler rescaled in that window"
        line = f"alarm {episode.alarm} fired {_hhmm(episode.fired)} and cleared {_hhmm(episode.cleared)} " \
            f"({minutes} min) on its own; while it fired: {said}"
        notes = [f"{rid}: {note}" for rid, _, _ in active[:MAX_SAID] for note in (await _notes(ask, rid))[:2]]
        if line in ask.recent and active:  # said in this conversation already: once more, in one short line
            first = notes[0].split(": ", 2)[-1] if notes else ""  # the note's words, without the object and key
            line = f"(alarm {episode.alarm} cleared {_hhmm(episode.cleared)} on its own, with {active[0][0]}" + \
                (f": {first[:140]}" if first else "") + ")"
            notes = []
        lines += [line, *notes]
        resources += [rid for rid, _, _ in active[:MAX_SAID]]
    return lines, resources


async def beside(ask: Ask, answer: Answer) -> Answer:
    """`answer` with the recovered alarms' windows first among its details, when it finds nothing wrong now: no root cause
    in it or in the conversation, no firing alarm."""
    diagnosis = answer.diagnosis or ask.last_diagnosis or {}
    if answer.status in NOT_BESIDE or str(diagnosis.get("category") or "none") != "none":
        return answer
    lines, resources = await while_it_fired(ask)
    if not lines:
        return answer
    return answer.model_copy(update={"details": [*lines, *answer.details],
                                     "resources": list(dict.fromkeys([*answer.resources, *resources])),
                                     "evidence": list(ask.records)})
