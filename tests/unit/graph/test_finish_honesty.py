"""The finish node's verdict table: finding nothing is "healthy" (or a chat answer) only when
kubernetes and cloudwatch were both seen; a hole makes it "unknown" and the answer names it; a root
cause found stands, with the hole named beside it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sre_agent.contracts import Diagnosis, Incident, RootCauseCategory, ToolCallRecord
from sre_agent.graph.escalation import escalation_reason
from sre_agent.graph.report import _answer, final_status, render_markdown, to_result
from sre_agent.graph.state import Investigation
from sre_agent.graph.supervisor import next_step

NOW = datetime(2026, 1, 1, tzinfo=UTC)
UNREACHABLE = "get_resources Pod: backend unreachable (connection refused); check the endpoint"
OK, DOWN, NONE = "ok", "down", None


def state(source: str, kube: str | None, cloudwatch: str | None, category=RootCauseCategory.NONE) -> Investigation:
    incident = Incident(id="i", source=source, title="t", started_at=NOW, window_start=NOW, window_end=NOW,
                        question="is checkout healthy?" if source == "chat" else None)
    calls = [ToolCallRecord(id=f"ev-{i}", agent="a", server=server, tool="t", ok=how == OK,
                            excerpt="{}" if how == OK else UNREACHABLE)
             for i, (server, how) in enumerate([("kubernetes", kube), ("cloudwatch", cloudwatch)]) if how]
    resource = "" if category == RootCauseCategory.NONE else "shop/Deployment/api"
    return Investigation(incident=incident, tool_calls=calls,
                         diagnosis=Diagnosis(category=category, resource=resource, summary=f"{category.value}: x"))


@pytest.mark.parametrize("source, kube, cloudwatch, expected", [
    ("chat", OK, OK, "answered"),
    ("alarm", OK, OK, "healthy"),
    ("chat", DOWN, OK, "unknown"),
    ("chat", OK, DOWN, "unknown"),
    ("chat", DOWN, DOWN, "unknown"),
    ("alarm", OK, NONE, "unknown"),  # never asked is no evidence either
    ("sweep", DOWN, OK, "unknown"),
])
def test_nothing_found_is_a_verdict_only_with_both_backends_seen(source, kube, cloudwatch, expected):
    run = state(source, kube, cloudwatch)
    status = final_status(run)
    assert status == expected
    answer = _answer(run, status)
    if expected == "unknown":
        assert "healthy" not in answer.lower() and answer.startswith("Unknown: Could not check ")
        missing = [b for b, how in (("kubernetes", kube), ("cloudwatch", cloudwatch)) if how != OK]
        assert all(f"could not check {b}" in answer.lower() for b in missing)
    else:
        assert "could not check" not in answer.lower()


def test_a_root_cause_stands_and_the_hole_is_named():
    run = state("alarm", OK, DOWN, RootCauseCategory.BAD_IMAGE)
    assert final_status(run) == "escalated"
    answer = _answer(run, "escalated")
    assert answer.startswith("Root cause: bad_image on shop/Deployment/api") and "Could not check cloudwatch: " in answer


def test_the_result_and_report_carry_the_coverage():
    run = state("chat", DOWN, OK).model_copy(update={"status": "unknown", "answer": "a"})
    result = to_result(run, duration_s=1.0, trace_id=None, report_path=None)
    assert [(c.backend, c.status) for c in result.coverage] == [("kubernetes", "could_not_check"), ("cloudwatch", "checked")]
    report = render_markdown(run, result)
    assert "## Coverage" in report and f"could not check kubernetes: {UNREACHABLE}" in report
    assert "Restore access to kubernetes" in report


@pytest.mark.parametrize("source, kube, cloudwatch, step", [
    ("alarm", DOWN, OK, "escalate"),  # a firing alarm we could not see behind pages a human
    ("alarm", OK, NONE, "escalate"),
    ("alarm", OK, OK, "finish"),  # seen everywhere, nothing wrong: a verdict
    ("chat", DOWN, OK, "finish"),  # a question is answered "unknown", nobody is paged
    ("sweep", DOWN, OK, "finish"),
])
def test_an_alarm_with_nothing_found_and_a_backend_unseen_is_escalated(source, kube, cloudwatch, step):
    run = state(source, kube, cloudwatch)
    assert next_step(run) == step
    if step == "escalate":
        reason = escalation_reason(run)
        assert reason.startswith("the alarm is firing and no root cause was found, but could not check ")
        assert "could not check kubernetes" in reason if kube != OK else "could not check cloudwatch" in reason
        escalated = run.model_copy(update={"status": "escalated", "escalation_reason": reason})
        assert _answer(escalated, "escalated").startswith("Escalated: Could not check ")


def test_an_alarm_still_firing_with_no_cause_found_pages_a_human_instead_of_saying_healthy():
    from sre_agent.contracts import Finding

    firing = Finding(agent="metrics", resource="shop/Service/api", signal="AlarmFiring", summary="alarm api-5xx is in ALARM "
                     "(threshold crossed) but the detector found no change in 5xxCount over 3 h")
    run = state("alarm", OK, OK)
    assert next_step(run) == "finish"  # nothing firing: a verdict
    run = run.model_copy(update={"findings": [*run.findings, firing]})
    assert next_step(run) == "escalate"
    assert escalation_reason(run) == "no root cause was found, but " + firing.summary


@pytest.mark.parametrize("severity, expected", [("critical", "escalated"), ("warning", "healthy"), ("info", "healthy")])
def test_no_root_cause_with_something_down_is_escalated_not_healthy(severity, expected):
    from sre_agent.contracts import Finding

    run = state("alarm", OK, OK)
    run.findings.append(Finding(agent="kubernetes", resource="shop/Deployment/api", signal="DependencyDown",
                                summary="api calls ledger which has no ready endpoints", severity=severity))
    assert final_status(run) == expected
    answer = _answer(run, expected)
    assert not answer.startswith("Healthy") and "ledger which has no ready endpoints" in answer if severity != "info" \
        else answer.startswith("Healthy")


@pytest.mark.parametrize("extra, step", [
    ([], "escalate"),  # still firing over errors off their baseline: no cause found is not "healthy"
    (["AlarmRecovered"], "finish"),  # the alarm is back to OK: a verdict
])
def test_an_alarm_still_firing_over_errors_with_no_cause_found_pages_a_human(extra, step):
    from sre_agent.contracts import Finding

    errors = Finding(agent="metrics", resource="shop/Service/api", signal="ErrorAnomaly", severity="warning",
                     summary="5xxCount anomalous since 2026-01-01T10:18:00Z")
    run = state("alarm", OK, OK)
    run = run.model_copy(update={"findings": [errors, *(Finding(agent="metrics", resource="shop/Service/api", signal=s,
                                                                summary="alarm api-5xx is OK now", severity="info")
                                                        for s in extra)]})
    assert next_step(run) == step
    if step == "escalate":
        assert escalation_reason(run) == ("no root cause was found, but the alarm still fires and shop/Service/api is off "
                                          "its baseline: 5xxCount anomalous since 2026-01-01T10:18:00Z -- look at what "
                                          "changed before that")


@pytest.mark.parametrize("source, expected", [("alarm", "escalated"), ("sweep", "escalated"), ("chat", "answered")])
def test_calls_failing_at_a_host_outside_the_cluster_are_never_closed_as_healthy(source, expected):
    """Nothing in the cluster to change, yet the alarm is real (a vendor's gateway times out): the page goes to a human
    with where the trouble is -- "healthy" would close it."""
    run = state(source, OK, OK)
    run.diagnosis = Diagnosis(category=RootCauseCategory.NONE, resource="", summary=(
        "No root cause in the cluster: pay/Deployment/payments-api's calls to gw.example-pay.com (outside the cluster) "
        "time out or fail -- its owner is who can fix that"))
    assert final_status(run) == expected
    assert _answer(run, expected).startswith("No root cause in the cluster: pay/Deployment/payments-api's calls to")
    if expected == "escalated":
        done = run.model_copy(update={"status": expected})
        report = render_markdown(done, to_result(done, duration_s=1.0, trace_id=None, report_path=None))
        assert "Escalated because: the fault is outside the cluster -- pay/Deployment/payments-api's calls to " \
            "gw.example-pay.com" in report
