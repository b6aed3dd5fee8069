"""A Service's selector a person asks to change in chat: the pairs said, merged into the current selector as the merge
patch beside it does (said whole only with "only/replace"), else the labels of the pods of the workload of its name --
pinned as set_service_selector for approval."""

from __future__ import annotations

import json
import re

from ...contracts import parse_resource_id
from ..ask import Ask
from ..understand.kinds_said import ROLLABLE
from .plans import Plan

ONLY_THESE = re.compile(r"\b(only|just\s+the|exactly|replace)\b", re.IGNORECASE)  # a selector said whole, not merged
SELECTOR_PAIR = re.compile(r"\b([a-z0-9./-]+)=([a-z0-9._-]+)\b", re.IGNORECASE)


async def selector_plan(ask: Ask, rid: str, service: dict) -> Plan | str:
    """"fix the selector on that service": the selector that matches the pods of the workload named like the
    Service (its pod template's labels, as many keys as the current selector has): set_service_selector after approval."""
    namespace, _, name = parse_resource_id(rid)
    current = (service.get("spec") or {}).get("selector") or {}
    asked = dict(SELECTOR_PAIR.findall(ask.question))
    if asked:  # "put the selector back to app=catalog": the selector said -- merged into the current one, as the merge
        # patch below does (a key not said is kept: "selector to version=v2" must not drop app=, selecting every v2 pod)
        # -- unless the merge would select none of the pods of the workload of its name and the pairs said alone do
        # (a relabelled release: the old key is what no longer matches)
        labels = (await _pod_labels(ask, namespace or "", name) or ("", None))[1]
        merged = {**current, **asked}
        whole = bool(ONLY_THESE.search(ask.question)) or (
            labels is not None and not _selects(merged, labels) and _selects(asked, labels))
        asked = asked if whole else merged
        patch = json.dumps([{"op": "replace", "path": "/spec/selector", "value": asked}] if whole else
                           {"spec": {"selector": asked}}, separators=(",", ":"))
        return Plan("set_service_selector", {"namespace": namespace or "", "name": name, "selector": asked,
                                             "expect_selector": current, "reason": ask.question[:200]},
                    f"Service {name} selector {current} -> {asked}",
                    f"kubectl patch service {name} -n {namespace} --type {'json' if whole else 'merge'} -p '{patch}'",
                    f"selector {current}")
    found = await _pod_labels(ask, namespace or "", name)
    if found:
        kind, labels = found
        keys = [k for k in current if k in labels] or list(labels)[:1]
        wanted = {k: labels[k] for k in keys}
        patch = json.dumps({"spec": {"selector": wanted}}, separators=(",", ":"))
        return Plan("set_service_selector", {"namespace": namespace or "", "name": name, "selector": wanted,
                                             "expect_selector": current, "reason": ask.question[:200]},
                    f"Service {name} selector {current} -> {wanted} (the labels of {kind} {name}'s pods)",
                    f"kubectl patch service {name} -n {namespace} --type merge -p '{patch}'", f"selector {current}")
    return f"No workload named {name} in {namespace} to take the selector from; say the selector {rid} should have"


def _selects(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


async def _pod_labels(ask: Ask, namespace: str, name: str) -> tuple[str, dict] | None:
    """(kind, pod template labels) of the workload of the Service's name, else None."""
    for kind in ROLLABLE:
        described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace, "events_limit": 0})
        labels = ((((described.data or {}).get("object") or {}).get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels")
        if described.error is None and labels:
            return kind, labels
    return None
