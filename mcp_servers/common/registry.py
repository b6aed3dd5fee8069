"""The one way a tool joins a server: typed result, annotations, a worker thread, strict arguments.

Every tool module writes its tools as plain (blocking) functions that return a `ToolResult`
subclass, and registers them with `tool_decorator(mcp)`:

    tool = tool_decorator(mcp)

    @tool(title="List objects", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="add a namespace or lower limit")
    def get_resources(kind: str, ...) -> ResourceList:
        ...

What registration does, so no tool has to:
  * **typed results** -- the return annotation is the tool's `outputSchema`; a call answers with
    `structuredContent` (the model) and one text block: the same object as compact JSON, which is
    what an LLM reads. A result over the size cap is cut at a list boundary in both, with a
    `truncated` notice saying how to narrow it.
  * **redaction** -- every result, and every error message, passes through `redaction.py` before
    it leaves (unless the server runs with --allow-sensitive-data-access): secret-shaped values are
    masked wherever they sit, and the result's `redacted` field says how many were.
  * **annotations** -- a title and all four hints (readOnly, destructive, idempotent, openWorld)
    are required keywords: each tool states what it does to the world, and clients pick tools by them.
  * **worker threads** -- the function runs off the event loop (FastMCP would call a `def` tool on
    it, and one slow backend call would stall every session of an HTTP server); backend calls
    inside keep their own deadlines (`errors.call_backend`).
  * **unknown arguments are refused** -- FastMCP drops them by default, so `{"dryRun": true}` sent
    to `scale` (whose parameter is `dry_run`) would perform the real write. A refused call names
    the argument and lists the accepted ones, and an agent corrects it on the next turn.
  * **write attempts reach the audit trail even when their arguments do not validate** -- a
    `WriteGuard` given to `tool_decorator` sees every call of a tool that is not read-only before
    its arguments are checked (`admit`: a server with writes off refuses here, whatever the
    arguments) and hears about arguments that fail (`invalid`), which FastMCP would otherwise
    refuse before the tool -- and its audit -- ever ran. A guard may also read arguments of its own
    (`parameters`: the Kubernetes server's `expect_cluster`), which every write tool then declares
    in its input schema and never sees.

`list_only_read_tools(mcp)` hides the tools that are not read-only from `tools/list` (a server
started without writes); they stay callable, so a call still gets the refusal and is audited.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import anyio.to_thread
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from mcp.types import Tool as ToolInfo
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .redaction import redact_payload, redact_text, sensitive_data_allowed
from .results import fit

log = logging.getLogger(__name__)
R = TypeVar("R", bound="ToolResult")


class Truncation(BaseModel):
    """Present only when a result was cut to the size cap."""

    field: str = Field(description="the list that was cut")
    kept: int
    omitted: int
    total: int
    hint: str = Field(description="how to narrow the call")


class Row(BaseModel):
    """Base of the nested parts of a result: a key the model does not declare is an error, not
    silently dropped, so a result's shape cannot drift from its outputSchema."""

    model_config = ConfigDict(extra="forbid")


class ToolResult(BaseModel):
    """Base of every tool's result. Fields a tool sets are sent; optional fields it leaves unset
    are omitted (not sent as null), so a result has exactly the keys the tool filled in."""

    model_config = ConfigDict(extra="forbid")

    truncated: Truncation | None = Field(default=None, description="set when the result was cut to the size cap")
    redacted: int = Field(default=0, description="how many secret-shaped values were masked in this result "
                                                 "(***redacted***); 0 when the server allows sensitive data")

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class WriteGuard(Protocol):
    """Sees the raw arguments of every call of a write tool (one that is not read-only)."""

    def admit(self, tool: str, args: dict[str, Any]) -> None:
        """Before the arguments are checked: raise (a ToolError) to refuse the call outright."""

    def invalid(self, tool: str, args: dict[str, Any], message: str) -> None:
        """The arguments were refused with `message` (the call is refused after this returns)."""

    def parameters(self) -> tuple[inspect.Parameter, ...]:
        """Arguments the guard reads itself in `admit` (keyword-only, each with a default): added to every
        write tool's signature, so to its input schema, and taken out of the call before the tool runs."""


def tool_decorator(mcp: FastMCP, guard: WriteGuard | None = None) -> Callable[..., Callable[[Callable[..., R]], Callable[..., R]]]:
    """`@tool(title=..., read_only=..., destructive=..., idempotent=..., open_world=...)` for `mcp`;
    `guard` watches the calls of its write tools (see the module docstring)."""

    def tool(*, title: str, read_only: bool, destructive: bool, idempotent: bool, open_world: bool,
             hint: str = "narrow the call", max_chars: int | None = None) -> Callable[[Callable[..., R]], Callable[..., R]]:
        def decorate(fn: Callable[..., R]) -> Callable[..., R]:
            register(mcp, fn, title=title, read_only=read_only, destructive=destructive, idempotent=idempotent,
                     open_world=open_world, hint=hint, max_chars=max_chars, guard=None if read_only else guard)
            return fn

        return decorate

    return tool


