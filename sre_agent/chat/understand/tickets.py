"""A change ticket said as what to undo: "undo LC-402 on transcode-worker", "rollout undo LC-415 on lecture-upload-api".
A ticket id (LC-402, CHG-4471) is never an object's name -- Kubernetes names are lower case -- so the request is read as
the undo of the rollout that ticket records ("undo the rollout on transcode-worker, ticket LC-402"); the rollback then
goes to the revision before the one whose change cause carries it (chat/act/rollback.py), never simply the last."""

from __future__ import annotations

import re

from ...graph.intent import TICKET

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
