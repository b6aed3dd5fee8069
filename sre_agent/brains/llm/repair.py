"""Repairing a request a provider rejected as malformed (HTTP 400/422, Bedrock ValidationException).

The two causes we can fix without the model: a conversation too long for the context window, and
broken tool pairing (every tool call must be answered by exactly one tool result, right after it;
Anthropic and Bedrock reject anything else). The repair keeps the system prompt, the first message
(the question) and the most recent turns, shortens long tool results, answers unanswered calls with
an error result and drops results whose call is gone."""

from __future__ import annotations

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

TRIMMED_TOOL_RESULT_CHARS = 2000
TRIMMED_TEXT_CHARS = 12_000
UNANSWERED = "error: no result was recorded for this call; do not rely on it"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f" ... [cut to {limit} of {len(text)} chars to fit the request]"


def call_ids(message: AIMessage) -> list[str]:
    """The ids of every call an answer made, malformed ones included (they were sent back as tool_use too)."""
    return [c["id"] for c in [*message.tool_calls, *message.invalid_tool_calls] if c.get("id")]


def repair_pairing(messages: list[BaseMessage]) -> list[BaseMessage]:
    """Each answer's calls followed by exactly one result each; orphan and duplicate results dropped."""
    repaired: list[BaseMessage] = []
    index = 0
    while index < len(messages):
        message = messages[index]
        index += 1
        if isinstance(message, ToolMessage):
            continue  # a result not right after its call: an orphan
        repaired.append(message)
        if not isinstance(message, AIMessage):
            continue
        wanted = call_ids(message)
        results: dict[str, ToolMessage] = {}
        while index < len(messages) and isinstance(messages[index], ToolMessage):
            result = messages[index]
            index += 1
            if isinstance(result, ToolMessage) and result.tool_call_id in wanted and result.tool_call_id not in results:
                results[result.tool_call_id] = result
        for call_id in wanted:
            repaired.append(results.get(call_id) or ToolMessage(content=UNANSWERED, tool_call_id=call_id, status="error"))
    return repaired


def trim_context(messages: list[BaseMessage], keep_turns: int = 6) -> list[BaseMessage]:
    """System prompt + first question + the last `keep_turns` answers with their results; long texts cut."""
    head = [m for m in messages[:2] if isinstance(m, (SystemMessage, HumanMessage))]
    rest = messages[len(head):]
    answers = [i for i, m in enumerate(rest) if isinstance(m, AIMessage)]
    if len(answers) > keep_turns:
        rest = rest[answers[-keep_turns]:]
    out: list[BaseMessage] = []
    for message in [*head, *rest]:
        if isinstance(message, ToolMessage) and isinstance(message.content, str):
            message = message.model_copy(update={"content": _shorten(message.content, TRIMMED_TOOL_RESULT_CHARS)})
        elif isinstance(message, HumanMessage) and isinstance(message.content, str):
            message = message.model_copy(update={"content": _shorten(message.content, TRIMMED_TEXT_CHARS)})
        out.append(message)
    return out


def repair_request(messages: list[BaseMessage]) -> None:
    """Repair in place (the caller's request closure holds this list)."""
    messages[:] = repair_pairing(trim_context(messages))
