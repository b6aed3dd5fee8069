"""An alarm that opened the incident and still fires with no cause found is never a verdict of health
(graph/report.py alarm_unexplained): errors or latency off their baseline say so -- and, for an alarm on a floor
("fewer than 200 sends a minute"), the alarmed metric fallen and not come back."""

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
