"""The honesty rule in code: which backends a verdict actually rests on.

"Healthy" (or "nothing wrong", "no alarms firing") is a claim about every backend the question
depends on, so it needs positive evidence from each of them. A backend whose calls failed because it
could not be reached, refused us, or timed out was not seen: the verdict becomes "could not check X:
<reason>" (status `unknown`), never "healthy". An error that shows the backend answered -- a name not
found, an argument rejected -- is evidence, not a hole."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from ..contracts import BackendCheck, ToolCallRecord

# What the servers (mcp_servers/common/errors.py) and the MCP client say when the backend *answered*:
# the question was wrong, not the connection.
_ANSWERED = re.compile(
    r"not found|no such|rejected as invalid|conflict|ValidationException|ResourceNotFound|InvalidParameter|"
    r"ParameterNotFound|validation error|is not one of|unknown (kind|analyzer)|not allowed|outside the allowed|"
    r"refused by policy|writes are off", re.IGNORECASE)


def reached_backend(error: str) -> bool:
    """Whether a failed call still proves the backend was reachable and answering."""
    return bool(_ANSWERED.search(error))


def backend_checks(calls: Iterable[ToolCallRecord], needed: Iterable[str]) -> list[BackendCheck]:
    """One BackendCheck per backend in `needed` (and per other backend that was called): checked
    when it answered at least once and never failed to answer; could_not_check when a call could
    not reach it (the first such error is the reason); not_asked when nothing was asked of it."""
    ok: dict[str, int] = {}
    failed: dict[str, int] = {}
    reason: dict[str, str] = {}
    for call in calls:
        if call.ok or reached_backend(call.excerpt):
            ok[call.server] = ok.get(call.server, 0) + 1
            continue
        failed[call.server] = failed.get(call.server, 0) + 1
        reason.setdefault(call.server, call.excerpt.strip() or f"{call.tool} failed")
    order = list(dict.fromkeys([*needed, *ok, *failed]))
    checks = []
    for backend in order:
        status: Literal["checked", "could_not_check", "not_asked"]
        if backend in failed:
            status = "could_not_check"
        elif backend in ok:
            status = "checked"
        else:
            status = "not_asked"
        checks.append(BackendCheck(backend=backend, status=status, calls_ok=ok.get(backend, 0),
                                   calls_failed=failed.get(backend, 0), reason=reason.get(backend, "")))
    return checks


def holes(checks: Iterable[BackendCheck], needed: Iterable[str]) -> list[BackendCheck]:
    """The needed backends a "healthy" verdict may not rest on: not reached, or never asked."""
    wanted = set(needed)
    return [c for c in checks if c.backend in wanted and c.status != "checked"]


def could_not_check_sentence(missing: Iterable[BackendCheck]) -> str:
    """'could not check kubernetes: <reason>; could not check cloudwatch: not asked' -- for answers."""
    parts = []
    for check in missing:
        why = check.reason if check.status == "could_not_check" else "no evidence was gathered from it"
        parts.append(f"could not check {check.backend}: {why}")
    return "; ".join(parts)
