"""The three providers' request formats read into one conversation shape, with the cache marks and
the tool choice they carry: Anthropic Messages, Bedrock Converse, OpenAI Chat Completions (the
parsing side of tests/provider_wire.py), and the tool-pairing rule Anthropic and Bedrock enforce."""

from __future__ import annotations

import json
from typing import Any

# A segment that keys the cache but is not sent as tokens: the tool choice. Changing it (the forced
# report turn) invalidates the cached messages, not the tools and system prompt, as Anthropic documents.
UNCOUNTED = "\x00"


def message_text(message: dict[str, Any]) -> str:
    content = message.get("content") or ""
    if isinstance(content, list):  # content parts
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


class WireError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# --- each protocol into one conversation shape, with its cache marks -----------------------------

def _block_text(block: dict[str, Any]) -> str:
    if "text" in block:
        return str(block["text"])
    if "json" in block:
        return json.dumps(block["json"])
    content = block.get("content")
    if isinstance(content, list):
        return "".join(_block_text(b) for b in content if isinstance(b, dict))
    return str(content or "")


def _unmarked(block: dict[str, Any]) -> str:
    """A block as the cache keys it: the mark itself is not content (it moves from turn to turn)."""
    return json.dumps({k: v for k, v in block.items() if k != "cache_control"}, sort_keys=True)


def read_anthropic(body: dict[str, Any]) -> tuple[list[dict[str, Any]], list[tuple[str, bool]], list[str], str | None]:
    """(conversation, segments (serialized piece, cache mark after it), tool names, forced tool)."""
    tools = body.get("tools") or []
    segments = [(_unmarked(t), "cache_control" in t) for t in tools]
    system = body.get("system") or []
    blocks = [{"type": "text", "text": system}] if isinstance(system, str) else system
    conversation = [{"role": "system", "content": "".join(b.get("text", "") for b in blocks)}] if blocks else []
    segments += [(b.get("text", ""), "cache_control" in b) for b in blocks]
    segments.append((UNCOUNTED + json.dumps(body.get("tool_choice"), sort_keys=True), False))
    for message in body.get("messages") or []:
        content = message.get("content")
        content = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        text, calls = [], []
        for block in content:
            segments.append((_unmarked(block), "cache_control" in block))
            if block.get("type") == "tool_result":
                conversation.append({"role": "tool", "tool_call_id": block.get("tool_use_id"), "content": _block_text(block),
                                     "is_error": bool(block.get("is_error"))})
            elif block.get("type") == "tool_use":
                calls.append({"id": block.get("id"), "function": {"name": block.get("name"),
                                                                  "arguments": json.dumps(block.get("input"))}})
            elif block.get("type") == "text":
                text.append(block.get("text", ""))
        if text or calls:
            conversation.append({"role": message.get("role"), "content": "\n".join(text), "tool_calls": calls})
    choice = body.get("tool_choice") or {}
    return conversation, segments, [t.get("name") for t in tools], choice.get("name") if choice.get("type") == "tool" else None


def read_bedrock(body: dict[str, Any]) -> tuple[list[dict[str, Any]], list[tuple[str, bool]], list[str], str | None]:
    config = body.get("toolConfig") or {}
    segments: list[tuple[str, bool]] = []
    names = []
    for tool in config.get("tools") or []:
        if "cachePoint" in tool and segments:
            segments[-1] = (segments[-1][0], True)
        elif "toolSpec" in tool:
            names.append(tool["toolSpec"].get("name"))
            segments.append((json.dumps(tool, sort_keys=True), False))
    system_text = []
    for block in body.get("system") or []:
        if "cachePoint" in block and segments:
            segments[-1] = (segments[-1][0], True)
        elif "text" in block:
            system_text.append(block["text"])
            segments.append((block["text"], False))
    conversation = [{"role": "system", "content": "".join(system_text)}] if system_text else []
    segments.append((UNCOUNTED + json.dumps(config.get("toolChoice"), sort_keys=True), False))
    for message in body.get("messages") or []:
        text, calls = [], []
        for block in message.get("content") or []:
            if "cachePoint" in block:
                if segments:
                    segments[-1] = (segments[-1][0], True)
                continue
            segments.append((json.dumps(block, sort_keys=True), False))
            if "toolResult" in block:
                result = block["toolResult"]
                conversation.append({"role": "tool", "tool_call_id": result.get("toolUseId"), "content": _block_text(result),
                                     "is_error": result.get("status") == "error"})
            elif "toolUse" in block:
                use = block["toolUse"]
                calls.append({"id": use.get("toolUseId"), "function": {"name": use.get("name"),
                                                                       "arguments": json.dumps(use.get("input"))}})
            elif "text" in block:
                text.append(block["text"])
        if text or calls:
            conversation.append({"role": message.get("role"), "content": "\n".join(text), "tool_calls": calls})
    forced = (config.get("toolChoice") or {}).get("tool", {}).get("name")
    return conversation, segments, names, forced


def read_openai(body: dict[str, Any]) -> tuple[list[dict[str, Any]], list[tuple[str, bool]], list[str], str | None]:
    tools = [t for t in body.get("tools") or [] if t.get("type") == "function"]
    segments = [(json.dumps(t, sort_keys=True), False) for t in tools]
    for message in body.get("messages") or []:
        # OpenAI caches by token prefix, not by message: a message sent as content parts is cut at
        # each part, so a request that repeats the first parts of a message reads them back.
        content = message.get("content")
        if not isinstance(content, list):
            segments.append((json.dumps(message, sort_keys=True), False))
            continue
        segments.append((json.dumps({k: v for k, v in message.items() if k != "content"}, sort_keys=True), False))
        segments += [(json.dumps(part, sort_keys=True), False) for part in content]
    conversation = [{**m, "content": message_text(m)} for m in body.get("messages") or []]
    choice = body.get("tool_choice")
    forced = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
    return conversation, segments, [t["function"]["name"] for t in tools], forced


def check_pairing(conversation: list[dict[str, Any]]) -> None:
    """Anthropic and Bedrock: each call answered right after, by exactly one result."""
    expected: list[str] = []
    for message in conversation:
        if message["role"] == "tool":
            if message.get("tool_call_id") not in expected:
                raise WireError(400, f"unexpected tool result id {message.get('tool_call_id')}: no matching tool call "
                                     "in the previous assistant turn")
            expected.remove(message["tool_call_id"])
            continue
        if expected and message["role"] != "system":
            raise WireError(400, f"tool call ids were found without tool results immediately after: {expected}")
        if message["role"] == "assistant":
            expected = [c["id"] for c in message.get("tool_calls") or []]
    if expected:
        raise WireError(400, f"tool call ids were found without tool results immediately after: {expected}")
