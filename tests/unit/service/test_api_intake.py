"""The service's intake without a lab: an alarm back to OK starts no run -- it annotates the alarm's
open incident, if any, and is answered "resolved"."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from starlette.testclient import TestClient

from sre_agent.app.options import RunOptions
from sre_agent.contracts import Incident
from sre_agent.service.api import IncidentService, Tracked, build_app

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
OK = {"AlarmName": "frontend-5xx", "NewStateValue": "OK", "NewStateReason": "recovered",
      "StateChangeTime": "2026-03-01T12:05:00Z"}


class NoRuns(IncidentService):
    def submit(self, incident):
        raise AssertionError(f"an OK notification started a run for {incident.id}")


def _client(tmp_path) -> tuple[TestClient, NoRuns]:
    service = NoRuns(RunOptions(state_dir=tmp_path))
    return TestClient(build_app(service, token=None)), service


def test_an_ok_alarm_starts_no_investigation(tmp_path):
    client, service = _client(tmp_path)
    for body in (OK, {"Type": "Notification", "Message": json.dumps(OK)}):
        answer = client.post("/v1/incidents", json=body)
        assert answer.status_code == 200, answer.text
        data = answer.json()
        assert data["resolved"] is True and data["investigation"] is None and data["annotated"] == []
        assert "no investigation started" in data["message"]
    assert client.get("/v1/incidents").json() == {"incidents": []}


def test_an_ok_alarm_annotates_the_open_incident_of_that_alarm(tmp_path):
    client, service = _client(tmp_path)
    incident = Incident(id="inc-1", title="frontend-5xx", started_at=NOW, window_start=NOW, window_end=NOW,
                        alarm={"AlarmName": "frontend-5xx"})
    service.incidents["inc-1"] = Tracked(incident=incident)  # a run still going
    answer = client.post("/v1/incidents", json=OK)
    assert answer.json()["annotated"] == ["inc-1"]
    shown = client.get("/v1/incidents/inc-1").json()
    assert shown["notes"] == ["alarm frontend-5xx back to OK at 2026-03-01T12:05:00Z: recovered"]
    assert shown["status"] == "investigating" and shown["run_id"].startswith("run-")
