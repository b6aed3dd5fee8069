"""A Deployment between two versions: the ReplicaSets that still run its pods (the old one serves while a stuck
rollout's new one does not), and a rollout a person paused (spec.paused: the template's new version waits, the old
pods keep serving, and the note on the object says why) -- neither is a fault, and neither is "healthy" as if the
template ran."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import Ask
from .notes import peoples_notes


async def replica_set_rows(ask: Ask, namespace: str, name: str) -> list[dict]:
    """A Deployment's ReplicaSets that still run pods (<name>-<hash>), as rows: name, ready, images."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": "ReplicaSet", "namespace": namespace, "limit": 500})
    own = re.compile(rf"^{re.escape(name)}-[a-z0-9]+$")
    return [r for r in (listed.data or {}).get("items") or [] if own.match(str(r.get("name")))
            and not str(r.get("ready", "")).endswith("/0")]


async def serving_replica_sets(ask: Ask, namespace: str, name: str) -> list[str]:
    """A Deployment's ReplicaSets that still run pods, with their images: the old one serves while a stuck rollout's new
    one does not."""
    return [f"ReplicaSet {r.get('name')}: ready {r.get('ready')}, images {', '.join(str(i) for i in r.get('images') or [])}"
            for r in await replica_set_rows(ask, namespace, name)]


async def paused_rollout(ask: Ask, rid: str, obj: dict) -> tuple[str, list[str]] | None:
    """(headline, details) of a Deployment whose rollout is paused (spec.paused): what the template holds and waits,
    what the running pods still run, the person's note; None when it is not paused."""
    if not (obj.get("spec") or {}).get("paused"):
        return None
    namespace, _, name = parse_resource_id(rid)
    template = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    waiting = ", ".join(str(c.get("image")) for c in template.get("containers") or [])
    serving = await serving_replica_sets(ask, namespace or "", name)
    headline = (f"{rid}'s rollout is paused (spec.paused: true, Progressing=Unknown DeploymentPaused): the template's "
                f"{waiting} is not rolled out; the running pods keep serving"
                + (f" ({serving[0].split(': ', 1)[-1]})" if len(serving) == 1 else ""))
    details = [*peoples_notes(obj, prose_only=True)[:3], *(f"still serving: {line}" for line in serving),
               f"to release it: kubectl rollout resume deployment/{name} -n {namespace}"]
    return headline, details
