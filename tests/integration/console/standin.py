"""A stand-in incident service for the console: what console/ports.py asks of IncidentService, with
one incident paused on an approval."""

from __future__ import annotations

from typing import Any

from sre_agent.app.options import RunOptions
from sre_agent.contracts import Person

TOKEN = "console-test-token"
BASE = "http://127.0.0.1:8080"
PENDING = {"action_id": "act-0123456789abcdef", "approval_id": "apr-xyz", "why": "medium risk needs a human",
           "plan": {"tool": "set_resources", "risk": "medium", "runbook": "memory_leak", "args": {"name": "catalog"}},
           "pinned": {"tool": "set_resources", "resource": "shop/Deployment/catalog", "args": {"name": "catalog"},
                      "precondition": {"expect_generation": 2}, "why": "generation 2 at planning"}}


class StandInService:
    """What the console asks of IncidentService (console/ports.py), with one paused incident."""

    def __init__(self, options: RunOptions) -> None:
        self.options, self.sweeps, self.store, self.servers = options, [], self, None
        self.answers: list[tuple[str, dict[str, Any]]] = []
        self.people: list[Person | None] = []  # who each answer was recorded as (None: the typed `by`)
        self.status = "awaiting_approval"

    def incidents(self, limit: int = 100) -> list[str]:
        return ["inc-1"]

    def incident(self, incident_id: str) -> str | None:
        return incident_id if incident_id == "inc-1" else None

    def view(self, record: str) -> dict[str, Any]:
        return {"incident_id": record, "run_id": "run-1", "title": "shop-catalog-memory-high <b>bold</b>",
                "status": self.status, "severity": "medium", "source": "alarm", "state": "open",
                "received_at": "2026-11-22T18:00:00+00:00", "notifications": 1, "result": None, "error": None,
                "pending_approval": PENDING if self.status == "awaiting_approval" else None}

    def incident_view(self, incident_id: str) -> dict[str, Any] | None:
        return self.view(incident_id) if incident_id == "inc-1" else None

    def answer(self, incident_id: str, decision: dict[str, Any], person: Person | None = None) -> None:
        if decision["action_id"] != PENDING["action_id"] or decision["approval_id"] != PENDING["approval_id"]:
            raise LookupError("the approval names another action")
        self.answers.append((incident_id, decision))
        self.people.append(person)
        self.status = "investigating"

    def report(self, incident_id: str) -> str | None:
        return None
