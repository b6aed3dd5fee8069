"""Checking a Run Command / Automation request against the SSM document it names -- what a dry
run does instead of executing: the document exists and has the right type, every parameter is
declared, required ones are present, and values fit their declared type, allowed values and
allowed pattern. Pure functions over GetDocument's answer."""

from __future__ import annotations

import re
from typing import Any

INSTANCE_ID = re.compile(r"^(i|mi)-[0-9a-f]{8,17}$")
DOCUMENT_NAME = re.compile(r"^[a-zA-Z0-9_\-.:/]{3,200}$")  # names, or ARNs of shared documents


class RequestError(ValueError):
    pass


def normalise_parameters(parameters: dict[str, Any] | None) -> dict[str, list[str]]:
    """SSM takes every parameter as a list of strings; accept a bare string, number or bool too."""
    out: dict[str, list[str]] = {}
    for name, value in (parameters or {}).items():
        values = value if isinstance(value, list) else [value]
        bad = [v for v in values if isinstance(v, (dict, list)) or v is None]
        if bad:
            raise RequestError(f"parameter {name!r}: values must be strings (or a list of strings), got {bad[0]!r}")
        out[name] = [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
    return out


def check_instance_ids(instance_ids: list[str]) -> None:
    bad = [i for i in instance_ids if not INSTANCE_ID.match(i)]
    if bad:
        raise RequestError(f"instance id(s) {bad} are not EC2 or managed-instance ids (i-0abc..., mi-0abc...)")
    if len(set(instance_ids)) != len(instance_ids):
        raise RequestError("instance_ids lists an instance twice")


def document_parameters(content: str | dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The `parameters` block of a document's content (JSON or YAML) -- where allowedPattern and
    allowedValues live; DescribeDocument reports only names, types and defaults."""
    if isinstance(content, str):
        from .publish import parse_content

        content = parse_content(content) or {}
    params = content.get("parameters") if isinstance(content, dict) else None
    return params if isinstance(params, dict) else {}


def check_request(document: dict[str, Any], expected_type: str, parameters: dict[str, list[str]]) -> list[str]:
    """Problems with running `document` (a GetDocument answer) with `parameters`; empty when fine."""
    kind = document.get("DocumentType")
    problems = []
    if kind != expected_type:
        tool = "start_automation" if kind == "Automation" else "send_command" if kind == "Command" else "neither tool"
        problems.append(f"it is a {kind} document, not {expected_type}; use {tool}")
    if document.get("Status") not in (None, "Active"):
        problems.append(f"it is {document.get('Status')}, not Active")
    try:
        declared = document_parameters(document.get("Content") or "{}")
    except ValueError as exc:
        return problems + [f"its content could not be read ({exc})"]
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        problems.append(f"unknown parameter(s) {unknown}; it declares {sorted(declared) or 'none'}")
    for pname, spec in declared.items():
        values = parameters.get(pname)
        if values is None:
            if "default" not in spec:
                problems.append(f"parameter {pname!r} is required ({spec.get('description', 'no description')})")
            continue
        problems += _check_values(pname, spec, values)
    return problems


def _check_values(name: str, spec: dict[str, Any], values: list[str]) -> list[str]:
    kind = spec.get("type", "String")
    problems = []
    if kind in ("String", "Integer", "Boolean") and len(values) != 1:  # as SSM takes them: lists of strings
        problems.append(f"parameter {name!r} is a {kind}: pass one value, not {len(values)}")
    for value in values:
        if kind == "Integer" and not re.fullmatch(r"-?\d+", value):
            problems.append(f"parameter {name!r} must be an integer, got {value!r}")
        if kind == "Boolean" and value not in ("true", "false"):
            problems.append(f"parameter {name!r} must be true or false, got {value!r}")
    allowed = spec.get("allowedValues")
    if allowed:
        bad = [v for v in values if v not in allowed]
        if bad:
            problems.append(f"parameter {name!r}: {bad} not among the allowed values {allowed}")
    pattern = spec.get("allowedPattern")
    if pattern:
        try:
            regex = re.compile(pattern)
        except re.error:
            return problems
        bad = [v for v in values if not regex.search(v)]
        if bad:
            problems.append(f"parameter {name!r}: {bad} does not match the allowed pattern {pattern}")
    return problems


def automation_targets(parameters: dict[str, list[str]]) -> list[str]:
    """The instance ids an Automation request names (InstanceId / InstanceIds); empty means the
    automation is not aimed at instances, and only a server allowing '*' may start it."""
    targets = []
    for name, values in parameters.items():
        if name.lower() in ("instanceid", "instanceids"):
            targets += values
    return targets
