"""A run reads back the `resolved` notification the service received for its alert.

Alertmanager sends `resolved` for an alert's fingerprint once it stops firing; the service then resolves the
open incident of that fingerprint (store.resolve). A run verifying a fix for an Alertmanager alert counts
that as the alarm clearing (graph/health.py), beside Alertmanager's own API (app/alert_state.py). The run's
step executes in a step process of its own, so the store is opened there, on the first read, and only for
an alert from Alertmanager."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ..app.options import RunOptions
from ..contracts import Incident
from ..graph.health import AlarmReading
from .store import open_store


class ResolvedNotices:
    name = "the service's resolved notifications"

    def __init__(self, state_dir: Path, dsn: str | None) -> None:
        self.state_dir, self.dsn = state_dir, dsn
        self._store: Any = None

    async def read(self, incident: Incident) -> AlarmReading:
        name = (incident.alarm or {}).get("AlarmName", "")
        try:
            if self._store is None:
                self._store = await asyncio.to_thread(open_store, self.state_dir, self.dsn)
            record = await asyncio.to_thread(self._store.incident, incident.id)
        except Exception as exc:  # noqa: BLE001 -- a store that cannot be read is one reader fewer, not a failed run
            return AlarmReading(ok=False, state=None, detail=f"the service's store could not be read ({exc})"[:200])
        if record is not None and record.state == "resolved":
            return AlarmReading(ok=True, state="OK", detail=f"Alertmanager sent `resolved` for alert {name}")
        return AlarmReading(ok=False, state=None, detail="no `resolved` notification for it yet")


def alert_readers(options: RunOptions) -> list[ResolvedNotices]:
    """What a service step reads an Alertmanager alert back from, besides Alertmanager's API: the service's store."""
    return [ResolvedNotices(options.state_dir, options.checkpoint_dsn)]
