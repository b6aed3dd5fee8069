"""The store's work queue (store.py mixes these methods in): a run is `queued` until a worker claims it with a
lease; `running` while the worker renews the lease; `awaiting_approval` while the graph is paused in its checkpoint
(no worker holds it); `queued` again with a resume value once a human (or the approval deadline) answers; `done` or
`failed`. A run whose worker died (its lease ran out) is claimed again."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from .records import RUN_COLUMNS, RunRecord, _run


class RunQueueRows:
    """The queue methods of the store (its `_sql`, `_lock`, `_transaction`, `run` and its dialect's locking clauses)."""

    _sql: Any
    _lock: Any
    _transaction: Any
    run: Any
    _skip_locked = ""
    _for_update = ""

    def backlog(self) -> int:
        """Runs waiting for a worker (queued, or running on a lease that ran out)."""
        with self._lock:
            row = self._sql("SELECT COUNT(*) FROM sre_runs WHERE state='queued' OR (state='running' AND lease_until < ?)",
                            (time.time(),)).fetchone()
        return int(row[0])

    def claim_next(self, owner: str, lease_s: float) -> RunRecord | None:
        """The oldest run waiting for a worker, leased to `owner`; None when there is none. One run per
        incident at a time: a queued run waits while another run of its incident is running."""
        now = time.time()
        with self._lock, self._transaction():
            row = self._sql(
                "SELECT run_id FROM sre_runs r WHERE (r.state='queued' OR (r.state='running' AND r.lease_until < ?)) "
                "AND NOT EXISTS (SELECT 1 FROM sre_runs o WHERE o.incident_id=r.incident_id AND o.run_id<>r.run_id "
                "AND o.state='running' AND o.lease_until >= ?) ORDER BY r.created_at LIMIT 1" + self._skip_locked,
                (now, now)).fetchone()
            if row is None:
                return None
            self._sql("UPDATE sre_runs SET state='running', owner=?, lease_until=?, claims=claims+1, updated_at=? "
                      "WHERE run_id=?", (owner, now + lease_s, now, row[0]))
            return self.run(row[0])


    def renew(self, run_id: str, owner: str, lease_s: float) -> bool:
        """Extend the lease; False when the run is no longer ours (another worker took it over)."""
        with self._lock:
            cursor = self._sql("UPDATE sre_runs SET lease_until=? WHERE run_id=? AND owner=? AND state='running'",
                               (time.time() + lease_s, run_id, owner))
        return cursor.rowcount == 1

    def mark_started(self, run_id: str, owner: str) -> None:
        with self._lock:
            self._sql("UPDATE sre_runs SET started=1, resume=NULL, updated_at=? WHERE run_id=? AND owner=?",
                      (time.time(), run_id, owner))

    def pause(self, run_id: str, owner: str, approval: dict[str, Any], deadline: float) -> None:
        """The graph is waiting for a human: no worker holds the run; the approval and its deadline are durable."""
        approval = {**approval, "approval_id": "apr-" + secrets.token_urlsafe(16)}
        with self._lock:
            self._sql("UPDATE sre_runs SET state='awaiting_approval', owner=NULL, lease_until=NULL, approval=?, "
                      "approval_deadline=?, updated_at=? WHERE run_id=? AND owner=?",
                      (json.dumps(approval, default=str), deadline, time.time(), run_id, owner))

    def answer(self, run_id: str, decision: dict[str, Any], approval_id: str | None) -> bool:
        """Queue the paused run with the answer; False when it is not waiting on that approval (answered
        already, by another replica or the deadline). `approval_id` None: the deadline answering."""
        with self._lock, self._transaction():
            row = self._sql("SELECT approval FROM sre_runs WHERE run_id=? AND state='awaiting_approval'" + self._for_update,
                            (run_id,)).fetchone()
            if row is None or (approval_id is not None and json.loads(row[0]).get("approval_id") != approval_id):
                return False
            self._sql("UPDATE sre_runs SET state='queued', resume=?, approval=NULL, approval_deadline=NULL, updated_at=? "
                      "WHERE run_id=?", (json.dumps(decision), time.time(), run_id))
        return True


    def overdue_approvals(self) -> list[RunRecord]:
        with self._lock:
            rows = self._sql(f"SELECT {RUN_COLUMNS} FROM sre_runs WHERE state='awaiting_approval' AND approval_deadline < ?",
                             (time.time(),)).fetchall()
        return [_run(r) for r in rows]

    def finish(self, run_id: str, owner: str, status: str, result: dict[str, Any], report: str | None) -> None:
        with self._lock:
            self._sql("UPDATE sre_runs SET state='done', status=?, result=?, report=?, owner=NULL, lease_until=NULL, "
                      "updated_at=? WHERE run_id=? AND owner=?",
                      (status, json.dumps(result, default=str), report, time.time(), run_id, owner))

    def fail(self, run_id: str, owner: str, error: str) -> None:
        with self._lock:
            self._sql("UPDATE sre_runs SET state='failed', status='failed', error=?, owner=NULL, lease_until=NULL, "
                      "updated_at=? WHERE run_id=? AND owner=?", (error, time.time(), run_id, owner))
