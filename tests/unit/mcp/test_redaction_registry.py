"""The layer is hooked where tools are registered, so no tool can forget it: a tool that returns
secrets or raises an error quoting one is masked in structuredContent, text and error alike, and
says how many values it masked; --allow-sensitive-data-access turns the layer off. In-memory MCP
sessions, no processes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from mcp.shared.memory import create_connected_server_and_client_session

from mcp_servers.common.redaction import MASK, set_allow_sensitive_data
from mcp_servers.common.registry import ToolResult, tool_decorator


class Config(ToolResult):
    data: dict[str, str]


def _server() -> FastMCP:
    mcp = FastMCP("t")
    tool = tool_decorator(mcp)

    @tool(title="config", read_only=True, destructive=False, idempotent=True, open_world=False)
    def config() -> Config:
        return Config(data={"DB_PASSWORD": "pw-1", "DSN": "postgres://app:pw-2@db/x", "MODE": "fast"})

    @tool(title="fails", read_only=True, destructive=False, idempotent=True, open_world=False)
    def fails() -> Config:
        raise ToolError("backend said: login failed for token=tok-3")

    return mcp


def _call(name: str) -> Any:
    async def go():
        async with create_connected_server_and_client_session(_server()._mcp_server) as session:
            return await session.call_tool(name, {})

    return asyncio.run(go())


@pytest.fixture
def allow_sensitive():
    set_allow_sensitive_data(True)
    yield
    set_allow_sensitive_data(False)


def test_results_are_redacted_in_structured_content_and_text():
    result = _call("config")
    assert result.structuredContent == {"data": {"DB_PASSWORD": MASK, "DSN": f"postgres://{MASK}@db/x", "MODE": "fast"},
                                        "redacted": 2}
    assert json.loads(result.content[0].text) == result.structuredContent


def test_error_messages_are_redacted():
    result = _call("fails")
    assert result.isError and "tok-3" not in result.content[0].text and f"token={MASK}" in result.content[0].text


def test_allow_sensitive_data_turns_the_layer_off(allow_sensitive):
    result = _call("config")
    assert result.structuredContent["data"]["DB_PASSWORD"] == "pw-1" and result.structuredContent["redacted"] == 0
    assert "tok-3" in _call("fails").content[0].text
