"""Drive our MCP servers the way any MCP client does: a real ClientSession over stdio or
streamable HTTP, against a real server process. A module can share one session (a background
event loop holds it open) and call tools synchronously from plain pytest functions."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time
from contextlib import AsyncExitStack
from typing import Any

import httpx
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client


class ToolResult:
    def __init__(self, raw) -> None:
        self.raw = raw
        self.is_error = bool(raw.isError)
        self.text = "".join(getattr(c, "text", "") for c in raw.content)

    def json(self) -> Any:
        return json.loads(self.text)

    def __repr__(self) -> str:
        return f"ToolResult(error={self.is_error}, text={self.text[:300]!r})"


class SyncMcpClient:
    """Holds one MCP session open on a private event loop; call() is synchronous."""

    def __init__(self, opener, timeout_s: float = 60.0) -> None:
        self._opener = opener
        self._timeout = timeout_s
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._stack: AsyncExitStack | None = None
        self.session: ClientSession | None = None
        self._run(self._open())

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(self._timeout)

    async def _open(self) -> None:
        self._stack = AsyncExitStack()
        streams = await self._stack.enter_async_context(self._opener())
        read, write = streams[0], streams[1]
        self.session = await self._stack.enter_async_context(ClientSession(read, write))
        await self.session.initialize()

    def list_tools(self) -> list:
        return self._run(self.session.list_tools()).tools

    def call(self, tool: str, args: dict[str, Any] | None = None) -> ToolResult:
        return ToolResult(self._run(self.session.call_tool(tool, args or {})))

    def close(self) -> None:
        try:
            self._run(self._stack.aclose())
        except Exception:
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


def stdio_client_for(module: str, args: list[str], env: dict[str, str]) -> SyncMcpClient:
    params = StdioServerParameters(command=sys.executable, args=["-m", module, *args],
                                   env={**os.environ, **env})
    return SyncMcpClient(lambda: stdio_client(params, errlog=sys.stderr))


class HttpServerProcess:
    """A server started with --http --port 0; the bound URL is read from its stderr."""

    def __init__(self, module: str, args: list[str], env: dict[str, str], timeout_s: float = 30.0) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", module, "--http", "--port", "0", *args],
                                     env={**os.environ, **env}, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     text=True)
        self.url = ""
        self.stderr_lines: list[str] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                if self.proc.poll() is not None:
                    break
                continue
            self.stderr_lines.append(line)
            match = re.search(r"listening on (http://\S+)", line)
            if match:
                self.url = match.group(1)
                break
        if not self.url:
            self.stop()
            raise RuntimeError(f"{module} did not start: {''.join(self.stderr_lines)[-2000:]}")
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.proc.stderr:
            self.stderr_lines.append(line)

    def client(self, token: str | None = None) -> SyncMcpClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return SyncMcpClient(lambda: streamable_http_client(
            self.url, http_client=httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(30, read=300))))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def raw_initialize(url: str, headers: dict[str, str]) -> httpx.Response:
    """An MCP `initialize` POSTed directly: through an MCP client a 401 surfaces only as a cancelled
    session, so auth is checked on the HTTP answer itself."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}
    return httpx.post(url, json=body, headers={"Accept": "application/json, text/event-stream", **headers})
