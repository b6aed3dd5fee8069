"""Tools for a model served without tool calling (`llm.tool_calling: prompt`).

Many self-hosted servers take the `tools` of an OpenAI request and drop them: llama.cpp's server
renders the GGUF's own chat template, and most templates (Gemma's among them) have no place for
tools -- the model never sees them, and answers in prose. Many templates also refuse any role but
user and assistant, strictly alternating. For such a model the tools travel as text:

- the system prompt gets a "Calling tools" section: each tool's signature and what it does, and how
  to call one -- one JSON object, `{"name": ..., "arguments": {...}}`, as the whole answer;
- the conversation is sent as plain alternating turns, user first: the instructions open the first
  user turn (Gemma's templates have no system role, and llama.cpp's `gemma` format drops a system
  message outright), an answer's calls are the JSON it would have written, each tool result is a user
  turn naming the call it answers;
- a structured answer (FindingsReport, the diagnosis) is asked for with its schema written out in the
  request, besides the forced call (llama.cpp constrains the answer to the schema with a grammar).

The model's text is then read by tool_calls.CallRepair like any other answer: the same repairs, the
same refusal of a tool it was not offered."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from .providers import ModelHandle
from .settings import LlmSettings
from .tool_calls import Signature
from .window import fit, request_chars

CALL_FORMAT = '{"name": "<tool name>", "arguments": {"<argument>": <value>, ...}}'


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    end = text.find(". ")
    return text if end < 0 else text[:end + 1]


def tools_section(definitions: list[dict[str, Any]]) -> str:
    """The "Calling tools" section of the system prompt: the offered tools, and how to call one."""
    lines = ["# Calling tools",
             f"To call a tool, answer with one JSON object and nothing else: {CALL_FORMAT}",
             "Its result comes back in the next message. One call per answer. Your tools (? = optional argument):"]
    for definition in definitions:
        function = definition.get("function", definition)
        lines.append(f"- {Signature.of(definition).text()}: {_first_sentence(function.get('description') or '')}")
    return "\n".join(lines)


def schema_request(definition: dict[str, Any]) -> str:
    """The words that ask for a structured answer, with its schema written out."""
    function = definition.get("function", definition)
    schema = json.dumps(function.get("parameters") or {}, separators=(",", ":"))
    return (f"Answer with one JSON object and nothing else: {{\"name\": \"{function['name']}\", \"arguments\": "
            f"<an object of this JSON schema>}}. The schema: {schema}")


def _text(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else message.text


def _written(message: AIMessage) -> str:
    calls = [json.dumps({"name": c["name"], "arguments": c.get("args") or {}}) for c in message.tool_calls]
    return "\n".join(filter(None, [_text(message).strip() if not calls else "", *calls]))


def as_sent(messages: list[BaseMessage], handle: ModelHandle, settings: LlmSettings, tools: list[Any],
            definitions: list[dict[str, Any]] | None = None, answer: dict[str, Any] | None = None) -> list[BaseMessage]:
    """The conversation as `handle`'s model is sent it (before redaction and cache marks): within its context window,
    `tools` taking their share (window.py); for a model given its tools as text, plain turns with `definitions` in the
    prompt and, when `answer` is given, that structured answer asked for in words."""
    fitted = fit(messages, request_chars(settings.context_tokens, settings.max_tokens, tools))
    if not handle.text_tools:
        return fitted
    return plain_conversation(fitted, tools_section(definitions) if definitions else "",
                              schema_request(answer) if answer else "")


def plain_conversation(messages: list[BaseMessage], section: str = "", ask: str = "") -> list[BaseMessage]:
    """`messages` as strictly alternating plain turns, user first: the instructions and the tools
    `section` open the first user turn, `ask` (a structured answer's request) closes the last."""
    turns: list[BaseMessage] = []
    instructions = "\n\n".join(filter(None, [*(_text(m) for m in messages if isinstance(m, SystemMessage)), section]))
    if instructions:
        turns.append(HumanMessage(instructions))
    for message in messages:
        if isinstance(message, SystemMessage):
            continue
        if isinstance(message, AIMessage):
            turn: BaseMessage = AIMessage(content=_written(message) or "(no answer)")
        elif isinstance(message, ToolMessage):
            status = "error" if message.status == "error" else "result"
            turn = HumanMessage(f"Tool {status} for your call of {message.name or 'a tool'}:\n{_text(message)}")
        else:
            turn = HumanMessage(_text(message))
        previous = turns[-1] if turns else None
        if previous is not None and type(previous) is type(turn):
            turns[-1] = type(turn)(content=f"{_text(previous)}\n\n{_text(turn)}")  # two user turns in a row: one
        else:
            turns.append(turn)
    if ask:
        if turns and isinstance(turns[-1], HumanMessage):
            turns[-1] = HumanMessage(f"{_text(turns[-1])}\n\n{ask}")
        else:
            turns.append(HumanMessage(ask))
    return turns
