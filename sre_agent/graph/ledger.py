"""One fault, one action: the action ledger, keyed by (resource, action, target) across incidents
and runs -- not by incident. Two alarms for the same fault (two incidents) that plan the same pinned
action find one record: the first claims it and acts, the second attaches to it (its result) and
verifies instead of acting again. A run that crashes mid-call and resumes finds its own claim the
same way. The claim is written (and committed) before the tool is called.

A claim stops blocking in two cases: the server refused the write because its precondition was stale
(`refused`: nothing was written, so a re-pinned plan may claim it), and when it is older than the
attach window -- the same fault back hours later is a recurrence that needs its own action.

Migration: the ledger used to be keyed by (incident, hash of the arguments) in `actions` (SQLite) /
`sre_agent_actions` (PostgreSQL). A hash cannot be turned back into a resource and a target, so the
new key lives in a new table (`action_ledger` / `sre_agent_action_ledger`); the old table is left
as it was (history, read by nothing)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from .state import RemediationPlan

ATTACH_WINDOW_S = 6 * 3600.0  # an action older than this is history: the same fault again is a new occurrence
COLUMNS = "resource, action, target, action_id, incident, run_id, state, result, claimed_at"


class LedgerKey(BaseModel):
    resource: str
    action: str
    target: str  # the pinned target as canonical JSON: {"to_revision": 1}, {"replicas": 3}, ...

    @classmethod
    def of(cls, plan: RemediationPlan) -> LedgerKey:
        return cls(resource=plan.resource, action=plan.tool, target=json.dumps(plan.target, sort_keys=True, default=str))


class LedgerOwner(BaseModel):
    incident: str
    run_id: str
    action_id: str


class LedgerRecord(BaseModel):
    """What an earlier claim left: who took the action, and its result (None while in flight or after a crash)."""

    action_id: str
    incident: str
    run_id: str
    state: str
    result: str | None = None

    def sentence(self) -> str:
        return (f"action {self.action_id} of incident {self.incident} (run {self.run_id}), {self.state}: "
                f"{self.result or 'no result recorded yet (in flight, or the run stopped during the call)'}")


class _SqlLedger:
    """The ledger's SQL, shared by SQLite and PostgreSQL: `?` placeholders, rewritten for psycopg."""

    table = "action_ledger"
    placeholder = "?"

    def __init__(self, db: Any, attach_window_s: float = ATTACH_WINDOW_S, scope: str = "") -> None:
        self._db = db
        # Resource ids repeat across clusters: rows are keyed by "<cluster> <resource>" (see app/cluster.py).
        self.scope = scope
        self._lock = threading.Lock()
        self.attach_window_s = attach_window_s
        self._sql(f"CREATE TABLE IF NOT EXISTS {self.table} (resource TEXT NOT NULL, action TEXT NOT NULL, "
                  "target TEXT NOT NULL, action_id TEXT, incident TEXT, run_id TEXT, state TEXT, result TEXT, "
                  "claimed_at DOUBLE PRECISION, PRIMARY KEY (resource, action, target))")

    def _sql(self, statement: str, params: tuple = ()) -> Any:
        return self._db.execute(statement.replace("?", self.placeholder), params)

    def close(self) -> None:
        """A run's ledger lives as long as the run step: a long-lived service must not leak a connection per step."""
        with self._lock:
            self._db.close()

    def _resource(self, resource: str) -> str:
        return f"{self.scope} {resource}" if self.scope else resource

    def claim(self, key: LedgerKey, owner: LedgerOwner) -> LedgerRecord | None:
        """Record the intent: None when claimed now, else the record of whoever holds the action."""
        where = (self._resource(key.resource), key.action, key.target)
        with self._lock:
            while True:
                now = time.time()
                inserted = self._sql(f"INSERT INTO {self.table} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 'started', NULL, ?) "
                                     "ON CONFLICT DO NOTHING", (*where, owner.action_id, owner.incident, owner.run_id, now))
                if inserted.rowcount == 1:
                    return None
                # Only one UPDATE can match: the row it takes over is 'started' afterwards.
                taken = self._sql(f"UPDATE {self.table} SET action_id=?, incident=?, run_id=?, state='started', result=NULL, "
                                  "claimed_at=? WHERE resource=? AND action=? AND target=? AND (state='refused' OR claimed_at < ?)",
                                  (owner.action_id, owner.incident, owner.run_id, now, *where, now - self.attach_window_s))
                if taken.rowcount == 1:
                    return None
                row = self._sql(f"SELECT action_id, incident, run_id, state, result FROM {self.table} "
                                "WHERE resource=? AND action=? AND target=?", where).fetchone()
                if row:
                    return LedgerRecord(action_id=row[0] or "", incident=row[1] or "", run_id=row[2] or "", state=row[3] or "",
                                        result=row[4])
                # The row that beat our INSERT was deleted before the SELECT saw it: claim again.

    def finish(self, key: LedgerKey, result: str, state: Literal["done", "refused"] = "done") -> None:
        """`refused`: the server wrote nothing (a stale precondition), so the claim no longer blocks anyone."""
        with self._lock:
            self._sql(f"UPDATE {self.table} SET state=?, result=? WHERE resource=? AND action=? AND target=?",
                      (state, result, self._resource(key.resource), key.action, key.target))

    def records(self, resource: str) -> list[LedgerRecord]:
        with self._lock:
            rows = self._sql(f"SELECT action_id, incident, run_id, state, result FROM {self.table} WHERE resource=? "
                             "ORDER BY claimed_at", (self._resource(resource),)).fetchall()
        return [LedgerRecord(action_id=r[0] or "", incident=r[1] or "", run_id=r[2] or "", state=r[3] or "", result=r[4])
                for r in rows]


class ActionLedger(_SqlLedger):
    """SQLite, in the state dir: one process, or several on one host (SQLite's file lock serialises the claims)."""

    def __init__(self, path: Path | str, attach_window_s: float = ATTACH_WINDOW_S, scope: str = "") -> None:
        super().__init__(sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30),
                         attach_window_s, scope)


class PostgresActionLedger(_SqlLedger):
    """The same ledger in PostgreSQL, for responders running as several replicas on one database.
    The primary key makes the claim atomic across replicas: only one INSERT (or takeover UPDATE) wins."""

    table = "sre_agent_action_ledger"
    placeholder = "%s"

    def __init__(self, dsn: str, attach_window_s: float = ATTACH_WINDOW_S, scope: str = "") -> None:
        import psycopg

        super().__init__(psycopg.connect(dsn, autocommit=True), attach_window_s, scope)
