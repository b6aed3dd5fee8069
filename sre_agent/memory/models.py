"""The memory's records: one per finished run (PastIncident) and one per thing the team said (TeamFact, a contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from ..contracts import TeamFact  # noqa: F401 -- a memory record too: the graph's policy reads it, so it is a contract


class PastIncident(BaseModel):
    """One finished run as remembered: its signature (what it was about and what the evidence looked like), what was
    done about it, whether that held, who approved, and how long detection, diagnosis and resolution took. Built from
    the run's own structured results (tool output masked by the servers, the question redacted again here)."""

    run_id: str
    incident_id: str
    recorded_at: datetime  # when the run finished
    started_at: datetime | None = None  # when the incident started (the alarm's state change)
    source: str = "alarm"
    title: str = ""
    alarm: str | None = None  # the alarm's name
    question: str | None = None
    cluster: str = ""
    namespace: str | None = None
    affected: list[str] = Field(default_factory=list)  # where the symptom was seen
    resource: str = ""  # the diagnosed root resource
    category: str = "none"
    summary: str = ""
    status: str = ""
    fingerprints: list[str] = Field(default_factory=list)  # all its evidence, by kind
    fault_fingerprints: list[str] = Field(default_factory=list)  # the root resource's own, metric shapes aside
    fix: str = ""  # what was done, as a sentence ("" nothing applied); else what was proposed to a human
    fix_tool: str = ""
    fix_resource: str = ""
    fix_args: dict[str, Any] = Field(default_factory=dict)
    fix_applied: bool = False
    verified: bool = False
    approved_by: str | None = None
    runbook: str | None = None
    tool_calls: int = 0
    time_to_detect_s: float | None = None  # symptom onset -> incident start
    time_to_diagnose_s: float | None = None  # run start -> diagnosis
    time_to_resolve_s: float | None = None  # incident start -> verified fix
