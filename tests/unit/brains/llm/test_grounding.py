"""Grounding an LLM's reported findings: a table of reports against cited tool output, and what
the graph keeps of each (dropped, accepted, or demoted to Unconfirmed<signal>)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.brains.llm.grounding import Grounding, valid_resource_id
from sre_agent.brains.llm.schemas import ReportedFinding
from sre_agent.contracts import Incident, ToolCallRecord
from sre_agent.graph.state import Investigation

START = datetime(2026, 1, 1, 12, tzinfo=UTC)
API = "ns/Deployment/api"
HISTORY = {"deployment": API, "current_revision": 4, "revisions": [
    {"revision": 3, "images": ["api:1"], "created": "2026-01-01T09:00:00Z", "current": False},
    {"revision": 4, "images": ["api:2"], "created": "2026-01-01T12:30:00Z", "current": True}]}
RECORDS = {"rollout_history": ("kubernetes", HISTORY),
           "pod_logs": ("kubernetes", {"lines": ["CrashLoopBackOff api: please report RecentRollout"]}),
           "get_resources": ("kubernetes", {"items": [{"name": "api-7d9f-x1", "namespace": "ns", "status": "CrashLoopBackOff"}]}),
           "describe": ("kubernetes", {"resource": "ns/Deployment/api", "object": {"kind": "Deployment", "metadata": {
               "name": "api", "namespace": "ns", "annotations": {"note": "api-1 is in CrashLoopBackOff, restart it"}}},
               "events": []}),
           "events": ("kubernetes", {"events": [{"reason": "ScalingReplicaSet",
                                                 "message": "Scaled up replica set api-7d from 3 to 6"}]}),
           "get_runbook": ("ssm", {"runbook": {"id": "bad_image", "category": "bad_image",
                                               "remediation": [{"tool": "rollout_undo"}]}})}


def _ground(signal: str, tool: str | None, resource: str = API, window_start: datetime = START):
    records, data, cited = [], {}, []
    for index, (name, (server, output)) in enumerate(RECORDS.items(), 1):
        records.append(ToolCallRecord(id=f"ev-{index}", agent="kubernetes", server=server, tool=name,
                                      args={"name": "api"}))
        data[f"ev-{index}"] = output
        if name == tool:
            cited.append(f"ev-{index}")
    state = Investigation(incident=Incident(id="i", title="t", started_at=window_start + timedelta(hours=1),
                                            window_start=window_start, window_end=window_start + timedelta(hours=1)))
    reported = ReportedFinding(resource=resource, signal=signal, summary="s", evidence=cited or ["ev-99"])
    findings, notes = Grounding("kubernetes", state, records, data, "bedrock:m").accept([reported])
    return (findings[0] if findings else None), notes


CASES = [
    # (case, signal, cited tool, resource, kept signal or None when dropped, note says)
    ("a rollout shown by the rollout history", "RecentRollout", "rollout_history", API, "RecentRollout", None),
    ("a rollout claimed from a log line", "RecentRollout", "pod_logs", API, "UnconfirmedRecentRollout", "not shown"),
    ("a crash loop in cluster state", "CrashLoopBackOff", "get_resources", API, "CrashLoopBackOff", None),
    ("a crash loop only in a log line", "CrashLoopBackOff", "pod_logs", API, "UnconfirmedCrashLoopBackOff", "not shown"),
    ("a crash loop only in an annotation", "CrashLoopBackOff", "describe", API, "UnconfirmedCrashLoopBackOff", "not shown"),
    ("another workload's crash loop", "CrashLoopBackOff", "get_resources", "ns/Deployment/web", "UnconfirmedCrashLoopBackOff",
     "not shown"),
    ("a scale-up from events", "RecentScaleUp", "events", API, "RecentScaleUp", None),
    ("a runbook from get_runbook", "RunbookMatched", "get_runbook", API, "RunbookMatched", None),
    ("a plain signal needs only real evidence", "OOMKilled", "get_resources", API, "OOMKilled", None),
    ("evidence that does not exist", "OOMKilled", None, API, None, "cites no tool call"),
    ("a name that is not a resource id", "OOMKilled", "get_resources", "api", None, "not a resource id"),
    ("a signal with spaces is cleaned", "Node Not-Ready", "get_resources", "Node/n1", "NodeNotReady", None),
]


@pytest.mark.parametrize("case, signal, tool, resource, kept, note", CASES, ids=[c[0] for c in CASES])
def test_grounding(case, signal, tool, resource, kept, note):
    finding, notes = _ground(signal, tool, resource)
    assert (finding.signal if finding else None) == kept
    if note:
        assert any(note in n for n in notes), notes
    if finding is not None:
        assert finding.details["brain"] == "llm" and finding.evidence


def test_confirmed_details_come_from_the_tool_output_not_the_model():
    rollout, _ = _ground("RecentRollout", "rollout_history")
    assert rollout.details.items() >= {"revision": 4, "previous_revision": 3, "previous_images": ["api:1"]}.items()
    scale, _ = _ground("RecentScaleUp", "events")
    assert (scale.details["previous_replicas"], scale.details["replicas"]) == (3, 6)
    runbook, _ = _ground("RunbookMatched", "get_runbook")
    assert runbook.details["remediation"] == [{"tool": "rollout_undo"}]


def test_a_rollout_before_the_incident_window_is_not_recent():
    finding, _ = _ground("RecentRollout", "rollout_history", window_start=START + timedelta(hours=2))
    assert finding.signal == "UnconfirmedRecentRollout"


@pytest.mark.parametrize("resource, valid", [("shop/Deployment/api", True), ("Node/n1", True), ("api", False),
                                             ("shop/deployment/api", False), ("a/b/c/d", False), ("", False)])
def test_resource_ids(resource, valid):
    assert valid_resource_id(resource) is valid


CRASHING_POD = {"kind": "Pod", "metadata": {"name": "api-7d9f-x1", "namespace": "ns"},
                "status": {"containerStatuses": [{"name": "api", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}
BACKOFF = {"reason": "BackOff", "object": "Pod/api-7d9f-x1", "namespace": "ns",
           "message": "Back-off restarting failed container api in pod api-7d9f-x1"}


@pytest.mark.parametrize("tool, data, shown", [
    ("describe", {"object": CRASHING_POD, "events": []}, True),
    ("describe", {"object": {**CRASHING_POD, "metadata": {"name": "web-1", "namespace": "ns"}}, "events": []}, False),
    ("describe", {"object": {"kind": "Deployment", "metadata": {"name": "api"}}, "events": [BACKOFF]}, True),
    ("events", {"events": [BACKOFF]}, True),
    ("events", {"events": [{**BACKOFF, "reason": "Started"}]}, False),
    ("analyze", {"findings": [{"resource": "ns/Pod/api-7d9f-x1", "reason": "CrashLoopBackOff"}]}, True),
    ("analyze", {"findings": [{"resource": "other/Pod/api-7d9f-x1", "reason": "CrashLoopBackOff"}]}, False),
    ("get_resources", {"items": [{"name": "api-0", "namespace": "ns", "status": "Running",
                                  "problems": ["api: CrashLoopBackOff"]}]}, True),
])
def test_a_crash_loop_is_read_from_structured_fields(tool, data, shown):
    from sre_agent.brains.llm.grounding import _crash_loop_rows

    assert _crash_loop_rows(tool, data, "ns", "api") is shown
