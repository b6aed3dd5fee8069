"""A service sent several times its usual requests, and the caller whose release went live just before: the release is
the cause, the service's own throttling the effect (brains/offline/caller_load.py multiplied_calls,
explained_by_caller_change; metric_judgement.request_surge)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sre_agent.brains.offline.caller_load import explained_by_caller_change, multiplied_calls
from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.brains.offline.metric_judgement import request_drop, request_surge
from sre_agent.contracts import Finding
from sre_agent.contracts import RootCauseCategory as C
from sre_agent.graph.state import Hypothesis

CALLER, SERVICE, BACKEND = "ops/Deployment/notifier", "web/Service/portal", "web/Deployment/portal"


def finding(resource: str, signal: str, severity: str = "info", **details) -> Finding:
    return Finding(agent="kubernetes", resource=resource, signal=signal, summary=f"{signal} on {resource}",
                   severity=severity, evidence=["ev-1"], details=details)


def world(created: str = "2026-11-28T10:00:00Z", changed=("env",), surge_onset: str = "2026-11-28T10:06:00Z",
          caller_surged: bool = False, times_out_outside: bool = False) -> list[Finding]:
    found = [finding(CALLER, "RecentRollout", created=created, changed=list(changed), revision=2, previous_revision=1),
             finding(CALLER, "CallsInto", dependency=SERVICE),
             finding(BACKEND, "Backs", service=SERVICE),
             finding(BACKEND, "RequestSurge", onset=surge_onset, factor=10.0),
             finding(BACKEND, "CpuThrottled", severity="critical", throttled_percent=51.0),
             finding(BACKEND, "HPAScalingLimited", severity="warning")]
    if caller_surged:
        found.append(finding(CALLER, "RequestSurge", onset=surge_onset, factor=9.0))
    if times_out_outside:
        found.append(finding(CALLER, "UpstreamErrors", severity="warning",
                             template="WARN payment via the connector took 10412ms: upstream timeout from api.vendor.net"))
    return found


@pytest.mark.parametrize(("case", "findings", "blamed"), [
    ("the calls multiplied minutes after the caller's env changed", world(), True),
    ("the surge began 40 minutes after the release: not its doing", world(surge_onset="2026-11-28T10:40:00Z"), False),
    ("the surge came well before the release", world(surge_onset="2026-11-28T09:40:00Z"), False),
    ("a restart changes nothing the pods run", world(changed=()), False),
    ("the caller was itself sent a surge: traffic passing through", world(caller_surged=True), False),
    # its calls time out at a vendor outside: the service it calls through carries the wait (fernhollow fh04)
    ("the caller's calls time out at a host outside the cluster", world(times_out_outside=True), False),
])
def test_a_callers_release_is_blamed_only_when_it_came_just_before_the_surge_it_did_not_pass_on(case, findings, blamed):
    rollout = next(f for f in findings if f.signal == "RecentRollout")
    assert multiplied_calls(rollout, findings) is blamed, case


def test_the_release_leads_and_the_callees_throttling_is_capped_as_its_effect():
    findings = world()
    ranked = hypotheses(findings)
    leading = best(ranked)
    assert leading is not None and (leading.category, leading.resource) == (C.BAD_DEPLOY_REGRESSION, CALLER)
    assert "its calls multiplied" in leading.reasons[0] and "RequestSurge" in leading.reasons[0]
    throttled = next(h for h in ranked if h.resource == BACKEND and h.category == C.CPU_THROTTLING)
    assert throttled.confidence < leading.confidence


def test_a_quota_in_the_callees_namespace_is_capped_but_one_elsewhere_is_not():
    merged = {(C.BAD_DEPLOY_REGRESSION, CALLER): Hypothesis(category=C.BAD_DEPLOY_REGRESSION, resource=CALLER, confidence=0.9),
              (C.QUOTA_EXCEEDED, "web/ResourceQuota/compute"): Hypothesis(category=C.QUOTA_EXCEEDED,
                                                                          resource="web/ResourceQuota/compute", confidence=0.8),
              (C.QUOTA_EXCEEDED, "batch/ResourceQuota/compute"): Hypothesis(category=C.QUOTA_EXCEEDED,
                                                                            resource="batch/ResourceQuota/compute", confidence=0.8)}
    explained_by_caller_change(merged, world(), cap=0.45)
    assert merged[(C.QUOTA_EXCEEDED, "web/ResourceQuota/compute")].confidence == 0.45
    assert merged[(C.QUOTA_EXCEEDED, "batch/ResourceQuota/compute")].confidence == 0.8
    assert merged[(C.BAD_DEPLOY_REGRESSION, CALLER)].confidence == 0.9


NOW = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize(("peak", "end", "direction", "factor"), [
    (1000.0, None, "up", 10.0),  # ten times the usual, still going on
    (250.0, None, "up", None),  # a busy hour: 2.5x
    (1000.0, "2026-11-28T09:00:00Z", "up", None),  # over two hours ago
    (1000.0, None, "down", None),  # fewer requests is no surge
])
def test_a_request_surge_is_an_ongoing_rise_of_several_times_the_baseline(peak, end, direction, factor):
    report = {"baseline": {"median": 100.0},
              "intervals": [{"start": "2026-11-28T10:00:00Z", "end": end, "max_value": peak, "direction": direction,
                             "peak_score": 1.0}]}
    surge = request_surge(report, NOW)
    assert (surge[1] if surge else None) == factor


@pytest.mark.parametrize(("low", "end", "direction", "share"), [
    (20.0, None, "down", 0.2),  # a fifth of the usual, still going on
    (70.0, None, "down", None),  # a quiet spell: 70%
    (20.0, "2026-11-28T09:00:00Z", "down", None),  # over two hours ago
    (1000.0, None, "up", None),  # more requests is no drop
])
def test_a_request_drop_is_an_ongoing_fall_to_a_fraction_of_the_baseline(low, end, direction, share):
    report = {"baseline": {"median": 100.0},
              "intervals": [{"start": "2026-11-28T10:00:00Z", "end": end, "max_value": low, "direction": direction,
                             "peak_score": 1.0}]}
    drop = request_drop(report, NOW)
    assert (drop[1] if drop else None) == share


def test_a_service_sent_far_fewer_requests_has_its_callers_read_whole():
    """ag06's class: the alarmed service is healthy and asked less; the caller that cannot start is where the cause is."""
    from sre_agent.brains.offline.supervisor import next_task
    from sre_agent.contracts import Incident
    from sre_agent.graph.state import Investigation, Task

    incident = Incident(id="inc-1", title="t", started_at=NOW, window_start=NOW, window_end=NOW, alarm={"AlarmName": "sends-low"},
                        affected=[SERVICE])
    state = Investigation(incident=incident, findings=[finding(BACKEND, "Backs", service=SERVICE),
                                                       finding(BACKEND, "RequestDrop", service=SERVICE, share=0.2)])
    state.tasks = [Task(agent="kubernetes", target=SERVICE, question="triage", reason="alarm"),
                   Task(agent="metrics", target=SERVICE, question="alarm", reason="alarm"),
                   Task(agent="metrics", target=BACKEND, question="workload", reason="own")]
    asked = []
    while (task := next_task(state)) is not None and len(asked) < 12:
        asked.append((task.agent, task.target, task.question))
        state.tasks.append(task)
        if (task.target, task.question) == (SERVICE, "callers"):
            state.findings.append(finding(CALLER, "CallsInto", dependency=SERVICE))
    assert ("kubernetes", SERVICE, "callers") in asked
    assert ("kubernetes", CALLER, "triage") in asked
