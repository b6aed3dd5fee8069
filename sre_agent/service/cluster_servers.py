"""Where the service runs an incident when several clusters are configured (the config's `clusters:`, app/clusters.py):
the run options of the incident's cluster (`options_for_cluster`) and MCP servers bound to it.

The servers (ClusterServers): a kubernetes server per cluster, started with that cluster's `--context` (or EKS name)
and `--cluster-name`, so it can only read that cluster and refuses a write pinned to another; the cloudwatch and ssm
servers per AWS profile and region -- clusters that share a profile (and write policy) share one process. Servers
are keyed by everything they are started with, so two clusters get one process exactly when the two would be
started identically.

Started lazily, on the first run (or chat turn, or sweep) in a cluster, not when the service starts: every server
is a Python process of ~75-105 MiB RSS (bench service_clusters), and a responder configured for a fleet of clusters
mostly hears from a few of them -- with eager starts its memory would grow with the fleet, not with the incidents. A server that exited is
started again on the next ask, as SharedServers does. /readyz reports each cluster's servers (`started` false:
none has been needed yet, which is not a failure)."""

from __future__ import annotations

from typing import Any

from ..app.clusters import ClusterSettings, options_for_cluster
from ..app.options import RunOptions
from ..app.servers import ServerConnection
from ..app.wiring import server_connections
from .servers import ServerProcesses, _Server


class UnknownCluster(LookupError):
    """An incident names a cluster the service is not (or no longer) configured with."""


class ClusterServers(ServerProcesses):
    def __init__(self, options: RunOptions, clusters: list[ClusterSettings], start_timeout_s: float = 60.0) -> None:
        super().__init__(start_timeout_s)
        self._servers: dict[tuple, _Server] = {}  # by how a server is started: equal specs are one process
        self._of: dict[str, dict[str, tuple]] = {}  # cluster -> server name -> its key in _servers
        for cluster in clusters:
            bound = options_for_cluster(options.model_copy(update={"servers": None}), cluster)
            self._of[cluster.name] = {}
            for name, conn in server_connections(bound).items():
                if conn.transport != "stdio" or not conn.module:
                    continue
                key = (name, conn.module, tuple(conn.args), tuple(sorted(conn.env.items())))
                self._servers.setdefault(key, _Server(name, conn.module, list(conn.args), dict(conn.env)))
                self._of[cluster.name][name] = key

    def _servers_of(self, cluster: str) -> dict[str, _Server]:
        if cluster not in self._of:
            raise UnknownCluster(f"cluster {cluster!r} is not one of the configured clusters ({', '.join(self._of)})")
        return {name: self._servers[key] for name, key in self._of[cluster].items()}

    async def start(self) -> None:
        """Nothing yet: each cluster's servers start with its first run (module docstring)."""

    async def connections(self, cluster: str) -> dict[str, ServerConnection]:
        """`cluster`'s servers' HTTP endpoints, starting any not running (the first ask in that cluster)."""
        return await self._up(self._servers_of(cluster))

    def health(self) -> dict[str, dict[str, dict[str, str | bool | None]]]:
        """Each cluster's servers: up, url, error, and whether one was started at all."""
        return {cluster: {name: {**health, "started": self._servers_of(cluster)[name].process is not None}
                          for name, health in self._health(self._servers_of(cluster)).items()}
                for cluster in self._of}

    def pids(self) -> list[int]:
        return self._pids(list(self._servers.values()))

    def processes(self) -> int:
        """How many distinct server processes the configured clusters need (shared ones once)."""
        return len(self._servers)

    async def stop(self) -> None:
        await self._stop(list(self._servers.values()))


class Placement:
    """The options a run, a chat turn or a sweep gets for a cluster: with clusters configured, the cluster's options
    (`options_for_cluster`) and its servers; without, the service's options and its shared servers, as before."""

    def __init__(self, clusters: list[ClusterSettings], servers: Any) -> None:
        """`servers`: ClusterServers with clusters, SharedServers (or a stand-in with `connections()`) without; None:
        the options' own servers."""
        self.clusters = {c.name: c for c in clusters}
        self.servers = servers

    @property
    def names(self) -> list[str]:
        return list(self.clusters)

    def settings(self, cluster: str | None) -> ClusterSettings:
        found = self.clusters.get(cluster or "")
        if found is None:
            known = ", ".join(self.clusters)
            raise UnknownCluster(f"cluster {cluster!r} is not one of the configured clusters ({known}): it was taken "
                                 "in under another configuration" if cluster else
                                 f"it names no cluster, and several are configured ({known}): it was taken in before "
                                 "`clusters:` was configured -- open it again")
        return found

    async def options_for(self, options: RunOptions, cluster: str | None) -> RunOptions:
        """`options` for a run in `cluster` (None without clusters configured); UnknownCluster for one not configured."""
        if not self.clusters:
            if self.servers is None:
                return options
            return options.model_copy(update={"servers": await self.servers.connections()})  # SharedServers
        bound = options_for_cluster(options, self.settings(cluster))
        if isinstance(self.servers, ClusterServers):
            bound = bound.model_copy(update={"servers": await self.servers.connections(bound.cluster or "")})
        return bound
