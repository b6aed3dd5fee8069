"""A delete of an object something depends on is said, not pinned, on a passing request: a ConfigMap or Secret a
workload's pods read (their next start fails), a Service that routes to ready pods, a workload a Service sends its
traffic to, a PodDisruptionBudget that guards running pods (a drain may then evict them all), a ResourceQuota that
bounds what runs in its namespace. What depends on it is
named. "... anyway" or "i know" before any reason clause pins it as usual -- a human approves every pinned action;
"delete X, it's broken anyway" is a reason, not that override."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..answer.config_refs import config_users
from ..ask import Ask
from ..models import Answer

# the override said of the delete itself, never inside a reason given after it
OVERRIDE = re.compile(r"^[^,;]*\banyway\b|\b(i\s+know|confirmed|override|approved\s+by|ticket\s+says)\b", re.IGNORECASE)


async def depends_on(ask: Ask, rid: str) -> list[str]:
    """What depends on `rid` now, one line each; [] when nothing is seen to."""
    namespace, kind, name = parse_resource_id(rid)
    if kind in ("ConfigMap", "Secret"):
        users, how = await config_users(ask, rid)
        return [f"{line} -- its pods fail their next start without it" for line in how[:4]] if users else []
    if kind == "Service":
        listed = await ask.call("kubernetes", "get_resources", {"kind": "Endpoints", "namespace": namespace or "default"})
        ready = next((int(e.get("ready") or 0) for e in (listed.data or {}).get("items") or [] if e.get("name") == name), 0)
        return [f"it routes to {ready} ready pod(s): every caller of {name} loses them"] if ready else []
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        listed = await ask.call("kubernetes", "get_resources", {"kind": "Service", "namespace": namespace or "default"})
        described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace, "events_limit": 0})
        template = ((((described.data or {}).get("object") or {}).get("spec") or {}).get("template") or {})
        labels = (template.get("metadata") or {}).get("labels") or {}
        return [f"Service {namespace}/{s.get('name')} sends its traffic to its pods" for s in (listed.data or {}).get("items") or []
                if s.get("selector") and all(labels.get(k) == v for k, v in (s.get("selector") or {}).items())][:3]
    if kind == "PodDisruptionBudget":
        listed = await ask.call("kubernetes", "get_resources", {"kind": "PodDisruptionBudget", "namespace": namespace or "default"})
        budget = next((b for b in (listed.data or {}).get("items") or [] if b.get("name") == name), None)
        healthy = int((budget or {}).get("healthy") or 0)
        return [f"it guards {healthy} running pod(s) ({(budget or {}).get('selector')}): without it a drain evicts them all "
                "at once"] if healthy else []
    if kind == "ResourceQuota":
        listed = await ask.call("kubernetes", "get_resources", {"kind": "ResourceQuota", "namespace": namespace or "default"})
        quota = next((q for q in (listed.data or {}).get("items") or [] if q.get("name") == name), None)
        used = {k: v for k, v in ((quota or {}).get("used") or {}).items() if str(v) not in ("0", "")}
        return [f"it bounds what namespace {namespace} may use (in use now: {used}): without it every limit there is "
                "lifted -- raise the one that binds instead"] if used else []
    return []


async def in_use(ask: Ask, rid: str) -> Answer | None:
    """The refusal of a delete of `rid` while something depends on it; None when nothing does, or the override is said."""
    if OVERRIDE.search(ask.question) or not (lines := await depends_on(ask, rid)):
        return None
    return ask.answer(f"Not pinned: {rid} is in use -- {lines[0]}", status="answered", resources=[rid], details=lines[1:],
                      next_steps=["Fix or move what depends on it first; to delete it anyway, say so ('delete it anyway') "
                                  "and a human approves the pinned action."])


def holds_data(question: str, rid: str, obj: dict) -> str | None:
    """A bound claim holds data: deleting it destroys the volume (a dynamically provisioned one goes with it) and a
    StatefulSet recreates an empty one -- refused on a passing request, pinned when said with "anyway"."""
    if (obj.get("status") or {}).get("phase") != "Bound" or OVERRIDE.search(question):
        return None
    size = ((obj.get("status") or {}).get("capacity") or {}).get("storage") or "its"
    return (f"Not pinned: {rid} is Bound and holds data ({size} on its volume): deleting it destroys that data -- the "
            "volume goes with it under a Delete reclaim policy, and a StatefulSet's member comes back on an EMPTY claim. "
            "Snapshot or back it up first, and fix what is actually wrong; to delete it anyway, say so ('... anyway')")
