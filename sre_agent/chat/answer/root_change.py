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
from ..understand.kinds_said import configs_read_by
from .config_values import describe_object

# "Secret bank-api-credentials changed at ...", "ConfigMap/analytics-config": the config objects a diagnosis names
CONFIG_NAMED = re.compile(r"\b(Secret|ConfigMap)[/ ](?:(?P<ns>[a-z0-9][a-z0-9-]*)/)?(?P<name>[a-z0-9][a-z0-9.-]*[a-z0-9])")
RECORD_SAID = 200


def _named_configs(diagnosis: dict, namespace: str) -> list[str]:
    said = " ".join([str(diagnosis.get("summary") or ""),
                     *(str(e.get("excerpt") or "") for e in diagnosis.get("evidence") or [] if isinstance(e, dict))])
    return list(dict.fromkeys(resource_id(m.group(1), m.group("name"), m.group("ns") or namespace)
                              for m in CONFIG_NAMED.finditer(said)))


# faults of a setting a workload reads: the ConfigMaps and Secrets it reads carry the change before the workload does
CONFIG_FAULTS = ("crash_missing_config", "missing_config_ref", "endpoint_misconfigured", "stale_credential")


async def _claim_maker(ask: Ask, namespace: str, claim: str) -> str | None:
    """The StatefulSet whose claim template made `claim` (<template>-<statefulset>-<ordinal>)."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": "StatefulSet", "namespace": namespace})
    return next((resource_id("StatefulSet", str(row.get("name")), namespace) for row in (listed.data or {}).get("items") or []
                 if re.fullmatch(rf"[a-z0-9-]+-{re.escape(str(row.get('name')))}-\d+", claim)), None)


async def _candidates(ask: Ask, root: str, diagnosis: dict) -> list[str]:
    namespace, kind, name = parse_resource_id(root)
    if not namespace:
        return [root]
    behind = [root]
    if kind == "Service" and (workload := await workload_of_service(ask, root, kinds=("Deployment", "StatefulSet",
                                                                                     "DaemonSet"))):
        behind.append(workload)
    if kind == "PersistentVolumeClaim" and (maker := await _claim_maker(ask, namespace, name)):
        behind.append(maker)  # a claim made from a template: the StatefulSet's record says who set its class
    read: list[str] = []
    if diagnosis.get("category") in CONFIG_FAULTS and kind in ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job"):
        read = [resource_id(config_kind, config, namespace) for config_kind in ("ConfigMap", "Secret")
                for config in sorted(await configs_read_by(ask, root, config_kind))]
    return list(dict.fromkeys([*_named_configs(diagnosis, namespace), *read, *behind]))


# the words of a key that records a change made ("changed-by", "rotated", "last-change", "retire"), not one that
# describes the object ("source", "owner", "rotation" policy): what a record of the change behind a fault is keyed by
CHANGE_KEY = re.compile(r"(?<![a-z])(change|changed|cause|rotated|renamed|updated|modified|replaced|resized|retired?|"
                        r"decommission\w*|maintenance|ticket|chg)(?![a-z])", re.IGNORECASE)


async def change_behind(ask: Ask, diagnosis: dict | None) -> str | None:
    """"the change behind it: <ticket and reason> (<where it is written>)", or None when no object the root cause hangs
    on carries a ticketed record. A record keyed as a change made wins over one that only describes the object, on the
    first object that has one."""
    root = str((diagnosis or {}).get("resource") or "")
    if root.count("/") not in (1, 2) or (diagnosis or {}).get("category") in (None, "none"):  # (a Node: Node/x)
        return None
    found = []
    for rid in await _candidates(ask, root, diagnosis or {}):
        metadata = (await describe_object(ask, rid)).get("metadata") or {}
        found += [(bool(CHANGE_KEY.search(i.key)), rid, i) for i in recorded_intent(rid, metadata)
                  if re.search(TICKET, i.value)]
        if any(made for made, *_ in found):
            break  # a change made, recorded on this object: the nearest one says it
    if not found:
        return None
    _, rid, record = next((row for row in found if row[0]), found[0])
    who = f", by {record.who}" if record.who else ""
    return f"the change behind it: {clip(' '.join(record.value.split()), RECORD_SAID)} ({rid} {record.key}{who})"
