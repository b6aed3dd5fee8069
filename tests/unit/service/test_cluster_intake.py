"""Several clusters configured: every notification is routed to its cluster before it is stored (service/routing.py),
and one whose cluster cannot be told is stored escalated at once, never queued; an OK finds the incident its ALARM
opened even when the key was routed by account; the incident list filters by cluster. Without lab or workers."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from sre_agent.app.clusters import ClusterSettings
from sre_agent.app.options import RunOptions
from sre_agent.service.api import build_app
from sre_agent.service.core import IncidentService
from sre_agent.service.routing import IntakeRouting
from sre_agent.service.sources.alertmanager import alertmanager_batch

CLUSTERS = [ClusterSettings(name="prod-eu", aws_account="111122223333"),
            ClusterSettings(name="prod-us", aws_account="444455556666")]


def alarm(name: str = "checkout-5xx", state: str = "ALARM", **extra) -> dict:
    dims = [{"name": "Namespace", "value": "shop"}, {"name": "Service", "value": "checkout"}]
    dims += [{"name": "ClusterName", "value": extra.pop("cluster")}] if "cluster" in extra else []
    return {"AlarmName": name, "NewStateValue": state, "StateChangeTime": "2026-03-01T12:00:00Z",
            "Trigger": {"MetricName": "5xx", "Dimensions": dims}, **extra}


class RecordingNotifier:
    def __init__(self) -> None:
        self.escalations: list[tuple] = []

    def escalation(self, *args) -> list:
        self.escalations.append(args)
        return []


@pytest.fixture
def served(tmp_path):
    notifier = RecordingNotifier()
    service = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False, clusters=CLUSTERS, notifier=notifier)
    return TestClient(build_app(service), raise_server_exceptions=False), service, notifier


def test_an_alarm_naming_its_cluster_is_stored_in_it_with_a_run_queued(served):
    client, service, _ = served
    answer = client.post("/v1/incidents", json=alarm(cluster="prod-us"))
    assert answer.status_code == 202 and answer.json()["disposition"] == "opened", answer.text
    view = answer.json()
    assert view["cluster"] == "prod-us" and view["status"] == "investigating"
    record = service.store.incident(view["incident_id"])
    assert record.incident.cluster == "prod-us" and record.cluster == "prod-us"
    assert record.correlation_key == "cloudwatch:checkout-5xx|ClusterName=prod-us,Namespace=shop,Service=checkout"
    assert service.store.backlog() == 1


def test_an_alarm_routed_by_its_account_is_keyed_by_its_cluster_and_its_ok_resolves_it(served):
    client, service, _ = served
    arn = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:checkout-5xx"
    sns = {"Type": "Notification", "Message": json.dumps(alarm(AWSAccountId="111122223333", AlarmArn=arn))}
    opened = client.post("/v1/incidents", json=sns).json()
    assert opened["cluster"] == "prod-eu" and opened["correlation_key"].endswith("@prod-eu")
    # The same alarm name from the other account is another problem: an incident of its own, in its own cluster.
    other = client.post("/v1/incidents", json=alarm(AWSAccountId="444455556666")).json()
    assert other["incident_id"] != opened["incident_id"] and other["cluster"] == "prod-us"
    ok = {"detail-type": "CloudWatch Alarm State Change", "account": "111122223333", "region": "eu-west-1",
          "resources": [arn], "time": "2026-03-01T12:09:00Z",
          "detail": {"alarmName": "checkout-5xx", "state": {"value": "OK", "reason": "recovered"},
                     "configuration": {"metrics": [{"metricStat": {"metric": {
                         "name": "5xx", "dimensions": {"Namespace": "shop", "Service": "checkout"}}}}]}}}
    resolved = client.post("/v1/alarms/eventbridge", json=ok)
    assert resolved.status_code == 200 and resolved.json()["disposition"] == "resolved", resolved.text
    assert resolved.json()["incident_id"] == opened["incident_id"]
    assert service.store.incident(other["incident_id"]).state == "open"


def test_an_alarm_whose_cluster_cannot_be_told_ends_escalated_at_once_with_why_and_no_run(served):
    client, service, notifier = served
    answer = client.post("/v1/incidents", json=alarm())
    assert answer.status_code == 200 and answer.json()["disposition"] == "unrouted", answer.text
    incident_id = answer.json()["incident_id"]
    assert service.store.backlog() == 0 and answer.json()["run_id"] is None
    view = client.get(f"/v1/incidents/{incident_id}").json()
    assert view["status"] == "escalated" and view["cluster"] is None and view["state"] == "open"
    assert "names no cluster" in view["result"]["diagnosis"]["summary"]
    assert view["result"]["incident_id"] == incident_id and view["result"]["status"] == "escalated"
    assert view["notes"][0].startswith("investigated in no cluster")
    assert "Not investigated" in client.get(f"/v1/incidents/{incident_id}/report").text
    _wait(lambda: notifier.escalations)
    assert notifier.escalations[0][0] == incident_id and "names no cluster" in notifier.escalations[0][2]
    again = client.post("/v1/incidents", json=alarm())
    assert again.json()["disposition"] == "attached" and again.json()["incident_id"] == incident_id
    ok = client.post("/v1/incidents", json=alarm(state="OK"))
    assert ok.json()["disposition"] == "resolved" and ok.json()["incident_id"] == incident_id
    assert len(service.store.runs_of(incident_id)) == 1 and len(notifier.escalations) == 1


def test_signals_that_disagree_are_not_guessed(served):
    client, _, _ = served
    answer = client.post("/v1/incidents", json=alarm(cluster="prod-us", AWSAccountId="111122223333"))
    assert answer.json()["disposition"] == "unrouted"
    assert "not guessed" in answer.json()["result"]["diagnosis"]["summary"]


def test_questions_alertmanager_alerts_and_the_sqs_path_are_routed_too(served):
    client, service, _ = served
    asked = client.post("/v1/incidents", json={"question": "is checkout healthy?", "cluster": "prod-eu"}).json()
    assert asked["cluster"] == "prod-eu" and asked["disposition"] == "opened"
    vague = client.post("/v1/incidents", json={"question": "is checkout healthy?"}).json()
    assert vague["disposition"] == "unrouted" and "names no cluster" in vague["result"]["diagnosis"]["summary"]
    typo = client.post("/v1/incidents", json={"question": "is checkout healthy?", "cluster": "prod-ue"}).json()
    assert typo["disposition"] == "unrouted" and "'prod-ue' was asked for" in typo["result"]["diagnosis"]["summary"]
    webhook = {"version": "4", "status": "firing", "receiver": "sre", "groupKey": "g", "alerts": [
        {"status": "firing", "labels": {"alertname": "KubePodCrashLooping", "namespace": "shop", "pod": "checkout-1",
                                        "cluster": "prod-us"},
         "annotations": {}, "startsAt": "2026-03-01T12:00:00Z", "fingerprint": "abc123"}]}
    incident = alertmanager_batch(webhook).firing[0]
    assert service.receive_incident(incident, incident.alarm, "alertmanager").disposition == "opened"
    queued = service.receive_alarm(alarm(name="sqs-5xx", cluster="prod-eu"), "sqs")
    assert service.store.incident(queued.incident_id).cluster == "prod-eu"
    clusters = {r.incident.title: r.cluster for r in service.store.incidents()}
    assert clusters["sqs-5xx: 5xx"] == "prod-eu" and any(c == "prod-us" for t, c in clusters.items() if "Crash" in t)


def test_the_incident_list_filters_by_cluster(served):
    client, _, _ = served
    ids = {name: client.post("/v1/incidents", json=alarm(name=name, **({"cluster": where} if where else {})))
           .json()["incident_id"] for name, where in (("a", "prod-eu"), ("b", "prod-us"), ("c", "prod-eu"), ("d", None))}

    def listed(cluster: str | None) -> list[str]:
        params = {"cluster": cluster} if cluster is not None else {}
        return [i["incident_id"] for i in client.get("/v1/incidents", params=params).json()["incidents"]]

    assert listed("prod-eu") == [ids["c"], ids["a"]]
    assert listed("prod-us") == [ids["b"]]
    assert listed("-") == [ids["d"]]
    assert listed("elsewhere") == []
    assert len(listed(None)) == len(listed("")) == 4


def test_without_clusters_nothing_is_routed_and_a_question_naming_one_is_refused(tmp_path):
    service = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False)
    client = TestClient(build_app(service), raise_server_exceptions=False)
    opened = client.post("/v1/incidents", json=alarm(cluster="prod-us")).json()
    assert opened["disposition"] == "opened" and opened["cluster"] is None
    assert opened["correlation_key"] == "cloudwatch:checkout-5xx|ClusterName=prod-us,Namespace=shop,Service=checkout"
    refused = client.post("/v1/incidents", json={"question": "is checkout healthy?", "cluster": "prod-us"})
    assert refused.status_code == 422 and "no clusters configured" in refused.json()["error"]
    assert IntakeRouting().resolution_key(alarm(state="OK"), "key") == "key"


def _wait(probe, bound_s: float = 5.0):
    import time

    deadline = time.monotonic() + bound_s
    while not probe():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.02)
