"""Reading the tool calls real models emit, and repairing the near misses against the tool schemas.

Hosted models call tools in their provider's native format. Small and self-hosted ones often do not:
the call comes as JSON in the answer's text (bare, in a ```json fence, inside <tool_call> tags, after
[TOOL_CALLS]), as a Python-style call in a ```tool_code block (Gemma), with a near-miss tool name
(`describe_pod`, `functions.describe`, `getMetricData`) or argument name (`pod_name`, `ns`,
`namespace_name`), with arguments as a JSON string, or with "5" where an integer belongs. What can be
read unambiguously is repaired here -- only ever into a tool the model was offered, so a repair never
widens what it may do -- and every repair is said in a note. What cannot be repaired is answered with
the tool's signature (`schema_error`) so the model can retry; nothing here raises.

A name or argument is repaired only when exactly one candidate fits: a guess between two tools
would run a call the model did not ask for."""

from __future__ import annotations

import ast
import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage

NAME_KEYS = ("name", "tool", "tool_name", "function", "recipient_name")
ARGS_KEYS = ("arguments", "args", "parameters", "input", "params")
# kubectl's own short flags: the one pair of argument aliases every Kubernetes user types.
KUBECTL_ALIASES = {"ns": "namespace", "n": "namespace"}
FENCE = re.compile(r"```(?:json|tool_code|tool_call|python|javascript)?\s*\n?(.*?)```", re.S)
TAGGED = re.compile(r"<(?:tool_call|function_call|tools)>(.*?)</(?:tool_call|function_call|tools)>", re.S)
TYPO = 0.9  # difflib ratio: `describe_alarm` -> `describe_alarms`
CLOSE_ENOUGH = 0.8  # `get_metric_datas` -> `get_metric_data`, not `describe` -> `describe_alarms`


@dataclass(frozen=True)
class Signature:
    """What one offered tool accepts, from its JSON schema."""

    name: str
    properties: dict[str, Any]
    required: tuple[str, ...]

    @classmethod
    def of(cls, definition: dict[str, Any]) -> Signature:
        function = definition.get("function", definition)
        parameters = function.get("parameters") or {}
        return cls(function["name"], dict(parameters.get("properties") or {}), tuple(parameters.get("required") or ()))

    def text(self) -> str:
        args = [f"{name}{'' if name in self.required else '?'}: {_type_of(schema)}" for name, schema in self.properties.items()]
        return f"{self.name}({', '.join(args)})"


def _type_of(schema: Any) -> str:
    if not isinstance(schema, dict):
        return "any"
    if "enum" in schema:
        return "|".join(map(str, schema["enum"]))
    return str(schema.get("type") or "any")


def _key(name: str) -> str:
    """A name as compared: the part after a namespace prefix, camelCase split, case and separators folded."""
    name = re.split(r"\.|__|/|:", name.strip())[-1]
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _unique_match(wanted: str, names: list[str]) -> str | None:
    """The one name of `names` that `wanted` is a near miss of, or None (no candidate, or two)."""
    keyed = {_key(name): name for name in names}
    key = _key(wanted)
    if key in keyed:
        return keyed[key]
    squashed = [name for k, name in keyed.items() if k.replace("_", "") == key.replace("_", "")]
    if len(squashed) == 1:
        return squashed[0]
    # A typo first (`describe_alarm` is `describe_alarms`, not `describe` plus a word), then one word
    # more or less, then a looser likeness.
    for cutoff in (TYPO, None, CLOSE_ENOUGH):
        found = _words_match(key, keyed) if cutoff is None else _close_match(key, keyed, cutoff)
        if found:
            return found
    return None


def _close_match(key: str, keyed: dict[str, str], cutoff: float) -> str | None:
    close = difflib.get_close_matches(key, list(keyed), n=2, cutoff=cutoff)
    if len(close) == 1 or (len(close) == 2 and difflib.SequenceMatcher(None, key, close[0]).ratio()
                           - difflib.SequenceMatcher(None, key, close[1]).ratio() > 0.1):
        return keyed[close[0]]
    return None


