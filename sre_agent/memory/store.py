"""The memory store beside the incident store: SQLite in the state dir by default, PostgreSQL when the service runs
on it -- one schema, the same SQL (`?` placeholders rewritten for psycopg), versioned migrations.

Rows are looked up through one key table, so a recall is a few indexed reads however large the memory grows:
`alarm:<name>`, `affected:<resource>`, `root:<resource>|<category>`, `category:<category>`, `person:<who>` and
`fp:<fingerprint>` (the fault's own, memory/fingerprints.py) per remembered run. Every record carries its expiry
(a TTL per kind of record, from the settings); expired rows are never returned and are purged on write."""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..contracts import ActionWindow
from .models import PastIncident, TeamFact

# Migration N brings the schema from version N to N+1; a new column or table is a new entry, never an edit.
MIGRATIONS: list[list[str]] = [
    [
        "CREATE TABLE IF NOT EXISTS sre_memory_incidents (run_id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, "
        "recorded_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION, cluster TEXT NOT NULL, "
        "resource TEXT NOT NULL, category TEXT NOT NULL, record TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS sre_memory_incidents_by_incident ON sre_memory_incidents (incident_id)",
        "CREATE INDEX IF NOT EXISTS sre_memory_incidents_by_time ON sre_memory_incidents (recorded_at)",
        "CREATE TABLE IF NOT EXISTS sre_memory_keys (key TEXT NOT NULL, run_id TEXT NOT NULL, "
        "recorded_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (key, run_id))",
        "CREATE INDEX IF NOT EXISTS sre_memory_keys_by_run ON sre_memory_keys (run_id)",
        "CREATE TABLE IF NOT EXISTS sre_memory_facts (id TEXT PRIMARY KEY, text TEXT NOT NULL, cluster TEXT NOT NULL, "
        "namespace TEXT NOT NULL, resource TEXT NOT NULL, person TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, "
        "expires_at DOUBLE PRECISION)",
    ],
    # 2: a fact may be a rule the remediation policy enforces: the writes it forbids and when (JSON)
    ["ALTER TABLE sre_memory_facts ADD COLUMN rule TEXT"],
    # 3: every write purges what expired: by index, not a scan of the whole memory
    ["CREATE INDEX IF NOT EXISTS sre_memory_incidents_by_expiry ON sre_memory_incidents (expires_at)",
     "CREATE INDEX IF NOT EXISTS sre_memory_incidents_by_category ON sre_memory_incidents (category, recorded_at)"],
]
SCHEMA_VERSION = len(MIGRATIONS)
MAX_CANDIDATES = 200  # rows one key lookup may bring back: the newest (a common fingerprint matches thousands)


def incident_keys(record: PastIncident) -> list[str]:
    people = {p for p in (record.approved_by,) if p and p != "policy"}
    keys = [f"affected:{a}" for a in record.affected] + [f"fp:{f}" for f in record.fault_fingerprints]
    keys += [f"person:{p}" for p in people] + [f"category:{record.category}"]
    if record.alarm:
        keys.append(f"alarm:{record.alarm}")
    if record.resource:
        keys += [f"root:{record.resource}|{record.category}", f"resource:{record.resource}"]
    return sorted(set(keys))


