"""Which configured cluster each incident is investigated in, as rows the store can filter on (store.py mixes these
methods in): GET /v1/incidents?cluster=... and the console's filter. The Incident itself carries its cluster too
(a resumed run reads it there); this table only indexes it. Its own table, so an existing store needs no
migration -- and a service without clusters configured writes no row.

Also the ending of an incident whose cluster cannot be told (routing.py): its run is recorded as ended, escalated,
in the same transaction that stores the incident -- never queued."""

from __future__ import annotations

import json
from typing import Any

from .records import INCIDENT_COLUMNS, RUN_COLUMNS, IncidentRecord, Unrouted, _incident

CLUSTER_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS sre_incident_clusters (incident_id TEXT PRIMARY KEY, cluster TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS sre_incident_clusters_by_cluster ON sre_incident_clusters (cluster)",
]
NO_CLUSTER = "-"  # the filter value for incidents investigated in none (not a cluster name: those start alnum)


class IncidentClusterRows:
    """The cluster methods of the store (its `_sql` and `_lock`)."""

    _sql: Any
    _lock: Any

    def _file_cluster(self, incident_id: str, cluster: str | None) -> None:
        if cluster:
            self._sql("INSERT INTO sre_incident_clusters (incident_id, cluster) VALUES (?, ?)", (incident_id, cluster))

    def _end_unrouted(self, incident_id: str, unrouted: Unrouted, now: float) -> None:
        result = {**unrouted.result, "incident_id": incident_id}
        self._sql(f"INSERT INTO sre_runs ({RUN_COLUMNS}) VALUES (?, ?, 'done', 'escalated', 0, NULL, NULL, NULL, NULL, "
                  "NULL, ?, ?, NULL, 0, ?, ?)",
                  (unrouted.run_id, incident_id, json.dumps(result, default=str), unrouted.report, now, now))
        self._sql("UPDATE sre_incidents SET notes=? WHERE incident_id=?", (json.dumps([unrouted.note]), incident_id))

    def incidents(self, limit: int = 100, cluster: str | None = None) -> list[IncidentRecord]:
        """Newest first; `cluster`: only those investigated in it (NO_CLUSTER: in none)."""
        where, params = "", ()
        if cluster == NO_CLUSTER:
            where = "WHERE incident_id NOT IN (SELECT incident_id FROM sre_incident_clusters) "
        elif cluster is not None:
            where, params = "WHERE incident_id IN (SELECT incident_id FROM sre_incident_clusters WHERE cluster=?) ", (cluster,)
        with self._lock:
            rows = self._sql(f"SELECT {INCIDENT_COLUMNS} FROM sre_incidents {where}ORDER BY created_at DESC LIMIT ?",
                             (*params, limit)).fetchall()
        return [_incident(r) for r in rows]

    def cluster_of(self, incident_id: str) -> str | None:
        with self._lock:
            row = self._sql("SELECT cluster FROM sre_incident_clusters WHERE incident_id=?", (incident_id,)).fetchone()
        return row[0] if row else None
