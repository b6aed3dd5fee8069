"""A session with cached schema checks accepts and refuses exactly what the MCP client does, with the
client's own errors, and checks each tool's schema once rather than on every call."""

from __future__ import annotations

import anyio
import pytest
from mcp import ClientSession
from mcp.types import CallToolResult, TextContent

from sre_agent.app.schema_checks import cache_schema_checks

SCHEMA = {
    "type": "object",
    "properties": {"count": {"type": "integer"}, "rows": {"type": "array", "items": {"$ref": "#/$defs/Row"}}},
    "required": ["count"],
    "$defs": {"Row": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"],
                      "additionalProperties": False}},
}
BAD_SCHEMA = {"type": "object", "properties": {"count": {"type": 12}}}
UNRESOLVABLE = {"type": "object", "properties": {"row": {"$ref": "#/$defs/Missing"}}}


def _result(content: dict | None) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text="{}")], structuredContent=content)


async def _outcome(session: ClientSession, tool: str, content: dict | None) -> str:
    try:
        await session._validate_tool_result(tool, _result(content))
    except RuntimeError as exc:
        return str(exc)
    return "ok"


CASES = [
    ("listing", {"count": 2, "rows": [{"name": "a"}, {"name": "b"}]}),
    ("listing", {"count": 0}),
    ("listing", {"count": "two"}),
    ("listing", {"rows": []}),
    ("listing", {"count": 1, "rows": [{"name": "a", "extra": 1}]}),
    ("bad", {"count": 1}),
    ("unresolvable", {"row": {}}),
    ("unresolvable", {}),
    ("no_schema", {"anything": True}),
]


def test_same_verdicts_and_messages_as_the_client():
    async def run() -> tuple[list[str], list[str]]:
        send, receive = anyio.create_memory_object_stream(10)
        async with send, receive:
            plain, cached = ClientSession(receive, send), ClientSession(receive, send)
            for session in (plain, cached):
                session._tool_output_schemas = {"listing": SCHEMA, "bad": BAD_SCHEMA, "unresolvable": UNRESOLVABLE,
                                                "no_schema": None}
            cache_schema_checks(cached)
            return ([await _outcome(plain, tool, content) for tool, content in CASES],
                    [await _outcome(cached, tool, content) for tool, content in CASES])

    expected, got = anyio.run(run)
    assert got == expected
    assert expected[:2] == ["ok", "ok"] and expected[-1] == "ok"
    assert all(message.startswith(("Invalid structured content", "Invalid schema")) for message in expected[2:-2])


def test_schema_checked_once_per_tool(monkeypatch: pytest.MonkeyPatch):
    from jsonschema import validators

    checked: list[dict] = []
    real = validators.validator_for(SCHEMA).check_schema

    def counting(schema: dict) -> None:
        checked.append(schema)
        real(schema)

    async def run() -> None:
        send, receive = anyio.create_memory_object_stream(10)
        async with send, receive:
            session = ClientSession(receive, send)
            session._tool_output_schemas = {"listing": SCHEMA}
            cache_schema_checks(session)
            monkeypatch.setattr(validators.validator_for(SCHEMA), "check_schema", counting)
            for n in range(5):
                assert await _outcome(session, "listing", {"count": n}) == "ok"

    anyio.run(run)
    assert len(checked) == 1


def test_a_session_without_the_client_hook_is_left_alone():
    class Other:
        pass

    other = Other()
    cache_schema_checks(other)
    assert not hasattr(other, "_validate_tool_result")
