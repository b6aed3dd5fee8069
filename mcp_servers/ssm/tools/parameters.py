"""Parameter Store reads. SecureString values are never decrypted or returned (even with
--allow-sensitive-data-access); a String parameter's value is masked by the redaction layer when
its name or its value looks secret (common/redaction.py)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.fastmcp import FastMCP
from pydantic import Field

from ...common.registry import ToolResult, tool_decorator
from .context import SsmTools

MASK = "***masked***"


class Parameter(ToolResult):
    name: str | None
    type: str | None = Field(description="String, StringList or SecureString")
    value: str = Field(description="never returned for SecureString; masked when the name or value looks secret")
    version: int | None
    last_modified: str | None
    data_type: str | None


def register(mcp: FastMCP, ctx: SsmTools) -> None:
    tool = tool_decorator(mcp)

    @tool(title="Read a Parameter Store parameter", read_only=True, destructive=False, idempotent=True,
          open_world=True)
    def get_parameter(
        name: Annotated[str, Field(min_length=1, max_length=2048, description="parameter name, e.g. /prod/app/feature-x")],
    ) -> Parameter:
        """A Parameter Store parameter's type, version and value. SecureString values are never returned,
        and secret-looking values are masked."""
        # Never WithDecryption: a SecureString's plaintext has no business in an agent's context.
        response = ctx.backend(lambda: ctx.ssm.get_parameter(Name=name, WithDecryption=False), f"get_parameter {name!r}")
        param = response["Parameter"]
        kind = param.get("Type")
        if kind == "SecureString":
            value = f"{MASK} (SecureString)"
        else:
            value = param.get("Value", "")
        return Parameter(name=param.get("Name"), type=kind, value=value, version=param.get("Version"),
                         last_modified=str(param.get("LastModifiedDate")) if param.get("LastModifiedDate") else None,
                         data_type=param.get("DataType"))
