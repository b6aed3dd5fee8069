"""Prompt caching: marking the stable prefix of a request so the provider reads it from its cache.

Providers cache a request's prefix in the order tools -> system -> messages. A mark after the tool
definitions lets two specialists of one server (metrics and logs share CloudWatch's tools) share
them; a mark on the system prompt caches the instructions (static per specialist); a mark on the
last message caches the conversation so far, so each turn of a tool loop pays full price only for
what the previous turn added. Anthropic takes `cache_control` on a content block or tool; Bedrock
Converse a `cachePoint` block after it; OpenAI-compatible servers cache prefixes on their own and
need no mark. Both providers allow four marks per request; three are used here.

A cache is keyed by the bytes of the prefix, so a message must be sent the same way on every turn:
marked, a tool result's content becomes a list of blocks, so on Anthropic every tool result is sent
as blocks, marked or not -- sent as a plain string on the next turn, the result marked on this one
would not match what was written, and the next turn would read only up to the turn before."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, ToolMessage

from .redaction import redact_messages

ANTHROPIC_MARK = {"type": "ephemeral"}
BEDROCK_MARK = {"cachePoint": {"type": "default"}}


def _blocks(content: str | list) -> list[Any]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


def _as_blocks(message: BaseMessage) -> BaseMessage:
    if not isinstance(message.content, str) or not message.content:
        return message
    return message.model_copy(update={"content": _blocks(message.content)})


def _marked(message: BaseMessage, provider: str, at: int = -1) -> BaseMessage:
    """`message` with a cache mark after its block `at` (the last one by default)."""
    if not message.content:
        return message
    blocks = _blocks(message.content)
    at = at % len(blocks)
    if provider == "anthropic":
        block = blocks[at]
        if not isinstance(block, dict):
            return message
        blocks[at] = {**block, "cache_control": ANTHROPIC_MARK}
    elif provider == "bedrock":
        blocks.insert(at + 1, dict(BEDROCK_MARK))  # langchain-aws lifts it out of a tool result, beside the toolResult
    else:
        return message
    return message.model_copy(update={"content": blocks})


def outgoing(messages: list[BaseMessage], provider: str, caching: bool = True, *,
             last_turn: bool = False, stable_through: int | None = None) -> list[BaseMessage]:
    """The request as sent: secret shapes masked (the last pass), then cache marks. `last_turn`: no
    request follows that could read this conversation back (a structured answer, a forced report),
    so it is not written to the cache (a write costs 1.25x the input price). A tool loop's first
    question is marked: the loop's next turn reads it back. `stable_through`: the last message's
    blocks up to this one are what the step's next request will send again (the supervisor's
    incident and the findings of the questions answered so far): marked, that request reads them."""
    return with_cache_marks(redact_messages(messages), provider, caching, mark_last=not last_turn,
                            stable_through=stable_through)


def with_cache_marks(messages: list[BaseMessage], provider: str, enabled: bool = True, *,
                     mark_last: bool = True, stable_through: int | None = None) -> list[BaseMessage]:
    """A copy of `messages` as sent: the system prompt and the last message (or its stable blocks)
    marked cacheable. The conversation itself keeps plain content, so a fallback to another
    provider starts unmarked."""
    if not enabled or provider not in ("anthropic", "bedrock") or not messages:
        return messages
    out = [_as_blocks(m) if provider == "anthropic" and isinstance(m, ToolMessage) else m for m in messages]
    if isinstance(out[0], SystemMessage):
        out[0] = _marked(out[0], provider)
    if len(out) > 1 and not isinstance(out[-1], AIMessage):
        if stable_through is not None:
            out[-1] = _marked(out[-1], provider, stable_through)
        elif mark_last:
            out[-1] = _marked(out[-1], provider)
    return out


def cacheable_tools(tools: list[Any], provider: str, enabled: bool = True) -> list[Any]:
    """The tool list to bind, with a cache mark after the last definition."""
    if not enabled or not tools:
        return tools
    if provider == "bedrock":
        return [*tools, dict(BEDROCK_MARK)]
    if provider == "anthropic":
        from langchain_anthropic.chat_models import convert_to_anthropic_tool

        converted = [dict(convert_to_anthropic_tool(tool)) for tool in tools]
        converted[-1]["cache_control"] = ANTHROPIC_MARK
        return converted
    return tools
