"""A postmortem draft from what the run saw and did: summary, impact (from the alarmed metric: start, end, peak), a
timeline (changes before the symptom, the symptom, the alarm, the diagnosis, each action with who approved it, the
verification), the root cause with its evidence, what went well and what did not (time to detect, to diagnose, to
mitigate), the earlier occurrences the memory holds, and follow-ups. Blameless: it names changes and systems, never a
person as a cause; people appear only as who approved an action. Every sentence comes from a field of the run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field

from ..contracts import InvestigationResult, MetricSeries, RecalledIncident
from ..graph.changes import ranked_changes
from ..graph.pins import anomaly_onset
from ..graph.state import Investigation
from ..memory.models import PastIncident

SLOW_DETECTION_S = 300.0  # a symptom older than this when the alarm fired: alerting is a follow-up


class Moment(BaseModel):
    at: datetime
    what: str


class Impact(BaseModel):
    metric: str = ""
    start: datetime | None = None  # the symptom's onset, else the alarm
    end: datetime | None = None  # verified healthy; None: not over when the run ended
    peak: float | None = None
    peak_at: datetime | None = None
    baseline: float | None = None  # the metric's median before the onset

    def sentence(self) -> str:
        if self.start is None:
            return "No impact could be dated: the run read no series of the alarmed metric."
        span = (f"from {self.start:%Y-%m-%d %H:%M} UTC to {self.end:%H:%M} UTC ({duration(self.end - self.start)})"
                if self.end else f"from {self.start:%Y-%m-%d %H:%M} UTC, not over when the run ended")
        peak = (f"; {self.metric} peaked at {self.peak:g} at {self.peak_at:%H:%M} UTC"
                + (f" (baseline {self.baseline:g})" if self.baseline is not None else "")) if self.peak is not None else ""
        return f"Impact {span}{peak}."


class ActionTaken(BaseModel):
    tool: str
    target: str
    result: str
    approved_by: str | None
    verified: bool
    at: datetime | None = None


class Postmortem(BaseModel):
    incident_id: str
    run_id: str
    title: str
    severity: str
    status: str
    summary: str
    impact: Impact
    timeline: list[Moment] = Field(default_factory=list)
    root_cause: str = ""
    category: str = "none"
    resource: str = ""
    evidence: list[str] = Field(default_factory=list)
    actions: list[ActionTaken] = Field(default_factory=list)
    time_to_detect_s: float | None = None
    time_to_diagnose_s: float | None = None
    time_to_mitigate_s: float | None = None
    went_well: list[str] = Field(default_factory=list)
    went_badly: list[str] = Field(default_factory=list)
    earlier: list[RecalledIncident] = Field(default_factory=list)
    follow_ups: list[str] = Field(default_factory=list)
    generated_at: datetime


def duration(delta: timedelta | float) -> str:
    seconds = delta.total_seconds() if isinstance(delta, timedelta) else delta
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


def _onset(state: Investigation) -> tuple[datetime, str] | None:
    found = anomaly_onset(state.findings)
    return (found[0], found[1].details.get("metric") or found[1].signal) if found else None


def _alarm_series(state: Investigation, metric: str) -> MetricSeries | None:
    candidates = [s for call in state.tool_calls for s in call.series if s.metric == metric and s.values]
    return max(candidates, key=lambda s: len(s.values), default=None)


def _impact(state: Investigation, ended: datetime | None) -> Impact:
    alarmed = ((state.incident.alarm or {}).get("Trigger") or {}).get("MetricName")
    onset = _onset(state)
    metric = alarmed or (onset[1] if onset else "")
    start = onset[0] if onset else (state.incident.started_at if state.incident.source == "alarm" else None)
    impact = Impact(metric=metric, start=start, end=ended)
    series = _alarm_series(state, metric) if metric else None
    if series is not None and start is not None:
        during = [(t, v) for t, v in zip(series.timestamps, series.values) if t >= start and (ended is None or t <= ended)]
        before = sorted(v for t, v in zip(series.timestamps, series.values) if t < start)
        if during:
            peak_at, peak = max(during, key=lambda pair: pair[1])
            impact = impact.model_copy(update={"peak": round(peak, 3), "peak_at": peak_at})
        if before:
            impact = impact.model_copy(update={"baseline": round(before[len(before) // 2], 3)})
    return impact


def _actions(state: Investigation, result: InvestigationResult) -> list[ActionTaken]:
    calls = {(c.tool, c.agent): c for c in state.tool_calls if c.agent == "remediation"}
    target = state.plan.resource if state.plan else (result.diagnosis.resource or "")
    return [ActionTaken(tool=a.tool, target=target, result=a.result, approved_by=a.approved_by, verified=a.verified,
                        at=(calls.get((a.tool, "remediation")).started_at if calls.get((a.tool, "remediation")) else None))
            for a in result.actions]


def _timeline(state: Investigation, result: InvestigationResult, actions: list[ActionTaken],
              ended: datetime | None, finished: datetime) -> list[Moment]:
    incident = state.incident
    moments: list[Moment] = []
    changes, _ = ranked_changes(state)
    moments += [Moment(at=c.at, what=f"{c.resource}: {c.what}") for c in changes if c.before_onset_s >= 0][:3]
    if (onset := _onset(state)) is not None:
        moments.append(Moment(at=onset[0], what=f"symptom began: {onset[1]} off its baseline"))
    if incident.source == "alarm":
        name = (incident.alarm or {}).get("AlarmName", "the alarm")
        moments.append(Moment(at=incident.started_at, what=f"alarm {name} went to ALARM"))
    started = datetime.fromtimestamp(state.started_epoch, UTC) if state.started_epoch else None
    if started is not None:
        moments.append(Moment(at=started, what=f"investigation {result.run_id} started"))
        if state.diagnosed_after_s is not None and state.diagnosis is not None:
            moments.append(Moment(at=started + timedelta(seconds=state.diagnosed_after_s),
                                  what=f"root cause found: {state.diagnosis.category.value} on {state.diagnosis.resource or '-'}"))
    for action in actions:
        if action.at is not None:
            who = f", approved by {action.approved_by}" if action.approved_by else ""
            moments.append(Moment(at=action.at, what=f"{action.tool} on {action.target}{who}: {action.result}"))
    if ended is not None:
        moments.append(Moment(at=ended, what=f"verified: {state.verification}"))
    elif result.status == "escalated":
        moments.append(Moment(at=finished, what=f"escalated to a human: {state.escalation_reason or 'see the report'}"))
    return sorted(moments, key=lambda m: m.at)


def _verified_at(state: Investigation, result: InvestigationResult) -> datetime | None:
    """When the fix was seen to hold: the run's end (verification is its last step; its polls are not evidence)."""
    if not state.verified or not state.started_epoch:
        return None
    return datetime.fromtimestamp(state.started_epoch, UTC) + timedelta(seconds=result.duration_s)


