"""The responder's only way to the world: MCP sessions to the kubernetes, cloudwatch and ssm servers.

Sessions are opened once per investigation through langchain-mcp-adapters (stdio by default, HTTP
when configured) and kept open, so a tool call costs a round trip, not a process start. Every call
-- from the offline brain or from an LLM agent -- is recorded as evidence and traced; the graph
reports it as progress.

A server that cannot start (a kubeconfig that does not load, no AWS region) or cannot be reached
does not end the run: the run goes on with the servers that did start, and every call to the missing
one fails with why it is missing -- a "could not check" for the honesty rule, never a traceback. A
stdio server's stderr is kept in a temporary file, so that reason is the server's own error line; it
is relayed to our stderr when the run ends only with -v (the useful part already is in the report)."""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import IO, Any

from langchain_mcp_adapters.client import MultiServerMCPClient
from langchain_mcp_adapters.tools import load_mcp_tools
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from ..contracts import ToolCallRecord
from ..graph.ports import ToolOutcome
from .evidence_series import series_in
from .schema_checks import cache_schema_checks
from .servers import ServerConnection

EXCERPT_CHARS = 600
log = logging.getLogger(__name__)


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def result_data(structured: dict[str, Any] | None, text: str) -> Any:
    """The parsed result of a successful call. Typed tools send their pydantic model's dump as
    `structuredContent`; a tool that returns a str is wrapped by FastMCP as {"result": "<text>"},
    whose text is our JSON; a server that sends no structured content is read from its text."""
    if structured is None:
        return _json_or_text(text)
    if set(structured) == {"result"} and isinstance(structured["result"], str):
        return _json_or_text(structured["result"])
    return structured


