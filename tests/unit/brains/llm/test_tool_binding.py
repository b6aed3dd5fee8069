"""What a specialist's model is offered: its own part of a shared server, in compact schemas that
keep everything a call needs."""

from __future__ import annotations

import json

import pytest
from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field

from sre_agent.brains.llm.tool_binding import (
    compact_model,
    compact_schema,
    compact_tool,
    described_once,
    offered_tools,
    render_result,
)


def _tool(name: str, schema: dict | None = None, description: str = "d") -> StructuredTool:
    async def run(**_: object) -> str:
        return ""

    return StructuredTool(name=name, description=description, args_schema=schema or {"type": "object", "properties": {}},
                          coroutine=run)


CLOUDWATCH = [_tool(n) for n in ("describe_alarms", "detect_anomalies", "log_patterns", "trace_summaries", "new_tool")]


@pytest.mark.parametrize(("agent", "expected"), [
    ("metrics", ["describe_alarms", "detect_anomalies", "new_tool"]),
    ("logs", ["log_patterns", "trace_summaries", "new_tool"]),      # a tool no list names goes to both
    ("kubernetes", [t.name for t in CLOUDWATCH]),                     # no list: everything its server has
])
def test_offered_tools(agent, expected):
    assert [t.name for t in offered_tools(agent, CLOUDWATCH)] == expected


def test_the_runbooks_agent_reads_runbooks_only():
    ssm = [_tool(n) for n in ("list_runbooks", "search_runbooks", "get_runbook", "get_parameter", "command_status")]
    assert [t.name for t in offered_tools("runbooks", ssm)] == ["search_runbooks", "get_runbook"]


def test_tools_another_tool_answers_better_are_offered_to_no_specialist_but_a_new_tool_is():
    kubernetes = [_tool(n) for n in ("get_resources", "top", "find_resource", "describe", "new_read_tool")]
    assert [t.name for t in offered_tools("kubernetes", kubernetes)] == ["get_resources", "describe", "new_read_tool"]
    cloudwatch = [_tool(n) for n in ("describe_alarms", "alarm_history", "logs_insights_query", "log_patterns")]
    assert [t.name for t in offered_tools("metrics", cloudwatch)] == ["describe_alarms"]
    assert [t.name for t in offered_tools("logs", cloudwatch)] == ["log_patterns"]


