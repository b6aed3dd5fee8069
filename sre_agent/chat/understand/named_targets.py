"""What a question names outright, found among what exists, never guessed from its words: the ConfigMap that holds the
variable a change request names with no object ("revert ACQUIRER_TIMEOUT_MS to 4000"), the whole name typed beside a
plain word a pattern placed ("snow-report-api 5xx, app shows no lift status")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ...contracts import parse_resource_id
from ..ask import Ask
from .context_names import kind_of, name_of
from .forms import ENV_NAME, KIND_WORDS
from .kinds_said import ROLLABLE


async def key_holder_named(ask: Ask) -> str | None:
    """The one ConfigMap holding the variable a change request names with no object beside it -- in the namespace in
    context, else among those of the conversation's objects' namespaces, else the cluster's; None when none or several."""
    keys = set(ENV_NAME.findall(ask.question))
    value = ask.question.lower().rpartition(" to ")[2] if " to " in ask.question.lower() else ""
    # a dashed word names an object -- unless it is the value the key is set to ("... to kafka-bootstrap.streaming:9092")
    if not keys or any("-" in w and w not in value for w in ask.recognised.candidates):
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


async def token_of_one(ask: Ask, words: list[str]) -> str | None:
    """The one workload a plain word of a change request is a whole token of ("the ingest pods": telemetry-ingest), when
    the conversation's object is not so named -- None when none, several, or the conversation's own object is."""
    # a kind's own noun ("that node", "the job") names a kind, never a workload of whose name it is a token (node-exporter)
    words = [w for w in words if w not in KIND_WORDS and w.rstrip("s") not in KIND_WORDS]
    if not words or kind_of(ask.focus[0]) in ROLLABLE and any(w in name_of(ask.focus[0]).split("-") for w in words):
        return None
    from .inventory import load_inventory  # the session's listing of what exists (inventory reads through references)

    owners = {k.rid for k in (await load_inventory(ask)).objects if k.kind in ROLLABLE
              and (not ask.namespace or k.namespace == ask.namespace)
              and any(w in k.name.split("-") for w in words if len(w) >= 4)}
    return owners.pop() if len(owners) == 1 else None
