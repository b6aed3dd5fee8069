"""A change request that names a variable and no object ("revert ACQUIRER_TIMEOUT_MS to 4000"): the object it means is
the ConfigMap that holds that key -- found among what exists, never guessed from the key's words."""

from __future__ import annotations

from ...contracts import parse_resource_id
from ..ask import Ask
from .forms import ENV_NAME


async def key_holder_named(ask: Ask) -> str | None:
    """The one ConfigMap holding the variable a change request names with no object beside it -- in the namespace in
    context, else among those of the conversation's objects' namespaces, else the cluster's; None when none or several."""
    keys = set(ENV_NAME.findall(ask.question))
    if not keys or any("-" in w for w in ask.recognised.candidates):
        return None
    namespaces = [ask.namespace] if ask.namespace else list(dict.fromkeys(
        ns for r in ask.focus if (ns := parse_resource_id(r)[0]))) or [None]
    for namespace in namespaces:
        listed = await ask.call("kubernetes", "get_resources", {"kind": "ConfigMap", "limit": 1000,
                                                                **({"namespace": namespace} if namespace else {})})
        holders = [f"{i.get('namespace')}/ConfigMap/{i.get('name')}" for i in (listed.data or {}).get("items") or []
                   if keys & set(i.get("keys") or [])]
        if len(holders) == 1:
            return holders[0]
    return None
