"""What a specialist's model is offered, and in how few tokens.

Tool definitions are re-sent with every request of a tool loop, so they are most of what an
investigation sends. Two cuts, neither changing what a tool does or accepts:

- Each specialist is offered its own part of its server, as its prompt already describes it: the
  metrics and logs specialists share the CloudWatch server (metrics: alarms, metrics, anomalies;
  logs: log groups, log lines, templates, traces) -- a CloudWatch tool neither list names goes to
  both, so a new tool is never hidden; the runbooks specialist reads runbooks, not SSM parameters
  or Run Command output. A few read tools whose answer another tool gives better for an
  investigation are offered to no specialist (NOT_OFFERED; chat still has them).
- Each definition is sent as a compact JSON schema: the same names, types, enums, defaults and
  descriptions, without what pydantic adds for its own use (`title` on every field, an `anyOf` with
  `null` and `default: null` for an optional argument -- optional already means "may be left out",
  which is what `required` says), and without the checks the server makes anyway: length, numeric
  and size bounds, patterns, `additionalProperties: false`. A call that breaks one comes back as an
  error the model reads and corrects; the bounds cost tokens on every turn of every specialist.
  Numeric defaults (row caps, a period, a threshold) go too (with the numeric bounds): the server
  applies them to an argument left out, and a model that wants another value names it. A string, boolean or enum default (a
  time window, warnings only) says what a call does by default, and stays.
- An argument described word for word like the argument of the same name in an earlier tool of
  the list is described there only (`described_once`).
- A structured answer (FindingsReport, RouteDecision, ...) is a pydantic model: its docstring goes
  once, as the function's description (not again as the schema's), and its nested models are
  written in place instead of as `$defs` referred to by `$ref`."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

# The tools of its server each agent is offered; an agent not listed gets all of its server's read tools.
AGENT_TOOLS: dict[str, frozenset[str]] = {
    "runbooks": frozenset({"search_runbooks", "get_runbook"}),
    "metrics": frozenset({"describe_alarms", "list_metrics", "get_metric_data", "detect_anomalies"}),
    "logs": frozenset({"describe_log_groups", "filter_log_events", "log_patterns", "trace_summaries"}),
}
# Read tools no specialist's method needs, each with what answers its question instead. Left out by
# name, so a tool the server adds later is still offered.
NOT_OFFERED: dict[str, str] = {
    "list_runbooks": "search_runbooks ranks every runbook against the symptoms, with a category filter",
    "logs_insights_query": "log_patterns (templates against a baseline) and filter_log_events (the lines)",
    "top": "describe (limits, OOMKilled states) and the metrics specialist (usage over time, not one sample)",
    "find_resource": "the supervisor's target is a resource id, a namespace or the cluster; get_resources lists",
    "alarm_history": "describe_alarms (state, reason, when it last changed) and detect_anomalies (the metric's onset)",
    "cluster_info": "the run's kubernetes server is bound to its one cluster (app/clusters.py): there is no other to pick",
}
SHARING = ("metrics", "logs")  # agents of one server: a tool neither list names goes to both
SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
SCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties")
# What the server checks for itself (see the module docstring); pydantic's titles.
DROPPED_KEYWORDS = frozenset({"title", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
                              "exclusiveMaximum", "minItems", "maxItems", "minProperties", "maxProperties", "pattern"})
# A structured answer is checked by our code, and a broken one costs a whole request again: its
# numeric bounds (a confidence from 0 to 1) stay. Its defaults go: the model writes the answer, and
# a field it leaves out takes its default in our validation all the same.
ANSWER_DROPPED_KEYWORDS = frozenset({"title", "minLength", "maxLength", "default"})
NUMERIC = ("integer", "number")


def offered_tools(agent: str, tools: list[Any]) -> list[Any]:
    """The tools of the agent's server this agent is offered (see the module docstring)."""
    tools = [tool for tool in tools if tool.name not in NOT_OFFERED]
    mine = AGENT_TOOLS.get(agent)
    if mine is None:
        return tools
    if agent not in SHARING:
        return [tool for tool in tools if tool.name in mine]
    named = frozenset().union(*(AGENT_TOOLS[other] for other in SHARING))
    return [tool for tool in tools if tool.name in mine or tool.name not in named]


def _without_null(options: list[Any]) -> list[Any]:
    return [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]


