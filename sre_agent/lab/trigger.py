"""The moment a lab scenario reaches the responder: its alarm, as CloudWatch reports it (read back
from the lab's AWS), or its question. Only the alarm's public fields travel -- never the truth."""

from __future__ import annotations

from ..contracts import Incident
from ..service.intake import incident_from_alarm, incident_from_question
from .aws import client
from .lab import Lab, LabError


def alarm_payload(lab: Lab, alarm_name: str) -> dict:
    cloudwatch = client("cloudwatch", lab.moto.url, lab.account)
    alarms = cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"]
    if not alarms:
        raise LabError(f"the scenario's alarm {alarm_name} does not exist in the lab")
    alarm = alarms[0]
    return {"AlarmName": alarm["AlarmName"], "AlarmDescription": alarm.get("AlarmDescription"),
            "NewStateValue": alarm["StateValue"], "NewStateReason": alarm.get("StateReason"),
            "StateChangeTime": alarm["StateUpdatedTimestamp"].isoformat(),
            "Trigger": {"MetricName": alarm["MetricName"], "Namespace": alarm["Namespace"],
                        "Dimensions": [{"name": d["Name"], "value": d["Value"]} for d in alarm["Dimensions"]]}}


def incident_for(lab: Lab) -> Incident:
    scenario = lab.scenario.scenario
    if scenario.question:
        return incident_from_question(scenario.question)
    payload = alarm_payload(lab, scenario.alarm.name)
    payload["Severity"] = scenario.alarm.severity
    return incident_from_alarm(payload)


def lab_namespaces(lab: Lab) -> list[str]:
    return sorted(n["metadata"]["name"] for n in lab.store.list("Namespace") if not n["metadata"]["name"].startswith("kube-"))
