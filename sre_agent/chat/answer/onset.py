""""since when", "when did it start", "how long has it been like this": when the trouble of what the conversation is
about began, from the signs that carry a time -- the first Warning events of it and of its pods, when its current
revision rolled out, when an alarm on it went to ALARM -- each said with what it is, earliest first. The answer is
the earliest sign of trouble, with its time and age; a rollout is shown beside it (it may be the cause, it is not a
sign), never picked as the start. No sign of trouble is said so, not guessed."""

from __future__ import annotations

import re
from datetime import datetime

from ...contracts import parse_resource_id, parse_time
from ...quoting import clip
from ..ask import Ask, handles
from ..models import Answer
from ..understand.references import workload_of_service
from .investigate import latest_rollout_change
from .objects import RUNS_PODS
from .root_change import change_behind
from .runs import ago
from .wider_subject import wider_subject

MAX_SIGNS = 5
FIRED_WITHIN = "-6h"  # an alarm back to OK counts as a sign when it fired this recently
MAX_ASKED_ABOUT = 3  # the conversation's objects whose alarms count as signs of the trouble asked about


async def _first_warnings(ask: Ask, namespace: str, name: str) -> list[tuple[datetime, str]]:
    """The first time each kind of Warning was seen on the object or its pods (pods and ReplicaSets are named after it)."""
    listed = await ask.call("kubernetes", "events", {"namespace": namespace, "warnings_only": True, "limit": 200})
    own = re.compile(rf"^{re.escape(name)}(-[a-z0-9]+){{0,2}}$")
    first: dict[str, tuple[datetime, str]] = {}
    for event in (listed.data or {}).get("events") or []:
        kind, _, involved = str(event.get("object") or "").partition("/")
        when = parse_time(event.get("first") or event.get("last"))
        if when is None or not own.match(involved):
            continue
        reason = str(event.get("reason") or "Warning")
        if reason not in first or when < first[reason][0]:
            first[reason] = (when, f"first {reason} on {kind}/{involved}: {clip(str(event.get('message') or ''), 160)}")
    return list(first.values())


