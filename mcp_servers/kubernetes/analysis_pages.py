"""An analysis too big for one tool result, read in pages behind a cursor.

A 5,000-pod cluster with a few broken apps yields hundreds of findings (~185 KB of JSON); one
result is capped (SRE_MCP_MAX_RESULT_CHARS, 24,000 characters by default) and cutting it would hide
most of the problems. So the first call analyses the cluster once, keeps the findings in memory
under an unguessable id, and answers with the first page and a `next_cursor`; each later call with
that cursor answers the next page of the same snapshot, without listing the cluster again. Pages
are sized to fit the cap (with room for the rest of the result and for redaction), so the
registry's cut-to-the-cap never drops a finding between two pages.

Snapshots live in the server process (stdio: one client; HTTP: the ids are 128-bit random, so a
session only reads analyses it started or was handed) and expire: an old cursor is refused with a
sentence saying to start again, never answered from a different snapshot."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..common.results import dumps

SNAPSHOT_TTL_S = 600.0  # long enough for an agent to read every page, short enough not to serve stale state
MAX_SNAPSHOTS = 16  # analyses kept per server process; the oldest goes first
PAGE_SHARE = 0.8  # of the result cap for a page's findings: the rest is the envelope and redaction's slack
EXAMPLES_PER_REASON = 5


@dataclass(frozen=True)
class Snapshot:
    """One analysis as the first call computed it, and what it was asked."""

    namespace: str | None
    kinds: tuple[str, ...] | None
    rows: list[dict[str, Any]]
    not_read: list[str]
    created: float = field(default_factory=time.monotonic)


class Snapshots:
    """The analyses being read in pages, by id; bounded in number and age."""

    def __init__(self, ttl_s: float = SNAPSHOT_TTL_S, limit: int = MAX_SNAPSHOTS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.limit, self.clock = ttl_s, limit, clock
        self._kept: OrderedDict[str, Snapshot] = OrderedDict()
        self._lock = threading.Lock()  # tools run in worker threads

    def keep(self, snapshot: Snapshot) -> str:
        key = secrets.token_urlsafe(16)
        with self._lock:
            self._expire()
            self._kept[key] = snapshot
            while len(self._kept) > self.limit:
                self._kept.popitem(last=False)
        return key

    def get(self, key: str) -> Snapshot | None:
        with self._lock:
            self._expire()
            return self._kept.get(key)

    def _expire(self) -> None:
        now = self.clock()
        for key in [k for k, s in self._kept.items() if now - s.created > self.ttl_s]:
            del self._kept[key]


def encode_cursor(key: str, offset: int) -> str:
    return f"{key}.{offset}"


def decode_cursor(cursor: str) -> tuple[str, int]:
    """(snapshot id, offset of the page's first finding); ValueError when it is no cursor of ours."""
    key, _, offset = cursor.rpartition(".")
    if not key or not offset.isdigit():
        raise ValueError(f"{cursor!r} is not a cursor analyze returned")
    return key, int(offset)


def page_end(rows: Sequence[dict[str, Any]], start: int, budget_chars: int) -> int:
    """The end (exclusive) of the page starting at `start`: as many rows as fit in `budget_chars`
    of compact JSON, and at least one, so every page makes progress."""
    used, end = 0, start
    while end < len(rows):
        size = len(dumps(rows[end])) + 1  # the comma
        if end > start and used + size > budget_chars:
            break
        used += size
        end += 1
    return end


def page_budget(max_chars: int, envelope: dict[str, Any]) -> int:
    """Characters a page's findings may take: a share of the cap, less the rest of the result."""
    return max(int(max_chars * PAGE_SHARE) - len(dumps(envelope)), 1)


def by_reason(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The whole analysis at a glance, one row per (kind, reason, severity): how many findings and a
    few of the objects they are about (their owning workload when they have one, listed once) --
    what a reader of the first page needs to know before deciding to read the rest."""
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["kind"], row["reason"], row["severity"])
        group = groups.setdefault(key, {"kind": key[0], "reason": key[1], "severity": key[2], "count": 0,
                                        "objects": 0, "examples": [], "_seen": set()})
        group["count"] += 1
        subject = row.get("owner") or row["resource"]
        if subject not in group["_seen"]:
            group["_seen"].add(subject)
            group["objects"] += 1
            if len(group["examples"]) < EXAMPLES_PER_REASON:
                group["examples"].append(subject)
    rank = {"critical": 0, "warning": 1, "info": 2}
    ordered = sorted(groups.values(), key=lambda g: (rank.get(g["severity"], 1), -g["count"], g["kind"], g["reason"]))
    return [{k: v for k, v in g.items() if k != "_seen"} for g in ordered]
