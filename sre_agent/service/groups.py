"""Alarms about one root cause are one incident (store.py mixes these methods in). Each alarm opens its incident by
its own correlation key; once its run's diagnosis names a root resource and category, the incident leads a group for
that root cause in its cluster -- or joins the open group that already holds it. A joined incident's run asks no
approval of its own (one approval card, one action: the group leader's); it is parked until the leader's run ends,
and then ends with the leader's outcome, remediated and verified or escalated. A leader that fails releases its
group: the parked runs go back to the queue and ask again (one of them leads).

Groups live in their own table, so an existing store needs no migration: a row per grouped incident, the leader's
row naming itself; a group is open while its leader's row has no outcome and the leader's incident is open."""

from __future__ import annotations

import json
import time
from typing import Any

from pydantic import BaseModel

from .records import RUN_COLUMNS, RunRecord, _run

GROUP_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS sre_incident_groups (incident_id TEXT PRIMARY KEY, root_key TEXT NOT NULL, "
    "leader TEXT NOT NULL, joined_at DOUBLE PRECISION NOT NULL, outcome TEXT)",
    "CREATE INDEX IF NOT EXISTS sre_incident_groups_by_root ON sre_incident_groups (root_key, outcome)",
    "CREATE INDEX IF NOT EXISTS sre_incident_groups_by_leader ON sre_incident_groups (leader)",
]


class IncidentGroup(BaseModel):
    root_key: str  # "<cluster> <resource> <category>"
    leader: str
    members: list[str]  # the joined incidents, in the order they joined (the leader not among them)
    outcome: str | None = None


def root_key(cluster: str, diagnosis: dict[str, Any] | None) -> str | None:
    """The root cause a diagnosis names, in its cluster; None when it names none."""
    diagnosis = diagnosis or {}
    category, resource = diagnosis.get("category"), diagnosis.get("resource")
    return f"{cluster} {resource} {category}" if resource and category and category != "none" else None


class IncidentGroupRows:
    """The group methods of the store (its `_sql`, `_lock`, `_transaction` and `_append_note`)."""

    _sql: Any
    _lock: Any
    _transaction: Any

    def lead_or_join(self, incident_id: str, key: str) -> str | None:
        """Record that `incident_id`'s diagnosis is `key`: the leader it joined (an open group held it first), or
        None when it leads (a new group, or the one it already leads). Serialised per root cause across replicas."""
        now = time.time()
        with self._lock, self._transaction(f"group {key}"):
            row = self._sql("SELECT leader FROM sre_incident_groups WHERE incident_id=?", (incident_id,)).fetchone()
            if row is not None:
                return None if row[0] == incident_id else row[0]
            leader = self._sql("SELECT g.incident_id FROM sre_incident_groups g JOIN sre_incidents i ON "
                               "i.incident_id = g.incident_id WHERE g.root_key=? AND g.leader = g.incident_id AND "
                               "g.outcome IS NULL AND i.state='open' ORDER BY g.joined_at LIMIT 1", (key,)).fetchone()
            self._sql("INSERT INTO sre_incident_groups (incident_id, root_key, leader, joined_at, outcome) "
                      "VALUES (?, ?, ?, ?, NULL)", (incident_id, key, leader[0] if leader else incident_id, now))
            if leader is None:
                return None
            cause = key.split(" ", 1)[1]
            self._note(incident_id, f"joined {leader[0]}: the same root cause ({cause}); its approval and action are "
                                    "this incident's", now)
            self._note(leader[0], f"{incident_id} joined: another alarm with the same root cause ({cause})", now)
            return leader[0]

    def park(self, run_id: str, owner: str, leader: str) -> bool:
        """A joined incident's run: no approval of its own, no worker; it ends with its leader's outcome. False when
        the leader's run ended meanwhile (its group closed): the caller ends this run with that outcome now."""
        with self._lock, self._transaction():
            closed = self._sql("SELECT outcome FROM sre_incident_groups WHERE incident_id=?", (leader,)).fetchone()
            if closed is not None and closed[0] is not None:
                return False
            self._sql("UPDATE sre_runs SET state='joined', owner=NULL, lease_until=NULL, approval=NULL, "
                      "approval_deadline=NULL, updated_at=? WHERE run_id=? AND owner=?", (time.time(), run_id, owner))
        return True

    def close_group(self, leader: str, status: str) -> list[RunRecord]:
        """The leader's run ended with `status`: the group is closed with it; the parked runs of its members are
        returned, for the caller to end with the same outcome."""
        with self._lock, self._transaction():
            members = [r[0] for r in self._sql("SELECT incident_id FROM sre_incident_groups WHERE leader=? AND "
                                               "outcome IS NULL", (leader,)).fetchall()]
            if not members:
                return []
            self._sql("UPDATE sre_incident_groups SET outcome=? WHERE leader=? AND outcome IS NULL", (status, leader))
            marks = ", ".join("?" for _ in members)
            rows = self._sql(f"SELECT {RUN_COLUMNS} FROM sre_runs WHERE state='joined' AND incident_id IN ({marks})",
                             tuple(members)).fetchall()
        return [_run(r) for r in rows]

    def finish_joined(self, run_id: str, status: str, result: dict[str, Any], report: str | None) -> bool:
        with self._lock:
            done = self._sql("UPDATE sre_runs SET state='done', status=?, result=?, report=?, updated_at=? "
                             "WHERE run_id=? AND state='joined'",
                             (status, json.dumps(result, default=str), report, time.time(), run_id))
        return done.rowcount == 1

    def release_group(self, leader: str) -> list[str]:
        """The leader's run failed: its group is dissolved and the parked runs are queued again (each asks anew: the
        graph waits at its approval interrupt). Returns the released run ids."""
        now = time.time()
        with self._lock, self._transaction():
            members = [r[0] for r in self._sql("SELECT incident_id FROM sre_incident_groups WHERE leader=? AND "
                                               "outcome IS NULL", (leader,)).fetchall()]
            self._sql("DELETE FROM sre_incident_groups WHERE leader=? AND outcome IS NULL", (leader,))
            released = []
            for member in members:
                for row in self._sql("SELECT run_id FROM sre_runs WHERE incident_id=? AND state='joined'", (member,)).fetchall():
                    self._sql("UPDATE sre_runs SET state='queued', updated_at=? WHERE run_id=?", (now, row[0]))
                    released.append(row[0])
                if member != leader:
                    self._note(member, f"{leader}'s run failed: this incident asks again on its own", now)
        return released

    def group_of(self, incident_id: str) -> IncidentGroup | None:
        with self._lock:
            row = self._sql("SELECT leader FROM sre_incident_groups WHERE incident_id=?", (incident_id,)).fetchone()
            if row is None:
                return None
            rows = self._sql("SELECT incident_id, root_key, outcome FROM sre_incident_groups WHERE leader=? "
                             "ORDER BY joined_at", (row[0],)).fetchall()
        lead = next((r for r in rows if r[0] == row[0]), rows[0])
        return IncidentGroup(root_key=lead[1], leader=row[0], members=[r[0] for r in rows if r[0] != row[0]],
                             outcome=lead[2])

    def _note(self, incident_id: str, note: str, now: float) -> None:
        row = self._sql("SELECT notes FROM sre_incidents WHERE incident_id=?", (incident_id,)).fetchone()
        if row is None:
            return
        notes = [*json.loads(row[0] or "[]"), note]
        self._sql("UPDATE sre_incidents SET notes=?, updated_at=? WHERE incident_id=?", (json.dumps(notes), now, incident_id))
