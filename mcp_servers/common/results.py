"""Compact JSON tool results with a size cap.

An agent's context is precious: results are minified JSON, and anything over the cap is cut at a
list boundary with a notice saying how much was dropped and how to narrow the call."""

from __future__ import annotations

import json
import os
from typing import Any

DEFAULT_MAX_CHARS = int(os.environ.get("SRE_MCP_MAX_RESULT_CHARS", "24000"))


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str, ensure_ascii=False)


def compact(payload: Any, *, max_chars: int | None = None, hint: str = "narrow the call") -> str:
    """Serialise `payload`; when too long, drop items from its largest list and say so."""
    limit = max_chars or DEFAULT_MAX_CHARS
    text = dumps(payload)
    if len(text) <= limit:
        return text
    if isinstance(payload, dict):
        key = max((k for k, v in payload.items() if isinstance(v, list)), key=lambda k: len(dumps(payload[k])), default=None)
        if key is not None:
            items = payload[key]
            total = len(items)
            low, high = 0, total
            while low < high:  # the most items that still fit, found by bisection
                mid = (low + high + 1) // 2
                trial = {**payload, key: items[:mid], "truncated": _notice(key, mid, total, hint)}
                if len(dumps(trial)) <= limit:
                    low = mid
                else:
                    high = mid - 1
            trial = {**payload, key: items[:low], "truncated": _notice(key, low, total, hint)}
            text = dumps(trial)
            if len(text) <= limit:
                return text
    if isinstance(payload, list):
        return compact({"items": payload}, max_chars=limit, hint=hint)
    cut = len(text) - limit
    return text[: limit - 200] + dumps({"truncated": f"{cut} characters cut; {hint}"})


def _notice(key: str, kept: int, total: int, hint: str) -> dict[str, Any]:
    return {"field": key, "kept": kept, "omitted": total - kept, "total": total, "hint": hint}
