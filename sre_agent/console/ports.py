"""What the console needs of the incident service (service/core.py IncidentService), as a protocol:
the console sits below the service in the package layers (the service mounts it), so it names the
calls it makes rather than importing the class."""

from __future__ import annotations

from typing import Any, Protocol

from ..app.options import RunOptions
from ..contracts import Person

# The incident list's filter value for incidents investigated in no cluster (the service's
# service/incident_clusters.py NO_CLUSTER; cluster names start with a letter or digit).
NO_CLUSTER = "-"


class IncidentStore(Protocol):
    def incidents(self, limit: int = 100) -> list[Any]: ...  # (limit, cluster=...) with clusters configured

    def incident(self, incident_id: str) -> Any: ...


class ConsoleBackend(Protocol):
    options: RunOptions
    store: IncidentStore
    sweeps: list[Any]
    servers: Any  # SharedServers (connections()), or None when the options name the servers
    # clusters: list[ClusterSettings] -- optional (getattr): several configured, the console shows and filters by them

    def view(self, record: Any) -> dict[str, Any]: ...

    def incident_view(self, incident_id: str) -> dict[str, Any] | None: ...

    def answer(self, incident_id: str, decision: dict[str, Any], person: Person | None = None) -> Any: ...

    def report(self, incident_id: str) -> str | None: ...


def cluster_names(service: Any) -> list[str]:
    """The configured clusters' names (the service's `clusters`); none: a single-cluster service."""
    return [c.name for c in getattr(service, "clusters", None) or []]
