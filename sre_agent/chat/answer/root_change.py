"""The change a root cause came in with, as the people who made it wrote it. A verdict that says "No: the root cause is
X" (or "Yes") leaves the on-call asking what made X so and whose change it was: the change record -- a ticket and its
reason -- on the ConfigMap or Secret the diagnosis names (a token rotated, a cache raised), else on X itself (its
current revision's change-cause, an annotation of theirs), else, for a Service whose pods no longer match it, on the
workload behind it (the rollout that renamed a port). Only a record that carries a ticket is said: a bare
change-cause ("kubectl apply") says nothing the revision does not."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id, resource_id
from ...graph.intent import TICKET, recorded_intent
from ...quoting import clip
from ..ask import Ask
from ..understand.exact_names import workload_of_service
from .config_values import describe_object

# "Secret bank-api-credentials changed at ...", "ConfigMap/analytics-config": the config objects a diagnosis names
CONFIG_NAMED = re.compile(r"\b(Secret|ConfigMap)[/ ]([a-z0-9][a-z0-9.-]*[a-z0-9])")
RECORD_SAID = 200


def _named_configs(diagnosis: dict, namespace: str) -> list[str]:
    said = " ".join([str(diagnosis.get("summary") or ""),
                     *(str(e.get("excerpt") or "") for e in diagnosis.get("evidence") or [] if isinstance(e, dict))])
    return list(dict.fromkeys(resource_id(m.group(1), m.group(2), namespace) for m in CONFIG_NAMED.finditer(said)))


async def _candidates(ask: Ask, root: str, diagnosis: dict) -> list[str]:
    namespace, kind, _ = parse_resource_id(root)
    if not namespace:
        return [root]
    behind = [root]
    if kind == "Service" and (workload := await workload_of_service(ask, root, kinds=("Deployment", "StatefulSet",
                                                                                     "DaemonSet"))):
        behind.append(workload)
    return [*_named_configs(diagnosis, namespace), *behind]


async def change_behind(ask: Ask, diagnosis: dict | None) -> str | None:
    """"the change behind it: <ticket and reason> (<where it is written>)", or None when no object the root cause hangs
    on carries a ticketed change record."""
    root = str((diagnosis or {}).get("resource") or "")
    if root.count("/") != 2 or (diagnosis or {}).get("category") in (None, "none"):
        return None
    for rid in await _candidates(ask, root, diagnosis or {}):
        metadata = (await describe_object(ask, rid)).get("metadata") or {}
        records = [i for i in recorded_intent(rid, metadata) if i.signal == "change record" and re.search(TICKET, i.value)]
        if records:
            record = records[0]
            who = f", by {record.who}" if record.who else ""
            return f"the change behind it: {clip(' '.join(record.value.split()), RECORD_SAID)} ({rid} {record.key}{who})"
    return None
