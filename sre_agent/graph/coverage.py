"""The honesty rule in code: which backends a verdict actually rests on.

"Healthy" (or "nothing wrong", "no alarms firing") is a claim about every backend the question
depends on, so it needs positive evidence from each of them. A backend whose calls failed because it
could not be reached, refused us, or timed out was not seen: the verdict becomes "could not check X:
<reason>" (status `unknown`), never "healthy". An error that shows the backend answered -- a name not
found, an argument rejected -- is evidence, not a hole.

A failed call's error text falls in one of three classes (`classify_error`), read from the sentences
the servers write (mcp_servers/common/errors.py `describe_exception` / `call_backend`, the tools'
own argument checks, the registry's unknown-argument refusal, the write gate in common/safety.py)
and from what the Toolbox writes when the MCP session itself fails ("<ExceptionType>: <message>"):

  * unreachable -- the backend was not seen: unreachable, timed out, refused us (401/403,
    AccessDenied, no credentials), throttled, a 5xx, the MCP server died or never started. A hole.
  * answered    -- the backend answered, the question was wrong: 404 not found, 409 conflict, 422
    invalid, an AWS ValidationException / ResourceNotFoundException. Positive evidence it is up.
  * not_sent    -- the MCP server refused the call before it reached the backend (unknown argument,
    writes off, a namespace outside the allow-list, a bad statistic): says nothing either way.

Anything unrecognised is `unreachable`: mistaking a dead backend for an answering one would let a
"healthy" verdict through, mistaking an answer for a hole only costs an honest "could not check"."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from ..contracts import BackendCheck, ToolCallRecord

ErrorClass = Literal["answered", "not_sent", "unreachable"]

# What a "healthy" verdict depends on: the cluster and its telemetry (ssm holds runbooks, not health).
HEALTH_BACKENDS: tuple[str, ...] = ("kubernetes", "cloudwatch")

# Checked first, so a sentence that happens to contain "not found" (a URL, a resource name) inside a
# connection error still counts as a hole.
_UNREACHABLE = re.compile(
    r"unreachable|did not answer within|did not start|timed? ?out|connection (refused|reset|closed|aborted)"
    r"|access denied|AccessDenied|UnauthorizedOperation|Unauthorized|Forbidden|throttled|no AWS credentials"
    r"|ExpiredToken|UnrecognizedClient|InvalidClientTokenId|InvalidSignature|AuthFailure|SignatureDoesNotMatch"
    r"|Kubernetes API answered (5\d\d|429)|AWS error (InternalFailure|InternalError|ServiceUnavailable|5\d\d)"
    r"|^(McpError|ClosedResourceError|BrokenResourceError|EndOfStream|ConnectError|ReadTimeout|RemoteProtocolError"
    r"|OSError|ConnectionError|LookupError)\b", re.IGNORECASE)
# The backend answered; the question was wrong.
_ANSWERED = re.compile(
    r": not found \(|: conflict \(|rejected as invalid|Kubernetes API answered 4\d\d"
    r"|\b(ResourceNotFoundException|ResourceNotFound|InvalidParameterValue|InvalidParameterCombination"
    r"|ValidationException|ParameterNotFound|InvalidDocument|InvalidDocumentContent|InvalidNextToken"
    r"|InvalidInstanceId|InvalidResourceId|DoesNotExist)\b"
    r"|no alarm named|no rollout history|unable to find specified revision|does not implement", re.IGNORECASE)
# Refused by the MCP server before anything reached the backend.
_NOT_SENT = re.compile(
    r"unknown argument|validation error|unknown tool|writes are disabled|not in this server's allow-list"
    r"|cluster-scoped writes need|arguments refused|refused by policy|writes are off|outside the allowed"
    r"|unknown (kind|analyzer|statistic)|is not allowed; CloudWatch takes|datapoints per statistic"
    r"|namespace is required|is not a valid regular expression|not both|must be above|before it starts"
    r"|baseline window must", re.IGNORECASE)


# FastMCP's wrapper around a tool's own error sentence: noise in an answer.
_MCP_WRAPPER = re.compile(r"^Error executing tool \w+: ")


def classify_error(error: str) -> ErrorClass:
    """What a failed call's error says about its backend (see the module docstring)."""
    if _UNREACHABLE.search(error):
        return "unreachable"
    if _ANSWERED.search(error):
        return "answered"
    if _NOT_SENT.search(error):
        return "not_sent"
    return "unreachable"


def reached_backend(error: str) -> bool:
    """Whether a failed call still proves the backend was reachable and answering."""
    return classify_error(error) == "answered"


def backend_checks(calls: Iterable[ToolCallRecord], needed: Iterable[str]) -> list[BackendCheck]:
    """One BackendCheck per backend in `needed` (and per other backend that was called): checked
    when it answered at least once and never failed to answer; could_not_check when a call could
    not reach it (the first such error is the reason); not_asked when nothing was asked of it (a
    call the server refused before it reached the backend asks nothing)."""
    ok: dict[str, int] = {}
    failed: dict[str, int] = {}
    reason: dict[str, str] = {}
    for call in calls:
        kind = "answered" if call.ok else classify_error(call.excerpt)
        if kind == "answered":
            ok[call.server] = ok.get(call.server, 0) + 1
        elif kind == "unreachable":
            failed[call.server] = failed.get(call.server, 0) + 1
            reason.setdefault(call.server, _MCP_WRAPPER.sub("", call.excerpt).strip() or f"{call.tool} failed")
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


def short_reason(reason: str, limit: int = 240) -> str:
    """An error sentence cut for an answer line: whole words, an ellipsis when cut."""
    reason = " ".join(reason.split())
    if len(reason) <= limit:
        return reason
    return reason[:limit].rsplit(" ", 1)[0] + " ..."


def could_not_check_sentence(missing: Iterable[BackendCheck]) -> str:
    """'could not check kubernetes: <reason>; could not check cloudwatch: not asked' -- for answers."""
    parts = []
    for check in missing:
        why = short_reason(check.reason) if check.status == "could_not_check" else "no evidence was gathered from it"
        parts.append(f"could not check {check.backend}: {why}")
    return "; ".join(parts)


def checked_sentence(checks: Iterable[BackendCheck]) -> str:
    """'kubernetes (12 calls)' -- what *was* seen, for the answer beside what could not be."""
    seen = [f"{c.backend} ({c.calls_ok} call{'s' if c.calls_ok != 1 else ''})" for c in checks if c.status == "checked"]
    return ", ".join(seen) or "nothing"