def _words_match(key: str, keyed: dict[str, str]) -> str | None:
    """`describe_pod` -> `describe`, `pod_name` -> `name`, `log_group_name` -> `log_group`: one side is
    the other plus one whole word (more words are another request, not a near miss)."""
    found = [name for k, name in keyed.items() if _one_word_more(k, key) or _one_word_more(key, k)]
    return found[0] if len(found) == 1 else None


def _one_word_more(short: str, long: str) -> bool:
    if not short or short == long:
        return False
    extra = long.removeprefix(short + "_") if long.startswith(short + "_") else \
        long.removesuffix("_" + short) if long.endswith("_" + short) else None
    return extra is not None and "_" not in extra


def _coerced(value: Any, schema: Any) -> Any:
    """`value` in the type its schema asks for, when it was written as text ("5", "true", '{"a": 1}')."""
    kind = schema.get("type") if isinstance(schema, dict) else None
    if not isinstance(value, str) or kind in (None, "string"):
        return [value] if kind == "array" and isinstance(value, (int, float)) else value
    text = value.strip()
    try:
        if kind == "integer" and re.fullmatch(r"-?\d+", text):
            return int(text)
        if kind == "number" and re.fullmatch(r"-?\d+(\.\d+)?", text):
            return float(text)
        if kind == "boolean" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        if kind in ("object", "array") and text[:1] in "{[":
            return json.loads(text)
    except ValueError:
        return value
    return [value] if kind == "array" else value


