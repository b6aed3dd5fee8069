"""The service's MCP servers: started once, long-lived, over streamable HTTP on loopback, shared by
every run -- instead of three child processes per incident (a storm of 24 alarms used to make 75
processes and 6 GB). Each run opens cheap HTTP sessions to them.

Each server gets its own random bearer token, is bound to 127.0.0.1 and prints the address it bound
(port 0: a free one). A server that exits is started again the next time a run asks for the
connections; /readyz reports one that is down. Writes are gated by the same flags a stdio server
gets (stdio_servers): the policy, not a tool argument, decides.

The servers die with the service: on Linux each is started with PR_SET_PDEATHSIG, so even a SIGKILL of
the service (the OOM killer, `kill -9`) takes them down instead of leaving them serving, holding ports
and able to write -- the restarted service starts its own."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from ..app.options import RunOptions
from ..app.servers import ServerConnection, server_environment
from ..app.wiring import server_connections

log = logging.getLogger(__name__)
LISTENING = re.compile(r"listening on (http://\S+)")


@dataclass
class _Server:
    name: str
    module: str
    args: list[str]
    env: dict[str, str]
    process: asyncio.subprocess.Process | None = None
    url: str | None = None
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    last_error: str | None = None
    stderr_tail: list[str] = field(default_factory=list)

    @property
    def up(self) -> bool:
        return self.process is not None and self.process.returncode is None and self.url is not None


def die_with_parent(sig: int = signal.SIGTERM, nice: int = 0) -> Callable[[], None] | None:
    """For the child, between fork and exec: `sig` when this process dies, however it dies (Linux's
    PR_SET_PDEATHSIG; it fires when the forking *thread* ends -- here the event loop's, which lives as
    long as the service), and `nice` added to its CPU niceness. Elsewhere the niceness only (None when
    there is nothing to do): a server outlives a killed service (a clean stop() ends them)."""
    prctl = None
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork: nothing to load after it
        except (OSError, AttributeError):
            prctl = None
    if prctl is None and not nice:
        return None
    parent = os.getpid()

    def preexec() -> None:
        if nice:
            os.nice(nice)
        if prctl is not None:
            prctl(1, int(sig))  # PR_SET_PDEATHSIG
            if os.getppid() != parent:  # the service died between the fork and prctl: no signal will come
                os._exit(1)

    return preexec


class ServerProcesses:
    """Long-lived MCP servers over HTTP: started, restarted when down, stopped. SharedServers holds the service's one
    set; ClusterServers (cluster_servers.py) a kubernetes server per configured cluster and the AWS ones per profile."""

    def __init__(self, start_timeout_s: float = 60.0) -> None:
        self.start_timeout_s = start_timeout_s
        self._lock = asyncio.Lock()

    async def _start(self, server: _Server) -> None:
        args = [*server.args, "--http", "--host", "127.0.0.1", "--port", "0"]
        env = {**server_environment(os.environ), **server.env, "SRE_MCP_TOKEN": server.token}
        server.url, server.stderr_tail = None, []
        server.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", server.module, *args, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, preexec_fn=die_with_parent())
        try:
            server.url = await asyncio.wait_for(self._bound_url(server), self.start_timeout_s)
            server.last_error = None
        except (TimeoutError, EOFError) as exc:
            tail = "; ".join(server.stderr_tail[-3:])
            server.last_error = (f"did not start within {self.start_timeout_s:.0f}s" if isinstance(exc, TimeoutError)
                                 else f"exited: {tail or 'no output'}")
            log.warning("MCP server %s %s", server.name, server.last_error)
            if server.process.returncode is None:
                server.process.kill()
            return
        asyncio.get_running_loop().create_task(self._drain(server))

    @staticmethod
    async def _bound_url(server: _Server) -> str:
        assert server.process is not None and server.process.stderr is not None
        while True:
            line = await server.process.stderr.readline()
            if not line:
                raise EOFError
            text = line.decode(errors="replace").strip()
            server.stderr_tail = [*server.stderr_tail[-9:], text]
            match = LISTENING.search(text)
            if match:
                return match.group(1)

    @staticmethod
    async def _drain(server: _Server) -> None:
        """Keep reading the server's stderr (a full pipe would block it); keep the last lines for /readyz."""
        assert server.process is not None and server.process.stderr is not None
        while line := await server.process.stderr.readline():
            server.stderr_tail = [*server.stderr_tail[-9:], line.decode(errors="replace").strip()]

    async def _up(self, servers: dict[str, _Server]) -> dict[str, ServerConnection]:
        """`servers`' HTTP endpoints, (re)starting any not running -- never started, or exited since the last ask."""
        async with self._lock:
            down = [s for s in servers.values() if not s.up]
            if down:
                await asyncio.gather(*(self._start(s) for s in down))
        # A server that would not start is still named: the run's toolbox reports it as unavailable
        # (a could-not-check), as it does for a stdio server that fails to start.
        return {name: ServerConnection(transport="streamable_http", url=s.url or "http://127.0.0.1:9/mcp", token=s.token)
                for name, s in servers.items()}

    @staticmethod
    def _health(servers: dict[str, _Server]) -> dict[str, dict[str, str | bool | None]]:
        return {name: {"up": s.up, "url": s.url, "error": None if s.up else (s.last_error or "not started")}
                for name, s in servers.items()}

    @staticmethod
    async def _stop(servers: list[_Server]) -> None:
        for server in servers:
            if server.process is not None and server.process.returncode is None:
                server.process.terminate()
        for server in servers:
            if server.process is not None:
                try:
                    await asyncio.wait_for(server.process.wait(), 10)
                except TimeoutError:
                    server.process.kill()

    @staticmethod
    def _pids(servers: list[_Server]) -> list[int]:
        return [s.process.pid for s in servers if s.process is not None and s.process.returncode is None]


class SharedServers(ServerProcesses):
    """Start with `await servers.start()`; `connections()` for RunOptions.servers; `stop()` at shutdown."""

    def __init__(self, options: RunOptions, start_timeout_s: float = 60.0, only: set[str] | None = None) -> None:
        """`only`: just these of the run's servers (a fleet sweep shares the AWS ones, each cluster has its own
        kubernetes server)."""
        super().__init__(start_timeout_s)
        self._servers: dict[str, _Server] = {}
        for name, conn in server_connections(options.model_copy(update={"servers": None})).items():
            if conn.transport != "stdio" or not conn.module or (only is not None and name not in only):
                continue
            self._servers[name] = _Server(name, conn.module, list(conn.args), dict(conn.env))

    async def start(self) -> None:
        await asyncio.gather(*(self._start(server) for server in self._servers.values()))

    async def connections(self) -> dict[str, ServerConnection]:
        """The servers' HTTP endpoints, restarting any that exited since the last run asked."""
        return await self._up(self._servers)

    def health(self) -> dict[str, dict[str, str | bool | None]]:
        return self._health(self._servers)

    def pids(self) -> list[int]:
        return self._pids(list(self._servers.values()))

    async def stop(self) -> None:
        await self._stop(list(self._servers.values()))
