"""Namespaces a question names: the cluster's namespace names, and one said without the word "namespace" ("is anything
wrong in passenger", "fleet has OOMKilled pods, related?")."""

from __future__ import annotations

import re

from ..ask import Ask


async def namespaces(ask: Ask) -> set[str]:
    """The cluster's namespace names (a question may name one without the word "namespace")."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Namespace", "limit": 1000})
    return {str(item.get("name")) for item in (listed.data or {}).get("items") or []}


_IN_WORD = re.compile(r"\b(?:in|across|within)\s+(?:the\s+)?([a-z0-9][a-z0-9-]*)\b"
                      # "fleet has OOMKilled pods, related?": a namespace as the sentence's subject
                      r"|^\W*(?:and\s+|so\s+)?(?:the\s+)?([a-z0-9][a-z0-9-]*)\s+(?:namespace\s+|ns\s+)?(?:has|have|shows|had)\b",
                      re.IGNORECASE)


async def namespace_named(ask: Ask) -> str | None:
    """"is anything wrong in passenger": a namespace named without the word "namespace"."""
    words = [w.lower() for pair in _IN_WORD.findall(ask.question) for w in pair if w]
    if not words:
        return None
    names = await namespaces(ask)
    return next((w for w in words if w in names), None)