async def alarms_on(ask: Ask, names: list[str]) -> list[tuple[datetime, str]]:
    """When each alarm whose name or dimensions carry one of the names went to ALARM: in ALARM now, since its last
    transition; back to OK, when it fired and when it cleared (its history) -- a page that cleared is still the start."""
    listed = await ask.call("cloudwatch", "describe_alarms", {"max_results": 1000})
    found = []
    for alarm in (listed.data or {}).get("alarms") or []:
        said = " ".join([str(alarm.get("name") or ""), *(str(v) for v in (alarm.get("dimensions") or {}).values())])
        when = parse_time(alarm.get("updated"))
        if when is None or not any(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", said) for name in names):
            continue
        if alarm.get("state") == "ALARM":
            found.append((when, f"alarm {alarm.get('name')} in ALARM since then"))
        elif alarm.get("state") == "OK" and (fired := await _fired_and_cleared(ask, str(alarm.get("name")))):
            found.append(fired)
    return found


async def _fired_and_cleared(ask: Ask, alarm: str) -> tuple[datetime, str] | None:
    """(when it last went to ALARM, the line saying so and when it went back to OK) from the alarm's recent history."""
    history = await ask.call("cloudwatch", "alarm_history", {"name": alarm, "start": FIRED_WITHIN})
    items = (history.data or {}).get("items") or []  # newest first
    cleared = next((i for i in items if i.get("new_state") == "OK" and i.get("old_state") == "ALARM"), None)
    fired = next((i for i in items if i.get("new_state") == "ALARM"
                  and (cleared is None or str(i.get("timestamp")) <= str(cleared.get("timestamp")))), None)
    if fired is None or (at := parse_time(fired.get("timestamp"))) is None:
        return None
    back = parse_time(cleared.get("timestamp")) if cleared else None
    return at, (f"alarm {alarm} went to ALARM" + (f" and cleared at {back:%H:%M} UTC ({ago(back)}); it is OK now" if back else ""))


async def _node_not_ready(ask: Ask, name: str) -> list[tuple[datetime, str]]:
    """When a node stopped being Ready: its Ready condition's last transition, when it is not True now."""
    described = await ask.call("kubernetes", "describe", {"kind": "Node", "name": name, "events_limit": 0})
    conditions = (((described.data or {}).get("object") or {}).get("status") or {}).get("conditions") or []
    ready = next((c for c in conditions if c.get("type") == "Ready"), None)
    if not ready or ready.get("status") == "True" or (when := parse_time(ready.get("lastTransitionTime"))) is None:
        return []
    return [(when, f"node {name} went NotReady (Ready={ready.get('status')}: {str(ready.get('reason') or '')[:80]})")]


async def first_sign(ask: Ask, rid: str) -> datetime | None:
    """When the trouble of a workload (or node) began: its first Warning event, or an alarm on it going to ALARM,
    whichever came first; None when no sign carries a time."""
    namespace, kind, name = parse_resource_id(rid)
    own = await _node_not_ready(ask, name) if kind == "Node" else await _first_warnings(ask, namespace or "", name)
    return min((when for when, _ in [*own, *await alarms_on(ask, [name])]), default=None)


async def _what_pages(ask: Ask) -> Answer:
    """The alarms in ALARM now, earliest first: when the trouble that pages began, with nothing named."""
    listed = await ask.call("cloudwatch", "describe_alarms", {"max_results": 1000, "state": "ALARM"})
    firing = sorted((when, str(a.get("name"))) for a in (listed.data or {}).get("alarms") or []
                    if a.get("state") == "ALARM" and (when := parse_time(a.get("updated"))) is not None)
    if not firing:
        return ask.answer("Nothing pages now: no alarm is in ALARM. Name what you mean (e.g. 'since when is checkout "
                          "failing').", status="needs_subject")
    when, name = firing[0]
    details = [f"{w:%H:%M} UTC ({ago(w)}): alarm {n} in ALARM since then" for w, n in firing[1:MAX_SIGNS]]
    traced = await _traced_to(ask)
    return ask.answer(f"Since about {when:%H:%M} UTC ({ago(when)}): alarm {name} went to ALARM"
                      + (f"; {len(firing) - 1} more alarm(s) since" if len(firing) > 1 else ""), status="answered",
                      details=[*traced, *details], diagnosis=ask.last_diagnosis if traced else None,
                      next_steps=["Ask 'why is it firing?' for what is behind it."] if not traced else
                      ["Ask 'how do I fix it?' for the fix."])


async def _traced_to(ask: Ask) -> list[str]:
    """What the page traces to -- the alarmed problem investigated: its root cause, and when that root's current
    revision rolled out (the start an on-call asks "since when" for); [] when nothing is found."""
    if ask.investigate is None or not isinstance(worst := await wider_subject(ask), str) or not worst:
        return []
    diagnosis = (await ask.investigate(ask.question, worst)).get("diagnosis") or {}
    root, category = str(diagnosis.get("resource") or ""), diagnosis.get("category")
    if not root or category in (None, "none"):
        return []
    ask.last_diagnosis = diagnosis
    lines = [f"it traces to {root} ({category}): {clip(str(diagnosis.get('summary') or ''), 200)}"]
    if (behind := await change_behind(ask, diagnosis)) is not None:
        lines.append(behind)
    namespace, kind, name = parse_resource_id(root)
    if kind in RUNS_PODS and kind not in ("Pod", "Job", "CronJob") and (
            rollout := await _rolled_out(ask, namespace or "", kind, name)) is not None and \
            not rollout[1].startswith("its current revision 1 "):  # a first revision is how it was made, not a change
        lines.append(f"{rollout[0]:%H:%M} UTC ({ago(rollout[0])}): {name}'s {rollout[1].removeprefix('its ')}")
    return lines


async def _rolled_out(ask: Ask, namespace: str, kind: str, name: str) -> tuple[datetime, str] | None:
    history = await ask.call("kubernetes", "rollout_history", {"namespace": namespace, "name": name, "kind": kind})
    revisions = (history.data or {}).get("revisions") or []
    if not revisions or (when := parse_time(revisions[-1].get("created"))) is None:
        return None
    cause = f", change-cause {str(revisions[-1]['change_cause'])!r}" if revisions[-1].get("change_cause") else ""
    return when, f"its current revision {revisions[-1].get('revision')} (images {revisions[-1].get('images')}{cause}) rolled out"


@handles("onset", needs=("kubernetes", "cloudwatch"))
async def onset(ask: Ask) -> Answer:
    rid = ask.resource or ask.incident or ""
    if not rid:  # "when did it start" with nothing named or talked about yet: when what pages now began
        return await _what_pages(ask)
    namespace, kind, name = parse_resource_id(rid)
    if not name or (not namespace and kind != "Node"):
        return ask.answer("Since when is what? Name the object (e.g. 'since when is checkout failing').", status="needs_subject")
    ask.resource = rid
    # the object's own signs, and the alarms on what the conversation came from (a Service's fault pages its callers)
    asked_about = list(dict.fromkeys([name, *(parse_resource_id(r)[2] for r in ask.focus[:MAX_ASKED_ABOUT])]))
    own = await _node_not_ready(ask, name) if kind == "Node" else await _first_warnings(ask, namespace or "", name)
    signs = sorted([*own, *await alarms_on(ask, asked_about)])
    # a Service's pods are its workload's: that workload's rollout is the change before its first sign
    runs = await workload_of_service(ask, rid, kinds=("Deployment", "StatefulSet", "DaemonSet")) if kind == "Service" else rid
    run_kind = parse_resource_id(runs)[1] if runs else ""
    rollout = await _rolled_out(ask, namespace or "", run_kind, parse_resource_id(runs)[2]) \
        if runs and run_kind in RUNS_PODS and run_kind not in ("Pod", "Job", "CronJob") else None
    context = [f"{when:%H:%M} UTC ({ago(when)}): {text}" for when, text in ([rollout] if rollout else [])]
    if not signs:
        return ask.answer(f"No sign of trouble on {rid} carries a time: no Warning event on it or its pods, no alarm on it "
                          "in ALARM", status="answered", details=context,
                          next_steps=["Ask 'is it healthy?' for its state now."])
    when, text = signs[0]
    details = [f"{w:%H:%M} UTC ({ago(w)}): {t}" for w, t in signs[1:MAX_SIGNS]]
    if rollout:  # what changed shortly before it started is what an on-call asks next
        details.append(context[0] + (" -- before the first sign" if rollout[0] <= when else " -- after the first sign"))
        if rollout[0] <= when:  # what that rollout changed: the likeliest start of it, said under it
            details += [f"  changed: {line.split(' changed: ', 1)[-1]}" for line in await latest_rollout_change(ask, runs or rid)]
    if (behind := await change_behind(ask, ask.last_diagnosis)) is not None:  # what began it, as its makers wrote it
        details.insert(0, behind)
    return ask.answer(f"Since about {when:%H:%M} UTC ({ago(when)}) on {rid}: {text}", status="answered", details=details,
                      next_steps=["Ask 'what changed before that?' for the changes around it."])