def _object(text: str) -> Any:
    """The JSON (or Python-literal) value `text` holds, or None."""
    text = text.strip()
    for parse in (json.loads, ast.literal_eval):
        try:
            return parse(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            continue
    return None


def _python_call(text: str) -> tuple[str, dict[str, Any]] | None:
    """`describe(kind="Pod", name="api")` -> ("describe", {...}); literals only, nothing is evaluated."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return None
    if not isinstance(node, ast.Call) or node.args:
        return None
    name = ast.unparse(node.func)
    try:
        return name, {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
    except (ValueError, SyntaxError, TypeError):
        return None


def _balanced_objects(text: str) -> list[str]:
    """The top-level {...} spans of free text (a model's prose around its JSON)."""
    spans, depth, start, quoted, escaped = [], 0, -1, False, False
    for index, char in enumerate(text):
        if quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
            continue
        if char == '"':
            quoted = True
        elif char == "{":
            start = index if depth == 0 else start
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                spans.append(text[start:index + 1])
    return spans


def _candidates(text: str) -> list[Any]:
    """Every call-shaped value in a text answer, in order."""
    pieces = [*TAGGED.findall(text), *FENCE.findall(text)]
    if "[TOOL_CALLS]" in text:
        pieces.append(text.split("[TOOL_CALLS]", 1)[1])
    if not pieces:
        pieces = [text] if text.strip()[:1] in "[{" else _balanced_objects(text)
    values: list[Any] = []
    for piece in pieces:
        value = _object(piece)
        if value is None and (call := _python_call(piece)):
            value = {"name": call[0], "arguments": call[1]}
        if value is None:
            value = [_object(span) for span in _balanced_objects(piece)]
        values.extend(value if isinstance(value, list) else [value])
    return [value for value in values if isinstance(value, dict)]


@dataclass
class CallRepair:
    """The tools (and structured answers) one loop offers, and the repairs of what a model sends for them."""

    definitions: list[dict[str, Any]]
    # The structured answers among them (FindingsReport, ChatReply): a model may write one out whole,
    # without a name, and its keys then say which it is.
    answers: tuple[str, ...] = ()
    signatures: dict[str, Signature] = field(init=False)
    issued: int = field(init=False, default=0)  # ids of calls read from text: unique over the whole loop

    def __post_init__(self) -> None:
        self.signatures = {}
        for definition in self.definitions:
            if isinstance(definition, dict) and ("function" in definition or "name" in definition):
                signature = Signature.of(definition)
                self.signatures[signature.name] = signature

    def recover(self, answer: AIMessage) -> tuple[AIMessage, list[str]]:
        """`answer` with calls written as text read as calls, unreadable calls read where they can be,
        and near-miss names and arguments repaired; the notes say each repair."""
        notes: list[str] = []
        calls = [dict(call) for call in answer.tool_calls]
        invalid = []
        for bad in answer.invalid_tool_calls:
            args = _object(bad.get("args") or "") if isinstance(bad.get("args"), str) else None
            if isinstance(args, dict) and bad.get("name"):
                calls.append({"name": bad["name"], "args": args, "id": bad.get("id"), "type": "tool_call"})
                notes.append(f"read the unparsable arguments of {bad['name']} as JSON")
            else:
                invalid.append(bad)
        if not calls and not invalid and answer.text:
            for value in _candidates(answer.text):
                call = self._from_text(value)
                if call is not None:
                    calls.append(call)
            if calls:
                notes.append(f"read {len(calls)} tool call(s) written as text: {', '.join(c['name'] for c in calls)}")
        repaired = [self._repaired(call, notes) for call in calls]
        if not notes:
            return answer, []
        return answer.model_copy(update={"tool_calls": repaired, "invalid_tool_calls": invalid}), notes

    def _from_text(self, value: dict[str, Any]) -> dict[str, Any] | None:
        if isinstance(value.get("function"), dict):  # OpenAI's own shape, written out
            value = value["function"]
        name = next((value[k] for k in NAME_KEYS if isinstance(value.get(k), str)), None)
        args = next((value[k] for k in ARGS_KEYS if k in value), None)
        if isinstance(args, str):
            args = _object(args)
        if name is None:
            # A structured answer written out whole ({"findings": [...]}): its own keys name it.
            name = next((s.name for s in map(self.signatures.get, self.answers) if s and value
                         and set(s.required) <= set(value) <= set(s.properties)), None)
            args = value if name else None
        elif not any(k in value for k in ARGS_KEYS):
            return None  # {"name": "api", "namespace": "prod"} in prose is an object, not a call
        if name is None or not isinstance(args, (dict, type(None))) or self.resolve(name) is None:
            return None
        self.issued += 1
        return {"name": name, "args": args or {}, "id": f"text-call-{self.issued}", "type": "tool_call"}

    def resolve(self, name: str) -> str | None:
        """The offered tool `name` means, or None."""
        return name if name in self.signatures else _unique_match(name, list(self.signatures))

    def _repaired(self, call: dict[str, Any], notes: list[str]) -> dict[str, Any]:
        name = self.resolve(call["name"]) or call["name"]
        if name != call["name"]:
            notes.append(f"tool {call['name']!r} read as {name!r}")
        args = call.get("args")
        if isinstance(args, str) and (parsed := _object(args)) is not None:
            args = parsed
        signature = self.signatures.get(name)
        if signature is not None and isinstance(args, dict):
            args = self._arguments(signature, args, notes)
        return {**call, "name": name, "args": args}

    def _arguments(self, signature: Signature, args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
        if signature.properties and len(args) == 1 and not set(args) & set(signature.properties):
            only = next(iter(args.values()))
            if isinstance(only, dict) and set(only) & set(signature.properties):  # {"args": {...}} nested once more
                args = only
        out: dict[str, Any] = {}
        for key, value in args.items():
            target = key if key in signature.properties else KUBECTL_ALIASES.get(key)
            if target not in signature.properties:
                target = _unique_match(key, [p for p in signature.properties if p not in args])
            if target is None or target in out:
                out[key] = value  # left for the schema check to name
                continue
            if target != key:
                notes.append(f"{signature.name}: argument {key!r} read as {target!r}")
            coerced = _coerced(value, signature.properties[target])
            if coerced is not value and coerced != value:
                notes.append(f"{signature.name}: {target}={value!r} read as {coerced!r}")
            out[target] = coerced
        return out

    def schema_error(self, name: str, args: Any) -> str | None:
        """What is wrong with a (repaired) call against its tool's schema, with the signature to retry
        with; None when it fits (the server still checks values)."""
        signature = self.signatures.get(name)
        if signature is None or not isinstance(args, dict):
            return None
        # A schema that lists no properties says nothing about names: the server judges.
        unknown = sorted(set(args) - set(signature.properties)) if signature.properties else []
        missing = [name for name in signature.required if name not in args]
        if not unknown and not missing:
            return None
        problems = ([f"unknown argument(s) {', '.join(unknown)}"] if unknown else []) + \
                   ([f"missing required {', '.join(missing)}"] if missing else [])
        return f"error: {'; '.join(problems)}; nothing was run. Call it as {signature.text()} (? = optional)"
