"""Config edits as changes: a ConfigMap or Secret written within the window (its last write, as the API server
stamps it) is a change like a rollout -- an edited value reaches pods on their next start, so it shows nowhere else
until then. And the config object a "what changed" question names ("what changed in that configmap", "someone touched
berth-config") answered with its own record: its notes, its last writes, what it holds."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ...contracts import parse_time
from ..ask import Ask
from ..understand.forms import kind_nouns
from ..understand.inventory import CONFIG_KINDS
from ..understand.references import kind_of, name_of, named_exactly
from .health import describe
from .notes import peoples_notes
from .records import record_lines
from .runs import ago

# Objects whose edits no rollout records: their last write (managedFields) is the change. A Service edited after it was
# made (a port or selector moved under its callers) is as much a change as a ConfigMap's value.
EDITED_KINDS = (*CONFIG_KINDS, "Service")


async def config_writes(ask: Ask, scope: dict[str, Any], since: datetime, now: datetime) -> tuple[list[str], list[str]]:
    """(lines, resource ids) of the ConfigMaps and Secrets last written within the window, and the Services edited in
    it, oldest first."""
    written: list[tuple[datetime, str, str]] = []
    for kind in EDITED_KINDS:
        listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "limit": 5000, **scope})
        for item in (listed.data or {}).get("items") or []:
            when = parse_time(item.get("written"))
            if when is None or when < since or kind == "Service" and when == parse_time(item.get("created")):
                continue  # (a Service made in the window is no edit of one)
            rid = f"{item.get('namespace')}/{kind}/{item.get('name')}"
            held = f"keys {', '.join(item.get('keys') or []) or 'none'}" if kind in CONFIG_KINDS else \
                f"ports {', '.join(item.get('ports') or []) or 'none'}, selector {item.get('selector')}"
            label = "config" if kind in CONFIG_KINDS else "edit"
            written.append((when, f"{label}: {rid} written {ago(when, now)} ({held})", rid))
    written.sort()
    lines = [line + await _why_written(ask, rid) if i >= len(written) - NOTED else line
             for i, (_, line, rid) in enumerate(written)]
    return lines, [rid for _, _, rid in written]


NOTED = 12  # the latest writes read for their notes: a describe each


async def _why_written(ask: Ask, rid: str) -> str:
    """The note people left on a config object they wrote ("acme.org/change: CHG-41 raise the pool"), the ticket a
    write is known by -- a rollout says its change-cause, a ConfigMap or Secret edit says it in an annotation."""
    obj = ((await describe(ask, rid)).data or {}).get("object") or {}
    notes = peoples_notes(obj, prose_only=True)
    return f"; {notes[0].removeprefix('note ')}" if notes else ""


PRONOUN = re.compile(r"\b(it|that|this)\b", re.IGNORECASE)


async def config_asked_about(ask: Ask) -> str | None:
    """The ConfigMap or Secret a question names by its exact name, else the conversation's one its kind noun says
    ("that configmap", "the cm")."""
    for word in ask.recognised.candidates[:4]:
        if (named := await named_exactly(ask, word, kinds=list(CONFIG_KINDS))) is not None:
            return named
    said = [k for k in kind_nouns(ask.question) if k in CONFIG_KINDS]
    if said:
        return next((r for r in ask.focus if kind_of(r) in said), None)
    if PRONOUN.search(ask.question):  # "what did they change in it" right after a question that named the ConfigMap
        before = str((ask.last_answer or {}).get("question") or "").lower()
        return next((r for r in ask.focus if kind_of(r) in CONFIG_KINDS and name_of(r).lower() in before), None)
    return None


async def config_record(ask: Ask, rid: str) -> list[str]:
    """The config object's record as change lines: its notes, last writes and values."""
    described = await describe(ask, rid)
    obj = (described.data or {}).get("object") or {}
    return [f"{rid}: {line}" for line in await record_lines(ask, rid, obj)] if obj else []