def _epoch(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


class _SqlMemory:
    placeholder = "?"

    def __init__(self, db: Any) -> None:
        self._db = db
        self._lock = threading.Lock()
        with self._lock:
            self._migrate()

    def _sql(self, statement: str, params: tuple | list = ()) -> Any:
        return self._db.execute(statement.replace("?", self.placeholder), tuple(params))

    def _migrate(self) -> None:
        self._sql("CREATE TABLE IF NOT EXISTS sre_memory_schema (version INTEGER NOT NULL)")
        row = self._sql("SELECT MAX(version) FROM sre_memory_schema").fetchone()
        version = int(row[0]) if row and row[0] is not None else 0
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"the memory store is at schema version {version}, newer than this sre-agent knows "
                               f"({SCHEMA_VERSION}): upgrade sre-agent, or point it at another state dir / database")
        for number in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[number]:
                self._sql(statement)
            self._sql("INSERT INTO sre_memory_schema (version) VALUES (?)", (number + 1,))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._sql("BEGIN")
        try:
            yield
        except BaseException:
            self._sql("ROLLBACK")
            raise
        self._sql("COMMIT")

    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._sql("SELECT MAX(version) FROM sre_memory_schema").fetchone()[0])

    # -- incidents --------------------------------------------------------------------------------------------
    def remember(self, record: PastIncident, ttl_s: float | None) -> None:
        """Keep (or replace) one finished run's record, expiring `ttl_s` seconds after it finished (None: never)."""
        at = _epoch(record.recorded_at)
        expires = at + ttl_s if ttl_s else None
        with self._lock, self._transaction():  # one record, all or nothing (and one sync to disk, not one per key)
            self._purge(time.time())
            self._sql("DELETE FROM sre_memory_keys WHERE run_id = ?", (record.run_id,))
            self._sql("DELETE FROM sre_memory_incidents WHERE run_id = ?", (record.run_id,))
            self._sql("INSERT INTO sre_memory_incidents (run_id, incident_id, recorded_at, expires_at, cluster, resource, "
                      "category, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      (record.run_id, record.incident_id, at, expires, record.cluster, record.resource, record.category,
                       record.model_dump_json()))
            for key in incident_keys(record):
                self._sql("INSERT INTO sre_memory_keys (key, run_id, recorded_at) VALUES (?, ?, ?)",
                          (key, record.run_id, at))

    def recall_keys(self, keys: list[str], cluster: str | None = None, before: datetime | None = None,
                    limit: int = MAX_CANDIDATES, category: str | None = None) -> list[PastIncident]:
        """Runs holding any of `keys` (in `cluster`, of `category`, finished before `before`, when given), newest first."""
        if not keys:
            return []
        now = time.time()
        marks = ", ".join("?" for _ in keys)
        clauses, params = [f"k.key IN ({marks})", "(i.expires_at IS NULL OR i.expires_at > ?)"], [*keys, now]
        if cluster is not None:
            clauses.append("i.cluster = ?")
            params.append(cluster)
        if before is not None:
            clauses.append("i.recorded_at < ?")
            params.append(_epoch(before))
        if category is not None:
            clauses.append("i.category = ?")
            params.append(category)
        with self._lock:
            rows = self._sql("SELECT DISTINCT i.run_id, i.record, i.recorded_at FROM sre_memory_keys k JOIN "
                             "sre_memory_incidents i ON i.run_id = k.run_id WHERE " + " AND ".join(clauses)
                             + f" ORDER BY i.recorded_at DESC LIMIT {int(limit)}", params).fetchall()
        return [PastIncident.model_validate_json(row[1]) for row in rows]

    def incidents(self, *, resource: str | None = None, limit: int = 50) -> list[PastIncident]:
        """The newest remembered runs (about `resource`: its root cause or where it was seen), newest first."""
        if resource:
            return self.recall_keys([f"resource:{resource}", f"affected:{resource}"], limit=limit)
        with self._lock:
            rows = self._sql("SELECT record FROM sre_memory_incidents WHERE expires_at IS NULL OR expires_at > ? "
                             f"ORDER BY recorded_at DESC LIMIT {int(limit)}", (time.time(),)).fetchall()
        return [PastIncident.model_validate_json(row[0]) for row in rows]

    def incidents_about(self, namespace: str | None, name: str, limit: int = 500) -> list[PastIncident]:
        """Remembered runs whose root cause or alarmed object is named `name` (any kind; in `namespace` when given),
        newest first: "has search broken before" means search's Deployment, its Service and its pods alike."""
        where = f"{namespace}/%/{name}" if namespace else f"%/{name}"
        now = time.time()
        with self._lock:
            rows = self._sql("SELECT DISTINCT i.record, i.recorded_at FROM sre_memory_keys k JOIN sre_memory_incidents i "
                             "ON i.run_id = k.run_id WHERE (k.key LIKE ? OR k.key LIKE ?) AND (i.expires_at IS NULL OR "
                             f"i.expires_at > ?) ORDER BY i.recorded_at DESC LIMIT {int(limit)}",
                             (f"resource:{where}", f"affected:{where}", now)).fetchall()
        return [PastIncident.model_validate_json(row[0]) for row in rows]

    def oldest(self) -> datetime | None:
        """When the oldest record still kept was made: how far back "never before" reaches."""
        with self._lock:
            row = self._sql("SELECT MIN(recorded_at) FROM sre_memory_incidents").fetchone()
        return datetime.fromtimestamp(row[0], UTC) if row and row[0] is not None else None

    def incident_count(self) -> int:
        with self._lock:
            return int(self._sql("SELECT COUNT(*) FROM sre_memory_incidents").fetchone()[0])

    def forget(self, *, incident: str | None = None, resource: str | None = None, person: str | None = None) -> int:
        """Delete the records of an incident (or run), of a resource (root cause or alarmed), or that name a person
        (approved by them; the facts they gave). Returns how many records went."""
        with self._lock:
            runs: set[str] = set()
            if incident:
                runs |= {r[0] for r in self._sql("SELECT run_id FROM sre_memory_incidents WHERE incident_id = ? OR "
                                                 "run_id = ?", (incident, incident)).fetchall()}
            keys = [f"resource:{resource}", f"affected:{resource}"] if resource else []
            keys += [f"person:{person}"] if person else []
            for key in keys:
                runs |= {r[0] for r in self._sql("SELECT run_id FROM sre_memory_keys WHERE key = ?", (key,)).fetchall()}
            for run in runs:
                self._sql("DELETE FROM sre_memory_keys WHERE run_id = ?", (run,))
                self._sql("DELETE FROM sre_memory_incidents WHERE run_id = ?", (run,))
            facts = 0
            if person:
                facts += self._sql("DELETE FROM sre_memory_facts WHERE person = ?", (person,)).rowcount
            if resource:
                facts += self._sql("DELETE FROM sre_memory_facts WHERE resource = ?", (resource,)).rowcount
            return len(runs) + max(facts, 0)

    def _purge(self, now: float) -> None:
        expired = [r[0] for r in self._sql("SELECT run_id FROM sre_memory_incidents WHERE expires_at IS NOT NULL AND "
                                           "expires_at <= ?", (now,)).fetchall()]
        for run in expired:
            self._sql("DELETE FROM sre_memory_keys WHERE run_id = ?", (run,))
        self._sql("DELETE FROM sre_memory_incidents WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,))
        self._sql("DELETE FROM sre_memory_facts WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,))

    # -- what the team said -----------------------------------------------------------------------------------
    def add_fact(self, text: str, *, cluster: str = "", namespace: str = "", resource: str = "", person: str = "",
                 ttl_s: float | None = None, now: datetime | None = None, forbid: list[str] | None = None,
                 window: ActionWindow | None = None) -> TeamFact:
        created = now or datetime.now(UTC)
        fact = TeamFact(id="fact-" + secrets.token_hex(4), text=text.strip(), cluster=cluster, namespace=namespace,
                        resource=resource, person=person, created_at=created, forbid=forbid or [], window=window,
                        expires_at=datetime.fromtimestamp(_epoch(created) + ttl_s, UTC) if ttl_s else None)
        rule = json.dumps({"forbid": fact.forbid, "window": window.model_dump() if window else None}) if fact.forbid else None
        with self._lock:
            self._purge(time.time())
            self._sql("INSERT INTO sre_memory_facts (id, text, cluster, namespace, resource, person, created_at, "
                      "expires_at, rule) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      (fact.id, fact.text, cluster, namespace, resource, person, _epoch(created),
                       _epoch(fact.expires_at) if fact.expires_at else None, rule))
        return fact

    def facts(self, cluster: str | None = None) -> list[TeamFact]:
        """The facts that hold now, oldest first (for `cluster`: its own and the unscoped ones)."""
        clause, params = "(expires_at IS NULL OR expires_at > ?)", [time.time()]
        if cluster is not None:
            clause += " AND (cluster = '' OR cluster = ?)"
            params.append(cluster)
        with self._lock:
            rows = self._sql("SELECT id, text, cluster, namespace, resource, person, created_at, expires_at, rule FROM "
                             f"sre_memory_facts WHERE {clause} ORDER BY created_at", params).fetchall()
        return [TeamFact(id=r[0], text=r[1], cluster=r[2], namespace=r[3], resource=r[4], person=r[5],
                         created_at=datetime.fromtimestamp(r[6], UTC),
                         expires_at=datetime.fromtimestamp(r[7], UTC) if r[7] is not None else None,
                         **(json.loads(r[8]) if r[8] else {})) for r in rows]

    def delete_fact(self, fact_id: str) -> bool:
        with self._lock:
            return self._sql("DELETE FROM sre_memory_facts WHERE id = ?", (fact_id,)).rowcount > 0


class SqliteMemory(_SqlMemory):
    """The memory in the state dir (memory.sqlite)."""

    def __init__(self, path: Path | str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        super().__init__(db)


class PostgresMemory(_SqlMemory):
    """The same memory in PostgreSQL: the migrations run under an advisory lock, so replicas starting together on a
    fresh database migrate it once."""

    placeholder = "%s"

    def __init__(self, dsn: str) -> None:
        import psycopg

        db = psycopg.connect(dsn, autocommit=True)
        db.execute("SELECT pg_advisory_lock(hashtext('sre_agent.memory'))")
        try:
            super().__init__(db)
        finally:
            db.execute("SELECT pg_advisory_unlock(hashtext('sre_agent.memory'))")


def open_memory(state_dir: Path, dsn: str | None = None) -> SqliteMemory | PostgresMemory:
    """PostgreSQL when the run's checkpoints are there (the service on several replicas), else SQLite in the state dir."""
    return PostgresMemory(dsn) if dsn else SqliteMemory(Path(state_dir) / "memory.sqlite")


def as_json(record: PastIncident | TeamFact) -> dict[str, Any]:
    return json.loads(record.model_dump_json())