def test_compact_schema_keeps_what_a_call_needs():
    schema = {"title": "eventsArguments", "type": "object", "additionalProperties": False, "required": ["kind"],
              "properties": {
                  "title": {"title": "Title", "type": "string"},  # an argument named "title" stays
                  "kind": {"title": "Kind", "type": "string", "enum": ["Pod", "Node"], "description": "which kind"},
                  "namespace": {"title": "Namespace", "anyOf": [{"type": "string", "maxLength": 63}, {"type": "null"}],
                                "default": None, "description": "omit for all"},
                  "limit": {"title": "Limit", "type": "integer", "minimum": 1, "maximum": 500, "default": 50},
                  "ns": {"type": "string", "pattern": "^[a-z0-9-]+$", "description": "namespace"},
                  "start": {"type": "string", "default": "-3h"},
                  "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 20},
                  "warnings_only": {"type": "boolean", "default": True},
                  "either": {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}], "default": None},
                  "names": {"anyOf": [{"type": "array", "items": {"title": "N", "type": "string"}}, {"type": "null"}]},
                  "labels": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 9}},
                  "maxLength": {"type": "integer"}}}  # an argument named like a dropped keyword stays
    assert compact_schema(schema) == {
        "type": "object", "required": ["kind"],
        "properties": {
            "title": {"type": "string"},
            "kind": {"type": "string", "enum": ["Pod", "Node"], "description": "which kind"},
            "namespace": {"type": "string", "description": "omit for all"},
            "limit": {"type": "integer"},  # bounds and a numeric default: the server applies and checks them
            "ns": {"type": "string", "description": "namespace"},
            "start": {"type": "string", "default": "-3h"},  # a default that says what the call does stays
            "tags": {"type": "array", "items": {"type": "string"}},
            "warnings_only": {"type": "boolean", "default": True},
            "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "names": {"type": "array", "items": {"type": "string"}},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "maxLength": {"type": "integer"}}}


def test_compact_tool_is_a_function_definition_with_one_line_description():
    tool = _tool("events", {"type": "object", "properties": {"ns": {"title": "Ns", "type": "string"}}},
                 description="Events, newest first;\n        by object.")
    assert compact_tool(tool) == {"type": "function", "function": {
        "name": "events", "description": "Events, newest first; by object.",
        "parameters": {"type": "object", "properties": {"ns": {"type": "string"}}}}}


def test_render_result_drops_nulls_keeps_empty_answers_and_says_what_was_cut():
    data = {"count": 0, "findings": [], "next": None, "items": [{"a": 1, "b": None}]}
    assert render_result(data, 1000) == '{"count":0,"findings":[],"items":[{"a":1}]}'
    long = render_result({"x": "y" * 100}, 20)
    assert long.startswith('{"x":"yyyyyyyyyyyyyy') and long.endswith("[truncated, 88 more chars]")
    assert json.loads(render_result({"k": "v"}, 100)) == {"k": "v"}


def test_render_result_writes_a_list_of_objects_as_a_table_when_that_is_shorter():
    events = [{"reason": "BackOff", "object": "Pod/a", "count": 3}, {"reason": "Failed", "object": "Pod/b", "extra": None},
              {"reason": "Pulled", "object": "Pod/c", "count": 1}]
    assert json.loads(render_result({"events": events}, 1000)) == {"events": {
        "columns": ["reason", "object", "count"], "rows": [["BackOff", "Pod/a", 3], ["Failed", "Pod/b", None], ["Pulled", "Pod/c", 1]]}}
    # Objects with nothing in common stay objects: a table would be longer.
    mixed = [{"alpha": 1}, {"beta": 2}]
    assert json.loads(render_result(mixed, 1000)) == mixed


class _Item(BaseModel):
    name: str
    weight: float = Field(0.5, ge=0, le=1)


class _Answer(BaseModel):
    """An answer with nested items."""

    items: list[_Item] = Field(default_factory=list, description="the items")


def test_a_structured_answer_is_described_once_with_its_nested_models_in_place_and_its_bounds_kept():
    function = compact_model(_Answer)["function"]
    assert function["description"] == "An answer with nested items."
    assert function["parameters"] == {"type": "object", "properties": {"items": {
        "description": "the items", "type": "array", "items": {
            "type": "object", "required": ["name"],
            "properties": {"name": {"type": "string"}, "weight": {"type": "number", "minimum": 0, "maximum": 1}}}}}}


def test_an_argument_described_word_for_word_in_an_earlier_tool_is_described_there_only():
    when = {"type": "string", "default": "-3h", "description": "ISO-8601, -3h or now"}
    first = _tool("get_metric_data", {"type": "object", "properties": {"start": when, "period": {"type": "integer"}}})
    second = _tool("detect_anomalies", {"type": "object", "properties": {
        "start": when, "end": {**when, "default": "now"}, "statistic": {"type": "string", "description": "Average"}}})
    third = _tool("filter_log_events", {"type": "object", "properties": {"start": {"type": "string", "description": "other"}}})
    out = described_once([compact_tool(first), compact_tool(second), compact_tool(third), {"name": "bound as is"}])
    properties = [d["function"]["parameters"]["properties"] for d in out[:3]]
    assert properties[0]["start"]["description"] == "ISO-8601, -3h or now"
    assert properties[1]["start"] == {"type": "string", "default": "-3h"}  # same name, same words: said once
    assert properties[1]["end"]["description"] == "ISO-8601, -3h or now"  # another argument keeps its own
    assert properties[2]["start"]["description"] == "other"
    assert out[3] == {"name": "bound as is"}
