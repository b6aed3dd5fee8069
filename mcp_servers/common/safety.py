"""Write gating and audit, shared by every server that can change the world.

Writes are off unless the server was started with --allow-writes; each write names a namespace
that must be on the --namespaces allow-list; every attempt -- allowed, refused, dry-run or real --
is appended to the audit log (JSON lines) with who, what, why and the result. The policy comes
from the server's own command line, never from a tool argument, so nothing a model reads (logs,
events) can widen it."""

from __future__ import annotations

import inspect
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcp.server.fastmcp.exceptions import ToolError

from .redaction import redact_payload, sensitive_data_allowed
from .registry import Row


class WriteRefused(ToolError):
    """A write refused before it reached the backend (policy or argument checks): audited as
    `refused`, not `failed`, because nothing was attempted on the backend."""


@dataclass
class WritePolicy:
    allow_writes: bool = False
    namespaces: frozenset[str] = field(default_factory=frozenset)  # empty = no namespace allowed
    # Cluster-scoped writes (a node's cordon or taint) without opening every namespace: --allow-node-writes.
    cluster_scoped: bool = False

    def check(self, tool: str, namespace: str | None) -> None:
        if not self.allow_writes:
            raise WriteRefused(f"{tool}: writes are disabled on this server; start it with --allow-writes "
                            "(and --namespaces) to permit changes")
        if namespace is None:
            if "*" not in self.namespaces and not self.cluster_scoped:
                raise WriteRefused(f"{tool}: cluster-scoped writes need --allow-node-writes (or '*' in --namespaces)")
            return
        if "*" not in self.namespaces and namespace not in self.namespaces:
            allowed = ", ".join(sorted(self.namespaces)) or "(none)"
            raise WriteRefused(f"{tool}: namespace {namespace!r} is not in this server's allow-list [{allowed}]; "
                            "restart the server with --namespaces including it")


class AuditStamp(Row):
    """Where a write's audit record can be found: when, and who the log names as the actor."""

    ts: str
    actor: str


class AuditLog:
    """Append-only JSON lines; one record per write attempt. `fields` are what every record of this log
    also says, after `server` (the Kubernetes server's: `cluster`, the cluster it is bound to, or null)."""

    def __init__(self, path: Path | None, server: str, actor: str = "sre-agent", fields: dict[str, Any] | None = None) -> None:
        self.path = path
        self.server = server
        self.actor = actor
        self.fields: dict[str, Any] = dict(fields or {})
        self._lock = threading.Lock()
        self.records: list[dict[str, Any]] = []  # kept in memory too, so a session can read its own trail

    def write(self, *, tool: str, args: dict[str, Any], reason: str, dry_run: bool, outcome: str,
              detail: str = "", actor: str | None = None) -> dict[str, Any]:
        record: dict[str, Any] = {
            "ts": datetime.now(UTC).isoformat(),
            "server": self.server,
            **self.fields,
            "actor": actor or self.actor,
            "tool": tool,
            "args": args,
            "reason": reason,
            "dry_run": dry_run,
            # applied | dry_run_ok | refused (policy or argument checks: nothing reached the backend)
            # | failed (the backend answered with an error); `detail` says what happened or why not
            "outcome": outcome,
            "detail": detail[:2000],
        }
        if not sensitive_data_allowed():  # a backend's answer in `detail` may quote what it holds
            record, _ = redact_payload(record)
        with self._lock:
            self.records.append(record)
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a") as handle:
                    handle.write(json.dumps(record, default=str) + "\n")
        return record


def _bounded(args: dict[str, Any], limit: int = 500) -> dict[str, Any]:
    """Arguments as the audit log keeps them: a refused call may carry anything, so long values are cut."""
    kept: dict[str, Any] = {}
    for key, value in list(args.items())[:50]:
        text = json.dumps(value, default=str)
        kept[str(key)[:100]] = value if len(text) <= limit else text[:limit] + "...(cut)"
    return kept


@dataclass
class AuditedWriteGuard:
    """The registry's WriteGuard for a server's write tools: with writes off, every call is refused
    before its arguments are even read; calls whose arguments fail validation are audited too.
    Both leave a `refused` record with the caller's arguments, reason and dry_run as sent."""

    policy: WritePolicy
    audit: AuditLog

    def admit(self, tool: str, args: dict[str, Any]) -> None:
        if not self.policy.allow_writes:
            try:
                self.policy.check(tool, None)
            except WriteRefused as exc:
                self._refused(tool, args, str(exc))
                raise

    def invalid(self, tool: str, args: dict[str, Any], message: str) -> None:
        self._refused(tool, args, f"{tool}: arguments refused ({message}); nothing was done")

    def parameters(self) -> tuple[inspect.Parameter, ...]:
        """Arguments this guard reads itself (none here; see registry.WriteGuard.parameters)."""
        return ()

    def _refused(self, tool: str, args: dict[str, Any], detail: str) -> None:
        reason = args.get("reason")
        self.audit.write(tool=tool, args=_bounded(args), reason=reason[:500] if isinstance(reason, str) else "",
                         dry_run=args.get("dry_run") is True, outcome="refused", detail=detail)
