"""One lab and one set of MCP servers for a whole test module: the servers run over streamable HTTP on
loopback, started once with the lab's env; each test resets the lab, loads its scenario and opens cheap
HTTP sessions. A new lab and three stdio server processes per test cost about 9 s of a 2-core machine;
this costs about 2 s (the scenario's history)."""

from __future__ import annotations

import secrets

from sre_agent.app.servers import ServerConnection, stdio_servers
from sre_agent.lab.lab import Lab
from sre_agent.lab.scenarios.schema import LoadedScenario

from .mcp_harness import HttpServerProcess


class LabWithServers:
    def __init__(self, *, allow_writes: bool = False, namespaces: list[str] | None = None,
                 ssm_targets: list[str] | None = None) -> None:
        self.lab = Lab().start()
        self._token = secrets.token_urlsafe(16)
        self._servers: dict[str, HttpServerProcess] = {}
        try:
            env = {**self.lab.env(), "SRE_MCP_TOKEN": self._token}
            # The same flags a run's stdio servers get: the policy, not the transport, gates writes.
            for name, conn in stdio_servers(self.lab.env(), allow_writes=allow_writes, namespaces=namespaces or [],
                                            ssm_targets=ssm_targets).items():
                self._servers[name] = HttpServerProcess(str(conn.module), list(conn.args), env)
        except BaseException:
            self.close()
            raise

    def load(self, scenario: str | LoadedScenario) -> LoadedScenario:
        if self.lab.scenario is not None:
            self.lab.reset()
        return self.lab.load(scenario)

    def connections(self) -> dict[str, ServerConnection]:
        return {name: ServerConnection(transport="streamable_http", url=server.url, token=self._token)
                for name, server in self._servers.items()}

    def __enter__(self) -> LabWithServers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for server in self._servers.values():
            server.stop()
        self.lab.stop()
