"""A change ticket said as what to undo: "undo LC-402 on transcode-worker", "rollout undo LC-415 on lecture-upload-api".
A ticket id (LC-402, CHG-4471) is never an object's name -- Kubernetes names are lower case -- so the request is read as
the undo of the rollout that ticket records ("undo the rollout on transcode-worker, ticket LC-402"); the rollback then
goes to the revision before the one whose change cause carries it (chat/act/rollback.py), never simply the last."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ...graph.intent import TICKET
from ..ask import Ask

TICKET_SAID = re.compile(TICKET)
# the undo verb with the ticket as its object
TICKET_UNDONE = re.compile(rf"\b(?:rollout\s+)?(?P<verb>undo|revert|roll\s*back|rollback)\s+(?:the\s+)?(?P<ticket>{TICKET})"
                           r"(?:\s+(?:rollout|release|change|deploy(?:ment)?))?", re.IGNORECASE)


def ticket_undone(question: str) -> str | None:
    """The question with the ticket it undoes said as a rollout ("undo the rollout on X, ticket LC-402"); None when it
    undoes no ticket."""
    found = TICKET_UNDONE.search(question)
    if found is None or not TICKET_SAID.fullmatch(found.group("ticket")):  # a ticket is typed in capitals: LC-402
        return None
    rewritten = question[:found.start()] + f"{found.group('verb')} the rollout" + question[found.end():]
    return f"{rewritten.rstrip(' ?.!')}, ticket {found.group('ticket')}"


def ticket_in(question: str) -> str | None:
    """The one ticket id a question says, if exactly one."""
    said = set(TICKET_SAID.findall(question))
    return said.pop() if len(said) == 1 else None


# what a ticket's note is written on when it records a change to the object (a controller's bookkeeping, a pod's
# template copy, are not: a pod carries its Deployment's change-cause too)
NOTED_ON = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "ConfigMap", "Secret", "Service", "Node",
            "HorizontalPodAutoscaler", "ResourceQuota", "PersistentVolumeClaim", "Job")


async def ticket_holder(ask: Ask, ticket: str) -> str | None:
    """The one object whose notes (annotations) record `ticket` -- what "revert MSG-161" asks to change; None when no
    object, or more than one, carries it."""
    found = await ask.call("kubernetes", "search_text", {"words": [ticket.lower()], "limit": 50})
    holders = {str(m.get("resource")) for m in (found.data or {}).get("matches") or []
               if str(m.get("path", "")).startswith("metadata.annotations.") and ticket in str(m.get("text"))
               and parse_resource_id(str(m.get("resource")))[1] in NOTED_ON}
    return holders.pop() if len(holders) == 1 else None
