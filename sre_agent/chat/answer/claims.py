"""A StatefulSet's member claims, as its status names them: each volumeClaimTemplate's claim per member
(<template>-<statefulset>-<ordinal>, the controller's naming), with its phase, class and size -- a claim not Bound
is why its member cannot start."""

from __future__ import annotations

import re

from ..ask import Ask


async def member_claims(ask: Ask, namespace: str, name: str, spec: dict, trouble: list[str]) -> list[str]:
    """A StatefulSet's members' claims (<template>-<name>-<ordinal>, as its controller names them): phase, class, size."""
    templates = [str((t.get("metadata") or {}).get("name")) for t in spec.get("volumeClaimTemplates") or []]
    listed = await ask.call("kubernetes", "get_resources", {"kind": "PersistentVolumeClaim", "namespace": namespace, "limit": 2000})
    member = re.compile(rf"^({'|'.join(re.escape(t) for t in templates)})-{re.escape(name)}-\d+$")
    lines = []
    for claim in (listed.data or {}).get("items") or []:
        if member.match(str(claim.get("name"))):
            lines.append(f"claim {claim.get('name')}: {claim.get('phase')}, class {claim.get('storageClass')}, "
                         f"{claim.get('request')}")
            if claim.get("phase") != "Bound":
                trouble.append(f"claim {claim.get('name')} is {claim.get('phase')}: its member cannot start")
    return lines
