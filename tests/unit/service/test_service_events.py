"""What the workers report reaches people and /metrics: an approval request is sent with the
action id, the approval id and how to answer; a finished run is sent (the notifier decides whether
finished runs are wanted); step durations and tool calls are counted."""

from __future__ import annotations

import asyncio
import time

from sre_agent.app.intake import incident_from_alarm
from sre_agent.app.options import RunOptions
from sre_agent.app.runs import RunStep
from sre_agent.service.core import IncidentService

ALARM = {"AlarmName": "catalog-5xx", "NewStateValue": "ALARM", "StateChangeTime": "2026-03-01T12:00:00Z",
         "Trigger": {"Dimensions": [{"name": "Namespace", "value": "shop"}, {"name": "Service", "value": "catalog"}]}}


class RecordingNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple] = []

    def approval_requested(self, *args) -> list:
        self.sent.append(("approval", *args))
        return []

    def finished(self, *args) -> list:
        self.sent.append(("finished", *args))
        return []


def test_an_approval_request_and_a_finished_run_are_notified_with_how_to_answer(tmp_path):
    notifier = RecordingNotifier()
    service = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False, notifier=notifier,
                              public_url="https://sre.example.com")
    queued = service.store.intake(incident_from_alarm(ALARM), ALARM, "sns")
    run = service.store.claim_next("w", 30)
    request = {"action_id": "act-abc", "plan": {"tool": "rollout_undo"}}
    service.store.pause(run.run_id, "w", request, time.time() + 60)
    step = RunStep(approval_request=request, tool_calls=[("kubernetes", "list_pods", True), ("cloudwatch", "x", False)])
    asyncio.run(service._on_event("awaiting_approval", run, {"request": request, "step": step, "duration_s": 3.0}))
    kind, incident_id, title, action, action_id, hint = notifier.sent[0]
    approval_id = service.store.run(run.run_id).approval["approval_id"]
    assert (kind, incident_id, action, action_id) == ("approval", queued.incident_id, "rollout_undo", "act-abc")
    assert title.startswith("catalog-5xx")
    assert f"https://sre.example.com/v1/incidents/{queued.incident_id}/approval" in hint and approval_id in hint
    asyncio.run(service._on_event("finished", run, {"status": "remediated", "duration_s": 2.0,
                                                    "step": RunStep(tool_calls=[])}))
    assert notifier.sent[1][:4] == ("finished", queued.incident_id, title, "remediated")
    metrics = service.metrics.render().decode()
    assert 'sre_agent_tool_calls_total{outcome="ok",server="kubernetes",tool="list_pods"} 1.0' in metrics
    assert 'sre_agent_tool_calls_total{outcome="error",server="cloudwatch",tool="x"} 1.0' in metrics
    assert "sre_agent_run_step_seconds_count 2.0" in metrics
    assert 'sre_agent_incident_runs_finished_total{status="remediated"} 1.0' in metrics
    assert 'sre_agent_runs{state="awaiting_approval"} 1.0' in metrics