def earlier_occurrences(result: InvestigationResult, remembered: list[PastIncident]) -> list[RecalledIncident]:
    """The memory's incidents about the same root cause (or its evidence elsewhere), this incident excluded."""
    from ..memory.recall import recalled

    seen = {result.incident_id}
    out = []
    for row in remembered:
        if row.incident_id in seen or row.category == "none":
            continue
        seen.add(row.incident_id)
        out.append(recalled(row, "resource"))
    out += [r for r in result.recalled if r.incident_id not in seen and r.confirmed]
    return out


def draft(state: Investigation, result: InvestigationResult, remembered: list[PastIncident] | None = None,
          now: datetime | None = None) -> Postmortem:
    now = now or datetime.now(UTC)
    incident, diagnosis = state.incident, result.diagnosis
    ended = _verified_at(state, result)
    actions = _actions(state, result)
    onset = _onset(state)
    earlier = earlier_occurrences(result, remembered or [])
    detect = (incident.started_at - onset[0]).total_seconds() if onset and incident.source == "alarm" else None
    started = datetime.fromtimestamp(state.started_epoch, UTC) if state.started_epoch else None
    mitigate = (ended - incident.started_at).total_seconds() if ended is not None else None
    found = diagnosis.category.value != "none"
    summary = (f"{incident.title}. Root cause: {diagnosis.category.value} on {diagnosis.resource}. "
               if found else f"{incident.title}. No root cause was found. ")
    summary += {"remediated": f"Mitigated by {actions[0].tool if actions else 'the responder'} and verified.",
                "escalated": "Escalated to a human: " + (state.escalation_reason or "the fix was not verified") + "."}.get(
        result.status, f"Outcome: {result.status}.")
    pm = Postmortem(incident_id=result.incident_id, run_id=result.run_id, title=incident.title, severity=incident.severity,
                    status=result.status, summary=summary, impact=_impact(state, ended),
                    timeline=_timeline(state, result, actions, ended, now), root_cause=diagnosis.summary,
                    category=diagnosis.category.value, resource=diagnosis.resource,
                    evidence=[f"{e.source_tool} {e.id}: {e.excerpt[:160]}" for e in diagnosis.evidence[:6]],
                    actions=actions, time_to_detect_s=round(detect, 1) if detect is not None and detect >= 0 else None,
                    time_to_diagnose_s=result.time_to_diagnosis_s,
                    time_to_mitigate_s=round(mitigate, 1) if mitigate is not None and mitigate >= 0 else None,
                    earlier=earlier, generated_at=now)
    return _lessons(pm, result, started)


