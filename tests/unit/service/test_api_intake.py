"""The service's intake without a lab or workers (no lifespan: nothing runs): notifications are
persisted and correlated before they are acknowledged; OK resolves and never starts a run; a full
queue answers 429 with Retry-After and persists nothing; hostile bodies are 4xx, never 500."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from sre_agent.app.options import RunOptions
from sre_agent.service.api import build_app
from sre_agent.service.core import IncidentService

ALARM = {"AlarmName": "frontend-5xx", "NewStateValue": "ALARM", "NewStateReason": "threshold crossed",
         "StateChangeTime": "2026-03-01T12:00:00Z",
         "Trigger": {"MetricName": "5xx", "Dimensions": [{"name": "Namespace", "value": "shop"},
                                                         {"name": "Service", "value": "frontend"}]}}
OK = {**ALARM, "NewStateValue": "OK", "NewStateReason": "recovered", "StateChangeTime": "2026-03-01T12:05:00Z"}


def _client(tmp_path, **kwargs) -> tuple[TestClient, IncidentService]:
    service = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False, **kwargs)
    return TestClient(build_app(service), raise_server_exceptions=False), service


def test_an_ok_alarm_with_nothing_open_starts_nothing(tmp_path):
    client, service = _client(tmp_path)
    for body in (OK, {"Type": "Notification", "Message": json.dumps(OK)}):
        answer = client.post("/v1/incidents", json=body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["disposition"] == "ignored" and answer.json()["run_id"] is None
    assert client.get("/v1/incidents").json() == {"incidents": []}
    assert [n["disposition"] for n in service.store.notifications()] == ["ignored", "ignored"]


def test_alarm_then_repeat_then_ok_is_one_incident_resolved_with_one_run(tmp_path):
    client, service = _client(tmp_path)
    opened = client.post("/v1/incidents", json=ALARM)
    assert opened.status_code == 202 and opened.json()["disposition"] == "opened"
    incident_id = opened.json()["incident_id"]
    repeat = client.post("/v1/alarms/eventbridge", json={
        "detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch", "time": "2026-03-01T12:01:00Z",
        "detail": {"alarmName": "frontend-5xx", "state": {"value": "ALARM", "reason": "still"},
                   "configuration": {"metrics": [{"metricStat": {"metric": {
                       "name": "5xx", "dimensions": {"Namespace": "shop", "Service": "frontend"}}}}]}}})
    assert repeat.status_code == 200 and repeat.json()["incident_id"] == incident_id and repeat.json()["deduplicated"]
    resolved = client.post("/v1/incidents", json=OK)
    assert resolved.json()["disposition"] == "resolved" and resolved.json()["incident_id"] == incident_id
    shown = client.get(f"/v1/incidents/{incident_id}").json()
    assert shown["state"] == "resolved" and shown["notifications"] == 2 and len(shown["runs"]) == 1
    assert "back to OK" in shown["notes"][0]


def test_a_full_queue_answers_429_with_retry_after_and_persists_nothing(tmp_path):
    client, service = _client(tmp_path, max_queue=2)
    for name in ("a", "b"):
        assert client.post("/v1/incidents", json={**ALARM, "AlarmName": name}).status_code == 202
    full = client.post("/v1/incidents", json={**ALARM, "AlarmName": "c"})
    assert full.status_code == 429 and int(full.headers["Retry-After"]) > 0 and "retry" in full.json()["error"]
    assert len(service.store.incidents()) == 2
    # A notification for an open incident costs no queue slot: never refused for load.
    assert client.post("/v1/incidents", json={**ALARM, "AlarmName": "a"}).status_code == 200


@pytest.mark.parametrize("raw, where", [
    (b'{"question": 1}', "question"),
    (b'{"question": "x", "namespace": ["a"]}', "namespace"),
    (b'{"AlarmName": "x", "NewStateValue": "ALARM", "Trigger": "s"}', "Trigger"),
    (b'{"AlarmName": 5, "NewStateValue": "ALARM"}', "AlarmName"),
    (b'{"AlarmName": "x", "NewStateValue": "ALARM", "Trigger": {"Dimensions": {"a": 1}}}', "Dimensions"),
    (b'{"AlarmName": "x", "NewStateValue": "ALARM", "Trigger": {"Period": "sixty"}}', "Period"),
    (b'{"AlarmName": "x", "NewStateValue": "ALARM", "StateChangeTime": 7}', "StateChangeTime"),
    (b'{"AlarmName": "x", "NewStateValue": NaN}', "NaN"),
    (b'{"AlarmName": "x", "NewStateValue": "ALARM", "x": Infinity}', "Infinity"),
    (b'[' * 5000 + b']' * 5000, "nested"),
    (b'{"Type": "Notification", "Message": 3}', "Message"),
    (b'{"Type": "Notification", "Message": "[1]"}', "not a JSON object"),
    (b'{"detail-type": "CloudWatch Alarm State Change", "detail": "x"}', "detail"),
    (b'"just a string"', "JSON object"),
    (b'\xff\xfe', "not JSON"),
])
def test_hostile_bodies_are_4xx_naming_what_was_wrong(tmp_path, raw, where):
    client, _ = _client(tmp_path)
    answer = client.post("/v1/incidents", content=raw, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert where in answer.json()["error"]


def test_an_approval_needs_decision_by_and_approval_id(tmp_path):
    client, service = _client(tmp_path)
    incident_id = client.post("/v1/incidents", json=ALARM).json()["incident_id"]
    missing = client.post(f"/v1/incidents/{incident_id}/approval", json={"decision": "approved"})
    assert missing.status_code == 422 and {f["field"] for f in missing.json()["fields"]} >= {"approval_id"}
    # No person's token names who decides (no auth here, as with the static token): the body must say it.
    nobody = client.post(f"/v1/incidents/{incident_id}/approval", json={"decision": "approved", "approval_id": "apr-x"})
    assert nobody.status_code == 422 and [f["field"] for f in nobody.json()["fields"]] == ["by"]
    not_waiting = client.post(f"/v1/incidents/{incident_id}/approval",
                              json={"decision": "rejected", "by": "carol", "approval_id": "apr-x"})
    assert not_waiting.status_code == 409 and "not waiting" in not_waiting.json()["error"]
    assert client.post("/v1/incidents/inc-nope/approval",
                       json={"decision": "rejected", "by": "c", "approval_id": "a"}).status_code == 404


def test_the_openapi_document_names_the_routes(tmp_path):
    client, _ = _client(tmp_path)
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/incidents", "/v1/incidents/{incident_id}", "/v1/incidents/{incident_id}/approval",
            "/v1/alarms/eventbridge", "/healthz", "/readyz", "/metrics"} <= set(paths)


def test_an_incident_is_resolved_by_hand_once(tmp_path):
    client, _ = _client(tmp_path)
    incident_id = client.post("/v1/incidents", json=ALARM).json()["incident_id"]
    done = client.post(f"/v1/incidents/{incident_id}/resolve", json={"by": "carol", "note": "restarted by hand"})
    assert done.status_code == 200 and done.json()["state"] == "resolved"
    assert done.json()["notes"] == ["resolved by carol: restarted by hand"]
    assert client.post(f"/v1/incidents/{incident_id}/resolve", json={"by": "carol"}).status_code == 409
    assert client.post("/v1/incidents/inc-nope/resolve", json={"by": "carol"}).status_code == 404
    assert client.post(f"/v1/incidents/{incident_id}/resolve", json={}).status_code == 422
