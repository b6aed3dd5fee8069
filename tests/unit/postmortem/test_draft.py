"""The postmortem draft, built from a run's state and result: impact from the alarmed metric, the timeline in time
order, the timings, what went well and badly, earlier occurrences from the memory, follow-ups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sre_agent.contracts import (
    Action,
    Diagnosis,
    Finding,
    Incident,
    InvestigationResult,
    MetricSeries,
    ProposedFix,
    RootCauseCategory,
    ToolCallRecord,
)
from sre_agent.graph.state import Investigation, RemediationPlan
from sre_agent.memory.models import PastIncident
from sre_agent.postmortem.draft import draft
from sre_agent.postmortem.markdown import render_markdown

ALARM_AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ONSET = ALARM_AT - timedelta(minutes=12)
RUN_AT = ALARM_AT + timedelta(minutes=1)
ROOT = "shop/Deployment/search"


def run(status: str = "remediated", verified: bool = True) -> tuple[Investigation, InvestigationResult]:
    stamps = [ONSET + timedelta(minutes=m) for m in range(-10, 20)]
    values = [2.0 if t < ONSET else (300.0 if t == ONSET + timedelta(minutes=5) else 90.0) for t in stamps]
    series = MetricSeries(metric="5xxCount", statistic="Sum", timestamps=stamps, values=values, points=len(values))
    incident = Incident(id="inc-now", title="search-5xx: errors", started_at=ALARM_AT, window_start=ALARM_AT,
                        window_end=ALARM_AT, affected=["shop/Service/search"],
                        alarm={"AlarmName": "search-5xx", "Trigger": {"MetricName": "5xxCount"}})
    findings = [Finding(agent="metrics", resource="shop/Service/search", signal="ErrorAnomaly", summary="5xx up",
                        details={"onset": ONSET.isoformat(), "metric": "5xxCount"}),
                Finding(agent="kubernetes", resource=ROOT, signal="RecentRollout", summary="rolled out", severity="info",
                        details={"created": (ONSET - timedelta(minutes=3)).isoformat(), "changed": ["resources"],
                                 "revision": 2, "in_window": True})]
    calls = [ToolCallRecord(id="ev-1", agent="metrics", server="cloudwatch", tool="get_metric_data", series=[series],
                            started_at=RUN_AT),
             ToolCallRecord(id="ev-9", agent="remediation", server="kubernetes", tool="rollout_undo",
                            started_at=RUN_AT + timedelta(seconds=20))]
    diagnosis = Diagnosis(category=RootCauseCategory.OOM_KILLED, resource=ROOT, summary="search was OOMKilled")
    state = Investigation(incident=incident, run_id="run-now", started_epoch=RUN_AT.timestamp(), findings=findings,
                          tool_calls=calls, diagnosis=diagnosis, diagnosed_after_s=4.0, verified=verified,
                          verification="ready 2/2", status=status,
                          plan=RemediationPlan(server="kubernetes", tool="rollout_undo", args={}, risk="low", resource=ROOT),
                          escalation_reason=None if status == "remediated" else "the fix did not verify")
    action = Action(tool="rollout_undo", approved_by="dana", result="rolled back to 1", verified=verified)
    result = InvestigationResult(incident_id="inc-now", run_id="run-now", status=status, diagnosis=diagnosis,
                                 actions=[action], tool_calls=22, duration_s=60.0, time_to_diagnosis_s=4.0,
                                 proposed_fixes=[] if status == "remediated" else
                                 [ProposedFix(resource=ROOT, summary="raise search's memory limit")])
    return state, result


def past(n: int, resource: str = ROOT, category: str = "oom_killed") -> PastIncident:
    return PastIncident(run_id=f"run-{n}", incident_id=f"inc-{n}", recorded_at=ALARM_AT - timedelta(days=n),
                        resource=resource, category=category, status="remediated", fix="rollout_undo on search: ok",
                        fix_tool="rollout_undo", fix_applied=True, verified=True)


def test_impact_timings_and_timeline_come_from_the_run():
    state, result = run()
    pm = draft(state, result, now=RUN_AT + timedelta(minutes=2))
    assert (pm.impact.metric, pm.impact.start, pm.impact.peak, pm.impact.baseline) == ("5xxCount", ONSET, 300.0, 2.0)
    assert pm.impact.end == RUN_AT + timedelta(seconds=60)
    assert pm.time_to_detect_s == 720.0 and pm.time_to_mitigate_s == 120.0 and pm.time_to_diagnose_s == 4.0
    assert [m.at for m in pm.timeline] == sorted(m.at for m in pm.timeline)
    whats = [m.what for m in pm.timeline]
    assert whats[0].startswith(f"{ROOT}: rollout to revision 2 changed resources")
    assert "alarm search-5xx went to ALARM" in whats
    assert "rollout_undo on shop/Deployment/search, approved by dana: rolled back to 1" in whats
    assert whats[-1] == "verified: ready 2/2"
    assert pm.actions[0].approved_by == "dana" and pm.actions[0].verified


def test_lessons_say_what_was_slow_and_what_to_follow_up():
    state, result = run()
    pm = draft(state, result, remembered=[past(3), past(9), past(1, resource="shop/Deployment/other")])
    assert "The symptom began 12 min before the alarm fired." in pm.went_badly
    assert any(f.startswith("Alert earlier") for f in pm.follow_ups)
    assert [r.incident_id for r in pm.earlier] == ["inc-3", "inc-9", "inc-1"]
    assert any("occurrence 4 of the same fault" in f for f in pm.follow_ups)
    assert any("happened before (inc-3, inc-9, inc-1)" in b for b in pm.went_badly)


def test_an_escalated_run_says_why_and_what_to_fix():
    state, result = run(status="escalated", verified=False)
    pm = draft(state, result)
    assert pm.impact.end is None and "not over when the run ended" in pm.impact.sentence()
    assert "Escalated to a human: the fix did not verify." in pm.summary
    assert "Fix oom_killed on shop/Deployment/search: raise search's memory limit." in pm.follow_ups
    assert pm.timeline[-1].what.startswith("escalated to a human")


def test_the_markdown_has_every_section_and_names_no_one_as_a_cause():
    state, result = run()
    text = render_markdown(draft(state, result, remembered=[past(3)]))
    for section in ("Summary", "Impact", "Timeline (UTC)", "Root cause", "Actions", "What went well", "What went badly",
                    "Earlier occurrences", "Follow-ups"):
        assert f"## {section}" in text
    # a person appears only as who approved an action (the actions, and the timeline's entry for it)
    assert "approved by dana" in text.split("## Actions")[1].split("##")[0]
    assert text.count("dana") == text.count("approved by dana")