def _lessons(pm: Postmortem, result: InvestigationResult, started: datetime | None) -> Postmortem:
    well, badly, follow = [], [], []
    if pm.category != "none" and pm.time_to_diagnose_s is not None:
        well.append(f"The root cause was found {duration(pm.time_to_diagnose_s)} after the investigation started, "
                    f"from {result.tool_calls} tool calls.")
    if pm.status == "remediated" and pm.time_to_mitigate_s is not None:
        well.append(f"Mitigated and verified {duration(pm.time_to_mitigate_s)} after the alarm.")
    if any(r.match == "alarm" and r.confirmed for r in result.recalled):
        well.append("The incident memory recognised a recurrence; its hypothesis was checked first and confirmed.")
    if pm.time_to_detect_s is not None and pm.time_to_detect_s > SLOW_DETECTION_S:
        badly.append(f"The symptom began {duration(pm.time_to_detect_s)} before the alarm fired.")
        follow.append(f"Alert earlier: review the threshold and evaluation periods of the alarm on {pm.impact.metric}.")
    if pm.status == "escalated":
        badly.append(f"The responder could not mitigate it: {pm.summary.split('Escalated to a human: ', 1)[-1]}")
    if any(not a.verified for a in pm.actions) and pm.status != "remediated":
        badly.append("An action was taken that did not verify.")
    for check in result.coverage:
        if check.status == "could_not_check":
            badly.append(f"The responder could not check {check.backend}: {check.reason}")
            follow.append(f"Restore the responder's access to {check.backend}.")
    if pm.earlier:
        badly.append(f"It happened before ({', '.join(r.incident_id for r in pm.earlier[:3])}): the earlier "
                     "mitigation did not prevent a recurrence.")
    if pm.category != "none":
        follow.append(f"Fix the cause of {pm.category} on {pm.resource} at its source: the responder's action "
                      "mitigated it." if pm.status == "remediated" else
                      f"Fix {pm.category} on {pm.resource}" + (f": {result.proposed_fixes[0].summary}."
                                                                 if result.proposed_fixes else "."))
    if len(pm.earlier) >= 2:
        follow.append(f"This is occurrence {len(pm.earlier) + 1} of the same fault: plan a lasting fix.")
    return pm.model_copy(update={"went_well": well, "went_badly": badly, "follow_ups": follow})