def register(mcp: FastMCP, fn: Callable[..., ToolResult], *, title: str, read_only: bool, destructive: bool,
             idempotent: bool, open_world: bool, hint: str = "narrow the call", max_chars: int | None = None,
             guard: WriteGuard | None = None) -> None:
    """Register the blocking function `fn` as a threaded, typed, annotated, strict tool."""
    signature = inspect.signature(fn, eval_str=True)  # tool modules use `from __future__ import annotations`
    result_type = signature.return_annotation
    if not (isinstance(result_type, type) and issubclass(result_type, ToolResult)):
        raise TypeError(f"tool {fn.__name__} must be annotated to return a ToolResult subclass, not {result_type!r}")
    if read_only and destructive:
        raise ValueError(f"tool {fn.__name__}: a read-only tool cannot be destructive")
    guarded = guard.parameters() if guard is not None else ()
    clash = sorted(p.name for p in guarded if p.name in signature.parameters)
    if clash:
        raise TypeError(f"tool {fn.__name__} declares {', '.join(clash)}, which its write guard reads itself")

    def call_and_redact(kwargs: dict[str, Any]) -> dict[str, Any]:
        for parameter in guarded:  # the guard has checked them (admit); the tool does not take them
            kwargs.pop(parameter.name, None)
        try:
            payload = fn(**kwargs).payload()
        except Exception as exc:
            _raise_redacted(exc)
            raise
        if sensitive_data_allowed():
            return {**payload, "redacted": 0}
        redacted, count = redact_payload(payload)
        return {**redacted, "redacted": count}

    @functools.wraps(fn)  # keeps __name__, __doc__ and, via __wrapped__, the signature (so the schemas)
    async def in_thread(**kwargs: Any) -> CallToolResult:
        # In the worker thread too: redaction is CPU work, and a large result must not stall the loop.
        payload = await anyio.to_thread.run_sync(call_and_redact, kwargs)
        structured, text = fit(payload, max_chars=max_chars, hint=hint)
        return CallToolResult(content=[TextContent(type="text", text=text)], structuredContent=structured)

    # resolved types: FastMCP derives the input and output schemas from them
    in_thread.__signature__ = signature.replace(parameters=[*signature.parameters.values(), *guarded])

    annotations = ToolAnnotations(title=title, readOnlyHint=read_only, destructiveHint=destructive,
                                  idempotentHint=idempotent, openWorldHint=open_world)
    mcp.add_tool(in_thread, title=title, annotations=annotations, structured_output=True)
    _refuse_unknown_arguments(mcp, fn.__name__, guard)


def _raise_redacted(exc: Exception) -> None:
    """An error can quote what the backend saw (an object, a log line): its message leaves redacted
    too. Raises a ToolError with the redacted message when there was something to mask."""
    if sensitive_data_allowed():
        return
    message, count = redact_text(str(exc))
    if count:
        raise ToolError(message) from None


def list_only_read_tools(mcp: FastMCP) -> None:
    """Answer `tools/list` with the read-only tools alone: a client of a server whose writes are off
    is not offered tools it cannot use. The others stay registered, so calling one anyway gets the
    server's own refusal ("writes are disabled ...") and an audit record, not "unknown tool"."""
    async def list_reads() -> list[ToolInfo]:
        return [t for t in await mcp.list_tools() if t.annotations is not None and t.annotations.readOnlyHint is True]

    mcp._mcp_server.list_tools()(list_reads)  # replaces FastMCP's handler; FastMCP has no filter hook


def _validation_summary(exc: ValidationError) -> str:
    """One line per bad argument ("replicas: Input should be a valid integer"), for the audit log."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors())


def _refuse_unknown_arguments(mcp: FastMCP, name: str, guard: WriteGuard | None = None) -> None:
    """Swap the tool's argument model for one that refuses unknown arguments by name (and says
    `additionalProperties: false` in its JSON schema), and -- for a write tool -- lets `guard` see
    the call before and when its arguments fail."""
    tool = mcp._tool_manager.get_tool(name)  # FastMCP keeps no public handle on a registered tool
    base = tool.fn_metadata.arg_model
    accepted: set[str] = set()
    for field_name, info in base.model_fields.items():
        accepted.add(info.alias or field_name)
        choices = getattr(info.validation_alias, "choices", None)
        if choices:
            accepted.update(c for c in choices if isinstance(c, str))
        elif isinstance(info.validation_alias, str):
            accepted.add(info.validation_alias)
    shown = ", ".join(sorted(accepted)) or "(none)"

    def refuse_unknown(cls: type[BaseModel], data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(k for k in data if k not in accepted)
            if unknown:
                raise ValueError(f"{name}: unknown argument(s) {', '.join(map(repr, unknown))}; "
                                 f"accepted: {shown}. Nothing was done; call again with accepted names only")
        return data

    def guarded(cls: type[BaseModel], data: Any, handler: Any) -> Any:
        raw = data if isinstance(data, dict) else {}
        assert guard is not None
        guard.admit(name, raw)  # a ToolError raised here is not a ValueError: pydantic lets it through as is
        try:
            return handler(data)
        except ValidationError as exc:
            guard.invalid(name, raw, _validation_summary(exc))
            raise

    namespace: dict[str, Any] = {
        "__module__": base.__module__,
        "model_config": ConfigDict(**{**base.model_config, "extra": "forbid"}),
        "refuse_unknown_arguments": model_validator(mode="before")(refuse_unknown),
    }
    if guard is not None:  # defined after the before-validator, so it wraps it (and sees its refusals)
        namespace["guard_write"] = model_validator(mode="wrap")(guarded)
    strict_model = type(base.__name__, (base,), namespace)
    tool.fn_metadata = tool.fn_metadata.model_copy(update={"arg_model": strict_model})
    tool.parameters = strict_model.model_json_schema(by_alias=True)
