"""Registering blocking tools on a FastMCP server without blocking its event loop.

FastMCP calls a plain `def` tool directly on the event loop: one slow backend call (a Logs
Insights poll, a throttled AWS API) would stall every other request on an HTTP server, pings and
concurrent tool calls included. `blocking_tools(mcp)` registers a sync function as an async tool
that runs it in a worker thread; the name, docstring and typed parameters (and so the tool's JSON
schema and argument validation) are the function's own."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from mcp.server.fastmcp import FastMCP


def blocking_tools(mcp: FastMCP) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """A decorator: `@tool` registers the sync function as a threaded, unstructured (text) tool."""

    def register(fn: Callable[..., str]) -> Callable[..., str]:
        @functools.wraps(fn)  # keeps __name__, __doc__ and, via __wrapped__, the signature
        async def in_thread(**kwargs: Any) -> str:
            return await anyio.to_thread.run_sync(functools.partial(fn, **kwargs))

        # Our tools return compact JSON text; structured output would send every result twice.
        mcp.add_tool(in_thread, structured_output=False)
        return fn

    return register
