"""Alarm intake: every shape an alarm arrives in becomes the same Incident; what cannot be one is
refused saying what was expected."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from sre_agent.app.intake import AlarmResolved, IntakeError, alarm_payload, incident_for_sweep, incident_from_alarm, incident_from_question

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RAW = {"AlarmName": "frontend-5xx", "AlarmDescription": "storefront errors", "NewStateValue": "ALARM",
       "NewStateReason": "threshold crossed", "StateChangeTime": "2026-03-01T11:55:00.000+0000",
       "Trigger": {"MetricName": "5xx", "Namespace": "Shop",
                   "Dimensions": [{"name": "Namespace", "value": "shop"}, {"name": "Service", "value": "frontend"}]}}
SNS = {"Records": [{"Sns": {"Message": json.dumps(RAW)}}]}
EVENTBRIDGE = {"detail-type": "CloudWatch Alarm State Change", "time": "2026-03-01T11:55:00Z",
               "detail": {"alarmName": "frontend-5xx", "state": {"value": "ALARM", "reason": "threshold crossed"},
                          "configuration": {"metrics": [{"metricStat": {"metric": {
                              "name": "5xx", "namespace": "Shop",
                              "dimensions": {"Namespace": "shop", "Service": "frontend"}}}}]}}}


def _dims(*pairs: tuple[str, str]) -> dict:
    return {**RAW, "Trigger": {**RAW["Trigger"], "Dimensions": [{"Name": k, "Value": v} for k, v in pairs]}}


@pytest.mark.parametrize("payload", [RAW, SNS, EVENTBRIDGE], ids=["raw", "sns", "eventbridge"])
def test_every_envelope_gives_the_same_incident(payload):
    incident = incident_from_alarm(payload, now=NOW)
    assert incident.source == "alarm" and incident.alarm["AlarmName"] == "frontend-5xx"
    assert incident.affected == ["shop/Service/frontend"]
    assert incident.started_at == datetime(2026, 3, 1, 11, 55, tzinfo=UTC)
    assert incident.id.startswith("inc-20260301-1155-") and incident.window_end == NOW


@pytest.mark.parametrize("dimensions, affected", [
    ([("Namespace", "shop"), ("Service", "frontend")], ["shop/Service/frontend"]),
    ([("Namespace", "shop"), ("PodName", "catalog")], ["shop/Deployment/catalog"]),
    ([("NodeName", "node-3")], ["Node/node-3"]),
    ([("Namespace", "shop")], ["shop"]),
    ([("ClusterName", "prod")], []),
    # Prometheus series scraped into CloudWatch keep their label names as dimension names
    ([("ClusterName", "prod"), ("namespace", "batch"), ("job_name", "backfill")], ["batch/Job/backfill"]),
    ([("namespace", "db"), ("persistentvolumeclaim", "data-pg-0")], ["db/PersistentVolumeClaim/data-pg-0"]),
    ([("namespace", "db"), ("statefulset", "pg")], ["db/StatefulSet/pg"]),
])
def test_dimensions_say_where_to_look(dimensions, affected):
    assert incident_from_alarm(_dims(*dimensions), now=NOW).affected == affected


@pytest.mark.parametrize("payload, says", [
    ({"hello": "world"}, "no AlarmName"),
    ({"Records": [{"Sns": {"Message": "not json"}}]}, "SNS message body is not JSON"),
])
def test_what_is_not_an_alarm_is_refused_saying_what_was_expected(payload, says):
    with pytest.raises(IntakeError, match=says):
        incident_from_alarm(payload, now=NOW)


RESOLVED = {**RAW, "NewStateValue": "OK"}
RESOLVED_EVENTBRIDGE = {**EVENTBRIDGE, "detail": {**EVENTBRIDGE["detail"], "state": {"value": "OK", "reason": "threshold crossed"}}}


@pytest.mark.parametrize("payload", [RESOLVED, {"Records": [{"Sns": {"Message": json.dumps(RESOLVED)}}]}, RESOLVED_EVENTBRIDGE],
                         ids=["raw", "sns", "eventbridge"])
def test_an_ok_notification_is_a_resolution_and_opens_no_incident(payload):
    with pytest.raises(AlarmResolved) as raised:
        incident_from_alarm(payload, now=NOW)
    assert raised.value.alarm_name == "frontend-5xx" and raised.value.reason == "threshold crossed"
    assert "no investigation started" in str(raised.value)


def test_the_alarm_says_how_long_it_needs_to_see_a_fix():
    payload = {**RAW, "Trigger": {**RAW["Trigger"], "Period": 300, "EvaluationPeriods": 3}}
    trigger = incident_from_alarm(payload, now=NOW).alarm["Trigger"]
    assert (trigger["Period"], trigger["EvaluationPeriods"]) == (300, 3)


def test_same_alarm_same_incident_id():
    assert incident_from_alarm(RAW, now=NOW).id == incident_from_alarm(SNS, now=NOW).id


def test_questions_and_sweeps():
    chat = incident_from_question("  why is checkout slow?  ", now=NOW)
    assert (chat.source, chat.question, chat.severity) == ("chat", "why is checkout slow?", "low")
    with pytest.raises(IntakeError, match="empty"):
        incident_from_question("   ")
    assert incident_for_sweep(now=NOW).source == "sweep"


def test_an_alarm_as_describe_alarms_lists_it_opens_the_incident_its_notification_would():
    """Chat asked about an alarm investigates it where its dimensions point, as the alarm entry would -- never the
    whole cluster, whose worst trouble may be another workload's."""
    row = {"name": "cb-showtime-stale", "state": "ALARM", "reason": "Threshold Crossed", "updated": "2026-11-27T20:00:00Z",
           "comparison": "LessThanThreshold", "evaluation_periods": 2,
           "metric": {"namespace": "ContainerInsights", "name": "namespace_number_of_running_pods", "period": 3600},
           "dimensions": {"ClusterName": "sre-lab", "Namespace": "programming"}}
    incident = incident_from_alarm(alarm_payload(row))
    assert incident.source == "alarm" and incident.affected == ["programming"]
    assert incident.alarm["Trigger"]["ComparisonOperator"] == "LessThanThreshold"
    assert incident.started_at.isoformat().startswith("2026-11-27T20:00")
