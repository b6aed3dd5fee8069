"""An alarm that opened the incident and still fires with no cause found is never a verdict of health
(graph/report.py alarm_unexplained): errors or latency off their baseline say so -- and, for an alarm on a floor
("fewer than 200 sends a minute"), the alarmed metric fallen and not come back; for a ceiling, the alarmed metric
still climbing when it measures something used up (a volume, a node's CPU) rather than demand, and no batch Job's run
is seen driving it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sre_agent.contracts import Finding, Incident
from sre_agent.graph.report import alarm_unexplained
from sre_agent.graph.state import Investigation

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def _state(comparison: str | None, signal: str) -> Investigation:
    incident = Incident(id="inc-1", title="sms sender delivery rate", started_at=NOW, window_start=NOW, window_end=NOW,
                        affected=["comms/Service/sms-sender"], source="alarm",
                        alarm={"AlarmName": "delivery-rate", "Trigger": {"MetricName": "RequestCount",
                                                                         "ComparisonOperator": comparison}})
    shifted = Finding(agent="metrics", resource="comms/Service/sms-sender", signal=signal, severity="warning",
                      summary="RequestCount anomalous since 02:40", details={"onset": "2026-11-27T02:40:00Z"})
    return Investigation(incident=incident, started_epoch=0.0, findings=[shifted])


@pytest.mark.parametrize(("comparison", "signal", "unexplained"), [
    ("LessThanThreshold", "MetricAnomaly", True),  # sends fell under their floor: work not done
    ("GreaterThanThreshold", "MetricAnomaly", False),  # more requests than a ceiling: load, not a fault found
    (None, "ErrorAnomaly", True),  # errors off their baseline, whatever the alarm
])
def test_an_alarm_still_off_its_baseline_is_not_healthy(comparison, signal, unexplained):
    assert (alarm_unexplained(_state(comparison, signal)) is not None) is unexplained


def _ceiling(metric: str, *, top: str | None = None) -> Investigation:
    incident = Incident(id="inc-2", title=f"{metric} high", started_at=NOW, window_start=NOW, window_end=NOW,
                        affected=["billing/PersistentVolumeClaim/spool"], source="alarm",
                        alarm={"AlarmName": "spool-used", "Trigger": {"MetricName": metric,
                                                                      "ComparisonOperator": "GreaterThanThreshold"}})
    findings = [Finding(agent="metrics", resource="billing/PersistentVolumeClaim/spool", signal="MetricAnomaly",
                        summary=f"{metric} anomalous since 02:40", details={"metric": metric, "alarmed": True})]
    if top:
        findings.append(Finding(agent="kubernetes", resource=top, signal="NodeTopConsumer", summary="uses the most cpu"))
    return Investigation(incident=incident, started_epoch=0.0, findings=findings)


@pytest.mark.parametrize(("metric", "top", "unexplained"), [
    ("kubelet_volume_stats_used_bytes", None, True),  # a volume still filling: it will run out
    ("ApproximateNumberOfMessagesVisible", None, True),  # a queue still growing
    ("node_cpu_utilization", "billing/Job/bill-run-7", False),  # a batch Job's run heats the node: it ends by itself
    ("node_cpu_utilization", "billing/Deployment/api", True),  # a service's pods, no end in sight
    ("RequestCount", None, False),  # demand: more requests, served without errors or latency
])
def test_a_ceiling_alarm_whose_metric_still_climbs(metric, top, unexplained):
    assert (alarm_unexplained(_ceiling(metric, top=top)) is not None) is unexplained
