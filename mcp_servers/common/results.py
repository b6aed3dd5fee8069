"""Compact JSON tool results with a size cap.

An agent's context is precious: results are minified JSON, and anything over the cap is cut at a
list boundary with a notice saying how much was dropped and how to narrow the call. The cap is the
servers' `max_result_chars` setting (SRE_MCP_MAX_RESULT_CHARS)."""

from __future__ import annotations

import json
from typing import Any

DEFAULT_MAX_CHARS = 24000
_max_chars = DEFAULT_MAX_CHARS


def set_max_chars(limit: int) -> None:
    """The cap for every result of this process (set once at start from the settings)."""
    global _max_chars
    _max_chars = limit


def max_chars() -> int:
    """This process's cap: a tool that pages its results sizes its pages to it."""
    return _max_chars


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str, ensure_ascii=False)


def fit(payload: dict[str, Any], *, max_chars: int | None = None,
        hint: str = "narrow the call") -> tuple[dict[str, Any], str]:
    """`payload` and its compact JSON text, cut to the cap: the largest list loses items from its
    end (found by bisection) and a `truncated` notice says how many and how to narrow the call.
    A result with no list to cut keeps its structure whole and only its text is cut."""
    limit = max_chars or _max_chars
    text = dumps(payload)
    if len(text) <= limit:
        return payload, text
    key = max((k for k, v in payload.items() if isinstance(v, list)), key=lambda k: len(dumps(payload[k])), default=None)
    if key is not None:
        items = payload[key]
        total = len(items)
        low, high = 0, total
        while low < high:  # the most items that still fit
            mid = (low + high + 1) // 2
            trial = {**payload, key: items[:mid], "truncated": _notice(key, mid, total, hint)}
            if len(dumps(trial)) <= limit:
                low = mid
            else:
                high = mid - 1
        trial = {**payload, key: items[:low], "truncated": _notice(key, low, total, hint)}
        text = dumps(trial)
        if len(text) <= limit:
            return trial, text
    cut = len(text) - limit
    return payload, text[: limit - 200] + dumps({"truncated": f"{cut} characters cut; {hint}"})


def _notice(key: str, kept: int, total: int, hint: str) -> dict[str, Any]:
    return {"field": key, "kept": kept, "omitted": total - kept, "total": total, "hint": hint}
