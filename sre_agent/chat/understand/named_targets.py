"""What a question names outright, found among what exists, never guessed from its words: the ConfigMap that holds the
variable a change request names with no object ("revert ACQUIRER_TIMEOUT_MS to 4000"), the whole name typed beside a
plain word a pattern placed ("snow-report-api 5xx, app shows no lift status")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ...contracts import parse_resource_id
from ..ask import Ask
from .forms import ENV_NAME


async def key_holder_named(ask: Ask) -> str | None:
    """The one ConfigMap holding the variable a change request names with no object beside it -- in the namespace in
    context, else among those of the conversation's objects' namespaces, else the cluster's; None when none or several."""
    keys = set(ENV_NAME.findall(ask.question))
    if not keys or any("-" in w for w in ask.recognised.candidates):
        return None
    namespaces = [ask.namespace] if ask.namespace else [*dict.fromkeys(
        ns for r in ask.focus if (ns := parse_resource_id(r)[0])), None]
    for namespace in namespaces:
        listed = await ask.call("kubernetes", "get_resources", {"kind": "ConfigMap", "limit": 1000,
                                                                **({"namespace": namespace} if namespace else {})})
        holders = [f"{i.get('namespace')}/ConfigMap/{i.get('name')}" for i in (listed.data or {}).get("items") or []
                   if keys & set(i.get("keys") or [])]
        if len(holders) == 1:
            return holders[0]
    return None


async def full_name_beside(ask: Ask, word: str, exact: Callable[[Ask, str], Awaitable[str | None]]) -> str | None:
    """The first dashed word of the question that names an object exactly, when `word` names none exactly itself."""
    dashed = [w for w in ask.recognised.candidates[:6] if "-" in w and w != word]
    if not dashed or await exact(ask, word):
        return None
    for name in dashed:
        if await exact(ask, name):
            return name
    return None
