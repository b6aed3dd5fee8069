"""At-most-once actions. The intent to run an action is written (and committed) before the tool is
called, so a run that crashes mid-call and resumes from its checkpoint finds the intent and does
not call the tool a second time -- it verifies instead."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any


def action_key(tool: str, args: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps([tool, args], sort_keys=True, default=str).encode()).hexdigest()[:24]


class ActionLedger:
    def __init__(self, path: Path | str) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("CREATE TABLE IF NOT EXISTS actions (incident TEXT, key TEXT, state TEXT, result TEXT, "
                         "PRIMARY KEY (incident, key))")

    def claim(self, incident: str, key: str) -> str | None:
        """Record the intent; returns None if claimed now, else the earlier state/result."""
        with self._lock:
            row = self._db.execute("SELECT state, result FROM actions WHERE incident=? AND key=?", (incident, key)).fetchone()
            if row:
                return f"{row[0]}: {row[1] or 'no result recorded (the run stopped during the call)'}"
            self._db.execute("INSERT INTO actions VALUES (?, ?, 'started', NULL)", (incident, key))
            return None

    def finish(self, incident: str, key: str, result: str) -> None:
        with self._lock:
            self._db.execute("UPDATE actions SET state='done', result=? WHERE incident=? AND key=?", (result, incident, key))

    def count(self, incident: str) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM actions WHERE incident=?", (incident,)).fetchone()[0]


class PostgresActionLedger:
    """The same ledger in PostgreSQL, for responders running as several replicas on one database.
    The primary key makes the claim atomic across replicas: only one INSERT wins."""

    def __init__(self, dsn: str) -> None:
        import psycopg

        self._lock = threading.Lock()
        self._db = psycopg.connect(dsn, autocommit=True)
        self._db.execute("CREATE TABLE IF NOT EXISTS sre_agent_actions (incident TEXT, key TEXT, state TEXT, result TEXT, "
                         "PRIMARY KEY (incident, key))")

    def claim(self, incident: str, key: str) -> str | None:
        with self._lock:
            while True:
                inserted = self._db.execute("INSERT INTO sre_agent_actions VALUES (%s, %s, 'started', NULL) "
                                            "ON CONFLICT DO NOTHING RETURNING key", (incident, key)).fetchone()
                if inserted:
                    return None
                row = self._db.execute("SELECT state, result FROM sre_agent_actions WHERE incident=%s AND key=%s",
                                       (incident, key)).fetchone()
                if row:
                    return f"{row[0]}: {row[1] or 'no result recorded (the run stopped during the call)'}"
                # The row that beat our INSERT was deleted before the SELECT saw it: claim again.

    def finish(self, incident: str, key: str, result: str) -> None:
        with self._lock:
            self._db.execute("UPDATE sre_agent_actions SET state='done', result=%s WHERE incident=%s AND key=%s",
                             (result, incident, key))

    def count(self, incident: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM sre_agent_actions WHERE incident=%s", (incident,)).fetchone()
            return row[0] if row else 0
