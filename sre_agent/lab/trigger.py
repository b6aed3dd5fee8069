"""The moment a lab scenario reaches the responder: its alarm, as CloudWatch reports it (read back
from the lab's AWS), or its question. Only the alarm's public fields travel -- never the truth.
The lab hands over a `ScenarioTrigger`; turning it into an Incident is the caller's business
(service.intake), so the lab imports nothing from the responder."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .aws.server import client
from .lab import Lab, LabError


class ScenarioTrigger(BaseModel):
    """What a loaded scenario sends the responder: exactly one of the two is set."""

    # The alarm payload as CloudWatch reports it, plus Severity -- or, when the alarm has recovered
    # since it fired, the ALARM notification it sent then.
    alarm: dict[str, Any] | None = None
    question: str | None = None


def alarm_payload(lab: Lab, alarm_name: str) -> dict:
    cloudwatch = client("cloudwatch", lab.moto.url, lab.account)
    alarms = cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"]
    if not alarms:
        raise LabError(f"the scenario's alarm {alarm_name} does not exist in the lab")
    alarm = alarms[0]
    # An SNS alarm notification's fields, the account and the alarm's ARN among them (where the alarm lives).
    return {"AlarmName": alarm["AlarmName"], "AlarmDescription": alarm.get("AlarmDescription"),
            "AWSAccountId": lab.account.account_id if lab.account else None, "AlarmArn": alarm.get("AlarmArn"),
            "NewStateValue": alarm["StateValue"], "NewStateReason": alarm.get("StateReason"),
            "StateChangeTime": alarm["StateUpdatedTimestamp"].isoformat(),
            # as an SNS alarm notification's Trigger carries them (the comparison says a floor from a ceiling)
            "Trigger": {"MetricName": alarm["MetricName"], "Namespace": alarm["Namespace"],
                        "Statistic": alarm.get("Statistic"), "Period": alarm.get("Period"),
                        "EvaluationPeriods": alarm.get("EvaluationPeriods"),
                        "ComparisonOperator": alarm.get("ComparisonOperator"), "Threshold": alarm.get("Threshold"),
                        "Dimensions": [{"name": d["Name"], "value": d["Value"]} for d in alarm["Dimensions"]]}}


def scenario_trigger(lab: Lab) -> ScenarioTrigger:
    scenario = lab.scenario.scenario
    if scenario.question:
        return ScenarioTrigger(question=scenario.question)
    payload = alarm_payload(lab, scenario.alarm.name)
    fired = lab.feed.last_fired.get(scenario.alarm.name) if lab.feed else None
    if payload["NewStateValue"] == "OK" and fired is not None:
        # The alarm fired and has since recovered (a self-healed spike): the page the responder
        # answers is the ALARM notification it sent then -- an OK notification starts no run.
        payload.update(NewStateValue="ALARM", NewStateReason=fired.reason, StateChangeTime=fired.at.isoformat())
    payload["Severity"] = scenario.alarm.severity
    return ScenarioTrigger(alarm=payload)


def lab_namespaces(lab: Lab) -> list[str]:
    return sorted(n["metadata"]["name"] for n in lab.store.list("Namespace") if not n["metadata"]["name"].startswith("kube-"))
