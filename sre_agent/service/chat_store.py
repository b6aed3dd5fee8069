"""Chat sessions in the service store (store.py mixes these methods in): one row per conversation --
POST /v1/sessions, POST /invocations and the console's chat alike -- with its namespace, when it was
last active, how many messages it answered and how many bytes they came to. The conversation itself
is the chat checkpoint (a LangGraph thread named by the session id); this row is what bounds it.

A session is live while it has not been closed and was active within the idle TTL; the TTL is the
service's setting, not stored, so changing it takes effect on every session at once. A session
closed to make room (evicted) says so. Rows of sessions over for CLOSED_KEPT_S are deleted when a new
session is opened: until then an old id answers "expired"/"evicted" rather than "unknown"."""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel

CHAT_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS sre_chat_sessions (session_id TEXT PRIMARY KEY, namespace TEXT, source TEXT NOT NULL, "
    "created_at DOUBLE PRECISION NOT NULL, last_active_at DOUBLE PRECISION NOT NULL, "
    "message_count INTEGER NOT NULL DEFAULT 0, bytes BIGINT NOT NULL DEFAULT 0, closed_at DOUBLE PRECISION, "
    "closed_reason TEXT)",
    "CREATE INDEX IF NOT EXISTS sre_chat_sessions_by_activity ON sre_chat_sessions (last_active_at)",
    # The configured cluster a session asks about (several configured): a table of its own, no migration.
    "CREATE TABLE IF NOT EXISTS sre_chat_clusters (session_id TEXT PRIMARY KEY, cluster TEXT NOT NULL)",
]
CHAT_COLUMNS = "session_id, namespace, source, created_at, last_active_at, message_count, bytes, closed_at, closed_reason"
CLOSED_KEPT_S = 7 * 86400.0
# Creating sessions takes this advisory lock on PostgreSQL: replicas counting live sessions at once
# would each see room and together go over the limit.
CREATE_LOCK = "sre_agent.chat_sessions"

ChatSource = Literal["api", "agentcore", "console"]
ChatState = Literal["live", "expired", "evicted"]


class ChatSessionRecord(BaseModel):
    session_id: str
    namespace: str | None = None
    source: str
    created_at: float
    last_active_at: float
    message_count: int = 0
    bytes: int = 0
    closed_at: float | None = None
    closed_reason: str | None = None
    cluster: str | None = None  # the configured cluster its questions are about (several configured)

    def expires_at(self, ttl_s: float) -> float:
        return self.closed_at if self.closed_at is not None else self.last_active_at + ttl_s

    def state(self, ttl_s: float, now: float | None = None) -> ChatState:
        if self.closed_at is not None:
            return "evicted"
        return "live" if self.last_active_at + ttl_s > (time.time() if now is None else now) else "expired"


def _record(row: Any) -> ChatSessionRecord:
    return ChatSessionRecord.model_validate(dict(zip([*CHAT_COLUMNS.split(", "), "cluster"], row, strict=True)))


class ChatSessionRows:
    """The sre_chat_sessions table, over the store's connection, lock and transactions."""

    # The store's plumbing (store.py _SqlStore): its one connection's lock, statements, transactions.
    _lock: Any
    _sql: Any
    _transaction: Any

    def create_chat_session(self, session_id: str, namespace: str | None, source: ChatSource, *, max_live: int,
                            ttl_s: float, now: float | None = None, cluster: str | None = None) -> tuple[bool, list[str]]:
        """Open a session; (created, the ids evicted to make room). False when the id exists already
        (whatever its state: the caller reads it). Past `max_live` live sessions, the ones idle longest
        are closed: a new conversation -- someone asking now -- is never refused for an idle one."""
        now = time.time() if now is None else now
        with self._lock, self._transaction(CREATE_LOCK):
            self._sql("DELETE FROM sre_chat_sessions WHERE COALESCE(closed_at, last_active_at + ?) < ?",
                      (ttl_s, now - CLOSED_KEPT_S))
            if self._sql("SELECT 1 FROM sre_chat_sessions WHERE session_id=?", (session_id,)).fetchone():
                return False, []
            live = int(self._sql("SELECT COUNT(*) FROM sre_chat_sessions WHERE closed_at IS NULL AND last_active_at > ?",
                                 (now - ttl_s,)).fetchone()[0])
            evicted: list[str] = []
            if live >= max_live:
                rows = self._sql("SELECT session_id FROM sre_chat_sessions WHERE closed_at IS NULL AND last_active_at > ? "
                                 "ORDER BY last_active_at, created_at LIMIT ?", (now - ttl_s, live - max_live + 1)).fetchall()
                evicted = [r[0] for r in rows]
                for old in evicted:
                    self._sql("UPDATE sre_chat_sessions SET closed_at=?, closed_reason='evicted' WHERE session_id=?",
                              (now, old))
            self._sql(f"INSERT INTO sre_chat_sessions ({CHAT_COLUMNS}) VALUES (?, ?, ?, ?, ?, 0, 0, NULL, NULL) "
                      "ON CONFLICT (session_id) DO NOTHING", (session_id, namespace, source, now, now))
            if cluster:
                self._sql("INSERT INTO sre_chat_clusters (session_id, cluster) VALUES (?, ?) ON CONFLICT (session_id) "
                          "DO NOTHING", (session_id, cluster))
        return True, evicted

    def chat_session(self, session_id: str) -> ChatSessionRecord | None:
        with self._lock:
            row = self._sql(f"SELECT {CHAT_COLUMNS}, (SELECT cluster FROM sre_chat_clusters c WHERE c.session_id = "
                            "sre_chat_sessions.session_id) FROM sre_chat_sessions WHERE session_id=?", (session_id,)).fetchone()
        return _record(row) if row else None

    def begin_chat_turn(self, session_id: str, *, max_messages: int, ttl_s: float,
                        now: float | None = None) -> ChatSessionRecord | None:
        """Reserve the next message of a live session that has room for one (one statement: two
        requests never both take the last slot), marking it active now -- a long answer does not
        expire it. None when it is not live or full: read the row to say which."""
        now = time.time() if now is None else now
        with self._lock:
            cursor = self._sql("UPDATE sre_chat_sessions SET message_count = message_count + 1, last_active_at=? "
                               "WHERE session_id=? AND closed_at IS NULL AND last_active_at > ? AND message_count < ?",
                               (now, session_id, now - ttl_s, max_messages))
        return self.chat_session(session_id) if cursor.rowcount == 1 else None

    def end_chat_turn(self, session_id: str, size: int, now: float | None = None) -> None:
        """The reserved message was answered: `size` bytes (question and answer) more, active now."""
        with self._lock:
            self._sql("UPDATE sre_chat_sessions SET bytes = bytes + ?, last_active_at=? WHERE session_id=?",
                      (size, time.time() if now is None else now, session_id))

    def cancel_chat_turn(self, session_id: str) -> None:
        """The reserved message was never answered (the chat could not start): its slot is free again."""
        with self._lock:
            self._sql("UPDATE sre_chat_sessions SET message_count = message_count - 1 WHERE session_id=? "
                      "AND message_count > 0", (session_id,))

    def live_chat_sessions(self, ttl_s: float, now: float | None = None) -> int:
        now = time.time() if now is None else now
        with self._lock:
            row = self._sql("SELECT COUNT(*) FROM sre_chat_sessions WHERE closed_at IS NULL AND last_active_at > ?",
                            (now - ttl_s,)).fetchone()
        return int(row[0])
