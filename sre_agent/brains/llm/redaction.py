"""The last pass before anything reaches a model: secret-shaped values masked in every message sent.

Tool results are already redacted by the MCP servers (names and shapes, mcp_servers/common/redaction.py).
What did not pass through a server -- the alarm payload, an SNS message, the SRE's question, text a
fallback copied around -- gets this pass, as does everything else, in case a server was started with
--allow-sensitive-data-access. Shapes only (values recognisable without a name): a name-based rule
here would fight the servers' carefully spared names; there is deliberately no entropy detector,
because digests, UIDs and trace ids are what a diagnosis is made of."""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import BaseMessage

from ...contracts import MASK

SHAPES = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),  # JWT
    re.compile(r"(?<=\b[Bb]earer )[A-Za-z0-9._~+/=-]{16,}"),
    re.compile(r"(?<=\b[Bb]asic )[A-Za-z0-9+/]{12,}={0,2}"),
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}\b"),
    re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"),  # Slack
    re.compile(r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}\b"),  # Anthropic, OpenAI
    re.compile(r"\b[sr]k_live_[A-Za-z0-9]{16,}\b"),  # Stripe
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),  # Google API key
    re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),  # user:password@ in a URL
]


def redact_text(text: str) -> str:
    for shape in SHAPES:
        text = shape.sub(MASK, text)
    return text


def _redact_content(content: Any) -> Any:
    if isinstance(content, str):
        return redact_text(content)
    if isinstance(content, list):
        return [_redact_content(part) for part in content]
    if isinstance(content, dict):
        return {key: _redact_content(value) if key in ("text", "content") else value for key, value in content.items()}
    return content


def redact_messages(messages: list[BaseMessage]) -> list[BaseMessage]:
    """Copies of `messages` with secret shapes masked in their text; tool-call arguments too (a model
    may have copied a value into them before this pass existed in its conversation)."""
    out = []
    for message in messages:
        update: dict[str, Any] = {"content": _redact_content(message.content)}
        calls = getattr(message, "tool_calls", None)
        if calls:
            update["tool_calls"] = [{**call, "args": _redact_args(call.get("args"))} for call in calls]
        out.append(message.model_copy(update=update) if update["content"] != message.content or calls else message)
    return out


def _redact_args(args: Any) -> Any:
    if isinstance(args, str):
        return redact_text(args)
    if isinstance(args, dict):
        return {key: _redact_args(value) for key, value in args.items()}
    if isinstance(args, list):
        return [_redact_args(value) for value in args]
    return args
