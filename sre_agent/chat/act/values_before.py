"""A value asked back with none said ("give lighting-scheduler its cpu back", "put the memory limit back"): the one the
workload's latest rollout changed it from, read from the revision before -- never guessed. None when that rollout left
it as it is (then the request still has to say the value)."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..answer.objects import pod_spec_of
from ..answer.templates import latest_rollout, revision_template
from ..ask import Ask
from ..understand.kinds_said import ROLLABLE
from .plans import resource_part

BACK_SAID = re.compile(r"\b(back|restore\w*|revert\w*|as\s+it\s+was|what\s+it\s+was|original(?:ly)?)\b", re.IGNORECASE)


def _resource(template: dict, container: str, resource: str, which: str) -> str | None:
    containers = (template.get("spec") or {}).get("containers") or []
    chosen = next((c for c in containers if c.get("name") == container), None)
    value = (((chosen or {}).get("resources") or {}).get(which) or {}).get(resource)
    return str(value) if value is not None else None


async def with_value_before(ask: Ask, rid: str, obj: dict, question: str, first: str | None = None) -> str | None:
    """The request with the value it asks back said ("give it its cpu back" -> "... back to 1"): the container's
    resource part ("limits", "requests") in the revision before the current one, when the current one changed it --
    the troubled container (`first`) read first; None when the latest rollout changed no container's value."""
    if not BACK_SAID.search(question):
        return None
    namespace, kind, name = parse_resource_id(rid)
    if kind not in ROLLABLE or not namespace or (revisions := await latest_rollout(ask, namespace, kind, name)) is None:
        return None
    previous, current = revisions
    before = await revision_template(ask, namespace, kind, previous["replicaset"])
    now = await revision_template(ask, namespace, kind, current["replicaset"])
    resource, which = resource_part(question)
    containers = [str(c.get("name")) for c in pod_spec_of(kind, obj).get("containers") or []]
    for container in sorted(containers, key=lambda name: name != first):
        value = _resource(before, container, resource, which)
        if value is not None and value != _resource(now, container, resource, which):
            return f"{question} to {value}"
    return None
