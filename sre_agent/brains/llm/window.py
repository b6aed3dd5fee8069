"""Keeping every request within the model's context window (`llm.context_tokens`).

Hosted models read 128k-200k tokens and need none of this; a self-hosted model often reads 8k-32k,
and a request over its window is an error (llama.cpp: "exceeds the context window"), or worse,
silently cut at the front -- the instructions lost. When the window is set:

- the answer gets at most a quarter of it (`answer_tokens`), the request the rest;
- one tool result is cut to an eighth of the window (`tool_output_chars`), so a long listing cannot
  crowd out the question and the other results;
- before each request (`fit`), if the conversation would not fit, the oldest tool results are
  shortened first (the newest is what the model is reading), then the oldest turns are dropped with
  their results (never the instructions nor the question), each call still answered by one result.

Sizes are counted in characters at three to a token: JSON, YAML and log lines tokenise denser than
prose, and counting low errs on the side of a request that fits."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from .repair import repair_pairing

CHARS_PER_TOKEN = 3
ANSWER_SHARE = 4  # the answer's share of the window: 1/4
TOOL_RESULT_SHARE = 8  # one tool result's share: 1/8
SHORTENED_RESULT_CHARS = 300  # an old tool result, once shortened: its evidence id and its start


def answer_tokens(max_tokens: int, context_tokens: int | None) -> int:
    """The longest answer one call may write: `llm.max_tokens`, within a quarter of the window."""
    return max_tokens if not context_tokens else min(max_tokens, context_tokens // ANSWER_SHARE)


def tool_output_chars(limit: int, context_tokens: int | None) -> int:
    """How much of one tool result the model reads: `llm.tool_output_chars`, within an eighth of the window."""
    if not context_tokens:
        return limit
    return min(limit, context_tokens * CHARS_PER_TOKEN // TOOL_RESULT_SHARE)


def request_chars(context_tokens: int | None, max_tokens: int, tools: list[Any] | None = None) -> int | None:
    """Characters the messages of one request may take: the window less the answer and the tool definitions."""
    if not context_tokens:
        return None
    tools_chars = len(json.dumps(tools, default=str)) if tools else 0
    return (context_tokens - answer_tokens(max_tokens, context_tokens)) * CHARS_PER_TOKEN - tools_chars


def _size(message: BaseMessage) -> int:
    content = message.content if isinstance(message.content, str) else json.dumps(message.content, default=str)
    calls = json.dumps(message.tool_calls, default=str) if isinstance(message, AIMessage) and message.tool_calls else ""
    return len(content) + len(calls) + 16  # the role and the template's markers around it


def _shortened(message: ToolMessage, limit: int) -> ToolMessage:
    text = message.content if isinstance(message.content, str) else json.dumps(message.content, default=str)
    if len(text) <= limit:
        return message
    return message.model_copy(update={"content": text[:limit] + f" ... [older result shortened to fit the model's "
                                                                 f"context window; {len(text) - limit} chars left out]"})


def fit(messages: list[BaseMessage], budget_chars: int | None) -> list[BaseMessage]:
    """`messages` within `budget_chars` (see the module docstring); the list itself is not changed."""
    if budget_chars is None or sum(map(_size, messages)) <= budget_chars:
        return messages
    out = list(messages)
    results = [i for i, m in enumerate(out) if isinstance(m, ToolMessage)]
    for index in results[:-1]:  # oldest first; the newest result is what the model is about to read
        out[index] = _shortened(out[index], SHORTENED_RESULT_CHARS)
        if sum(map(_size, out)) <= budget_chars:
            return out
    while sum(map(_size, out)) > budget_chars and (shorter := _without_oldest_turn(out)) is not None:
        out = shorter
    if sum(map(_size, out)) > budget_chars:
        out = [_shortened(m, SHORTENED_RESULT_CHARS) if isinstance(m, ToolMessage) else m for m in out]
    return repair_pairing(out)


def _without_oldest_turn(messages: list[BaseMessage]) -> list[BaseMessage] | None:
    """`messages` less their oldest droppable turn (an answer with its results, or an earlier message);
    None when only what the request is about is left: the instructions, the first and the last
    question (a specialist's question and its "report now"; a chat's question), the last answer."""
    humans = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    answers = [i for i, m in enumerate(messages) if isinstance(m, AIMessage)]
    kept = {0, *(humans[:1]), *(humans[-1:]), *(answers[-1:])}
    for index in range(1, len(messages)):
        if index in kept or isinstance(messages[index], ToolMessage):
            continue
        end = index + 1
        while end < len(messages) and isinstance(messages[end], ToolMessage):
            end += 1  # an answer goes with its results
        return [*messages[:index], *messages[end:]]
    return None
