"""Alarms: what is firing, and how an alarm's state changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import AliasChoices, Field

from ...common.registry import ToolResult, tool_decorator
from .. import reads
from .context import CloudWatchTools, TimeArg, window
from .metrics import TimeSpan

ALARM_TYPES = ["MetricAlarm", "CompositeAlarm"]


class AlarmList(ToolResult):
    count: int
    alarms: list[dict[str, Any]] = Field(description="name, state, reason, updated, threshold, metric, dimensions ... "
                                                     "(absent fields omitted); ALARM first, newest change first")


class AlarmHistory(ToolResult):
    alarm: str
    window: TimeSpan
    count: int
    items: list[dict[str, Any]] = Field(description="timestamp, type, summary, old_state, new_state, reason; newest first")
    note: str | None = None


def register(mcp: FastMCP, ctx: CloudWatchTools) -> None:
    tool = tool_decorator(mcp)
    cloudwatch = ctx.cloudwatch

    @tool(title="Describe CloudWatch alarms", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="filter by state or name_prefix")
    def describe_alarms(
        state: Annotated[Literal["OK", "ALARM", "INSUFFICIENT_DATA"] | None, Field(description="only alarms in this state")] = None,
        name_prefix: Annotated[str | None, Field(max_length=255)] = None,
        alarm_names: Annotated[list[str] | None, Field(max_length=100, description="exact alarm names")] = None,
        max_results: Annotated[int, Field(ge=1, le=1000)] = 100,
    ) -> AlarmList:
        """Alarms with state, reason, metric, threshold and dimensions; ALARM first, newest change first."""
        if name_prefix and alarm_names:
            raise ToolError("describe_alarms: pass name_prefix or alarm_names, not both")
        kwargs: dict[str, Any] = {"AlarmTypes": ALARM_TYPES}
        if state:
            kwargs["StateValue"] = state
        if name_prefix:
            kwargs["AlarmNamePrefix"] = name_prefix
        if alarm_names:
            kwargs["AlarmNames"] = alarm_names
        alarms = ctx.backend(lambda: reads.describe_alarm_rows(cloudwatch, kwargs, max_results), "describe_alarms")
        return AlarmList(count=len(alarms), alarms=alarms)

    @tool(title="An alarm's history", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="narrow the window or pick one history_type")
    def alarm_history(
        name: Annotated[str, Field(min_length=1, max_length=255, validation_alias=AliasChoices("name", "alarm_name"),
                                   description="exact alarm name")],
        start: TimeArg = "-24h",
        end: TimeArg = "now",
        history_type: Literal["StateUpdate", "ConfigurationUpdate", "Action", "all"] = "StateUpdate",
        max_results: Annotated[int, Field(ge=1, le=500)] = 50,
    ) -> AlarmHistory:
        """An alarm's state changes (or configuration updates / actions) in a window, newest first."""
        span = window(start, end, timedelta(days=14))
        items = ctx.backend(lambda: reads.alarm_history_items(cloudwatch, name, span, history_type, max_results),
                            f"alarm_history {name!r}")
        if items:
            return AlarmHistory(alarm=name, window=span.describe(), count=len(items), items=items)
        # No history: CloudWatch answers an empty list for a name it never knew, so say whether the alarm
        # exists; and an endpoint without the history API (None) leaves the alarm's last transition.
        found = ctx.backend(lambda: reads.describe_alarm_rows(cloudwatch, {"AlarmNames": [name], "AlarmTypes": ALARM_TYPES}, 1),
                            f"describe alarm {name!r}")
        if not found:
            raise ToolError(f"alarm_history: no alarm named {name!r}; describe_alarms lists the alarms")
        if items is not None:
            return AlarmHistory(alarm=name, window=span.describe(), count=0, items=[])
        alarm = found[0]
        rows = [{"timestamp": alarm.get("updated"), "type": "StateUpdate", "new_state": alarm["state"],
                 "summary": f"Alarm is {alarm['state']}", "reason": alarm.get("reason")}]
        return AlarmHistory(alarm=name, window=span.describe(), count=1, items=rows,
                            note="this endpoint does not implement DescribeAlarmHistory; showing the current state's "
                                 "last transition only")
