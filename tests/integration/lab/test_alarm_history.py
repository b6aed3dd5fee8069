"""DescribeAlarmHistory on the lab's CloudWatch endpoint (moto has none; the lab adds it, see
sre_agent/lab/aws/alarm_history.py), read with boto3 and the aws CLI over HTTP as a responder would:
the replayed scenario's alarm has its creation, its first evaluation (INSUFFICIENT_DATA -> OK), the
fault's OK -> ALARM with the SNS action it ran, each stamped with the simulated moment it happened;
AlarmName, HistoryItemType, StartDate/EndDate, ScanBy, MaxRecords and NextToken narrow and page the
answer the way the real API does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ClientError

from sre_agent.lab.lab import Lab

pytestmark = pytest.mark.slow
ALARM = "shop-frontend-5xx"


@pytest.fixture(scope="module")
def lab():
    lab = Lab().start()
    lab.load("bad-image")
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def cloudwatch(lab):
    env = lab.env()
    return boto3.client("cloudwatch", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])


def test_the_scenarios_alarm_history_tells_its_story_newest_first(lab, cloudwatch):
    items = cloudwatch.describe_alarm_history(AlarmName=ALARM)["AlarmHistoryItems"]
    assert [(i["HistoryItemType"], i["HistorySummary"]) for i in items] == [
        ("Action", f"Successfully executed action {lab.feed.topic_arn}"),
        ("StateUpdate", "Alarm updated from OK to ALARM"),
        ("StateUpdate", "Alarm updated from INSUFFICIENT_DATA to OK"),
        ("ConfigurationUpdate", f'Alarm "{ALARM}" created'),
    ]
    assert {i["AlarmName"] for i in items} == {ALARM} and {i["AlarmType"] for i in items} == {"MetricAlarm"}
    fired = items[1]
    assert fired["Timestamp"] == lab.feed.last_fired[ALARM].at  # the simulated moment, not the replay's wall clock
    data = json.loads(fired["HistoryData"])
    assert (data["version"], data["oldState"]["stateValue"], data["newState"]["stateValue"]) == ("1.0", "OK", "ALARM")
    assert data["newState"]["stateReason"].startswith("Threshold Crossed")
    assert data["newState"]["stateReasonData"]["threshold"] == 50.0
    created = json.loads(items[-1]["HistoryData"])
    assert created["type"] == "Create" and created["createdAlarm"]["metricName"] == "5xxCount"
    assert items[-1]["Timestamp"] <= items[-2]["Timestamp"] <= fired["Timestamp"]


def test_filters_and_paging(lab, cloudwatch):
    fired_at = lab.feed.last_fired[ALARM].at
    updates = cloudwatch.describe_alarm_history(AlarmName=ALARM, HistoryItemType="StateUpdate",
                                                ScanBy="TimestampAscending")["AlarmHistoryItems"]
    assert [i["HistorySummary"] for i in updates] == ["Alarm updated from INSUFFICIENT_DATA to OK",
                                                      "Alarm updated from OK to ALARM"]
    window = cloudwatch.describe_alarm_history(AlarmName=ALARM, StartDate=fired_at - timedelta(minutes=1),
                                               EndDate=fired_at + timedelta(minutes=1))["AlarmHistoryItems"]
    assert [i["HistoryItemType"] for i in window] == ["Action", "StateUpdate"]
    assert cloudwatch.describe_alarm_history(AlarmName="no-such-alarm")["AlarmHistoryItems"] == []
    seen, token = [], None
    while True:
        page = cloudwatch.describe_alarm_history(AlarmName=ALARM, MaxRecords=1,
                                                 **({"NextToken": token} if token else {}))
        assert len(page["AlarmHistoryItems"]) == 1
        seen.extend(page["AlarmHistoryItems"])
        token = page.get("NextToken")
        if not token:
            break
    assert seen == cloudwatch.describe_alarm_history(AlarmName=ALARM)["AlarmHistoryItems"]
    paged = [i for p in cloudwatch.get_paginator("describe_alarm_history").paginate(
        AlarmName=ALARM, PaginationConfig={"PageSize": 2}) for i in p["AlarmHistoryItems"]]
    assert paged == seen
    with pytest.raises(ClientError) as bad:
        cloudwatch.describe_alarm_history(AlarmName=ALARM, NextToken="not-a-token")
    assert bad.value.response["Error"]["Code"] == "InvalidNextToken"
    with pytest.raises(ClientError) as bad:
        cloudwatch.describe_alarm_history(AlarmName=ALARM, MaxRecords=101)
    assert bad.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_a_clients_own_alarm_changes_are_recorded_and_outlive_the_alarm(lab, cloudwatch):
    name = "client-made"
    cloudwatch.put_metric_alarm(AlarmName=name, Namespace="Application", MetricName="RequestCount", Statistic="Sum",
                                Period=60, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="LessThanThreshold")
    alarm = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    assert alarm["StateValue"] == "INSUFFICIENT_DATA"  # as CloudWatch: unknown until first evaluated
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="testing the pager")
    cloudwatch.delete_alarms(AlarmNames=[name])
    items = cloudwatch.describe_alarm_history(AlarmName=name)["AlarmHistoryItems"]
    assert [i["HistorySummary"] for i in items] == [f'Alarm "{name}" deleted',
                                                    "Alarm updated from INSUFFICIENT_DATA to ALARM",
                                                    f'Alarm "{name}" created']
    assert json.loads(items[1]["HistoryData"])["newState"]["stateReason"] == "testing the pager"
    assert items[0]["Timestamp"] >= items[-1]["Timestamp"] and items[-1]["Timestamp"] <= lab.clock.now()


@pytest.mark.skipif(shutil.which("aws") is None, reason="the aws CLI is not installed")
def test_the_aws_cli_reads_it(lab):
    done = subprocess.run(["aws", "cloudwatch", "describe-alarm-history", "--alarm-name", ALARM,
                           "--history-item-type", "StateUpdate", "--output", "json"],
                          env={**os.environ, **lab.env()}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    items = json.loads(done.stdout)["AlarmHistoryItems"]
    assert [i["HistorySummary"] for i in items] == ["Alarm updated from OK to ALARM",
                                                    "Alarm updated from INSUFFICIENT_DATA to OK"]
