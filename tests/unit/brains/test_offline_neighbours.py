"""An alarm whose workload shows nothing, even in its own error lines: its namespace's other workloads are read last,
a few of them, for lines that say their own cause (a controller the API forbids) -- never for a question about an
object that does not exist, nor before the alarmed workload's own logs."""

from __future__ import annotations

from datetime import UTC, datetime

from sre_agent.brains.offline.supervisor import MAX_NEIGHBOURS, _candidates
from sre_agent.contracts import Finding, Incident
from sre_agent.graph.state import Investigation, Task

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
ALARMED = "auction/Deployment/lot-closer"


def _state(*, alarm: bool, logs_read: bool, neighbours: int = 0) -> Investigation:
    incident = Incident(id="inc-1", title="t", started_at=NOW, window_start=NOW, window_end=NOW, affected=[ALARMED],
                        alarm={"AlarmName": "lots-closing-stalled"} if alarm else None)
    found = [Finding(agent="kubernetes", resource=f"auction/Deployment/n{i}", signal="Neighbour", summary="s", severity="info")
             for i in range(neighbours)]
    asked = [Task(agent="logs", target=ALARMED, question="patterns", reason="r")] if logs_read else []
    return Investigation(incident=incident, findings=found, tasks=asked)


def test_an_unexplained_alarm_reads_its_namespaces_other_workloads_after_its_own_logs():
    tasks = _candidates(_state(alarm=True, logs_read=True, neighbours=6))
    assert any(t.question == "neighbours" and t.target == "auction" for t in tasks)
    assert len([t for t in tasks if t.agent == "logs" and t.target.startswith("auction/Deployment/n")]) == MAX_NEIGHBOURS
    assert not any(t.question == "neighbours" for t in _candidates(_state(alarm=True, logs_read=False)))  # own first
    assert not any(t.question == "neighbours" for t in _candidates(_state(alarm=False, logs_read=True)))  # a question