class Toolbox:
    """Implements the graph's Tools port over live MCP sessions."""

    def __init__(self, servers: dict[str, ServerConnection], *, tracer: Any = None, reads_only: bool = False) -> None:
        self.servers = servers
        # Chat over the service's shared servers (which may allow writes for remediation): this toolbox
        # itself refuses every tool that does not declare itself read-only.
        self.reads_only = reads_only
        self.client = MultiServerMCPClient({name: conn.adapter_config() for name, conn in servers.items()})
        self.sessions: dict[str, Any] = {}
        self.langchain_tools: dict[str, list] = {}
        self.parameters: dict[tuple[str, str], set[str]] = {}
        self.read_only: set[tuple[str, str]] = set()
        self.tracer = tracer
        self.unavailable: dict[str, str] = {}  # server -> why it did not start or could not be reached
        self._holders: list[asyncio.Task[None]] = []
        self._closing = asyncio.Event()
        self._stderr: dict[str, IO[str]] = {}
        self._counter = 0

    async def __aenter__(self) -> Toolbox:
        # The servers start at once, each held open by a task of its own (an MCP session's context must be
        # left by the task that entered it): a run waits for the slowest server's start, not for the sum.
        self._closing = asyncio.Event()
        try:
            opened = await asyncio.gather(*(self._open(name) for name in self.servers), return_exceptions=True)
            for name, session in zip(self.servers, opened, strict=True):
                if isinstance(session, BaseException):  # the run goes on without it; its calls say why (could not check)
                    self.unavailable[name] = self._why_not_started(name, session)
                    log.warning("MCP server %s is unavailable: %s", name, self.unavailable[name])
                else:
                    await self.adopt(name, session)
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def _open(self, name: str) -> Any:
        ready: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._holders.append(asyncio.create_task(self._hold(name, ready), name=f"mcp-session-{name}"))
        return await ready

    async def _hold(self, name: str, ready: asyncio.Future[Any]) -> None:
        """Open server `name`'s session, hand it over, and keep it open until the toolbox closes."""
        try:
            async with self._session(name) as session:
                ready.set_result(session)
                await self._closing.wait()
        except BaseException as exc:  # noqa: BLE001 -- a start failure is the caller's; a late one only logged
            if not ready.done():
                ready.set_exception(exc)
            elif not isinstance(exc, asyncio.CancelledError):
                log.debug("MCP server %s session ended with %s", name, _leaf_message(exc))

    def _session(self, name: str):
        connection = self.servers[name]
        if connection.transport != "stdio":
            return self.client.session(name)
        errlog = self._stderr[name] = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
        return _stdio_session(connection, errlog)

    def _why_not_started(self, name: str, exc: BaseException) -> str:
        """The server's own last error line (stdio), else what the client saw."""
        said = ""
        errlog = self._stderr.get(name)
        if errlog is not None:
            errlog.flush()
            errlog.seek(0)
            lines = [line.strip() for line in errlog.read().splitlines() if line.strip()]
            said = next((line for line in reversed(lines) if line.lower().startswith("error")), lines[-1] if lines else "")
        return f"the {name} MCP server did not start: {said or _leaf_message(exc)}"

    async def adopt(self, name: str, session: Any) -> None:
        """Use an initialized MCP session as server `name`: learn its tools, arguments and annotations."""
        cache_schema_checks(session)  # one output-schema validator per tool, not one per call
        self.sessions[name] = session
        self.langchain_tools[name] = await load_mcp_tools(session, server_name=name)
        for tool in (await session.list_tools()).tools:
            self.parameters[(name, tool.name)] = set((tool.inputSchema or {}).get("properties", {}))
            # Only a tool that says it is read-only counts as one: no annotation means "may write".
            if tool.annotations is not None and tool.annotations.readOnlyHint is True:
                self.read_only.add((name, tool.name))

    async def __aexit__(self, *exc: object) -> None:
        try:
            self._closing.set()
            await asyncio.gather(*self._holders, return_exceptions=True)
        finally:
            for name, errlog in self._stderr.items():
                if log.isEnabledFor(logging.DEBUG):
                    errlog.seek(0)
                    for line in errlog.read().splitlines():
                        log.debug("[%s server] %s", name, line)
                errlog.close()

    def read_only_tools(self, server: str) -> list:
        return [t for t in self.langchain_tools.get(server) or [] if (server, t.name) in self.read_only]

    def start_numbering_at(self, count: int) -> None:
        """Evidence ids continue across checkpoint resumes."""
        self._counter = max(self._counter, count)

    async def call(self, agent: str, server: str, tool: str, args: dict[str, Any], brain: str = "offline") -> ToolOutcome:
        self._counter += 1
        evidence_id = f"ev-{self._counter}"
        started_at = datetime.now(UTC)
        started = time.monotonic()
        span = self.tracer.tool_span(server, tool) if self.tracer else None
        error: str | None = None
        text, structured = "", None
        try:
            if server in self.unavailable:
                raise LookupError(self.unavailable[server])
            if server not in self.sessions:
                raise LookupError(f"no MCP server {server!r} is connected to this run")
            if self.reads_only and (server, tool) not in self.read_only:
                raise PermissionError(f"{server}.{tool} may write, and this session is read-only: nothing was called")
            result = await self.sessions[server].call_tool(tool, args)
            text = "".join(getattr(block, "text", "") for block in result.content)
            structured = result.structuredContent
            if result.isError:
                error = text or "tool error"
        except (LookupError, PermissionError) as exc:  # no such server, it did not start, or refused here: as said
            error = str(exc)
        except Exception as exc:  # a dead server or broken pipe is evidence too, not a crash
            error = f"{type(exc).__name__}: {exc}"
        elapsed_ms = (time.monotonic() - started) * 1000
        if span is not None:
            span.close(error=error)
        data = None if error is not None else result_data(structured, text)
        if not text and structured is not None:
            text = json.dumps(structured, default=str)
        masked = data.get("redacted") if isinstance(data, dict) else None
        record = ToolCallRecord(id=evidence_id, agent=agent, server=server, tool=tool, args=args, ok=error is None,
                                excerpt=(error or text)[:EXCERPT_CHARS], duration_ms=round(elapsed_ms, 1), brain=brain,
                                redacted=masked if isinstance(masked, int) else 0, series=series_in(data),
                                started_at=started_at)
        return ToolOutcome(record=record, data=data, error=error)


@asynccontextmanager
async def _stdio_session(connection: ServerConnection, errlog: IO[str]) -> AsyncIterator[ClientSession]:
    """A stdio server as a child process whose stderr goes to `errlog` (the adapter offers no errlog)."""
    config = connection.adapter_config()
    params = StdioServerParameters(command=config["command"], args=config["args"], env=config["env"])
    async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


def _leaf_message(exc: BaseException) -> str:
    """The innermost error of an exception group (anyio wraps a dead child's 'Connection closed')."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return f"{type(exc).__name__}: {exc}"
