"""The store's rows as typed records (store.py keeps the SQL): runs, incidents (whole, or the header a
view needs), and what became of one notification."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..contracts import Incident

# joined: the incident joined another with the same root cause (groups.py): parked until that one's run ends
RunState = Literal["queued", "running", "awaiting_approval", "joined", "done", "failed"]
# unrouted: several clusters are configured and its cluster could not be told: stored, ended escalated, no run queued
Disposition = Literal["opened", "attached", "reinvestigating", "resolved", "ignored", "duplicate", "unrouted"]

RUN_COLUMNS = ("run_id, incident_id, state, status, started, resume, owner, lease_until, approval, approval_deadline, "
               "result, report, error, claims, created_at, updated_at")
INCIDENT_COLUMNS = ("incident_id, correlation_key, state, source, title, severity, incident, notifications, notes, "
                    "created_at, updated_at, resolved_at")
HEADER_COLUMNS = INCIDENT_COLUMNS.replace(" incident,", "")


def new_incident_id(now: datetime | None = None) -> str:
    """Sortable by time, and unguessable: knowing when an alarm fired is not enough to name its incident."""
    now = now or datetime.now(UTC)
    return f"inc-{now.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(6)}"


class RunRecord(BaseModel):
    run_id: str
    incident_id: str
    state: RunState
    status: str | None = None  # the run's verdict once done: remediated, escalated, answered, healthy, unknown
    started: bool = False  # the graph has a checkpoint: continue it rather than start afresh
    resume: dict[str, Any] | None = None  # the answer to hand the paused graph (an approval decision)
    owner: str | None = None
    lease_until: float | None = None
    approval: dict[str, Any] | None = None
    approval_deadline: float | None = None
    result: dict[str, Any] | None = None
    report: str | None = None
    error: str | None = None
    claims: int = 0  # how many times a worker took it: > 1 means it was resumed after a crash or a pause
    created_at: float
    updated_at: float


class IncidentHeader(BaseModel):
    """An incident's row without its Incident body: what a view shows (the acknowledgement reads this
    one, so that an alarm's ack does not parse the stored Incident again)."""

    incident_id: str
    correlation_key: str | None
    state: Literal["open", "resolved"]
    source: str
    title: str
    severity: str
    notifications: int
    notes: list[str] = Field(default_factory=list)
    created_at: float
    updated_at: float
    resolved_at: float | None = None
    cluster: str | None = None  # the configured cluster it is investigated in (several configured; routing.py)


class IncidentRecord(IncidentHeader):
    incident: Incident


class Unrouted(BaseModel):
    """How an incident whose cluster cannot be told is stored instead of queued (routing.py): a run recorded as
    ended -- escalated, with this result, report and note -- so it reads like any escalated incident."""

    run_id: str
    result: dict[str, Any]
    report: str
    note: str


class IntakeOutcome(BaseModel):
    incident_id: str | None
    run_id: str | None  # the run this notification started; None when it joined an open incident
    disposition: Disposition


def _run(row: tuple) -> RunRecord:
    values = dict(zip([c.strip() for c in RUN_COLUMNS.split(",")], row, strict=True))
    for name in ("resume", "approval", "result"):
        values[name] = json.loads(values[name]) if values[name] else None
    values["started"] = bool(values["started"])
    return RunRecord.model_validate(values)


def _incident(row: tuple) -> IncidentRecord:
    values = dict(zip([c.strip() for c in INCIDENT_COLUMNS.split(",")], row, strict=True))
    values["incident"] = Incident.model_validate_json(values["incident"])
    values["notes"] = json.loads(values["notes"])
    values["cluster"] = values["incident"].cluster
    return IncidentRecord.model_validate(values)