def compact_schema(schema: Any, dropped: frozenset[str] = DROPPED_KEYWORDS) -> Any:
    """`schema` without field titles, the bounds and patterns the server checks and
    `additionalProperties: false`, with optional-argument nulls folded away; what a model needs to
    call the tool right (names, types, enums, defaults, descriptions) stays."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in dropped or (key == "additionalProperties" and value is False):
            continue
        if key in SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: compact_schema(sub, dropped) for name, sub in value.items()}
        elif key in SCHEMA_LISTS and isinstance(value, list):
            out[key] = [compact_schema(sub, dropped) for sub in value]
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = compact_schema(value, dropped)
        else:
            out[key] = value
    options = out.get("anyOf")
    if isinstance(options, list) and len(options) != len(_without_null(options)):
        kept = _without_null(options)
        del out["anyOf"]
        if len(kept) == 1 and isinstance(kept[0], dict) and not set(kept[0]) & set(out):
            out.update(kept[0])  # {"anyOf": [{"type": "string"}, {"type": "null"}]} -> {"type": "string"}
        elif kept:
            out["anyOf"] = kept
    if "default" in out and (out["default"] is None or "default" in dropped
                             or ("minimum" in dropped and out.get("type") in NUMERIC)):
        del out["default"]
    return out


def _function(name: str, description: str, schema: dict[str, Any],
              dropped: frozenset[str] = DROPPED_KEYWORDS) -> dict[str, Any]:
    # A docstring's line breaks and indentation are tokens that say nothing.
    return {"type": "function", "function": {"name": name, "description": " ".join(description.split()),
                                             "parameters": compact_schema(schema, dropped)}}


def compact_tool(tool: Any) -> dict[str, Any]:
    """A LangChain tool as the function definition every provider binding accepts, compacted."""
    schema = tool.args_schema if isinstance(tool.args_schema, dict) else tool.tool_call_schema.model_json_schema()
    return _function(tool.name, tool.description or "", schema)


def described_once(definitions: list[Any]) -> list[Any]:
    """Function definitions (compact_tool's) in which an argument described word for word like the
    argument of the same name in an earlier definition of the list keeps its name, type and default
    but not the description: CloudWatch's tools explain `start`, `end`, `namespace`, `dimensions`
    ... the same way in each tool, and the model reads the list as a whole."""
    seen: set[tuple[str, str]] = set()
    out = []
    for definition in definitions:
        function = definition.get("function") if isinstance(definition, dict) else None
        if not isinstance(function, dict):  # a tool object bound as it is: nothing to share
            out.append(definition)
            continue
        properties = (function.get("parameters") or {}).get("properties")
        if not isinstance(properties, dict):
            out.append(definition)
            continue
        kept = {}
        for name, schema in properties.items():
            description = schema.get("description") if isinstance(schema, dict) else None
            if isinstance(description, str) and (name, description) in seen:
                schema = {key: value for key, value in schema.items() if key != "description"}
            elif isinstance(description, str):
                seen.add((name, description))
            kept[name] = schema
        parameters = {**function["parameters"], "properties": kept}
        out.append({**definition, "function": {**function, "parameters": parameters}})
    return out


def _inlined(schema: Any, definitions: dict[str, Any]) -> Any:
    """`schema` with each `{"$ref": "#/$defs/X"}` replaced by X itself (the models here are not recursive)."""
    if isinstance(schema, list):
        return [_inlined(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    reference = schema.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/$defs/") and len(schema) == 1:
        return _inlined(definitions[reference.removeprefix("#/$defs/")], definitions)
    return {key: _inlined(value, definitions) for key, value in schema.items() if key != "$defs"}


def compact_model(model: type[BaseModel]) -> dict[str, Any]:
    """A structured answer (FindingsReport, RouteDecision, ...) as a compact function definition; the
    answer is validated against `model` itself."""
    schema = model.model_json_schema()
    schema.pop("description", None)  # the function's description already says it
    return _function(model.__name__, model.__doc__ or "", _inlined(schema, schema.get("$defs", {})),
                     ANSWER_DROPPED_KEYWORDS)


def _pruned(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {key: _pruned(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item is not None}
    if isinstance(value, list):
        return [_pruned(item) for item in value]
    return value


def _compact_json(value: Any) -> str:
    return json.dumps(value, default=str, separators=(",", ":"))


def _tabled(value: Any) -> Any:
    """Lists of objects (pods, events, findings, datapoints) as {"columns": [...], "rows": [[...]]}
    when that is shorter: the same values, each key written once instead of once per row."""
    if isinstance(value, dict):
        return {key: _tabled(item) for key, item in value.items()}
    if not isinstance(value, list):
        return value
    items = [_tabled(item) for item in value]
    if len(items) < 2 or not all(isinstance(item, dict) for item in items):
        return items
    columns = list(dict.fromkeys(key for item in items for key in item))
    table = {"columns": columns, "rows": [[item.get(column) for column in columns] for item in items]}
    return table if len(_compact_json(table)) < len(_compact_json(items)) else items


def render_result(data: Any, limit: int) -> str:
    """A tool result as the model reads it: compact JSON without null fields (an empty list stays: "no
    findings" is an answer), lists of objects as tables, cut at `limit` characters with a note of how
    much was left out -- so more of a long listing fits in the limit."""
    text = data if isinstance(data, str) else _compact_json(_tabled(_pruned(data)))
    return text if len(text) <= limit else text[:limit] + f" ... [truncated, {len(text) - limit} more chars]"
