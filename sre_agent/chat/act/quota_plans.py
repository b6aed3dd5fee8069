"""Requests about a namespace's ResourceQuota ("bump the quota's cpu to 5", "raise riders-pods to 30 pods", "raise
web-quota requests.cpu to 4 and limits.cpu to 14"): raise_quota on the hard keys the question names -- never lower."""

from __future__ import annotations

import json
import re

from ...contracts import parse_resource_id
from ...graph.quantities import quantity as quantity_value
from ..understand.quantities import unit_of
from .plans import Plan, quantity_asked, resource_named

KEY_QUANTITY = re.compile(r"\b((?:requests|limits)\.(?:cpu|memory))\s*(?:(?:back|up|down)\s+)?(?:to|=|:)?\s*"
                          r"(\d+(?:\.\d+)?\s*(?:m|ki|mi|gi|ti)?)(?![\w.])", re.IGNORECASE)
# the amount said before its part: "put the quota back to 8Gi limits 6Gi requests"
QUANTITY_PART = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?\s*(?:m|ki|mi|gi|ti)?)\s+(?:of\s+)?(requests?|limits?)\b(?!\.)",
                           re.IGNORECASE)


def _pairs(question: str, hard: dict[str, str]) -> dict[str, str]:
    """Each hard key the question names with its own value, as "limits.memory to 6Gi" or "6Gi limits" -- the
    resource a bare part is about read from its amount's unit (bytes: memory)."""
    pairs = {k.lower(): v.replace(" ", "") for k, v in KEY_QUANTITY.findall(question) if k.lower() in hard}
    for value, part in QUANTITY_PART.findall(question):
        resource = unit_of(value) or "cpu"  # bytes are memory; milli-units and a bare count, CPU
        key = f"{part.lower().rstrip('s')}s.{resource}"
        if key not in hard and key.startswith("requests.") and resource in hard:
            key = resource  # a quota's bare "memory" is its requests.memory
        if key in hard:
            pairs.setdefault(key, value.replace(" ", ""))
    return pairs


def quota_plan(question: str, rid: str, obj: dict) -> Plan | str:
    """"bump the quota's cpu to 5": raise_quota on the hard key the question names (requests.cpu unless it says limits);
    "raise riders-pods to 30 pods": its pod count."""
    namespace, _, name = parse_resource_id(rid)
    hard = {k: str(v) for k, v in ((obj.get("spec") or {}).get("hard") or {}).items()}
    count = re.search(r"\bto\s+(\d+)\s*pods?\b|\bpods?\s+to\s+(\d+)\b", question, re.IGNORECASE)
    if not count and re.search(r"\bpods?\b", question, re.IGNORECASE):
        count = re.search(r"\bto\s+(\d+)(?![\w.])()", question)  # "raise the pods quota in portal to 20": a bare count
    # "raise web-quota requests.cpu to 4 and limits.cpu to 14": each hard key named with its own value
    said = _pairs(question, hard)
    # a key said at the value it has already is no change ("limits.memory back to 6Gi and limits.cpu to 6" with cpu at 6)
    pairs = {k: v for k, v in said.items() if quantity_value(v) is None or quantity_value(v) != quantity_value(hard[k])}
    if said and not pairs:
        return f"{rid} has every value said already (hard: {hard}): nothing to raise"
    if pairs and not count:
        lower = [f"{k} {hard[k]} -> {v}" for k, v in pairs.items()
                 if (now := quantity_value(hard[k])) is not None and (new := quantity_value(v)) is not None and new <= now]
        if lower:
            return (f"{rid}: {'; '.join(lower)} would not raise it -- raise_quota only raises a limit. Say higher values, or "
                    "lower it by hand after checking what its pods use")
        patch = json.dumps({"spec": {"hard": pairs}}, separators=(",", ":"))
        return Plan("raise_quota", {"namespace": namespace or "", "name": name, "hard": pairs, "expect_hard": hard,
                                    "reason": question[:200]},
                    f"quota {name}: " + ", ".join(f"{k} {hard[k]} -> {v}" for k, v in pairs.items()),
                    f"kubectl patch resourcequota {name} -n {namespace} --type merge -p '{patch}'", f"hard {hard}")
    if count and "pods" in hard:
        key, value = "pods", count.group(1) or count.group(2)
    else:
        resource = resource_named(question)
        keys = [k for k in hard if k.split(".")[-1] == resource]
        wanted = "limits" if re.search(r"\blimits?\b", question, re.IGNORECASE) else "requests"
        found = next((k for k in keys if k.startswith(wanted)), None) or next(iter(keys), None)
        asked_value = quantity_asked(question, resource)
        if found is None:
            return f"{rid} sets no {resource} limit (hard: {hard})"
        if asked_value is None:
            return f"Say the new {found} for {rid} (e.g. 'raise its {resource} to 8'); it is {hard[found]} now"
        key, value = found, asked_value
    now, wanted_value = quantity_value(str(hard.get(key, ""))), quantity_value(str(value))
    if now is not None and wanted_value is not None and wanted_value <= now:
        # raise_quota only raises (the server refuses the rest): a lower value is never planned as a "raise"
        return (f"{rid}'s {key} is {hard[key]} now; {value} would not raise it -- raise_quota only raises a limit. "
                "Say a higher value, or lower it by hand after checking what its pods use")
    patch = json.dumps({"spec": {"hard": {key: value}}}, separators=(",", ":"))
    return Plan("raise_quota", {"namespace": namespace or "", "name": name, "hard": {key: value}, "expect_hard": hard,
                                "reason": question[:200]},
                f"quota {name}: {key} {hard[key]} -> {value}",
                f"kubectl patch resourcequota {name} -n {namespace} --type merge -p '{patch}'", f"hard {hard}")
