"""Registering blocking tools on a FastMCP server without blocking its event loop.

FastMCP calls a plain `def` tool directly on the event loop: one slow backend call (a Logs
Insights poll, a throttled AWS API) would stall every other request on an HTTP server, pings and
concurrent tool calls included. `blocking_tools(mcp)` registers a sync function as an async tool
that runs it in a worker thread; the name, docstring and typed parameters (and so the tool's JSON
schema and argument validation) are the function's own.

Unknown arguments are refused (`strict`, the default). FastMCP's default is to drop them, so
`{"stat": "Maximum"}` sent to a tool whose parameter is `statistics` would silently answer with
the default statistic -- a wrong answer that looks right. A refused call names the argument, and
an agent corrects it on the next turn."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from mcp.server.fastmcp import FastMCP
from pydantic import ConfigDict

log = logging.getLogger(__name__)


def blocking_tools(mcp: FastMCP, *, strict: bool = True) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """A decorator: `@tool` registers the sync function as a threaded, unstructured (text) tool."""

    def register(fn: Callable[..., str]) -> Callable[..., str]:
        @functools.wraps(fn)  # keeps __name__, __doc__ and, via __wrapped__, the signature
        async def in_thread(**kwargs: Any) -> str:
            return await anyio.to_thread.run_sync(functools.partial(fn, **kwargs))

        # Our tools return compact JSON text; structured output would send every result twice.
        mcp.add_tool(in_thread, structured_output=False)
        if strict:
            _forbid_unknown_arguments(mcp, fn.__name__)
        return fn

    return register


def _forbid_unknown_arguments(mcp: FastMCP, name: str) -> None:
    """Swap the tool's argument model for one with extra="forbid" (and say so in its JSON schema)."""
    try:
        tool = mcp._tool_manager.get_tool(name)  # FastMCP keeps no public handle on a registered tool
        base = tool.fn_metadata.arg_model
        strict_model = type(base.__name__, (base,), {
            "__module__": base.__module__,
            "model_config": ConfigDict(**{**base.model_config, "extra": "forbid"}),
        })
        tool.fn_metadata = tool.fn_metadata.model_copy(update={"arg_model": strict_model})
        tool.parameters = strict_model.model_json_schema(by_alias=True)
    except Exception:  # a FastMCP upgrade moved things: keep working, just less strictly
        log.warning("could not make tool %s refuse unknown arguments", name, exc_info=True)
