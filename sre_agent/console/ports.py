"""What the console needs of the incident service (service/core.py IncidentService), as a protocol:
the console sits below the service in the package layers (the service mounts it), so it names the
calls it makes rather than importing the class."""

from __future__ import annotations

from typing import Any, Protocol

from ..app.options import RunOptions
from ..contracts import Person


class IncidentStore(Protocol):
    def incidents(self, limit: int = 100) -> list[Any]: ...

    def incident(self, incident_id: str) -> Any: ...


class ConsoleBackend(Protocol):
    options: RunOptions
    store: IncidentStore
    sweeps: list[Any]
    servers: Any  # SharedServers (connections()), or None when the options name the servers

    def view(self, record: Any) -> dict[str, Any]: ...

    def incident_view(self, incident_id: str) -> dict[str, Any] | None: ...

    def answer(self, incident_id: str, decision: dict[str, Any], person: Person | None = None) -> Any: ...

    def report(self, incident_id: str) -> str | None: ...
