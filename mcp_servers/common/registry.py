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
    `structuredContent` (the model, secret values already redacted where it was built) and one
    text block: the same object as compact JSON, which is what an LLM reads. A result over the
    size cap is cut at a list boundary in both, with a `truncated` notice saying how to narrow it.
  * **annotations** -- a title and all four hints (readOnly, destructive, idempotent, openWorld)
    are required keywords: each tool states what it does to the world, and clients pick tools by them.
  * **worker threads** -- the function runs off the event loop (FastMCP would call a `def` tool on
    it, and one slow backend call would stall every session of an HTTP server); backend calls
    inside keep their own deadlines (`errors.call_backend`).
  * **unknown arguments are refused** -- FastMCP drops them by default, so `{"dryRun": true}` sent
    to `scale` (whose parameter is `dry_run`) would perform the real write. A refused call names
    the argument and lists the accepted ones, and an agent corrects it on the next turn.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
from mcp.server.fastmcp import FastMCP
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field, model_validator

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

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


def tool_decorator(mcp: FastMCP) -> Callable[..., Callable[[Callable[..., R]], Callable[..., R]]]:
    """`@tool(title=..., read_only=..., destructive=..., idempotent=..., open_world=...)` for `mcp`."""

    def tool(*, title: str, read_only: bool, destructive: bool, idempotent: bool, open_world: bool,
             hint: str = "narrow the call", max_chars: int | None = None) -> Callable[[Callable[..., R]], Callable[..., R]]:
        def decorate(fn: Callable[..., R]) -> Callable[..., R]:
            register(mcp, fn, title=title, read_only=read_only, destructive=destructive, idempotent=idempotent,
                     open_world=open_world, hint=hint, max_chars=max_chars)
            return fn

        return decorate

    return tool


def register(mcp: FastMCP, fn: Callable[..., ToolResult], *, title: str, read_only: bool, destructive: bool,
             idempotent: bool, open_world: bool, hint: str = "narrow the call", max_chars: int | None = None) -> None:
    """Register the blocking function `fn` as a threaded, typed, annotated, strict tool."""
    signature = inspect.signature(fn, eval_str=True)  # tool modules use `from __future__ import annotations`
    result_type = signature.return_annotation
    if not (isinstance(result_type, type) and issubclass(result_type, ToolResult)):
        raise TypeError(f"tool {fn.__name__} must be annotated to return a ToolResult subclass, not {result_type!r}")
    if read_only and destructive:
        raise ValueError(f"tool {fn.__name__}: a read-only tool cannot be destructive")

    @functools.wraps(fn)  # keeps __name__, __doc__ and, via __wrapped__, the signature (so the schemas)
    async def in_thread(**kwargs: Any) -> CallToolResult:
        result = await anyio.to_thread.run_sync(functools.partial(fn, **kwargs))
        structured, text = fit(result.payload(), max_chars=max_chars, hint=hint)
        return CallToolResult(content=[TextContent(type="text", text=text)], structuredContent=structured)

    in_thread.__signature__ = signature  # resolved types: FastMCP derives the input and output schemas from them

    annotations = ToolAnnotations(title=title, readOnlyHint=read_only, destructiveHint=destructive,
                                  idempotentHint=idempotent, openWorldHint=open_world)
    mcp.add_tool(in_thread, title=title, annotations=annotations, structured_output=True)
    _refuse_unknown_arguments(mcp, fn.__name__)


def _refuse_unknown_arguments(mcp: FastMCP, name: str) -> None:
    """Swap the tool's argument model for one that refuses unknown arguments by name (and says
    `additionalProperties: false` in its JSON schema)."""
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

    strict_model = type(base.__name__, (base,), {
        "__module__": base.__module__,
        "model_config": ConfigDict(**{**base.model_config, "extra": "forbid"}),
        "refuse_unknown_arguments": model_validator(mode="before")(refuse_unknown),
    })
    tool.fn_metadata = tool.fn_metadata.model_copy(update={"arg_model": strict_model})
    tool.parameters = strict_model.model_json_schema(by_alias=True)
