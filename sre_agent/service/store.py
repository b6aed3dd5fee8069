"""The service's durable state: every notification received, the incidents they open, the runs that
investigate them, pending approvals and results -- written before a caller is acknowledged, so a
crash or a restart loses nothing. SQLite in the state dir by default; PostgreSQL when several
replicas share one database (the same SQL, `?` placeholders rewritten for psycopg).

The store is also the work queue: a run is `queued` until a worker claims it with a lease;
`running` while the worker renews the lease; `awaiting_approval` while the graph is paused in its
checkpoint (no worker holds it); `queued` again with a resume value once a human (or the approval
deadline) answers; `done` or `failed`. A run whose worker died (its lease ran out) is claimed again
and resumes from its last checkpoint -- the action ledger keeps it from acting twice.

Correlation: an incident groups the notifications of one problem (its correlation key) while it is
open; at most one open incident per key, enforced by a partial unique index, so two replicas
receiving the same alarm at once open one incident."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..contracts import Incident
from .chat_store import CHAT_SCHEMA, ChatSessionRows
from .groups import GROUP_SCHEMA, IncidentGroupRows
from .incident_clusters import CLUSTER_SCHEMA, IncidentClusterRows
from .records import (  # noqa: F401 -- the records are the store's vocabulary: importable from here too
    HEADER_COLUMNS,
    INCIDENT_COLUMNS,
    RUN_COLUMNS,
    Disposition,
    IncidentHeader,
    IncidentRecord,
    IntakeOutcome,
    RunRecord,
    RunState,
    Unrouted,
    _incident,
    _run,
    new_incident_id,
)
from .run_queue import RunQueueRows
from .spend_caps import SPEND_SCHEMA, RunBrainRows

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS sre_incidents (incident_id TEXT PRIMARY KEY, correlation_key TEXT, state TEXT NOT NULL, "
    "source TEXT NOT NULL, title TEXT NOT NULL, severity TEXT NOT NULL, incident TEXT NOT NULL, "
    "notifications INTEGER NOT NULL DEFAULT 1, notes TEXT NOT NULL DEFAULT '[]', created_at DOUBLE PRECISION NOT NULL, "
    "updated_at DOUBLE PRECISION NOT NULL, resolved_at DOUBLE PRECISION)",
    "CREATE UNIQUE INDEX IF NOT EXISTS sre_incidents_open_key ON sre_incidents (correlation_key) "
    "WHERE state = 'open' AND correlation_key IS NOT NULL",
    "CREATE TABLE IF NOT EXISTS sre_runs (run_id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, state TEXT NOT NULL, "
    "status TEXT, started INTEGER NOT NULL DEFAULT 0, resume TEXT, owner TEXT, lease_until DOUBLE PRECISION, "
    "approval TEXT, approval_deadline DOUBLE PRECISION, result TEXT, report TEXT, error TEXT, "
    "claims INTEGER NOT NULL DEFAULT 0, created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS sre_runs_by_state ON sre_runs (state, created_at)",
    "CREATE INDEX IF NOT EXISTS sre_runs_by_incident ON sre_runs (incident_id, created_at)",
    "CREATE TABLE IF NOT EXISTS sre_notifications (received_at DOUBLE PRECISION NOT NULL, source TEXT NOT NULL, "
    "correlation_key TEXT, incident_id TEXT, disposition TEXT NOT NULL, payload TEXT NOT NULL, message_id TEXT)",
    # A sender's own message id (SNS MessageId): a redelivered or replayed message is recognised, never acted on twice.
    "CREATE UNIQUE INDEX IF NOT EXISTS sre_notifications_message ON sre_notifications (message_id) "
    "WHERE message_id IS NOT NULL",
    *CHAT_SCHEMA,  # chat sessions (chat_store.py)
    *GROUP_SCHEMA,  # incidents grouped by their diagnosed root cause (groups.py)
    *SPEND_SCHEMA,  # each run's brain and LLM spend, for the spend caps (spend_caps.py)
    *CLUSTER_SCHEMA,  # the configured cluster of each incident (incident_clusters.py)
]
# PostgreSQL: concurrent CREATE TABLE IF NOT EXISTS of one table fails (a unique violation in pg_type), so
# replicas starting together on a fresh database create their tables one at a time under this advisory lock.
SCHEMA_LOCK = "sre_agent.schema"
SCHEMA_LOCK_TIMEOUT_S = 300.0
class _SqlStore(RunQueueRows, ChatSessionRows, IncidentGroupRows, RunBrainRows, IncidentClusterRows):
    placeholder = "?"
    # Notifications one group commit may hold (service/group_commit.py); 1: each in a transaction of its own.
    group_commit_limit = 1

    def __init__(self, db: Any) -> None:
        self._db = db
        self._lock = threading.RLock()  # one connection, shared by the event loop's callers and worker threads
        with self._lock:
            for statement in SCHEMA:
                self._sql(statement)

    # --- plumbing ------------------------------------------------------------------------------
    def _sql(self, statement: str, params: tuple = ()) -> Any:
        return self._db.execute(statement.replace("?", self.placeholder), params)

    @contextmanager
    def _transaction(self, lock_key: str | None = None) -> Iterator[None]:
        raise NotImplementedError

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A transaction -- or, inside one, a savepoint. Group commit (group_commit.py) holds a batch of
        intakes in one transaction and each intake in a savepoint of its own, so one that fails undoes
        only its own writes; nothing is durable before the batch commits."""
        with self._lock, self._transaction():
            yield

    def ping(self) -> None:
        with self._lock:
            self._sql("SELECT 1").fetchone()

    # --- intake --------------------------------------------------------------------------------
    def intake(self, incident: Incident, payload: Any, source: str, message_id: str | None = None,
               unrouted: Unrouted | None = None) -> IntakeOutcome:
        """Persist a notification and the work it causes, in one transaction: a new incident and its
        first run; or, when an incident for the same problem is open, the notification joins it --
        with a fresh run only when its last run said `remediated` (the fix did not hold). `unrouted`: a new
        incident's run is recorded ended with it instead of queued (routing.py)."""
        now = time.time()
        with self._lock, self._transaction(incident.correlation_key):
            seen = self._seen(message_id)
            if seen is not None:
                return seen
            open_row = (self._sql("SELECT incident_id FROM sre_incidents WHERE correlation_key=? AND state='open'",
                                  (incident.correlation_key,)).fetchone() if incident.correlation_key else None)
            if open_row is None:
                incident_id = new_incident_id()
                stored = incident.model_copy(update={"id": incident_id})
                self._sql(f"INSERT INTO sre_incidents ({INCIDENT_COLUMNS}) VALUES (?, ?, 'open', ?, ?, ?, ?, 1, '[]', ?, ?, NULL)",
                          (incident_id, incident.correlation_key, incident.source, incident.title, incident.severity,
                           stored.model_dump_json(), now, now))
                self._file_cluster(incident_id, incident.cluster)
                if unrouted is None:
                    run_id, disposition = self._queue_run(incident_id, now), "opened"
                else:
                    self._end_unrouted(incident_id, unrouted, now)
                    run_id, disposition = None, "unrouted"
            else:
                incident_id = open_row[0]
                self._sql("UPDATE sre_incidents SET notifications = notifications + 1, updated_at=? WHERE incident_id=?",
                          (now, incident_id))
                last = self._sql("SELECT state, status FROM sre_runs WHERE incident_id=? ORDER BY created_at DESC LIMIT 1",
                                 (incident_id,)).fetchone()
                if last and last[0] == "done" and last[1] == "remediated":
                    run_id, disposition = self._queue_run(incident_id, now), "reinvestigating"
                else:
                    run_id, disposition = None, "attached"
            self._record(now, source, incident.correlation_key, incident_id, disposition, payload, message_id)
        return IntakeOutcome(incident_id=incident_id, run_id=run_id, disposition=disposition)

    def resolve(self, correlation_key: str, note: str, payload: Any, source: str,
                message_id: str | None = None) -> IntakeOutcome:
        """An OK / resolved notification: the open incident for the problem is resolved (a run still
        going carries on and verifies for itself). Never starts a run."""
        now = time.time()
        with self._lock, self._transaction(correlation_key):
            seen = self._seen(message_id)
            if seen is not None:
                return seen
            row = self._sql("SELECT incident_id, notes FROM sre_incidents WHERE correlation_key=? AND state='open'",
                            (correlation_key,)).fetchone()
            incident_id = row[0] if row else None
            if row:
                notes = [*json.loads(row[1]), note]
                self._sql("UPDATE sre_incidents SET state='resolved', resolved_at=?, updated_at=?, notes=? WHERE incident_id=?",
                          (now, now, json.dumps(notes), incident_id))
            self._record(now, source, correlation_key, incident_id, "resolved" if row else "ignored", payload, message_id)
        return IntakeOutcome(incident_id=incident_id, run_id=None, disposition="resolved" if row else "ignored")

    def record(self, source: str, disposition: Disposition, payload: Any, correlation_key: str | None = None,
               message_id: str | None = None) -> IntakeOutcome:
        """A notification that changes nothing (INSUFFICIENT_DATA): kept like every other, nothing started."""
        with self._lock, self._transaction(correlation_key):
            seen = self._seen(message_id)
            if seen is not None:
                return seen
            self._record(time.time(), source, correlation_key, None, disposition, payload, message_id)
        return IntakeOutcome(incident_id=None, run_id=None, disposition=disposition)

    def resolve_incident(self, incident_id: str, note: str) -> bool:
        """A human closes an incident (a sweep problem fixed by hand, a false alarm); False when not open."""
        now = time.time()
        with self._lock, self._transaction():
            row = self._sql("SELECT notes FROM sre_incidents WHERE incident_id=? AND state='open'" + self._for_update,
                            (incident_id,)).fetchone()
            if row is None:
                return False
            self._sql("UPDATE sre_incidents SET state='resolved', resolved_at=?, updated_at=?, notes=? WHERE incident_id=?",
                      (now, now, json.dumps([*json.loads(row[0]), note]), incident_id))
        return True

    def open_keys(self, prefix: str) -> list[str]:
        """Correlation keys of the open incidents whose key starts with `prefix` (e.g. a sweep's scope)."""
        with self._lock:
            rows = self._sql("SELECT correlation_key FROM sre_incidents WHERE state='open' AND correlation_key IS NOT NULL "
                             "AND substr(correlation_key, 1, ?) = ?", (len(prefix), prefix)).fetchall()
        return [r[0] for r in rows]

    def _seen(self, message_id: str | None) -> IntakeOutcome | None:
        if not message_id:
            return None
        row = self._sql("SELECT incident_id FROM sre_notifications WHERE message_id=?", (message_id,)).fetchone()
        return None if row is None else IntakeOutcome(incident_id=row[0], run_id=None, disposition="duplicate")

    def has_open(self, correlation_key: str) -> bool:
        with self._lock:
            return self._sql("SELECT 1 FROM sre_incidents WHERE correlation_key=? AND state='open'",
                             (correlation_key,)).fetchone() is not None

    def _queue_run(self, incident_id: str, now: float) -> str:
        from ..app.runs import new_run_id

        run_id = new_run_id()
        self._sql(f"INSERT INTO sre_runs ({RUN_COLUMNS}) VALUES (?, ?, 'queued', NULL, 0, NULL, NULL, NULL, NULL, NULL, "
                  "NULL, NULL, NULL, 0, ?, ?)", (run_id, incident_id, now, now))
        return run_id

    def _record(self, now: float, source: str, key: str | None, incident_id: str | None, disposition: str,
                payload: Any, message_id: str | None = None) -> None:
        self._sql("INSERT INTO sre_notifications (received_at, source, correlation_key, incident_id, disposition, payload, "
                  "message_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  (now, source, key, incident_id, disposition, json.dumps(payload, default=str), message_id))

    # --- reading -------------------------------------------------------------------------------
    def run(self, run_id: str) -> RunRecord | None:
        with self._lock:
            row = self._sql(f"SELECT {RUN_COLUMNS} FROM sre_runs WHERE run_id=?", (run_id,)).fetchone()
        return _run(row) if row else None

    def runs_of(self, incident_id: str) -> list[RunRecord]:
        with self._lock:
            rows = self._sql(f"SELECT {RUN_COLUMNS} FROM sre_runs WHERE incident_id=? ORDER BY created_at",
                             (incident_id,)).fetchall()
        return [_run(r) for r in rows]

    def incident(self, incident_id: str) -> IncidentRecord | None:
        with self._lock:
            row = self._sql(f"SELECT {INCIDENT_COLUMNS} FROM sre_incidents WHERE incident_id=?", (incident_id,)).fetchone()
        return _incident(row) if row else None

    def incident_header(self, incident_id: str) -> IncidentHeader | None:
        with self._lock:
            row = self._sql(f"SELECT {HEADER_COLUMNS}, (SELECT cluster FROM sre_incident_clusters c WHERE "
                            "c.incident_id = sre_incidents.incident_id) FROM sre_incidents WHERE incident_id=?",
                            (incident_id,)).fetchone()
        if row is None:
            return None
        values = dict(zip([*(c.strip() for c in HEADER_COLUMNS.split(",")), "cluster"], row, strict=True))
        values["notes"] = json.loads(values["notes"])
        return IncidentHeader.model_validate(values)

    def counts(self) -> dict[str, int]:
        """Runs by state, for /metrics."""
        with self._lock:
            rows = self._sql("SELECT state, COUNT(*) FROM sre_runs GROUP BY state").fetchall()
        return {state: int(n) for state, n in rows}

    def notifications(self, incident_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._sql("SELECT received_at, source, correlation_key, incident_id, disposition FROM sre_notifications "
                             + ("WHERE incident_id=? " if incident_id else "") + "ORDER BY received_at",
                             (incident_id,) if incident_id else ()).fetchall()
        return [dict(zip(("received_at", "source", "correlation_key", "incident_id", "disposition"), r, strict=True))
                for r in rows]


class SqliteStore(_SqlStore):
    """SQLite in the state dir: one service process (WAL, so readers never wait on the writer)."""

    # One writer (this process's connection): notifications arriving together share one commit.
    group_commit_limit = 128

    def __init__(self, path: Path | str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a committed intake survives a process crash
        self._depth = 0  # transactions open on the connection (under the store's lock): > 1 are savepoints
        super().__init__(db)

    @contextmanager
    def _transaction(self, lock_key: str | None = None) -> Iterator[None]:
        if self._depth:  # inside a batch (group commit): a savepoint, so a failure undoes this intake alone
            savepoint = f"sre_intake_{self._depth}"
            self._db.execute(f"SAVEPOINT {savepoint}")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._db.execute(f"ROLLBACK TO {savepoint}")
                self._db.execute(f"RELEASE {savepoint}")
                raise
            finally:
                self._depth -= 1
            self._db.execute(f"RELEASE {savepoint}")
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0
        try:
            self._db.execute("COMMIT")
        except BaseException:  # not committed (disk full, I/O error): nothing of it may be acknowledged
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise


class PostgresStore(_SqlStore):
    """PostgreSQL, shared by several replicas: a transaction-scoped advisory lock per correlation key
    serialises the intake of one problem across replicas, and SKIP LOCKED hands each queued run to
    one worker."""

    placeholder = "%s"
    _skip_locked = " FOR UPDATE SKIP LOCKED"
    _for_update = " FOR UPDATE"

    def __init__(self, dsn: str, schema: str | None = None) -> None:
        import psycopg
        from psycopg import sql

        self._conn = psycopg.connect(dsn, autocommit=True)
        with schema_lock(self._conn):
            if schema:  # a schema of its own (tests; several services in one database)
                self._conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
                self._conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            super().__init__(self._conn)

    @contextmanager
    def _transaction(self, lock_key: str | None = None) -> Iterator[None]:
        with self._conn.transaction():
            if lock_key:
                self._sql("SELECT pg_advisory_xact_lock(hashtext(?))", (lock_key,))
            yield


@contextmanager
def schema_lock(conn: Any, timeout_s: float = SCHEMA_LOCK_TIMEOUT_S) -> Iterator[None]:
    """SCHEMA_LOCK, as a session lock on `conn` (autocommit). Polled with pg_try_advisory_lock, never
    waited for in a statement: a session blocked in pg_advisory_lock holds a snapshot, and the
    checkpointer's CREATE INDEX CONCURRENTLY in the lock holder waits for every such snapshot -- a
    deadlock PostgreSQL cannot see (the two sessions of the holder meet in its client)."""
    deadline = time.monotonic() + timeout_s
    while not conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (SCHEMA_LOCK,)).fetchone()[0]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"another replica held the schema lock for {timeout_s:.0f}s")
        time.sleep(0.2)
    try:
        yield
    finally:
        conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (SCHEMA_LOCK,))


def open_store(state_dir: Path, dsn: str | None) -> _SqlStore:
    """PostgreSQL when a DSN is configured (the checkpoints' database), else SQLite in the state dir."""
    return PostgresStore(dsn) if dsn else SqliteStore(state_dir / "service.sqlite")
