"""What a finding or an alarm is about: the object it names, the object owning it, or a child a controller generated
from it -- never another object whose name merely starts with the same words (driver-api-worker is not driver-api)."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..understand.names import generated_from


def related(finding: dict, rid: str) -> bool:
    """A finding is about X when it names X, X owns it, or it is one of X's generated children
    (pods and ReplicaSets are named after their workload)."""
    namespace, _, name = parse_resource_id(rid)
    if finding.get("resource") == rid or finding.get("owner") == rid:
        return True
    if finding.get("owner"):
        return False  # owned by another object: driver-api-worker's pod is not driver-api's, whatever their names share
    fns, fkind, fname = parse_resource_id(finding.get("resource") or "x/x")
    return fns == namespace and fkind in ("Pod", "ReplicaSet") and generated_from(fname, name)


# Dimensions that name the object an alarm watches: when an alarm has one, that is what it is about, exactly.
OBJECT_DIMENSIONS = ("Service", "ServiceName", "Deployment", "StatefulSet", "DaemonSet", "PodName", "JobName", "CronJob",
                     "PersistentVolumeClaim", "NodeName", "InstanceId")


def alarm_mentions(alarm: dict, name: str) -> bool:
    """Is the alarm about `name`: a dimension naming it exactly (never a longer object's: PodName yard-inventory-worker
    is not yard-inventory), else, when no dimension names an object, its name carrying it."""
    dimensions = {str(k): str(v) for k, v in (alarm.get("dimensions") or {}).items()}
    named = [v for k, v in dimensions.items() if k in OBJECT_DIMENSIONS]
    if named:
        return any(v.lower() == name.lower() for v in named)
    words = [alarm.get("name") or "", *dimensions.values()]
    return any(re.search(rf"(^|[^a-z0-9]){re.escape(name)}($|[^a-z0-9])", w, re.IGNORECASE) for w in words)


COMPARED = {"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">=", "LessThanThreshold": "<",
            "LessThanOrEqualToThreshold": "<="}
LAST_VALUES = re.compile(r"\[([\d.]+)")  # CloudWatch's reason: "... datapoints [512.3 (28/11/25 00:20:00), ...] were ..."


def alarm_rule(alarm: dict) -> str:
    """" (LatencyP99 > 450; last 512.3)": what an alarm compares and the newest value its reason quotes -- the answer to
    "p99 now vs the threshold"."""
    metric, threshold = (alarm.get("metric") or {}).get("name"), alarm.get("threshold")
    if not metric or threshold is None:
        return ""
    last = LAST_VALUES.search(str(alarm.get("reason") or ""))
    return (f" ({metric} {COMPARED.get(str(alarm.get('comparison')), 'vs')} {threshold:g}"
            + (f"; last {last.group(1)}" if last else "") + ")")
