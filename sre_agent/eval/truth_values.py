"""The values only a human could supply, read from a scenario's truth -- so the harness can paste a proposed
fix the way the on-call would, with a Secret's password or a tag that exists where the fix says `<value>`.

A placeholder is filled by what it stands for, never by which scenario this is: the key a JSON patch puts
it under (`{"data": {"db-password": "<value>"}}` -> the truth's `db-password`), the env var a `set env`
names, the container / image / replica count a truth step carries. What the truth does not hold stays
unfilled, and the proof says so. Only the evaluation harness imports this module (it reads the truth)."""

from __future__ import annotations

import base64
import binascii
import json
import re
import shlex
from typing import Any

from pydantic import BaseModel, Field

from ..lab.scenarios.schema import Truth

PLACEHOLDER = re.compile(r"<[^<>\s][^<>]*>")
# `-p '<json>'` / `--patch '<json>'`: the payload whose placeholders are filled by the key they sit under.
PAYLOAD = re.compile(r"(-p|--patch)\s+'([^']*)'")
FROM_LITERAL = re.compile(r"--from-literal=<[^<>]*>=<[^<>]*>")
SET_ENV = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)=<[^<>]*>")
CREATES = re.compile(r"\bcreate\s+(configmap|secret\s+generic)\s+(\S+)")


class TruthValues(BaseModel):
    """What the truth's remediation steps say, by the name a fix would use for it."""

    by_key: dict[str, str] = Field(default_factory=dict)  # any manifest/patch key or env var name -> its value
    data_of: dict[str, dict[str, str]] = Field(default_factory=dict)  # ConfigMap/Secret name -> its keys and values
    containers: list[str] = Field(default_factory=list)
    images: list[str] = Field(default_factory=list)
    replicas: list[int] = Field(default_factory=list)


def truth_values(truth: Truth) -> TruthValues:
    values = TruthValues()
    for step in truth.remediations:
        if step.container:
            values.containers.append(step.container)
        if step.image:
            values.images.append(step.image)
        if step.replicas is not None:
            values.replicas.append(step.replicas)
        for limits in (step.limits, step.requests):
            for key, value in (limits or {}).items():
                values.by_key.setdefault(key, value)
        if step.manifest and step.manifest.get("kind") in ("ConfigMap", "Secret"):
            # their keys in plain text (a Secret's data decoded): what a human types after --from-literal
            data = _data(step.manifest)
            values.data_of[(step.manifest.get("metadata") or {}).get("name") or ""] = data
            for key, value in data.items():
                values.by_key.setdefault(key, value)
            continue
        for body in (step.manifest, step.patch):
            if body:
                _walk(body, values)
    return values


def _walk(node: Any, values: TruthValues) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("name"), str) and "value" in node and not isinstance(node["value"], (dict, list)):
            values.by_key.setdefault(node["name"], str(node["value"]))  # an env entry: its name is the key
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                _walk(value, values)
            elif value is not None:
                values.by_key.setdefault(str(key), str(value))
            if key == "image" and isinstance(value, str):
                values.images.append(value)
            if key == "containers" and isinstance(value, list):
                values.containers += [c["name"] for c in value if isinstance(c, dict) and c.get("name")]
    elif isinstance(node, list):
        for item in node:
            _walk(item, values)


def _data(manifest: dict[str, Any]) -> dict[str, str]:
    data = {k: str(v) for k, v in (manifest.get("stringData") or {}).items()}
    for key, value in (manifest.get("data") or {}).items():
        if manifest.get("kind") == "Secret":
            try:
                value = base64.b64decode(str(value), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                pass
        data.setdefault(key, str(value))
    return data


def fill(command: str, values: TruthValues) -> tuple[str, list[str]]:
    """`command` with its placeholders filled from the truth, and the placeholders nothing filled."""
    created = CREATES.search(command)
    if created and FROM_LITERAL.search(command):
        data = values.data_of.get(created.group(2))
        if data:
            literals = " ".join(f"--from-literal={shlex.quote(f'{k}={v}')}" for k, v in data.items())
            command = FROM_LITERAL.sub(lambda _: literals, command, count=1)
    secret = bool(re.search(r"\bpatch\s+secrets?\b", command))
    command = PAYLOAD.sub(lambda m: f"{m.group(1)} '{_fill_payload(m.group(2), values, secret)}'", command)
    command = SET_ENV.sub(lambda m: f"{m.group(1)}={shlex.quote(values.by_key[m.group(1)])}"
                          if m.group(1) in values.by_key else m.group(0), command)
    command = PLACEHOLDER.sub(lambda m: _by_meaning(m.group(0), values) or m.group(0), command)
    return command, PLACEHOLDER.findall(command)


def _fill_payload(payload: str, values: TruthValues, secret: bool) -> str:
    """A JSON patch's placeholders, each by the key it sits under; a Secret's `data` is base64, as the API wants it."""
    try:
        body = json.loads(payload)
    except json.JSONDecodeError:
        return payload

    def walk(node: Any, key: str | None, top: str | None) -> Any:
        if isinstance(node, dict):
            name, value = node.get("name"), node.get("value")
            if isinstance(name, str) and isinstance(value, str) and PLACEHOLDER.fullmatch(value) and name in values.by_key:
                return {**node, "value": values.by_key[name]}  # an env entry: its value is the named variable's
            return {k: walk(v, k, top or k) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, key, top) for v in node]
        if isinstance(node, str) and PLACEHOLDER.fullmatch(node) and key in values.by_key:
            value = values.by_key[key]
            if secret and top == "data":
                return base64.b64encode(value.encode()).decode()
            return int(value) if value.isdigit() and key in ("targetPort", "port", "replicas") else value
        return node

    return json.dumps(walk(body, None, None))


def _by_meaning(placeholder: str, values: TruthValues) -> str | None:
    """A placeholder no key names, by the words in it: <container>, <image that exists>, <replicas>, ..."""
    words = placeholder.strip("<>").lower()
    if "container" in words and "port" not in words and values.containers:
        return values.containers[0]
    if "image" in words and values.images:
        return values.images[0]
    if "replica" in words and values.replicas:
        return str(values.replicas[0])
    if "storage" in words and "storageClassName" in values.by_key:
        return values.by_key["storageClassName"]
    return None
